"""Large facilities, instruments, access requests and bookings, proved against
the real service and a real PostgreSQL.

Every refused mutation is checked to have left the facility, instrument and
access request tables, the outbox and the idempotency records as they were.
The races run 16 clients at once and check that the registry stream stays
gap-free.
"""
import threading
import unittest

from facility_fixtures import (HOUR_US, R, access_request, act, approved, facility, instrument, organization,
                               researcher, schedule, us)
from harness import EntityTest, Status, decode, new_key

MARCH_1 = us("2027-03-01T08:00:00Z")
DRAFT, SUBMITTED, APPROVED = R.ACCESS_REQUEST_STATUS_DRAFT, R.ACCESS_REQUEST_STATUS_SUBMITTED, \
    R.ACCESS_REQUEST_STATUS_APPROVED
REJECTED, SCHEDULED = R.ACCESS_REQUEST_STATUS_REJECTED, R.ACCESS_REQUEST_STATUS_SCHEDULED
COMPLETED, CANCELLED = R.ACCESS_REQUEST_STATUS_COMPLETED, R.ACCESS_REQUEST_STATUS_CANCELLED


class FacilityTest(EntityTest):
    """One service per class, with an operator, a Hong Kong researcher, a facility and an instrument."""

    workers = 4
    tables = ("facility", "instrument", "access_request")
    next_n = 0

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.operator = organization(cls.svc, 70001)
        cls.hk_org = organization(cls.svc, 70002, region=R.REGION_HONG_KONG,
                                  registration_type=R.REGISTRATION_TYPE_HK_BR, registration_id="70002000")
        cls.researcher = researcher(cls.svc, cls.hk_org.id, "hong_kong")
        cls.facility = facility(cls.svc, cls.operator.id)
        cls.instrument = instrument(cls.svc, cls.facility.id)

    def n(self):
        FacilityTest.next_n += 1
        return 71000 + FacilityTest.next_n

    def new_instrument(self):
        return instrument(self.svc, self.facility.id, name="Instrument %d" % self.n())

    def events_of(self, aggregate_id, payload_type):
        return [(e.type, payload_type.FromString(e.payload)) for e in self.events() if e.aggregate_id == aggregate_id]

    def get_access(self, access_id, keys="admin"):
        return self.svc.call("registry.GetAccessRequest", R.GetAccessRequestRequest(id=access_id), keys=keys)

    def status_of(self, access_id):
        return decode(self.get_access(access_id), R.AccessRequestReply).access_request.status


# ---------------------------------------------------------------------------
class Facilities(FacilityTest):

    def test_a_facility_is_registered_with_its_operator_and_emits_registered(self):
        f = facility(self.svc, self.operator.id, name="Shenzhen Synchrotron %d" % self.n())
        self.assertEqual((f.operator_organization_id, f.version), (self.operator.id, 1))
        got = decode(self.svc.call("registry.GetFacility", R.GetFacilityRequest(id=f.id)), R.FacilityReply).facility
        self.assertEqual(got, f)
        self.assertEqual(self.events_of(f.id, R.FacilityEvent), [("registry.facility.registered", R.FacilityEvent(facility=f))])

    def test_an_unknown_operator_is_refused_naming_operator_organization_id(self):
        self.assertRefusedChangesNothing(
            lambda: self.svc.call("registry.RegisterFacility", R.RegisterFacilityRequest(
                name="Ghost Source", operator_organization_id="0190a3c4-7b1e-7cc2-9d0e-3f6a1b2c3d4e"), key=new_key()),
            Status.NOT_FOUND, "operator_organization_id")

    def test_a_withdrawn_operator_is_refused_naming_operator_organization_id(self):
        gone = organization(self.svc, self.n())
        decode(self.svc.call("registry.SetOrganizationStatus", R.SetOrganizationStatusRequest(
            id=gone.id, status=R.ORGANIZATION_STATUS_WITHDRAWN, reason="closed"), key=new_key()), R.OrganizationReply)
        self.assertRefusedChangesNothing(
            lambda: self.svc.call("registry.RegisterFacility", R.RegisterFacilityRequest(
                name="Closed Source", operator_organization_id=gone.id), key=new_key()),
            Status.FAILED_PRECONDITION, "operator_organization_id")

    def test_a_missing_or_over_long_name_is_refused_naming_name(self):
        for name in (None, "", "长" * 201, "bad\x01name"):
            with self.subTest(name=name):
                self.assertRefusedChangesNothing(
                    lambda: self.svc.call("registry.RegisterFacility", R.RegisterFacilityRequest(
                        name=name, operator_organization_id=self.operator.id), key=new_key()),
                    Status.INVALID_ARGUMENT, "name")

    def test_an_update_needs_the_current_version_and_adds_one_to_it(self):
        f = facility(self.svc, self.operator.id, name="Update Me %d" % self.n())
        update = lambda v, name: self.svc.call("registry.UpdateFacility", R.UpdateFacilityRequest(
            id=f.id, expected_version=v, name=name, description="Pulsed neutrons"), key=new_key())
        self.assertRefusedChangesNothing(lambda: update(7, "Wrong"), Status.FAILED_PRECONDITION, "expected_version")
        got = decode(update(1, "Renamed %d" % self.n()), R.FacilityReply).facility
        self.assertEqual((got.version, got.description), (2, "Pulsed neutrons"))
        self.assertEqual(self.events_of(f.id, R.FacilityEvent)[-1], ("registry.facility.updated", R.FacilityEvent(facility=got)))

    def test_list_filters_by_operator_and_name_and_pages_in_id_order(self):
        other = organization(self.svc, self.n())
        made = [facility(self.svc, other.id, name="Listed %d%%_" % i) for i in range(3)]
        seen, token = [], None
        while True:
            page = decode(self.svc.call("registry.ListFacilities", R.ListFacilitiesRequest(
                operator_organization_id=other.id, page_size=2, page_token=token)), R.ListFacilitiesReply)
            seen += [f.id for f in page.facilities]
            token = page.next_page_token or None
            if not token:
                break
        self.assertEqual(seen, [f.id for f in made])
        found = decode(self.svc.call("registry.ListFacilities", R.ListFacilitiesRequest(name_contains="ted 1%_")),
                       R.ListFacilitiesReply).facilities
        self.assertEqual([f.id for f in found], [made[1].id])
        self.assertStatus(self.svc.call("registry.ListFacilities", R.ListFacilitiesRequest(page_size=501)),
                          Status.INVALID_ARGUMENT, "page_size")


