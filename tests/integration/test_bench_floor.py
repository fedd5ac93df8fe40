"""bench/floor: the pgbench scripts it makes of the runtime's own statements
(read from common/) run without an error, the relay's numbering among them,
and it reports every shape (a one-second round: the figures mean nothing
here, only that the benchmark still runs as the code changes)."""
import os
import subprocess
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


class BenchFloor(unittest.TestCase):
    def test_every_shape_runs_and_is_reported(self):
        env = dict(os.environ, FLOOR_SECONDS="1", FLOOR_ROUNDS="1", FLOOR_CLIENTS="2")
        run = subprocess.run([os.path.join(ROOT, "bench", "floor")], env=env,
                             capture_output=True, text=True, timeout=300)
        self.assertEqual(run.returncode, 0, run.stderr)
        rows = {}
        for line in run.stdout.splitlines():
            cells = [c.strip() for c in line.strip("|").split("|")]
            if line.startswith("| ") and cells[0] not in ("script",):
                rows[cells[0]] = cells[1:]
        self.assertEqual(sorted(rows), ["insert", "one-trip", "rows-only", "service"], run.stdout)
        for name, (rate, rate_ratio, cpu_us, cpu_ratio) in rows.items():
            self.assertGreater(float(rate), 0, name)
            self.assertGreater(float(cpu_us), 0, name)
            self.assertGreater(float(rate_ratio), 0, name)
            self.assertGreater(float(cpu_ratio), 0, name)
        self.assertEqual(rows["insert"][1], "1.00")
        self.assertEqual(rows["insert"][3], "1.00")


if __name__ == "__main__":
    unittest.main()
