"""The reporting service against the real registry, funding and customs:
figures kept from their streams equal a hand-computed expectation, survive
kills and restarts on both sides with nothing counted twice, heal forced
gaps by replay, and answer only the roles the method table names.
"""
import json
import os
import signal
import subprocess
import threading
import time
import unittest

import psycopg2
from harness import (BUILD, FollowingServiceTest, Status, decode, new_key, registry_pb2 as R,
                     wait_caught_up)
from harness import read_events, wait_for
from hetao.v1 import customs_pb2 as C, funding_pb2 as F, reporting_pb2  # noqa: E402
from reporting_stack import ReportingStack
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
                 "organizations_by_kind", "facility_hours_by_region", "parks_by_status",
                 "customs_cases_open_by_category", "customs_cases_resolved_by_category", "declarations_by_lane"):
        flat[name] = {c.key: c.count for c in getattr(o, name)}
    flat["as_of"] = {s.stream: s.last_sequence for s in o.as_of}
    # Absent while no case is resolved: None then, not 0.
    flat["customs_median_resolution_s"] = (o.customs_median_resolution_s
                                           if o.HasField("customs_median_resolution_s") else None)
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

        self.orgs = orgs
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


HOUR = 3600


# Figures that do not add up by difference.
NOT_ADDITIVE = ("as_of", "customs_median_resolution_s")


