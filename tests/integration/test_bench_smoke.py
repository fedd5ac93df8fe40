"""The load generator: a one-second run of each hetao-bench method against a
registry, funding and customs completes requests without a single error
(the benchmark itself, bench/run, is a report and runs on its own)."""
import json
import os
import subprocess
import time
import unittest

from harness import ALL_ROLES, BUILD, Service, decode
from hetao.v1 import funding_pb2 as F  # noqa: E402  (path set by harness)


class BenchSmoke(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.registry = Service("registry", workers=2, args=["--rate-limit", "0"])
        cls.services = [cls.registry]
        try:
            for name in ("funding", "customs"):
                svc = Service(name, workers=2, sources={"registry": cls.registry}, args=["--rate-limit", "0"])
                cls.services.append(svc)
                # One principal drives every service, as in bench/run.
                svc.admit(cls.registry.admin, "bench", ALL_ROLES)
            cls.funding, cls.customs = cls.services[1], cls.services[2]
            cls.reviewer = cls.funding.add_principal("reviewer-outside", "reviewer")
        except Exception:
            for svc in cls.services:
                svc.close()
            raise

    @classmethod
    def tearDownClass(cls):
        for svc in reversed(cls.services):
            svc.close()

    def bench(self, method, service, *args):
        """Runs hetao-bench --method `method` on `service` for one second; its JSON result."""
        cmd = [os.path.join(BUILD, "bin", "hetao-bench"), "--method", method, "--clients", "4",
               "--seconds", "1", "--warmup", "0", "--json",
               "--endpoint", service.endpoint, "--server-key", service.server.public_file,
               "--cert", self.registry.admin.public_file,
               "--registry-endpoint", self.registry.endpoint,
               "--registry-server-key", self.registry.server.public_file] + list(args)
        run = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        self.assertEqual(run.returncode, 0, "hetao-bench %s exited %d:\n%s" % (method, run.returncode, run.stderr))
        result = json.loads(run.stdout)
        self.assertGreater(result["requests"], 0, run.stderr)
        self.assertEqual(result["errors"], 0, run.stderr)
        self.assertEqual(result["errors_by_status"], {}, run.stderr)
        return result

    def test_register_and_get_complete_requests_without_errors(self):
        self.bench("register", self.registry)
        self.bench("get", self.registry, "--preload", "20")

    def test_award_and_disburse_complete_requests_and_the_ledger_balances(self):
        self.bench("award", self.funding, "--preload", "60", "--reviewer-cert", self.reviewer.public_file)
        result = self.bench("disburse", self.funding, "--reviewer-cert", self.reviewer.public_file)
        # Request, approve and pay in turn: at least one whole cycle.
        self.assertGreaterEqual(result["all_requests"], 3)
        check = decode(self.funding.call("funding.LedgerCheck", F.LedgerCheckRequest()), F.LedgerCheckReply)
        self.assertTrue(check.balanced, [(b.rule, b.detail) for b in check.breaches])
        self.assertGreater(check.entries_checked, 0)

    def test_award_without_a_reviewer_is_refused_before_any_load(self):
        run = subprocess.run([os.path.join(BUILD, "bin", "hetao-bench"), "--method", "award",
                              "--endpoint", self.funding.endpoint, "--server-key", self.funding.server.public_file,
                              "--cert", self.registry.admin.public_file, "--seconds", "1"],
                             capture_output=True, text=True, timeout=30)
        self.assertEqual(run.returncode, 1)
        self.assertIn("--reviewer-cert", run.stderr)

    def test_open_case_and_get_case_complete_requests_without_errors(self):
        self.bench("open-case", self.customs)
        self.bench("get-case", self.customs, "--preload", "20")

    def test_events_arrive_for_every_registration_sent_in_the_window(self):
        arrivals = os.path.join(self.registry.keydir, "arrivals.csv")
        result = self.bench("events", self.registry, "--rate", "200", "--events-endpoint",
                            self.registry.events_endpoint, "--arrivals", arrivals)
        self.assertGreater(result["events_expected"], 0)
        self.assertEqual(result["events_received"], result["events_expected"])
        self.assertGreaterEqual(result["commit_p99_ms"], result["commit_p50_ms"])
        # --arrivals: one line per event counted, each a sequence the registry
        # numbered and a wall-clock arrival after the run began.
        with open(arrivals) as f:
            lines = [tuple(int(v) for v in line.split(",")) for line in f]
        self.assertEqual(len(lines), result["events_received"])
        sequences = [seq for seq, _ in lines]
        self.assertEqual(len(set(sequences)), len(sequences))
        numbered = self.registry.db.query("SELECT max(seq) FROM ht_outbox_seq WHERE stream = 'registry'")[0][0]
        self.assertTrue(all(0 < seq <= numbered for seq in sequences))
        started_us = (time.time() - 60) * 1e6
        self.assertTrue(all(started_us < at_us <= time.time() * 1e6 for _, at_us in lines))


if __name__ == "__main__":
    unittest.main()
