"""Wire format: an independent client proves the protocol is standard protobuf over ZeroMQ.

Only Python's zmq and the protoc-generated classes are used to build and
parse frames (harness.Service merely starts the service), plus a
twenty-line protobuf wire reader to look at the raw bytes the generated
classes would hide: status numbers, field presence, unknown fields.
"""
import time
import unittest
import uuid

import zmq

from harness import Service
from hetao.v1 import envelope_pb2, registry_pb2, system_pb2

LIMIT = 4096
CTX = zmq.Context.instance()

# gRPC's status codes, as docs/protocol.md promises them.
GRPC = {"OK": 0, "INVALID_ARGUMENT": 3, "DEADLINE_EXCEEDED": 4, "NOT_FOUND": 5, "ALREADY_EXISTS": 6,
        "PERMISSION_DENIED": 7, "RESOURCE_EXHAUSTED": 8, "FAILED_PRECONDITION": 9, "UNIMPLEMENTED": 12,
        "INTERNAL": 13, "UNAVAILABLE": 14, "UNAUTHENTICATED": 16}


# -- protobuf wire format, by hand ------------------------------------------------

def varint(n):
    n &= (1 << 64) - 1
    out = bytearray()
    while n > 0x7F:
        out.append(n & 0x7F | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def tag(number, wire_type):
    return varint(number << 3 | wire_type)


def len_field(number, data):
    return tag(number, 2) + varint(len(data)) + data


def int_field(number, value):
    return tag(number, 0) + varint(value)


def read_varint(data, i):
    value = shift = 0
    while True:
        byte = data[i]
        i += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, i


def wire_fields(data):
    """[(number, wire type, value)] of a serialized message, in wire order;
    value is an int (varint, fixed) or the raw bytes (length-delimited)."""
    fields, i = [], 0
    while i < len(data):
        key, i = read_varint(data, i)
        number, wire_type = key >> 3, key & 7
        if wire_type == 0:
            value, i = read_varint(data, i)
        elif wire_type == 2:
            length, i = read_varint(data, i)
            value, i = data[i:i + length], i + length
        elif wire_type == 1:
            value, i = int.from_bytes(data[i:i + 8], "little"), i + 8
        elif wire_type == 5:
            value, i = int.from_bytes(data[i:i + 4], "little"), i + 4
        else:
            raise AssertionError("wire type %d in %r" % (wire_type, data[:64]))
        fields.append((number, wire_type, value))
    return fields


def numbers(data):
    return [number for number, _, _ in wire_fields(data)]


# -- the client ---------------------------------------------------------------------

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def uscc(n):
    """A valid Unified Social Credit Code: characters 9 to 17 are an organization code with its
    GB 11714 check character, the 18th is the GB 32100-2015 check character."""
    code = "".join(USCC_CHARSET[(n // 31 ** k) % 31] for k in range(7, -1, -1))
    check = 11 - sum((int(c) if c.isdigit() else ord(c) - 55) * w
                     for c, w in zip(code, [3, 7, 9, 10, 5, 8, 4, 2])) % 11
    body = "91440300" + code + ("X" if check == 10 else "0" if check == 11 else str(check))
    weights = [pow(3, i, 31) for i in range(17)]
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(body, weights))
    return body + USCC_CHARSET[(31 - total % 31) % 31]


def registration(n, **overrides):
    fields = dict(kind=registry_pb2.ORGANIZATION_KIND_UNIVERSITY, name_en="Interop University %d" % n,
                  region=registry_pb2.REGION_MAINLAND, registration_type=registry_pb2.REGISTRATION_TYPE_USCC,
                  registration_id=uscc(n), sectors=[registry_pb2.SECTOR_ROBOTICS])
    fields.update(overrides)
    return registry_pb2.RegisterOrganizationRequest(**{k: v for k, v in fields.items() if v is not None})


def request_frame(method, payload=b"", key=None, request_id=None):
    request = envelope_pb2.Request(request_id=request_id or str(uuid.uuid4()), method=method,
                                   payload=payload if isinstance(payload, bytes) else payload.SerializeToString())
    if key:
        request.idempotency_key = key
    return request.SerializeToString()


class WireFormat(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.svc = Service("registry", workers=4, args=("--max-request-bytes", str(LIMIT)))
        cls.serial = 0

    @classmethod
    def tearDownClass(cls):
        cls.svc.close()

    def socket(self, kind, endpoint=None):
        sock = CTX.socket(kind)
        # Every Hetao socket speaks CURVE: this client's keys are admitted
        # by the service's principals file; it must know the server's key.
        sock.curve_publickey = self.svc.admin.public
        sock.curve_secretkey = self.svc.admin.secret
        sock.curve_serverkey = self.svc.server.public
        sock.setsockopt(zmq.LINGER, 0)
        sock.connect(endpoint or self.svc.endpoint)
        self.addCleanup(sock.close)
        return sock

    def recv(self, sock, seconds=5):
        self.assertTrue(sock.poll(int(seconds * 1000)), "no reply within %d s" % seconds)
        return sock.recv_multipart()

    def raw_call(self, frame):
        """Sends `frame` on a DEALER with the delimiter; returns the raw reply frame."""
        sock = self.socket(zmq.DEALER)
        sock.send_multipart([b"", frame])
        frames = self.recv(sock)
        self.assertEqual(len(frames), 2, "expected [delimiter, reply], got %d frames" % len(frames))
        self.assertEqual(frames[0], b"")
        return frames[1]

    def call(self, method, payload=b"", key=None, request_id=None):
        raw = self.raw_call(request_frame(method, payload, key, request_id))
        return envelope_pb2.Reply.FromString(raw), raw

    def next_n(self):
        type(self).serial += 1
        return self.serial

    def register(self, request=None, key=None):
        reply, raw = self.call("registry.RegisterOrganization", request or registration(self.next_n()),
                               key=key or str(uuid.uuid4()))
        self.assertEqual(reply.status, envelope_pb2.OK, reply.message)
        return registry_pb2.OrganizationReply.FromString(reply.payload).organization, reply, raw

    def assertNoUnknownFields(self, message):
        self.assertEqual(len(message.UnknownFields()), 0,
                         "%s carries fields the .proto does not define" % message.DESCRIPTOR.full_name)

    # -- sockets and envelopes --------------------------------------------------

    def test_req_socket_gets_one_reply_frame_echoing_request_id(self):
        sock = self.socket(zmq.REQ)
        sock.send(request_frame("system.Health", system_pb2.HealthRequest(), request_id="req-1"))
        frames = self.recv(sock)
        self.assertEqual(len(frames), 1, "a REQ socket gets exactly one frame")
        reply = envelope_pb2.Reply.FromString(frames[0])
        self.assertNoUnknownFields(reply)
        self.assertEqual(reply.request_id, "req-1")
        self.assertTrue(reply.HasField("status"), "status is sent explicitly, even when OK (0)")
        self.assertEqual(reply.status, 0)
        self.assertTrue(reply.HasField("payload"), "an OK reply carries its payload")
        self.assertFalse(reply.HasField("replayed"))
        self.assertEqual(len(reply.violations), 0)
        health = system_pb2.HealthReply.FromString(reply.payload)
        self.assertNoUnknownFields(health)
        self.assertEqual(health.service, "registry")
        self.assertTrue(health.HasField("database_ok") and health.database_ok)
        self.assertEqual(health.workers, 4)
        self.assertEqual(health.events_endpoint, self.svc.events_endpoint)
        self.assertEqual([s.stream for s in health.streams], ["registry"])
        for name in ("last_sequence", "last_published", "relay_active"):
            self.assertTrue(health.streams[0].HasField(name), "StreamPosition.%s absent" % name)

    def test_dealer_with_and_without_delimiter_gets_replies_in_the_same_shape(self):
        with_delimiter = self.socket(zmq.DEALER)
        with_delimiter.send_multipart([b"", request_frame("system.Health", request_id="d-1")])
        frames = self.recv(with_delimiter)
        self.assertEqual([len(frames), frames[0]], [2, b""])
        self.assertEqual(envelope_pb2.Reply.FromString(frames[1]).request_id, "d-1")
        without = self.socket(zmq.DEALER)
        without.send(request_frame("system.Health", request_id="d-2"))
        frames = self.recv(without)
        self.assertEqual(len(frames), 1, "no delimiter in, none out")
        self.assertEqual(envelope_pb2.Reply.FromString(frames[0]).request_id, "d-2")

    def test_pipelined_dealer_requests_are_matched_by_request_id(self):
        sock = self.socket(zmq.DEALER)
        sent = {"p-%d" % i for i in range(30)}
        for request_id in sent:
            sock.send_multipart([b"", request_frame("system.Health", request_id=request_id)])
        got = set()
        for _ in sent:
            reply = envelope_pb2.Reply.FromString(self.recv(sock)[-1])
            self.assertEqual(reply.status, 0)
            got.add(reply.request_id)
        self.assertEqual(got, sent)

    def test_envelope_fields_in_any_order_are_accepted(self):
        # Parsers must accept fields in any order; write them last to first.
        frame = (len_field(4, b"") + len_field(2, b"system.Health") + len_field(1, b"reversed"))
        reply = envelope_pb2.Reply.FromString(self.raw_call(frame))
        self.assertEqual((reply.request_id, reply.status), ("reversed", 0), reply.message)

    # -- status numbers -----------------------------------------------------------------

    def test_status_numbers_on_the_wire_are_grpc_codes(self):
        self.assertEqual({name: envelope_pb2.Status.Value(name) for name in GRPC}, GRPC,
                         "the generated enum does not match gRPC's numbers")
        self.assertEqual(set(envelope_pb2.Status.keys()), set(GRPC), "Status has values outside the closed set")
        org, _, _ = self.register()
        key = str(uuid.uuid4())
        self.register(registration(self.next_n()), key=key)
        cases = {
            "OK": request_frame("system.Health"),
            "INVALID_ARGUMENT": request_frame("registry.GetOrganization", registry_pb2.GetOrganizationRequest(id="x")),
            "NOT_FOUND": request_frame("registry.GetOrganization",
                                       registry_pb2.GetOrganizationRequest(id=str(uuid.uuid4()))),
            "ALREADY_EXISTS": request_frame("registry.RegisterOrganization",
                                            registration(self.next_n(), registration_id=org.registration_id),
                                            key=str(uuid.uuid4())),
            "RESOURCE_EXHAUSTED": request_frame("system.Health") + len_field(9, b"x" * LIMIT),
            "FAILED_PRECONDITION": request_frame("registry.RegisterOrganization", registration(self.next_n()),
                                                 key=key),
            "UNIMPLEMENTED": request_frame("registry.Teleport"),
        }
        for name, frame in cases.items():
            raw = self.raw_call(frame)
            status_fields = [value for number, wire_type, value in wire_fields(raw) if number == 2]
            self.assertEqual(len(status_fields), 1, "%s: Reply.status (field 2) appears %d times"
                             % (name, len(status_fields)))
            self.assertEqual(status_fields[0], GRPC[name], "%s is %d on the wire, not %d: %r"
                             % (name, status_fields[0], GRPC[name], envelope_pb2.Reply.FromString(raw).message))

    # -- field presence -------------------------------------------------------------------

    def test_reply_presence_ok_error_and_replay(self):
        key = str(uuid.uuid4())
        request = registration(self.next_n())
        first, reply, raw = self.register(request, key=key)
        self.assertNotIn(4, numbers(raw), "an OK reply has no violations")
        self.assertNotIn(6, numbers(raw), "a first reply does not say replayed")
        again, replay_raw = self.call("registry.RegisterOrganization", request, key=key)
        self.assertTrue(again.HasField("replayed") and again.replayed, "a repeated key is marked replayed")
        self.assertEqual(again.payload, reply.payload, "the replay is the stored reply, byte for byte")
        error, error_raw = self.call("registry.GetOrganization", registry_pb2.GetOrganizationRequest())
        self.assertEqual(error.status, GRPC["INVALID_ARGUMENT"])
        self.assertTrue(error.HasField("status"))
        self.assertFalse(error.HasField("payload"), "a refusal carries no payload")
        self.assertNotIn(5, numbers(error_raw))
        self.assertTrue(error.message)
        self.assertEqual([(v.field, v.HasField("description")) for v in error.violations], [("id", True)])

    def test_organization_fields_absent_unless_set(self):
        org, _, raw = self.register(registration(self.next_n(), name_zh=None))
        got, _ = self.call("registry.GetOrganization", registry_pb2.GetOrganizationRequest(id=org.id))
        for source in (org, registry_pb2.OrganizationReply.FromString(got.payload).organization):
            self.assertNoUnknownFields(source)
            self.assertFalse(source.HasField("name_zh"), "a name not given comes back absent, not empty")
            self.assertFalse(source.HasField("status_reason"))
            for name in ("id", "kind", "name_en", "region", "registration_type", "registration_id",
                         "major_platform", "status", "version", "created_at_us", "updated_at_us"):
                self.assertTrue(source.HasField(name), "Organization.%s absent" % name)
            self.assertFalse(source.major_platform)
            self.assertEqual(source.status, registry_pb2.ORGANIZATION_STATUS_ACTIVE)
            self.assertEqual(source.version, 1)
            self.assertEqual(list(source.sectors), [registry_pb2.SECTOR_ROBOTICS])

    def test_explicit_zero_is_present_and_differs_from_absent(self):
        absent, _ = self.call("system.ReadEvents", system_pb2.ReadEventsRequest(stream="registry"))
        self.assertEqual(absent.status, 0, "an absent limit takes the default: %s" % absent.message)
        zero = system_pb2.ReadEventsRequest(stream="registry", limit=0)
        self.assertTrue(zero.HasField("limit"))
        self.assertIn(3, numbers(zero.SerializeToString()), "proto2 serializes an explicit zero")
        present, _ = self.call("system.ReadEvents", zero)
        self.assertEqual(present.status, GRPC["INVALID_ARGUMENT"], "limit = 0 was taken as absent")
        self.assertEqual([v.field for v in present.violations], ["limit"])
        # kind absent is "required"; kind = 0 is present but not a valid value: different words
        absent_kind, _ = self.call("registry.RegisterOrganization", registration(self.next_n(), kind=None),
                                   key=str(uuid.uuid4()))
        zero_kind, _ = self.call("registry.RegisterOrganization",
                                 registration(self.next_n(), kind=registry_pb2.ORGANIZATION_KIND_UNSPECIFIED),
                                 key=str(uuid.uuid4()))
        self.assertEqual([v.field for v in absent_kind.violations], ["kind"])
        self.assertEqual([v.field for v in zero_kind.violations], ["kind"])
        self.assertIn("required", absent_kind.violations[0].description)
        self.assertIn("0", zero_kind.violations[0].description)
        self.assertNotEqual(absent_kind.violations[0].description, zero_kind.violations[0].description)

    def test_packed_and_unpacked_repeated_enums_are_both_accepted(self):
        for encoding in ("unpacked", "packed"):
            n = self.next_n()
            base = registration(n, sectors=[]).SerializeToString()
            values = [registry_pb2.SECTOR_ROBOTICS, registry_pb2.SECTOR_NEW_MATERIALS]
            if encoding == "packed":
                payload = base + len_field(7, b"".join(varint(v) for v in values))
            else:
                payload = base + b"".join(int_field(7, v) for v in values)
            org, _, _ = self.register(payload)
            self.assertEqual(list(org.sectors), values, "%s sectors read back differently" % encoding)

    # -- unknown fields -----------------------------------------------------------------------

    def test_unknown_fields_are_refused_not_ignored(self):
        envelope_extra = request_frame("system.Health", request_id="u-1") + int_field(40, 1)
        reply = envelope_pb2.Reply.FromString(self.raw_call(envelope_extra))
        self.assertEqual((reply.status, [v.field for v in reply.violations]), (3, ["request"]), reply.message)
        payload_extra = registration(self.next_n()).SerializeToString() + len_field(41, b"from a newer client")
        reply, _ = self.call("registry.RegisterOrganization", payload_extra, key=str(uuid.uuid4()))
        self.assertEqual((reply.status, [v.field for v in reply.violations]), (3, ["request.payload"]), reply.message)
        self.assertIn("41", reply.message)

    def test_replies_have_no_fields_unknown_to_the_proto(self):
        org, reply, _ = self.register()
        self.assertNoUnknownFields(reply)
        self.assertNoUnknownFields(org)
        events, _ = self.call("system.ReadEvents", system_pb2.ReadEventsRequest(stream="registry", limit=1000))
        page = system_pb2.ReadEventsReply.FromString(events.payload)
        self.assertNoUnknownFields(page)
        self.assertTrue(page.HasField("last_sequence"))
        for event in page.events:
            self.assertNoUnknownFields(event)
            self.assertNoUnknownFields(registry_pb2.OrganizationEvent.FromString(event.payload))

    # -- events --------------------------------------------------------------------------------

    def first_live_event(self, sub):
        """Registers until `sub` receives an event (a late subscriber misses earlier ones);
        returns (frames, the registration's request id and organization)."""
        deadline = time.monotonic() + 10
        sent = {}
        while time.monotonic() < deadline:
            request_id = "ev-%s" % uuid.uuid4()
            reply, _ = self.call("registry.RegisterOrganization", registration(self.next_n()),
                                 key=str(uuid.uuid4()), request_id=request_id)
            self.assertEqual(reply.status, 0, reply.message)
            sent[request_id] = registry_pb2.OrganizationReply.FromString(reply.payload).organization
            if sub.poll(250):
                return sub.recv_multipart(), sent
        self.fail("no event reached the subscriber within 10 s")

    def test_event_is_two_frames_topic_equal_to_type(self):
        sub = self.socket(zmq.SUB, self.svc.events_endpoint)
        sub.setsockopt(zmq.SUBSCRIBE, b"")        # everything: see the topic frame exactly as sent
        frames, sent = self.first_live_event(sub)
        self.assertEqual(len(frames), 2, "an event is [topic][Event], got %d frames" % len(frames))
        topic, body = frames
        event = envelope_pb2.Event.FromString(body)
        self.assertNoUnknownFields(event)
        self.assertEqual(event.type, "registry.organization.registered")
        self.assertEqual(topic, event.type.encode(), "the topic frame must be exactly Event.type")
        self.assertEqual(event.stream, "registry")
        self.assertIn(event.request_id, sent, "Event.request_id is not a request that was sent")
        payload = registry_pb2.OrganizationEvent.FromString(event.payload)
        self.assertNoUnknownFields(payload)
        self.assertEqual(payload.organization, sent[event.request_id])
        self.assertEqual(event.aggregate_id, payload.organization.id)
        self.assertFalse(payload.HasField("previous_status"), "previous_status is only for status_changed")
        self.assertGreaterEqual(event.sequence, 1)
        self.assertLess(abs(event.occurred_at_us / 1e6 - time.time()), 300, "occurred_at_us is not Unix µs")

    def test_prefix_subscription_receives_events(self):
        sub = self.socket(zmq.SUB, self.svc.events_endpoint)
        sub.setsockopt(zmq.SUBSCRIBE, b"registry.organization.")
        frames, _ = self.first_live_event(sub)
        self.assertEqual(frames[0], b"registry.organization.registered")

    def test_read_events_returns_the_published_bytes(self):
        sub = self.socket(zmq.SUB, self.svc.events_endpoint)
        sub.setsockopt(zmq.SUBSCRIBE, b"")
        frames, _ = self.first_live_event(sub)
        published = envelope_pb2.Event.FromString(frames[1])
        reply, _ = self.call("system.ReadEvents", system_pb2.ReadEventsRequest(
            stream="registry", after_sequence=published.sequence - 1, limit=1))
        self.assertEqual(reply.status, 0, reply.message)
        raw_events = [value for number, wire_type, value in wire_fields(reply.payload) if number == 1]
        self.assertEqual(len(raw_events), 1)
        self.assertEqual(raw_events[0], frames[1], "system.ReadEvents returns other bytes than were published")


if __name__ == "__main__":
    unittest.main()
