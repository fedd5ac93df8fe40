"""Funding when the registry or funding itself goes away: a lookup the
projection cannot answer is UNAVAILABLE while the registry is down, and
nothing is stored; funding killed mid-stream catches up on restart and
applies nothing twice."""
import signal
import unittest

from funding_stack import F, FundingStack, money
from harness import Status, checkpoint, decode, last_sequence, new_key, org_request, registry_pb2 as R, \
    wait_caught_up


class RegistryDown(unittest.TestCase):
    def setUp(self):
        self.stack = FundingStack(workers=2)

    def tearDown(self):
        self.stack.close()

    def test_with_the_registry_killed_an_unknown_organization_is_unavailable_and_nothing_is_stored(self):
        known = self.stack.org()
        self.stack.caught_up()
        self.stack.registry.stop(signal.SIGKILL)
        unknown = "0190a0a0-0000-7000-8000-0000000f00d0"
        reply = self.stack.call("CreateProgramme", F.CreateProgrammeRequest(
            name="While the registry is down", agency_id=unknown, budget=money(100),
            starts_on="2026-01-01", ends_on="2027-01-01"), timeout=30)
        self.assertEqual(Status.Name(reply.status), "UNAVAILABLE", reply.message)
        self.assertIn("agency_id", [v.field for v in reply.violations])
        self.assertEqual(self.stack.funding.db.query("SELECT count(*) FROM programme")[0][0], 0)
        self.assertEqual(self.stack.funding.db.query("SELECT count(*) FROM journal_entry")[0][0], 0)
        # What the projection already holds still serves.
        programme = decode(self.stack.call("CreateProgramme", F.CreateProgrammeRequest(
            name="From the projection", agency_id=known, budget=money(100),
            starts_on="2026-01-01", ends_on="2027-01-01")), F.ProgrammeReply).programme
        self.assertEqual(programme.agency_id, known)


class FundingRestart(unittest.TestCase):
    def setUp(self):
        self.stack = FundingStack(workers=2)

    def tearDown(self):
        self.stack.close()

    def test_funding_killed_mid_stream_catches_up_and_applies_nothing_twice(self):
        registry, funding = self.stack.registry, self.stack.funding
        first = [self.stack.org() for _ in range(5)]
        wait_caught_up(funding, registry, events=5)
        funding.stop(signal.SIGKILL)
        later = []
        for n in range(20):
            org = decode(registry.call("registry.RegisterOrganization", org_request(900_000 + n), key=new_key()),
                         R.OrganizationReply).organization
            later.append(org.id)
        decode(registry.call("registry.SetOrganizationStatus", R.SetOrganizationStatusRequest(
            id=first[0], status=R.ORGANIZATION_STATUS_SUSPENDED, reason="audit"), key=new_key()),
            R.OrganizationReply)
        funding.restart(signal.SIGKILL)
        target = wait_caught_up(funding, registry, events=26)
        self.assertEqual(checkpoint(funding), last_sequence(registry))
        rows = dict((str(r[0]), (r[1], r[2])) for r in funding.db.query(
            "SELECT id, status, version FROM regview_organization"))
        self.assertEqual(sorted(rows), sorted(first + later))
        self.assertEqual(rows[first[0]], ("suspended", 2))
        self.assertTrue(all(rows[i] == ("active", 1) for i in later))
        self.assertEqual(target, 26)
        # The suspended agency is refused from the projection, the others serve.
        reply = self.stack.call("CreateProgramme", F.CreateProgrammeRequest(
            name="x", agency_id=first[0], budget=money(100), starts_on="2026-01-01", ends_on="2027-01-01"))
        self.assertEqual(reply.status, Status.FAILED_PRECONDITION, reply.message)
        decode(self.stack.call("CreateProgramme", F.CreateProgrammeRequest(
            name="y", agency_id=later[-1], budget=money(100), starts_on="2026-01-01", ends_on="2027-01-01")),
            F.ProgrammeReply)


if __name__ == "__main__":
    unittest.main()