# ---------------------------------------------------------------------------
class Instruments(FacilityTest):

    def test_an_instrument_is_added_active_and_emits_added(self):
        i = self.new_instrument()
        self.assertEqual((i.facility_id, i.status, i.version), (self.facility.id, R.INSTRUMENT_STATUS_ACTIVE, 1))
        self.assertEqual(self.events_of(i.id, R.InstrumentEvent),
                         [("registry.instrument.added", R.InstrumentEvent(instrument=i))])

    def test_an_unknown_facility_is_refused_naming_facility_id(self):
        self.assertRefusedChangesNothing(
            lambda: self.svc.call("registry.AddInstrument", R.AddInstrumentRequest(
                facility_id="0190a3c4-7b1e-7cc2-9d0e-3f6a1b2c3d4e", name="Nowhere"), key=new_key()),
            Status.NOT_FOUND, "facility_id")

    def test_a_second_instrument_of_the_same_name_in_a_facility_is_refused_naming_name(self):
        self.assertRefusedChangesNothing(
            lambda: self.svc.call("registry.AddInstrument", R.AddInstrumentRequest(
                facility_id=self.facility.id, name=self.instrument.name), key=new_key()),
            Status.ALREADY_EXISTS, "name")

    def test_retiring_needs_a_reason_and_a_retired_instrument_takes_no_new_requests(self):
        i = self.new_instrument()
        retire = lambda reason: self.svc.call("registry.SetInstrumentStatus", R.SetInstrumentStatusRequest(
            id=i.id, status=R.INSTRUMENT_STATUS_RETIRED, reason=reason), key=new_key())
        self.assertRefusedChangesNothing(lambda: retire(None), Status.INVALID_ARGUMENT, "reason")
        waiting = approved(self.svc, self.researcher, i.id)
        got = decode(retire("detector replaced"), R.InstrumentReply).instrument
        self.assertEqual((got.status, got.status_reason, got.version), (R.INSTRUMENT_STATUS_RETIRED, "detector replaced", 2))
        kind, event = self.events_of(i.id, R.InstrumentEvent)[-1]
        self.assertEqual((kind, event.previous_status), ("registry.instrument.status_changed", R.INSTRUMENT_STATUS_ACTIVE))
        self.assertRefusedChangesNothing(lambda: retire("again"), Status.FAILED_PRECONDITION, "status")
        self.assertRefusedChangesNothing(
            lambda: self.svc.call("registry.CreateAccessRequest", R.CreateAccessRequestRequest(
                researcher_id=self.researcher, instrument_id=i.id, hours=2, purpose="x"), key=new_key()),
            Status.FAILED_PRECONDITION, "instrument_id")
        self.assertRefusedChangesNothing(lambda: schedule(self.svc, waiting.id, MARCH_1, MARCH_1 + 24 * HOUR_US),
                                         Status.FAILED_PRECONDITION, "id")

    def test_list_filters_by_facility_and_status(self):
        f = facility(self.svc, self.operator.id, name="Instrument List %d" % self.n())
        a, b = instrument(self.svc, f.id, "A"), instrument(self.svc, f.id, "B")
        decode(self.svc.call("registry.SetInstrumentStatus", R.SetInstrumentStatusRequest(
            id=b.id, status=R.INSTRUMENT_STATUS_RETIRED, reason="old"), key=new_key()), R.InstrumentReply)
        listed = lambda **kw: [i.id for i in decode(self.svc.call("registry.ListInstruments", R.ListInstrumentsRequest(
            facility_id=f.id, **kw)), R.ListInstrumentsReply).instruments]
        self.assertEqual(listed(), [a.id, b.id])
        self.assertEqual(listed(status=R.INSTRUMENT_STATUS_ACTIVE), [a.id])


