"""Hostile input: every malformed request gets a clear refusal, stores nothing,
and the service keeps serving.

Each refusal test checks the status, that the message and the violations name
the problem, that system.Health still answers OK afterwards, and that the
organization, ht_outbox and ht_idempotency row counts did not change.
"""
import random
import unittest
import uuid

import zmq
from zmq.utils.monitor import recv_monitor_message

from harness import (ServiceTest, Status, ZMQ, decode, envelope_pb2, health, new_key,
                     org_request, registry_pb2, system_pb2, uscc)

LIMIT = 4096                        # --max-request-bytes of this test's service
HARD_CAP = 4 * LIMIT                # ZMQ_MAXMSGSIZE: above it the peer is dropped
REGISTER = "registry.RegisterOrganization"
STATUS_NUMBERS = set(envelope_pb2.Status.values())

# ---------------------------------------------------------------------------
# Raw protobuf encoding, for what the generated classes refuse to build
# (unknown fields, invalid UTF-8, enum numbers out of range).

VARINT, LEN = 0, 2


def varint(n):
    n &= (1 << 64) - 1              # negative int32/int64 are 10-byte varints
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def field(number, wire_type, value):
    """One encoded field: an int for VARINT, bytes for LEN."""
    key = varint(number << 3 | wire_type)
    if wire_type == VARINT:
        return key + varint(value)
    return key + varint(len(value)) + value


def envelope(method, payload, key=None, request_id=None):
    request = envelope_pb2.Request(request_id=request_id or new_key(), method=method)
    if key is not None:
        request.idempotency_key = key
    request.payload = payload if isinstance(payload, bytes) else payload.SerializeToString()
    return request.SerializeToString()


def read_varint(data, at):
    value, shift = 0, 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, at


def invalid_strings(data, descriptor, path=""):
    """Paths of the string fields in serialized `data` (of message `descriptor`) that are not
    valid UTF-8, found on the wire bytes: a decoder might repair or refuse them silently."""
    from google.protobuf.descriptor import FieldDescriptor
    bad, at = [], 0
    while at < len(data):
        key, at = read_varint(data, at)
        number, wire_type = key >> 3, key & 7
        if wire_type == VARINT:
            _, at = read_varint(data, at)
        elif wire_type == 1:
            at += 8
        elif wire_type == 5:
            at += 4
        elif wire_type == LEN:
            length, at = read_varint(data, at)
            value, at = data[at:at + length], at + length
            fd = descriptor.fields_by_number.get(number)
            name = path + (fd.name if fd else str(number))
            if fd is not None and fd.type == FieldDescriptor.TYPE_STRING:
                try:
                    value.decode("utf-8")
                except UnicodeDecodeError:
                    bad.append(name)
            elif fd is not None and fd.type == FieldDescriptor.TYPE_MESSAGE:
                bad.extend(invalid_strings(value, fd.message_type, name + "."))
        else:
            raise AssertionError("reply has wire type %d: not a protobuf message" % wire_type)
    return bad


def exactly(size, make):
    """make(k) for the padding length k that makes it exactly `size` bytes long."""
    k = 0
    for _ in range(8):
        frame = make(k)
        if len(frame) == size:
            return frame
        k = max(0, k + size - len(frame))
    raise AssertionError("cannot build a frame of exactly %d bytes" % size)


def register_frame(payload):
    return envelope(REGISTER, payload, key=new_key())


