"""Funding against the real registry and PostgreSQL: every rule of programmes,
calls, applications, reviews, awards, tranches, disbursements and the ledger,
and that bad input changes nothing."""
import time
import unittest

from funding_stack import F, R, FundingTest, YUAN, money
from harness import Status, decode, new_key

A = F.ApplicationStatus


class Programmes(FundingTest):
    def test_a_programme_starts_with_its_whole_budget_available_and_journaled(self):
        programme = self.stack.programme(370_000_000 * YUAN)
        self.assertEqual(programme.budget, money(37_000_000_000))
        self.assertEqual(programme.available.minor_units, 37_000_000_000)
        self.assertEqual(programme.committed.minor_units, 0)
        self.assertEqual(programme.status, F.PROGRAMME_STATUS_OPEN)
        check = self.assertBalanced(programme.id)
        self.assertEqual(check.programmes[0].budget.minor_units, 37_000_000_000)
        lines = self.stack.funding.db.query(
            "SELECT account, amount FROM journal_line WHERE programme_id = %s ORDER BY line", (programme.id,))
        self.assertEqual(lines, [("source", -37_000_000_000), ("available", 37_000_000_000)])
        self.assertEqual(self.stack.event_types(programme.id, 1), ["funding.programme.created"])

    def test_bad_money_and_dates_are_refused_naming_the_field_and_nothing_is_stored(self):
        before = self.stack.funding.db.query("SELECT count(*) FROM programme")[0][0]
        agency = self.stack.org()

        def create(**fields):
            values = dict(name="Bad", agency_id=agency, budget=money(100), starts_on="2026-01-01",
                          ends_on="2027-01-01")
            values.update(fields)
            return self.stack.call("CreateProgramme", F.CreateProgrammeRequest(**values))
        self.assertStatus(create(budget=money(0)), Status.INVALID_ARGUMENT, "budget")
        self.assertStatus(create(budget=money(-5)), Status.INVALID_ARGUMENT, "budget")
        self.assertStatus(create(budget=money(100, "HKD")), Status.INVALID_ARGUMENT, "budget")
        self.assertStatus(create(budget=money(100, "XXX")), Status.INVALID_ARGUMENT, "budget")
        self.assertStatus(create(budget=F.Money(currency="CNY")), Status.INVALID_ARGUMENT, "budget")
        self.assertStatus(create(ends_on="2025-12-31"), Status.INVALID_ARGUMENT, "ends_on")
        self.assertStatus(create(starts_on="2026-02-30"), Status.INVALID_ARGUMENT, "starts_on")
        self.assertStatus(create(agency_id="not-a-uuid"), Status.INVALID_ARGUMENT, "agency_id")
        self.assertStatus(create(agency_id="0190a0a0-0000-7000-8000-000000000000"), Status.NOT_FOUND, "agency_id")
        withdrawn = self.stack.org(status=R.ORGANIZATION_STATUS_WITHDRAWN)
        self.assertStatus(create(agency_id=withdrawn), Status.FAILED_PRECONDITION, "agency_id")
        self.assertEqual(self.stack.funding.db.query("SELECT count(*) FROM programme")[0][0], before)

    def test_the_budget_moves_with_a_reason_but_never_below_what_is_committed(self):
        programme, award = self.stack.funded(600 * YUAN, budget=1000 * YUAN)

        def adjust(delta, reason="revised allocation"):
            return self.stack.call("AdjustProgrammeBudget", F.AdjustProgrammeBudgetRequest(
                id=programme.id, delta=money(delta), reason=reason))
        raised = decode(adjust(500 * YUAN), F.ProgrammeReply).programme
        self.assertEqual((raised.budget.minor_units, raised.available.minor_units), (150_000, 90_000))
        self.assertStatus(adjust(-90_001), Status.FAILED_PRECONDITION, "delta")
        self.assertStatus(adjust(-100, reason=""), Status.INVALID_ARGUMENT, "reason")
        self.assertStatus(adjust(0), Status.INVALID_ARGUMENT, "delta")
        lowered = decode(adjust(-90_000), F.ProgrammeReply).programme
        self.assertEqual((lowered.budget.minor_units, lowered.available.minor_units,
                          lowered.committed.minor_units), (60_000, 0, 60_000))
        self.assertBalanced(programme.id)
        # Each adjustment is a new version, in the reply, the row and the event:
        # a follower keeps an event only when its version is higher.
        self.assertEqual((programme.version, raised.version, lowered.version), (1, 2, 3))
        stored = self.stack.funding.db.query("SELECT version FROM programme WHERE id = %s", (programme.id,))
        self.assertEqual(stored[0][0], 3)
        self.stack.event_types(programme.id, 3)
        versions = [F.ProgrammeEvent.FromString(e.payload).programme.version for e in self.stack.events()
                    if e.aggregate_id == programme.id]
        self.assertEqual(versions, [1, 2, 3])

    def test_a_closed_programme_takes_no_calls_and_opens_again(self):
        programme = self.stack.programme(1000)
        set_status = lambda s: self.stack.call("SetProgrammeStatus", F.SetProgrammeStatusRequest(  # noqa: E731
            id=programme.id, status=s, reason="end of year"))
        decode(set_status(F.PROGRAMME_STATUS_CLOSED), F.ProgrammeReply)
        self.assertStatus(set_status(F.PROGRAMME_STATUS_CLOSED), Status.FAILED_PRECONDITION, "status")
        now = int(time.time() * 1e6)
        self.assertStatus(self.stack.call("OpenCall", F.OpenCallRequest(
            programme_id=programme.id, name="late", opens_at_us=now, closes_at_us=now + 10**9)),
            Status.FAILED_PRECONDITION, "programme_id")
        decode(set_status(F.PROGRAMME_STATUS_OPEN), F.ProgrammeReply)
        self.stack.open_call(programme.id)


