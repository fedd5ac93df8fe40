"""funding_stack - a registry and a funding service that follows it, with helpers
that build the chain programme -> call -> application -> award -> disbursement.

Organizations and projects are registered at the registry; funding learns of
them through its projection or by asking the registry on a miss, exactly as in
production. Amounts are minor units (fen) unless a helper says otherwise.
"""
import itertools
import time
import unittest

from harness import (Service, Status, decode, new_key, org_request, read_events, registry_pb2 as R,
                     wait_caught_up, wait_for)
from hetao.v1 import funding_pb2 as F  # noqa: E402  (path set by harness)

YUAN = 100                      # fen per yuan
_numbers = itertools.count(int(time.time() * 1000) % 1_000_000 * 10)


def money(minor, currency="CNY"):
    return F.Money(currency=currency, minor_units=minor)


class FundingStack:
    """A registry, a funding service following it, and principals for each role."""

    def __init__(self, workers=4, funding_args=()):
        self.registry = Service("registry", workers=2)
        try:
            self.funding = Service("funding", workers=workers, sources={"registry": self.registry},
                                   args=funding_args)
        except Exception:
            self.registry.close()
            raise
        self.reviewer = self.funding.add_principal("reviewer-outside", "reviewer")

    def close(self):
        self.funding.close()
        self.registry.close()

    # -- the registry --------------------------------------------------------

    def org(self, region="mainland", status=None):
        """A newly registered organization's id (mainland by default; hong_kong or macao)."""
        n = next(_numbers)
        if region == "hong_kong":
            request = org_request(n, region=R.REGION_HONG_KONG, registration_type=R.REGISTRATION_TYPE_HK_BR,
                                  registration_id="%08d" % (n % 100_000_000))
        elif region == "macao":
            request = org_request(n, region=R.REGION_MACAO, registration_type=R.REGISTRATION_TYPE_OTHER,
                                  registration_id="MO-%d" % n)
        else:
            request = org_request(n)
        org = decode(self.registry.call("registry.RegisterOrganization", request, key=new_key()),
                     R.OrganizationReply).organization
        if status is not None:
            decode(self.registry.call("registry.SetOrganizationStatus", R.SetOrganizationStatusRequest(
                id=org.id, status=status, reason="test"), key=new_key()), R.OrganizationReply)
            self.caught_up()
        return org.id

    def caught_up(self):
        """Waits until funding's projection holds every event the registry has
        committed so far (numbered a moment after the commit, then applied)."""
        committed = self.registry.db.query("SELECT count(*) FROM ht_outbox WHERE stream = 'registry'")[0][0]
        wait_caught_up(self.funding, self.registry, events=committed)

    def project(self, lead, partners=()):
        request = R.RegisterProjectRequest(title_en="Quantum sensing %d" % next(_numbers),
                                           lead_organization_id=lead, origin=R.PROJECT_ORIGIN_HK_UNIVERSITY,
                                           sector=R.SECTOR_QUANTUM_TECHNOLOGY)
        for partner in partners:
            request.partners.add(organization_id=partner, role=R.PARTICIPANT_ROLE_PARTNER)
        return decode(self.registry.call("registry.RegisterProject", request, key=new_key()),
                      R.ProjectReply).project.id

    # -- funding -------------------------------------------------------------

    def call(self, method, payload, key="new", keys="admin", timeout=10.0):
        """Calls funding.<method>; mutating methods get a fresh idempotency key unless given."""
        return self.funding.call("funding." + method, payload, key=new_key() if key == "new" else key,
                                 keys=keys, timeout=timeout)

    def ok(self, method, payload, reply_type, **kwargs):
        return decode(self.call(method, payload, **kwargs), reply_type)

    def programme(self, budget, agency=None):
        return self.ok("CreateProgramme", F.CreateProgrammeRequest(
            name="Programme %d" % next(_numbers), agency_id=agency or self.org(), budget=money(budget),
            starts_on="2026-01-01", ends_on="2031-01-01"), F.ProgrammeReply).programme

    def open_call(self, programme_id, opens=None, closes=None):
        now = int(time.time() * 1_000_000)
        return self.ok("OpenCall", F.OpenCallRequest(
            programme_id=programme_id, name="Round %d" % next(_numbers),
            opens_at_us=opens if opens is not None else now - 3600_000_000,
            closes_at_us=closes if closes is not None else now + 86400_000_000), F.CallReply).call

    def application_request(self, call_id, org, project, amount, breakdown=None):
        request = F.CreateApplicationRequest(call_id=call_id, organization_id=org, project_id=project,
                                             amount=money(amount))
        for category, value in (breakdown if breakdown is not None else [(F.BUDGET_CATEGORY_PERSONNEL, amount)]):
            request.breakdown.add(category=category, amount=money(value))
        return request

    def application(self, call_id, amount, org=None, project=None, **kwargs):
        org = org or self.org()
        project = project or self.project(org)
        return self.ok("CreateApplication", self.application_request(call_id, org, project, amount),
                       F.ApplicationReply, **kwargs).application

    def review(self, application_id, score=8, keys=None):
        return self.call("ReviewApplication", F.ReviewApplicationRequest(
            application_id=application_id, score=score, comment="sound plan"), keys=keys or self.reviewer)

    def approved(self, call_id, amount, org=None, project=None):
        """An approved application (created, submitted, reviewed, approved)."""
        application = self.application(call_id, amount, org=org, project=project)
        self.ok("SubmitApplication", F.ApplicationActionRequest(id=application.id), F.ApplicationReply)
        decode(self.review(application.id), F.ReviewReply)
        return self.ok("ApproveApplication", F.ApplicationActionRequest(id=application.id),
                       F.ApplicationReply).application

    def award_request(self, application_id, amount, tranches=None):
        request = F.MakeAwardRequest(application_id=application_id, amount=money(amount))
        for due_on, value in (tranches or [("2027-01-01", amount)]):
            request.tranches.add(due_on=due_on, amount=money(value))
        return request

    def award(self, application_id, amount, **kwargs):
        return self.ok("MakeAward", self.award_request(application_id, amount), F.AwardReply, **kwargs).award

    def funded(self, amount, budget=None, region="mainland"):
        """(programme, award) for a new programme with one award of `amount` to an organization in `region`."""
        programme = self.programme(budget or amount)
        round_ = self.open_call(programme.id)
        org = self.org(region)
        application = self.approved(round_.id, amount, org=org)
        return programme, self.award(application.id, amount)

    def disburse(self, award_id, amount, payee_currency=None, rate=None, **kwargs):
        request = F.RequestDisbursementRequest(award_id=award_id, amount=money(amount))
        if payee_currency is not None:
            request.payee_currency = payee_currency
        if rate is not None:
            request.rate = rate
        return self.call("RequestDisbursement", request, **kwargs)

    def act(self, method, disbursement_id, reason=None):
        request = F.DisbursementActionRequest(id=disbursement_id)
        if reason is not None:
            request.reason = reason
        return self.call(method, request)

    def ledger(self, programme_id=None):
        request = F.LedgerCheckRequest()
        if programme_id:
            request.programme_id = programme_id
        return self.ok("LedgerCheck", request, F.LedgerCheckReply, key=None)

    def events(self, after=0):
        return read_events(self.funding, stream="funding", after=after)

    def event_types(self, aggregate_id, count, seconds=30):
        """The types of the events about `aggregate_id`, once at least `count` are
        numbered: the relay numbers committed events a moment after the commit."""
        def types():
            found = [e.type for e in self.events() if e.aggregate_id == aggregate_id]
            return found if len(found) >= count else None
        return wait_for(types, seconds=seconds, interval=0.1) or \
            [e.type for e in self.events() if e.aggregate_id == aggregate_id]


class FundingTest(unittest.TestCase):
    """One registry and funding stack per test class."""

    workers = 4
    funding_args = ()

    @classmethod
    def setUpClass(cls):
        cls.stack = FundingStack(workers=cls.workers, funding_args=cls.funding_args)

    @classmethod
    def tearDownClass(cls):
        cls.stack.close()

    def assertStatus(self, reply, status, field=None):
        self.assertEqual(Status.Name(reply.status), Status.Name(status),
                         "expected %s, got %s: %s" % (Status.Name(status), Status.Name(reply.status), reply.message))
        if field is not None:
            fields = [v.field for v in reply.violations]
            self.assertIn(field, fields, "violations name %s, not %s (%s)" % (fields, field, reply.message))

    def assertBalanced(self, programme_id=None):
        check = self.stack.ledger(programme_id)
        self.assertTrue(check.balanced, "ledger breaches: %s" % [(b.rule, b.detail) for b in check.breaches])
        return check
