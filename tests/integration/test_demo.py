"""The Shenzhen Park demo (deploy/demo/shenzhen_park.py) against the real
registry, funding, customs and reporting: the figures officials quote come
out exactly, and a second load changes nothing."""
import os
import subprocess
import unittest

from harness import BUILD, decode, last_sequence
from hetao.v1 import reporting_pb2
from reporting_stack import ReportingStack

LOADER = os.path.join(os.path.dirname(__file__), "..", "..", "deploy", "demo", "shenzhen_park.py")


class ShenzhenParkDemo(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stack = ReportingStack()
        cls.registry, cls.funding, cls.customs = cls.stack.registry, cls.stack.funding, cls.stack.customs
        cls.reporting = cls.stack.reporting
        # One operator key for every service, as deploy/dev makes it.
        cls.stack.admit_operator(cls.registry.admin)
        cls.env = cls.stack.env(os.environ)
        try:
            cls.first = cls.load()
        except BaseException:
            cls.tearDownClass()         # unittest does not when setUpClass fails
            raise

    @classmethod
    def tearDownClass(cls):
        cls.stack.close()               # reporting with it

    @classmethod
    def load(cls):
        out = subprocess.run(["/usr/bin/python3", LOADER, "--hetaoctl", os.path.join(BUILD, "bin", "hetaoctl")],
                             env=cls.env, capture_output=True, text=True, timeout=500)
        assert out.returncode == 0, out.stdout + out.stderr
        return out.stdout

    def overview(self):
        """({stream: last sequence}, overview) once reporting has applied everything
        the load committed on every stream (the relays number after commit)."""
        positions = self.stack.caught_up()
        o = decode(self.reporting.call("reporting.Overview", reporting_pb2.OverviewRequest()),
                   reporting_pb2.OverviewReply)
        return positions, o

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

    def test_the_demo_gives_customs_cases_the_white_list_and_lanes(self):
        _, o = self.overview()
        # 8 cases: 4 resolved (one of them closed since), 4 open at different steps.
        self.assertEqual((o.customs_cases_open, o.customs_cases_resolved), (4, 4))
        self.assertEqual({c.key: c.count for c in o.customs_cases_open_by_category},
                         {"registration_filing": 2, "account_establishment": 2})
        self.assertEqual({c.key: c.count for c in o.customs_cases_resolved_by_category},
                         {"registration_filing": 2, "account_establishment": 2})
        self.assertEqual(o.customs_deadline_breaches, 0)        # the first deadline is hours away
        self.assertTrue(o.HasField("customs_median_resolution_s"))
        # Six research institutes white-listed; four declarations, customs drawing no
        # random inspection here: two white-listed goods green, one biological risk red,
        # one of a university not on the list yellow.
        self.assertEqual(o.whitelisted_organizations, 6)
        self.assertEqual({c.key: c.count for c in o.declarations_by_lane}, {"green": 2, "red": 1, "yellow": 1})

    def test_a_second_load_changes_nothing(self):
        positions, before = self.overview()
        self.load()
        for name, service in self.stack.sources().items():
            self.assertEqual(last_sequence(service, name), positions[name], "the second load wrote %s events" % name)
        _, after = self.overview()
        before.ClearField("as_of")
        after.ClearField("as_of")
        self.assertEqual(before, after)


if __name__ == "__main__":
    unittest.main()
