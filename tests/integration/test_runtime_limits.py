"""The runtime's limits: timeouts, bounded shutdown, Health under a blocked database, signals,
the open file limit, and a principals file taken only when whole.

Outside sessions (psycopg2) hold the organization's ordering lock, the lock
a change waits for, to block the service's workers at will.
"""
import os
import re
import resource
import signal
import subprocess
import time
import unittest

import psycopg2

from harness import (Database, Service, Status, decode, envelope_pb2, health, new_key, org_request,
                     registry_pb2, system_pb2, wait_for)

R = registry_pb2
UPDATE = "registry.UpdateOrganization"


class Blocking:
    """Helpers for a service whose updates are blocked by an outside session."""

    def start(self, **kwargs):
        svc = Service("registry", **kwargs)
        self.addCleanup(svc.close)
        return svc

    def register(self, svc, n):
        return decode(svc.call("registry.RegisterOrganization", org_request(n), key=new_key()),
                      R.OrganizationReply).organization

    def hold_lock(self, svc, org_id):
        """An outside transaction holding the organization's ordering lock until closed."""
        conn = psycopg2.connect(svc.db.dsn)
        self.addCleanup(conn.close)
        with conn.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", ("organization:" + org_id,))
        return conn

    def send_update(self, svc, org_id, name="Blocked"):
        """Sends an update on a new DEALER without waiting; returns (client, request id)."""
        client = svc.client()
        self.addCleanup(client.close)
        request_id = new_key()
        request = envelope_pb2.Request(request_id=request_id, method=UPDATE, idempotency_key=new_key(),
                                       payload=R.UpdateOrganizationRequest(id=org_id, name_en=name)
                                       .SerializeToString())
        client.send_frame(request.SerializeToString())
        return client, request_id

    def waiting(self, svc):
        return svc.db.query("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")[0][0]


class Timeouts(Blocking, unittest.TestCase):

    def test_an_update_waiting_longer_than_the_lock_timeout_is_unavailable_and_changes_nothing(self):
        svc = self.start(args=("--lock-timeout-ms", "300"))
        org = self.register(svc, 1)
        self.hold_lock(svc, org.id)
        client, request_id = self.send_update(svc, org.id)
        reply = envelope_pb2.Reply.FromString(client.recv_frame(timeout=20))
        self.assertEqual(reply.request_id, request_id)
        self.assertEqual(Status.Name(reply.status), "UNAVAILABLE", reply.message)
        self.assertIn("lock timeout", reply.message)
        self.assertEqual(svc.db.query("SELECT version FROM organization WHERE id = %s", (org.id,)), [(1,)])
        self.assertEqual(svc.db.query("SELECT count(*) FROM ht_outbox WHERE aggregate_id = %s", (org.id,)), [(1,)])

    def test_a_read_running_longer_than_the_statement_timeout_is_unavailable(self):
        svc = self.start(args=("--statement-timeout-ms", "300", "--lock-timeout-ms", "0"))
        org = self.register(svc, 4)
        conn = psycopg2.connect(svc.db.dsn)
        self.addCleanup(conn.close)
        with conn.cursor() as cur:          # the read waits for the table; only the statement timeout ends it
            cur.execute("LOCK TABLE organization IN ACCESS EXCLUSIVE MODE")
        reply = svc.call("registry.GetOrganization", R.GetOrganizationRequest(id=org.id), timeout=20)
        self.assertEqual(Status.Name(reply.status), "UNAVAILABLE", reply.message)
        self.assertIn("statement timeout", reply.message)
        conn.rollback()
        self.assertEqual(svc.call("registry.GetOrganization", R.GetOrganizationRequest(id=org.id)).status, Status.OK)


class BlockedDatabase(Blocking, unittest.TestCase):

    def test_health_answers_while_every_worker_waits_on_a_lock(self):
        svc = self.start(workers=2)
        org = self.register(svc, 2)
        self.hold_lock(svc, org.id)
        for i in range(4):                  # two block the workers, two wait behind them
            self.send_update(svc, org.id, "Blocked %d" % i)
        self.assertTrue(wait_for(lambda: self.waiting(svc) == 2, seconds=10), "the workers never blocked")
        started = time.monotonic()
        reply = health(svc, timeout=10)
        self.assertTrue(reply.database_ok)
        self.assertLess(time.monotonic() - started, 10)

    def test_sigterm_while_a_worker_waits_on_a_lock_cancels_it_at_the_end_of_the_grace_period(self):
        svc = self.start(workers=2, args=("--shutdown-grace-ms", "1000", "--lock-timeout-ms", "600000",
                                          "--statement-timeout-ms", "600000"))
        org = self.register(svc, 3)
        self.hold_lock(svc, org.id)
        client, request_id = self.send_update(svc, org.id)
        self.assertTrue(wait_for(lambda: self.waiting(svc) == 1, seconds=10), "the update never blocked")
        svc.proc.send_signal(signal.SIGTERM)
        try:
            code = svc.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.fail("the service still runs 30 s after SIGTERM with a 1 s grace period:\n" + svc.log_text())
        log = svc.log_text()
        self.assertEqual(code, 0, log)
        self.assertIn("grace period over", log)
        self.assertIn('"stopped"', log)
        reply = envelope_pb2.Reply.FromString(client.recv_frame(timeout=5))
        self.assertEqual(reply.request_id, request_id)
        self.assertEqual(Status.Name(reply.status), "UNAVAILABLE", reply.message)
        self.assertEqual(svc.db.query("SELECT version FROM organization WHERE id = %s", (org.id,)), [(1,)])


