"""hetaoctl against a real registry: output, exit codes, idempotency keys and event tails.

Exit codes (common/ht_status.c): 0 OK, 2 usage, 3 INVALID_ARGUMENT, 4 NOT_FOUND,
5 ALREADY_EXISTS, 6 FAILED_PRECONDITION, 9 UNAVAILABLE / DEADLINE_EXCEEDED.
"""
import datetime
import json
import os
import re
import subprocess
import tempfile
import time
import unicodedata
import unittest
import uuid

from harness import (BUILD, Service, ServiceTest, decode, free_port, health, new_key, org_request, read_events,
                     registry_pb2, uscc)

R = registry_pb2
HETAOCTL = os.path.join(BUILD, "bin", "hetaoctl")
ACCEPTANCE_USCC = "91440300MA5F12342Q"


def clean_env():
    """The environment without HETAO_* settings, so only the flags point hetaoctl somewhere."""
    return {k: v for k, v in os.environ.items() if not k.startswith("HETAO_")}


class CliTest(ServiceTest):

    workers = 2

    def ctl(self, *args, endpoint=None, events=None, timeout=20):
        """Runs hetaoctl with the service's endpoints as global flags before `args`."""
        command = [HETAOCTL, "--registry-endpoint", endpoint or self.svc.endpoint,
                   "--registry-events", events or self.svc.events_endpoint,
                   "--registry-server-key", self.svc.server.public_file] + list(args)
        if not any(a == "--cert" for a in args):
            command[1:1] = ["--cert", self.svc.admin.public_file]
        return subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=clean_env())

    def assertExit(self, result, code):
        self.assertEqual(result.returncode, code,
                         "hetaoctl exited %d, expected %d\nstdout: %s\nstderr: %s"
                         % (result.returncode, code, result.stdout, result.stderr))

    def json_objects(self, result):
        lines = [line for line in result.stdout.splitlines() if line.strip()]
        try:
            return [json.loads(line) for line in lines]
        except ValueError as error:
            self.fail("stdout is not one JSON object per line (%s):\n%s" % (error, result.stdout))

    def json_object(self, result):
        self.assertExit(result, 0)
        objects = self.json_objects(result)
        self.assertEqual(len(objects), 1, "expected one JSON object:\n" + result.stdout)
        return objects[0]

    def register_cli(self, n, *extra):
        result = self.ctl("--json", "org", "register", "--name", "Hetao Lab %d" % n, "--kind", "enterprise",
                          "--region", "mainland", "--uscc", uscc(n), *extra)
        return self.json_object(result)

    def register_api(self, n, **overrides):
        return decode(self.register(n, **overrides), R.OrganizationReply).organization

    def wait_numbered(self):
        """The last sequence, once the relay has numbered every outbox row."""
        total = self.svc.db.query("SELECT count(*) FROM ht_outbox")[0][0]
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            events = read_events(self.svc)
            if len(events) == total:
                return total
            time.sleep(0.05)
        self.fail("the relay numbered %d of %d events" % (len(events), total))


# ---------------------------------------------------------------------------
class AcceptanceSequence(CliTest):
    """The issue's acceptance sequence, in order, on a fresh registry."""

    def test_issue_acceptance_sequence(self):
        register = ["--json", "org", "register", "--name", "Hetao Quantum Institute", "--kind",
                    "research_institute", "--region", "mainland", "--uscc"]

        org = self.json_object(self.ctl(*register, ACCEPTANCE_USCC))
        uuid.UUID(org["id"])
        self.assertEqual(org["name_en"], "Hetao Quantum Institute")
        self.assertEqual(org["registration_id"], ACCEPTANCE_USCC)
        self.assertEqual(org["status"], "ORGANIZATION_STATUS_ACTIVE")
        self.assertEqual(org["version"], 1)

        got = self.json_object(self.ctl("--json", "org", "get", org["id"]))
        self.assertEqual((got["id"], got["name_en"]), (org["id"], "Hetao Quantum Institute"))

        event = self.json_object(self.ctl("--json", "events", "tail", "--stream", "registry",
                                          "--from-seq", "0", "--max", "1"))
        self.assertEqual(event["sequence"], 1)
        self.assertEqual(event["type"], "registry.organization.registered")
        self.assertEqual(event["aggregate_id"], org["id"])
        self.assertEqual(event["payload"]["organization"]["name_en"], "Hetao Quantum Institute")

        health = self.json_object(self.ctl("--json", "health"))
        self.assertIs(health["database_ok"], True)
        self.assertEqual(health["service"], "registry")

        refused = self.ctl(*register, ACCEPTANCE_USCC[:-1] + "R")
        self.assertExit(refused, 3)
        self.assertIn("registration_id", refused.stderr)
        self.assertEqual(refused.stdout, "")
        self.assertEqual(self.svc.db.query("SELECT count(*) FROM organization")[0][0], 1)