# ---------------------------------------------------------------------------
class Lifecycle(FacilityTest):

    def test_a_request_goes_from_draft_to_completed_with_an_event_at_every_step(self):
        i = self.new_instrument()
        a = access_request(self.svc, self.researcher, i.id)
        self.assertEqual((a.status, a.hours, a.organization_id, a.facility_id, a.version),
                         (DRAFT, 24, self.hk_org.id, self.facility.id, 1))
        steps = [("SubmitAccessRequest", SUBMITTED), ("ApproveAccessRequest", APPROVED)]
        for method, status in steps:
            got = decode(act(self.svc, method, a.id), R.AccessRequestReply).access_request
            self.assertEqual(got.status, status)
        self.assertEqual(got.approved_hours, 24)
        got = decode(schedule(self.svc, a.id, MARCH_1, MARCH_1 + 24 * HOUR_US), R.AccessRequestReply).access_request
        self.assertEqual((got.status, got.from_us, got.until_us, got.version), (SCHEDULED, MARCH_1, MARCH_1 + 24 * HOUR_US, 4))
        got = decode(act(self.svc, "CompleteAccessRequest", a.id), R.AccessRequestReply).access_request
        self.assertEqual((got.status, got.version), (COMPLETED, 5))
        events = self.events_of(a.id, R.AccessRequestEvent)
        self.assertEqual([t for t, _ in events], ["registry.access_request." + w for w in
                                                  ("created", "submitted", "approved", "scheduled", "completed")])
        self.assertEqual([e.previous_status for _, e in events[1:]], [DRAFT, SUBMITTED, APPROVED, SCHEDULED])
        self.assertEqual(events[-1][1].access_request, got)
        row = self.svc.db.query("SELECT status, approved_hours, booked_until - booked_from FROM access_request"
                                " WHERE id = %s", (a.id,))[0]
        self.assertEqual((row[0], row[1], row[2].total_seconds()), ("completed", 24, 24 * 3600))

    def test_moves_the_table_forbids_are_refused_naming_id_and_change_nothing(self):
        a = access_request(self.svc, self.researcher, self.instrument.id)
        for method in ("ApproveAccessRequest", "CompleteAccessRequest"):
            with self.subTest(method=method):
                reply = self.assertRefusedChangesNothing(lambda: act(self.svc, method, a.id),
                                                         Status.FAILED_PRECONDITION, "id")
                self.assertIn("draft", reply.message)
        self.assertRefusedChangesNothing(lambda: schedule(self.svc, a.id, MARCH_1, MARCH_1 + 24 * HOUR_US),
                                         Status.FAILED_PRECONDITION, "id")
        self.assertRefusedChangesNothing(lambda: act(self.svc, "RejectAccessRequest", a.id, reason="no"),
                                         Status.FAILED_PRECONDITION, "id")

    def test_a_request_can_be_cancelled_from_every_state_before_completed_and_never_after(self):
        i = self.new_instrument()
        drafts = [access_request(self.svc, self.researcher, i.id, hours=1) for _ in range(5)]
        for a, steps in zip(drafts, range(5)):
            for method in ["SubmitAccessRequest", "ApproveAccessRequest"][:min(steps, 2)]:
                decode(act(self.svc, method, a.id), R.AccessRequestReply)
            if steps >= 3:
                start = MARCH_1 + steps * HOUR_US
                decode(schedule(self.svc, a.id, start, start + HOUR_US), R.AccessRequestReply)
            if steps == 4:
                decode(act(self.svc, "CompleteAccessRequest", a.id), R.AccessRequestReply)
        for a in drafts[:4]:
            got = decode(act(self.svc, "CancelAccessRequest", a.id, reason="plans changed"),
                         R.AccessRequestReply).access_request
            self.assertEqual((got.status, got.status_reason), (CANCELLED, "plans changed"))
        self.assertRefusedChangesNothing(lambda: act(self.svc, "CancelAccessRequest", drafts[4].id),
                                         Status.FAILED_PRECONDITION, "id")
        self.assertRefusedChangesNothing(lambda: act(self.svc, "CancelAccessRequest", drafts[0].id),
                                         Status.FAILED_PRECONDITION, "id")

    def test_a_rejection_needs_a_reason_and_is_final(self):
        a = access_request(self.svc, self.researcher, self.instrument.id)
        decode(act(self.svc, "SubmitAccessRequest", a.id), R.AccessRequestReply)
        self.assertRefusedChangesNothing(lambda: act(self.svc, "RejectAccessRequest", a.id),
                                         Status.INVALID_ARGUMENT, "reason")
        got = decode(act(self.svc, "RejectAccessRequest", a.id, reason="beam time oversubscribed"),
                     R.AccessRequestReply).access_request
        self.assertEqual((got.status, got.status_reason), (REJECTED, "beam time oversubscribed"))
        self.assertRefusedChangesNothing(lambda: act(self.svc, "ApproveAccessRequest", a.id),
                                         Status.FAILED_PRECONDITION, "id")

    def test_a_stale_expected_version_is_refused_naming_expected_version(self):
        a = access_request(self.svc, self.researcher, self.instrument.id)
        self.assertRefusedChangesNothing(lambda: act(self.svc, "SubmitAccessRequest", a.id, expected_version=2),
                                         Status.FAILED_PRECONDITION, "expected_version")
        self.assertEqual(decode(act(self.svc, "SubmitAccessRequest", a.id, expected_version=1),
                                R.AccessRequestReply).access_request.version, 2)


