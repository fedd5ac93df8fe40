"""hetaoctl project and researcher against a real registry: the issue's acceptance
lines, exit codes, the field named in errors, and output for a person.
"""
import json
import unittest
import uuid

from harness import decode, new_key, registry_pb2
from test_cli import CliTest

R = registry_pb2


class ProjectCli(CliTest):

    def setUp(self):
        self.org = decode(self.register(70000 + len(self.svc.db.query("SELECT id FROM organization"))),
                          R.OrganizationReply).organization.id

    def test_acceptance_a_high_end_project_is_registered_and_listed_by_sector_and_origin(self):
        project = self.json_object(self.ctl(
            "--json", "project", "register", "--title", "Quantum sensing for hospitals", "--lead", self.org,
            "--sector", "quantum_technology", "--origin", "hk_university", "--high-end"))
        uuid.UUID(project["id"])
        self.assertEqual((project["title_en"], project["lead_organization_id"], project["high_end"]),
                         ("Quantum sensing for hospitals", self.org, True))
        self.assertEqual((project["sector"], project["origin"], project["status"]),
                         ("SECTOR_QUANTUM_TECHNOLOGY", "PROJECT_ORIGIN_HK_UNIVERSITY", "PROJECT_STATUS_PROPOSED"))
        other = decode(self.svc.call("registry.RegisterProject", R.RegisterProjectRequest(
            title_en="Cell therapy", lead_organization_id=self.org, sector=R.SECTOR_QUANTUM_TECHNOLOGY,
            origin=R.PROJECT_ORIGIN_PARK_PLATFORM), key=new_key()), R.ProjectReply).project
        listed = self.ctl("--json", "project", "list", "--sector", "quantum_technology", "--origin", "hk_university")
        ids = [p["id"] for p in self.json_objects(listed)]
        self.assertExit(listed, 0)
        self.assertIn(project["id"], ids)
        self.assertNotIn(other.id, ids)
        self.assertEqual(self.svc.db.query("SELECT high_end FROM project WHERE id = %s", (project["id"],)), [(True,)])

    def test_partners_and_funders_become_participants_after_the_lead(self):
        partner, funder = (decode(self.register(71000 + i), R.OrganizationReply).organization.id for i in range(2))
        project = self.json_object(self.ctl(
            "--json", "project", "register", "--title", "Joint lab", "--lead", self.org, "--partners", partner,
            "--funders", funder, "--sector", "robotics", "--origin", "enterprise_rnd",
            "--start", "2027-01-01", "--end", "2028-06-30"))
        self.assertEqual([(p["organization_id"], p["role"]) for p in project["participants"]],
                         [(self.org, "PARTICIPANT_ROLE_LEAD"), (partner, "PARTICIPANT_ROLE_PARTNER"),
                          (funder, "PARTICIPANT_ROLE_FUNDER")])
        self.assertEqual((project["start_date"], project["end_date"]), ("2027-01-01", "2028-06-30"))
        updated = self.json_object(self.ctl("--json", "project", "update", project["id"], "--partners", "",
                                            "--expected-version", "1"))
        self.assertEqual(len(updated["participants"]), 1)
        self.assertEqual(updated["version"], 2)

    def test_an_end_before_the_start_exits_3_naming_end_date(self):
        result = self.ctl("--json", "project", "register", "--title", "Backwards", "--lead", self.org,
                          "--sector", "robotics", "--origin", "other", "--start", "2027-06-01", "--end", "2027-01-01")
        self.assertExit(result, 3)
        self.assertIn("end_date", result.stderr)
        self.assertEqual(result.stdout, "")

    def test_an_unknown_lead_exits_4_and_a_withdrawn_one_exits_6_naming_lead_organization_id(self):
        result = self.ctl("project", "register", "--title", "Nobody leads", "--lead", str(uuid.uuid4()),
                          "--sector", "robotics", "--origin", "other")
        self.assertExit(result, 4)
        self.assertIn("lead_organization_id", result.stderr)
        self.assertExit(self.ctl("org", "set-status", self.org, "--status", "withdrawn", "--reason", "gone"), 0)
        result = self.ctl("project", "register", "--title", "Gone", "--lead", self.org,
                          "--sector", "robotics", "--origin", "other")
        self.assertExit(result, 6)
        self.assertIn("lead_organization_id", result.stderr)

    def test_an_illegal_status_transition_exits_6_naming_status(self):
        project = self.json_object(self.ctl("--json", "project", "register", "--title", "Short", "--lead", self.org,
                                            "--sector", "robotics", "--origin", "other"))
        self.assertExit(self.ctl("project", "set-status", project["id"], "--status", "terminated",
                                 "--reason", "cancelled"), 0)
        result = self.ctl("project", "set-status", project["id"], "--status", "active")
        self.assertExit(result, 6)
        self.assertIn("status", result.stderr)

    def test_an_unknown_origin_is_a_usage_error_listing_the_valid_ones(self):
        result = self.ctl("project", "register", "--title", "X", "--lead", self.org, "--sector", "robotics",
                          "--origin", "mars")
        self.assertExit(result, 2)
        self.assertIn("hk_university", result.stderr)

    def test_a_person_reads_lower_case_keys_a_table_and_no_microseconds(self):
        project = self.json_object(self.ctl("--json", "project", "register", "--title", "Readable", "--lead",
                                            self.org, "--sector", "new_materials", "--origin", "park_platform"))
        shown = self.ctl("project", "get", project["id"])
        self.assertExit(shown, 0)
        self.assertRegex(shown.stdout, r"(?m)^sector:\s+new_materials$")
        self.assertRegex(shown.stdout, r"(?m)^status:\s+proposed$")
        self.assertRegex(shown.stdout, r"(?m)^created_at_us:\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")
        self.assertIn("lead", shown.stdout)
        table = self.ctl("project", "list", "--org", self.org)
        self.assertExit(table, 0)
        header = table.stdout.splitlines()[0].split()
        self.assertEqual(header, ["ID", "TITLE_EN", "TITLE_ZH", "SECTOR", "ORIGIN", "HIGH_END", "STATUS"])
        self.assertIn(project["id"], table.stdout)


