"""Funding under racing clients: awards never commit more than the budget,
disbursements never reserve more than an award, and one idempotency key
commits once however many times it is sent at the same moment."""
import threading
import unittest

from funding_stack import F, FundingTest, money
from harness import Status, decode, new_key


def race(count, work):
    """Runs work(i) in `count` threads released together; returns their results in order."""
    barrier = threading.Barrier(count)
    results = [None] * count

    def run(i):
        barrier.wait()
        try:
            results[i] = work(i)
        except Exception as error:      # reported as a result, so the assertion shows it
            results[i] = error
    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


class Racing(FundingTest):
    workers = 8

    def test_16_racing_awards_never_commit_more_than_the_budget(self):
        programme = self.stack.programme(10_000)
        round_ = self.stack.open_call(programme.id)
        applications = [self.stack.approved(round_.id, 1_000) for _ in range(16)]
        replies = race(16, lambda i: self.stack.call("MakeAward", self.stack.award_request(
            applications[i].id, 1_000), timeout=60))
        statuses = [Status.Name(r.status) if hasattr(r, "status") else repr(r) for r in replies]
        self.assertEqual(statuses.count("OK"), 10, statuses)
        self.assertEqual(statuses.count("FAILED_PRECONDITION"), 6, statuses)
        for reply in replies:
            if reply.status != Status.OK:
                self.assertIn("amount", [v.field for v in reply.violations])
        committed = self.stack.funding.db.query(
            "SELECT coalesce(sum(amount), 0) FROM award WHERE programme_id = %s", (programme.id,))[0][0]
        self.assertEqual(committed, 10_000)
        check = self.assertBalanced(programme.id)
        balance = check.programmes[0]
        self.assertEqual((balance.available.minor_units, balance.committed.minor_units), (0, 10_000))

    def test_racing_disbursements_never_reserve_or_pay_more_than_the_award(self):
        programme, award = self.stack.funded(1_000)
        replies = race(16, lambda i: self.stack.disburse(award.id, 100, timeout=60))
        ok = [decode(r, F.DisbursementReply).disbursement for r in replies if r.status == Status.OK]
        self.assertEqual(len(ok), 10, [Status.Name(r.status) for r in replies])
        refused = [r for r in replies if r.status != Status.OK]
        self.assertTrue(all(r.status == Status.FAILED_PRECONDITION for r in refused))
        for d in ok:
            decode(self.stack.act("ApproveDisbursement", d.id), F.DisbursementReply)
        # Paying and failing race too: each disbursement moves once.
        paid = race(len(ok), lambda i: self.stack.act("PayDisbursement", ok[i].id))
        twice = race(len(ok), lambda i: self.stack.act("PayDisbursement", ok[i].id))
        self.assertTrue(all(r.status == Status.OK for r in paid))
        self.assertTrue(all(r.status == Status.FAILED_PRECONDITION for r in twice))
        self.assertEqual(self.stack.funding.db.query(
            "SELECT paid, in_payment FROM award WHERE id = %s", (award.id,))[0], (1_000, 0))
        self.assertBalanced(programme.id)

    def test_one_award_sent_twice_at_once_with_one_key_commits_once(self):
        programme = self.stack.programme(5_000)
        round_ = self.stack.open_call(programme.id)
        application = self.stack.approved(round_.id, 5_000)
        key = new_key()
        request = self.stack.award_request(application.id, 5_000)
        replies = race(2, lambda i: self.stack.call("MakeAward", request, key=key, timeout=60))
        awards = [decode(r, F.AwardReply).award for r in replies]
        self.assertEqual(awards[0].id, awards[1].id)
        self.assertEqual(sorted(r.replayed for r in replies), [False, True])
        self.assertEqual(self.stack.funding.db.query(
            "SELECT count(*) FROM award WHERE application_id = %s", (application.id,))[0][0], 1)
        self.assertEqual(self.stack.funding.db.query(
            "SELECT count(*) FROM journal_entry WHERE kind = 'award' AND programme_id = %s",
            (programme.id,))[0][0], 1)
        self.assertEqual(self.stack.event_types(awards[0].id, 1), ["funding.award.made"])
        check = self.assertBalanced(programme.id)
        self.assertEqual(check.programmes[0].committed, money(5_000))


if __name__ == "__main__":
    unittest.main()