class CustomsScenario:
    """A scripted run against customs, after the registry's Scenario (it uses that
    scenario's organizations), and the figures it must give by hand. Customs' clock
    is moved forward between steps so that times to resolution and breaches are
    known: every case is opened at +0 h.

        case  organization  category               priority  what happens                 at the end
        c1    ias           registration_filing    normal    triage, start, resolve +2 h  resolved after 2 h
        c2    qlab          registration_filing    normal    nothing                      open; first response breached (due +24 h)
        c3    ias           account_establishment  normal    triage, start, resolve +6 h, close   resolved after 6 h
        c4    hku           account_establishment  urgent    triage (first response met)  open; resolution breached (due +24 h)
        c5    qlab          account_establishment  normal    triage, start, resolve +2 h, reopen +6 h   open
        c6    hku           research_goods_import  low       nothing                      open (due +72 h)

    The clock ends at +30 h: two deadlines breached. Resolved: c1 (2 h) and c3 (6 h),
    median 4 h. White list: ias listed now; qlab listed and revoked; hku listed for
    2020 only. Declarations (no random inspection): ias reagents green; ias reagents
    with biological risk red (lane rule); hku yellow (not listed now); qlab yellow,
    rerouted to red by an officer; one more of ias stored, never registered (no lane).
    """

    EXPECTED = dict(
        customs_cases_open=4,
        customs_cases_resolved=2,
        customs_cases_open_by_category={"registration_filing": 1, "account_establishment": 2,
                                        "research_goods_import": 1},
        customs_cases_resolved_by_category={"registration_filing": 1, "account_establishment": 1},
        customs_deadline_breaches=2,
        whitelisted_organizations=1,
        declarations_by_lane={"green": 1, "yellow": 1, "red": 2},
    )
    MEDIAN_S = 4 * HOUR                 # and the moments between steps, under a minute
    # The customs report over every case: category -> (opened, resolved, open, median hours, breaches).
    BY_CATEGORY = {
        "registration_filing": (2, 1, 1, "2.00", 1),
        "account_establishment": (3, 1, 2, "6.00", 1),
        "research_goods_import": (1, 0, 1, None, 0),
    }

    def __init__(self, stack, orgs):
        self.stack = stack.customs_stack
        self.orgs = orgs
        self.cases = {}
        self.declarations = {}

    def run(self, first=0, last=None):
        steps = self.steps()
        for step in steps[first:last]:
            step()
        return len(steps)

    def call(self, method, request, reply_type):
        return decode(self.stack.call(method, request), reply_type)

    def steps(self):
        def clock(hours):
            return lambda: self.stack.set_clock(hours * HOUR)

        def case(name, org, category, priority):
            def step():
                self.cases[name] = self.call("OpenCase", C.OpenCaseRequest(
                    organization_id=self.orgs[org], category=category, priority=priority,
                    description="Help with %s" % C.CaseCategory.Name(category).lower()),
                    C.CaseReply).assistance_case.id
            return step

        def act(name, *actions):
            def step():
                for action in actions:
                    note = "done" if action in (C.CASE_ACTION_RESOLVE, C.CASE_ACTION_REOPEN) else None
                    self.call("ChangeCaseStatus", C.ChangeCaseStatusRequest(
                        id=self.cases[name], action=action, note=note), C.CaseReply)
            return step

        def listed(org, valid_from="2026-01-01", valid_until="2030-01-01", revoke=False):
            def step():
                entry = self.call("AddWhitelist", C.AddWhitelistRequest(
                    organization_id=self.orgs[org], categories=[C.GOODS_CATEGORY_REAGENTS],
                    valid_from=valid_from, valid_until=valid_until), C.WhitelistReply).entry
                if revoke:
                    self.call("RevokeWhitelist", C.RevokeWhitelistRequest(id=entry.id, reason="audit findings"),
                              C.WhitelistReply)
            return step

        def declare(name, org, register=True, biological_risk=False):
            def step():
                d = self.call("CreateDeclaration", C.CreateDeclarationRequest(
                    organization_id=self.orgs[org], lines=[C.DeclarationLine(
                        hs_code="382200", description="Diagnostic reagents", quantity="10", unit="kg",
                        value_minor=12000000, currency="CNY", origin_country="HK",
                        category=C.GOODS_CATEGORY_REAGENTS, biological_risk=biological_risk)]),
                    C.DeclarationReply).declaration
                self.declarations[name] = d.id
                if register:
                    self.call("ChangeDeclarationStatus", C.ChangeDeclarationStatusRequest(
                        id=d.id, action=C.DECLARATION_ACTION_REGISTER), C.DeclarationReply)
            return step

        def reroute(name, lane):
            return lambda: self.call("RerouteDeclaration", C.RerouteDeclarationRequest(
                id=self.declarations[name], lane=lane, reason="documents do not match the goods"),
                C.DeclarationReply)

        FILING, ACCOUNT, GOODS = (C.CASE_CATEGORY_REGISTRATION_FILING, C.CASE_CATEGORY_ACCOUNT_ESTABLISHMENT,
                                  C.CASE_CATEGORY_RESEARCH_GOODS_IMPORT)
        NORMAL, URGENT, LOW = C.CASE_PRIORITY_NORMAL, C.CASE_PRIORITY_URGENT, C.CASE_PRIORITY_LOW
        TRIAGE, START, RESOLVE = C.CASE_ACTION_TRIAGE, C.CASE_ACTION_START, C.CASE_ACTION_RESOLVE
        return [
            clock(0),
            case("c1", "ias", FILING, NORMAL),
            case("c2", "qlab", FILING, NORMAL),
            case("c3", "ias", ACCOUNT, NORMAL),
            case("c4", "hku", ACCOUNT, URGENT),
            case("c5", "qlab", ACCOUNT, NORMAL),
            case("c6", "hku", GOODS, LOW),
            act("c1", TRIAGE, START),
            act("c3", TRIAGE, START),
            act("c4", TRIAGE),
            act("c5", TRIAGE, START),
            listed("ias"),
            listed("qlab", revoke=True),
            listed("hku", valid_from="2020-01-01", valid_until="2021-01-01"),
            declare("d1", "ias"),
            declare("d2", "ias", biological_risk=True),
            declare("d3", "hku"),
            declare("d4", "qlab"),
            declare("d5", "ias", register=False),
            reroute("d4", C.LANE_RED),
            clock(2),
            act("c1", RESOLVE),
            act("c5", RESOLVE),
            clock(6),
            act("c3", RESOLVE, C.CASE_ACTION_CLOSE),
            act("c5", C.CASE_ACTION_REOPEN),
            clock(30),
        ]


def numbered(service, stream, aggregate_id, count, seconds=30):
    """The sequence of the last of `count` events about `aggregate_id`, once
    the relay has numbered them all (it numbers after the commit, so an
    event can be missing from system.ReadEvents just after its reply)."""
    def events():
        return [e for e in read_events(service, stream) if e.aggregate_id == aggregate_id]
    wait_for(lambda: len(events()) >= count, seconds=seconds)
    about = events()
    assert len(about) >= count, "%d of %d events of %s numbered" % (len(about), count, aggregate_id)
    return about[-1].sequence


