"""The reporting service against the real registry: figures kept from the
registry's stream equal a hand-computed expectation, survive kills and
restarts on both sides with nothing counted twice, heal forced gaps by
replay, and answer only the roles the method table names.
"""
import json
import os
import signal
import subprocess
import unittest

from funding_stack import FundingStack
from harness import (BUILD, FollowingServiceTest, Service, Status, decode, new_key, registry_pb2 as R,
                     wait_caught_up)
from harness import read_events, wait_for
from hetao.v1 import funding_pb2 as F, reporting_pb2  # noqa: E402
from test_security import ROLES, role_table

ACTIVE = R.PROJECT_STATUS_ACTIVE
TERMINATED = R.PROJECT_STATUS_TERMINATED
HKU = R.PROJECT_ORIGIN_HK_UNIVERSITY
PARK = R.PROJECT_ORIGIN_PARK_PLATFORM
IT, QUANTUM, BIO = R.SECTOR_INFORMATION_TECHNOLOGY, R.SECTOR_QUANTUM_TECHNOLOGY, R.SECTOR_BIOPHARMACEUTICALS


def figures(reply):
    """The overview's figures as one flat dict, breakdowns as dicts."""
    o = decode(reply, reporting_pb2.OverviewReply)
    flat = {f.name: getattr(o, f.name) for f in o.DESCRIPTOR.fields if f.label != f.LABEL_REPEATED}
    for name in ("projects_by_sector", "projects_by_status", "projects_high_end_by_sector",
                 "organizations_by_kind", "facility_hours_by_region", "parks_by_status"):
        flat[name] = {c.key: c.count for c in getattr(o, name)}
    flat["as_of"] = {s.stream: s.last_sequence for s in o.as_of}
    return flat


class Scenario:
    """A scripted run against the registry, and the figures it must give by hand:
    6 organizations (3 major platforms, one of them later suspended), 9 projects
    across three sectors and two origins, 2 of them moved on (one active, one
    terminated), 1 updated to high-end."""

    EXPECTED = dict(
        major_platforms=2,                  # 3 marked, 1 suspended
        hk_university_projects=4,           # 5 registered, 1 terminated
        projects_total=8,                   # 9 registered, 1 terminated
        projects_high_end=4,                # 3 registered high-end + 1 updated
        projects_by_sector={"information_technology": 3, "quantum_technology": 2, "biopharmaceuticals": 3},
        projects_by_status={"proposed": 7, "active": 1, "terminated": 1},
        projects_high_end_by_sector={"information_technology": 2, "quantum_technology": 1,
                                     "biopharmaceuticals": 1},
        organizations_by_kind={"research_institute": 2, "university": 1, "enterprise": 1,   # active ones
                               "government_agency": 1},
    )

    def __init__(self, test):
        self.test = test

    def run(self, first=0, last=None):
        """Runs the scenario's steps first..last (each one registry call)."""
        steps = self.steps()
        for step in steps[first:last]:
            step()
        return len(steps)

    def steps(self):
        t = self.test
        orgs = {}

        def org(name, n, **fields):
            def step():
                orgs[name] = t.register_organization(n, **fields).id
            return step

        projects = {}

        def project(name, lead, sector, origin, high_end=False):
            def step():
                request = R.RegisterProjectRequest(title_en="Project " + name, lead_organization_id=orgs[lead],
                                                   sector=sector, origin=origin, high_end=high_end)
                projects[name] = decode(t.registry.call("registry.RegisterProject", request, key=new_key()),
                                        R.ProjectReply).project.id
            return step

        def status(name, value, reason=None):
            def step():
                request = R.SetProjectStatusRequest(id=projects[name], status=value)
                if reason:
                    request.reason = reason
                decode(t.registry.call("registry.SetProjectStatus", request, key=new_key()), R.ProjectReply)
            return step

        def high_end(name):
            def step():
                decode(t.registry.call("registry.UpdateProject", R.UpdateProjectRequest(
                    id=projects[name], high_end=True), key=new_key()), R.ProjectReply)
            return step

        def suspend(name):
            def step():
                decode(t.registry.call("registry.SetOrganizationStatus", R.SetOrganizationStatusRequest(
                    id=orgs[name], status=R.ORGANIZATION_STATUS_SUSPENDED, reason="audit"), key=new_key()),
                    R.OrganizationReply)
            return step

        base = t.next_n()
        return [
            org("ias", base + 1, major_platform=True),
            org("qlab", base + 2, major_platform=True),
            org("bio", base + 3, major_platform=True),
            org("hku", base + 4, kind=R.ORGANIZATION_KIND_UNIVERSITY, region=R.REGION_HONG_KONG,
                registration_type=R.REGISTRATION_TYPE_HK_BR, registration_id="%08d" % (base + 4)),
            org("firm", base + 5, kind=R.ORGANIZATION_KIND_ENTERPRISE),
            project("p1", "ias", IT, PARK, high_end=True),
            project("p2", "ias", IT, HKU),
            project("p3", "hku", IT, HKU, high_end=True),
            project("p4", "qlab", QUANTUM, HKU),
            project("p5", "qlab", QUANTUM, HKU, high_end=True),
            project("p6", "qlab", QUANTUM, PARK),
            project("p7", "bio", BIO, HKU),
            project("p8", "bio", BIO, PARK),
            project("p9", "firm", BIO, PARK),
            status("p1", ACTIVE),
            status("p4", TERMINATED, reason="partner left"),
            high_end("p7"),
            suspend("bio"),
            org("gov", base + 6, kind=R.ORGANIZATION_KIND_GOVERNMENT_AGENCY),
        ]


