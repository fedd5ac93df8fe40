"""The outbox gap trap is avoided: sequences are gap-free, never reordered, in commit order.

The tests write ht_outbox rows directly, in transactions they control, on
their own psycopg2 connections to the service's database, the way a worker
of any replica would: a row whose transaction is still open holds back
nothing and is numbered when it commits, after the rows committed before
it; a rolled-back row leaves no gap; a band larger than one batch is
numbered as one set in id order; and writers that commit in random order
produce exactly 1..N, each row numbered after every row whose commit had
returned before it was written.
"""
import random
import threading
import time
import unittest
import uuid

import psycopg2

from harness import (ServiceTest, new_key, org_request, read_events, receive_events, registry_pb2, decode,
                     wait_for, wait_subscribed, health)

TYPE = "registry.test.row"


class OutboxOrder(ServiceTest):
    args = ("--relay-poll-ms", "20")

    def setUp(self):
        self.sub = self.svc.subscribe()
        self.addCleanup(self.sub.close)
        got = wait_subscribed(self.sub, lambda: self.commit_row("warm-up"))
        self.assertTrue(wait_for(lambda: self.unnumbered() == 0, seconds=5), "warm-up rows not numbered")
        self.drain()
        self.base = self.last_seq()
        self.assertGreaterEqual(self.base, got[0][2].sequence)

    # -- helpers ---------------------------------------------------------------

    def connect(self):
        conn = psycopg2.connect(self.svc.db.dsn)
        self.addCleanup(conn.close)
        return conn

    def insert(self, conn, label):
        """Inserts an outbox row in `conn`'s open transaction; returns its aggregate id."""
        aggregate_id = "%s-%s" % (label, uuid.uuid4())
        with conn.cursor() as cur:
            cur.execute("INSERT INTO ht_outbox (stream, type, aggregate_id, request_id, payload)"
                        " VALUES ('registry', %s, %s, %s, %s)",
                        (TYPE, aggregate_id, new_key(), psycopg2.Binary(label.encode())))
        return aggregate_id

    def commit_row(self, label):
        conn = self.connect()
        aggregate_id = self.insert(conn, label)
        conn.commit()
        return aggregate_id

    def seqs(self, aggregate_ids):
        rows = dict(self.svc.db.query("SELECT aggregate_id, seq FROM ht_event WHERE aggregate_id = ANY(%s)",
                                      (list(aggregate_ids),)))
        return [rows.get(a) for a in aggregate_ids]

    def unnumbered(self):
        return self.svc.db.query("SELECT count(*) FROM ht_event WHERE stream = 'registry' AND seq IS NULL")[0][0]

    def last_seq(self):
        return self.svc.db.query("SELECT last_seq FROM ht_stream WHERE stream = 'registry'")[0][0]

    def drain(self):
        while receive_events(self.sub, 1000, seconds=0.3):
            pass

    def relay_passes(self, count=10):
        """Waits long enough for the relay (polling every 20 ms) to have looked `count` times."""
        time.sleep(count * 0.02 + 0.1)

    def assertGapFree(self, since):
        numbered = [r[0] for r in self.svc.db.query(
            "SELECT seq FROM ht_event WHERE stream = 'registry' AND seq > %s ORDER BY seq", (since,))]
        self.assertEqual(numbered, list(range(since + 1, since + 1 + len(numbered))),
                         "sequences after %d have a gap or a duplicate" % since)
        self.assertEqual(self.last_seq(), since + len(numbered), "ht_stream.last_seq disagrees with the rows")

    # -- tests ---------------------------------------------------------------------

    def test_open_earlier_transaction_holds_nothing_back_and_is_numbered_when_it_commits(self):
        a = self.connect()
        a_id = self.insert(a, "A")                  # A: inserted first (smaller id and xid), still open
        b_id = self.commit_row("B")                 # B: inserted after, committed
        self.assertEqual(wait_for(lambda: self.seqs([b_id])[0], seconds=5), self.base + 1,
                         "B, committed, was not numbered next while an earlier transaction (A) was open")
        got = receive_events(self.sub, 1, seconds=5)
        self.assertEqual([(e.sequence, e.aggregate_id) for _, _, e in got], [(self.base + 1, b_id)])
        self.relay_passes()
        self.assertEqual(self.seqs([a_id]), [None], "A was numbered before it committed")
        self.assertEqual(health(self.svc).streams[0].last_sequence, self.base + 1)
        a.commit()
        self.assertEqual(wait_for(lambda: self.seqs([a_id])[0], seconds=5), self.base + 2,
                         "A must take the next number when it commits, after B which committed first")
        got = receive_events(self.sub, 1, seconds=5)
        self.assertEqual([(e.sequence, e.aggregate_id) for _, _, e in got], [(self.base + 2, a_id)])
        self.assertGapFree(self.base)

    def test_later_transaction_committing_first_is_not_skipped(self):
        # A takes its transaction id first but inserts after B has committed:
        # A's row gets the larger id yet must still be numbered, right after B's.
        a = self.connect()
        with a.cursor() as cur:
            cur.execute("SELECT pg_current_xact_id()")
        b_id = self.commit_row("B")
        a_id = self.insert(a, "A")
        a.commit()
        numbered = wait_for(lambda: None not in self.seqs([b_id, a_id]) and self.seqs([b_id, a_id]), seconds=5)
        self.assertEqual(numbered, [self.base + 1, self.base + 2])
        got = receive_events(self.sub, 2, seconds=5)
        self.assertEqual([e.aggregate_id for _, _, e in got], [b_id, a_id])
        self.assertGapFree(self.base)

    def test_rolled_back_transaction_leaves_no_gap(self):
        a = self.connect()
        a_id = self.insert(a, "A")
        b_id = self.commit_row("B")
        self.assertEqual(wait_for(lambda: self.seqs([b_id])[0], seconds=5), self.base + 1,
                         "B must take the next number while A is open")
        a.rollback()
        self.assertEqual(self.svc.db.query("SELECT count(*) FROM ht_outbox WHERE aggregate_id = %s", (a_id,)),
                         [(0,)])
        c_id = self.commit_row("C")
        self.assertEqual(wait_for(lambda: self.seqs([c_id])[0], seconds=5), self.base + 2)
        got = receive_events(self.sub, 2, seconds=5)
        self.assertEqual([(e.sequence, e.aggregate_id) for _, _, e in got],
                         [(self.base + 1, b_id), (self.base + 2, c_id)])
        self.assertGapFree(self.base)

    def test_a_band_larger_than_one_batch_is_numbered_over_several_passes_in_id_order(self):
        # The relay waits for a lock on ht_stream while A and three other
        # transactions commit 1,201 rows: its next pass finds them all, and
        # numbers them in batches of 500, as one set.
        blocker = self.connect()
        with blocker.cursor() as cur:
            cur.execute("LOCK TABLE ht_stream IN SHARE MODE")
        a = self.connect()
        a_id = self.insert(a, "A")
        labels = []
        for t in range(3):
            conn = self.connect()
            with conn.cursor() as cur:
                ids = ["band-%d-%d-%s" % (t, i, uuid.uuid4()) for i in range(400)]
                cur.executemany("INSERT INTO ht_outbox (stream, type, aggregate_id, request_id, payload)"
                                " VALUES ('registry', %s, %s, 'band', '')", [(TYPE, x) for x in ids])
            conn.commit()
            labels += ids
        a.commit()
        self.relay_passes()
        self.assertEqual(self.unnumbered(), 1201, "rows were numbered while the relay could not write")
        blocker.rollback()
        self.assertTrue(wait_for(lambda: self.unnumbered() == 0, seconds=10), "the band was not numbered")
        rows = self.svc.db.query("SELECT seq FROM ht_event WHERE stream = 'registry' AND seq > %s ORDER BY id",
                                 (self.base,))
        self.assertEqual([r[0] for r in rows], list(range(self.base + 1, self.base + 1202)),
                         "the band's rows are not numbered 1..1201 in id order")
        self.assertEqual(self.seqs([a_id])[0], self.base + 1)
        self.assertGapFree(self.base)
        self.assertEqual(self.svc.db.query("SELECT band IS NULL, band_after FROM ht_stream"
                                           " WHERE stream = 'registry'"), [(True, 0)])
        got = receive_events(self.sub, 1201, seconds=10)
        self.assertEqual([e.sequence for _, _, e in got], list(range(self.base + 1, self.base + 1202)))
        self.assertEqual([e.aggregate_id for _, _, e in got][1:], labels)

    def test_writers_committing_in_random_order_get_exactly_the_next_sequences(self):
        rng = random.Random(42)
        committed, errors, lock = [], [], threading.Lock()
        commits = []        # (insert sent, commit returned, aggregate id) of the outside writers
        plans = [[(rng.random() * 0.15, rng.random() < 0.2) for _ in range(4)] for _ in range(12)]

        def writer(plan):
            try:
                conn = psycopg2.connect(self.svc.db.dsn)
                try:
                    for delay, roll_back in plan:
                        sent = time.monotonic()
                        aggregate_id = self.insert(conn, "W")
                        time.sleep(delay)
                        if roll_back:
                            conn.rollback()
                        else:
                            conn.commit()
                            returned = time.monotonic()
                            with lock:
                                committed.append(aggregate_id)
                                commits.append((sent, returned, aggregate_id))
                finally:
                    conn.close()
            except Exception as error:
                errors.append(repr(error))

        def registrar():        # the service's own workers write to the same stream meanwhile
            try:
                for n in range(10):
                    reply = self.svc.call("registry.RegisterOrganization", org_request(500 + n), key=new_key())
                    org = decode(reply, registry_pb2.OrganizationReply).organization
                    with lock:
                        committed.append(org.id)
            except Exception as error:
                errors.append(repr(error))

        threads = [threading.Thread(target=writer, args=(plan,)) for plan in plans]
        threads.append(threading.Thread(target=registrar))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        self.assertEqual(errors, [])
        total = len(committed)
        self.assertGreater(total, 30)

        done = wait_for(lambda: self.unnumbered() == 0, seconds=10)
        self.assertTrue(done, "committed rows are still unnumbered after 10 s")
        self.assertEqual(sorted(self.seqs(committed)), list(range(self.base + 1, self.base + total + 1)),
                         "committed rows are not numbered exactly %d..%d" % (self.base + 1, self.base + total))
        self.assertGapFree(self.base)
        # Causal order: a row written after another's commit had returned is numbered after it.
        seq = dict(zip(committed, self.seqs(committed)))
        inverted = [(x, y) for _, x_returned, x in commits for y_sent, _, y in commits
                    if x_returned < y_sent and seq[x] > seq[y]]
        self.assertEqual(inverted, [], "rows numbered before rows committed ahead of them: %r" % inverted[:5])

        got = receive_events(self.sub, total, seconds=10)
        self.assertEqual([e.sequence for _, _, e in got], list(range(self.base + 1, self.base + total + 1)),
                         "the subscriber did not see every sequence once, in order")
        self.assertEqual({e.aggregate_id for _, _, e in got}, set(committed))
        replay = read_events(self.svc, after=self.base)
        self.assertEqual([(e.sequence, e.aggregate_id) for e in replay],
                         [(e.sequence, e.aggregate_id) for _, _, e in got], "ReadEvents differs from the live stream")


if __name__ == "__main__":
    unittest.main()
