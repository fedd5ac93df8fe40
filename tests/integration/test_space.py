"""Industrial parks, units and allocations, proved against the real service.

Every refused mutation is also checked to have left the space tables, the
outbox and the idempotency records exactly as they were; the racing tests
check the invariants in the database and the registry stream gap-free.
"""
import threading
import unittest

from harness import EntityTest, Status, decode, new_key, registry_pb2

R = registry_pb2
PLANNED, OPERATING, CLOSED = R.PARK_STATUS_PLANNED, R.PARK_STATUS_OPERATING, R.PARK_STATUS_CLOSED
AVAILABLE, UNAVAILABLE, RETIRED = R.UNIT_STATUS_AVAILABLE, R.UNIT_STATUS_UNAVAILABLE, R.UNIT_STATUS_RETIRED


class SpaceTest(EntityTest):
    """Helpers shared by the test classes of this file (one service per class)."""

    workers = 4
    tables = ("park", "unit", "allocation")
    counter = 0

    @classmethod
    def next_n(cls):
        SpaceTest.counter += 1
        return 40000 + SpaceTest.counter

    # -- calls ---------------------------------------------------------------

    def call(self, method, request, mutating=True, **kwargs):
        return self.svc.call("registry." + method, request, key=new_key() if mutating else None, **kwargs)

    def new_org(self):
        return decode(self.register(self.next_n()), R.OrganizationReply).organization.id

    def new_park(self, operator=None, area="1000", **fields):
        request = R.RegisterParkRequest(name_en="Hetao Park %d" % self.next_n(),
                                        operator_organization_id=operator or self.new_org(),
                                        area_m2=area, **fields)
        return decode(self.call("RegisterPark", request), R.ParkReply).park

    def add_unit(self, park_id, area="1000", code=None, timeout=5.0, **fields):
        request = R.AddUnitRequest(park_id=park_id, code="U-%d" % self.next_n() if code is None else code,
                                   area_m2=area, use=fields.pop("use", R.UNIT_USE_LABORATORY), **fields)
        return self.call("AddUnit", request, timeout=timeout)

    def new_unit(self, park_id=None, area="1000", **fields):
        return decode(self.add_unit(park_id or self.new_park(area=area).id, area, **fields), R.UnitReply).unit

    def allocate(self, unit_id, org_id, area, from_date, until_date=None, **kwargs):
        request = R.AddAllocationRequest(unit_id=unit_id, organization_id=org_id, area_m2=area,
                                         from_date=from_date)
        if until_date is not None:
            request.until_date = until_date
        return self.call("AddAllocation", request, **kwargs)

    def allocation(self, *args):
        return decode(self.allocate(*args), R.AllocationReply).allocation

    def occupancy(self, park_id=None, at=None):
        request = R.ParkOccupancyRequest()
        if park_id:
            request.park_id = park_id
        if at:
            request.at = at
        return decode(self.call("ParkOccupancy", request, mutating=False), R.ParkOccupancyReply)


