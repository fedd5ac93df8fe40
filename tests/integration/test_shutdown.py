"""Shutdown: SIGTERM and SIGINT under load lose nothing that was acknowledged.

Eight threads keep registering while the service is signalled. It must exit
0 within its grace period; every registration that got an OK reply must be
in the database with its event; a service restarted on the same database
numbers whatever was left and continues the sequence without a gap.
"""
import itertools
import re
import signal
import subprocess
import threading
import time
import unittest

from harness import (Database, Service, Status, decode, new_key, org_request, read_events, registry_pb2,
                     wait_for)

GRACE_MS = 5000
THREADS = 8


class Shutdown(unittest.TestCase):
    def setUp(self):
        self.db = Database()
        self.addCleanup(self.db.close)
        self.numbers = itertools.count(1)

    def start(self):
        svc = Service("registry", db=self.db, workers=4,
                      args=("--shutdown-grace-ms", str(GRACE_MS), "--relay-poll-ms", "20"))
        self.addCleanup(svc.close)
        return svc

    def load(self, svc, outcomes, stop):
        """Registers until `stop` or until a request goes unanswered (the service is gone)."""
        with svc.client() as client:
            while not stop.is_set():
                request_id = new_key()
                try:
                    reply = client.call("registry.RegisterOrganization", org_request(next(self.numbers)),
                                        key=new_key(), request_id=request_id, timeout=2)
                except TimeoutError:
                    outcomes.append((request_id, None, None, None))
                    return
                org_id = None
                if reply.status == Status.OK:
                    org_id = decode(reply, registry_pb2.OrganizationReply).organization.id
                outcomes.append((request_id, reply.status, org_id, time.monotonic()))

    def signal_under_load(self, sig):
        svc = self.start()
        outcomes, stop = [], threading.Event()
        threads = [threading.Thread(target=self.load, args=(svc, outcomes, stop)) for _ in range(THREADS)]
        for thread in threads:
            thread.start()
        self.assertTrue(wait_for(lambda: sum(1 for o in outcomes if o[1] == Status.OK) >= 80, seconds=20),
                        "the load did not get going")
        signalled = time.monotonic()
        svc.proc.send_signal(sig)
        try:
            code = svc.proc.wait(GRACE_MS / 1000 + 5)
        except subprocess.TimeoutExpired:
            self.fail("%s: still running %.0f s after the signal:\n%s"
                      % (signal.Signals(sig).name, GRACE_MS / 1000 + 5, svc.log_text()))
        stop.set()
        for thread in threads:
            thread.join(10)
        self.assertEqual(code, 0, "exit status after %s:\n%s" % (signal.Signals(sig).name, svc.log_text()))
        with open(svc.log.name) as f:
            log = f.read()
        self.assertIn('"stopped"', log)
        # Requests in flight at the signal were finished and answered.
        in_flight = re.search(r"finishing (\d+) request", log)
        self.assertIsNotNone(in_flight, "no 'shutting down' line in the log:\n" + svc.log_text())
        answered_after = sum(1 for o in outcomes if o[3] is not None and o[3] > signalled)
        self.assertGreaterEqual(answered_after, int(in_flight.group(1)),
                                "%s requests were in flight at the signal but only %d got replies after it"
                                % (in_flight.group(1), answered_after))

        acknowledged = {o[2] for o in outcomes if o[1] == Status.OK}
        refused = {o[0] for o in outcomes if o[1] not in (None, Status.OK)}
        rows = {r[0] for r in self.db.query("SELECT id::text FROM organization")}
        self.assertEqual(acknowledged - rows, set(), "acknowledged registrations missing from the database")
        unanswered = sum(1 for o in outcomes if o[1] is None)
        self.assertLessEqual(len(rows - acknowledged), unanswered,
                             "more unacknowledged rows than unanswered requests")
        outbox = self.db.query("SELECT aggregate_id, request_id FROM ht_outbox")
        self.assertEqual({a for a, _ in outbox}, rows, "every stored organization has exactly one event row")
        self.assertEqual(len(outbox), len(rows))
        self.assertEqual({r for _, r in outbox} & refused, set(), "a refused request left an event")

        # A new process on the same database numbers the rest and carries on.
        again = self.start()
        total = len(rows)
        self.assertTrue(wait_for(lambda: [e.sequence for e in read_events(again)] == list(range(1, total + 1)),
                                 seconds=10), "events after restart are not 1..%d" % total)
        self.assertEqual({e.aggregate_id for e in read_events(again)}, rows)
        org = decode(again.call("registry.RegisterOrganization", org_request(next(self.numbers)), key=new_key()),
                     registry_pb2.OrganizationReply).organization
        self.assertTrue(wait_for(lambda: len(read_events(again)) == total + 1, seconds=10))
        last = read_events(again, after=total)
        self.assertEqual([(e.sequence, e.aggregate_id) for e in last], [(total + 1, org.id)],
                         "the restarted service does not continue the sequence")

    def test_sigterm_under_load_exits_0_and_loses_nothing_acknowledged(self):
        self.signal_under_load(signal.SIGTERM)

    def test_sigint_under_load_exits_0_and_loses_nothing_acknowledged(self):
        self.signal_under_load(signal.SIGINT)


if __name__ == "__main__":
    unittest.main()
