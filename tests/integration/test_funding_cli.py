"""The funding Acceptance sequence of hetaoctl, against a real registry and funding
service: decimal amounts in and out, exit codes, and the ledger check."""
import json
import os
import subprocess
import unittest

from funding_stack import FundingStack
from harness import ALL_ROLES, BUILD

HETAOCTL = os.path.join(BUILD, "bin", "hetaoctl")


class Acceptance(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stack = FundingStack(workers=2)
        # One operator key for both services, as deploy/dev makes it.
        cls.operator = cls.stack.registry.admin
        cls.stack.funding.admit(cls.operator, "operator", ALL_ROLES + ",reviewer")

    @classmethod
    def tearDownClass(cls):
        cls.stack.close()

    def ctl(self, *args):
        registry, funding = self.stack.registry, self.stack.funding
        command = [HETAOCTL, "--cert", self.operator.public_file,
                   "--registry-endpoint", registry.endpoint, "--registry-server-key", registry.server.public_file,
                   "--funding-endpoint", funding.endpoint, "--funding-server-key", funding.server.public_file,
                   "--json"] + list(args)
        env = {k: v for k, v in os.environ.items() if not k.startswith("HETAO_")}
        return subprocess.run(command, capture_output=True, text=True, timeout=30, env=env)

    def ok(self, *args):
        result = self.ctl(*args)
        self.assertEqual(result.returncode, 0, "hetaoctl %s exited %d\n%s%s" % (
            " ".join(args), result.returncode, result.stdout, result.stderr))
        return json.loads(result.stdout)

    def approved_application(self, call, org, project, amount, breakdown):
        application = self.ok("application", "create", "--call", call, "--org", org, "--project", project,
                              "--amount", amount, "--breakdown", breakdown)["id"]
        self.ok("application", "submit", application)
        review = self.ok("application", "review", application, "--score", "9", "--comment", "strong")
        self.assertEqual(review["score"], 9)
        approved = self.ok("application", "approve", application)
        self.assertEqual(approved["status"], "APPLICATION_STATUS_APPROVED")
        return application

    def test_the_acceptance_sequence_of_issue_8(self):
        org = self.ok("org", "register", "--name", "Hetao HK University Research Office", "--kind", "university",
                      "--region", "hong_kong", "--hk-br", "31415926")["id"]
        project = self.stack.project(org)
        programme = self.ok("programme", "create", "--name", "Guangdong-Hong Kong S&T Cooperation Fund",
                            "--agency", org, "--currency", "CNY", "--budget", "370000000.00",
                            "--from", "2026-01-01", "--until", "2031-01-01")
        self.assertEqual(programme["budget"]["amount"], "370000000.00")
        self.assertEqual(programme["budget"]["minor_units"], 37000000000)
        call = self.ok("call", "open", "--programme", programme["id"], "--name", "2027 round",
                       "--from", "2026-01-01T00:00:00Z", "--until", "2030-01-01T00:00:00Z")["id"]
        breakdown = "personnel=100000000.00,equipment=85000000.00"
        first = self.approved_application(call, org, project, "185000000.00", breakdown)
        tranches = "2027-01-01=92500000.00,2028-01-01=92500000.00"
        award = self.ok("award", "make", "--application", first, "--amount", "185000000.00",
                        "--tranches", tranches)
        self.assertEqual([t["amount"]["amount"] for t in award["tranches"]], ["92500000.00", "92500000.00"])
        second = self.approved_application(call, org, project, "185000000.00", breakdown)
        self.ok("award", "make", "--application", second, "--amount", "185000000.00", "--tranches", tranches)
        third = self.approved_application(call, org, project, "0.01", "other=0.01")
        refused = self.ctl("award", "make", "--application", third, "--amount", "0.01",
                           "--tranches", "2027-01-01=0.01")
        self.assertEqual(refused.returncode, 6, refused.stderr)
        self.assertIn("amount", refused.stderr)
        disbursement = self.ok("disbursement", "request", "--award", award["id"], "--amount", "1000000.00",
                               "--payee-currency", "HKD", "--rate", "1.0856")
        self.assertEqual((disbursement["payee_currency"], disbursement["rate"], disbursement["payee_amount"]["amount"]),
                         ("HKD", "1.0856", "1085600.00"))
        check = self.ok("funding", "ledger-check")
        self.assertEqual((check["balanced"], check["budget"], check["committed"]),
                         (True, "370000000.00", "370000000.00"))
        # Decimal input is refused before anything is sent when it is not an amount.
        bad = self.ctl("programme", "create", "--name", "x", "--agency", org, "--budget", "1.001",
                       "--from", "2026-01-01", "--until", "2027-01-01")
        self.assertEqual(bad.returncode, 2, bad.stderr)
        self.assertIn("--budget", bad.stderr)



class Breach(Acceptance):
    """Its own stack: the breach it makes must not meet the acceptance's check."""

    test_the_acceptance_sequence_of_issue_8 = None

    def test_ledger_check_exits_non_zero_on_a_breach(self):
        programme, award = self.stack.funded(1_000)
        self.stack.funding.db.query("ALTER TABLE award DROP CONSTRAINT IF EXISTS award_not_overpaid")
        self.stack.funding.db.query("UPDATE award SET paid = 5000 WHERE id = %s", (award.id,))
        result = self.ctl("funding", "ledger-check", "--programme", programme.id)
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        self.assertIn("award_overpaid", result.stdout)


if __name__ == "__main__":
    unittest.main()