# ---------------------------------------------------------------------------
class Parks(SpaceTest):

    def test_a_park_with_operating_since_starts_operating_and_is_stored_exactly(self):
        org = self.new_org()
        park = self.new_park(operator=org, area="800000.5", operating_since="2023-06-01", name_zh="河套园区")
        self.assertEqual(park.status, OPERATING)
        self.assertEqual(park.area_m2, "800000.50")
        self.assertEqual(park.operating_since, "2023-06-01")
        self.assertEqual(park.version, 1)
        row = self.svc.db.query("SELECT area_m2::text, operating_since::text, status, operator_organization_id::text"
                                " FROM park WHERE id = %s", (park.id,))[0]
        self.assertEqual(row, ("800000.50", "2023-06-01", "operating", org))
        event, payload = self.last_event(park.id, R.ParkEvent)
        self.assertEqual(event.type, "registry.park.registered")
        self.assertEqual(payload.park, park)
        got = decode(self.call("GetPark", R.GetParkRequest(id=park.id), mutating=False), R.ParkReply).park
        self.assertEqual(got, park)

    def test_a_park_without_operating_since_is_planned(self):
        park = self.new_park()
        self.assertEqual(park.status, PLANNED)
        self.assertFalse(park.HasField("operating_since"))

    def test_zero_negative_over_precise_and_malformed_areas_are_refused_naming_area_m2(self):
        org = self.new_org()
        for area in ("0", "0.00", "-5", "1000.505", "1e3", "", "10000000000", " 12"):
            self.assertRefusedChangesNothing(lambda: self.call("RegisterPark", R.RegisterParkRequest(
                name_en="Bad area", operator_organization_id=org, area_m2=area)), Status.INVALID_ARGUMENT, "area_m2")
        self.assertRefusedChangesNothing(lambda: self.call("RegisterPark", R.RegisterParkRequest(
            name_en="No area", operator_organization_id=org)), Status.INVALID_ARGUMENT, "area_m2")

    def test_a_park_needs_a_name_and_a_valid_date(self):
        org = self.new_org()
        self.assertRefusedChangesNothing(lambda: self.call("RegisterPark", R.RegisterParkRequest(
            operator_organization_id=org, area_m2="10")), Status.INVALID_ARGUMENT, "name_en")
        self.assertRefusedChangesNothing(lambda: self.call("RegisterPark", R.RegisterParkRequest(
            name_en="x" * 201, operator_organization_id=org, area_m2="10")), Status.INVALID_ARGUMENT, "name_en")
        for date in ("2023-02-29", "2023-6-1", "yesterday", "2999-01-01"):
            self.assertRefusedChangesNothing(lambda: self.call("RegisterPark", R.RegisterParkRequest(
                name_en="Dated", operator_organization_id=org, area_m2="10", operating_since=date)),
                Status.INVALID_ARGUMENT, "operating_since")

    def test_an_unknown_operator_is_not_found_and_a_withdrawn_one_is_refused(self):
        self.assertRefusedChangesNothing(lambda: self.call("RegisterPark", R.RegisterParkRequest(
            name_en="Orphan", operator_organization_id="0190f0c0-0000-7000-8000-000000000000", area_m2="10")),
            Status.NOT_FOUND, "operator_organization_id")
        org = self.new_org()
        decode(self.call("SetOrganizationStatus", R.SetOrganizationStatusRequest(
            id=org, status=R.ORGANIZATION_STATUS_WITHDRAWN, reason="left the park")), R.OrganizationReply)
        self.assertRefusedChangesNothing(lambda: self.call("RegisterPark", R.RegisterParkRequest(
            name_en="Withdrawn operator", operator_organization_id=org, area_m2="10")),
            Status.FAILED_PRECONDITION, "operator_organization_id")

    def test_update_checks_the_version_and_never_shrinks_below_the_units(self):
        park = self.new_park(area="1000")
        self.new_unit(park.id, area="600")
        self.assertRefusedChangesNothing(lambda: self.call("UpdatePark", R.UpdateParkRequest(
            id=park.id, area_m2="599.99")), Status.FAILED_PRECONDITION, "area_m2")
        self.assertRefusedChangesNothing(lambda: self.call("UpdatePark", R.UpdateParkRequest(
            id=park.id, expected_version=7, name_en="Stale")), Status.FAILED_PRECONDITION, "expected_version")
        self.assertRefusedChangesNothing(lambda: self.call("UpdatePark", R.UpdateParkRequest(
            id=park.id, operating_since="2024-01-01")), Status.FAILED_PRECONDITION, "operating_since")
        updated = decode(self.call("UpdatePark", R.UpdateParkRequest(
            id=park.id, expected_version=1, area_m2="600", name_en="Hetao Park East")), R.ParkReply).park
        self.assertEqual((updated.area_m2, updated.name_en, updated.version), ("600.00", "Hetao Park East", 2))
        event, payload = self.last_event(park.id, R.ParkEvent)
        self.assertEqual(event.type, "registry.park.updated")
        self.assertEqual(payload.park, updated)

    def test_status_moves_follow_the_table_and_operating_needs_a_date(self):
        park = self.new_park()
        self.assertRefusedChangesNothing(lambda: self.call("SetParkStatus", R.SetParkStatusRequest(
            id=park.id, status=OPERATING)), Status.INVALID_ARGUMENT, "operating_since")
        self.assertRefusedChangesNothing(lambda: self.call("SetParkStatus", R.SetParkStatusRequest(
            id=park.id, status=CLOSED)), Status.INVALID_ARGUMENT, "reason")
        self.assertRefusedChangesNothing(lambda: self.call("SetParkStatus", R.SetParkStatusRequest(
            id=park.id, status=PLANNED)), Status.FAILED_PRECONDITION, "status")
        opened = decode(self.call("SetParkStatus", R.SetParkStatusRequest(
            id=park.id, status=OPERATING, operating_since="2026-09-01")), R.ParkReply).park
        self.assertEqual((opened.status, opened.operating_since, opened.version), (OPERATING, "2026-09-01", 2))
        event, payload = self.last_event(park.id, R.ParkEvent)
        self.assertEqual((event.type, payload.previous_status), ("registry.park.status_changed", PLANNED))
        self.assertRefusedChangesNothing(lambda: self.call("SetParkStatus", R.SetParkStatusRequest(
            id=park.id, status=PLANNED)), Status.FAILED_PRECONDITION, "status")
        closed = decode(self.call("SetParkStatus", R.SetParkStatusRequest(
            id=park.id, status=CLOSED, reason="merged into Park 2")), R.ParkReply).park
        self.assertEqual((closed.status, closed.status_reason), (CLOSED, "merged into Park 2"))
        self.assertRefusedChangesNothing(lambda: self.call("SetParkStatus", R.SetParkStatusRequest(
            id=park.id, status=OPERATING, operating_since="2026-01-01")), Status.FAILED_PRECONDITION, "status")
        self.assertRefusedChangesNothing(lambda: self.call("UpdatePark", R.UpdateParkRequest(
            id=park.id, name_en="Reopened")), Status.FAILED_PRECONDITION, "id")
        self.assertRefusedChangesNothing(lambda: self.add_unit(park.id, "10"), Status.FAILED_PRECONDITION, "park_id")

    def test_list_filters_and_pages_through_every_park(self):
        operator = self.new_org()
        ids = [self.new_park(operator=operator, name_zh="深圳园区%d" % i).id for i in range(5)]
        seen, token = [], None
        while True:
            request = R.ListParksRequest(operator_organization_id=operator, page_size=2)
            if token:
                request.page_token = token
            page = decode(self.call("ListParks", request, mutating=False), R.ListParksReply)
            seen += [p.id for p in page.parks]
            if not page.next_page_token:
                break
            token = page.next_page_token
        self.assertEqual(seen, sorted(ids))
        found = decode(self.call("ListParks", R.ListParksRequest(name_contains="园区3"), mutating=False),
                       R.ListParksReply)
        self.assertEqual([p.id for p in found.parks], [ids[3]])
        self.assertStatus(self.call("ListParks", R.ListParksRequest(page_size=501), mutating=False),
                          Status.INVALID_ARGUMENT, "page_size")