# ---------------------------------------------------------------------------
class BadInput(FacilityTest):

    def create(self, **fields):
        request = dict(researcher_id=self.researcher, instrument_id=self.instrument.id, hours=24, purpose="Diffraction")
        request.update(fields)
        return self.svc.call("registry.CreateAccessRequest", R.CreateAccessRequestRequest(
            **{k: v for k, v in request.items() if v is not None}), key=new_key())

    def test_hours_outside_1_to_8760_are_refused_naming_hours(self):
        for hours in (None, 0, -3, 8761):
            with self.subTest(hours=hours):
                self.assertRefusedChangesNothing(lambda: self.create(hours=hours), Status.INVALID_ARGUMENT, "hours")

    def test_a_missing_or_over_long_purpose_is_refused_naming_purpose(self):
        for purpose in (None, "", "x" * 2001):
            with self.subTest(purpose=len(purpose or "")):
                self.assertRefusedChangesNothing(lambda: self.create(purpose=purpose), Status.INVALID_ARGUMENT, "purpose")

    def test_unknown_researcher_or_instrument_is_refused_naming_the_field(self):
        ghost = "0190a3c4-7b1e-7cc2-9d0e-3f6a1b2c3d4e"
        self.assertRefusedChangesNothing(lambda: self.create(researcher_id=ghost), Status.NOT_FOUND, "researcher_id")
        self.assertRefusedChangesNothing(lambda: self.create(instrument_id=ghost), Status.NOT_FOUND, "instrument_id")
        self.assertRefusedChangesNothing(lambda: self.create(instrument_id="not-a-uuid"),
                                         Status.INVALID_ARGUMENT, "instrument_id")

    def test_an_inactive_researcher_is_refused_naming_researcher_id(self):
        inactive = researcher(self.svc, self.hk_org.id, "macao", status="inactive")
        self.assertRefusedChangesNothing(lambda: self.create(researcher_id=inactive),
                                         Status.FAILED_PRECONDITION, "researcher_id")

    def test_a_researcher_of_a_withdrawn_organization_is_refused_naming_researcher_id(self):
        org = organization(self.svc, self.n())
        person = researcher(self.svc, org.id, "mainland")
        decode(self.svc.call("registry.SetOrganizationStatus", R.SetOrganizationStatusRequest(
            id=org.id, status=R.ORGANIZATION_STATUS_WITHDRAWN, reason="closed"), key=new_key()), R.OrganizationReply)
        self.assertRefusedChangesNothing(lambda: self.create(researcher_id=person),
                                         Status.FAILED_PRECONDITION, "researcher_id")

    def test_approved_hours_above_the_hours_asked_are_refused_naming_approved_hours(self):
        a = access_request(self.svc, self.researcher, self.instrument.id, hours=10)
        decode(act(self.svc, "SubmitAccessRequest", a.id), R.AccessRequestReply)
        for hours in (11, 0):
            self.assertRefusedChangesNothing(lambda: act(self.svc, "ApproveAccessRequest", a.id, approved_hours=hours),
                                             Status.INVALID_ARGUMENT, "approved_hours")
        got = decode(act(self.svc, "ApproveAccessRequest", a.id, approved_hours=6), R.AccessRequestReply).access_request
        self.assertEqual((got.hours, got.approved_hours), (10, 6))
        self.assertRefusedChangesNothing(lambda: schedule(self.svc, a.id, MARCH_1, MARCH_1 + 10 * HOUR_US),
                                         Status.INVALID_ARGUMENT, "until_us")
        self.assertEqual(decode(schedule(self.svc, a.id, us("2031-01-01T00:00:00Z"), us("2031-01-01T06:00:00Z")),
                                R.AccessRequestReply).access_request.status, SCHEDULED)


