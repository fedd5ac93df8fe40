"""hetaoctl facility, instrument and access against a real registry: the
Acceptance commands of the facilities part, exit codes, the fields named in
errors, times read as ISO 8601 and printed in the park's time.

Exit codes (docs/cli.md): 0 OK, 2 usage, 3 INVALID_ARGUMENT, 4 NOT_FOUND,
6 FAILED_PRECONDITION, 7 PERMISSION_DENIED.
"""
import unittest

from facility_fixtures import HOUR_US, organization, researcher, us
from test_cli import CliTest


class FacilityCli(CliTest):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.org = organization(cls.svc, 80001)
        cls.researcher = researcher(cls.svc, cls.org.id, "hong_kong")

    def json_ok(self, *args):
        return self.json_object(self.ctl("--json", *args))

    def approved(self, instrument_id, hours="24", researcher=None):
        access = self.json_ok("access", "request", "--researcher", researcher or self.researcher,
                              "--instrument", instrument_id,
                              "--hours", hours, "--purpose", "Battery cathode structure")
        self.assertEqual(access["status"], "ACCESS_REQUEST_STATUS_DRAFT")
        self.assertEqual(self.json_ok("access", "submit", access["id"])["status"], "ACCESS_REQUEST_STATUS_SUBMITTED")
        self.assertEqual(self.json_ok("access", "approve", access["id"])["status"], "ACCESS_REQUEST_STATUS_APPROVED")
        return access["id"]

    def test_the_acceptance_commands_book_24_hours_once_and_count_them_for_hong_kong(self):
        facility = self.json_ok("facility", "register", "--name", "China Spallation Neutron Source",
                                "--operator", self.org.id)
        self.assertTrue(facility["id"])
        instrument = self.json_ok("instrument", "add", "--facility", facility["id"],
                                  "--name", "General Purpose Powder Diffractometer")
        self.assertEqual(instrument["facility_id"], facility["id"])
        person = self.json_ok("researcher", "register", "--name", "Chan Tai Man", "--region", "hong_kong",
                              "--org", self.org.id)
        first = self.approved(instrument["id"], researcher=person["id"])
        booked = self.json_ok("access", "schedule", first, "--from", "2027-03-01T08:00:00Z",
                              "--until", "2027-03-02T08:00:00Z")
        self.assertEqual((booked["status"], int(booked["from_us"]), int(booked["until_us"])),
                         ("ACCESS_REQUEST_STATUS_SCHEDULED", us("2027-03-01T08:00:00Z"), us("2027-03-02T08:00:00Z")))
        second = self.approved(instrument["id"])
        clash = self.ctl("--json", "access", "schedule", second, "--from", "2027-03-01T20:00:00Z",
                         "--until", "2027-03-02T20:00:00Z")
        self.assertExit(clash, 6)
        self.assertIn("from", clash.stderr)
        self.assertEqual(clash.stdout, "")
        hours = self.json_objects(self.ctl("--json", "facility", "hours", "--region", "hong_kong",
                                           "--from", "2027-01-01", "--until", "2028-01-01",
                                           "--facility", facility["id"]))
        self.assertEqual(len(hours), 1, hours)
        self.assertEqual((hours[0]["region"], hours[0]["scheduled_hours"]), ("REGION_HONG_KONG", 24))

    def test_a_booking_of_other_than_the_approved_hours_exits_3_naming_until(self):
        instrument = self.json_ok("instrument", "add", "--facility",
                                  self.json_ok("facility", "register", "--name", "Short", "--operator", self.org.id)["id"],
                                  "--name", "Beamline 1")
        access = self.approved(instrument["id"], hours="2")
        result = self.ctl("access", "schedule", access, "--from", "2027-03-01T08:00", "--until", "2027-03-01T11:00")
        self.assertExit(result, 3)
        self.assertIn("until_us", result.stderr)
        self.assertIn("exactly 2", result.stderr)

    def test_an_illegal_step_exits_6_and_an_unknown_researcher_exits_4(self):
        instrument = self.json_ok("instrument", "add", "--facility",
                                  self.json_ok("facility", "register", "--name", "Steps", "--operator", self.org.id)["id"],
                                  "--name", "Beamline 2")
        draft = self.json_ok("access", "request", "--researcher", self.researcher, "--instrument", instrument["id"],
                             "--hours", "1", "--purpose", "x")
        result = self.ctl("access", "approve", draft["id"])
        self.assertExit(result, 6)
        self.assertIn("draft", result.stderr)
        result = self.ctl("access", "request", "--researcher", "0190a3c4-7b1e-7cc2-9d0e-3f6a1b2c3d4e",
                          "--instrument", instrument["id"], "--hours", "1", "--purpose", "x")
        self.assertExit(result, 4)
        self.assertIn("researcher_id", result.stderr)

    def test_bad_flags_exit_2_naming_the_flag(self):
        for args, flag in [(("access", "schedule", "x", "--from", "tomorrow", "--until", "2027-03-01"), "--from"),
                           (("facility", "hours", "--from", "2027-01-01"), "--until"),
                           (("facility", "hours", "--from", "2027-01-01", "--until", "2028-01-01",
                             "--region", "atlantis"), "--region"),
                           (("access", "request", "--researcher", "r", "--instrument", "i", "--hours", "many",
                             "--purpose", "p"), "--hours")]:
            with self.subTest(args=args):
                result = self.ctl(*args)
                self.assertExit(result, 2)
                self.assertIn(flag, result.stderr)

    def test_a_person_reads_bookings_as_a_table_in_the_parks_time_and_in_utc(self):
        facility = self.json_ok("facility", "register", "--name", "Tables", "--operator", self.org.id)
        instrument = self.json_ok("instrument", "add", "--facility", facility["id"], "--name", "Beamline 3")
        access = self.approved(instrument["id"], hours="2")
        self.json_ok("access", "schedule", access, "--from", "2027-03-01T16:00", "--until", "2027-03-01T18:00")
        table = self.ctl("instrument", "bookings", instrument["id"], "--from", "2027-03-01", "--until", "2027-03-02")
        self.assertExit(table, 0)
        lines = table.stdout.splitlines()
        self.assertEqual(lines[0].split()[:4], ["FROM_US", "UNTIL_US", "HOURS", "STATUS"], table.stdout)
        self.assertEqual(lines[1].split()[:4], ["2027-03-01T16:00:00+08:00", "2027-03-01T18:00:00+08:00", "2", "scheduled"])
        shown = self.ctl("--utc", "access", "get", access)
        self.assertExit(shown, 0)
        self.assertRegex(shown.stdout, r"from_us:\s+2027-03-01T08:00:00Z")
        self.assertRegex(shown.stdout, r"status:\s+scheduled")
        listed = self.json_objects(self.ctl("--json", "access", "list", "--instrument", instrument["id"]))
        self.assertEqual([a["id"] for a in listed], [access])
        self.assertEqual(int(listed[0]["until_us"]) - int(listed[0]["from_us"]), 2 * HOUR_US)


    def test_events_tail_decodes_facility_instrument_and_access_request_events(self):
        facility = self.json_ok("facility", "register", "--name", "Tail Source", "--operator", self.org.id)
        instrument = self.json_ok("instrument", "add", "--facility", facility["id"], "--name", "Tail Beamline")
        access = self.approved(instrument["id"], hours="1")
        events = self.json_objects(self.ctl("--json", "events", "tail", "--from-seq", "0", "--max",
                                            str(self.wait_numbered())))
        payloads = {e["type"]: e["payload"] for e in events if e["aggregate_id"] in
                    (facility["id"], instrument["id"], access)}
        self.assertEqual(payloads["registry.facility.registered"]["facility"]["name"], "Tail Source")
        self.assertEqual(payloads["registry.instrument.added"]["instrument"]["name"], "Tail Beamline")
        self.assertEqual(payloads["registry.access_request.approved"]["previous_status"],
                         "ACCESS_REQUEST_STATUS_SUBMITTED")

if __name__ == "__main__":
    unittest.main()
