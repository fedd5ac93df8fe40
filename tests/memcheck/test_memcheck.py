#!/usr/bin/python3
"""valgrind memcheck of every service process under a scripted workload
through the protocol: the registry, funding, customs and reporting run
together under memcheck (tests/park_stack.py), serve each service's main
writes and reads, refusals of hostile frames and an idempotent replay, and
stop on SIGTERM; the web dashboard too, under memcheck, serving its pages
and figures from reporting. Each must report no invalid access and nothing definitely
or indirectly lost (valgrind's exit code, --error-exitcode, and its
summary). Suppressions are only for third-party libraries, each with its
reason, in tests/memcheck/hetao.supp.
"""
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import unittest
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from harness import BUILD, Keys, Service, Status, envelope_pb2, free_port, new_key, org_request, wait_for  # noqa: E402
from park_stack import ParkClient, ParkStack, SERVICES  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ERROR_EXIT = 99
ROUNDS = 2                      # times through every step of the workload


def valgrind(log_dir):
    return ["valgrind", "--tool=memcheck", "--error-exitcode=%d" % ERROR_EXIT, "--leak-check=full",
            "--show-leak-kinds=definite,indirect", "--errors-for-leak-kinds=definite,indirect",
            "--num-callers=40", "--suppressions=" + os.path.join(HERE, "hetao.supp"),
            "--log-file=" + os.path.join(log_dir, "%p.log")]


def leaks(text, kind):
    """Bytes `kind` ("definitely", "indirectly") lost, from a memcheck log."""
    found = re.search(r"%s lost: ([\d,]+) bytes" % kind, text)
    return int(found.group(1).replace(",", "")) if found else 0


class Memcheck(unittest.TestCase):
    def test_every_service_under_a_scripted_workload_leaks_nothing_and_touches_no_invalid_memory(self):
        log_dir = tempfile.mkdtemp(prefix="hetao-memcheck-")
        Service.wrapper, Service.start_seconds = valgrind(log_dir), 300
        stack = ParkStack(workers=2)
        dashboard = None
        try:
            client = ParkClient(stack, 0, timeout=60)
            for _ in range(ROUNDS):
                for step in ParkClient.STEPS:
                    client.step(step)
            self.assertEqual(client.errors, [], "the workload met errors")
            self.refusals(stack, client)
            client.close()
            dashboard = self.dashboard(stack, log_dir)
            # Stopped as in production, followers before their sources; each
            # process then runs memcheck's leak check.
            dashboard.send_signal(signal.SIGTERM)
            codes = {"dashboard": dashboard.wait(300)}
            codes.update({name: stack.services()[name].stop(timeout=300) for name in reversed(SERVICES)})
        finally:
            if dashboard is not None and dashboard.poll() is None:
                dashboard.kill()
                dashboard.wait()
            stack.close()
            Service.wrapper, Service.start_seconds = (), 20

        pids = {name: svc.proc.pid for name, svc in stack.services().items()}
        pids["dashboard"] = dashboard.pid
        reports = {}
        for name, pid in pids.items():
            with open(os.path.join(log_dir, "%d.log" % pid), errors="replace") as f:
                reports[name] = f.read()
        passed = False
        try:
            for name, text in reports.items():
                summary = re.search(r"ERROR SUMMARY: (\d+) errors", text)
                self.assertIsNotNone(summary, "%s: memcheck wrote no summary:\n%s" % (name, text[-3000:]))
                self.assertEqual((codes[name], int(summary.group(1)), leaks(text, "definitely"),
                                  leaks(text, "indirectly")), (0, 0, 0, 0),
                                 "%s: exit code, errors, definitely and indirectly lost bytes:\n%s"
                                 % (name, text[-6000:]))
            passed = True
        finally:
            if passed:
                shutil.rmtree(log_dir, ignore_errors=True)
            else:
                print("memcheck logs kept in " + log_dir, file=sys.stderr)

    def dashboard(self, stack, log_dir):
        """hetao-dashboard under memcheck, once it has served every page and
        API of the park's figures to a local browser (no token needed)."""
        keys = Keys(stack.reporting.keydir, "dashboard")
        stack.reporting.admit(keys, "dashboard", "reporting_reader")
        port = free_port()
        proc = subprocess.Popen(Service.wrapper + [
            os.path.join(BUILD, "bin", "hetao-dashboard"), "--listen", "127.0.0.1:%d" % port,
            "--reporting-endpoint", stack.reporting.endpoint,
            "--reporting-server-key", stack.reporting.server.public_file,
            "--curve-cert", keys.public_file, "--tokens", os.path.join(log_dir, "dashboard_tokens")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

        def get(path):
            try:
                with urllib.request.urlopen("http://127.0.0.1:%d%s" % (port, path), timeout=60) as reply:
                    return reply.status
            except urllib.error.HTTPError as error:
                return error.code
            except OSError:
                return None
        if not wait_for(lambda: get("/healthz") == 200, seconds=300, interval=0.5):
            proc.kill()
            proc.wait()
            self.fail("the dashboard did not answer /healthz under memcheck")
        for path in ["/", "/app.js", "/style.css", "/api/overview", "/api/funding", "/api/space"]:
            self.assertEqual(get(path), 200, path)
        self.assertEqual(get("/nothing"), 404)
        return proc

    def refusals(self, stack, client):
        """Hostile and repeated requests, each answered as the protocol says."""
        registry = client.clients["registry"]
        # A frame that is no envelope at all.
        self.assertEqual(registry.exchange(b"\xff\x00garbage", timeout=60).status, Status.INVALID_ARGUMENT)
        # A method nobody has, and a payload of another method.
        self.assertEqual(registry.call("registry.NoSuchMethod", b"", timeout=60).status, Status.UNIMPLEMENTED)
        reply = registry.call("registry.RegisterOrganization", b"\x0a\x03abc\xff", key=new_key(), timeout=60)
        self.assertEqual(reply.status, Status.INVALID_ARGUMENT)
        # The same request twice with one key: the stored reply, once.
        request, key = org_request(990_001), new_key()
        first = registry.call("registry.RegisterOrganization", request, key=key, timeout=60)
        again = registry.call("registry.RegisterOrganization", request, key=key, timeout=60)
        self.assertEqual((first.status, again.status, again.replayed, again.payload),
                         (Status.OK, Status.OK, True, first.payload))
        # An envelope without a request id, to funding and customs too.
        for name in ("funding", "customs", "reporting"):
            frame = envelope_pb2.Request(method=name + ".Anything").SerializeToString()
            self.assertEqual(client.clients[name].exchange(frame, timeout=60).status, Status.INVALID_ARGUMENT)


if __name__ == "__main__":
    unittest.main()