# ---------------------------------------------------------------------------
class ExitCodes(CliTest):

    def test_invalid_argument_exits_3(self):
        result = self.ctl("org", "get", "not-a-uuid")
        self.assertExit(result, 3)
        self.assertIn("INVALID_ARGUMENT", result.stderr)
        self.assertIn("id", result.stderr)

    def test_not_found_exits_4(self):
        result = self.ctl("org", "get", str(uuid.uuid4()))
        self.assertExit(result, 4)
        self.assertIn("NOT_FOUND", result.stderr)
        self.assertEqual(result.stdout, "")

    def test_already_exists_exits_5_and_names_registration_id(self):
        self.register_cli(1)
        result = self.ctl("org", "register", "--name", "Copy", "--kind", "enterprise", "--region", "mainland",
                          "--uscc", uscc(1))
        self.assertExit(result, 5)
        self.assertIn("ALREADY_EXISTS", result.stderr)
        self.assertIn("registration_id", result.stderr)
        self.assertEqual(self.svc.db.query("SELECT count(*) FROM organization WHERE registration_id = %s",
                                           (uscc(1),))[0][0], 1)

    def test_failed_precondition_exits_6_for_withdrawn_to_active(self):
        org = self.register_cli(2)
        withdrawn = self.json_object(self.ctl("--json", "org", "set-status", org["id"], "--status", "withdrawn",
                                              "--reason", "left the park"))
        self.assertEqual(withdrawn["status"], "ORGANIZATION_STATUS_WITHDRAWN")
        result = self.ctl("org", "set-status", org["id"], "--status", "active")
        self.assertExit(result, 6)
        self.assertIn("FAILED_PRECONDITION", result.stderr)
        self.assertEqual(self.svc.db.query("SELECT status FROM organization WHERE id = %s", (org["id"],)),
                         [("withdrawn",)])

    def test_nothing_listening_exits_9_within_the_timeout(self):
        nowhere = "tcp://127.0.0.1:%d" % free_port()
        started = time.monotonic()
        result = self.ctl("--timeout", "500", "org", "get", str(uuid.uuid4()), endpoint=nowhere)
        elapsed = time.monotonic() - started
        self.assertExit(result, 9)
        self.assertIn("UNAVAILABLE", result.stderr)
        self.assertLess(elapsed, 3.0, "a 500 ms deadline took %.1f s" % elapsed)
        health = self.ctl("--timeout", "500", "health", endpoint=nowhere)
        self.assertExit(health, 9)

    def test_unknown_flag_is_a_usage_error(self):
        for args in [("org", "get", "--bogus", "x"), ("--bogus", "health"), ("org", "register", "--colour", "red")]:
            with self.subTest(args=args):
                result = self.ctl(*args)
                self.assertExit(result, 2)
                self.assertIn("--", result.stderr)
                self.assertIn("unknown flag", result.stderr)

    def test_unknown_enum_value_is_a_usage_error_listing_the_valid_values(self):
        before = self.svc.db.query("SELECT count(*) FROM organization")[0][0]
        result = self.ctl("org", "register", "--name", "X", "--kind", "bakery", "--region", "mainland",
                          "--uscc", uscc(3))
        self.assertExit(result, 2)
        self.assertIn("bakery", result.stderr)
        for key in ["research_institute", "university", "enterprise", "platform_laboratory",
                    "government_agency", "other"]:
            self.assertIn(key, result.stderr)
        region = self.ctl("org", "list", "--region", "atlantis")
        self.assertExit(region, 2)
        for key in ["mainland", "hong_kong", "macao", "overseas"]:
            self.assertIn(key, region.stderr)
        sectors = self.ctl("org", "register", "--name", "X", "--kind", "enterprise", "--region", "mainland",
                           "--uscc", uscc(3), "--sectors", "robotics,alchemy")
        self.assertExit(sectors, 2)
        self.assertIn("quantum_technology", sectors.stderr)
        self.assertEqual(self.svc.db.query("SELECT count(*) FROM organization")[0][0], before)

    def test_unknown_command_is_a_usage_error(self):
        for args in [("org", "frobnicate"), ("bakery",), ("org",)]:
            with self.subTest(args=args):
                result = self.ctl(*args)
                self.assertExit(result, 2)
                self.assertIn("unknown command", result.stderr)

    def test_missing_values_and_bad_numbers_are_usage_errors(self):
        self.assertExit(self.ctl("org", "get"), 2)
        self.assertExit(self.ctl("org", "list", "--page-size", "0"), 2)
        self.assertExit(self.ctl("org", "list", "--page-size", "many"), 2)
        self.assertExit(self.ctl("events", "tail", "--from-seq", "-1"), 2)
        self.assertExit(self.ctl("org", "register", "--name", "X", "--kind", "enterprise", "--region", "mainland",
                                 "--uscc", uscc(4), "--hk-br", "12345678"), 2)


