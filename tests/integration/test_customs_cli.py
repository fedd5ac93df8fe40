"""The customs Acceptance sequence through hetaoctl, against the real registry and customs."""
import json
import os
import subprocess
import unittest

from customs_stack import CustomsStack, wait_caught_up
from harness import BUILD, uscc

HETAOCTL = os.path.join(BUILD, "bin", "hetaoctl")
LINE = "hs=382200,desc=Diagnostic reagents,qty=10,unit=kg,value=120000.00,currency=CNY,origin=HK,category=reagents"


class CustomsCli(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stack = CustomsStack()

    @classmethod
    def tearDownClass(cls):
        cls.stack.close()

    def ctl(self, *args):
        registry, customs = self.stack.registry, self.stack.customs
        command = [HETAOCTL, "--cert", customs.admin.public_file,
                   "--registry-endpoint", registry.endpoint, "--registry-server-key", registry.server.public_file,
                   "--customs-endpoint", customs.endpoint, "--customs-server-key", customs.server.public_file]
        env = {k: v for k, v in os.environ.items() if not k.startswith("HETAO_")}
        return subprocess.run(command + list(args), capture_output=True, text=True, timeout=30, env=env)

    def json(self, *args):
        result = self.ctl("--json", *args)
        self.assertEqual(result.returncode, 0, "hetaoctl %s exited %d\n%s%s" % (
            " ".join(args), result.returncode, result.stdout, result.stderr))
        return json.loads(result.stdout.splitlines()[0])

    def org(self):
        # The customs admin's key is not the registry's; register through the API.
        return self.stack.org()

    def test_the_acceptance_sequence(self):
        org = self.org()
        case = self.json("case", "open", "--org", org, "--category", "account_establishment", "--priority", "high",
                         "--description", "Open a customs account for imported reagents")
        got = self.json("case", "get", case["id"])
        self.assertEqual(got["officer"], "registration.desk", got)
        self.assertEqual(got["team"], "enterprise_services")
        self.assertEqual(self.json("case", "triage", case["id"])["status"], "CASE_STATUS_TRIAGED")
        self.assertEqual(self.json("case", "start", case["id"])["status"], "CASE_STATUS_IN_PROGRESS")
        self.assertEqual(self.json("case", "resolve", case["id"], "--note", "Account established")["status"], "CASE_STATUS_RESOLVED")
        self.assertEqual(self.json("case", "close", case["id"])["status"], "CASE_STATUS_CLOSED")
        entry = self.json("whitelist", "add", "--org", org, "--categories", "reagents,instruments",
                          "--from", "2026-01-01", "--until", "2028-01-01")
        self.assertEqual(entry["status"], "WHITELIST_STATUS_ACTIVE")
        declaration = self.json("declaration", "create", "--org", org, "--line", LINE)
        self.assertEqual(declaration["status"], "DECLARATION_STATUS_STORED")
        self.assertEqual(int(declaration["lines"][0]["value_minor"]), 12000000)
        registered = self.json("declaration", "register", declaration["id"])
        self.assertEqual((registered["status"], registered["lane"]), ("DECLARATION_STATUS_REGISTERED", "LANE_GREEN"), registered)
        for bad in ("99", "9999999"):
            result = self.ctl("--json", "declaration", "create", "--org", org, "--line", LINE.replace("382200", bad))
            self.assertEqual(result.returncode, 3, result.stderr)
            self.assertIn("lines[0].hs_code", result.stderr)
        notes = self.ctl("case", "notes", case["id"])
        self.assertEqual(notes.returncode, 0, notes.stderr)
        self.assertIn("Account established", notes.stdout)
        stats = self.ctl("customs", "stats")
        self.assertEqual(stats.returncode, 0, stats.stderr)
        self.assertIn("account_establishment", stats.stdout)

    def test_bad_input_exits_with_its_class_and_names_the_field(self):
        org = self.org()
        result = self.ctl("declaration", "create", "--org", org, "--line", LINE.replace("origin=HK", "origin=XX"))
        self.assertEqual(result.returncode, 3, result.stderr)
        self.assertIn("lines[0].origin_country", result.stderr)
        result = self.ctl("declaration", "create", "--org", org, "--line", LINE.replace("120000.00", "1.001"))
        self.assertEqual(result.returncode, 2, result.stderr)
        result = self.ctl("case", "open", "--org", "0190a3c4-7b1e-7cc2-9d0e-3f6a1b2c3d4e", "--category", "other",
                          "--description", "x")
        self.assertEqual(result.returncode, 4, result.stderr)
        self.assertIn("organization_id", result.stderr)


if __name__ == "__main__":
    unittest.main()
