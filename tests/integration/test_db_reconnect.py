"""The database connection: lost connections are reopened, nothing half-done.

pg_terminate_backend cuts every connection of the service (workers and relay)
as a database restart or a network cut would.
"""
import time
import unittest

from harness import (ServiceTest, Status, decode, new_key, org_request, read_events, registry_pb2, system_pb2,
                     wait_for)


class DatabaseReconnect(ServiceTest):
    workers = 2

    def cut_connections(self):
        return self.svc.db.query(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()")[0][0]

    def register_until_ok(self, n, seconds=15):
        """Registers with one idempotency key, retrying as a client should; the final reply."""
        key = new_key()
        deadline = time.monotonic() + seconds
        while True:
            reply = self.svc.call("registry.RegisterOrganization", org_request(n), key=key)
            if reply.status == Status.OK or time.monotonic() > deadline:
                return reply
            self.assertIn(reply.status, (Status.UNAVAILABLE,), reply.message)
            time.sleep(0.1)

    def test_the_service_reconnects_after_its_connections_are_cut(self):
        decode(self.register_until_ok(1), registry_pb2.OrganizationReply)
        self.assertGreaterEqual(self.cut_connections(), 1)
        # A worker finds its connection dead before anything is committed,
        # opens a new one and runs the request again: the client sees OK.
        org = decode(self.svc.call("registry.RegisterOrganization", org_request(2), key=new_key()),
                     registry_pb2.OrganizationReply).organization
        self.cut_connections()
        got = decode(self.svc.call("registry.GetOrganization", registry_pb2.GetOrganizationRequest(id=org.id)),
                     registry_pb2.OrganizationReply).organization
        self.assertEqual(got.registration_id, org.registration_id)

    def test_the_relay_takes_its_stream_back_and_numbering_continues_without_a_gap(self):
        decode(self.register_until_ok(9), registry_pb2.OrganizationReply)
        before = len(wait_for(lambda: read_events(self.svc)))
        self.cut_connections()
        for n in range(10, 15):
            decode(self.register_until_ok(n), registry_pb2.OrganizationReply)
        rows = self.svc.db.query("SELECT count(*) FROM organization")[0][0]
        events = wait_for(lambda: (lambda e: e if len(e) == rows else None)(read_events(self.svc)), seconds=15)
        self.assertIsNotNone(events, "events not numbered after the relay lost its connection")
        self.assertEqual([e.sequence for e in events], list(range(1, rows + 1)))
        self.assertGreater(len(events), before)
        health = decode(self.svc.call("system.Health", system_pb2.HealthRequest()), system_pb2.HealthReply)
        self.assertTrue(health.database_ok)
        self.assertTrue(wait_for(lambda: decode(self.svc.call("system.Health", system_pb2.HealthRequest()),
                                                system_pb2.HealthReply).streams[0].relay_active, seconds=10))

    def test_a_request_cut_off_mid_transaction_leaves_nothing_behind(self):
        rows = self.svc.db.query("SELECT count(*) FROM organization")[0][0]
        idem = self.svc.db.query("SELECT count(*) FROM ht_idempotency")[0][0]
        self.cut_connections()
        reply = self.svc.call("registry.RegisterOrganization", org_request(30), key=new_key())
        if reply.status != Status.OK:
            self.assertEqual(reply.status, Status.UNAVAILABLE, reply.message)
            self.assertEqual(self.svc.db.query("SELECT count(*) FROM organization")[0][0], rows)
            self.assertEqual(self.svc.db.query("SELECT count(*) FROM ht_idempotency")[0][0], idem)


if __name__ == "__main__":
    unittest.main()