# ---------------------------------------------------------------------------
class Commands(CliTest):

    def test_human_readable_output_shows_both_names(self):
        org = self.register_api(10, name_en="Readable Lab", name_zh="可读实验室")
        result = self.ctl("org", "get", org.id)
        self.assertExit(result, 0)
        self.assertIn("Readable Lab", result.stdout)
        self.assertIn("可读实验室", result.stdout)
        self.assertIn(org.id, result.stdout)
        with self.assertRaises(ValueError):
            json.loads(result.stdout)

    def test_register_with_chinese_name_sectors_and_major_platform(self):
        result = self.ctl("--json", "org", "register", "--name-zh", "河套芯片平台", "--kind", "platform_laboratory",
                          "--region", "mainland", "--uscc", uscc(11), "--sectors",
                          "microelectronics,artificial_intelligence", "--major-platform")
        org = self.json_object(result)
        self.assertEqual(org["name_zh"], "河套芯片平台")
        self.assertNotIn("name_en", org)
        self.assertEqual(org["sectors"], ["SECTOR_MICROELECTRONICS", "SECTOR_ARTIFICIAL_INTELLIGENCE"])
        self.assertIs(org["major_platform"], True)
        self.assertEqual(self.svc.db.query("SELECT sectors, major_platform FROM organization WHERE id = %s",
                                           (org["id"],)), [(["microelectronics", "artificial_intelligence"], True)])

    def test_register_hong_kong_and_overseas_identifiers(self):
        hk = self.json_object(self.ctl("--json", "org", "register", "--name", "HK Co", "--kind", "enterprise",
                                       "--region", "hong_kong", "--hk-br", "27182818"))
        self.assertEqual((hk["registration_type"], hk["region"]), ("REGISTRATION_TYPE_HK_BR", "REGION_HONG_KONG"))
        other = self.json_object(self.ctl("--json", "org", "register", "--name", "Overseas GmbH", "--kind",
                                          "enterprise", "--region", "overseas", "--reg-id", "HRB 4711"))
        self.assertEqual((other["registration_type"], other["registration_id"]),
                         ("REGISTRATION_TYPE_OTHER", "HRB 4711"))

    def test_org_update_changes_names_and_bumps_the_version(self):
        org = self.register_cli(12)
        updated = self.json_object(self.ctl("--json", "org", "update", org["id"], "--name", "Renamed Lab",
                                            "--name-zh", "新名字", "--kind", "university", "--expected-version", "1"))
        self.assertEqual((updated["name_en"], updated["name_zh"], updated["kind"], updated["version"]),
                         ("Renamed Lab", "新名字", "ORGANIZATION_KIND_UNIVERSITY", 2))
        self.assertEqual(self.svc.db.query("SELECT name_en, name_zh, kind, version FROM organization WHERE id = %s",
                                           (org["id"],)), [("Renamed Lab", "新名字", "university", 2)])
        stale = self.ctl("org", "update", org["id"], "--name", "Stale", "--expected-version", "1")
        self.assertExit(stale, 6)
        self.assertIn("expected_version", stale.stderr)

    def test_org_update_sectors_and_major_platform_and_clearing_sectors(self):
        org = self.register_cli(13, "--sectors", "robotics")
        self.assertEqual(org["sectors"], ["SECTOR_ROBOTICS"])
        changed = self.json_object(self.ctl("--json", "org", "update", org["id"], "--sectors",
                                            "biopharmaceuticals,medical_devices", "--major-platform", "true"))
        self.assertEqual(changed["sectors"], ["SECTOR_BIOPHARMACEUTICALS", "SECTOR_MEDICAL_DEVICES"])
        self.assertIs(changed["major_platform"], True)
        cleared = self.json_object(self.ctl("--json", "org", "update", org["id"], "--sectors", ""))
        self.assertEqual((cleared["sectors"], cleared["version"]), ([], 3))
        self.assertEqual(self.svc.db.query("SELECT sectors FROM organization WHERE id = %s", (org["id"],)), [([],)])

    def test_org_update_with_nothing_to_change_exits_3(self):
        org = self.register_cli(14)
        result = self.ctl("org", "update", org["id"])
        self.assertExit(result, 3)

    def test_org_update_with_an_empty_name_clears_it(self):
        org = self.register_cli(25)
        self.json_object(self.ctl("--json", "org", "update", org["id"], "--name-zh", "两个名字"))
        cleared = self.json_object(self.ctl("--json", "org", "update", org["id"], "--name", ""))
        self.assertNotIn("name_en", cleared)
        self.assertEqual((cleared["name_zh"], cleared["version"]), ("两个名字", 3))
        last = self.ctl("org", "update", org["id"], "--name-zh", "")
        self.assertExit(last, 3)
        self.assertIn("name", last.stderr)

    def test_non_numeric_expected_version_is_a_usage_error_and_sends_nothing(self):
        for n, bad in [(26, "abc"), (27, "1x"), (28, "")]:
            with self.subTest(expected_version=bad):
                org = self.register_cli(n)
                update = self.ctl("org", "update", org["id"], "--name", "Never", "--expected-version", bad)
                status = self.ctl("org", "set-status", org["id"], "--status", "suspended", "--reason", "r",
                                  "--expected-version", bad)
                self.assertEqual(self.svc.db.query("SELECT name_en, status, version FROM organization"
                                                   " WHERE id = %s", (org["id"],)),
                                 [("Hetao Lab %d" % n, "active", 1)], "the request should never have been sent")
                self.assertExit(update, 2)
                self.assertExit(status, 2)

    def test_org_set_status_suspends_with_a_reason_and_reactivates(self):
        org = self.register_cli(15)
        suspended = self.json_object(self.ctl("--json", "org", "set-status", org["id"], "--status", "suspended",
                                              "--reason", "annual audit"))
        self.assertEqual((suspended["status"], suspended["status_reason"], suspended["version"]),
                         ("ORGANIZATION_STATUS_SUSPENDED", "annual audit", 2))
        no_reason = self.ctl("org", "set-status", org["id"], "--status", "withdrawn")
        self.assertExit(no_reason, 3)
        self.assertIn("reason", no_reason.stderr)
        active = self.json_object(self.ctl("--json", "org", "set-status", org["id"], "--status", "active"))
        self.assertEqual((active["status"], active["version"]), ("ORGANIZATION_STATUS_ACTIVE", 3))
        self.assertEqual(self.svc.db.query("SELECT status, version FROM organization WHERE id = %s", (org["id"],)),
                         [("active", 3)])

    def test_org_list_all_with_page_size_1_prints_every_organization(self):
        for n in range(16, 19):
            self.register_api(n)
        expected = sorted(r[0] for r in self.svc.db.query("SELECT id::text FROM organization"))
        self.assertGreaterEqual(len(expected), 3)
        listed = self.ctl("--json", "org", "list", "--all", "--page-size", "1")
        self.assertExit(listed, 0)
        self.assertEqual([o["id"] for o in self.json_objects(listed)], expected)
        self.assertNotIn("more", listed.stderr)
        text = self.ctl("org", "list", "--all", "--page-size", "1")
        self.assertExit(text, 0)
        lines = text.stdout.splitlines()
        self.assertEqual(lines[0].split()[0], "ID", "one header row for all pages:\n" + text.stdout)
        self.assertEqual(sorted(line.split()[0] for line in lines[1:]), expected)

    def test_org_list_without_all_prints_one_page_and_the_next_token(self):
        for n in range(19, 22):
            self.register_api(n)
        page = self.ctl("--json", "org", "list", "--page-size", "2")
        self.assertExit(page, 0)
        first = self.json_objects(page)
        self.assertEqual(len(first), 2)
        self.assertIn("--page-token " + first[-1]["id"], page.stderr)
        rest = self.ctl("--json", "org", "list", "--page-size", "2", "--page-token", first[-1]["id"])
        self.assertExit(rest, 0)
        self.assertTrue(all(o["id"] > first[-1]["id"] for o in self.json_objects(rest)))

    def test_org_list_filters(self):
        org = self.register_api(22, name_en="Filterable Robotics", sectors=[R.SECTOR_ROBOTICS],
                                kind=R.ORGANIZATION_KIND_GOVERNMENT_AGENCY)
        by_name = self.json_objects(self.ctl("--json", "org", "list", "--name-contains", "filterable ROBOTICS"))
        self.assertEqual([o["id"] for o in by_name], [org.id])
        by_kind = self.json_objects(self.ctl("--json", "org", "list", "--kind", "government_agency",
                                             "--sector", "robotics"))
        self.assertEqual([o["id"] for o in by_kind], [org.id])
        by_id = self.json_objects(self.ctl("--json", "org", "list", "--registration-id", uscc(22)))
        self.assertEqual([o["id"] for o in by_id], [org.id])

    def test_same_idempotency_key_returns_the_same_organization(self):
        key = new_key()
        args = ("--json", "--idempotency-key", key, "org", "register", "--name", "Once Only", "--kind",
                "enterprise", "--region", "mainland", "--uscc", uscc(23))
        first = self.json_object(self.ctl(*args))
        second = self.json_object(self.ctl(*args))
        self.assertEqual(second["id"], first["id"])
        self.assertEqual(second, first)
        self.assertEqual(self.svc.db.query("SELECT count(*) FROM organization WHERE registration_id = %s",
                                           (uscc(23),))[0][0], 1)
        self.assertEqual(self.svc.db.query("SELECT count(*) FROM ht_outbox WHERE aggregate_id = %s",
                                           (first["id"],))[0][0], 1)
        other = self.ctl("--idempotency-key", key, "org", "register", "--name", "Different", "--kind",
                         "enterprise", "--region", "mainland", "--uscc", uscc(24))
        self.assertExit(other, 6)
        self.assertIn("idempotency_key", other.stderr)

    def test_health_in_text_shows_database_ok(self):
        result = self.ctl("health")
        self.assertExit(result, 0)
        self.assertRegex(result.stdout, r"(?m)^database_ok: +true$")

    def test_health_takes_the_service_by_name_and_refuses_an_unknown_one(self):
        named = self.json_object(self.ctl("--json", "health", "registry"))
        self.assertEqual((named["service"], named["database_ok"]), ("registry", True))
        unknown = self.ctl("health", "bakery")
        self.assertExit(unknown, 2)
        for name in ["registry", "funding", "customs", "reporting"]:
            self.assertIn(name, unknown.stderr)