class HostileInput(ServiceTest):
    args = ("--max-request-bytes", str(LIMIT))

    # -- helpers -------------------------------------------------------------

    serial = 0          # registration numbers, unique across the tests of the class

    def setUp(self):
        self.before = self.counts()

    def counts(self):
        return tuple(self.svc.db.query(
            "SELECT (SELECT count(*) FROM organization), (SELECT count(*) FROM ht_outbox),"
            " (SELECT count(*) FROM ht_idempotency)")[0])

    def next_n(self):
        """A number for org_request/uscc no other test of this class uses."""
        type(self).serial += 1
        return type(self).serial

    def send(self, frame, kind=zmq.DEALER, timeout=5.0):
        """Sends `frame` and returns the decoded Reply, after checking that every string in the
        reply, as it came on the wire, is valid UTF-8."""
        with self.svc.client(kind) as client:
            client.send_frame(frame)
            raw = client.recv_frame(timeout)
        self.assertEqual(invalid_strings(raw, envelope_pb2.Reply.DESCRIPTOR), [],
                         "reply strings that are not valid UTF-8")
        return envelope_pb2.Reply.FromString(raw)

    def assertRefused(self, reply, status, field=None, *words):
        """`reply` has `status`; `field` is among its violations and named in the
        message (when given); each of `words` is in the message."""
        self.assertEqual(Status.Name(reply.status), Status.Name(status),
                         "expected %s, got %s: %r" % (Status.Name(status), Status.Name(reply.status),
                                                      reply.message))
        self.assertTrue(reply.message, "a refusal must say what is wrong")
        self.assertFalse(reply.HasField("payload"), "a refusal carries no payload")
        if field is not None:
            fields = [v.field for v in reply.violations]
            self.assertIn(field, fields, "expected a violation on %r, got %r (%r)"
                          % (field, fields, reply.message))
            for violation in reply.violations:
                self.assertTrue(violation.description, "violation %r has no description" % violation.field)
        for word in words:
            self.assertIn(word, reply.message, "expected %r in the message %r" % (word, reply.message))

    def assertServingAndNothingStored(self):
        self.assertTrue(health(self.svc).database_ok, "health reports database_ok false afterwards")
        self.assertEqual(self.counts(), self.before,
                         "(organization, ht_outbox, ht_idempotency) row counts changed after a refusal")

    def register(self, request):
        return self.send(register_frame(request))

    # -- frames that are not requests ------------------------------------------

    def test_random_byte_frames_are_refused_without_storing_anything(self):
        rng = random.Random(20240611)
        with self.svc.client() as client:
            for i in range(300):
                frame = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 600)))
                reply = client.exchange(frame)
                self.assertIn(reply.status, STATUS_NUMBERS, "frame %d: status %d is not a Status" % (i, reply.status))
                self.assertNotEqual(reply.status, Status.OK, "frame %d (%r) was accepted" % (i, frame[:40]))
                self.assertTrue(reply.message, "frame %d: refusal without a message" % i)
                self.assertTrue(reply.violations, "frame %d: refusal without a violation" % i)
        self.assertServingAndNothingStored()

    def test_bit_flipped_read_requests_get_well_formed_replies(self):
        rng = random.Random(7)
        originals = [
            envelope("system.Health", system_pb2.HealthRequest()),
            envelope("system.ReadEvents", system_pb2.ReadEventsRequest(stream="registry", limit=5)),
            envelope("registry.GetOrganization", registry_pb2.GetOrganizationRequest(id=str(uuid.uuid4()))),
            envelope("registry.ListOrganizations", registry_pb2.ListOrganizationsRequest(name_contains="Lab")),
        ]
        with self.svc.client() as client:
            for i in range(200):
                frame = bytearray(rng.choice(originals))
                for _ in range(rng.randint(1, 3)):
                    frame[rng.randrange(len(frame))] ^= 1 << rng.randrange(8)
                reply = client.exchange(bytes(frame))
                self.assertIn(reply.status, STATUS_NUMBERS, "mutation %d: status %d" % (i, reply.status))
                if reply.status != Status.OK:
                    self.assertTrue(reply.message, "mutation %d: refusal without a message" % i)
        self.assertServingAndNothingStored()

    def test_truncated_envelope_is_refused_as_not_a_request(self):
        frame = register_frame(org_request(self.next_n()))
        for cut in range(1, len(frame)):
            reply = self.send(frame[:cut])
            self.assertNotEqual(reply.status, Status.OK, "a frame cut to %d of %d bytes was accepted"
                                % (cut, len(frame)))
        # Cut inside the last field (the payload): the envelope itself does not decode.
        self.assertRefused(self.send(frame[:-1]), Status.INVALID_ARGUMENT, "request", "hetao.v1.Request")
        self.assertRefused(self.send(frame[:-30]), Status.INVALID_ARGUMENT, "request", "hetao.v1.Request")
        self.assertServingAndNothingStored()

    def test_envelope_with_unknown_field_number_is_refused_naming_the_field(self):
        frame = envelope("system.Health", system_pb2.HealthRequest()) + field(99, VARINT, 1)
        self.assertRefused(self.send(frame), Status.INVALID_ARGUMENT, "request", "99")
        frame = register_frame(org_request(self.next_n())) + field(15, LEN, b"extra")
        self.assertRefused(self.send(frame), Status.INVALID_ARGUMENT, "request", "15")
        self.assertServingAndNothingStored()

    def test_missing_or_unprintable_request_id_is_refused(self):
        for request_id in (None, "", "x" * 129, "has space", "caf\u00e9"):
            request = envelope_pb2.Request(method="system.Health",
                                           payload=system_pb2.HealthRequest().SerializeToString())
            if request_id is not None:
                request.request_id = request_id
            self.assertRefused(self.send(request.SerializeToString()), Status.INVALID_ARGUMENT,
                               "request.request_id", "request.request_id")
        self.assertServingAndNothingStored()

    def test_missing_method_is_refused(self):
        for method in (None, ""):
            request = envelope_pb2.Request(request_id=new_key())
            if method is not None:
                request.method = method
            reply = self.send(request.SerializeToString())
            self.assertRefused(reply, Status.INVALID_ARGUMENT, "request.method", "request.method")
            self.assertEqual(reply.request_id, request.request_id, "request_id not echoed")
        self.assertServingAndNothingStored()

    def test_unknown_method_is_unimplemented_naming_request_method(self):
        for method in ("registry.DropEverything", "system.health", "registry", "billing.Pay"):
            reply = self.send(envelope(method, b"", key=new_key()))
            self.assertRefused(reply, Status.UNIMPLEMENTED, "request.method", "request.method", method)
        self.assertServingAndNothingStored()

    def test_mutating_method_without_idempotency_key_is_refused(self):
        for key in (None, "", "k" * 129, "tab\tkey"):
            frame = envelope(REGISTER, org_request(self.next_n()), key=key)
            self.assertRefused(self.send(frame), Status.INVALID_ARGUMENT,
                               "request.idempotency_key", "request.idempotency_key")
        self.assertServingAndNothingStored()

    def test_nul_or_control_character_in_the_idempotency_key_is_named_with_the_request_id_echoed(self):
        for key, words in (("bad\x00key", ("NUL",)), ("bad\x01key", ("control character", "0x01", "position 4")),
                           ("bad\x7fkey", ("control character",)), ("has space", ("space",))):
            with self.subTest(key=key):
                request_id = "rid-" + new_key()
                reply = self.send(envelope(REGISTER, org_request(self.next_n()), key=key, request_id=request_id))
                self.assertRefused(reply, Status.INVALID_ARGUMENT, "request.idempotency_key",
                                   "request.idempotency_key", *words)
                self.assertEqual(reply.request_id, request_id, "request_id not echoed")
        self.assertServingAndNothingStored()

    def test_every_refusal_of_a_decoded_envelope_echoes_its_request_id(self):
        request_id = "echo-" + new_key()
        frames = [envelope("registry.Nope", b"", request_id=request_id),
                  envelope(REGISTER, b"\xff\xff", key=new_key(), request_id=request_id),
                  envelope(REGISTER, org_request(self.next_n()), request_id=request_id),
                  envelope(REGISTER, org_request(self.next_n()), key="k" * 129, request_id=request_id),
                  envelope("system.Health", b"", request_id=request_id) + field(15, LEN, b"x")]
        for frame in frames:
            reply = self.send(frame)
            self.assertNotEqual(reply.status, Status.OK)
            self.assertEqual(reply.request_id, request_id, "not echoed: %s" % reply.message)
        # An id that is itself not printable is still echoed when it is valid UTF-8 ...
        reply = self.send(envelope("system.Health", b"", request_id="caf\u00e9 au lait"))
        self.assertRefused(reply, Status.INVALID_ARGUMENT, "request.request_id", "non-ASCII")
        self.assertEqual(reply.request_id, "caf\u00e9 au lait")
        # ... and a frame that is not a Request gets an empty one.
        reply = self.send(b"\xff\xff\xff")
        self.assertRefused(reply, Status.INVALID_ARGUMENT, "request")
        self.assertEqual(reply.request_id, "")

    def test_messages_quoting_long_multibyte_input_cut_it_at_a_character_boundary(self):
        for width, char in ((2, "\u00e9"), (3, "\u6cb3"), (4, "\U0001f600")):
            for shift in range(4):              # every alignment against the cut
                with self.subTest(width=width, shift=shift):
                    method = "registry." + "x" * shift + char * (200 // width)
                    reply = self.send(envelope(method, b"", key=new_key()))
                    self.assertRefused(reply, Status.UNIMPLEMENTED, "request.method")
                    self.assertIn(char * 10, reply.message)
                    stream = "s" * shift + char * (200 // width)
                    reply = self.send(envelope("system.ReadEvents",
                                               system_pb2.ReadEventsRequest(stream=stream)))
                    self.assertRefused(reply, Status.NOT_FOUND, "stream")
        self.assertServingAndNothingStored()

    # -- payloads that are not the method's request ---------------------------------

    def test_empty_register_payload_names_every_missing_field(self):
        reply = self.register(b"")
        self.assertRefused(reply, Status.INVALID_ARGUMENT)
        fields = {v.field for v in reply.violations}
        for name in ("kind", "name_en", "region", "registration_type", "registration_id"):
            self.assertIn(name, fields, "the violations %r do not name the missing %s" % (fields, name))
        self.assertServingAndNothingStored()

    def test_payload_of_another_type_is_refused_naming_request_payload(self):
        cases = [
            (REGISTER, registry_pb2.GetOrganizationRequest(id=str(uuid.uuid4()))),
            (REGISTER, system_pb2.HealthReply(service="registry", workers=3, database_ok=True)),
            (REGISTER, system_pb2.ReadEventsRequest(stream="registry", after_sequence=5, limit=3)),
            ("registry.GetOrganization", org_request(self.next_n())),
            # a HealthRequest has no fields: any field at all is unknown
            ("system.Health", registry_pb2.GetOrganizationRequest(id=str(uuid.uuid4()))),
            ("system.Health", system_pb2.ReadEventsRequest(limit=1)),
        ]
        for method, payload in cases:
            with self.subTest(method=method, payload=payload.DESCRIPTOR.full_name):
                reply = self.send(envelope(method, payload, key=new_key()))
                self.assertRefused(reply, Status.INVALID_ARGUMENT, "request.payload", "request.payload")
        self.assertServingAndNothingStored()

    def test_payload_with_unknown_fields_is_refused_naming_the_field_number(self):
        junk = field(50, VARINT, 7) + field(51, LEN, b"\x00\x01\x02")
        self.assertRefused(self.register(junk), Status.INVALID_ARGUMENT, "request.payload", "50")
        # a valid registration plus one field it does not define
        payload = org_request(self.next_n()).SerializeToString() + field(20, VARINT, 1)
        self.assertRefused(self.register(payload), Status.INVALID_ARGUMENT, "request.payload", "20")
        # an unknown field nested inside a sub-message (UpdateOrganizationRequest.sectors)
        sectors = field(1, VARINT, registry_pb2.SECTOR_ROBOTICS) + field(9, VARINT, 1)
        update = (registry_pb2.UpdateOrganizationRequest(id=str(uuid.uuid4())).SerializeToString()
                  + field(6, LEN, sectors))
        reply = self.send(envelope("registry.UpdateOrganization", update, key=new_key()))
        self.assertRefused(reply, Status.INVALID_ARGUMENT, "request.payload", "9")
        self.assertServingAndNothingStored()

    def test_payload_that_is_not_protobuf_is_refused_naming_request_payload(self):
        for junk in (b"\xff\xff\xff", b"\x0a\x50short", b"{\"kind\": 1}"):
            self.assertRefused(self.register(junk), Status.INVALID_ARGUMENT, "request.payload", "request.payload")
        self.assertServingAndNothingStored()

    # -- frames and sockets ---------------------------------------------------------

    def test_request_of_two_frames_is_refused(self):
        frame = envelope("system.Health", system_pb2.HealthRequest())
        with self.svc.client(zmq.DEALER) as client:
            client.sock.send_multipart([b"", frame, frame])
            reply = envelope_pb2.Reply.FromString(client.recv_frame())
            self.assertRefused(reply, Status.INVALID_ARGUMENT, "request", "one frame")
        with self.svc.client(zmq.REQ) as client:
            client.sock.send_multipart([register_frame(org_request(self.next_n())), b"second"])
            reply = envelope_pb2.Reply.FromString(client.recv_frame())
            self.assertRefused(reply, Status.INVALID_ARGUMENT, "request", "one frame")
        self.assertServingAndNothingStored()

    def test_req_and_dealer_with_and_without_delimiter_all_get_answers(self):
        good = envelope("system.Health", system_pb2.HealthRequest(), request_id="rid-good")
        bad = envelope("registry.Nope", b"", request_id="rid-bad")
        sockets = []
        try:
            req = ZMQ.socket(zmq.REQ)
            with_delimiter = ZMQ.socket(zmq.DEALER)
            without_delimiter = ZMQ.socket(zmq.DEALER)
            sockets = [req, with_delimiter, without_delimiter]
            for sock in sockets:
                self.svc.admin.apply(sock, self.svc.server.public)
                sock.setsockopt(zmq.LINGER, 0)
                sock.connect(self.svc.endpoint)
            for frame, status in ((good, Status.OK), (bad, Status.UNIMPLEMENTED)):
                expected_id = envelope_pb2.Request.FromString(frame).request_id
                req.send(frame)
                with_delimiter.send_multipart([b"", frame])
                without_delimiter.send(frame)
                for sock, shape in ((req, 1), (with_delimiter, 2), (without_delimiter, 1)):
                    self.assertTrue(sock.poll(5000), "no reply within 5 s")
                    frames = sock.recv_multipart()
                    self.assertEqual(len(frames), shape, "reply frames %r" % frames)
                    if shape == 2:
                        self.assertEqual(frames[0], b"", "a delimited request gets a delimited reply")
                    reply = envelope_pb2.Reply.FromString(frames[-1])
                    self.assertEqual(Status.Name(reply.status), Status.Name(status))
                    self.assertEqual(reply.request_id, expected_id)
        finally:
            for sock in sockets:
                sock.close()
        self.assertServingAndNothingStored()

    def test_frame_of_exactly_the_limit_is_decoded(self):
        frame = exactly(LIMIT, lambda k: envelope("system.Health", field(1000, LEN, b"p" * k)))
        reply = self.send(frame)
        # Past the size check: refused for the unknown payload field instead.
        self.assertRefused(reply, Status.INVALID_ARGUMENT, "request.payload", "1000")
        self.assertServingAndNothingStored()

    def test_frame_above_max_request_bytes_is_resource_exhausted(self):
        base = register_frame(org_request(self.next_n()))
        for size in (LIMIT + 1, 2 * LIMIT, HARD_CAP):
            frame = exactly(size, lambda k: base + field(31, LEN, b"x" * k))
            self.assertRefused(self.send(frame), Status.RESOURCE_EXHAUSTED, "request", str(size), str(LIMIT))
        self.assertServingAndNothingStored()

    def test_frame_above_hard_cap_drops_the_connection_while_others_are_served(self):
        bystander = self.svc.client(zmq.DEALER)
        hostile = ZMQ.socket(zmq.DEALER)
        self.svc.admin.apply(hostile, self.svc.server.public)
        hostile.setsockopt(zmq.LINGER, 0)
        monitor = hostile.get_monitor_socket(zmq.EVENT_CONNECTED | zmq.EVENT_DISCONNECTED)
        try:
            hostile.connect(self.svc.endpoint)
            self.assertEqual(self.next_event(monitor), zmq.EVENT_CONNECTED)
            hostile.send_multipart([b"", register_frame(org_request(self.next_n())) + b"\x00" * HARD_CAP])
            self.assertEqual(self.next_event(monitor), zmq.EVENT_DISCONNECTED,
                             "the service kept the connection of a peer that sent more than %d bytes" % HARD_CAP)
            self.assertEqual(bystander.call("system.Health", system_pb2.HealthRequest()).status, Status.OK,
                             "another client was not served while the big frame arrived")
            self.assertFalse(hostile.poll(1000), "a frame above the hard cap got a reply")
            # one megabyte: still dropped, never buffered, nothing answered
            hostile.send_multipart([b"", b"\x0a" * (1 << 20)])
            self.assertEqual(self.next_event(monitor, skip=zmq.EVENT_CONNECTED), zmq.EVENT_DISCONNECTED)
            self.assertFalse(hostile.poll(500), "a 1 MiB frame got a reply")
            self.assertEqual(bystander.call("system.Health", system_pb2.HealthRequest()).status, Status.OK)
        finally:
            hostile.disable_monitor()
            monitor.close()
            hostile.close()
            bystander.close()
        self.assertServingAndNothingStored()

    def next_event(self, monitor, skip=None, seconds=5):
        while monitor.poll(seconds * 1000):
            event = recv_monitor_message(monitor)["event"]
            if event != skip:
                return event
        return None

    # -- identifiers ------------------------------------------------------------------

    def test_invalid_registration_identifiers_are_refused(self):
        good = uscc(self.next_n())
        wrong_check = good[:17] + next(c for c in "0123456789ABCDEFGHJKLMNPQRTUWXY" if c != good[17])
        cases = [
            (dict(registration_id=wrong_check), "check character"),
            (dict(registration_id=good[:17]), "18 characters"),
            (dict(registration_id=good + "0"), "18 characters"),
            (dict(registration_id=""), "18 characters"),
            (dict(registration_id=good[:5] + "I" + good[6:]), "registration_id"),   # I is not a USCC character
            (dict(registration_id=good[:9] + "O" + good[10:]), "registration_id"),
            (dict(registration_type=registry_pb2.REGISTRATION_TYPE_HK_BR, region=registry_pb2.REGION_HONG_KONG,
                  registration_id="1234567A"), "8 digits"),
            (dict(registration_type=registry_pb2.REGISTRATION_TYPE_HK_BR, region=registry_pb2.REGION_HONG_KONG,
                  registration_id="1234567"), "8 digits"),
            (dict(registration_type=registry_pb2.REGISTRATION_TYPE_HK_BR, region=registry_pb2.REGION_HONG_KONG,
                  registration_id="１２３４５６７８"), "8 digits"),                  # full-width digits
            (dict(registration_type=registry_pb2.REGISTRATION_TYPE_OTHER, region=registry_pb2.REGION_OVERSEAS,
                  registration_id="AB'; DROP"), "registration_id"),
            (dict(registration_type=registry_pb2.REGISTRATION_TYPE_OTHER, region=registry_pb2.REGION_OVERSEAS,
                  registration_id="X" * 65), "registration_id"),
        ]
        for overrides, word in cases:
            with self.subTest(registration_id=overrides["registration_id"]):
                reply = self.register(org_request(self.next_n(), **overrides))
                self.assertRefused(reply, Status.INVALID_ARGUMENT, "registration_id", word)
        # a valid USCC issued on the mainland, claimed for Hong Kong
        reply = self.register(org_request(self.next_n(), region=registry_pb2.REGION_HONG_KONG))
        self.assertRefused(reply, Status.INVALID_ARGUMENT, "region", "mainland")
        self.assertServingAndNothingStored()

    # -- names ----------------------------------------------------------------------------

    def get(self, org_id):
        reply = self.send(envelope("registry.GetOrganization", registry_pb2.GetOrganizationRequest(id=org_id)))
        return decode(reply, registry_pb2.OrganizationReply).organization

    def test_sql_metacharacters_in_names_are_stored_literally(self):
        names = ["'; DROP TABLE organization; --", "\\", "C:\\path\\to\\", "$1", "$1::text", "100% _Lab_",
                 "Robert'); DELETE FROM ht_outbox;--", "\"quoted\" E'\\x00'"]
        for name in names:
            n = self.next_n()
            reply = self.register(org_request(n, name_en=name, name_zh=name + "研究院"))
            org = decode(reply, registry_pb2.OrganizationReply).organization
            self.assertEqual(org.name_en, name)
            stored = self.get(org.id)
            self.assertEqual(stored.name_en, name, "read back differs from what was sent")
            self.assertEqual(stored.name_zh, name + "研究院")
            rows = self.svc.db.query("SELECT name_en, name_zh FROM organization WHERE id = %s", (org.id,))
            self.assertEqual(rows, [(name, name + "研究院")], "the row does not hold the name literally")
        self.assertEqual(self.svc.db.query("SELECT count(*) FROM organization")[0][0], self.before[0] + len(names),
                         "the organization table lost rows")
        # name_contains is literal too: '%' matches only names containing '%'
        reply = self.send(envelope("registry.ListOrganizations",
                                   registry_pb2.ListOrganizationsRequest(name_contains="%", page_size=500)))
        found = decode(reply, registry_pb2.ListOrganizationsReply).organizations
        self.assertEqual([o.name_en for o in found], ["100% _Lab_"])

    def test_names_of_200_characters_are_accepted_and_201_refused(self):
        for name_zh, name_en in (("河" * 200, None), ("𠀀" * 200, None), (None, "L" * 200)):
            org = decode(self.register(org_request(self.next_n(), name_zh=name_zh, name_en=name_en)),
                         registry_pb2.OrganizationReply).organization
            stored = self.get(org.id)
            self.assertEqual((stored.name_zh if stored.HasField("name_zh") else None,
                              stored.name_en if stored.HasField("name_en") else None), (name_zh, name_en))
        self.before = self.counts()
        for field_name, name in (("name_zh", "河" * 201), ("name_zh", "𠀀" * 201), ("name_en", "L" * 201)):
            overrides = {"name_zh": None, "name_en": None, field_name: name}
            reply = self.register(org_request(self.next_n(), **overrides))
            self.assertRefused(reply, Status.INVALID_ARGUMENT, field_name, "200", "201")
        for field_name in ("name_zh", "name_en"):
            reply = self.register(org_request(self.next_n(), **{field_name: ""}))
            self.assertRefused(reply, Status.INVALID_ARGUMENT, field_name)
        self.assertServingAndNothingStored()

    def test_c0_control_characters_and_delete_in_names_are_refused(self):
        for bad in ("\x01", "\t", "\n", "\r", "\x1b[31mred", "\x7f"):
            for field_name in ("name_en", "name_zh"):
                with self.subTest(field=field_name, character=ascii(bad)):
                    reply = self.register(org_request(self.next_n(), **{field_name: "Lab " + bad}))
                    self.assertRefused(reply, Status.INVALID_ARGUMENT, field_name)
        self.assertServingAndNothingStored()

    def test_nul_byte_in_a_name_is_refused_not_truncated(self):
        reply = self.register(org_request(self.next_n(), name_en="Good Lab\x00 hidden tail"))
        self.assertRefused(reply, Status.INVALID_ARGUMENT, "name_en")
        self.assertServingAndNothingStored()

    def test_c1_control_characters_in_names_are_refused(self):
        # U+0080..U+009F are control characters (category Cc) too, e.g. NEL and CSI.
        for bad in ("\u0085", "\u009b31m", "\u0080"):
            with self.subTest(character=ascii(bad)):
                reply = self.register(org_request(self.next_n(), name_en="Lab " + bad))
                self.assertRefused(reply, Status.INVALID_ARGUMENT, "name_en")
        self.assertServingAndNothingStored()

    def test_invalid_utf8_in_names_is_refused(self):
        invalid = [b"Lab \xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\xe6\xb2", b"\xf4\x90\x80\x80",
                   b"\x80 continuation first", "河套".encode()[:-1] + b"x"]
        for raw in invalid:
            for number, field_name in ((2, "name_zh"), (3, "name_en")):
                with self.subTest(field=field_name, raw=raw):
                    payload = (org_request(self.next_n(), **{field_name: None}).SerializeToString()
                               + field(number, LEN, raw))
                    reply = self.register(payload)
                    self.assertRefused(reply, Status.INVALID_ARGUMENT, field_name, "UTF-8")
        self.assertServingAndNothingStored()

    # -- enums ------------------------------------------------------------------------------

    def test_enum_numbers_out_of_range_are_refused(self):
        cases = [
            ("kind", 1, 99), ("kind", 1, -1), ("kind", 1, 0), ("kind", 1, 7),
            ("region", 4, 5), ("region", 4, 0),
            ("registration_type", 5, 4), ("registration_type", 5, 1 << 31),
        ]
        for field_name, number, value in cases:
            with self.subTest(field=field_name, value=value):
                payload = (org_request(self.next_n(), **{field_name: None}).SerializeToString()
                           + field(number, VARINT, value))
                self.assertRefused(self.register(payload), Status.INVALID_ARGUMENT, field_name)
        for sectors in ([registry_pb2.SECTOR_OTHER, 42], [0], [-5]):
            payload = org_request(self.next_n(), sectors=[]).SerializeToString()
            payload += b"".join(field(7, VARINT, s) for s in sectors)
            self.assertRefused(self.register(payload), Status.INVALID_ARGUMENT, "sectors")
        # packed encoding of the same out-of-range sector
        payload = org_request(self.next_n(), sectors=[]).SerializeToString() + field(7, LEN, varint(1) + varint(77))
        self.assertRefused(self.register(payload), Status.INVALID_ARGUMENT, "sectors")
        self.assertServingAndNothingStored()


if __name__ == "__main__":
    unittest.main()
