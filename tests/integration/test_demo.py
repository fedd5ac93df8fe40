"""The Shenzhen Park demo (deploy/demo/shenzhen_park.py) against the real
registry and reporting: the figures officials quote come out exactly, and a
second load changes nothing."""
import os
import subprocess
import unittest

from harness import BUILD, Service, decode, last_sequence, wait_caught_up
from hetao.v1 import reporting_pb2

LOADER = os.path.join(os.path.dirname(__file__), "..", "..", "deploy", "demo", "shenzhen_park.py")


class ShenzhenParkDemo(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.registry = Service("registry", workers=2)
        cls.reporting = Service("reporting", workers=2, sources={"registry": cls.registry})
        cls.env = dict(os.environ, HETAO_CERT=cls.registry.admin.public_file,
                       HETAO_REGISTRY_ENDPOINT=cls.registry.endpoint,
                       HETAO_REGISTRY_EVENTS=cls.registry.events_endpoint,
                       HETAO_REGISTRY_SERVER_KEY=cls.registry.server.public_file)
        cls.first = cls.load()

    @classmethod
    def tearDownClass(cls):
        cls.reporting.close()
        cls.registry.close()

    @classmethod
    def load(cls):
        out = subprocess.run(["/usr/bin/python3", LOADER, "--hetaoctl", os.path.join(BUILD, "bin", "hetaoctl")],
                             env=cls.env, capture_output=True, text=True, timeout=500)
        assert out.returncode == 0, out.stdout + out.stderr
        return out.stdout

    def overview(self):
        sequence = wait_caught_up(self.reporting, self.registry, "registry", seconds=60)
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

    def test_a_second_load_changes_nothing(self):
        sequence, before = self.overview()
        self.load()
        self.assertEqual(last_sequence(self.registry), sequence, "the second load wrote events")
        _, after = self.overview()
        before.ClearField("as_of")
        after.ClearField("as_of")
        self.assertEqual(before, after)


if __name__ == "__main__":
    unittest.main()