# ---------------------------------------------------------------------------
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def display_width(text):
    """Columns a terminal gives `text`: two for East Asian wide characters."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def iso(us, zone):
    """`us` microseconds since the epoch as hetaoctl prints it for a person."""
    when = datetime.datetime.fromtimestamp(us // 1000000, zone)
    return when.strftime("%Y-%m-%dT%H:%M:%S") + ("Z" if zone is datetime.timezone.utc else "+08:00")


class PersonOutput(CliTest):
    """What a person reads: tables with a header, aligned key: value lines, enum keys, local ISO times."""

    def test_org_list_prints_an_aligned_table_with_a_header_row_of_key_columns(self):
        wide_name = self.register_api(40, name_en="Aligned-Table", name_zh="表格实验室")
        plain = self.register_api(41, name_en="Aligned-Plain", name_zh=None, kind=R.ORGANIZATION_KIND_UNIVERSITY)
        result = self.ctl("org", "list", "--name-contains", "aligned-")
        self.assertExit(result, 0)
        lines = result.stdout.splitlines()
        self.assertEqual(lines[0].split(), ["ID", "NAME_EN", "NAME_ZH", "KIND", "REGION", "STATUS"])
        rows = {line.split()[0]: line for line in lines[1:]}
        self.assertEqual(set(rows), {wide_name.id, plain.id})
        self.assertEqual(rows[wide_name.id].split()[1:], ["Aligned-Table", "表格实验室", "research_institute",
                                                          "mainland", "active"])
        self.assertEqual(rows[plain.id].split()[1:], ["Aligned-Plain", "-", "university", "mainland", "active"])
        self.assertNotIn("ORGANIZATION_KIND_", result.stdout)
        # Every column starts where its header starts, on screen (Chinese characters are two columns wide).
        for header in ["NAME_ZH", "KIND", "REGION", "STATUS"]:
            start = lines[0].index(header)
            for line in lines[1:]:
                cells = line.split()
                value = {"NAME_ZH": cells[2], "KIND": cells[3], "REGION": cells[4], "STATUS": cells[5]}[header]
                self.assertEqual(display_width(line[:line.index(" " + value) + 1]), start,
                                 "column %s is not aligned:\n%s" % (header, result.stdout))

    def test_org_get_prints_aligned_key_value_lines_with_lower_case_enum_keys(self):
        org = self.register_api(42, name_en="Keyed Lab", sectors=[R.SECTOR_QUANTUM_TECHNOLOGY, R.SECTOR_ROBOTICS])
        result = self.ctl("org", "get", org.id)
        self.assertExit(result, 0)
        lines = result.stdout.splitlines()
        fields = dict(line.split(":", 1) for line in lines)
        self.assertEqual({k: v.strip() for k, v in fields.items() if k in
                          ("id", "kind", "region", "registration_type", "sectors", "status", "version")},
                         {"id": org.id, "kind": "research_institute", "region": "mainland",
                          "registration_type": "uscc", "sectors": "quantum_technology,robotics",
                          "status": "active", "version": "1"})
        starts = {len(line) - len(line.split(":", 1)[1].lstrip()) for line in lines}
        self.assertEqual(len(starts), 1, "values do not start in one column:\n" + result.stdout)
        for prefix in ["ORGANIZATION_KIND_", "REGION_", "SECTOR_", "ORGANIZATION_STATUS_"]:
            self.assertNotIn(prefix, result.stdout)

    def test_times_print_in_asia_shanghai_by_default_and_in_utc_with_the_utc_flag(self):
        org = self.register_api(43)
        raw = self.json_object(self.ctl("--json", "org", "get", org.id))
        self.assertIsInstance(raw["created_at_us"], int, "--json keeps microseconds")
        local = self.ctl("org", "get", org.id)
        self.assertExit(local, 0)
        shanghai = re.escape(iso(raw["created_at_us"], SHANGHAI))
        self.assertRegex(local.stdout, r"(?m)^created_at_us: +%s$" % shanghai)
        self.assertRegex(local.stdout, r"(?m)^updated_at_us: +\S+\+08:00$")
        utc = self.ctl("--utc", "org", "get", org.id)
        self.assertExit(utc, 0)
        in_utc = re.escape(iso(raw["created_at_us"], datetime.timezone.utc))
        self.assertRegex(utc.stdout, r"(?m)^created_at_us: +%s$" % in_utc)
        after = self.ctl("org", "get", org.id, "--utc")
        self.assertEqual(after.stdout, utc.stdout, "--utc after the command works the same")
        for text in (local.stdout, utc.stdout):
            self.assertNotIn(str(raw["created_at_us"]), text, "never bare microseconds")

    def test_audit_table_prints_when_in_iso_8601_never_microseconds(self):
        self.register_api(45)
        records = self.json_objects(self.ctl("--json", "audit"))
        self.assertTrue(records, "the registration is audited")
        result = self.ctl("audit")
        self.assertExit(result, 0)
        lines = result.stdout.splitlines()
        self.assertEqual(lines[0].split(), ["ID", "AT_US", "PRINCIPAL_NAME", "METHOD", "OUTCOME"])
        rows = {line.split()[0]: line.split() for line in lines[1:]}
        for record in records:
            self.assertEqual(rows[str(record["id"])][1], iso(record["at_us"], SHANGHAI))
            self.assertNotIn(str(record["at_us"]), result.stdout)

    def test_o_wide_shows_every_column_and_columns_chooses_them(self):
        org = self.register_api(44, name_en="Wide Lab")
        wide = self.ctl("-o", "wide", "org", "list", "--registration-id", uscc(44))
        self.assertExit(wide, 0)
        header, row = wide.stdout.splitlines()
        self.assertEqual(header.split(), ["ID", "KIND", "NAME_ZH", "NAME_EN", "REGION", "REGISTRATION_TYPE",
                                          "REGISTRATION_ID", "SECTORS", "MAJOR_PLATFORM", "STATUS",
                                          "STATUS_REASON", "VERSION", "CREATED_AT_US", "UPDATED_AT_US"])
        self.assertIn(uscc(44), row.split())
        self.assertRegex(row, r"\+08:00 +\S+\+08:00$")
        after = self.ctl("org", "list", "--registration-id", uscc(44), "-o", "wide")
        self.assertEqual(after.stdout, wide.stdout)
        chosen = self.ctl("--columns", "name_en,version,kind", "org", "list", "--registration-id", uscc(44))
        self.assertExit(chosen, 0)
        self.assertEqual([line.split() for line in chosen.stdout.splitlines()],
                         [["NAME_EN", "VERSION", "KIND"], ["Wide", "Lab", "1", "research_institute"]])
        bad = self.ctl("org", "list", "--columns", "id,colour")
        self.assertExit(bad, 2)
        self.assertIn("--columns", bad.stderr)
        self.assertIn("colour", bad.stderr)
        self.assertIn("registration_id", bad.stderr)
        self.assertExit(self.ctl("-o", "tall", "org", "list"), 2)
        self.assertEqual(self.json_object(self.ctl("-o", "json", "org", "get", org.id))["id"], org.id)


# ---------------------------------------------------------------------------
class EventTail(CliTest):
    """Three registrations made before any test, so sequences 1 to 3 are theirs."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.orgs = [decode(cls.svc.call("registry.RegisterOrganization", org_request(n), key=new_key()),
                           R.OrganizationReply).organization for n in (1, 2, 3)]

    def test_tail_from_seq_1_max_2_prints_sequences_2_and_3(self):
        self.wait_numbered()
        events = self.json_objects(self.ctl("--json", "events", "tail", "--from-seq", "1", "--max", "2"))
        self.assertEqual([e["sequence"] for e in events], [2, 3])
        self.assertEqual([e["aggregate_id"] for e in events], [self.orgs[1].id, self.orgs[2].id])
        self.assertEqual([e["payload"]["organization"]["name_en"] for e in events], ["Hetao Lab 2", "Hetao Lab 3"])
        self.assertTrue(all(e["type"] == "registry.organization.registered" for e in events))

    def test_tail_in_text_prints_sequence_type_and_payload(self):
        self.wait_numbered()
        result = self.ctl("events", "tail", "--from-seq", "0", "--max", "1")
        self.assertExit(result, 0)
        self.assertRegex(result.stdout, r"(?m)^sequence: +1$")
        self.assertRegex(result.stdout, r"(?m)^type: +registry.organization.registered$")
        self.assertIn("Hetao Lab 1", result.stdout)
        self.assertNotRegex(result.stdout, r"(?m)^sequence: +2$")

    def test_tail_of_an_unknown_stream_is_a_usage_error(self):
        self.assertExit(self.ctl("events", "tail", "--stream", "payments", "--max", "1"), 2)

    def tail_one_live_event(self, svc, n):
        """Starts `events tail --max 1` against `svc`, registers organization n through the class's
        service, and returns (the organization, the events printed, seconds from reply to tail's exit)."""
        last = self.wait_numbered()
        command = [HETAOCTL, "--registry-endpoint", svc.endpoint, "--registry-events", svc.events_endpoint,
                   "--cert", svc.admin.public_file, "--registry-server-key", svc.server.public_file,
                   "--json", "events", "tail", "--from-seq", str(last), "--max", "1"]
        tail = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=clean_env())
        try:
            time.sleep(0.5)
            if tail.poll() is not None:
                self.fail("tail exited %d before any new event: %s" % (tail.returncode, tail.communicate()))
            org = decode(self.svc.call("registry.RegisterOrganization", org_request(n + last), key=new_key()),
                         R.OrganizationReply).organization
            started = time.monotonic()
            out, err = tail.communicate(timeout=20)
            waited = time.monotonic() - started
        finally:
            if tail.poll() is None:
                tail.kill()
                tail.wait()
        self.assertEqual(tail.returncode, 0, "tail exited %d: %s" % (tail.returncode, err))
        events = [json.loads(line) for line in out.splitlines() if line.strip()]
        self.assertEqual([(e["sequence"], e["aggregate_id"]) for e in events], [(last + 1, org.id)])
        return org, events, waited

    def test_tail_waits_for_a_live_event_and_prints_it(self):
        _, _, waited = self.tail_one_live_event(self.svc, 100)
        self.assertLess(waited, 5.0, "the live event took %.1f s to arrive" % waited)

    def test_tail_on_a_replica_that_publishes_nothing_learns_of_new_events_from_its_heartbeat(self):
        self.wait_numbered()
        standby = Service("registry", db=self.svc.db, args=("--heartbeat-ms", "200"))
        self.addCleanup(standby.close)
        self.assertFalse(health(standby).streams[0].relay_active, "the second instance must be the standby")
        _, _, waited = self.tail_one_live_event(standby, 200)
        # Its live feed carries no events at all: only a heartbeat (every 0.2 s) can tell it,
        # well before its 5 s silence fallback.
        self.assertLess(waited, 4.0, "the event took %.1f s: the heartbeat was not used" % waited)