# ---------------------------------------------------------------------------
class Units(SpaceTest):

    def test_a_unit_is_added_available_with_its_place_and_use(self):
        park = self.new_park(area="500")
        unit = self.new_unit(park.id, area="120.25", code="B2-301", building="B2", floor="3",
                             use=R.UNIT_USE_OFFICE)
        self.assertEqual((unit.code, unit.building, unit.floor, unit.area_m2, unit.use, unit.status),
                         ("B2-301", "B2", "3", "120.25", R.UNIT_USE_OFFICE, AVAILABLE))
        event, payload = self.last_event(unit.id, R.UnitEvent)
        self.assertEqual(event.type, "registry.unit.added")
        self.assertEqual(payload.unit, unit)
        self.assertEqual(decode(self.call("GetUnit", R.GetUnitRequest(id=unit.id), mutating=False),
                                R.UnitReply).unit, unit)

    def test_a_code_is_unique_within_its_park_only(self):
        park, other = self.new_park(), self.new_park()
        self.new_unit(park.id, area="10", code="A-101")
        self.assertRefusedChangesNothing(lambda: self.add_unit(park.id, "10", code="A-101"),
                                         Status.ALREADY_EXISTS, "code")
        self.new_unit(other.id, area="10", code="A-101")

    def test_bad_codes_uses_and_areas_are_refused_naming_the_field(self):
        park = self.new_park()
        for code in ("", "A 101", "x" * 33, "-A"):
            self.assertRefusedChangesNothing(lambda: self.add_unit(park.id, "10", code=code),
                                             Status.INVALID_ARGUMENT, "code")
        self.assertRefusedChangesNothing(lambda: self.add_unit(park.id, "10.001"), Status.INVALID_ARGUMENT, "area_m2")
        self.assertRefusedChangesNothing(lambda: self.add_unit(park.id, "10", use=R.UNIT_USE_UNSPECIFIED),
                                         Status.INVALID_ARGUMENT, "use")
        self.assertRefusedChangesNothing(lambda: self.add_unit(park.id, "10", building="b" * 101),
                                         Status.INVALID_ARGUMENT, "building")
        self.assertRefusedChangesNothing(lambda: self.add_unit("0190f0c0-0000-7000-8000-000000000000", "10"),
                                         Status.NOT_FOUND, "park_id")

    def test_units_never_add_up_to_more_than_the_park_and_retired_ones_free_their_area(self):
        park = self.new_park(area="1000")
        first = self.new_unit(park.id, area="999.99")
        reply = self.assertRefusedChangesNothing(lambda: self.add_unit(park.id, "0.02"),
                                                 Status.FAILED_PRECONDITION, "area_m2")
        self.assertIn("0.01", reply.message)
        self.new_unit(park.id, area="0.01")
        self.assertRefusedChangesNothing(lambda: self.call("UpdateUnit", R.UpdateUnitRequest(
            id=first.id, area_m2="1000")), Status.FAILED_PRECONDITION, "area_m2")
        decode(self.call("SetUnitStatus", R.SetUnitStatusRequest(id=first.id, status=RETIRED,
                                                                 reason="demolished")), R.UnitReply)
        self.new_unit(park.id, area="999.99")

    def test_the_database_itself_refuses_units_beyond_the_park(self):
        park = self.new_park(area="100")
        self.new_unit(park.id, area="100")
        with self.assertRaises(Exception) as raised:
            self.svc.db.query(
                "INSERT INTO unit (id, park_id, code, area_m2, use, status, created_at, updated_at)"
                " VALUES (gen_random_uuid(), %s, 'SQL-1', 1, 'office', 'available', now(), now())", (park.id,))
        self.assertIn("unit_within_park_area", str(raised.exception.diag.constraint_name))
        with self.assertRaises(Exception) as raised:
            self.svc.db.query("UPDATE park SET area_m2 = 99 WHERE id = %s", (park.id,))
        self.assertIn("park_holds_its_units", str(raised.exception.diag.constraint_name))

    def test_a_unit_cannot_shrink_below_what_is_allocated_on_any_date(self):
        unit = self.new_unit(area="100")
        org = self.new_org()
        self.allocation(unit.id, org, "30", "2027-01-01", "2027-07-01")
        self.allocation(unit.id, org, "50", "2027-03-01", "2028-01-01")
        self.assertRefusedChangesNothing(lambda: self.call("UpdateUnit", R.UpdateUnitRequest(
            id=unit.id, area_m2="79.99")), Status.FAILED_PRECONDITION, "area_m2")
        shrunk = decode(self.call("UpdateUnit", R.UpdateUnitRequest(id=unit.id, area_m2="80", floor="")),
                        R.UnitReply).unit
        self.assertEqual((shrunk.area_m2, shrunk.version), ("80.00", 2))

    def test_status_moves_follow_the_table_and_retiring_needs_every_allocation_ended(self):
        unit = self.new_unit(area="100")
        org = self.new_org()
        self.assertRefusedChangesNothing(lambda: self.call("SetUnitStatus", R.SetUnitStatusRequest(
            id=unit.id, status=UNAVAILABLE)), Status.INVALID_ARGUMENT, "reason")
        decode(self.call("SetUnitStatus", R.SetUnitStatusRequest(id=unit.id, status=UNAVAILABLE,
                                                                 reason="refit")), R.UnitReply)
        self.assertRefusedChangesNothing(lambda: self.allocate(unit.id, org, "10", "2027-01-01"),
                                         Status.FAILED_PRECONDITION, "unit_id")
        back = decode(self.call("SetUnitStatus", R.SetUnitStatusRequest(id=unit.id, status=AVAILABLE)),
                      R.UnitReply).unit
        event, payload = self.last_event(unit.id, R.UnitEvent)
        self.assertEqual((event.type, payload.previous_status, payload.unit), ("registry.unit.status_changed",
                                                                                UNAVAILABLE, back))
        allocation = self.allocation(unit.id, org, "10", "2020-01-01")
        self.assertRefusedChangesNothing(lambda: self.call("SetUnitStatus", R.SetUnitStatusRequest(
            id=unit.id, status=RETIRED, reason="demolished")), Status.FAILED_PRECONDITION, "status")
        decode(self.call("EndAllocation", R.EndAllocationRequest(id=allocation.id, until_date="2020-02-01")),
               R.AllocationReply)
        decode(self.call("SetUnitStatus", R.SetUnitStatusRequest(id=unit.id, status=RETIRED,
                                                                 reason="demolished")), R.UnitReply)
        self.assertRefusedChangesNothing(lambda: self.call("SetUnitStatus", R.SetUnitStatusRequest(
            id=unit.id, status=AVAILABLE)), Status.FAILED_PRECONDITION, "status")
        self.assertRefusedChangesNothing(lambda: self.call("UpdateUnit", R.UpdateUnitRequest(
            id=unit.id, building="C")), Status.FAILED_PRECONDITION, "id")

    def test_list_filters_by_park_use_and_status(self):
        park = self.new_park(area="100")
        lab = self.new_unit(park.id, area="10", use=R.UNIT_USE_LABORATORY)
        office = self.new_unit(park.id, area="10", use=R.UNIT_USE_OFFICE)
        listed = decode(self.call("ListUnits", R.ListUnitsRequest(park_id=park.id), mutating=False), R.ListUnitsReply)
        self.assertEqual([u.id for u in listed.units], [lab.id, office.id])
        offices = decode(self.call("ListUnits", R.ListUnitsRequest(park_id=park.id, use=R.UNIT_USE_OFFICE),
                                   mutating=False), R.ListUnitsReply)
        self.assertEqual([u.id for u in offices.units], [office.id])


