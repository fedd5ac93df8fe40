"""Every service killed in turn (SIGKILL) under a mixed write load, both replicas
of the registry in turn, and reporting and the outside subscribers killed
mid-stream, also while their source restarts; the bank test on funding runs
through all of it.

Afterwards: every client got a final answer; every acknowledged write is
stored exactly once and nothing else is; every stream is numbered 1..N with
exactly one event per committed change; funding.LedgerCheck never reported a
breach and the money equals the model of the acknowledged operations; the
registry projection probe applied every event once; the example subscriber
printed every event once and in order across its restarts; and reporting's
overview equals the overview of a fresh reporting fed the same streams from
an empty database.
"""
import signal
import time
import unittest

from fault_stack import (LONG, AcknowledgedChecks, Ledger, LedgerWatch, Load, Service, Stack,
                         reporting_caught_up, save_figures, stream_events, wait_for)
from harness import Database

ROUNDS = 10 if LONG else 1
PROGRESS = 20 if LONG else 6        # acknowledged writes of each service between two faults


class KillEveryService(AcknowledgedChecks, unittest.TestCase):
    maxDiff = None

    def setUp(self):
        self.stack = Stack(workers=2)
        self.addCleanup(self.stack.close)
        self.ledger = Ledger()
        self.load = Load(self.stack, self.ledger, threads_per_service=3 if LONG else 2)
        self.recoveries = []            # (what, seconds from the kill until it answered again)

    def progress(self):
        """Waits until the load has made PROGRESS more acknowledged writes on each service."""
        services = ("registry", "funding", "customs")
        target = {name: self.ledger.count(name) + PROGRESS for name in services}
        self.assertTrue(wait_for(lambda: all(self.ledger.count(n) >= target[n] for n in services)
                                 or self.ledger.failures, seconds=120, interval=0.1), "the load made no progress")
        self.assertEqual(self.ledger.failures, [], "unexpected answers under load")

    def kill(self, service, what):
        """SIGKILL, then start again (same ports, database and keys)."""
        started = time.monotonic()
        service.restart(signal.SIGKILL)
        self.recoveries.append((what, round(time.monotonic() - started, 3)))

    def kill_followers(self):
        """SIGKILL reporting, the probe and the example subscriber (which its thread starts again)."""
        self.stack.reporting.stop(signal.SIGKILL)
        self.stack.probe.stop(signal.SIGKILL)
        self.stack.subscriber.kill()

    def test_every_service_killed_in_turn_loses_and_doubles_nothing(self):
        s = self.stack
        watch = LedgerWatch(s.funding)
        self.addCleanup(watch.close)
        self.load.start()
        for _ in range(ROUNDS):
            self.progress()
            self.kill(s.funding, "funding")
            self.progress()
            self.kill(s.customs, "customs")
            self.progress()
            # Reporting and both subscribers die mid-stream and come back later.
            self.kill_followers()
            self.progress()
            s.reporting.restart(signal.SIGKILL)
            s.probe.restart(signal.SIGKILL)
            self.progress()
            self.kill(s.registry_a, "registry replica a")
            self.progress()
            self.kill(s.registry_b, "registry replica b")
            self.progress()
            # Again, while their sources restart: one registry replica, then
            # the other, and funding (the example subscriber's source).
            self.kill_followers()
            s.registry_a.stop(signal.SIGKILL)
            s.funding.stop(signal.SIGKILL)
            s.reporting.restart(signal.SIGKILL, wait=False)
            s.probe.restart(signal.SIGKILL, wait=False)
            s.registry_a.restart(signal.SIGKILL)
            s.funding.restart(signal.SIGKILL)
            self.kill(s.registry_b, "registry replica b, with reporting starting")
            s.reporting.wait_healthy()
            s.probe.wait_healthy()
        self.progress()
        self.load.finish()
        watch.close()
        self.assertEqual(self.ledger.failures, [], "unexpected answers under load")

        figures = dict(rounds=ROUNDS, recoveries=self.recoveries, client_attempts=self.ledger.client_counts)
        figures.update(self.check_registry())
        figures.update(self.check_customs())
        figures.update(self.check_bank(watch))
        figures.update(self.check_followers())
        save_figures("kill" + ("_long" if LONG else ""), figures)

    def check_followers(self):
        s = self.stack
        registry_events = stream_events(s.registry_a, "registry")
        funding_events = stream_events(s.funding, "funding")
        # The probe: every registry event applied exactly once.
        last = len(registry_events)
        self.assertTrue(wait_for(lambda: s.probe.db.query(
            "SELECT coalesce(max(last_seq), 0) FROM ht_checkpoint WHERE stream = 'registry'")[0][0] >= last,
            seconds=60), "the probe did not catch up")
        counts = dict(s.probe.db.query("SELECT seq, count(*) FROM probe_applied GROUP BY seq"))
        self.assertEqual({q: n for q, n in counts.items() if n != 1}, {}, "the probe applied events twice")
        self.assertEqual(sorted(counts), list(range(1, last + 1)), "the probe missed events")
        # The example subscriber: every funding event printed once, in order, across its restarts.
        self.assertTrue(wait_for(lambda: s.subscriber.last() >= len(funding_events), seconds=60),
                        "the example subscriber stopped at %d of %d" % (s.subscriber.last(), len(funding_events)))
        printed = list(s.subscriber.lines)
        self.assertEqual([p[0] for p in printed], list(range(1, len(printed) + 1)),
                         "the example subscriber printed a gap or a repeat")
        self.assertEqual([(p[1], p[2]) for p in printed[:len(funding_events)]],
                         [(e.type, e.aggregate_id) for e in funding_events])
        # Reporting: caught up, its money equals the model, and it equals a fresh rebuild.
        sources = {"registry": s.registry_a, "funding": s.funding, "customs": s.customs}
        figures = reporting_caught_up(s.reporting, sources)
        self.assertEqual((figures["funds_budget_cny_fen"], figures["funds_committed_cny_fen"],
                          figures["funds_paid_cny_fen"]),
                         (self.bank_totals["budget"], self.bank_totals["awarded"], self.bank_totals["paid"]),
                         "reporting's money differs from the model")
        db = Database()
        self.addCleanup(db.close)
        fresh = Service("reporting", db=db, workers=1, sources={"registry": s.registry, "funding": s.funding, "customs": s.customs})
        self.addCleanup(fresh.close)
        rebuilt = reporting_caught_up(fresh, sources)
        if figures != rebuilt:
            # What tells where a difference comes from: which cases each side
            # holds against customs' own, and how far each applied.
            cases = {name: set(r[0] for r in conn.query("SELECT id::text FROM %s" % table))
                     for name, conn, table in (("live", s.reporting.db, "report.report_case"),
                                               ("rebuilt", fresh.db, "report.report_case"),
                                               ("customs", s.customs.db, "assistance_case"))}
            for a, b in (("live", "rebuilt"), ("rebuilt", "live"), ("live", "customs"), ("customs", "live")):
                print("cases in %s (%d) not in %s: %s" % (a, len(cases[a]), b, sorted(cases[a] - cases[b])[:5]))
            print("checkpoints: live %s, rebuilt %s" % (s.reporting.db.query("SELECT stream, last_seq FROM ht_checkpoint"),
                                                        fresh.db.query("SELECT stream, last_seq FROM ht_checkpoint")))
            print("live reporting's log (end):\n%s" % s.reporting.log_text())
        self.assertEqual(figures, rebuilt, "the overview differs from one rebuilt from scratch")
        return dict(followers=dict(registry_events=last, funding_events=len(funding_events),
                                   subscriber_starts=s.subscriber.starts,
                                   probe_applied=sum(counts.values())))


if __name__ == "__main__":
    unittest.main()