def start_reporting(args=()):
    """(stack, reporting): a registry, funding and customs following it, and
    reporting following all three (tests/integration/reporting_stack.py)."""
    stack = ReportingStack(reporting_args=args)
    return stack, stack.reporting


def registry_call(registry, method, request, reply):
    """The record of a registry reply (its first field), failing the test unless OK."""
    return getattr(decode(registry.call("registry." + method, request, key=new_key()), reply),
                   reply.DESCRIPTOR.fields[0].name)


def parks_scenario(test, n):
    """Two parks with a unit each and allocations, through the registry: park A
    operating (1000.50 m²; allocations 200.25 m² kept, 100 m² ended), park B
    planned (500 m²; an allocation of 50 m²). Returns (the registry events,
    {park id: (name_en, status, area, prepared, allocated)} by hand, in m² x 100)."""
    operator = test.register_organization(n).id
    a = registry_call(test.registry, "RegisterPark", R.RegisterParkRequest(
        name_en="Park A %d" % n, name_zh="甲园区 %d" % n, operator_organization_id=operator, area_m2="1000.50",
        operating_since="2025-01-01"), R.ParkReply)
    b = registry_call(test.registry, "RegisterPark", R.RegisterParkRequest(
        name_en="Park B %d" % n, operator_organization_id=operator, area_m2="500"), R.ParkReply)
    unit_a = registry_call(test.registry, "AddUnit", R.AddUnitRequest(
        park_id=a.id, code="A1", area_m2="400", use=R.UNIT_USE_RESEARCH), R.UnitReply)
    unit_b = registry_call(test.registry, "AddUnit", R.AddUnitRequest(
        park_id=b.id, code="B1", area_m2="300", use=R.UNIT_USE_RESEARCH), R.UnitReply)
    for unit, area in ((unit_a, "200.25"), (unit_b, "50")):
        registry_call(test.registry, "AddAllocation", R.AddAllocationRequest(
            unit_id=unit.id, organization_id=operator, area_m2=area, from_date="2025-02-01"), R.AllocationReply)
    ended = registry_call(test.registry, "AddAllocation", R.AddAllocationRequest(
        unit_id=unit_a.id, organization_id=operator, area_m2="100", from_date="2025-02-01"), R.AllocationReply)
    registry_call(test.registry, "EndAllocation", R.EndAllocationRequest(id=ended.id, until_date="2025-03-01"),
                  R.AllocationReply)
    return 9, {a.id: ("Park A %d" % n, "operating", 100050, 100050, 20025),
               b.id: ("Park B %d" % n, "planned", 50000, 0, 5000)}