# ---------------------------------------------------------------------------
class Bookings(FacilityTest):

    def test_a_booking_whose_length_is_not_the_approved_hours_is_refused_naming_until(self):
        a = approved(self.svc, self.researcher, self.new_instrument().id)
        for until in (MARCH_1 + 23 * HOUR_US, MARCH_1 + 24 * HOUR_US + 1, MARCH_1 - HOUR_US):
            with self.subTest(hours=(until - MARCH_1) / HOUR_US):
                self.assertRefusedChangesNothing(lambda: schedule(self.svc, a.id, MARCH_1, until),
                                                 Status.INVALID_ARGUMENT, "until_us")
        self.assertRefusedChangesNothing(
            lambda: self.svc.call("registry.ScheduleAccessRequest", R.ScheduleAccessRequestRequest(
                id=a.id, until_us=MARCH_1), key=new_key()), Status.INVALID_ARGUMENT, "from_us")
        self.assertEqual(self.status_of(a.id), APPROVED)

    def test_an_overlapping_booking_is_refused_naming_from_and_an_adjacent_one_is_not(self):
        i = self.new_instrument()
        first, second, third = (approved(self.svc, self.researcher, i.id) for _ in range(3))
        decode(schedule(self.svc, first.id, MARCH_1, MARCH_1 + 24 * HOUR_US), R.AccessRequestReply)
        twenty = us("2027-03-01T20:00:00Z")
        reply = self.assertRefusedChangesNothing(lambda: schedule(self.svc, second.id, twenty, twenty + 24 * HOUR_US),
                                                 Status.FAILED_PRECONDITION, "from_us")
        self.assertIn("already booked", reply.message)
        self.assertEqual(self.status_of(second.id), APPROVED)
        # [from, until) is half-open: a booking may start when the previous one ends.
        end = MARCH_1 + 24 * HOUR_US
        decode(schedule(self.svc, second.id, end, end + 24 * HOUR_US), R.AccessRequestReply)
        # Another instrument's time is its own.
        other = approved(self.svc, self.researcher, self.new_instrument().id)
        decode(schedule(self.svc, other.id, MARCH_1, MARCH_1 + 24 * HOUR_US), R.AccessRequestReply)
        # Cancelling a scheduled request frees its time.
        decode(act(self.svc, "CancelAccessRequest", first.id), R.AccessRequestReply)
        decode(schedule(self.svc, third.id, twenty - 12 * HOUR_US, twenty + 12 * HOUR_US), R.AccessRequestReply)

    def test_a_schedule_sent_again_with_its_key_is_answered_from_the_store_and_books_once(self):
        a = approved(self.svc, self.researcher, self.new_instrument().id)
        key = new_key()
        first = schedule(self.svc, a.id, MARCH_1, MARCH_1 + 24 * HOUR_US, key=key)
        again = schedule(self.svc, a.id, MARCH_1, MARCH_1 + 24 * HOUR_US, key=key)
        self.assertEqual((first.replayed, again.replayed), (False, True))
        self.assertEqual(decode(again, R.AccessRequestReply), decode(first, R.AccessRequestReply))
        self.assertEqual([t for t, _ in self.events_of(a.id, R.AccessRequestEvent)].count(
            "registry.access_request.scheduled"), 1)
        self.assertStatus(schedule(self.svc, a.id, MARCH_1 + HOUR_US, MARCH_1 + 25 * HOUR_US, key=key),
                          Status.FAILED_PRECONDITION, "request.idempotency_key")

    def test_bookings_of_an_instrument_in_a_period_are_listed_in_time_order_and_paged(self):
        i = self.new_instrument()
        starts = [us("2028-05-0%dT00:00:00Z" % d) for d in (4, 1, 3, 2)]
        for start in starts:
            decode(schedule(self.svc, approved(self.svc, self.researcher, i.id, hours=5).id, start, start + 5 * HOUR_US),
                   R.AccessRequestReply)
        decode(schedule(self.svc, approved(self.svc, self.researcher, i.id, hours=5).id,
                        us("2028-06-01T00:00:00Z"), us("2028-06-01T05:00:00Z")), R.AccessRequestReply)
        seen, token = [], None
        while True:
            page = decode(self.svc.call("registry.ListBookings", R.ListBookingsRequest(
                instrument_id=i.id, from_us=us("2028-05-01T04:00:00Z"), until_us=us("2028-05-31T00:00:00Z"),
                page_size=2, page_token=token)), R.ListBookingsReply)
            seen += page.bookings
            token = page.next_page_token or None
            if not token:
                break
        self.assertEqual([b.from_us for b in seen], sorted(starts))
        self.assertEqual({(b.instrument_id, b.hours, b.status, b.researcher_id) for b in seen},
                         {(i.id, 5, SCHEDULED, self.researcher)})
        self.assertStatus(self.svc.call("registry.ListBookings", R.ListBookingsRequest(
            instrument_id=i.id, from_us=us("2028-05-02T00:00:00Z"), until_us=us("2028-05-01T00:00:00Z"))),
            Status.INVALID_ARGUMENT, "until_us")


