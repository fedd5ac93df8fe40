"""The funding rows of the method x role table in docs/security.md, checked
against the funding service: every method with every role, on records of the
principal's own organization and of another."""
import unittest

from funding_stack import F, FundingStack, money
from harness import Status, decode, new_key
from test_security import ROLES, role_table


class FundingRoles(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stack = stack = FundingStack(workers=2)
        cls.own_org, cls.other_org = stack.org(), stack.org()
        cls.keys = {role: stack.funding.add_principal("only-" + role.replace("_", "-"), role,
                                                      organization=cls.own_org if role == "applicant" else None)
                    for role in ROLES}
        cls.programme = stack.programme(10**9)
        cls.round = stack.open_call(cls.programme.id)
        cls.fixtures = {}
        for org in (cls.own_org, cls.other_org):
            project = stack.project(org)
            draft = stack.application(cls.round.id, 1_000, org=org, project=project)
            submitted = stack.application(cls.round.id, 1_000, org=org, project=project)
            stack.ok("SubmitApplication", F.ApplicationActionRequest(id=submitted.id), F.ApplicationReply)
            to_withdraw = stack.application(cls.round.id, 1_000, org=org, project=project)
            approved = stack.approved(cls.round.id, 1_000, org=org, project=project)
            award = stack.award(approved.id, 1_000)
            disbursement = decode(stack.disburse(award.id, 10), F.DisbursementReply).disbursement
            cls.fixtures[org] = dict(project=project, draft=draft.id, submitted=submitted.id, award=award.id,
                                     to_withdraw=to_withdraw.id,
                                     disbursement=disbursement.id)

    @classmethod
    def tearDownClass(cls):
        cls.stack.close()

    def payload_for(self, method, org):
        f = self.fixtures[org]
        action = F.ApplicationActionRequest
        return {
            "funding.CreateProgramme": F.CreateProgrammeRequest(
                name="Matrix", agency_id=org, budget=money(100), starts_on="2026-01-01", ends_on="2027-01-01"),
            "funding.GetProgramme": F.GetProgrammeRequest(id=self.programme.id),
            "funding.ListProgrammes": F.ListProgrammesRequest(),
            "funding.AdjustProgrammeBudget": F.AdjustProgrammeBudgetRequest(
                id=self.programme.id, delta=money(1), reason="matrix"),
            "funding.SetProgrammeStatus": F.SetProgrammeStatusRequest(
                id=self.programme.id, status=F.PROGRAMME_STATUS_OPEN),
            "funding.OpenCall": F.OpenCallRequest(programme_id=self.programme.id, name="Matrix " + new_key(),
                                                  opens_at_us=1, closes_at_us=2),
            "funding.GetCall": F.GetCallRequest(id=self.round.id),
            "funding.CloseCall": F.CloseCallRequest(id="0190a0a0-0000-7000-8000-000000000001"),
            "funding.ListCalls": F.ListCallsRequest(),
            "funding.CreateApplication": self.stack.application_request(self.round.id, org, f["project"], 100),
            "funding.GetApplication": F.GetApplicationRequest(id=f["draft"]),
            "funding.ListApplications": F.ListApplicationsRequest(organization_id=org),
            "funding.SubmitApplication": action(id=f["draft"]),
            "funding.WithdrawApplication": action(id=f["to_withdraw"]),
            "funding.ApproveApplication": action(id=f["draft"]),
            "funding.RejectApplication": action(id=f["draft"]),
            "funding.ReviewApplication": F.ReviewApplicationRequest(application_id=f["submitted"], score=5,
                                                                    comment="matrix"),
            "funding.ListReviews": F.ListReviewsRequest(application_id=f["submitted"]),
            "funding.MakeAward": self.stack.award_request(f["draft"], 100),
            "funding.GetAward": F.GetAwardRequest(id=f["award"]),
            "funding.ListAwards": F.ListAwardsRequest(organization_id=org),
            "funding.RequestDisbursement": F.RequestDisbursementRequest(award_id=f["award"], amount=money(1)),
            "funding.ApproveDisbursement": F.DisbursementActionRequest(id=f["disbursement"]),
            "funding.PayDisbursement": F.DisbursementActionRequest(id=f["disbursement"]),
            "funding.FailDisbursement": F.DisbursementActionRequest(id=f["disbursement"], reason="matrix"),
            "funding.GetDisbursement": F.GetDisbursementRequest(id=f["disbursement"]),
            "funding.ListDisbursements": F.ListDisbursementsRequest(award_id=f["award"]),
            "funding.LedgerCheck": F.LedgerCheckRequest(),
        }[method]

    def test_every_funding_method_with_every_role_matches_the_documented_table(self):
        table = role_table(services=("funding",))
        self.assertEqual(len(table), 28, "funding rows of docs/security.md")
        for method, row in table.items():
            self.assertEqual(sorted(row), sorted(ROLES), "table row for %s" % method)
            for role, allowed in row.items():
                for org in (self.own_org, self.other_org):
                    reply = self.stack.funding.call(method, self.payload_for(method, org), key=new_key(),
                                                    keys=self.keys[role], timeout=10)
                    permitted = allowed == "yes" or (allowed == "own" and org == self.own_org)
                    what = "%s as %s on %s organization: %s %s" % (
                        method, role, "its own" if org == self.own_org else "another",
                        Status.Name(reply.status), reply.message)
                    if permitted:
                        self.assertNotIn(reply.status, (Status.PERMISSION_DENIED, Status.UNAUTHENTICATED), what)
                    else:
                        self.assertEqual(reply.status, Status.PERMISSION_DENIED, what)
                        if allowed == "-":
                            self.assertIn(method, reply.message)

    def test_a_review_takes_the_reviewers_organization_from_its_principal(self):
        reviewer = self.stack.funding.add_principal("reviewer-of-other", "reviewer", organization=self.other_org)
        own_submitted = self.fixtures[self.own_org]["submitted"]
        review = decode(self.stack.review(own_submitted, keys=reviewer), F.ReviewReply).review
        self.assertEqual((review.reviewer, review.reviewer_organization_id), ("reviewer-of-other", self.other_org))
        other_submitted = self.fixtures[self.other_org]["submitted"]
        self.assertEqual(self.stack.review(other_submitted, keys=reviewer).status, Status.PERMISSION_DENIED)


if __name__ == "__main__":
    unittest.main()