class Signals(unittest.TestCase):

    def setUp(self):
        self.db = Database()
        self.addCleanup(self.db.close)

    def test_closing_the_pipe_that_reads_stderr_does_not_kill_the_service(self):
        svc = Service("registry", db=self.db, wait=False)
        svc.proc.kill()
        svc.proc.wait()
        proc = subprocess.Popen(svc.cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        svc.proc = proc
        self.addCleanup(svc.close)
        svc.wait_healthy()
        proc.stderr.close()                 # nobody reads the log any more
        for n in range(3):                  # each request writes a log line
            reply = svc.call("registry.RegisterOrganization", org_request(10 + n), key=new_key())
            self.assertEqual(reply.status, Status.OK, reply.message)
        self.assertIsNone(proc.poll(), "the service died when its stderr pipe closed")
        self.assertTrue(health(svc).database_ok)

    def test_sighup_reloads_the_principals_and_the_log_level_and_keeps_running(self):
        level_file = "/tmp/hetao-%s.level" % self.db.name
        with open(level_file, "w") as f:
            f.write("info\n")
        self.addCleanup(os.unlink, level_file)
        svc = Service("registry", db=self.db, args=("--log-level-file", level_file))
        self.addCleanup(svc.close)
        with open(level_file, "w") as f:
            f.write("debug\n")
        svc.proc.send_signal(signal.SIGHUP)
        self.assertTrue(wait_for(lambda: "log level is now debug" in svc.log_text(), seconds=10), svc.log_text())
        self.assertIn("principals: reloaded", svc.log_text())
        health(svc)                         # a new connection: the ZAP handler logs it at debug
        self.assertTrue(wait_for(lambda: re.search(r'"level":"debug".*admitted', svc.log_text()), seconds=10),
                        "no debug line after the level changed:\n" + svc.log_text())
        self.assertIsNone(svc.proc.poll(), "SIGHUP killed the service")
        self.assertTrue(health(svc).database_ok, svc.log_text())

    def test_the_open_file_limit_is_raised_to_the_hard_limit(self):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        low = min(256, hard)
        svc = Service("registry", db=self.db, wait=False)
        svc.proc.kill()
        svc.proc.wait()
        svc.proc = subprocess.Popen(svc.cmd, stdout=svc.log, stderr=svc.log,
                                    preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (low, hard)))
        self.addCleanup(svc.close)
        svc.wait_healthy()
        with open("/proc/%d/limits" % svc.proc.pid) as f:
            line = next(l for l in f if l.startswith("Max open files"))
        service_soft, service_hard = line.split()[3:5]
        self.assertEqual(service_soft, str(hard), line)
        self.assertEqual(service_hard, str(hard), line)


class PrincipalsFile(unittest.TestCase):

    def setUp(self):
        self.svc = Service("registry")
        self.addCleanup(self.svc.close)

    def overwrite(self, text):
        """Writes the file in place, as an editor without atomic rename would."""
        with open(self.svc.principals_file, "w") as f:
            f.write(text)
        os.utime(self.svc.principals_file, ns=(time.time_ns(), time.time_ns()))

    def test_an_empty_principals_file_keeps_the_last_good_list(self):
        self.overwrite("")
        self.assertTrue(health(self.svc).database_ok, "the admin was locked out by an empty file")
        self.assertTrue(wait_for(lambda: "lists no principal" in self.svc.log_text(), seconds=5),
                        self.svc.log_text())
        self.svc.proc.send_signal(signal.SIGHUP)        # a forced reload keeps it too
        self.assertEqual(self.svc.call("system.Health", system_pb2.HealthRequest()).status, Status.OK)

    def test_a_principals_file_with_a_broken_line_keeps_the_last_good_list_and_names_the_line(self):
        with open(self.svc.principals_file) as f:
            good = f.read()
        self.overwrite(good + "not-a-key someone - park_admin active\n")
        self.assertEqual(self.svc.call("system.Health", system_pb2.HealthRequest()).status, Status.OK)
        self.assertTrue(wait_for(lambda: "line 2" in self.svc.log_text(), seconds=5), self.svc.log_text())
        # A whole file is taken again.
        newcomer = self.svc.add_principal("newcomer", "reporting_reader")
        self.assertEqual(self.svc.call("system.Health", system_pb2.HealthRequest(), keys=newcomer).status,
                         Status.OK)


if __name__ == "__main__":
    unittest.main()