class Calls(FundingTest):
    def test_applications_are_accepted_only_while_the_call_is_open(self):
        programme = self.stack.programme(1000 * YUAN)
        now = int(time.time() * 1e6)
        future = self.stack.open_call(programme.id, opens=now + 3600 * 10**6, closes=now + 7200 * 10**6)
        past = self.stack.open_call(programme.id, opens=now - 7200 * 10**6, closes=now - 3600 * 10**6)
        org = self.stack.org()
        project = self.stack.project(org)
        for round_ in (future, past):
            reply = self.stack.call("CreateApplication",
                                    self.stack.application_request(round_.id, org, project, 100))
            self.assertStatus(reply, Status.FAILED_PRECONDITION, "call_id")
        open_ = self.stack.open_call(programme.id)
        self.stack.application(open_.id, 100, org=org, project=project)
        decode(self.stack.call("CloseCall", F.CloseCallRequest(id=open_.id)), F.CallReply)
        reply = self.stack.call("CreateApplication", self.stack.application_request(open_.id, org, project, 100))
        self.assertStatus(reply, Status.FAILED_PRECONDITION, "call_id")
        self.assertIn("closed", reply.message)
        self.assertStatus(self.stack.call("OpenCall", F.OpenCallRequest(
            programme_id=programme.id, name="x", opens_at_us=now, closes_at_us=now)),
            Status.INVALID_ARGUMENT, "closes_at_us")