class ResearcherCli(CliTest):

    def setUp(self):
        self.org = decode(self.register(72000 + len(self.svc.db.query("SELECT id FROM organization"))),
                          R.OrganizationReply).organization.id

    def test_acceptance_a_hong_kong_researcher_is_registered_with_an_id(self):
        researcher = self.json_object(self.ctl("--json", "researcher", "register", "--name", "Chan Tai Man",
                                               "--region", "hong_kong", "--org", self.org))
        uuid.UUID(researcher["id"])
        self.assertEqual((researcher["name"], researcher["region"], researcher["organization_id"],
                          researcher["status"]),
                         ("Chan Tai Man", "REGION_HONG_KONG", self.org, "RESEARCHER_STATUS_ACTIVE"))
        self.assertEqual(self.svc.db.query("SELECT name, region FROM researcher WHERE id = %s",
                                           (researcher["id"],)), [("Chan Tai Man", "hong_kong")])

    def test_an_orcid_without_hyphens_is_shown_canonical_and_a_bad_one_exits_3_naming_orcid(self):
        researcher = self.json_object(self.ctl("--json", "researcher", "register", "--name", "Josiah Carberry",
                                               "--region", "overseas", "--org", self.org, "--orcid",
                                               "0000000218250097"))
        self.assertEqual(researcher["orcid"], "0000-0002-1825-0097")
        result = self.ctl("researcher", "register", "--name", "Typo", "--region", "macao", "--org", self.org,
                          "--orcid", "0000-0002-1825-0098")
        self.assertExit(result, 3)
        self.assertIn("orcid", result.stderr)

    def test_an_unknown_organization_exits_4_naming_organization_id(self):
        result = self.ctl("researcher", "register", "--name", "Lost", "--region", "macao", "--org", str(uuid.uuid4()))
        self.assertExit(result, 4)
        self.assertIn("organization_id", result.stderr)

    def test_set_status_update_and_list_by_region(self):
        researcher = self.json_object(self.ctl("--json", "researcher", "register", "--name", "Ho Wai",
                                               "--region", "macao", "--org", self.org))
        self.assertExit(self.ctl("researcher", "set-status", researcher["id"], "--status", "inactive"), 0)
        again = self.ctl("researcher", "set-status", researcher["id"], "--status", "inactive")
        self.assertExit(again, 6)
        self.assertIn("status", again.stderr)
        moved = self.json_object(self.ctl("--json", "researcher", "update", researcher["id"], "--region",
                                          "hong_kong"))
        self.assertEqual((moved["region"], moved["version"]), ("REGION_HONG_KONG", 3))
        listed = self.ctl("--json", "researcher", "list", "--region", "hong_kong", "--status", "inactive", "--all")
        self.assertExit(listed, 0)
        self.assertEqual([r["id"] for r in self.json_objects(listed)], [researcher["id"]])
        table = self.ctl("researcher", "list", "--org", self.org)
        self.assertEqual(table.stdout.splitlines()[0].split(),
                         ["ID", "NAME", "REGION", "ORGANIZATION_ID", "ORCID", "STATUS"])
        self.assertIn("inactive", table.stdout)

    def test_events_tail_decodes_project_and_researcher_events(self):
        self.json_object(self.ctl("--json", "researcher", "register", "--name", "Tail", "--region", "macao",
                                  "--org", self.org))
        events = self.json_objects(self.ctl("--json", "events", "tail", "--from-seq", "0", "--max",
                                            str(len(self.svc.db.query("SELECT id FROM ht_outbox")))))
        tail = [e for e in events if e["type"] == "registry.researcher.registered"]
        self.assertTrue(tail, json.dumps(events)[:500])
        self.assertEqual(tail[-1]["payload"]["researcher"]["name"], "Tail")


if __name__ == "__main__":
    unittest.main()