# ---------------------------------------------------------------------------
class Hours(FacilityTest):

    def hours(self, **fields):
        return {R.Region.Name(r.region): r for r in decode(self.svc.call("registry.FacilityHours", R.FacilityHoursRequest(
            **fields)), R.FacilityHoursReply).regions}

    def test_hours_scheduled_and_completed_are_counted_by_researcher_region_inside_the_period(self):
        f = facility(self.svc, self.operator.id, name="Hours %d" % self.n())
        i = instrument(self.svc, f.id)
        macao = researcher(self.svc, self.hk_org.id, "macao")
        hk = decode(schedule(self.svc, approved(self.svc, self.researcher, i.id).id,
                             MARCH_1, MARCH_1 + 24 * HOUR_US), R.AccessRequestReply).access_request
        done = approved(self.svc, macao, i.id, hours=10)
        decode(schedule(self.svc, done.id, us("2027-12-31T20:00:00Z"), us("2028-01-01T06:00:00Z")), R.AccessRequestReply)
        decode(act(self.svc, "CompleteAccessRequest", done.id), R.AccessRequestReply)
        # Cancelled time counts for nothing.
        gone = approved(self.svc, self.researcher, i.id, hours=3)
        decode(schedule(self.svc, gone.id, us("2027-06-01T00:00:00Z"), us("2027-06-01T03:00:00Z")), R.AccessRequestReply)
        decode(act(self.svc, "CancelAccessRequest", gone.id), R.AccessRequestReply)

        year = dict(from_us=us("2027-01-01T00:00:00Z"), until_us=us("2028-01-01T00:00:00Z"), facility_id=f.id)
        got = self.hours(**year)
        self.assertEqual(sorted(got), ["REGION_HONG_KONG", "REGION_MACAO"])
        self.assertEqual((got["REGION_HONG_KONG"].scheduled_hours, got["REGION_HONG_KONG"].scheduled_bookings,
                          got["REGION_HONG_KONG"].completed_hours), (24, 1, 0))
        # Only the 4 of its 10 hours that fall in 2027.
        self.assertEqual((got["REGION_MACAO"].completed_hours, got["REGION_MACAO"].completed_bookings,
                          got["REGION_MACAO"].scheduled_hours), (4, 1, 0))
        only = self.hours(region=R.REGION_HONG_KONG, **year)
        self.assertEqual(list(only), ["REGION_HONG_KONG"])
        self.assertEqual(only["REGION_HONG_KONG"].scheduled_hours, 24)
        none = self.hours(region=R.REGION_OVERSEAS, **year)
        self.assertEqual((none["REGION_OVERSEAS"].scheduled_hours, none["REGION_OVERSEAS"].completed_hours), (0, 0))
        self.assertEqual(self.hours(instrument_id=hk.instrument_id, from_us=MARCH_1 + 12 * HOUR_US,
                                    until_us=us("2027-03-05T00:00:00Z"))["REGION_HONG_KONG"].scheduled_hours, 12)
        self.assertStatus(self.svc.call("registry.FacilityHours", R.FacilityHoursRequest(until_us=MARCH_1)),
                          Status.INVALID_ARGUMENT, "from_us")


