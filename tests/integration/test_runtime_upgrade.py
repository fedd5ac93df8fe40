"""Upgrading a database made before the latest runtime migrations.

A database is built here the way an earlier version left it: the runtime's
migrations up to UPGRADE_FROM and the registry's, each recorded in
ht_migration, with records written in that layout (an idempotency record
with its reply, audit rows, an event the relay has not numbered yet). The
current hetao-registry then starts on it and applies the rest. The upgraded
database must have the schema of a fresh one (indexes, storage options,
columns, migrations), and every old record must still work: the stored
reply is replayed byte for byte, the audit trail reads back unchanged, and
the old event is numbered first and replayed.
"""
import glob
import hashlib
import os
import unittest
import uuid

import psycopg2

from harness import (Database, Service, Status, decode, new_key, org_request, read_events, registry_pb2,
                     system_pb2, wait_for)

R = registry_pb2
REGISTER = "registry.RegisterOrganization"
UPGRADE_FROM = 6        # the last runtime migration of the old database
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def migrations(directory, last=None):
    """(version, file name, path) of each migration in `directory`, up to `last`."""
    found = []
    for path in sorted(glob.glob(os.path.join(ROOT, directory, "[0-9][0-9][0-9]_*.sql"))):
        name = os.path.basename(path)
        version = int(name[:3])
        if last is None or version <= last:
            found.append((version, name, path))
    return found


def schema(db):
    """What a migration decides about the runtime's tables, comparable across databases."""
    return {
        "indexes": db.query("SELECT tablename, indexname, indexdef FROM pg_indexes"
                            " WHERE schemaname = 'public' AND tablename LIKE 'ht\\_%%' ORDER BY 1, 2"),
        "options": db.query("SELECT relname, relkind, coalesce(reloptions, '{}') FROM pg_class"
                            " WHERE relnamespace = 'public'::regnamespace AND relname LIKE 'ht\\_%%'"
                            " ORDER BY 1"),
        "columns": db.query("SELECT table_name, column_name, data_type, is_nullable, collation_name,"
                            " column_default FROM information_schema.columns"
                            " WHERE table_schema = 'public' AND table_name LIKE 'ht\\_%%' ORDER BY 1, 2"),
        "migrations": db.query("SELECT component, version, name FROM ht_migration ORDER BY 1, 2"),
    }