class Applications(FundingTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.programme = cls.stack.programme(1_000_000 * YUAN)
        cls.round = cls.stack.open_call(cls.programme.id)

    def test_the_budget_breakdown_must_sum_to_the_amount(self):
        org = self.stack.org()
        project = self.stack.project(org)

        def apply(amount, lines):
            return self.stack.call("CreateApplication",
                                   self.stack.application_request(self.round.id, org, project, amount, lines))
        P, E = F.BUDGET_CATEGORY_PERSONNEL, F.BUDGET_CATEGORY_EQUIPMENT
        self.assertStatus(apply(1000, [(P, 600), (E, 300)]), Status.INVALID_ARGUMENT, "breakdown")
        self.assertStatus(apply(1000, [(P, 500), (P, 500)]), Status.INVALID_ARGUMENT, "breakdown")
        self.assertStatus(apply(1000, [(P, 1000), (E, 0)]), Status.INVALID_ARGUMENT, "breakdown.amount")
        self.assertStatus(apply(2, [(P, 2**63 - 1), (E, 2**63 - 1)]), Status.INVALID_ARGUMENT, "breakdown")
        self.assertStatus(apply(0, [(P, 0)]), Status.INVALID_ARGUMENT, "amount")
        self.assertStatus(apply(-1000, [(P, 1000)]), Status.INVALID_ARGUMENT, "amount")
        self.assertStatus(apply(1000, []), Status.INVALID_ARGUMENT, "breakdown")
        self.assertEqual(self.stack.funding.db.query(
            "SELECT count(*) FROM application WHERE organization_id = %s", (org,))[0][0], 0)
        application = decode(apply(1000, [(P, 600), (E, 400)]), F.ApplicationReply).application
        self.assertEqual(application.status, A.Value("APPLICATION_STATUS_DRAFT"))
        self.assertEqual(sorted((l.category, l.amount.minor_units) for l in application.breakdown),
                         [(P, 600), (E, 400)])

    def test_unknown_or_withdrawn_organizations_and_projects_are_refused(self):
        org = self.stack.org()
        project = self.stack.project(org)
        unknown = "0190a0a0-0000-7000-8000-00000000abcd"
        request = lambda o, p: self.stack.application_request(self.round.id, o, p, 100)  # noqa: E731
        self.assertStatus(self.stack.call("CreateApplication", request(unknown, project)),
                          Status.NOT_FOUND, "organization_id")
        self.assertStatus(self.stack.call("CreateApplication", request(org, unknown)),
                          Status.NOT_FOUND, "project_id")
        stranger = self.stack.org()
        self.assertStatus(self.stack.call("CreateApplication", request(stranger, project)),
                          Status.FAILED_PRECONDITION, "project_id")
        withdrawn = self.stack.org()
        withdrawn_project = self.stack.project(withdrawn)
        decode(self.stack.registry.call("registry.SetOrganizationStatus", R.SetOrganizationStatusRequest(
            id=withdrawn, status=R.ORGANIZATION_STATUS_WITHDRAWN, reason="left"), key=new_key()),
            R.OrganizationReply)
        self.stack.caught_up()
        self.assertStatus(self.stack.call("CreateApplication", request(withdrawn, withdrawn_project)),
                          Status.FAILED_PRECONDITION, "organization_id")

    def test_the_lifecycle_allows_only_the_moves_of_its_table(self):
        application = self.stack.application(self.round.id, 500)
        act = lambda method, **kw: self.stack.call(method, F.ApplicationActionRequest(  # noqa: E731
            id=application.id, **kw))
        self.assertStatus(act("ApproveApplication"), Status.FAILED_PRECONDITION, "id")
        self.assertStatus(self.stack.review(application.id), Status.FAILED_PRECONDITION, "application_id")
        decode(act("SubmitApplication"), F.ApplicationReply)
        self.assertStatus(act("SubmitApplication"), Status.FAILED_PRECONDITION, "id")
        self.assertStatus(act("ApproveApplication"), Status.FAILED_PRECONDITION, "id")
        reviewed = decode(self.stack.review(application.id, score=7), F.ReviewReply).application
        self.assertEqual((reviewed.status, reviewed.review_count, reviewed.score_total),
                         (F.APPLICATION_STATUS_UNDER_REVIEW, 1, 7))
        rejected = decode(act("RejectApplication", reason="out of scope"), F.ApplicationReply).application
        self.assertEqual(rejected.status, F.APPLICATION_STATUS_REJECTED)
        self.assertStatus(act("WithdrawApplication"), Status.FAILED_PRECONDITION, "id")
        self.assertStatus(self.stack.call("MakeAward", self.stack.award_request(application.id, 500)),
                          Status.FAILED_PRECONDITION, "application_id")
        self.assertEqual(self.stack.event_types(application.id, 5), [
                         "funding.application.created", "funding.application.submitted",
                                 "funding.application.under_review", "funding.review.recorded",
                                 "funding.application.rejected"])

    def test_a_draft_or_submission_can_be_withdrawn(self):
        application = self.stack.application(self.round.id, 500)
        withdrawn = self.stack.ok("WithdrawApplication", F.ApplicationActionRequest(id=application.id),
                                  F.ApplicationReply).application
        self.assertEqual(withdrawn.status, F.APPLICATION_STATUS_WITHDRAWN)


class Reviews(FundingTest):
    def test_scores_run_from_1_to_10_with_a_comment(self):
        programme = self.stack.programme(1000)
        round_ = self.stack.open_call(programme.id)
        application = self.stack.application(round_.id, 100)
        self.stack.ok("SubmitApplication", F.ApplicationActionRequest(id=application.id), F.ApplicationReply)
        for score in (0, 11):
            self.assertStatus(self.stack.review(application.id, score=score), Status.INVALID_ARGUMENT, "score")
        reply = self.stack.call("ReviewApplication", F.ReviewApplicationRequest(
            application_id=application.id, score=5), keys=self.stack.reviewer)
        self.assertStatus(reply, Status.INVALID_ARGUMENT, "comment")
        review = decode(self.stack.review(application.id, score=10), F.ReviewReply).review
        self.assertEqual((review.score, review.reviewer), (10, "reviewer-outside"))
        self.assertStatus(self.stack.review(application.id, score=3), Status.ALREADY_EXISTS, "application_id")
        listed = self.stack.ok("ListReviews", F.ListReviewsRequest(application_id=application.id),
                               F.ListReviewsReply, key=None)
        self.assertEqual([r.score for r in listed.reviews], [10])

    def test_a_reviewer_from_the_applicant_or_a_partner_has_a_conflict_of_interest(self):
        programme = self.stack.programme(1000)
        round_ = self.stack.open_call(programme.id)
        applicant, partner = self.stack.org(), self.stack.org()
        project = self.stack.project(applicant, partners=[partner])
        application = self.stack.application(round_.id, 100, org=applicant, project=project)
        self.stack.ok("SubmitApplication", F.ApplicationActionRequest(id=application.id), F.ApplicationReply)
        for name, org in (("reviewer-applicant", applicant), ("reviewer-partner", partner)):
            keys = self.stack.funding.add_principal(name, "reviewer", organization=org)
            reply = self.stack.review(application.id, keys=keys)
            self.assertStatus(reply, Status.PERMISSION_DENIED, "application_id")
            self.assertIn("conflict of interest", reply.message)
        self.assertEqual(self.stack.funding.db.query(
            "SELECT count(*) FROM review WHERE application_id = %s", (application.id,))[0][0], 0)
        outsider = self.stack.funding.add_principal("reviewer-elsewhere", "reviewer", organization=self.stack.org())
        decode(self.stack.review(application.id, keys=outsider), F.ReviewReply)


class Awards(FundingTest):
    def test_an_award_is_at_most_the_amount_applied_and_its_tranches_sum_to_it(self):
        programme = self.stack.programme(10_000)
        round_ = self.stack.open_call(programme.id)
        application = self.stack.approved(round_.id, 5_000)

        def award(amount, tranches):
            return self.stack.call("MakeAward", F.MakeAwardRequest(
                application_id=application.id, amount=money(amount),
                tranches=[F.Tranche(due_on=d, amount=money(a)) for d, a in tranches]))
        self.assertStatus(award(5_001, [("2027-01-01", 5_001)]), Status.FAILED_PRECONDITION, "amount")
        self.assertStatus(award(5_000, [("2027-01-01", 2_000), ("2028-01-01", 2_000)]),
                          Status.INVALID_ARGUMENT, "tranches")
        self.assertStatus(award(5_000, [("2028-01-01", 2_500), ("2027-01-01", 2_500)]),
                          Status.INVALID_ARGUMENT, "tranches.due_on")
        self.assertStatus(award(5_000, []), Status.INVALID_ARGUMENT, "tranches")
        self.assertStatus(award(0, [("2027-01-01", 0)]), Status.INVALID_ARGUMENT, "amount")
        self.assertEqual(self.stack.funding.db.query(
            "SELECT count(*) FROM award WHERE programme_id = %s", (programme.id,))[0][0], 0)
        made = decode(award(4_000, [("2027-01-01", 2_500), ("2028-01-01", 1_500)]), F.AwardReply).award
        self.assertEqual([(t.due_on, t.amount.minor_units) for t in made.tranches],
                         [("2027-01-01", 2_500), ("2028-01-01", 1_500)])
        got = self.stack.ok("GetAward", F.GetAwardRequest(id=made.id), F.AwardReply, key=None).award
        self.assertEqual(got.tranches, made.tranches)
        self.assertStatus(award(1_000, [("2027-01-01", 1_000)]), Status.ALREADY_EXISTS, "application_id")
        now = self.stack.ok("GetProgramme", F.GetProgrammeRequest(id=programme.id), F.ProgrammeReply,
                            key=None).programme
        self.assertEqual((now.available.minor_units, now.committed.minor_units), (6_000, 4_000))
        self.assertBalanced(programme.id)

    def test_an_award_past_the_available_budget_fails_naming_amount(self):
        programme = self.stack.programme(10_000)
        round_ = self.stack.open_call(programme.id)
        first = self.stack.approved(round_.id, 10_000)
        second = self.stack.approved(round_.id, 1)
        self.stack.award(first.id, 10_000)
        reply = self.stack.call("MakeAward", self.stack.award_request(second.id, 1))
        self.assertStatus(reply, Status.FAILED_PRECONDITION, "amount")
        self.assertIn("0.00 available", reply.message)
        self.assertBalanced(programme.id)


class Disbursements(FundingTest):
    def test_requested_approved_paid_moves_money_from_committed_to_paid(self):
        programme, award = self.stack.funded(1_000)
        d = decode(self.stack.disburse(award.id, 400), F.DisbursementReply).disbursement
        self.assertEqual((d.status, d.payee_currency, d.rate, d.payee_amount), (
            F.DISBURSEMENT_STATUS_REQUESTED, "CNY", "1", money(400)))
        self.assertStatus(self.stack.act("PayDisbursement", d.id), Status.FAILED_PRECONDITION, "id")
        decode(self.stack.act("ApproveDisbursement", d.id), F.DisbursementReply)
        paid = decode(self.stack.act("PayDisbursement", d.id), F.DisbursementReply).disbursement
        self.assertEqual(paid.status, F.DISBURSEMENT_STATUS_PAID)
        self.assertStatus(self.stack.act("FailDisbursement", d.id, reason="bank"), Status.FAILED_PRECONDITION, "id")
        got = self.stack.ok("GetAward", F.GetAwardRequest(id=award.id), F.AwardReply, key=None).award
        self.assertEqual((got.paid.minor_units, got.in_payment.minor_units), (400, 0))
        check = self.assertBalanced(programme.id)
        balance = check.programmes[0]
        self.assertEqual((balance.committed.minor_units, balance.paid.minor_units), (600, 400))
        self.assertEqual(self.stack.event_types(d.id, 3), [
                         "funding.disbursement.requested", "funding.disbursement.approved",
                                 "funding.disbursement.paid"])

    def test_a_failed_disbursement_releases_its_amount(self):
        programme, award = self.stack.funded(1_000)
        d = decode(self.stack.disburse(award.id, 1_000), F.DisbursementReply).disbursement
        self.assertStatus(self.stack.disburse(award.id, 1), Status.FAILED_PRECONDITION, "amount")
        self.assertStatus(self.stack.act("FailDisbursement", d.id), Status.INVALID_ARGUMENT, "reason")
        decode(self.stack.act("FailDisbursement", d.id, reason="account closed"), F.DisbursementReply)
        again = decode(self.stack.disburse(award.id, 1_000), F.DisbursementReply).disbursement
        self.assertEqual(again.amount.minor_units, 1_000)
        self.assertBalanced(programme.id)

    def test_paid_per_award_never_exceeds_the_award(self):
        programme, award = self.stack.funded(1_000)
        self.assertStatus(self.stack.disburse(award.id, 1, payee_currency="CNY", rate="1.2"),
                          Status.INVALID_ARGUMENT, "rate")
        for amount in (600, 400):
            d = decode(self.stack.disburse(award.id, amount), F.DisbursementReply).disbursement
            decode(self.stack.act("ApproveDisbursement", d.id), F.DisbursementReply)
            decode(self.stack.act("PayDisbursement", d.id), F.DisbursementReply)
        self.assertStatus(self.stack.disburse(award.id, 1), Status.FAILED_PRECONDITION, "amount")
        self.assertStatus(self.stack.disburse(award.id, 0), Status.INVALID_ARGUMENT, "amount")
        self.assertStatus(self.stack.disburse(award.id, -1), Status.INVALID_ARGUMENT, "amount")
        self.assertEqual(self.stack.funding.db.query(
            "SELECT paid, amount FROM award WHERE id = %s", (award.id,))[0], (1_000, 1_000))
        self.assertBalanced(programme.id)

    def test_a_hong_kong_payee_is_paid_in_hkd_at_the_exact_rate_rounded_half_even(self):
        programme, award = self.stack.funded(2_000_000 * YUAN, region="hong_kong")
        count = lambda: self.stack.funding.db.query(  # noqa: E731
            "SELECT count(*) FROM disbursement WHERE award_id = %s", (award.id,))[0][0]
        self.assertStatus(self.stack.disburse(award.id, 100), Status.INVALID_ARGUMENT, "rate")
        self.assertStatus(self.stack.disburse(award.id, 100, "HKD"), Status.INVALID_ARGUMENT, "rate")
        self.assertStatus(self.stack.disburse(award.id, 100, "HKD", "0"), Status.INVALID_ARGUMENT, "rate")
        self.assertStatus(self.stack.disburse(award.id, 100, "HKD", "-1.08"), Status.INVALID_ARGUMENT, "rate")
        self.assertStatus(self.stack.disburse(award.id, 100, "HKD", "1.08x"), Status.INVALID_ARGUMENT, "rate")
        self.assertStatus(self.stack.disburse(award.id, 100, "MOP", "1.08"), Status.INVALID_ARGUMENT,
                          "payee_currency")
        self.assertStatus(self.stack.disburse(award.id, 100, "USD", "1.08"), Status.INVALID_ARGUMENT,
                          "payee_currency")
        self.assertEqual(count(), 0)
        d = decode(self.stack.disburse(award.id, 1_000_000 * YUAN, "HKD", "1.0856"), F.DisbursementReply).disbursement
        self.assertEqual((d.amount, d.payee_amount, d.rate), (money(100_000_000), money(108_560_000, "HKD"), "1.0856"))
        # 0.01 CNY at 2.5 is 0.025 HKD: a tie, rounded to the even 0.02.
        tie = decode(self.stack.disburse(award.id, 1, "HKD", "2.5"), F.DisbursementReply).disbursement
        self.assertEqual(tie.payee_amount, money(2, "HKD"))
        # 12,345.67 at 1.0856 = 13,402.459352 -> 13,402.46
        odd = decode(self.stack.disburse(award.id, 1_234_567, "HKD", "1.0856"), F.DisbursementReply).disbursement
        self.assertEqual(odd.payee_amount, money(1_340_246, "HKD"))
        self.assertEqual(self.stack.funding.db.query(
            "SELECT currency, payee_currency, rate::text FROM disbursement WHERE id = %s", (d.id,))[0],
            ("CNY", "HKD", "1.0856"))
        self.assertBalanced(programme.id)

    def test_a_macao_payee_is_paid_in_mop(self):
        programme, award = self.stack.funded(1_000, region="macao")
        d = decode(self.stack.disburse(award.id, 333, "MOP", "1.1111"), F.DisbursementReply).disbursement
        self.assertEqual(d.payee_amount, money(370, "MOP"))     # 3.33 x 1.1111 = 3.699963


class Ledger(FundingTest):
    def test_the_ledger_check_reports_every_breach(self):
        programme, award = self.stack.funded(1_000)
        self.assertBalanced(programme.id)
        db = self.stack.funding.db
        # One line with no counterpart, and an award paid past its amount.
        entry = "0190a0a0-0000-7000-8000-0000000000ee"
        db.query("INSERT INTO journal_entry (id, programme_id, kind, reference_id, currency, created_at)"
                 " VALUES (%s, %s, 'award', %s, 'CNY', now())", (entry, programme.id, award.id))
        db.query("INSERT INTO journal_line (entry_id, line, programme_id, account, amount)"
                 " VALUES (%s, 1, %s, 'available', 5)", (entry, programme.id))
        db.query("ALTER TABLE award DROP CONSTRAINT award_not_overpaid")
        db.query("UPDATE award SET paid = 2000 WHERE id = %s", (award.id,))
        check = self.stack.ledger(programme.id)
        self.assertFalse(check.balanced)
        rules = sorted({(b.rule, b.subject_id) for b in check.breaches})
        self.assertIn(("entry_unbalanced", entry), rules)
        self.assertIn(("award_overpaid", award.id), rules)
        self.assertIn(("programme_balance", programme.id), rules)


class Access(FundingTest):
    def test_an_applicant_applies_and_sees_only_its_own(self):
        programme = self.stack.programme(1000)
        round_ = self.stack.open_call(programme.id)
        mine, theirs = self.stack.org(), self.stack.org()
        keys = self.stack.funding.add_principal("applicant-mine", "applicant", organization=mine)
        project = self.stack.project(mine)
        application = self.stack.ok("CreateApplication", self.stack.application_request(
            round_.id, mine, project, 100), F.ApplicationReply, keys=keys).application
        reply = self.stack.call("CreateApplication", self.stack.application_request(
            round_.id, theirs, self.stack.project(theirs), 100), keys=keys)
        self.assertStatus(reply, Status.PERMISSION_DENIED, "organization_id")
        self.stack.ok("SubmitApplication", F.ApplicationActionRequest(id=application.id), F.ApplicationReply,
                      keys=keys)
        self.assertStatus(self.stack.call("ApproveApplication", F.ApplicationActionRequest(id=application.id),
                                          keys=keys), Status.PERMISSION_DENIED)
        other = self.stack.application(round_.id, 100, org=theirs)
        self.assertStatus(self.stack.call("GetApplication", F.GetApplicationRequest(id=other.id), key=None,
                                          keys=keys), Status.PERMISSION_DENIED, "id")
        listed = self.stack.ok("ListApplications", F.ListApplicationsRequest(organization_id=mine),
                               F.ListApplicationsReply, key=None, keys=keys)
        self.assertEqual([a.id for a in listed.applications], [application.id])
        self.assertStatus(self.stack.call("ListApplications", F.ListApplicationsRequest(), key=None, keys=keys),
                          Status.PERMISSION_DENIED, "organization_id")


if __name__ == "__main__":
    unittest.main()
