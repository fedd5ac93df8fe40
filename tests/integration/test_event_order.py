"""Events of one entity are numbered in commit order; other databases never hold the stream back;
stamps come from the database's transaction time.

The reordering scenario is played deterministically with outside sessions
(psycopg2) on the service's database: one holds the organization's ordering
lock while an update of the service waits for it, a second (M) opens a
transaction that takes an xid and stays open, and the first then commits
its own change of the same organization. The service's update must commit,
and be numbered, after it: a subscriber applying events in sequence order
ends at the organization's real version. Open transactions, of this
database or another, hold no event back.
"""
import random
import threading
import time
import unittest

import psycopg2

from harness import (Database, ServiceTest, Status, decode, new_key, org_request, read_events, receive_events,
                     registry_pb2, wait_for, wait_subscribed)

R = registry_pb2
UPDATE = "registry.UpdateOrganization"


def lock_key(org_id):
    return "organization:" + org_id


class EventOrder(ServiceTest):
    workers = 4
    args = ("--relay-poll-ms", "20")

    def connect(self, dsn=None):
        conn = psycopg2.connect(dsn or self.svc.db.dsn)
        self.addCleanup(conn.close)
        return conn

    def register(self, n):
        return decode(self.svc.call("registry.RegisterOrganization", org_request(n), key=new_key()),
                      R.OrganizationReply).organization

    def versions_in_sequence_order(self, org_id, events):
        versions = []
        for event in events:
            if event.aggregate_id == org_id:
                versions.append(R.OrganizationEvent.FromString(event.payload).organization.version)
        return versions

    def waiting_for_advisory_lock(self):
        return self.svc.db.query("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")[0][0]

    def test_update_waiting_for_the_ordering_lock_is_numbered_after_the_change_it_waited_for(self):
        org = self.register(1)
        # L: holds the organization's ordering lock, as a change in progress does; no xid yet.
        holder = self.connect()
        with holder.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (lock_key(org.id),))
        # C: the service's update waits for that lock.
        client = self.svc.client()
        self.addCleanup(client.close)
        request = R.UpdateOrganizationRequest(id=org.id, name_en="Updated by C")
        client.sock.send_multipart([b"", self.envelope(UPDATE, request, "c-" + new_key())])
        self.assertTrue(wait_for(lambda: self.waiting_for_advisory_lock() == 1, seconds=10),
                        "the update never waited for the ordering lock")
        # M: an unrelated transaction with an xid, held open: it must not let C pass A.
        unrelated = self.connect()
        with unrelated.cursor() as cur:
            cur.execute("SELECT pg_current_xact_id()")
        # A: the lock holder changes the same organization (version 2) and commits.
        changed = R.Organization()
        changed.CopyFrom(org)
        changed.version = 2
        changed.name_en = "Updated by A"
        event = R.OrganizationEvent(organization=changed).SerializeToString()
        with holder.cursor() as cur:
            cur.execute("UPDATE organization SET version = 2, name_en = 'Updated by A' WHERE id = %s", (org.id,))
            cur.execute("INSERT INTO ht_outbox (stream, type, aggregate_id, request_id, payload)"
                        " VALUES ('registry', 'registry.organization.updated', %s, 'outside-a', %s)",
                        (org.id, psycopg2.Binary(event)))
        holder.commit()
        # C goes on, reads version 2, writes version 3, and is answered.
        if not client.sock.poll(10000):
            self.fail("the update was not answered after the lock was released:\n" + self.svc.log_text())
        reply = R.OrganizationReply()
        answer = self.decode_reply(client.sock.recv_multipart()[-1])
        self.assertEqual(Status.Name(answer.status), "OK", answer.message)
        reply.ParseFromString(answer.payload)
        self.assertEqual(reply.organization.version, 3)
        # While M is open neither A nor C may be numbered ahead of the other.
        time.sleep(0.3)
        numbered = dict(self.svc.db.query("SELECT request_id, seq FROM ht_event WHERE aggregate_id = %s"
                                          " AND type = 'registry.organization.updated'", (org.id,)))
        self.assertFalse(numbered.get("outside-a") is None and numbered.get(answer.request_id) is not None,
                         "C was numbered while A, which committed before it, was not: %r" % numbered)
        unrelated.commit()
        self.assertTrue(wait_for(lambda: self.svc.db.query(
            "SELECT count(*) FROM ht_event WHERE aggregate_id = %s AND seq IS NULL", (org.id,))[0][0] == 0,
            seconds=10), "the events were never numbered")
        rows = self.svc.db.query("SELECT request_id, seq FROM ht_event WHERE aggregate_id = %s ORDER BY seq",
                                 (org.id,))
        self.assertEqual([r[0] for r in rows][1:], ["outside-a", answer.request_id],
                         "events of one organization are not in commit order: %r" % rows)
        self.assertEqual(self.versions_in_sequence_order(org.id, read_events(self.svc)), [1, 2, 3])

    def test_8_clients_updating_3_organizations_publish_each_ones_versions_strictly_increasing(self):
        orgs = [self.register(10 + i) for i in range(3)]
        sub = self.svc.subscribe()
        self.addCleanup(sub.close)
        wait_subscribed(sub, lambda: self.register(random.randrange(100, 10 ** 6)))
        stop, errors, updates = threading.Event(), [], [0]

        def updater(t):
            rng = random.Random(t)
            try:
                with self.svc.client() as client:
                    while not stop.is_set():
                        org = orgs[rng.randrange(3)]
                        reply = client.call(UPDATE, R.UpdateOrganizationRequest(
                            id=org.id, name_en="Lab %d-%d" % (t, rng.randrange(10 ** 6))), key=new_key(), timeout=20)
                        if reply.status != Status.OK:
                            errors.append(reply.message)
                        updates[0] += 1
            except Exception as error:
                errors.append(repr(error))

        def open_transactions():       # short unrelated transactions with an xid, open now and then
            conn = psycopg2.connect(self.svc.db.dsn)
            rng = random.Random(99)
            try:
                while not stop.is_set():
                    with conn.cursor() as cur:
                        cur.execute("SELECT pg_current_xact_id()")
                    time.sleep(rng.random() * 0.03)
                    conn.commit()
            finally:
                conn.close()

        threads = [threading.Thread(target=updater, args=(t,)) for t in range(8)]
        threads.append(threading.Thread(target=open_transactions))
        for thread in threads:
            thread.start()
        time.sleep(5)
        stop.set()
        for thread in threads:
            thread.join(30)
        self.assertEqual(errors, [])
        self.assertGreater(updates[0], 50, "too few updates ran to prove anything")
        last = {org.id: decode(self.svc.call("registry.GetOrganization", R.GetOrganizationRequest(id=org.id)),
                               R.OrganizationReply).organization.version for org in orgs}
        self.assertTrue(wait_for(lambda: self.svc.db.query(
            "SELECT count(*) FROM ht_event WHERE seq IS NULL")[0][0] == 0, seconds=20))
        replay = read_events(self.svc)
        live = [e for _, _, e in receive_events(sub, len(replay), seconds=20)]
        for org in orgs:
            for name, events in (("ReadEvents", replay), ("live", live)):
                versions = self.versions_in_sequence_order(org.id, events)
                backwards = [(a, b) for a, b in zip(versions, versions[1:]) if a >= b]
                self.assertEqual(backwards, [], "%s: versions of %s arrive out of order (pairs shown)"
                                 % (name, org.id))
            self.assertEqual(self.versions_in_sequence_order(org.id, replay), list(range(1, last[org.id] + 1)))

    def test_a_transaction_open_in_another_database_does_not_hold_back_publication(self):
        other = Database()
        self.addCleanup(other.close)
        idle = self.connect(other.dsn)
        with idle.cursor() as cur:                  # idle in transaction, with an xid, in another database
            cur.execute("CREATE TABLE held (x int)")
            cur.execute("INSERT INTO held VALUES (1)")
        before = len(read_events(self.svc))
        ids = {self.register(200 + i).id for i in range(20)}
        published = wait_for(lambda: {e.aggregate_id for e in read_events(self.svc, after=before)} >= ids,
                             seconds=5)
        self.assertTrue(published, "events stayed unpublished while another database had an open transaction")
        self.assertEqual(self.svc.db.query("SELECT count(*) FROM ht_event WHERE seq IS NULL")[0][0], 0)

    def test_a_transaction_open_in_the_same_database_does_not_hold_back_later_commits(self):
        held = self.connect()
        with held.cursor() as cur:                  # open, with an xid and an event of its own, in this database
            cur.execute("INSERT INTO ht_outbox (stream, type, aggregate_id, request_id, payload)"
                        " VALUES ('registry', 'registry.test.row', 'held', 'held', '')")
        org = self.register(300)
        seq = wait_for(lambda: self.svc.db.query("SELECT seq FROM ht_event WHERE aggregate_id = %s",
                                                 (org.id,))[0][0], seconds=5)
        self.assertTrue(seq, "a commit was not numbered while an earlier transaction of the same database was open")
        self.assertIn(org.id, {e.aggregate_id for e in read_events(self.svc, after=seq - 1)})
        held.commit()
        later = wait_for(lambda: self.svc.db.query("SELECT seq FROM ht_event WHERE aggregate_id = 'held'")[0][0],
                         seconds=5)
        self.assertEqual(later, seq + 1, "the open transaction's event must take the next number when it commits")

    def test_created_updated_and_occurred_at_are_the_transaction_time_of_the_database(self):
        org = self.register(400)
        stored = self.svc.db.query(
            "SELECT (extract(epoch FROM o.created_at) * 1000000)::bigint,"
            " (extract(epoch FROM e.occurred_at) * 1000000)::bigint,"
            " (extract(epoch FROM a.at) * 1000000)::bigint"
            " FROM organization o JOIN ht_outbox e ON e.aggregate_id = o.id::text"
            " JOIN ht_audit a ON a.request_id = e.request_id WHERE o.id = %s", (org.id,))
        self.assertEqual(stored, [(org.created_at_us,) * 3],
                         "created_at, the event's occurred_at and the audit time are not one transaction time")
        updated = decode(self.svc.call(UPDATE, R.UpdateOrganizationRequest(id=org.id, name_en="Later"), key=new_key()),
                         R.OrganizationReply).organization
        occurred = self.svc.db.query("SELECT (extract(epoch FROM occurred_at) * 1000000)::bigint FROM ht_outbox"
                                     " WHERE aggregate_id = %s ORDER BY id DESC LIMIT 1", (org.id,))[0][0]
        self.assertEqual(updated.updated_at_us, occurred)
        self.assertGreater(updated.updated_at_us, updated.created_at_us)

    # -- helpers ---------------------------------------------------------------

    def envelope(self, method, payload, key):
        from harness import envelope_pb2
        return envelope_pb2.Request(request_id=new_key(), method=method, idempotency_key=key,
                                    payload=payload.SerializeToString()).SerializeToString()

    def decode_reply(self, frame):
        from harness import envelope_pb2
        return envelope_pb2.Reply.FromString(frame)


if __name__ == "__main__":
    unittest.main()