def space_by_park(service):
    """reporting.SpaceByPark as {park id: (name_en, status, area, prepared, allocated)}, and the reply."""
    reply = decode(service.call("reporting.SpaceByPark", reporting_pb2.SpaceByParkRequest()),
                   reporting_pb2.SpaceByParkReply)
    return {p.park_id: (p.name_en, p.status, p.area_m2_x100, p.prepared_m2_x100, p.allocated_m2_x100)
            for p in reply.parks}, reply


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
        cls.stack.close()                   # reporting with it

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
            if name in NOT_ADDITIVE:
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
               for name, value in figures(self.overview()).items() if name not in NOT_ADDITIVE}
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

    def test_space_by_park_is_each_parks_hand_computed_area_and_allocations_and_adds_up_to_the_overview(self):
        self.caught_up()
        before = figures(self.overview())["as_of"]["registry"]
        n = self.next_n()
        events, expected = parks_scenario(self, n)
        self.caught_up(events=before + events)
        got, reply = space_by_park(self.svc)
        self.assertEqual({park: got[park] for park in expected}, expected)
        self.assertEqual(sorted(s.stream for s in reply.as_of), ["customs", "funding", "registry"])
        # The Chinese name travels too.
        self.assertEqual([p.name_zh for p in reply.parks if p.name_en == "Park A %d" % n], ["甲园区 %d" % n])
        o = figures(self.overview())
        self.assertEqual(sum(p[3] for p in got.values()), o["space_prepared_m2_x100"])
        self.assertEqual(sum(p[4] for p in got.values()), o["space_allocated_m2_x100"])
        # Park B opens and park A closes: the prepared area moves, the allocations stay with their park.
        park_a, park_b = sorted(expected, key=lambda park: expected[park][0])
        registry_call(self.registry, "SetParkStatus", R.SetParkStatusRequest(
            id=park_b, status=R.PARK_STATUS_OPERATING, operating_since="2025-06-01"), R.ParkReply)
        registry_call(self.registry, "SetParkStatus", R.SetParkStatusRequest(
            id=park_a, status=R.PARK_STATUS_CLOSED, reason="redeveloped"), R.ParkReply)
        self.caught_up(events=before + events + 2)
        got, _ = space_by_park(self.svc)
        self.assertEqual(got[park_a], ("Park A %d" % n, "closed", 100050, 0, 20025))
        self.assertEqual(got[park_b], ("Park B %d" % n, "operating", 50000, 50000, 5000))
        o = figures(self.overview())
        self.assertEqual(sum(p[3] for p in got.values()), o["space_prepared_m2_x100"])
        self.assertEqual(sum(p[4] for p in got.values()), o["space_allocated_m2_x100"])
        # hetaoctl report space: JSON, CSV and the table with "as of".
        base = [os.path.join(BUILD, "bin", "hetaoctl"), "--cert", self.svc.admin.public_file,
                "--reporting-endpoint", self.svc.endpoint, "--reporting-server-key", self.svc.server.public_file]
        out = subprocess.run(base + ["--json", "report", "space"], capture_output=True, text=True, timeout=30)
        self.assertEqual(out.returncode, 0, out.stderr)
        rows = {row["park_id"]: row for row in json.loads(out.stdout)["parks"]}
        self.assertEqual(rows[park_b], {"park_id": park_b, "name_zh": "", "name_en": "Park B %d" % n,
                                        "status": "operating", "area_m2": 500, "prepared_m2": 500,
                                        "allocated_m2": 50, "free_m2": 450, "allocated_pct": 10.0})
        self.assertEqual((rows[park_a]["area_m2"], rows[park_a]["allocated_m2"], rows[park_a]["free_m2"]),
                         (1000.5, 200.25, -200.25))
        self.assertIn("registry", json.loads(out.stdout)["as_of"])
        self.assertNotIn("from_us", json.loads(out.stdout))
        csv = subprocess.run(base + ["report", "space", "--csv"], capture_output=True, text=True, timeout=30)
        self.assertEqual(csv.returncode, 0, csv.stderr)
        lines = csv.stdout.splitlines()
        self.assertEqual(lines[0], "park_id,name_zh,name_en,status,area_m2,prepared_m2,allocated_m2,free_m2,"
                                   "allocated_pct")
        self.assertIn("%s,,Park B %d,operating,500,500,50,450,10.0" % (park_b, n), lines)
        table = subprocess.run(base + ["report", "space"], capture_output=True, text=True, timeout=30)
        self.assertEqual(table.returncode, 0, table.stderr)
        self.assertRegex(table.stdout, r"Park B %d\s+operating\s+500\s+500\s+50\s+450\s+10\.0" % n)
        self.assertIn("as of registry #", table.stdout)

    def test_funds_sum_budgets_awards_and_payments_and_those_paid_across_the_boundary(self):
        self.caught_up()
        before = figures(self.overview())
        stack = self.stack.funding_stack
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

    def test_a_budget_adjusted_up_and_down_moves_the_budget_figure(self):
        self.caught_up()
        before = figures(self.overview())["funds_budget_cny_fen"]
        stack = self.stack.funding_stack
        programme = stack.programme(100_000)
        for delta in (50_000, -30_000):
            decode(stack.call("AdjustProgrammeBudget", F.AdjustProgrammeBudgetRequest(
                id=programme.id, delta=F.Money(currency="CNY", minor_units=delta), reason="revised")),
                F.ProgrammeReply)
        last = numbered(stack.funding, "funding", programme.id, 3)   # opened, and adjusted twice
        self.assertTrue(wait_for(lambda: figures(self.overview())["as_of"]["funding"] >= last, seconds=60))
        self.assertEqual(figures(self.overview())["funds_budget_cny_fen"] - before, 120_000)

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

    def test_the_overview_reads_its_figures_and_their_as_of_in_one_snapshot(self):
        # A batch committed while the overview is between its figures and its
        # positions: here a transaction that holds report_stream locked (so the
        # overview, having read its figures, waits to read the positions), adds
        # one project and one sequence, and commits. The reply must show both
        # or neither, never the new position with the old figures.
        self.caught_up()
        before = figures(self.overview())
        batch = psycopg2.connect(self.svc.db.dsn)
        self.addCleanup(batch.close)
        cur = batch.cursor()
        cur.execute("LOCK TABLE report.report_stream IN ACCESS EXCLUSIVE MODE")
        cur.execute("UPDATE report.report_figure SET value = value + 1 WHERE name = 'projects_total' AND key = ''")
        self.assertEqual(cur.rowcount, 1)
        cur.execute("UPDATE report.report_stream SET last_sequence = last_sequence + 1 WHERE stream = 'registry'")
        self.assertEqual(cur.rowcount, 1)
        replies = []
        asking = threading.Thread(target=lambda: replies.append(self.overview()))
        asking.start()
        waiting = wait_for(lambda: self.svc.db.query(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock' AND query LIKE '%%report_stream%%'")[0][0] == 1, seconds=10)
        batch.commit()
        asking.join(30)
        self.addCleanup(self.svc.db.query, "UPDATE report.report_figure SET value = value - 1"
                        " WHERE name = 'projects_total' AND key = ''")
        self.addCleanup(self.svc.db.query, "UPDATE report.report_stream SET last_sequence = last_sequence - 1"
                        " WHERE stream = 'registry'")
        self.assertTrue(waiting, "the overview never waited for the positions")
        self.assertEqual(len(replies), 1, "the overview did not answer")
        got = figures(replies[0])
        self.assertIn((got["projects_total"] - before["projects_total"],
                       got["as_of"]["registry"] - before["as_of"]["registry"]), ((0, 0), (1, 1)),
                      "figures and positions from different moments")

    def test_the_read_models_hold_one_row_per_entity_and_figures_only_counters(self):
        self.caught_up()
        rows = self.svc.db.query("SELECT count(*) FROM report.report_project")[0][0]
        total = self.svc.db.query(
            "SELECT coalesce(sum(value), 0) FROM report.report_figure WHERE name = 'projects_by_status'")[0][0]
        self.assertEqual(rows, total)

    def test_the_roles_of_the_method_table_and_no_others_read_the_reports(self):
        # The reports (the rebuild's methods: test_reporting_rebuild.py).
        table = role_table(services=("reporting",))
        requests = {"reporting.Overview": reporting_pb2.OverviewRequest(),
                    "reporting.CustomsByCategory": reporting_pb2.CustomsByCategoryRequest(),
                    "reporting.SpaceByPark": reporting_pb2.SpaceByParkRequest()}
        keys = {}
        for method in sorted(requests):
            row = table[method]
            self.assertEqual(sorted(row), sorted(ROLES))
            for role, allowed in row.items():
                if role not in keys:
                    keys[role] = self.svc.add_principal("only-" + role.replace("_", "-"), role)
                reply = self.svc.call(method, requests[method], keys=keys[role])
                if allowed == "yes":
                    self.assertEqual(reply.status, Status.OK, "%s as %s: %s" % (method, role, reply.message))
                else:
                    self.assertEqual(reply.status, Status.PERMISSION_DENIED, "%s as %s" % (method, role))
                    self.assertIn(method, reply.message)

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
                    "customs_deadline_breaches", "customs_median_resolution_hours", "customs_cases_by_category",
                    "declarations_by_lane", "facility_hours_hk_macao", "as_of"):
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


class FreshStack(unittest.TestCase):
    """A fresh stack (registry, funding, customs, reporting) per test, and the
    scenarios' expectations as assertions."""

    reporting_args = ()

    def setUp(self):
        self.stack, self.reporting = start_reporting(self.reporting_args)
        self.registry = self.stack.registry

    def tearDown(self):
        self.stack.close()                  # reporting with it

    # The scenario's helpers, as ReportingTest has them.
    _n = 80000

    def next_n(self):
        FreshStack._n += 10
        return FreshStack._n

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

    def assertCustomsExpected(self):
        """CustomsScenario's figures, once customs' breach timer has recorded both breaches."""
        breached = wait_for(lambda: len([e for e in read_events(self.stack.customs, "customs")
                                         if e.type == "customs.case.deadline_breached"]) >= 2, seconds=30)
        self.assertTrue(breached, "customs recorded no two breaches at +30 h")
        sequence = self.stack.caught_up()["customs"]
        got = self.overview()
        for name, value in CustomsScenario.EXPECTED.items():
            self.assertEqual(got[name], value, "%s: expected %r, got %r" % (name, value, got[name]))
        median = got["customs_median_resolution_s"]
        self.assertTrue(median is not None and CustomsScenario.MEDIAN_S <= median < CustomsScenario.MEDIAN_S + 60,
                        "customs_median_resolution_s: expected 4 h and under a minute, got %r" % median)
        self.assertEqual(got["as_of"]["customs"], sequence)
        # Every entity once.
        for table, rows in (("report_case", 6), ("report_declaration", 5), ("report_whitelist", 3)):
            self.assertEqual(self.reporting.db.query("SELECT count(*) FROM report.%s" % table)[0][0], rows, table)
        return got


class Recovery(FreshStack):
    """Kills and restarts on either side of the registry's stream."""

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


class Customs(FreshStack):
    """The scripted scenario across the registry and customs: hand-computed
    figures, the customs report, and kills and restarts on the customs stream."""

    def customs_report(self, **window):
        return decode(self.reporting.call("reporting.CustomsByCategory",
                                          reporting_pb2.CustomsByCategoryRequest(**window)),
                      reporting_pb2.CustomsByCategoryReply)

    def test_figures_of_every_stream_equal_the_hand_computed_expectation_of_a_scripted_scenario(self):
        started_us = int(time.time() * 1_000_000)
        scenario = Scenario(self)
        scenario.run()
        CustomsScenario(self.stack, scenario.orgs).run()
        self.assertExpected()
        self.assertCustomsExpected()

        # The customs report over every case, and over a window holding all of them.
        for window in ({}, {"from_us": started_us - 1_000_000, "until_us": int(time.time() * 1_000_000) + 1}):
            report = self.customs_report(**window)
            got = {c.category: (c.opened, c.resolved, c.open,
                                "%.2f" % (round(c.median_resolution_s / 36) / 100)
                                if c.HasField("median_resolution_s") else None, c.breaches)
                   for c in report.categories}
            self.assertEqual(got, CustomsScenario.BY_CATEGORY, "window %r" % window)
            self.assertEqual({a.stream: a.last_sequence for a in report.as_of}, self.overview()["as_of"])
        # A window before the scenario holds none of its cases.
        self.assertEqual(len(self.customs_report(until_us=started_us - 1_000_000).categories), 0)
        # Customs' own figures agree (its window is by day: every case of the scenario).
        stats = decode(self.stack.customs_stack.call("CaseStats", C.CaseStatsRequest(), mutating=False),
                       C.CaseStatsReply)
        theirs = {C.CaseCategory.Name(c.category)[len("CASE_CATEGORY_"):].lower():
                  (c.opened, c.resolved, c.open, c.median_resolution_s if c.HasField("median_resolution_s") else None,
                   c.breaches) for c in stats.categories}
        ours = {c.category: (c.opened, c.resolved, c.open,
                             c.median_resolution_s if c.HasField("median_resolution_s") else None, c.breaches)
                for c in self.customs_report().categories}
        self.assertEqual(ours, theirs)

        # hetaoctl: the overview's customs keys, and the customs report as JSON, CSV and a table.
        base = [os.path.join(BUILD, "bin", "hetaoctl"), "--cert", self.reporting.admin.public_file,
                "--reporting-endpoint", self.reporting.endpoint,
                "--reporting-server-key", self.reporting.server.public_file]

        def ctl(*args):
            out = subprocess.run(base + list(args), capture_output=True, text=True, timeout=30)
            self.assertEqual(out.returncode, 0, out.stderr)
            return out
        overview = json.loads(ctl("--json", "report", "overview").stdout)
        self.assertEqual(overview["customs_cases_by_category"], {
            "registration_filing": {"open": 1, "resolved": 1},
            "account_establishment": {"open": 2, "resolved": 1},
            "research_goods_import": {"open": 1, "resolved": 0}})
        self.assertEqual(overview["declarations_by_lane"], {"green": 1, "yellow": 1, "red": 2})
        self.assertEqual((overview["customs_cases_open"], overview["customs_cases_resolved"],
                          overview["customs_deadline_breaches"], overview["whitelisted_organizations"]),
                         (4, 2, 2, 1))
        self.assertEqual(overview["customs_median_resolution_hours"], "4.00")
        report = json.loads(ctl("--json", "report", "customs").stdout)
        self.assertEqual({k: (v["opened"], v["resolved"], v["open"], v["median_resolution_hours"], v["breaches"])
                          for k, v in report["categories"].items()}, CustomsScenario.BY_CATEGORY)
        self.assertEqual((report["from"], report["until"]), (None, None))
        self.assertEqual(report["as_of"], overview["as_of"])
        csv = ctl("report", "customs", "--csv", "--from", "2020-01-01")
        self.assertEqual(csv.stdout.splitlines()[0], "category,opened,resolved,open,median_resolution_hours,breaches")
        self.assertIn("account_establishment,3,1,2,6.00,1", csv.stdout.splitlines())
        self.assertIn("research_goods_import,1,0,1,,0", csv.stdout.splitlines())
        self.assertIn("as of customs #", csv.stderr)
        table = ctl("report", "customs")
        self.assertRegex(table.stdout, r"registration_filing\s+2\s+1\s+1\s+2\.00\s+1")
        self.assertIn("as of customs #", table.stdout)
        empty = ctl("report", "customs", "--until", "2020-01-01")
        self.assertIn("no customs case was opened in the window", empty.stdout)
        refused = subprocess.run(base + ["report", "customs", "--from", "2027-01-02", "--until", "2027-01-01"],
                                 capture_output=True, text=True, timeout=30)
        self.assertEqual(refused.returncode, 2, refused.stderr)
        self.assertIn("--until", refused.stderr)
        # The service refuses it too, naming the field.
        reply = self.reporting.call("reporting.CustomsByCategory", reporting_pb2.CustomsByCategoryRequest(
            from_us=2_000_000, until_us=1_000_000))
        self.assertEqual(reply.status, Status.INVALID_ARGUMENT, reply.message)
        self.assertIn("until_us", [v.field for v in reply.violations])

    def test_reporting_killed_mid_customs_stream_and_customs_restarted_count_nothing_twice(self):
        scenario = Scenario(self)
        scenario.run()
        customs = CustomsScenario(self.stack, scenario.orgs)
        steps = customs.steps()
        for step in steps[:9]:
            step()
        self.reporting.restart(signal.SIGKILL)
        for step in steps[9:17]:
            step()
        self.stack.customs_stack.restart()
        self.reporting.stop(signal.SIGKILL)
        for step in steps[17:]:
            step()
        self.reporting.restart(signal.SIGKILL)
        self.assertExpected()
        first = self.assertCustomsExpected()
        # And once more from a clean stop, and after customs restarts again: the same figures.
        self.reporting.restart()
        self.stack.customs_stack.restart()
        again = self.assertCustomsExpected()
        first.pop("as_of")
        again.pop("as_of")
        self.assertEqual(again, first)


class Gaps(Recovery):
    """Every third live event dropped on purpose: replay fills each gap."""

    reporting_args = ("--test-drop-live", "3")

    def test_a_gap_forced_by_dropping_live_events_is_healed_by_replay(self):
        scenario = Scenario(self)
        scenario.run()
        CustomsScenario(self.stack, scenario.orgs).run()
        self.assertExpected()
        self.assertCustomsExpected()
        with open(self.reporting.log.name, errors="replace") as log:
            self.assertIn("dropping live event", log.read())


if __name__ == "__main__":
    unittest.main()