class ClientRetries(CliTest):
    """The client library's deadline and Lazy-Pirate retries, through hetaoctl."""

    def test_a_call_made_while_the_service_restarts_succeeds_within_its_deadline(self):
        self.svc.stop()
        command = [HETAOCTL, "--cert", self.svc.admin.public_file,
                   "--registry-server-key", self.svc.server.public_file,
                   "--registry-endpoint", self.svc.endpoint, "--timeout", "15000", "--json",
                   "org", "register", "--name", "Retried Lab", "--kind", "enterprise",
                   "--region", "overseas", "--reg-id", "RETRY-%d" % os.getpid()]
        call = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=clean_env())
        try:
            time.sleep(1.5)
            self.assertIsNone(call.poll(), "hetaoctl gave up while the service was down")
            self.svc.proc = subprocess.Popen(self.svc.cmd, stdout=self.svc.log, stderr=self.svc.log)
            out, err = call.communicate(timeout=20)
        finally:
            if call.poll() is None:
                call.kill()
        self.assertEqual(call.returncode, 0, err)
        self.assertEqual(json.loads(out)["name_en"], "Retried Lab")
        rows = self.svc.db.query("SELECT count(*) FROM organization WHERE name_en = 'Retried Lab'")[0][0]
        self.assertEqual(rows, 1, "the retried registration was stored %d times" % rows)


