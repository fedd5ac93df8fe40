"""Idempotency keys: a repeat returns the original reply and changes nothing.

Request.idempotency_key (envelope.proto): required on every mutating method,
1 to 128 printable ASCII characters; a repeat with the same key returns the
original reply; the same key with another request is refused; a request that
was refused stores nothing, so its key stays free.
"""
import threading
import time
import unittest

from harness import (Client, ServiceTest, Status, decode, new_key, org_request, read_events, registry_pb2,
                     uscc)

R = registry_pb2
REGISTER = "registry.RegisterOrganization"
UPDATE = "registry.UpdateOrganization"
SET_STATUS = "registry.SetOrganizationStatus"


class Idempotency(ServiceTest):

    workers = 4

    # -- helpers -------------------------------------------------------------

    def counts(self):
        db = self.svc.db
        return {table: db.query("SELECT count(*) FROM %s" % table)[0][0]
                for table in ("organization", "ht_outbox", "ht_idempotency")}

    def snapshot(self):
        return (self.svc.db.query("SELECT id::text, kind, name_zh, name_en, registration_id, sectors,"
                                  " major_platform, status, status_reason, version, updated_at"
                                  " FROM organization ORDER BY id"),
                self.counts())

    def assertRefusedChangesNothing(self, send, status, field):
        before = self.snapshot()
        reply = send()
        self.assertStatus(reply, status, field)
        self.assertFalse(reply.replayed, "a refusal is not a replay")
        self.assertEqual(self.snapshot(), before, "a refused request changed stored data")
        return reply

    def rows_with(self, registration_id):
        return self.svc.db.query("SELECT id::text, version FROM organization WHERE registration_id = %s",
                                 (registration_id,))

    def outbox_about(self, org_id):
        return self.svc.db.query("SELECT type FROM ht_outbox WHERE aggregate_id = %s ORDER BY id", (org_id,))

    def org_of(self, reply):
        return decode(reply, R.OrganizationReply).organization

    def race(self, method, payloads, keys):
        """Sends payloads[i] with keys[i] from 8 clients at once; returns the 8 replies."""
        barrier = threading.Barrier(len(payloads))
        replies, errors = [None] * len(payloads), []
        clients = [self.svc.client() for _ in payloads]

        def send(i):
            try:
                barrier.wait(10)
                replies[i] = clients[i].call(method, payloads[i], key=keys[i], timeout=20)
            except Exception as error:      # reported below, in the test's thread
                errors.append("client %d: %r" % (i, error))

        threads = [threading.Thread(target=send, args=(i,)) for i in range(len(payloads))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        for client in clients:
            client.close()
        self.assertEqual(errors, [])
        return replies

    # -- repeats -------------------------------------------------------------

    def test_same_key_and_payload_returns_the_original_reply_marked_replayed(self):
        key = new_key()
        first = self.svc.call(REGISTER, org_request(1), key=key)
        org = self.org_of(first)
        self.assertFalse(first.replayed)
        before = self.counts()
        for attempt in range(2):
            with self.subTest(repeat=attempt + 1):
                again = self.svc.call(REGISTER, org_request(1), key=key)
                self.assertEqual(again.status, Status.OK, again.message)
                self.assertTrue(again.HasField("replayed") and again.replayed, "replayed must be true")
                self.assertEqual(again.payload, first.payload, "the replay is the original reply, byte for byte")
                self.assertNotEqual(again.request_id, first.request_id)
                self.assertEqual(self.org_of(again).id, org.id)
        self.assertEqual(self.counts(), before)
        self.assertEqual(self.rows_with(org.registration_id), [(org.id, 1)])
        self.assertEqual(self.outbox_about(org.id), [("registry.organization.registered",)])

    def test_replay_returns_the_original_reply_even_after_later_changes(self):
        key = new_key()
        org = self.org_of(self.svc.call(REGISTER, org_request(2), key=key))
        updated = self.org_of(self.svc.call(UPDATE, R.UpdateOrganizationRequest(id=org.id, name_en="Later"),
                                            key=new_key()))
        self.assertEqual(updated.version, 2)
        again = self.svc.call(REGISTER, org_request(2), key=key)
        self.assertTrue(again.replayed)
        replayed = self.org_of(again)
        self.assertEqual((replayed.id, replayed.version, replayed.name_en), (org.id, 1, "Hetao Lab 2"))
        self.assertEqual(self.rows_with(org.registration_id), [(org.id, 2)])

    def test_same_key_with_a_different_payload_is_failed_precondition_and_changes_nothing(self):
        key = new_key()
        org = self.org_of(self.svc.call(REGISTER, org_request(3), key=key))
        for changed in [org_request(3, name_en="Another Name"), org_request(4)]:
            with self.subTest(payload=changed.name_en):
                self.assertRefusedChangesNothing(lambda: self.svc.call(REGISTER, changed, key=key),
                                                 Status.FAILED_PRECONDITION, "request.idempotency_key")
        self.assertEqual(self.rows_with(uscc(4)), [])
        self.assertEqual(self.rows_with(org.registration_id), [(org.id, 1)])

    def test_same_key_used_for_another_method_is_refused(self):
        key = new_key()
        org = self.org_of(self.svc.call(REGISTER, org_request(5), key=key))
        self.assertRefusedChangesNothing(
            lambda: self.svc.call(UPDATE, R.UpdateOrganizationRequest(id=org.id, name_en="Hijack"), key=key),
            Status.FAILED_PRECONDITION, "request.idempotency_key")
        self.assertRefusedChangesNothing(
            lambda: self.svc.call(SET_STATUS, R.SetOrganizationStatusRequest(
                id=org.id, status=R.ORGANIZATION_STATUS_SUSPENDED, reason="audit"), key=key),
            Status.FAILED_PRECONDITION, "request.idempotency_key")
        self.assertEqual(self.rows_with(org.registration_id), [(org.id, 1)])

    # -- keys that are missing or malformed ----------------------------------

    def test_mutating_method_without_a_key_is_invalid_argument_naming_the_key(self):
        org = self.org_of(self.svc.call(REGISTER, org_request(7), key=new_key()))
        requests = [(REGISTER, org_request(8)),
                    (UPDATE, R.UpdateOrganizationRequest(id=org.id, name_en="No Key")),
                    (SET_STATUS, R.SetOrganizationStatusRequest(id=org.id, status=R.ORGANIZATION_STATUS_SUSPENDED,
                                                                reason="no key"))]
        for method, payload in requests:
            with self.subTest(method=method):
                self.assertRefusedChangesNothing(lambda: self.svc.call(method, payload, key=None),
                                                 Status.INVALID_ARGUMENT, "request.idempotency_key")

    def test_empty_key_is_refused(self):
        self.assertRefusedChangesNothing(lambda: self.svc.call(REGISTER, org_request(9), key=""),
                                         Status.INVALID_ARGUMENT, "request.idempotency_key")

    def test_key_longer_than_128_characters_is_refused_and_128_is_accepted(self):
        self.assertRefusedChangesNothing(lambda: self.svc.call(REGISTER, org_request(10), key="k" * 129),
                                         Status.INVALID_ARGUMENT, "request.idempotency_key")
        ok = self.svc.call(REGISTER, org_request(10), key="k" * 128)
        self.assertEqual(ok.status, Status.OK, ok.message)
        self.assertEqual(self.svc.db.query("SELECT length(key) FROM ht_idempotency WHERE key = %s", ("k" * 128,)),
                         [(128,)])

    def test_key_with_spaces_or_other_unprintable_characters_is_refused(self):
        for bad in ["has space", " leading", "tab\there", "new\nline", "caf\u00e9", "\u952e"]:
            with self.subTest(key=repr(bad)):
                self.assertRefusedChangesNothing(lambda: self.svc.call(REGISTER, org_request(11), key=bad),
                                                 Status.INVALID_ARGUMENT, "request.idempotency_key")

    def test_any_printable_ascii_key_is_accepted(self):
        key = "!~#$%&'()*+,-./0123456789:;<=>?@AZ[\\]^_`az{|}" + new_key()
        first = self.svc.call(REGISTER, org_request(12), key=key)
        self.assertEqual(first.status, Status.OK, first.message)
        again = self.svc.call(REGISTER, org_request(12), key=key)
        self.assertTrue(again.replayed)
        self.assertEqual(again.payload, first.payload)

    def test_read_methods_need_no_key(self):
        org = self.org_of(self.svc.call(REGISTER, org_request(13), key=new_key()))
        reply = self.svc.call("registry.GetOrganization", R.GetOrganizationRequest(id=org.id))
        self.assertEqual(self.org_of(reply).id, org.id)
        self.assertEqual(self.svc.call("registry.ListOrganizations", R.ListOrganizationsRequest()).status, Status.OK)

    # -- racing repeats ------------------------------------------------------

    def test_eight_racing_clients_with_the_same_key_and_payload_make_one_organization(self):
        key, payload = new_key(), org_request(14)
        replies = self.race(REGISTER, [payload] * 8, [key] * 8)
        statuses = [Status.Name(r.status) + (": " + r.message if r.message else "") for r in replies]
        self.assertEqual(statuses, ["OK"] * 8)
        ids = set(self.org_of(r).id for r in replies)
        self.assertEqual(len(ids), 1, "8 replies name %d organizations" % len(ids))
        self.assertEqual(sorted(r.replayed for r in replies), [False] + [True] * 7,
                         "exactly one original reply and seven replays")
        self.assertEqual(len(set(r.payload for r in replies)), 1)
        org_id = ids.pop()
        self.assertEqual(self.rows_with(uscc(14)), [(org_id, 1)])
        self.assertEqual(self.outbox_about(org_id), [("registry.organization.registered",)])
        self.assertEqual(self.svc.db.query("SELECT count(*) FROM ht_idempotency WHERE key = %s", (key,)), [(1,)])
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            events = [e for e in read_events(self.svc) if e.aggregate_id == org_id]
            if events:
                break
            time.sleep(0.05)
        self.assertEqual([e.type for e in events], ["registry.organization.registered"])

    def test_eight_racing_updates_with_the_same_key_apply_once(self):
        org = self.org_of(self.svc.call(REGISTER, org_request(30), key=new_key()))
        request = R.UpdateOrganizationRequest(id=org.id, expected_version=1, name_en="Raced")
        key = new_key()
        replies = self.race(UPDATE, [request] * 8, [key] * 8)
        statuses = [Status.Name(r.status) + (": " + r.message if r.message else "") for r in replies]
        self.assertEqual(statuses, ["OK"] * 8)
        self.assertEqual(sorted(r.replayed for r in replies), [False] + [True] * 7)
        self.assertEqual(set(self.org_of(r).version for r in replies), {2})
        self.assertEqual(self.rows_with(org.registration_id), [(org.id, 2)])
        self.assertEqual(self.outbox_about(org.id),
                         [("registry.organization.registered",), ("registry.organization.updated",)])

    def test_eight_racing_registrations_of_one_identifier_under_different_keys_make_one_organization(self):
        replies = self.race(REGISTER, [org_request(31)] * 8, [new_key() for _ in range(8)])
        statuses = sorted(Status.Name(r.status) for r in replies)
        self.assertEqual(statuses, ["ALREADY_EXISTS"] * 7 + ["OK"])
        self.assertFalse(any(r.replayed for r in replies), "different keys are different requests")
        org = self.org_of(next(r for r in replies if r.status == Status.OK))
        self.assertEqual(self.rows_with(uscc(31)), [(org.id, 1)])
        self.assertEqual(self.outbox_about(org.id), [("registry.organization.registered",)])

    # -- updates and status changes ------------------------------------------

    def test_repeated_update_with_expected_version_returns_the_original_reply_not_a_conflict(self):
        org = self.org_of(self.svc.call(REGISTER, org_request(15), key=new_key()))
        key = new_key()
        request = R.UpdateOrganizationRequest(id=org.id, expected_version=1, name_en="Version Two")
        first = self.svc.call(UPDATE, request, key=key)
        self.assertEqual(self.org_of(first).version, 2)
        before = self.snapshot()
        again = self.svc.call(UPDATE, request, key=key)
        self.assertEqual(again.status, Status.OK, "a repeat must not be a version conflict: " + again.message)
        self.assertTrue(again.replayed)
        self.assertEqual(again.payload, first.payload)
        self.assertEqual(self.org_of(again).version, 2)
        self.assertEqual(self.snapshot(), before)
        self.assertEqual(self.outbox_about(org.id),
                         [("registry.organization.registered",), ("registry.organization.updated",)])

    def test_repeated_status_change_returns_the_original_reply_not_already_suspended(self):
        org = self.org_of(self.svc.call(REGISTER, org_request(16), key=new_key()))
        key = new_key()
        request = R.SetOrganizationStatusRequest(id=org.id, status=R.ORGANIZATION_STATUS_SUSPENDED, reason="audit")
        first = self.svc.call(SET_STATUS, request, key=key)
        self.assertEqual(self.org_of(first).status, R.ORGANIZATION_STATUS_SUSPENDED)
        before = self.snapshot()
        again = self.svc.call(SET_STATUS, request, key=key)
        self.assertEqual(again.status, Status.OK, again.message)
        self.assertTrue(again.replayed)
        self.assertEqual(again.payload, first.payload)
        self.assertEqual(self.snapshot(), before)
        # The same change under a new key is a new request, and is refused.
        self.assertRefusedChangesNothing(lambda: self.svc.call(SET_STATUS, request, key=new_key()),
                                         Status.FAILED_PRECONDITION, "status")

    # -- refused requests do not consume their key ---------------------------

    def test_already_exists_does_not_consume_the_key(self):
        taken = self.org_of(self.svc.call(REGISTER, org_request(17), key=new_key()))
        key = new_key()
        clash = org_request(18, registration_id=taken.registration_id)
        for attempt in range(2):        # the refusal is not stored and replayed either
            with self.subTest(attempt=attempt + 1):
                self.assertRefusedChangesNothing(lambda: self.svc.call(REGISTER, clash, key=key),
                                                 Status.ALREADY_EXISTS, "registration_id")
        fixed = self.svc.call(REGISTER, org_request(18), key=key)
        self.assertEqual(fixed.status, Status.OK, fixed.message)
        self.assertFalse(fixed.replayed)
        org = self.org_of(fixed)
        self.assertEqual(self.rows_with(uscc(18)), [(org.id, 1)])

    def test_invalid_argument_does_not_consume_the_key(self):
        key = new_key()
        self.assertRefusedChangesNothing(lambda: self.svc.call(REGISTER, org_request(19, kind=None), key=key),
                                         Status.INVALID_ARGUMENT, "kind")
        fixed = self.svc.call(REGISTER, org_request(19), key=key)
        self.assertEqual(fixed.status, Status.OK, fixed.message)
        self.assertFalse(fixed.replayed)

    def test_version_conflict_does_not_consume_the_key(self):
        org = self.org_of(self.svc.call(REGISTER, org_request(20), key=new_key()))
        key = new_key()
        self.assertRefusedChangesNothing(
            lambda: self.svc.call(UPDATE, R.UpdateOrganizationRequest(id=org.id, expected_version=5, name_en="X"),
                                  key=key),
            Status.FAILED_PRECONDITION, "expected_version")
        fixed = self.svc.call(UPDATE, R.UpdateOrganizationRequest(id=org.id, expected_version=1, name_en="X"), key=key)
        self.assertEqual(fixed.status, Status.OK, fixed.message)
        self.assertFalse(fixed.replayed)
        self.assertEqual(self.org_of(fixed).version, 2)

    def test_not_found_does_not_consume_the_key(self):
        key = new_key()
        ghost = R.UpdateOrganizationRequest(id="0190a3c4-7b1e-7cc2-9d0e-3f6a1b2c3d4e", name_en="Ghost")
        self.assertRefusedChangesNothing(lambda: self.svc.call(UPDATE, ghost, key=key), Status.NOT_FOUND, "id")
        fixed = self.svc.call(REGISTER, org_request(21), key=key)
        self.assertEqual(fixed.status, Status.OK, fixed.message)
        self.assertFalse(fixed.replayed)

    # -- keys belong to the principal that sent them ----------------------------

    def test_another_principal_with_the_same_key_and_payload_makes_its_own_change(self):
        other = self.svc.add_principal("other-admin-%s" % new_key()[:8], "park_admin")
        org = self.org_of(self.svc.call(REGISTER, org_request(9730), key=new_key()))
        key = new_key()
        request = R.UpdateOrganizationRequest(id=org.id, name_en="Renamed")
        mine = self.svc.call(UPDATE, request, key=key)
        self.assertEqual(self.org_of(mine).version, 2)
        theirs = self.svc.call(UPDATE, request, key=key, keys=other)
        self.assertEqual(theirs.status, Status.OK, theirs.message)
        self.assertFalse(theirs.replayed, "another principal received the first principal's stored reply")
        self.assertEqual(self.org_of(theirs).version, 3)
        self.assertEqual([t for (t,) in self.outbox_about(org.id)],
                         ["registry.organization.registered"] + ["registry.organization.updated"] * 2)
        # Each principal's repeat still replays its own reply.
        self.assertEqual(self.svc.call(UPDATE, request, key=key).payload, mine.payload)
        self.assertEqual(self.svc.call(UPDATE, request, key=key, keys=other).payload, theirs.payload)

    def test_another_principal_with_the_same_key_and_another_payload_is_not_told_the_key_exists(self):
        other = self.svc.add_principal("second-admin-%s" % new_key()[:8], "park_admin")
        key = new_key()
        self.org_of(self.svc.call(REGISTER, org_request(9731), key=key))
        theirs = self.svc.call(REGISTER, org_request(9732), key=key, keys=other)
        self.assertEqual(theirs.status, Status.OK, theirs.message)
        self.assertFalse(theirs.replayed)
        self.assertEqual(len(self.rows_with(uscc(9732))), 1)
        stored = self.svc.db.query("SELECT count(DISTINCT principal_key) FROM ht_idempotency WHERE key = %s", (key,))
        self.assertEqual(stored, [(2,)])


if __name__ == "__main__":
    unittest.main()