# ---------------------------------------------------------------------------
class Allocations(SpaceTest):

    def test_the_acceptance_scenario_allocates_exactly_the_unit_and_no_more(self):
        org = self.new_org()
        park = self.new_park(operator=org, area="1000", operating_since="2023-06-01")
        unit = self.new_unit(park.id, area="1000", code="A-101")
        a600 = self.allocation(unit.id, org, "600", "2027-01-01", "2028-01-01")
        self.allocation(unit.id, org, "400", "2027-01-01", "2028-01-01")
        self.assertEqual((a600.area_m2, a600.from_date, a600.until_date, a600.park_id),
                         ("600.00", "2027-01-01", "2028-01-01", park.id))
        reply = self.assertRefusedChangesNothing(
            lambda: self.allocate(unit.id, org, "1", "2027-06-01", "2027-07-01"), Status.FAILED_PRECONDITION, "area_m2")
        self.assertIn("0.00 m2 free", reply.message)
        self.allocation(unit.id, org, "1", "2028-01-01", "2028-02-01")
        occupancy = self.occupancy(park.id, "2027-06-15")
        self.assertEqual(occupancy.at, "2027-06-15")
        [figures] = occupancy.parks
        self.assertEqual((figures.area_m2, figures.prepared_m2, figures.allocated_m2, figures.free_m2,
                          figures.allocated_percent), ("1000.00", "1000.00", "1000.00", "0.00", "100.00"))
        self.assertEqual([(u.code, u.allocated_m2, u.free_m2) for u in occupancy.units], [("A-101", "1000.00", "0.00")])
        self.assertEqual([(o.organization_id, o.allocated_m2, o.allocations) for o in occupancy.organizations],
                         [(org, "1000.00", 2)])
        january = self.occupancy(park.id, "2028-01-15").parks[0]
        self.assertEqual((january.allocated_m2, january.free_m2, january.allocated_percent),
                         ("1.00", "999.00", "0.10"))

    def test_periods_are_half_open_so_back_to_back_allocations_fit(self):
        unit = self.new_unit(area="10")
        org = self.new_org()
        self.allocation(unit.id, org, "10", "2027-01-01", "2027-02-01")
        self.allocation(unit.id, org, "10", "2027-02-01", "2027-03-01")
        self.assertRefusedChangesNothing(lambda: self.allocate(unit.id, org, "0.01", "2027-01-31", "2027-02-02"),
                                         Status.FAILED_PRECONDITION, "area_m2")

    def test_an_open_ended_allocation_blocks_every_later_date(self):
        unit = self.new_unit(area="10")
        org = self.new_org()
        self.allocation(unit.id, org, "6", "2027-01-01")
        self.assertRefusedChangesNothing(lambda: self.allocate(unit.id, org, "5", "2040-01-01", "2040-01-02"),
                                         Status.FAILED_PRECONDITION, "area_m2")
        self.allocation(unit.id, org, "5", "2026-01-01", "2027-01-01")

    def test_bad_periods_areas_and_references_are_refused_naming_the_field(self):
        unit = self.new_unit(area="10")
        org = self.new_org()
        cases = [
            (dict(until_date="2027-01-01"), "until_date"), (dict(until_date="2026-12-31"), "until_date"),
            (dict(from_date="2027-02-30"), "from_date"), (dict(area="0"), "area_m2"),
            (dict(area="-1"), "area_m2"), (dict(area="1.001"), "area_m2"),
        ]
        for overrides, field in cases:
            args = dict(unit_id=unit.id, org_id=org, area="1", from_date="2027-01-01")
            args.update(overrides)
            self.assertRefusedChangesNothing(lambda: self.allocate(**args), Status.INVALID_ARGUMENT, field)
        self.assertRefusedChangesNothing(
            lambda: self.allocate(unit.id, "0190f0c0-0000-7000-8000-000000000000", "1", "2027-01-01"),
            Status.NOT_FOUND, "organization_id")
        self.assertRefusedChangesNothing(
            lambda: self.allocate("0190f0c0-0000-7000-8000-000000000000", org, "1", "2027-01-01"),
            Status.NOT_FOUND, "unit_id")
        decode(self.call("SetOrganizationStatus", R.SetOrganizationStatusRequest(
            id=org, status=R.ORGANIZATION_STATUS_WITHDRAWN, reason="left")), R.OrganizationReply)
        self.assertRefusedChangesNothing(lambda: self.allocate(unit.id, org, "1", "2027-01-01"),
                                         Status.FAILED_PRECONDITION, "organization_id")

    def test_end_early_and_extend_change_the_period_and_extension_must_fit(self):
        unit = self.new_unit(area="100")
        org, other = self.new_org(), self.new_org()
        allocation = self.allocation(unit.id, org, "60", "2027-01-01", "2028-01-01")
        self.allocation(unit.id, other, "40", "2028-03-01", "2029-01-01")
        self.assertRefusedChangesNothing(lambda: self.call("EndAllocation", R.EndAllocationRequest(
            id=allocation.id, until_date="2027-01-01")), Status.FAILED_PRECONDITION, "until_date")
        self.assertRefusedChangesNothing(lambda: self.call("EndAllocation", R.EndAllocationRequest(
            id=allocation.id, until_date="2028-06-01")), Status.FAILED_PRECONDITION, "until_date")
        ended = decode(self.call("EndAllocation", R.EndAllocationRequest(
            id=allocation.id, until_date="2027-10-01", expected_version=1)), R.AllocationReply).allocation
        self.assertEqual((ended.until_date, ended.version), ("2027-10-01", 2))
        event, payload = self.last_event(allocation.id, R.AllocationEvent)
        self.assertEqual((event.type, payload.previous_until_date, payload.allocation),
                         ("registry.allocation.ended", "2028-01-01", ended))
        # 60 + 40 fit until 2029; open-ended would collide with nothing else either.
        extended = decode(self.call("ExtendAllocation", R.ExtendAllocationRequest(
            id=allocation.id, until_date="2029-01-01")), R.AllocationReply).allocation
        self.assertEqual(extended.until_date, "2029-01-01")
        self.allocation(unit.id, other, "1", "2029-01-01", "2029-02-01")
        # 60 + 40 + 1 on 2029-01-01 would be 101 of 100.
        self.allocation(unit.id, other, "40", "2029-01-01", "2029-02-01")
        reply = self.assertRefusedChangesNothing(lambda: self.call("ExtendAllocation", R.ExtendAllocationRequest(
            id=allocation.id)), Status.FAILED_PRECONDITION, "area_m2")
        self.assertIn("only 59.00 m2 free", reply.message)
        self.assertRefusedChangesNothing(lambda: self.call("ExtendAllocation", R.ExtendAllocationRequest(
            id=allocation.id, until_date="2028-01-01")), Status.FAILED_PRECONDITION, "until_date")
        self.assertRefusedChangesNothing(lambda: self.call("ExtendAllocation", R.ExtendAllocationRequest(
            id=allocation.id, until_date="2029-06-01", expected_version=2)), Status.FAILED_PRECONDITION,
            "expected_version")

    def test_a_repeated_allocation_with_the_same_key_is_stored_once(self):
        unit = self.new_unit(area="10")
        org = self.new_org()
        request = R.AddAllocationRequest(unit_id=unit.id, organization_id=org, area_m2="6", from_date="2027-01-01")
        key = new_key()
        first = self.svc.call("registry.AddAllocation", request, key=key)
        again = self.svc.call("registry.AddAllocation", request, key=key)
        self.assertTrue(again.replayed)
        self.assertEqual(decode(again, R.AllocationReply), decode(first, R.AllocationReply))
        self.assertEqual(self.svc.db.query("SELECT count(*) FROM allocation WHERE unit_id = %s", (unit.id,))[0][0], 1)
        added = [e for e in self.events() if e.type == "registry.allocation.added"
                 and e.aggregate_id == decode(first, R.AllocationReply).allocation.id]
        self.assertEqual(len(added), 1)

    def test_the_database_itself_refuses_an_overbooking_allocation(self):
        unit = self.new_unit(area="10")
        org = self.new_org()
        self.allocation(unit.id, org, "10", "2027-01-01", "2028-01-01")
        with self.assertRaises(Exception) as raised:
            self.svc.db.query(
                "INSERT INTO allocation (id, unit_id, organization_id, area_m2, period, created_at, updated_at)"
                " VALUES (gen_random_uuid(), %s, %s, 0.01, daterange('2027-12-31', '2028-01-02'), now(), now())",
                (unit.id, org))
        self.assertIn("allocation_within_unit_area", str(raised.exception.diag.constraint_name))

    def test_list_finds_allocations_by_unit_park_organization_and_date(self):
        park = self.new_park(area="100")
        unit = self.new_unit(park.id, area="100")
        org, other = self.new_org(), self.new_org()
        spring = self.allocation(unit.id, org, "10", "2027-03-01", "2027-06-01")
        autumn = self.allocation(unit.id, org, "10", "2027-09-01", "2027-12-01")
        theirs = self.allocation(unit.id, other, "10", "2027-03-01")

        def listed(**fields):
            return [a.id for a in decode(self.call("ListAllocations", R.ListAllocationsRequest(**fields),
                                                   mutating=False), R.ListAllocationsReply).allocations]
        self.assertEqual(listed(park_id=park.id), [spring.id, autumn.id, theirs.id])
        self.assertEqual(listed(organization_id=org), [spring.id, autumn.id])
        self.assertEqual(listed(unit_id=unit.id, at="2027-10-01"), [autumn.id, theirs.id])
        self.assertEqual(listed(unit_id=unit.id, at="2027-06-01"), [theirs.id])
        self.assertStatus(self.call("ListAllocations", R.ListAllocationsRequest(at="2027-13-01"), mutating=False),
                          Status.INVALID_ARGUMENT, "at")

    def test_an_applicant_reads_its_own_organizations_allocations_only(self):
        unit = self.new_unit(area="100")
        org, other = self.new_org(), self.new_org()
        mine = self.allocation(unit.id, org, "10", "2027-01-01")
        theirs = self.allocation(unit.id, other, "10", "2027-01-01")
        keys = self.svc.add_principal("applicant-%d" % self.next_n(), "applicant", organization=org)
        got = decode(self.svc.call("registry.GetAllocation", R.GetAllocationRequest(id=mine.id), keys=keys),
                     R.AllocationReply).allocation
        self.assertEqual(got, mine)
        listed = decode(self.svc.call("registry.ListAllocations", R.ListAllocationsRequest(organization_id=org),
                                      keys=keys), R.ListAllocationsReply)
        self.assertEqual([a.id for a in listed.allocations], [mine.id])
        self.assertStatus(self.svc.call("registry.GetAllocation", R.GetAllocationRequest(id=theirs.id), keys=keys),
                          Status.PERMISSION_DENIED, "id")
        self.assertStatus(self.svc.call("registry.ListAllocations", R.ListAllocationsRequest(organization_id=other),
                                        keys=keys), Status.PERMISSION_DENIED, "organization_id")
        self.assertStatus(self.svc.call("registry.ListAllocations", R.ListAllocationsRequest(), keys=keys),
                          Status.PERMISSION_DENIED, "organization_id")
        self.assertStatus(self.svc.call("registry.AddAllocation", R.AddAllocationRequest(
            unit_id=unit.id, organization_id=org, area_m2="1", from_date="2027-01-01"), key=new_key(), keys=keys),
            Status.PERMISSION_DENIED)


