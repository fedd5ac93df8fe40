"""Concurrency: racing clients; the event stream is exactly the committed organizations.

Eight threads, each with its own socket, register at once while a subscriber
that connected before them listens. Refused requests (duplicate
registration ids, ids contested by all eight at the same moment) and
replayed ones (same idempotency key again) are interleaved: they must
produce no events.
"""
import threading
import unittest

from harness import (ServiceTest, Status, decode, new_key, org_request, read_events,
                     receive_events, registry_pb2, uscc, wait_subscribed)

THREADS = 8
PER_THREAD = 40
REGISTERED = "registry.organization.registered"


class Outcome:
    def __init__(self, kind, request_id, key, reply):
        self.kind = kind                # "new", "duplicate", "contested" or "replay"
        self.request_id = request_id
        self.key = key
        self.status = reply.status
        self.replayed = reply.replayed
        self.message = reply.message
        self.org_id = None
        if reply.status == Status.OK:
            self.org_id = decode(reply, registry_pb2.OrganizationReply).organization.id


class Concurrency(ServiceTest):
    workers = 4

    def run_clients(self, barrier, outcomes, errors, t):
        try:
            with self.svc.client() as client:
                barrier.wait(10)
                previous = None         # (request, key, registration number) of the last "new"
                for i in range(PER_THREAD):
                    n = 10000 + t * 1000 + i
                    kind, request, key = "new", org_request(n), new_key()
                    if i % 10 == 3 and previous:            # our own id, already committed
                        kind, request = "duplicate", org_request(n, registration_id=uscc(previous[2]))
                    elif i % 10 == 6:                       # all eight threads race for the same id
                        kind, request = "contested", org_request(900 + i)
                    elif i % 10 == 8 and previous:          # the same request again, same key
                        kind, request, key = "replay", previous[0], previous[1]
                    request_id = "t%d-%d-%s" % (t, i, kind)
                    reply = client.call("registry.RegisterOrganization", request, key=key,
                                        request_id=request_id, timeout=20)
                    outcome = Outcome(kind, request_id, key, reply)
                    outcomes.append(outcome)
                    if kind == "new" and outcome.status == Status.OK:
                        previous = (request, key, n)
        except Exception as error:     # reported by the main thread
            errors.append("thread %d: %r" % (t, error))

    def test_8_racing_clients_publish_exactly_the_committed_organizations_gap_free(self):
        sub = self.svc.subscribe()
        self.addCleanup(sub.close)
        # The subscription is live once it has received something; the events
        # of warm-ups published before that are read back below.
        warm = {}

        def poke():
            n = len(warm) + 1
            reply = self.svc.call("registry.RegisterOrganization", org_request(n), key=new_key(),
                                  request_id="warm-up-%d" % n)
            warm["warm-up-%d" % n] = decode(reply, registry_pb2.OrganizationReply).organization.id

        got = wait_subscribed(sub, poke)
        first_live = got[0][2].sequence

        barrier = threading.Barrier(THREADS)
        outcomes, errors = [], []
        threads = [threading.Thread(target=self.run_clients, args=(barrier, outcomes, errors, t))
                   for t in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        self.assertEqual(errors, [])
        self.assertEqual(len(outcomes), THREADS * PER_THREAD)

        by_kind = {}
        for o in outcomes:
            by_kind.setdefault(o.kind, []).append(o)
        for o in by_kind["new"]:
            self.assertEqual(Status.Name(o.status), "OK", "%s: %s" % (o.request_id, o.message))
            self.assertFalse(o.replayed, o.request_id)
        for o in by_kind["duplicate"]:
            self.assertEqual(Status.Name(o.status), "ALREADY_EXISTS", "%s: %s" % (o.request_id, o.message))
        first_by_key = {o.key: o for o in by_kind["new"]}
        for o in by_kind["replay"]:
            self.assertEqual(Status.Name(o.status), "OK", "%s: %s" % (o.request_id, o.message))
            self.assertTrue(o.replayed, "%s: a repeated key must return the stored reply" % o.request_id)
            self.assertEqual(o.org_id, first_by_key[o.key].org_id, "replay returned another organization")
        contested = {}
        for o in by_kind["contested"]:
            self.assertIn(Status.Name(o.status), ("OK", "ALREADY_EXISTS"), "%s: %s" % (o.request_id, o.message))
            contested.setdefault(o.request_id.split("-")[1], []).append(o.status)
        for i, statuses in contested.items():
            self.assertEqual(statuses.count(Status.OK), 1,
                             "contested id of round %s registered %d times" % (i, statuses.count(Status.OK)))

        # What committed: the warm-up plus every fresh OK.
        created = {o.request_id: o.org_id for o in outcomes if o.status == Status.OK and not o.replayed}
        created.update(warm)
        rows = {r[0] for r in self.svc.db.query("SELECT id::text FROM organization")}
        self.assertEqual(rows, set(created.values()), "the organization table is not what was acknowledged")
        idem = self.svc.db.query("SELECT count(*) FROM ht_idempotency")[0][0]
        self.assertEqual(idem, len(created), "one idempotency record per committed request, none for refusals")

        # The live stream: exactly those organizations, sequences in order, no gap.
        total = len(created)
        got += receive_events(sub, total - first_live, seconds=30)
        extra = receive_events(sub, 1, seconds=0.5)
        self.assertEqual(extra, [], "more events than committed organizations")
        self.assertEqual([e.sequence for _, _, e in got], list(range(first_live, total + 1)),
                         "live sequences are not exactly %d..%d in order" % (first_live, total))
        self.assertEqual({t for t, _, _ in got}, {REGISTERED})
        stream = read_events(self.svc)
        events = stream[:first_live - 1] + [e for _, _, e in got]
        self.assertEqual([e.sequence for e in events], list(range(1, total + 1)))
        self.assertEqual({e.aggregate_id for e in events}, rows, "events are not the committed organizations")
        self.assertEqual(len({e.aggregate_id for e in events}), total, "an organization has two events")
        missed = {e.request_id for e in stream[:first_live - 1]}
        self.assertTrue(missed <= set(warm), "events before the subscription went live were not warm-ups")
        refused = {o.request_id for o in outcomes if o.status != Status.OK or o.replayed}
        for e in events:
            self.assertNotIn(e.request_id, refused, "a refused or replayed request produced an event")
            if e.request_id in created:
                self.assertEqual(e.aggregate_id, created[e.request_id], "event names another organization")

        # ReadEvents replays the same stream, byte for byte.
        self.assertEqual([e.SerializeToString() for e in stream[first_live - 1:]], [raw for _, raw, _ in got],
                         "system.ReadEvents differs from what was published")


if __name__ == "__main__":
    unittest.main()
