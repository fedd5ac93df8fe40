"""hetaoctl park, unit and allocation against a real registry: the acceptance
commands of the space part of the registry, exit codes, and the field named in errors.

Exit codes (docs/cli.md): 0 OK, 2 usage, 3 INVALID_ARGUMENT, 4 NOT_FOUND,
5 ALREADY_EXISTS, 6 FAILED_PRECONDITION, 7 PERMISSION_DENIED.
"""
import re
import unittest

from test_cli import CliTest


class SpaceCli(CliTest):

    def new_org(self):
        return self.register_cli(self.next_n())["id"]

    n = 50000

    @classmethod
    def next_n(cls):
        SpaceCli.n += 1
        return SpaceCli.n

    def park(self, org, area="1000", *extra):
        return self.json_object(self.ctl("--json", "park", "register", "--name", "Park %d" % self.next_n(),
                                         "--operator", org, "--area-m2", area, *extra))

    def unit(self, park, area="1000", code=None, use="laboratory"):
        return self.json_object(self.ctl("--json", "unit", "add", "--park", park, "--code",
                                         code or "U-%d" % self.next_n(), "--area-m2", area, "--use", use))

    def test_the_acceptance_commands_allocate_exactly_the_unit(self):
        org = self.new_org()
        park = self.json_object(self.ctl("--json", "park", "register", "--name", "Hetao Park 1", "--operator", org,
                                         "--area-m2", "1000", "--operating-since", "2023-06-01"))
        self.assertEqual((park["area_m2"], park["operating_since"], park["status"]),
                         ("1000.00", "2023-06-01", "PARK_STATUS_OPERATING"))
        unit = self.json_object(self.ctl("--json", "unit", "add", "--park", park["id"], "--code", "A-101",
                                         "--area-m2", "1000", "--use", "laboratory"))
        self.assertEqual((unit["code"], unit["use"]), ("A-101", "UNIT_USE_LABORATORY"))

        def allocate(area, start, end):
            return self.ctl("--json", "allocation", "add", "--unit", unit["id"], "--org", org, "--area-m2", area,
                            "--from", start, "--until", end)
        first = self.json_object(allocate("600", "2027-01-01", "2028-01-01"))
        self.assertTrue(first["id"])
        self.json_object(allocate("400", "2027-01-01", "2028-01-01"))
        over = allocate("1", "2027-06-01", "2027-07-01")
        self.assertExit(over, 6)
        self.assertIn("area_m2", over.stderr)
        self.assertEqual(over.stdout, "")
        self.json_object(allocate("1", "2028-01-01", "2028-02-01"))
        occupancy = self.json_object(self.ctl("--json", "park", "occupancy", park["id"], "--at", "2027-06-15"))
        [figures] = occupancy["parks"]
        self.assertEqual((figures["allocated_m2"], figures["prepared_m2"], figures["free_m2"]),
                         ("1000.00", "1000.00", "0.00"))
        self.assertEqual(occupancy["units"][0]["allocated_m2"], "1000.00")

    def test_occupancy_for_a_person_is_a_table_per_park_unit_and_organization(self):
        org = self.new_org()
        park = self.park(org, "500")
        unit = self.unit(park["id"], "200", code="B-7")
        self.json_object(self.ctl("--json", "allocation", "add", "--unit", unit["id"], "--org", org,
                                  "--area-m2", "50.5", "--from", "2027-01-01"))
        result = self.ctl("park", "occupancy", park["id"], "--at", "2027-03-01")
        self.assertExit(result, 0)
        lines = result.stdout.splitlines()
        self.assertEqual(lines[0], "at: 2027-03-01")
        header = next(line for line in lines if line.startswith("PARK_ID"))
        self.assertEqual(header.split(), ["PARK_ID", "NAME_EN", "AREA_M2", "PREPARED_M2", "ALLOCATED_M2", "FREE_M2",
                                          "ALLOCATED_PERCENT"])
        row = lines[lines.index(header) + 1].split()
        self.assertEqual(row[0], park["id"])
        self.assertEqual(row[-5:], ["500.00", "200.00", "50.50", "149.50", "25.25"])
        self.assertTrue(any(line.split()[:2] == [unit["id"], "B-7"] for line in lines), result.stdout)
        self.assertTrue(any(line.split() == [org, "50.50", "1"] for line in lines), result.stdout)

    def test_over_precise_zero_and_malformed_areas_exit_3_naming_area_m2(self):
        org = self.new_org()
        before = self.svc.db.query("SELECT count(*) FROM park")[0][0]
        for area in ("1000.505", "0", "-1", "ten"):
            result = self.ctl("--json", "park", "register", "--name", "Bad", "--operator", org, "--area-m2", area)
            self.assertExit(result, 3)
            self.assertIn("area_m2", result.stderr)
        self.assertEqual(self.svc.db.query("SELECT count(*) FROM park")[0][0], before)

    def test_an_unknown_operator_exits_4_and_a_duplicate_code_exits_5(self):
        result = self.ctl("--json", "park", "register", "--name", "Orphan", "--operator",
                          "0190f0c0-0000-7000-8000-000000000000", "--area-m2", "10")
        self.assertExit(result, 4)
        self.assertIn("operator_organization_id", result.stderr)
        park = self.park(self.new_org())
        self.unit(park["id"], "10", code="A-1")
        duplicate = self.ctl("--json", "unit", "add", "--park", park["id"], "--code", "A-1", "--area-m2", "1",
                             "--use", "office")
        self.assertExit(duplicate, 5)
        self.assertIn("code", duplicate.stderr)

    def test_usage_errors_exit_2_naming_the_flag(self):
        result = self.ctl("unit", "add", "--park", "x", "--code", "A", "--area-m2", "1", "--use", "garage")
        self.assertExit(result, 2)
        self.assertIn("--use", result.stderr)
        self.assertIn("laboratory", result.stderr)
        missing = self.ctl("allocation", "add", "--unit", "x", "--org", "y", "--area-m2", "1")
        self.assertExit(missing, 2)
        self.assertIn("--from", missing.stderr)
        both = self.ctl("allocation", "extend", "x", "--until", "2030-01-01", "--open-ended")
        self.assertExit(both, 2)

    def test_end_extend_get_and_list_allocations(self):
        org = self.new_org()
        park = self.park(org)
        unit = self.unit(park["id"], "100")
        allocation = self.json_object(self.ctl("--json", "allocation", "add", "--unit", unit["id"], "--org", org,
                                               "--area-m2", "10", "--from", "2027-01-01", "--until", "2027-12-01"))
        ended = self.json_object(self.ctl("--json", "allocation", "end", allocation["id"], "--until", "2027-06-01"))
        self.assertEqual((ended["until_date"], ended["version"]), ("2027-06-01", 2))
        late = self.ctl("--json", "allocation", "end", allocation["id"], "--until", "2027-09-01")
        self.assertExit(late, 6)
        self.assertIn("until_date", late.stderr)
        extended = self.json_object(self.ctl("--json", "allocation", "extend", allocation["id"], "--open-ended"))
        self.assertNotIn("until_date", extended)
        shown = self.ctl("allocation", "get", allocation["id"])
        self.assertExit(shown, 0)
        self.assertRegex(shown.stdout, r"(?m)^area_m2: +10\.00$")
        self.assertRegex(shown.stdout, r"(?m)^created_at_us: +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+08:00$")
        listed = self.ctl("allocation", "list", "--unit", unit["id"])
        self.assertExit(listed, 0)
        lines = listed.stdout.splitlines()
        self.assertEqual(lines[0].split(), ["ID", "UNIT_ID", "ORGANIZATION_ID", "AREA_M2", "FROM_DATE", "UNTIL_DATE"])
        self.assertEqual(lines[1].split(), [allocation["id"], unit["id"], org, "10.00", "2027-01-01", "-"])

    def test_park_and_unit_show_enum_keys_and_list_as_tables(self):
        org = self.new_org()
        park = self.park(org, "300", "--operating-since", "2024-05-01")
        unit = self.unit(park["id"], "120.5", code="C-3", use="office")
        shown = self.ctl("unit", "get", unit["id"])
        self.assertExit(shown, 0)
        self.assertRegex(shown.stdout, r"(?m)^use: +office$")
        self.assertRegex(shown.stdout, r"(?m)^status: +available$")
        parks = self.ctl("park", "list", "--operator", org)
        self.assertExit(parks, 0)
        self.assertEqual(parks.stdout.splitlines()[0].split(),
                         ["ID", "NAME_EN", "NAME_ZH", "AREA_M2", "OPERATING_SINCE", "STATUS"])
        self.assertTrue(re.search(r"300\.00 +2024-05-01 +operating", parks.stdout), parks.stdout)
        retired = self.json_object(self.ctl("--json", "unit", "set-status", unit["id"], "--status", "retired",
                                            "--reason", "merged"))
        self.assertEqual(retired["status"], "UNIT_STATUS_RETIRED")
        closed = self.json_object(self.ctl("--json", "park", "set-status", park["id"], "--status", "closed",
                                           "--reason", "moved"))
        self.assertEqual(closed["status"], "PARK_STATUS_CLOSED")
        again = self.ctl("park", "set-status", park["id"], "--status", "operating", "--operating-since", "2025-01-01")
        self.assertExit(again, 6)
        self.assertIn("status", again.stderr)


if __name__ == "__main__":
    unittest.main()
