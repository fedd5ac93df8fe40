"""A process stopped (SIGSTOP) for longer than the clients' deadline, then
continued (SIGCONT), under the mixed load: a registry replica, funding (one
replica: its clients retry into the stopped process itself), customs and
reporting (a consumer) in turn.

A client whose request is already queued on its connection to the stopped
process times out and sends the same request again, to the other replica or
on a new connection; once the process runs again it reads the queued copy
too. Proved here: the copies it handled after SIGCONT were answered from the
idempotency store ("replayed stored reply" in its log), and afterwards every
acknowledged write is stored once, every stream has one event per change, the
ledger balances and equals the model, and reporting's money equals it.
"""
import os
import signal
import time
import unittest

from fault_stack import (LONG, AcknowledgedChecks, Ledger, LedgerWatch, Load, Stack, reporting_caught_up,
                         save_figures, wait_for)

DEADLINE_S = 1.0                # each attempt of the load's clients
STOPPED_S = 3.0                 # longer than the deadline: every stopped call is retried
ROUNDS = 5 if LONG else 1


class StopAndContinue(AcknowledgedChecks, unittest.TestCase):
    def setUp(self):
        self.stack = Stack(workers=2, replicas=2, outsiders=False)
        self.addCleanup(self.stack.close)
        self.ledger = Ledger()
        self.load = Load(self.stack, self.ledger, threads_per_service=2, deadline=DEADLINE_S)

    def progress(self, count=6):
        services = ("registry", "funding", "customs")
        target = {n: self.ledger.count(n) + count for n in services}
        self.assertTrue(wait_for(lambda: all(self.ledger.count(n) >= target[n] for n in services)
                                 or self.ledger.failures, seconds=120, interval=0.1), "the load made no progress")
        self.assertEqual(self.ledger.failures, [], "unexpected answers under load")

    def pause(self, service):
        """SIGSTOP for STOPPED_S, SIGCONT; returns how many requests it answered
        from the idempotency store once it ran again (copies of retried requests)."""
        with open(service.log.name, "rb") as log:
            log.seek(0, os.SEEK_END)
            offset = log.tell()
        service.proc.send_signal(signal.SIGSTOP)
        time.sleep(STOPPED_S)
        service.proc.send_signal(signal.SIGCONT)
        self.progress()
        with open(service.log.name, "rb") as log:
            log.seek(offset)
            return log.read().decode(errors="replace").count("replayed stored reply")

    def test_a_stopped_process_continued_after_its_clients_retried_applies_nothing_twice(self):
        s = self.stack
        watch = LedgerWatch(s.funding)
        self.addCleanup(watch.close)
        self.load.start()
        replayed = {}
        for _ in range(ROUNDS):
            for name, service in (("registry replica a", s.registry_a), ("funding", s.funding),
                                  ("customs", s.customs), ("registry replica b", s.registry_b),
                                  ("reporting", s.reporting)):
                self.progress()
                replayed[name] = replayed.get(name, 0) + self.pause(service)
        self.load.finish()
        watch.close()
        self.assertEqual(self.ledger.failures, [], "unexpected answers under load")
        self.assertGreater(self.ledger.client_counts.get("timeouts", 0), 0, "no client ever timed out")
        # The stopped processes did receive copies of requests their clients had
        # already sent again elsewhere, and answered them from the store.
        self.assertGreater(sum(replayed.values()), 0,
                           "no stopped process handled a retried request after it continued: %s" % replayed)

        figures = dict(rounds=ROUNDS, stopped_s=STOPPED_S, deadline_s=DEADLINE_S,
                       replayed_after_continue=replayed, client_attempts=self.ledger.client_counts)
        figures.update(self.check_registry())
        figures.update(self.check_customs())
        figures.update(self.check_bank(watch))
        money = reporting_caught_up(s.reporting, {"registry": s.registry_a, "funding": s.funding, "customs": s.customs})
        self.assertEqual((money["funds_budget_cny_fen"], money["funds_committed_cny_fen"],
                          money["funds_paid_cny_fen"]),
                         (self.bank_totals["budget"], self.bank_totals["awarded"], self.bank_totals["paid"]),
                         "reporting's money differs from the model")
        save_figures("stop" + ("_long" if LONG else ""), figures)


if __name__ == "__main__":
    unittest.main()