def start_reporting(args=()):
    """(funding stack, reporting): a registry, funding following it, and reporting following both."""
    stack = FundingStack(workers=2)
    try:
        return stack, Service("reporting", workers=2, args=args,
                              sources={"registry": stack.registry, "funding": stack.funding})
    except Exception:
        stack.close()
        raise


class ReportingTest(FollowingServiceTest):
    service = "reporting"
    workers = 2
    _n = 70000

    @classmethod
    def setUpClass(cls):
        cls.stack, cls.svc = start_reporting()
        cls.registry = cls.stack.registry

    @classmethod
    def tearDownClass(cls):
        cls.svc.close()
        cls.stack.close()

    @classmethod
    def next_n(cls):
        ReportingTest._n += 10
        return ReportingTest._n

    def overview(self, keys="admin"):
        return self.svc.call("reporting.Overview", reporting_pb2.OverviewRequest(), keys=keys)

    def assertFigures(self, expected, got):
        for name, value in expected.items():
            self.assertEqual(got[name], value, "%s: expected %r, got %r" % (name, value, got[name]))


class Figures(ReportingTest):
    """One reporting service and one registry for every test of the class, so
    each test compares the change it makes with the figures before it."""

    def delta(self, before, after):
        out = {}
        for name, value in after.items():
            if name == "as_of":
                continue
            if isinstance(value, dict):
                keys = set(value) | set(before[name])
                out[name] = {k: value.get(k, 0) - before[name].get(k, 0) for k in keys
                             if value.get(k, 0) != before[name].get(k, 0)}
            else:
                out[name] = value - before[name]
        return out

    def expected_delta(self):
        out = {name: {} if isinstance(value, dict) else 0
               for name, value in figures(self.overview()).items() if name != "as_of"}
        for name, value in Scenario.EXPECTED.items():
            out[name] = value
        return {k: v for k, v in out.items()}

    def test_figures_equal_the_hand_computed_expectation_of_a_scripted_scenario(self):
        self.caught_up()
        before = figures(self.overview())
        events = Scenario(self).run()           # one event per step
        sequence = self.caught_up(events=before["as_of"]["registry"] + events)
        after = figures(self.overview())
        got = self.delta(before, after)
        expected = self.expected_delta()
        for name in expected:
            self.assertEqual(got[name], expected[name], "%s: expected %r more, got %r more" % (
                name, expected[name], got[name]))
        self.assertEqual(after["as_of"]["registry"], sequence)

    def test_facility_hours_count_under_the_region_researchers_live_in_now(self):
        import facility_fixtures as F
        self.caught_up()
        before = figures(self.overview())
        operator = F.organization(self.registry, self.next_n())
        hk = F.researcher(self.registry, operator.id, region="hong_kong", name="Chan Tai Man")
        macao = F.researcher(self.registry, operator.id, region="macao", name="Ho Iat Seng")
        mainland = F.researcher(self.registry, operator.id, region="mainland", name="Li Wei")
        tool = F.instrument(self.registry, F.facility(self.registry, operator.id).id)
        day = F.us("2027-03-01T00:00:00Z") + (self.next_n() % 1000) * 100 * F.HOUR_US
        for n, (person, hours) in enumerate(((hk, 24), (macao, 10), (mainland, 5), (hk, 3))):
            access = F.approved(self.registry, person, tool.id, hours=hours)
            decode(F.schedule(self.registry, access.id, day + n * 30 * F.HOUR_US,
                              day + n * 30 * F.HOUR_US + hours * F.HOUR_US), R.AccessRequestReply)
        decode(F.act(self.registry, "CompleteAccessRequest", access.id), R.AccessRequestReply)
        # The last one (3 hours, Hong Kong) is completed: still counted.
        events = 1 + 3 + 2 + 4 * 4 + 1
        self.caught_up(events=before["as_of"]["registry"] + events)
        after = figures(self.overview())
        self.assertEqual(after["facility_hours_hk_macao"] - before["facility_hours_hk_macao"], 24 + 10 + 3)
        # The mainland researcher moves to Hong Kong: the 5 hours move with her.
        decode(self.registry.call("registry.UpdateResearcher", R.UpdateResearcherRequest(
            id=mainland, region=R.REGION_HONG_KONG), key=new_key()), R.ResearcherReply)
        self.caught_up(events=before["as_of"]["registry"] + events + 1)
        moved = figures(self.overview())
        self.assertEqual(moved["facility_hours_hk_macao"] - before["facility_hours_hk_macao"], 24 + 10 + 3 + 5)

    def test_parks_in_operation_count_their_area_and_allocations_theirs_until_ended(self):
        self.caught_up()
        before = figures(self.overview())
        operator = self.register_organization(self.next_n()).id

        def call(method, request, reply):
            return getattr(decode(self.registry.call("registry." + method, request, key=new_key()), reply),
                           reply.DESCRIPTOR.fields[0].name)

        operating = call("RegisterPark", R.RegisterParkRequest(
            name_en="Park A %d" % self.next_n(), operator_organization_id=operator, area_m2="1000.50",
            operating_since="2025-01-01"), R.ParkReply)
        call("RegisterPark", R.RegisterParkRequest(                     # planned: not counted
            name_en="Park B %d" % self.next_n(), operator_organization_id=operator, area_m2="500"), R.ParkReply)
        unit = call("AddUnit", R.AddUnitRequest(park_id=operating.id, code="A1", area_m2="400",
                                                use=R.UNIT_USE_RESEARCH), R.UnitReply)
        kept = call("AddAllocation", R.AddAllocationRequest(unit_id=unit.id, organization_id=operator,
                                                            area_m2="200.25", from_date="2025-02-01"),
                    R.AllocationReply)
        ended = call("AddAllocation", R.AddAllocationRequest(unit_id=unit.id, organization_id=operator,
                                                             area_m2="100", from_date="2025-02-01"),
                     R.AllocationReply)
        call("EndAllocation", R.EndAllocationRequest(id=ended.id, until_date="2025-03-01"), R.AllocationReply)
        self.assertTrue(kept.id)
        self.caught_up(events=before["as_of"]["registry"] + 7)
        after = figures(self.overview())
        self.assertEqual(after["industrial_parks_operating"] - before["industrial_parks_operating"], 1)
        self.assertEqual(after["space_prepared_m2_x100"] - before["space_prepared_m2_x100"], 100050)
        self.assertEqual(after["space_allocated_m2_x100"] - before["space_allocated_m2_x100"], 20025)
        # The park closes: its area is no longer prepared.
        call("SetParkStatus", R.SetParkStatusRequest(id=operating.id, status=R.PARK_STATUS_CLOSED,
                                                     reason="redeveloped"), R.ParkReply)
        self.caught_up(events=before["as_of"]["registry"] + 8)
        closed = figures(self.overview())
        self.assertEqual(closed["industrial_parks_operating"], before["industrial_parks_operating"])
        self.assertEqual(closed["space_prepared_m2_x100"], before["space_prepared_m2_x100"])

    def test_funds_sum_budgets_awards_and_payments_and_those_paid_across_the_boundary(self):
        self.caught_up()
        before = figures(self.overview())
        stack = self.stack
        programme, award = stack.funded(50_000, budget=100_000)            # 1000.00 budget, 500.00 awarded
        paid = decode(stack.disburse(award.id, 20_000, payee_currency="HKD", rate="1.0856"),
                      F.DisbursementReply).disbursement
        local = decode(stack.disburse(award.id, 5_000), F.DisbursementReply).disbursement
        for disbursement in (paid, local):
            for method in ("ApproveDisbursement", "PayDisbursement"):
                decode(stack.act(method, disbursement.id), F.DisbursementReply)
        requested = decode(stack.disburse(award.id, 1_000), F.DisbursementReply).disbursement   # not paid
        self.assertTrue(requested.id)
        expected = {"funds_budget_cny_fen": 100_000, "funds_committed_cny_fen": 50_000,
                    "funds_paid_cny_fen": 25_000, "funds_paid_cross_boundary_cny_fen": 20_000}

        def moved():
            now = figures(self.overview())
            return {name: now[name] - before[name] for name in expected}

        wait_for(lambda: moved() == expected, seconds=60)
        self.assertEqual(moved(), expected)
        # Nothing more comes: every funding event is applied, and the figures stay.
        last = read_events(stack.funding, "funding")[-1].sequence
        self.assertTrue(wait_for(lambda: figures(self.overview())["as_of"]["funding"] >= last, seconds=60))
        self.assertEqual(moved(), expected)

    def test_the_overview_says_as_of_which_sequence_and_when_with_its_lag(self):
        self.caught_up()
        before = figures(self.overview())["as_of"]["registry"]
        self.register_organization(self.next_n())
        sequence = self.caught_up(events=before + 1)
        o = decode(self.overview(), reporting_pb2.OverviewReply)
        [registry] = [s for s in o.as_of if s.stream == "registry"]
        self.assertEqual(registry.last_sequence, sequence)
        self.assertGreater(registry.occurred_at_us, 0)
        self.assertGreaterEqual(registry.applied_at_us, registry.occurred_at_us)
        self.assertEqual(registry.lag_ms, (registry.applied_at_us - registry.occurred_at_us) // 1000)

    def test_the_read_models_hold_one_row_per_entity_and_figures_only_counters(self):
        self.caught_up()
        rows = self.svc.db.query("SELECT count(*) FROM report.report_project")[0][0]
        total = self.svc.db.query(
            "SELECT coalesce(sum(value), 0) FROM report.report_figure WHERE name = 'projects_by_status'")[0][0]
        self.assertEqual(rows, total)

    def test_the_roles_of_the_method_table_and_no_others_read_the_overview(self):
        row = role_table(services=("reporting",))["reporting.Overview"]
        self.assertEqual(sorted(row), sorted(ROLES))
        for role, allowed in row.items():
            keys = self.svc.add_principal("only-" + role.replace("_", "-"), role)
            reply = self.overview(keys=keys)
            if allowed == "yes":
                self.assertEqual(reply.status, Status.OK, "%s: %s" % (role, reply.message))
            else:
                self.assertEqual(reply.status, Status.PERMISSION_DENIED, role)
                self.assertIn("reporting.Overview", reply.message)

    def test_hetaoctl_prints_the_documented_json_keys_table_and_csv(self):
        self.caught_up()
        before = figures(self.overview())["as_of"]["registry"]
        self.register_organization(self.next_n(), major_platform=True)
        self.caught_up(events=before + 1)
        base = [os.path.join(BUILD, "bin", "hetaoctl"), "--cert", self.svc.admin.public_file,
                "--reporting-endpoint", self.svc.endpoint, "--reporting-server-key", self.svc.server.public_file]
        out = subprocess.run(base + ["--json", "report", "overview"], capture_output=True, text=True, timeout=30)
        self.assertEqual(out.returncode, 0, out.stderr)
        got = json.loads(out.stdout)
        for key in ("major_platforms", "hk_university_projects", "projects_total", "projects_high_end",
                    "projects_by_sector", "industrial_parks_operating", "space_prepared_m2",
                    "space_allocated_m2", "funds_budget_cny", "funds_committed_cny", "funds_paid_cny",
                    "customs_cases_open", "customs_cases_resolved", "whitelisted_organizations",
                    "facility_hours_hk_macao", "as_of"):
            self.assertIn(key, got)
        o = figures(self.overview())
        self.assertEqual(got["major_platforms"], o["major_platforms"])
        self.assertEqual(got["projects_by_sector"], o["projects_by_sector"])
        self.assertEqual(got["funds_committed_cny"], "%d.%02d" % divmod(o["funds_committed_cny_fen"], 100))
        self.assertEqual(got["as_of"], o["as_of"])
        csv = subprocess.run(base + ["report", "overview", "--csv"], capture_output=True, text=True, timeout=30)
        self.assertEqual(csv.returncode, 0, csv.stderr)
        lines = csv.stdout.splitlines()
        self.assertEqual(lines[0], "figure,value")
        self.assertIn("major_platforms,%d" % o["major_platforms"], lines)
        table = subprocess.run(base + ["report", "overview"], capture_output=True, text=True, timeout=30)
        self.assertEqual(table.returncode, 0, table.stderr)
        self.assertRegex(table.stdout, r"major_platforms\s+%d" % o["major_platforms"])
        self.assertIn("as of registry #", table.stdout)


class Recovery(unittest.TestCase):
    """A fresh registry and reporting per test: kills, restarts and gaps."""

    reporting_args = ()

    def setUp(self):
        self.stack, self.reporting = start_reporting(self.reporting_args)
        self.registry = self.stack.registry

    def tearDown(self):
        self.reporting.close()
        self.stack.close()

    # The scenario's helpers, as ReportingTest has them.
    _n = 80000

    def next_n(self):
        Recovery._n += 10
        return Recovery._n

    def register_organization(self, n, **overrides):
        return ReportingTest.register_organization(self, n, **overrides)

    def register(self, n, **overrides):
        return ReportingTest.register(self, n, **overrides)

    def overview(self):
        return figures(self.reporting.call("reporting.Overview", reporting_pb2.OverviewRequest()))

    def assertExpected(self):
        # The registry numbers events after they commit: wait for all of them.
        events = len(Scenario(self).steps())
        sequence = wait_caught_up(self.reporting, self.registry, "registry", events=events, seconds=60)
        got = self.overview()
        for name, value in Scenario.EXPECTED.items():
            self.assertEqual(got[name], value, "%s: expected %r, got %r" % (name, value, got[name]))
        self.assertEqual(got["as_of"]["registry"], sequence)
        # Every entity once: as many rows as the registry has entities.
        self.assertEqual(self.reporting.db.query("SELECT count(*) FROM report.report_project")[0][0], 9)
        self.assertEqual(self.reporting.db.query("SELECT count(*) FROM report.report_organization")[0][0], 6)

    def test_reporting_killed_mid_stream_and_the_registry_restarted_count_nothing_twice(self):
        scenario = Scenario(self)
        steps = scenario.steps()
        for step in steps[:7]:
            step()
        self.reporting.restart(signal.SIGKILL)
        for step in steps[7:12]:
            step()
        self.registry.restart()
        self.reporting.stop(signal.SIGKILL)
        for step in steps[12:]:
            step()
        self.reporting.restart(signal.SIGKILL)
        self.assertExpected()
        # And once more from a clean stop: the same figures.
        self.reporting.restart()
        self.assertExpected()


class Gaps(Recovery):
    """Every third live event dropped on purpose: replay fills each gap."""

    reporting_args = ("--test-drop-live", "3")

    def test_a_gap_forced_by_dropping_live_events_is_healed_by_replay(self):
        Scenario(self).run()
        self.assertExpected()
        with open(self.reporting.log.name, errors="replace") as log:
            self.assertIn("dropping live event", log.read())


if __name__ == "__main__":
    unittest.main()