# ---------------------------------------------------------------------------
class Applicants(FacilityTest):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.applicant = cls.svc.add_principal("hku-office", "applicant", organization=cls.hk_org.id)
        cls.stranger_org = organization(cls.svc, 70900)
        cls.stranger = researcher(cls.svc, cls.stranger_org.id, "mainland")

    def test_an_applicant_creates_submits_reads_and_cancels_its_own_researchers_requests(self):
        a = access_request(self.svc, self.researcher, self.instrument.id, keys=self.applicant)
        self.assertEqual(decode(act(self.svc, "SubmitAccessRequest", a.id, keys=self.applicant),
                                R.AccessRequestReply).access_request.status, SUBMITTED)
        self.assertEqual(decode(self.get_access(a.id, keys=self.applicant), R.AccessRequestReply).access_request.id, a.id)
        mine = decode(self.svc.call("registry.ListAccessRequests", R.ListAccessRequestsRequest(
            organization_id=self.hk_org.id), keys=self.applicant), R.ListAccessRequestsReply).access_requests
        self.assertIn(a.id, [x.id for x in mine])
        self.assertEqual({x.organization_id for x in mine}, {self.hk_org.id})
        self.assertEqual(decode(act(self.svc, "CancelAccessRequest", a.id, keys=self.applicant),
                                R.AccessRequestReply).access_request.status, CANCELLED)

    def test_an_applicant_cannot_approve_schedule_or_complete(self):
        a = access_request(self.svc, self.researcher, self.instrument.id, keys=self.applicant)
        decode(act(self.svc, "SubmitAccessRequest", a.id, keys=self.applicant), R.AccessRequestReply)
        for method in ("ApproveAccessRequest", "RejectAccessRequest", "CompleteAccessRequest"):
            with self.subTest(method=method):
                self.assertRefusedChangesNothing(lambda: act(self.svc, method, a.id, keys=self.applicant, reason="x"),
                                                 Status.PERMISSION_DENIED)
        self.assertRefusedChangesNothing(lambda: schedule(self.svc, a.id, MARCH_1, MARCH_1 + 24 * HOUR_US,
                                                          keys=self.applicant), Status.PERMISSION_DENIED)

    def test_an_applicant_is_denied_another_organizations_researchers_and_requests(self):
        self.assertRefusedChangesNothing(
            lambda: self.svc.call("registry.CreateAccessRequest", R.CreateAccessRequestRequest(
                researcher_id=self.stranger, instrument_id=self.instrument.id, hours=1, purpose="x"),
                key=new_key(), keys=self.applicant), Status.PERMISSION_DENIED, "researcher_id")
        theirs = access_request(self.svc, self.stranger, self.instrument.id)
        for method in ("SubmitAccessRequest", "CancelAccessRequest"):
            self.assertRefusedChangesNothing(lambda: act(self.svc, method, theirs.id, keys=self.applicant),
                                             Status.PERMISSION_DENIED, "id")
        self.assertStatus(self.get_access(theirs.id, keys=self.applicant), Status.PERMISSION_DENIED, "id")
        for org in (self.stranger_org.id, None):
            self.assertStatus(self.svc.call("registry.ListAccessRequests", R.ListAccessRequestsRequest(
                organization_id=org), keys=self.applicant), Status.PERMISSION_DENIED, "organization_id")


