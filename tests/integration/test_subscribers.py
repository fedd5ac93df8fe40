"""External subscribers: the example subscribers of docs/examples (C, built
with the tree, and Python) and `hetaoctl events tail --stream all` print every
event of the registry's stream once and in order, history and live."""
import json
import os
import subprocess
import unittest

from harness import BUILD, Service, decode, new_key, org_request, registry_pb2

DOCS = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "examples")


class Subscribers(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.registry = Service("registry", workers=2)
        cls.ids = [cls.register(900 + n) for n in range(3)]

    @classmethod
    def tearDownClass(cls):
        cls.registry.close()

    @classmethod
    def register(cls, n):
        return decode(cls.registry.call("registry.RegisterOrganization", org_request(n), key=new_key()),
                      registry_pb2.OrganizationReply).organization.id

    def args(self, count):
        r = self.registry
        return [r.endpoint, r.events_endpoint, r.server.public_file, r.admin.public_file, "registry", "0",
                str(count)]

    def expected(self, ids):
        return ["registry %d registry.organization.registered %s" % (n + 1, i) for n, i in enumerate(ids)]

    def run_live(self, program):
        """Runs `program` (the command before its arguments) for every past event and
        one registered while it runs; returns the lines it printed."""
        past = len(self.ids)
        proc = subprocess.Popen(program + self.args(past + 1), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env=dict(os.environ, PYTHONPATH=os.path.join(BUILD, "gen", "python")))
        try:
            lines = [proc.stdout.readline().strip() for _ in range(past)]
            self.assertEqual(lines, self.expected(self.ids))
            self.ids.append(self.register(900 + len(self.ids)))
            lines.append(proc.stdout.readline().strip())
            proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
        self.assertEqual(proc.returncode, 0, proc.stderr.read())
        proc.stdout.close()
        proc.stderr.close()
        return lines

    def test_the_c_example_prints_history_then_live_events_once_in_order(self):
        lines = self.run_live([os.path.join(BUILD, "bin", "example-subscriber")])
        self.assertEqual(lines, self.expected(self.ids))

    def test_the_python_example_prints_history_then_live_events_once_in_order(self):
        lines = self.run_live(["/usr/bin/python3", os.path.join(DOCS, "subscriber.py")])
        self.assertEqual(lines, self.expected(self.ids))

    def test_events_tail_all_follows_every_running_stream_and_skips_the_others(self):
        out = subprocess.run([os.path.join(BUILD, "bin", "hetaoctl"), "--cert", self.registry.admin.public_file,
                              "--timeout", "1000",
                              "--registry-endpoint", self.registry.endpoint,
                              "--registry-events", self.registry.events_endpoint,
                              "--registry-server-key", self.registry.server.public_file,
                              "--funding-server-key", self.registry.server.public_file,
                              "--customs-server-key", self.registry.server.public_file,
                              "--funding-endpoint", "tcp://127.0.0.1:1", "--customs-endpoint", "tcp://127.0.0.1:1",
                              "--funding-events", "tcp://127.0.0.1:1", "--customs-events", "tcp://127.0.0.1:1",
                              "--json", "events", "tail", "--stream", "all", "--max", "3"],
                             capture_output=True, text=True, timeout=120)
        self.assertEqual(out.returncode, 0, out.stderr)
        events = [json.loads(line) for line in out.stdout.splitlines()]
        self.assertEqual([(e["stream"], e["sequence"]) for e in events], [("registry", n) for n in (1, 2, 3)])
        self.assertEqual([e["aggregate_id"] for e in events], self.ids[:3])


if __name__ == "__main__":
    unittest.main()
