"""Replicas: two registry processes on one database share one relay.

Exactly one holds the stream's advisory lock and publishes; registrations
sent to either are published once in total, gap-free; when the active one is
killed with SIGKILL the other takes over and the sequence continues.
"""
import itertools
import threading
import time
import unittest

from harness import (Database, Service, Status, decode, health, new_key, org_request, read_events,
                     receive_events, registry_pb2, wait_for, wait_subscribed)

ARGS = ("--relay-poll-ms", "20")


def relay_active(svc):
    return health(svc).streams[0].relay_active


class Replicas(unittest.TestCase):
    def setUp(self):
        self.db = Database()
        self.addCleanup(self.db.close)
        self.replicas = []
        for _ in range(2):
            svc = Service("registry", db=self.db, workers=2, args=ARGS)
            self.addCleanup(svc.close)
            self.replicas.append(svc)
        self.subs = [svc.subscribe() for svc in self.replicas]
        for sub in self.subs:
            self.addCleanup(sub.close)
        self.numbers = itertools.count(1)          # next() is atomic: threads share it

    def register(self, svc, timeout=5.0):
        reply = svc.call("registry.RegisterOrganization", org_request(next(self.numbers)), key=new_key(),
                         timeout=timeout)
        return decode(reply, registry_pb2.OrganizationReply).organization.id

    def active_index(self, seconds=10):
        """The index of the one active replica, once exactly one is active."""
        flags = wait_for(lambda: (lambda f: f if sum(f) == 1 else None)([relay_active(s) for s in self.replicas]),
                         seconds=seconds)
        self.assertIsNotNone(flags, "not exactly one replica reports relay_active within %d s" % seconds)
        return flags.index(True)

    def merged(self, count, seconds=10):
        """Events from both PUB sockets, (replica index, Event), until `count` arrived or time ran out."""
        got = []
        deadline = time.monotonic() + seconds
        while len(got) < count and time.monotonic() < deadline:
            for i, sub in enumerate(self.subs):
                got += [(i, e) for _, _, e in receive_events(sub, count, seconds=0.05)]
        return got

    def test_exactly_one_replica_holds_the_relay(self):
        active = self.active_index()
        # The standby retries the lock every second: it must keep failing.
        deadline = time.monotonic() + 2.5
        while time.monotonic() < deadline:
            flags = [relay_active(s) for s in self.replicas]
            self.assertEqual(flags.count(True), 1, "relay_active on %s" % flags)
            self.assertTrue(flags[active], "the relay moved from replica %d without a failure" % active)
            time.sleep(0.25)
        standby = health(self.replicas[1 - active]).streams[0]
        self.assertEqual(standby.last_published, 0, "the standby published something")

    def test_registrations_to_both_replicas_are_published_once_gap_free(self):
        active = self.active_index()
        first = wait_subscribed(self.subs[active], lambda: self.register(self.replicas[active]))
        first_live = first[0][2].sequence
        ids, errors = [], []

        def client(svc):
            try:
                for _ in range(25):
                    ids.append(self.register(svc))
            except Exception as error:
                errors.append(repr(error))

        threads = [threading.Thread(target=client, args=(self.replicas[i % 2],)) for i in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        self.assertEqual(errors, [])
        total = self.db.query("SELECT count(*) FROM organization")[0][0]
        got = self.merged(total - first_live)
        got += self.merged(1, seconds=0.5)                          # anything more is a duplicate
        publishers = {i for i, _ in got}
        self.assertEqual(publishers, {active}, "events came from replicas %s; only %d is active" % (publishers, active))
        self.assertEqual([e.sequence for _, e in got], list(range(first_live + 1, total + 1)),
                         "merged sequences are not each published once, in order, without a gap")
        stream = read_events(self.replicas[1 - active])
        self.assertEqual([e.sequence for e in stream], list(range(1, total + 1)))
        self.assertEqual({e.aggregate_id for e in stream},
                         {r[0] for r in self.db.query("SELECT id::text FROM organization")})
        self.assertTrue(set(ids) <= {e.aggregate_id for e in stream})

    def test_killing_the_active_relay_hands_over_without_a_gap(self):
        active = self.active_index()
        survivor_index = 1 - active
        doomed, survivor = self.replicas[active], self.replicas[survivor_index]
        before = self.db.query("SELECT count(*) FROM organization")[0][0]

        # Keep the doomed replica busy while it dies: outcomes of in-flight requests are unknown.
        acknowledged, stop = [], threading.Event()

        def load():
            with doomed.client() as client:
                while not stop.is_set():
                    try:
                        reply = client.call("registry.RegisterOrganization", org_request(next(self.numbers)),
                                            key=new_key(), timeout=1)
                    except TimeoutError:
                        return
                    if reply.status == Status.OK:
                        acknowledged.append(decode(reply, registry_pb2.OrganizationReply).organization.id)

        thread = threading.Thread(target=load)
        thread.start()
        wait_for(lambda: len(acknowledged) >= 10, seconds=10)
        doomed.proc.kill()
        doomed.proc.wait(10)
        stop.set()
        thread.join(10)

        self.assertTrue(wait_for(lambda: relay_active(survivor), seconds=10),
                        "the survivor did not take over the relay within 10 s:\n" + survivor.log_text())
        # Everything committed before the kill gets numbered by the survivor.
        def numbered_all():
            count = self.db.query("SELECT count(*) FROM organization")[0][0]
            return count if health(survivor).streams[0].last_sequence == count else None

        committed = wait_for(numbered_all, seconds=10)
        self.assertIsNotNone(committed, "the survivor did not number the events committed before the kill")
        self.assertGreaterEqual(committed, before + len(acknowledged))

        # The survivor publishes what comes next, continuing the sequence: its
        # subscriber sees the backlog it took over, then the new events, with no gap.
        more = [self.register(survivor) for _ in range(5)]
        total = committed + 5
        got = []
        deadline = time.monotonic() + 10
        while (not got or got[-1].sequence < total) and time.monotonic() < deadline:
            got += [e for _, _, e in receive_events(self.subs[survivor_index], 1, seconds=0.5)]
        sequences = [e.sequence for e in got]
        self.assertTrue(sequences, "the survivor published nothing")
        self.assertEqual(sequences, list(range(sequences[0], total + 1)),
                         "the survivor's live sequence does not continue without a gap")
        self.assertEqual([e.aggregate_id for e in got[-5:]], more)

        stream = read_events(survivor)
        self.assertEqual([e.sequence for e in stream], list(range(1, total + 1)),
                         "sequences across the failover have a gap or a duplicate")
        rows = {r[0] for r in self.db.query("SELECT id::text FROM organization")}
        self.assertEqual(len(rows), total)
        self.assertEqual({e.aggregate_id for e in stream}, rows, "every committed organization has exactly one event")
        self.assertTrue(set(acknowledged) <= rows, "an acknowledged registration was lost with the replica")


if __name__ == "__main__":
    unittest.main()