# ---------------------------------------------------------------------------
class Races(FacilityTest):
    workers = 4
    CLIENTS = 16

    def race(self, attempts):
        """Runs schedule(access_id, from, until) for every attempt at once, one client each; returns the statuses.
        A client retries UNAVAILABLE with the same key, as the protocol says."""
        barrier = threading.Barrier(len(attempts))
        statuses, errors = [None] * len(attempts), []

        def run(k, access_id, start, end):
            try:
                key = new_key()
                with self.svc.client() as client:
                    barrier.wait(30)
                    for _ in range(10):
                        reply = client.call("registry.ScheduleAccessRequest", R.ScheduleAccessRequestRequest(
                            id=access_id, from_us=start, until_us=end), key=key, timeout=30)
                        if reply.status != Status.UNAVAILABLE:
                            break
                    statuses[k] = (reply.status, [v.field for v in reply.violations], reply.message)
            except Exception as error:
                errors.append(repr(error))

        threads = [threading.Thread(target=run, args=(k,) + attempt) for k, attempt in enumerate(attempts)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        self.assertEqual(errors, [])
        return statuses

    def assertOneWinnerPerSlot(self, instrument_id, attempts, statuses, slots):
        for k, (status, fields, message) in enumerate(statuses):
            if status != Status.OK:
                self.assertEqual((Status.Name(status), fields), ("FAILED_PRECONDITION", ["from_us"]), message)
        winners = [attempts[k] for k, s in enumerate(statuses) if s[0] == Status.OK]
        self.assertEqual(sorted((start, end) for _, start, end in winners), sorted(slots),
                         "exactly one booking per slot must win")
        rows = self.svc.db.query(
            "SELECT id::text FROM access_request WHERE instrument_id = %s AND status = 'scheduled'", (instrument_id,))
        self.assertEqual(sorted(r[0] for r in rows), sorted(w[0] for w in winners))
        overlaps = self.svc.db.query(
            "SELECT count(*) FROM access_request a JOIN access_request b ON a.instrument_id = b.instrument_id"
            " AND a.id < b.id AND tstzrange(a.booked_from, a.booked_until) && tstzrange(b.booked_from, b.booked_until)"
            " WHERE a.status = 'scheduled' AND b.status = 'scheduled'")[0][0]
        self.assertEqual(overlaps, 0)

    def test_16_racing_clients_double_booking_one_slot_exactly_one_wins_and_the_stream_has_no_gap(self):
        i = self.new_instrument()
        requests = [approved(self.svc, self.researcher, i.id) for _ in range(self.CLIENTS)]
        before = len(self.events())
        # Every client wants 24 hours, starting within the same day: all overlap the first.
        attempts = [(a.id, MARCH_1 + k * HOUR_US, MARCH_1 + (k + 24) * HOUR_US) for k, a in enumerate(requests)]
        statuses = self.race(attempts)
        winners = [k for k, s in enumerate(statuses) if s[0] == Status.OK]
        self.assertEqual(len(winners), 1, "winners: %s" % [statuses[k] for k in winners])
        self.assertOneWinnerPerSlot(i.id, attempts, statuses, [attempts[winners[0]][1:]])
        events = self.events()
        self.assertEqual([e.type for e in events[before:]], ["registry.access_request.scheduled"])
        self.assertEqual(events[-1].aggregate_id, attempts[winners[0]][0])

    def test_16_racing_clients_on_4_slots_book_exactly_one_request_per_slot(self):
        i = self.new_instrument()
        requests = [approved(self.svc, self.researcher, i.id, hours=2) for _ in range(self.CLIENTS)]
        before = len(self.events())
        slots = [(MARCH_1 + s * 2 * HOUR_US, MARCH_1 + (s + 1) * 2 * HOUR_US) for s in range(4)]
        attempts = [(a.id,) + slots[k % 4] for k, a in enumerate(requests)]
        statuses = self.race(attempts)
        self.assertOneWinnerPerSlot(i.id, attempts, statuses, slots)
        events = self.events()
        self.assertEqual([e.type for e in events[before:]], ["registry.access_request.scheduled"] * 4)


    def test_an_operator_withdrawn_while_16_clients_register_facilities_is_named_only_before_it_left(self):
        operator = organization(self.svc, self.n())
        barrier = threading.Barrier(self.CLIENTS + 1)
        replies, errors = [None] * (self.CLIENTS + 1), []

        def run(k):
            try:
                with self.svc.client() as client:
                    barrier.wait(30)
                    if k == self.CLIENTS:
                        request, method = R.SetOrganizationStatusRequest(
                            id=operator.id, status=R.ORGANIZATION_STATUS_WITHDRAWN, reason="left"), \
                            "registry.SetOrganizationStatus"
                    else:
                        request, method = R.RegisterFacilityRequest(
                            name="Racing %d" % k, operator_organization_id=operator.id), "registry.RegisterFacility"
                    key = new_key()
                    for _ in range(10):
                        reply = client.call(method, request, key=key, timeout=30)
                        if reply.status != Status.UNAVAILABLE:
                            break
                    replies[k] = reply
            except Exception as error:
                errors.append(repr(error))

        threads = [threading.Thread(target=run, args=(k,)) for k in range(self.CLIENTS + 1)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        self.assertEqual(errors, [])
        self.assertEqual(Status.Name(replies[-1].status), "OK", replies[-1].message)
        for reply in replies[:-1]:
            if reply.status != Status.OK:
                self.assertStatus(reply, Status.FAILED_PRECONDITION, "operator_organization_id")
        registered = {decode(r, R.FacilityReply).facility.id for r in replies[:-1] if r.status == Status.OK}
        stored = {row[0] for row in self.svc.db.query(
            "SELECT id::text FROM facility WHERE operator_organization_id = %s", (operator.id,))}
        self.assertEqual(stored, registered)
        # In commit order, every facility naming the operator came before its withdrawal.
        events = self.events()
        withdrawn = [e.sequence for e in events if e.aggregate_id == operator.id
                     and e.type == "registry.organization.status_changed"]
        named = [e.sequence for e in events if e.aggregate_id in registered]
        self.assertEqual(len(withdrawn), 1)
        self.assertTrue(all(seq < withdrawn[0] for seq in named), "a facility named the operator after it left")

if __name__ == "__main__":
    unittest.main()
