"""The Shenzhen Park demo (deploy/demo/shenzhen_park.py) against the real
registry and reporting: the figures officials quote come out exactly, and a
second load changes nothing."""
import os
import subprocess
import time
import unittest

from funding_stack import FundingStack
from harness import ALL_ROLES, BUILD, Service, decode, last_sequence, wait_caught_up
from hetao.v1 import reporting_pb2

LOADER = os.path.join(os.path.dirname(__file__), "..", "..", "deploy", "demo", "shenzhen_park.py")


class ShenzhenParkDemo(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stack = FundingStack(workers=2)
        cls.registry, cls.funding = cls.stack.registry, cls.stack.funding
        cls.reporting = Service("reporting", workers=2, sources={"registry": cls.registry, "funding": cls.funding})
        # One operator key for every service, as deploy/dev makes it.
        cls.funding.admit(cls.registry.admin, "operator", ALL_ROLES + ",reviewer")
        cls.env = dict(os.environ, HETAO_CERT=cls.registry.admin.public_file)
        for name, service in (("REGISTRY", cls.registry), ("FUNDING", cls.funding)):
            cls.env.update({"HETAO_%s_ENDPOINT" % name: service.endpoint,
                            "HETAO_%s_EVENTS" % name: service.events_endpoint,
                            "HETAO_%s_SERVER_KEY" % name: service.server.public_file})
        cls.first = cls.load()

    @classmethod
    def tearDownClass(cls):
        cls.reporting.close()
        cls.stack.close()

    @classmethod
    def load(cls):
        out = subprocess.run(["/usr/bin/python3", LOADER, "--hetaoctl", os.path.join(BUILD, "bin", "hetaoctl")],
                             env=cls.env, capture_output=True, text=True, timeout=500)
        assert out.returncode == 0, out.stdout + out.stderr
        return out.stdout

    def overview(self):
        """(registry sequence, overview) once both sources have numbered everything the
        load committed (the relays number after commit) and reporting applied it all."""
        positions = None
        for _ in range(120):
            now = (last_sequence(self.registry), last_sequence(self.funding, "funding"))
            if now == positions:
                break
            positions = now
            time.sleep(1)
        wait_caught_up(self.reporting, self.funding, "funding", events=positions[1], seconds=60)
        sequence = wait_caught_up(self.reporting, self.registry, "registry", events=positions[0], seconds=60)
        o = decode(self.reporting.call("reporting.Overview", reporting_pb2.OverviewRequest()),
                   reporting_pb2.OverviewReply)
        return sequence, o

    def test_the_demo_gives_the_figures_officials_quote(self):
        _, o = self.overview()
        self.assertEqual(o.major_platforms, 10)
        self.assertEqual(o.hk_university_projects, 10)
        self.assertGreaterEqual(o.projects_total, 150)
        self.assertEqual(o.projects_high_end, 160)
        self.assertEqual({c.key: c.count for c in o.projects_high_end_by_sector},
                         {"information_technology": 53, "quantum_technology": 54, "biopharmaceuticals": 53})
        self.assertEqual(o.facility_hours_hk_macao, 48 + 24 + 36 + 12 + 24 + 16)
        self.assertEqual(o.industrial_parks_operating, 11)
        self.assertEqual(o.space_prepared_m2_x100, 800000 * 100)
        self.assertEqual(o.space_allocated_m2_x100, 160000 * 100)
        self.assertEqual(o.funds_budget_cny_fen, 370_000_000_00)
        self.assertEqual(o.funds_committed_cny_fen, 370_000_000_00)
        self.assertEqual(o.funds_paid_cny_fen, 4 * 18_500_000_00)
        self.assertEqual(o.funds_paid_cross_boundary_cny_fen, 4 * 18_500_000_00)

    def test_a_second_load_changes_nothing(self):
        sequence, before = self.overview()
        self.load()
        funding = last_sequence(self.funding, "funding")
        self.assertEqual(last_sequence(self.registry), sequence, "the second load wrote events")
        self.assertEqual(last_sequence(self.funding, "funding"), funding, "the second load wrote events")
        _, after = self.overview()
        before.ClearField("as_of")
        after.ClearField("as_of")
        self.assertEqual(before, after)


if __name__ == "__main__":
    unittest.main()