class KeysPrincipalsAudit(CliTest):
    """hetaoctl keys gen, principal add|list|revoke, audit."""

    def test_keys_gen_writes_a_public_file_and_a_private_secret_file(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "agency.key")
            result = self.ctl("--json", "keys", "gen", "--out", out)
            self.assertExit(result, 0)
            key = json.loads(result.stdout)["public_key"]
            self.assertEqual(len(key), 40)
            with open(out) as f:
                self.assertIn(key, f.read())
            self.assertEqual(os.stat(out + "_secret").st_mode & 0o777, 0o600)
            self.assertExit(self.ctl("keys", "gen", "--out", out), 2)     # never overwrites by accident

    def test_a_principal_added_with_hetaoctl_is_admitted_and_refused_once_revoked(self):
        with tempfile.TemporaryDirectory() as d:
            cert = os.path.join(d, "reader.key")
            self.assertExit(self.ctl("keys", "gen", "--out", cert), 0)
            principals = ["--principals", self.svc.principals_file]
            added = self.ctl(*principals, "principal", "add", "--cert", cert, "--name", "cli-reader",
                             "--roles", "reporting_reader")
            self.assertExit(added, 0)
            # The harness keeps its own list; keep it in step with what hetaoctl wrote.
            with open(self.svc.principals_file) as f:
                self.assertIn("cli-reader", f.read())
            listed = self.ctl(*principals, "--json", "principal", "list")
            self.assertIn("cli-reader", [json.loads(line)["name"] for line in listed.stdout.splitlines()])
            as_reader = self.ctl("--cert", cert, "--json", "org", "list")
            self.assertExit(as_reader, 0)
            denied = self.ctl("--cert", cert, "org", "register", "--name", "X", "--kind", "university",
                              "--region", "hong_kong", "--hk-br", "12345678")
            self.assertExit(denied, 7)
            self.assertIn("PERMISSION_DENIED", denied.stderr)
            self.assertExit(self.ctl(*principals, "principal", "revoke", "cli-reader"), 0)
            refused = self.ctl("--cert", cert, "--timeout", "1500", "org", "list")
            self.assertNotEqual(refused.returncode, 0)
            self.assertExit(self.ctl(*principals, "principal", "revoke", "nobody-of-that-name"), 4)
            bad = self.ctl(*principals, "principal", "add", "--cert", cert, "--name", "x", "--roles", "root")
            self.assertExit(bad, 2)
            self.assertIn("'root' is not a role", bad.stderr)

    def test_principal_remove_deletes_the_line_and_the_key_is_refused(self):
        with tempfile.TemporaryDirectory() as d:
            cert = os.path.join(d, "temp.key")
            self.assertExit(self.ctl("keys", "gen", "--out", cert), 0)
            principals = ["--principals", self.svc.principals_file]
            self.assertExit(self.ctl(*principals, "principal", "add", "--cert", cert, "--name", "cli-temp",
                                     "--roles", "reporting_reader"), 0)
            self.assertExit(self.ctl("--cert", cert, "--json", "org", "list"), 0)
            self.assertExit(self.ctl(*principals, "principal", "revoke", "cli-temp"), 0)
            self.assertExit(self.ctl(*principals, "principal", "remove", "cli-temp"), 0)
            with open(self.svc.principals_file) as f:
                text = f.read()
            self.assertNotIn("cli-temp", text, "the line is still there")
            self.assertIn(" admin ", text, "other principals must stay")
            self.assertNotEqual(self.ctl("--cert", cert, "--timeout", "1500", "org", "list").returncode, 0)
            self.assertExit(self.ctl(*principals, "principal", "remove", "cli-temp"), 4)

    def test_principal_add_refuses_an_applicant_without_an_organization(self):
        with tempfile.TemporaryDirectory() as d:
            cert = os.path.join(d, "applicant.key")
            self.assertExit(self.ctl("keys", "gen", "--out", cert), 0)
            with open(self.svc.principals_file) as f:
                before = f.read()
            refused = self.ctl("--principals", self.svc.principals_file, "principal", "add", "--cert", cert,
                               "--name", "cli-applicant", "--roles", "applicant")
            self.assertExit(refused, 2)
            self.assertIn("--organization", refused.stderr)
            with open(self.svc.principals_file) as f:
                self.assertEqual(f.read(), before)
            org_id = str(uuid.uuid4())
            self.assertExit(self.ctl("--principals", self.svc.principals_file, "principal", "add", "--cert", cert,
                                     "--name", "cli-applicant", "--roles", "applicant", "--organization", org_id), 0)

    def test_audit_shows_who_changed_what(self):
        key = "cli-audit-%d" % os.getpid()
        self.assertExit(self.ctl("--idempotency-key", key, "org", "register", "--name", "Audited Lab",
                                 "--kind", "enterprise", "--region", "overseas", "--reg-id", "AUD-%d" % os.getpid()), 0)
        result = self.ctl("--json", "audit", "--principal", "admin", "--method", "registry.RegisterOrganization")
        self.assertExit(result, 0)
        records = [json.loads(line) for line in result.stdout.splitlines()]
        mine = [r for r in records if r.get("idempotency_key") == key]
        self.assertEqual(len(mine), 1, records)
        self.assertEqual(mine[0]["outcome"], "OK")
        self.assertEqual(mine[0]["principal_name"], "admin")


if __name__ == "__main__":
    unittest.main()