# ---------------------------------------------------------------------------
class Occupancy(SpaceTest):

    def test_occupancy_counts_prepared_allocated_and_free_per_park_unit_and_organization(self):
        park = self.new_park(area="1000")
        lab = self.new_unit(park.id, area="300", code="L-1")
        office = self.new_unit(park.id, area="200.50", code="O-1", use=R.UNIT_USE_OFFICE)
        gone = self.new_unit(park.id, area="100", code="Z-9")
        decode(self.call("SetUnitStatus", R.SetUnitStatusRequest(id=gone.id, status=RETIRED, reason="x")),
               R.UnitReply)
        org, other = self.new_org(), self.new_org()
        self.allocation(lab.id, org, "100", "2027-01-01", "2027-07-01")
        self.allocation(lab.id, other, "150.25", "2027-05-01")
        self.allocation(office.id, org, "50", "2027-06-15", "2027-06-16")
        got = self.occupancy(park.id, "2027-06-15")
        [figures] = got.parks
        self.assertEqual((figures.prepared_m2, figures.allocated_m2, figures.free_m2, figures.allocated_percent),
                         ("500.50", "300.25", "200.25", "59.99"))
        self.assertEqual([(u.code, u.area_m2, u.allocated_m2, u.free_m2) for u in got.units],
                         [("L-1", "300.00", "250.25", "49.75"), ("O-1", "200.50", "50.00", "150.50")])
        self.assertEqual(sorted((o.organization_id, o.allocated_m2, o.allocations) for o in got.organizations),
                         sorted([(org, "150.00", 2), (other, "150.25", 1)]))
        later = self.occupancy(park.id, "2027-06-16").parks[0]
        self.assertEqual(later.allocated_m2, "250.25")

    def test_occupancy_of_every_park_and_of_a_park_with_no_units(self):
        empty = self.new_park(area="50")
        everything = self.occupancy()
        self.assertEqual(len(everything.at), 10)
        self.assertEqual(len(everything.units), 0)
        [figures] = [p for p in everything.parks if p.park_id == empty.id]
        self.assertEqual((figures.prepared_m2, figures.allocated_m2, figures.free_m2),
                         ("0.00", "0.00", "0.00"))
        self.assertFalse(figures.HasField("allocated_percent"))
        self.assertStatus(self.call("ParkOccupancy", R.ParkOccupancyRequest(
            park_id="0190f0c0-0000-7000-8000-000000000000"), mutating=False), Status.NOT_FOUND, "park_id")