class RuntimeUpgrade(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.fresh = Service("registry")                 # made from nothing by this version
        cls.principal_key = cls.fresh.admin.public.decode()
        cls.old = Database()
        cls.make_old_database(cls.old)
        cls.svc = Service("registry", replica_of=cls.fresh, db=cls.old)

    @classmethod
    def tearDownClass(cls):
        cls.svc.close()
        cls.old.close()
        cls.fresh.close()

    @classmethod
    def make_old_database(cls, db):
        # Each migration in its own transaction, recorded, as ht_db_migrate does.
        conn = psycopg2.connect(db.dsn)
        with conn, conn.cursor() as cur:
            cur.execute("CREATE TABLE ht_migration (component text NOT NULL, version integer NOT NULL,"
                        " name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(),"
                        " PRIMARY KEY (component, version))")
        for component, directory, last in (("runtime", "common/sql", UPGRADE_FROM),
                                           ("registry", "services/registry/sql", None)):
            for version, name, path in migrations(directory, last):
                with open(path) as f, conn, conn.cursor() as cur:
                    cur.execute("INSERT INTO ht_migration (component, version, name) VALUES (%s, %s, %s)",
                                (component, version, name))
                    cur.execute(f.read())
        conn.close()

        # A registration committed by the old version: its organization, its
        # idempotency record with the reply, its audit row and its event (not
        # numbered yet); then a refused request's audit row.
        cls.org_id = str(uuid.uuid4())
        cls.key = new_key()
        cls.request = org_request(1)
        cls.reply = R.OrganizationReply(organization=R.Organization(
            id=cls.org_id, kind=cls.request.kind, name_zh=cls.request.name_zh, name_en=cls.request.name_en,
            region=cls.request.region, registration_type=cls.request.registration_type,
            registration_id=cls.request.registration_id, sectors=cls.request.sectors,
            status=R.ORGANIZATION_STATUS_ACTIVE, version=1)).SerializeToString()
        cls.event_payload = os.urandom(3000)            # above the old 2 kB TOAST threshold
        db.query("INSERT INTO organization (id, kind, name_zh, name_en, region, registration_type,"
                 " registration_id, sectors, status, version, created_at, updated_at)"
                 " VALUES (%s, 'research_institute', %s, %s, 'mainland', 'uscc', %s, '{quantum_technology}',"
                 " 'active', 1, now(), now())",
                 (cls.org_id, cls.request.name_zh, cls.request.name_en, cls.request.registration_id))
        db.query("INSERT INTO ht_idempotency (principal_key, key, method, request_hash, reply)"
                 " VALUES (%s, %s, %s, %s, %s)",
                 (cls.principal_key, cls.key, REGISTER, hashlib.sha256(cls.request.SerializeToString()).digest(),
                  cls.reply))
        db.query("INSERT INTO ht_outbox (stream, type, aggregate_id, request_id, payload)"
                 " VALUES ('registry', 'registry.organization.registered', %s, 'old-1', %s)",
                 (cls.org_id, cls.event_payload))
        cls.audit = [
            (cls.principal_key, "admin", REGISTER, "old-1", cls.key, "OK", ""),
            (cls.principal_key, "admin", REGISTER, "old-2", None, "INVALID_ARGUMENT", "kind: is required"),
        ]
        for row in cls.audit:
            db.query("INSERT INTO ht_audit (principal_key, principal_name, method, request_id,"
                     " idempotency_key, status, message) VALUES (%s, %s, %s, %s, %s, %s, %s)", row)
        cls.audit_at = [us for (us,) in db.query("SELECT (extract(epoch FROM at) * 1000000)::bigint"
                                                 " FROM ht_audit ORDER BY id")]

    def read_audit(self, **filters):
        return decode(self.svc.call("system.ReadAudit", system_pb2.ReadAuditRequest(**filters)),
                      system_pb2.ReadAuditReply).records

    def test_the_upgraded_database_has_the_schema_of_a_fresh_one(self):
        upgraded, fresh = schema(self.svc.db), schema(self.fresh.db)
        self.assertGreater(len(migrations("common/sql")), UPGRADE_FROM, "nothing to upgrade")
        for part in fresh:
            with self.subTest(part=part):
                self.assertEqual(upgraded[part], fresh[part])

    def test_a_request_committed_before_the_upgrade_is_replayed_byte_for_byte(self):
        again = self.svc.call(REGISTER, self.request, key=self.key)
        self.assertEqual(again.status, Status.OK, again.message)
        self.assertTrue(again.replayed)
        self.assertEqual(again.payload, self.reply)
        other = self.svc.call(REGISTER, org_request(2), key=self.key)
        self.assertEqual(Status.Name(other.status), "FAILED_PRECONDITION", other.message)
        self.assertEqual(self.svc.db.query("SELECT count(*) FROM organization")[0][0], 1)

    def test_the_audit_trail_written_before_the_upgrade_reads_back_unchanged(self):
        records = self.read_audit(method=REGISTER, limit=2)
        got = [(r.principal_key, r.principal_name, r.method, r.request_id,
                r.idempotency_key if r.HasField("idempotency_key") else None, r.outcome, r.message)
               for r in records]
        self.assertEqual(got, self.audit)
        self.assertEqual([r.at_us for r in records], self.audit_at)
        self.assertEqual([r.request_id for r in self.read_audit(principal_name="admin", limit=2)],
                         ["old-1", "old-2"])

    def test_an_event_written_before_the_upgrade_is_numbered_first_and_replayed(self):
        reply = self.svc.call(REGISTER, org_request(3), key=new_key())
        new_id = decode(reply, R.OrganizationReply).organization.id
        self.assertTrue(wait_for(lambda: len(read_events(self.svc)) >= 2), read_events(self.svc))
        events = read_events(self.svc)
        self.assertEqual([(e.sequence, e.aggregate_id) for e in events[:2]], [(1, self.org_id), (2, new_id)])
        self.assertEqual(events[0].payload, self.event_payload)

    def test_events_and_replies_up_to_a_page_are_stored_inline_after_the_upgrade(self):
        conn = psycopg2.connect(self.svc.db.dsn)
        try:
            with conn.cursor() as cur:
                toast = ("SELECT pg_relation_size(reltoastrelid) FROM pg_class"
                         " WHERE relname IN ('ht_outbox', 'ht_idempotency') ORDER BY relname")
                cur.execute(toast)
                before = cur.fetchall()
                big = os.urandom(7000)
                cur.execute("INSERT INTO ht_outbox (stream, type, aggregate_id, request_id, payload)"
                            " VALUES ('registry', 'registry.organization.registered', 'x', 'inline', %s)", (big,))
                cur.execute("INSERT INTO ht_idempotency (principal_key, key, method, request_hash, reply)"
                            " VALUES ('inline', 'inline', %s, '', %s)", (REGISTER, big))
                cur.execute(toast)
                self.assertEqual(cur.fetchall(), before, "a 7,000-byte record went to TOAST")
        finally:
            conn.rollback()
            conn.close()


if __name__ == "__main__":
    unittest.main()