# ---------------------------------------------------------------------------
class Races(SpaceTest):
    workers = 8
    CLIENTS = 16

    def race(self, send):
        """Runs send(i) from 16 threads at once, each on its own socket; returns the replies."""
        barrier = threading.Barrier(self.CLIENTS)
        replies, errors = [None] * self.CLIENTS, []

        def run(i):
            try:
                barrier.wait(10)
                replies[i] = send(i)
            except Exception as error:     # reported by the main thread
                errors.append("client %d: %r" % (i, error))
        threads = [threading.Thread(target=run, args=(i,)) for i in range(self.CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        self.assertEqual(errors, [])
        return replies

    def assertExactlyGranted(self, replies, granted):
        ok = [r for r in replies if r.status == Status.OK]
        refused = [r for r in replies if r.status != Status.OK]
        self.assertEqual(len(ok), granted, [Status.Name(r.status) + ": " + r.message for r in refused])
        for r in refused:
            self.assertStatus(r, Status.FAILED_PRECONDITION, "area_m2")

    def test_16_racing_clients_never_overbook_a_unit(self):
        unit = self.new_unit(area="1000")
        orgs = [self.new_org() for _ in range(4)]
        replies = self.race(lambda i: self.allocate(unit.id, orgs[i % 4], "100", "2027-01-01", "2028-01-01",
                                                    timeout=60))
        self.assertExactlyGranted(replies, 10)
        total = self.svc.db.query("SELECT sum(area_m2)::text, count(*) FROM allocation WHERE unit_id = %s",
                                  (unit.id,))[0]
        self.assertEqual(total, ("1000.00", 10))
        added = [e for e in self.events() if e.type == "registry.allocation.added"]
        self.assertEqual(len([e for e in added if e.aggregate_id in
                              {decode(r, R.AllocationReply).allocation.id for r in replies if r.status == Status.OK}]), 10)

    def test_16_racing_clients_with_overlapping_periods_fill_each_date_exactly(self):
        # Even clients want the first half of 2027, odd ones the second; 300 m2
        # each of 1000: three of each half fit, never a fourth on any date.
        unit = self.new_unit(area="1000")
        org = self.new_org()
        periods = [("2027-01-01", "2027-07-01"), ("2027-07-01", "2028-01-01")]
        replies = self.race(lambda i: self.allocate(unit.id, org, "300", *periods[i % 2], timeout=60))
        self.assertExactlyGranted(replies, 6)
        peaks = self.svc.db.query("SELECT unit_peak_allocated(%s, daterange('2027-01-01', '2028-01-01'), NULL)::text",
                                  (unit.id,))[0][0]
        self.assertEqual(peaks, "900.00")
        self.events()

    def test_an_allocation_racing_the_withdrawal_of_its_organization_never_commits_after_it(self):
        # Allocations read the organization FOR SHARE; the withdrawal locks it
        # FOR UPDATE. So in commit order (outbox ids) no allocation of the
        # organization comes after its withdrawal, and every one refused names it.
        unit = self.new_unit(area="1000")
        org = self.new_org()

        def send(i):
            if i == 8:
                return self.call("SetOrganizationStatus", R.SetOrganizationStatusRequest(
                    id=org, status=R.ORGANIZATION_STATUS_WITHDRAWN, reason="left the park"), timeout=60)
            return self.allocate(unit.id, org, "10", "2027-01-01", "2028-01-01", timeout=60)
        replies = self.race(send)
        self.assertEqual(replies[8].status, Status.OK, replies[8].message)
        for i, reply in enumerate(replies):
            if i != 8 and reply.status != Status.OK:
                self.assertStatus(reply, Status.FAILED_PRECONDITION, "organization_id")
        granted = {decode(r, R.AllocationReply).allocation.id for i, r in enumerate(replies)
                   if i != 8 and r.status == Status.OK}
        order = [(t, a) for t, a in self.svc.db.query(
            "SELECT type, aggregate_id FROM ht_outbox WHERE type LIKE 'registry.allocation.%%'"
            " OR (type = 'registry.organization.status_changed' AND aggregate_id = %s) ORDER BY id", (org,))]
        withdrawn = order.index(("registry.organization.status_changed", org))
        self.assertEqual({a for t, a in order[:withdrawn]} & granted, granted)
        self.assertEqual([a for t, a in order[withdrawn + 1:] if a in granted], [],
                         "an allocation of the organization committed after its withdrawal")
        self.assertEqual(self.svc.db.query("SELECT count(*) FROM allocation WHERE organization_id = %s",
                                           (org,))[0][0], len(granted))
        self.events()

    def test_16_racing_clients_never_add_units_beyond_the_park(self):
        park = self.new_park(area="1000")
        replies = self.race(lambda i: self.add_unit(park.id, "100", code="R-%02d" % i, timeout=60))
        self.assertExactlyGranted(replies, 10)
        total = self.svc.db.query("SELECT sum(area_m2)::text FROM unit WHERE park_id = %s", (park.id,))[0][0]
        self.assertEqual(total, "1000.00")
        self.events()


if __name__ == "__main__":
    unittest.main()
