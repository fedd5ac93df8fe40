"""harness - start a real service against a real PostgreSQL and talk to it over ZeroMQ.

Every test gets its own database (created here, dropped at the end) and its
own service process on free ports. Messages are built with the Python code
that protoc generates from proto/ at build time, so these tests are also an
independent check of the wire format.

Environment (set by `deploy/dev test` and ctest):
  HETAO_TEST_PG   libpq connection string of the test cluster's admin database
  HETAO_BUILD     the build directory (binaries in bin/, generated Python in gen/python)
  HETAO_SANITIZED a build with AddressSanitizer and UBSan (build-san): a service
                  whose log holds a sanitizer report, or that exits non-zero on
                  SIGTERM (LeakSanitizer's verdict), fails the test program
  HETAO_CAPTURE_FRAMES  a directory: every request frame a Client sends is also
                  written there (tests/fuzz/make_corpus.py makes seeds of them)
"""
import atexit
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import uuid

BUILD = os.environ.get("HETAO_BUILD") or os.path.join(os.path.dirname(__file__), "..", "build")
sys.path.insert(0, os.path.join(BUILD, "gen", "python"))

import psycopg2  # noqa: E402
import zmq  # noqa: E402
from hetao.v1 import envelope_pb2, registry_pb2, system_pb2  # noqa: E402,F401

Status = envelope_pb2.Status
ZMQ = zmq.Context.instance()

# Every service runs with CURVE; these are the roles of the principal that
# tests use unless they say otherwise.
ALL_ROLES = "park_admin,finance_officer,customs_officer,reporting_reader,event_subscriber"

# The roles a consuming service holds at the services it follows: read their
# records (a direct ask on a miss) and follow their streams (as deploy/dev gives).
SERVICE_ROLES = "reporting_reader,event_subscriber"


# What sanitizers print; a service log holding one is a failure, whichever test ran.
SANITIZED = bool(os.environ.get("HETAO_SANITIZED"))
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
                   "SUMMARY: UndefinedBehaviorSanitizer")
_sanitizer_findings = []


@atexit.register
def _fail_on_sanitizer_findings():
    """Ends the test program with status 1 when any service reported an error:
    after every test and teardown has run, so no process is left behind."""
    if _sanitizer_findings:
        sys.stderr.write("\n".join(["", "SANITIZER FINDINGS:"] + _sanitizer_findings) + "\n")
        sys.stderr.flush()
        os._exit(1)


def check_sanitizer_log(name, path, returncode=None):
    """Records a finding when the log at `path` holds a sanitizer report, or
    when a sanitized service ended with `returncode` other than 0. One finding per log."""
    if any(path in finding for finding in _sanitizer_findings):
        return
    with open(path, errors="replace") as f:
        text = f.read()
    for mark in SANITIZER_MARKS:
        at = text.find(mark)
        if at >= 0:
            _sanitizer_findings.append("%s (%s): %s" % (name, path, text[max(0, at - 200):at + 3000]))
            return
    if SANITIZED and returncode not in (None, 0):
        _sanitizer_findings.append("%s exited with %s on SIGTERM:\n%s" % (name, returncode, text[-3000:]))


class Keys:
    """A CURVE key pair written as a certificate the services and hetaoctl read."""

    def __init__(self, directory, name):
        import zmq.auth
        self.public_file, self.secret_file = zmq.auth.create_certificates(directory, name)
        self.public, self.secret = zmq.auth.load_certificate(self.secret_file)
        self.name = name

    def apply(self, sock, server_key):
        sock.curve_publickey = self.public
        sock.curve_secretkey = self.secret
        sock.curve_serverkey = server_key


def admin_dsn():
    dsn = os.environ.get("HETAO_TEST_PG")
    if not dsn:
        raise RuntimeError("HETAO_TEST_PG is not set: run the tests with `deploy/dev test`")
    return dsn


def _ephemeral_low():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port():
    """A port nothing listens on, for a service to bind soon after.

    Taken at random below the kernel's ephemeral range: a port from inside
    it (what bind to port 0 gives) can be taken, between this check and the
    service's bind, as the local port of any outgoing connection, such as
    a service's own connection to PostgreSQL. Above 20000: clear of the
    development stack's and the benchmark's ports."""
    low, high = 20000, _ephemeral_low()
    for _ in range(200):
        port = random.randrange(low, high) if high - low > 1000 else 0
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return s.getsockname()[1]
    raise RuntimeError("no free port between %d and %d" % (low, high))


def new_key():
    return str(uuid.uuid4())


class Database:
    """A fresh database on the test cluster, dropped by close()."""

    def __init__(self):
        self.name = "t_" + uuid.uuid4().hex[:16]
        admin = psycopg2.connect(admin_dsn())
        admin.autocommit = True
        with admin.cursor() as cur:
            cur.execute('CREATE DATABASE "%s"' % self.name)  # name made here, never input
        admin.close()
        self.dsn = admin_dsn().replace("dbname=postgres", "") + " dbname=" + self.name
        self.conn = None

    def query(self, sql, params=()):
        """Rows of one statement, run in its own committed transaction."""
        if self.conn is None or self.conn.closed:
            self.conn = psycopg2.connect(self.dsn)
            self.conn.autocommit = True
        with self.conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall() if cur.description else []

    def close(self):
        if self.conn is not None:
            self.conn.close()
        admin = psycopg2.connect(admin_dsn())
        admin.autocommit = True
        with admin.cursor() as cur:
            cur.execute('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % self.name)
        admin.close()


class Service:
    """One running service process (e.g. hetao-registry) on free ports."""

    # A command that runs each service (e.g. valgrind and its flags: tests/memcheck),
    # and how long a service may take to answer its first health check.
    wrapper = ()
    start_seconds = 20

    def __init__(self, name="registry", db=None, workers=4, args=(), wait=True, sources=None, replica_of=None):
        """`sources`: {source name: running Service} this service follows (e.g.
        {"registry": registry}): its own key pair is admitted at each as a principal
        named after it with SERVICE_ROLES, and it gets --<source>-endpoint,
        --<source>-events and --<source>-server-key. `replica_of`: a running
        Service whose key, principals and database this one shares."""
        self.name = name
        if replica_of is not None:
            # Another replica of the same service: the same key and principals.
            self.keydir, self.server = replica_of.keydir, replica_of.server
            self.principals_file, self.principals = replica_of.principals_file, replica_of.principals
            self.admin = replica_of.admin
            db = db or replica_of.db
        else:
            self.keydir = tempfile.mkdtemp(prefix="hetao-keys-")
            self.server = Keys(self.keydir, "server")
            self.principals_file = os.path.join(self.keydir, "principals")
            self.principals = []
            self.admin = self.add_principal("admin", ALL_ROLES)
        self.own_db = db is None
        self.db = db or Database()
        self.port = free_port()
        self.events_port = free_port()
        self.endpoint = "tcp://127.0.0.1:%d" % self.port
        self.events_endpoint = "tcp://127.0.0.1:%d" % self.events_port
        self.log = tempfile.NamedTemporaryFile(prefix="hetao-%s-" % name, suffix=".log", delete=False)
        self.cmd = list(self.wrapper) + [os.path.join(BUILD, "bin", "hetao-" + name), "--db", self.db.dsn,
                    "--bind", self.endpoint, "--events-bind", self.events_endpoint,
                    "--workers", str(workers),
                    "--curve-cert", self.server.public_file,
                    "--principals", self.principals_file]
        for source_name, source in (sources or {}).items():
            if replica_of is None:          # a replica's key is admitted already
                source.admit(self.server, name, SERVICE_ROLES)
            self.cmd += ["--%s-endpoint" % source_name, source.endpoint,
                         "--%s-events" % source_name, source.events_endpoint,
                         "--%s-server-key" % source_name, source.server.public_file]
        self.cmd += list(args)
        self.proc = subprocess.Popen(self.cmd, stdout=self.log, stderr=self.log)
        if wait:
            self.wait_healthy()

    def admit(self, keys, name, roles):
        """Admits existing `keys` (e.g. another service's own) as principal `name`."""
        self.principals.append([keys.public.decode(), name, "-", roles, "active"])
        self.write_principals()

    def restart(self, sig=signal.SIGTERM, wait=True):
        """Stops the process with `sig` and starts it again: same ports, database and keys."""
        self.stop(sig)
        self.proc = subprocess.Popen(self.cmd, stdout=self.log, stderr=self.log)
        if wait:
            self.wait_healthy()

    def wait_healthy(self, seconds=None):
        seconds = seconds or self.start_seconds
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("%s exited with %s:\n%s" % (self.name, self.proc.returncode, self.log_text()))
            try:
                reply = self.call("system.Health", system_pb2.HealthRequest(), timeout=0.5)
                if reply.status == Status.OK:
                    return
            except TimeoutError:
                pass
            time.sleep(0.1)
        raise RuntimeError("%s not healthy within %d s:\n%s" % (self.name, seconds, self.log_text()))

    def log_text(self):
        with open(self.log.name, errors="replace") as f:
            return f.read()[-4000:]

    def add_principal(self, name, roles, organization=None, status="active"):
        """New keys admitted as principal `name` with `roles` (comma-separated)."""
        keys = Keys(self.keydir, name)
        self.principals.append([keys.public.decode(), name, organization or "-", roles, status])
        self.write_principals()
        return keys

    def revoke(self, name):
        for line in self.principals:
            if line[1] == name:
                line[4] = "revoked"
        self.write_principals()

    def write_principals(self):
        """Replaces the principals file at once, as hetaoctl does."""
        with open(self.principals_file + ".new", "w") as f:
            for line in self.principals:
                f.write(" ".join(line) + "\n")
        os.rename(self.principals_file + ".new", self.principals_file)

    def client(self, kind=zmq.DEALER, keys="admin"):
        """A client with `keys` (the admin's by default; None for no CURVE at all)."""
        return Client(self.endpoint, kind, self.admin if keys == "admin" else keys, self.server.public)

    def call(self, method, payload, key=None, timeout=5.0, request_id=None, keys="admin"):
        with self.client(keys=keys) as c:
            return c.call(method, payload, key=key, request_id=request_id, timeout=timeout)

    def subscribe(self, topic="registry.", keys="admin"):
        sock = ZMQ.socket(zmq.SUB)
        if keys is not None:
            (self.admin if keys == "admin" else keys).apply(sock, self.server.public)
        sock.setsockopt(zmq.LINGER, 0)
        sock.setsockopt(zmq.RCVHWM, 0)
        sock.setsockopt_string(zmq.SUBSCRIBE, topic)
        sock.connect(self.events_endpoint)
        return sock

    def stop(self, sig=signal.SIGTERM, timeout=20):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            if sig == signal.SIGTERM:
                check_sanitizer_log(self.name, self.log.name, self.proc.returncode)
        return self.proc.returncode

    def close(self):
        self.stop()
        if self.own_db:
            self.db.close()
        check_sanitizer_log(self.name, self.log.name)
        os.unlink(self.log.name)
        import shutil
        shutil.rmtree(self.keydir, ignore_errors=True)


class Client:
    """A DEALER (or REQ) socket speaking the envelope protocol."""

    def __init__(self, endpoint, kind=zmq.DEALER, keys=None, server_key=None):
        self.kind = kind
        self.sock = ZMQ.socket(kind)
        if keys is not None:
            keys.apply(self.sock, server_key)
        self.sock.setsockopt(zmq.LINGER, 0)
        self.sock.connect(endpoint)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self.sock.close()

    def send_frame(self, frame):
        capture = os.environ.get("HETAO_CAPTURE_FRAMES")
        if capture:
            import hashlib
            with open(os.path.join(capture, hashlib.sha1(frame).hexdigest()), "wb") as f:
                f.write(frame)
        if self.kind == zmq.DEALER:
            self.sock.send_multipart([b"", frame])
        else:
            self.sock.send(frame)

    def recv_frame(self, timeout=5.0):
        if not self.sock.poll(int(timeout * 1000)):
            raise TimeoutError("no reply within %.1f s" % timeout)
        frames = self.sock.recv_multipart()
        return frames[-1]

    def exchange(self, frame, timeout=5.0):
        """Sends raw bytes as the request frame; returns the decoded Reply."""
        self.send_frame(frame)
        reply = envelope_pb2.Reply()
        reply.ParseFromString(self.recv_frame(timeout))
        return reply

    def call(self, method, payload, key=None, request_id=None, timeout=5.0):
        request = envelope_pb2.Request(request_id=request_id or new_key(), method=method)
        if key is not None:
            request.idempotency_key = key
        request.payload = payload if isinstance(payload, bytes) else payload.SerializeToString()
        reply = self.exchange(request.SerializeToString(), timeout)
        if reply.request_id != request.request_id:
            raise AssertionError("reply for %r, expected %r" % (reply.request_id, request.request_id))
        return reply


def decode(reply, message_type):
    """The reply's payload as `message_type`; fails the test unless the reply is OK."""
    if reply.status != Status.OK:
        raise AssertionError("expected OK, got %s: %s" % (Status.Name(reply.status), reply.message))
    message = message_type()
    message.ParseFromString(reply.payload)
    return message


def read_events(service, stream="registry", after=0, limit=1000):
    """Every event of `stream` after sequence `after`, through system.ReadEvents."""
    events = []
    while True:
        page = decode(service.call("system.ReadEvents",
                                   system_pb2.ReadEventsRequest(stream=stream, after_sequence=after, limit=limit)),
                      system_pb2.ReadEventsReply)
        events.extend(page.events)
        if len(page.events) < limit:
            return events
        after = page.events[-1].sequence


def health(service, timeout=5.0):
    """The service's HealthReply; fails the test unless system.Health answers OK."""
    return decode(service.call("system.Health", system_pb2.HealthRequest(), timeout=timeout),
                  system_pb2.HealthReply)


def receive_events(sock, count, seconds=10.0):
    """Up to `count` events from a SUB socket within `seconds`, as (topic, raw frame, Event)."""
    got = []
    deadline = time.monotonic() + seconds
    while len(got) < count:
        left = deadline - time.monotonic()
        if left <= 0 or not sock.poll(int(left * 1000) + 1):
            break
        frames = sock.recv_multipart()
        if len(frames) != 2:
            raise AssertionError("an event is two frames, got %d: %r" % (len(frames), frames[:3]))
        event = envelope_pb2.Event()
        event.ParseFromString(frames[1])
        got.append((frames[0].decode(), frames[1], event))
    return got


def wait_subscribed(sock, poke, seconds=10.0):
    """Makes a SUB socket's subscription provably live: calls poke() (which must
    cause one event) until `sock` receives an event, and returns what it received.
    A late subscriber misses what was published before it joined, so the
    events of earlier pokes may be lost; read them with read_events()."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        poke()
        got = receive_events(sock, 1, seconds=0.25)
        if got:
            return got
    raise AssertionError("no event reached the subscriber within %.0f s" % seconds)


def checkpoint(service, stream="registry"):
    """The last sequence `service` applied of `stream` (its ht_checkpoint row; 0 before any)."""
    rows = service.db.query("SELECT last_seq FROM ht_checkpoint WHERE stream = %s", (stream,))
    return rows[0][0] if rows else 0


def last_sequence(service, stream="registry"):
    """The last sequence `service` committed to `stream`, from its health."""
    for position in health(service).streams:
        if position.stream == stream:
            return position.last_sequence
    return 0


def wait_caught_up(consumer, source, stream="registry", events=0, seconds=30):
    """Waits until `source` has numbered at least `events` events of `stream` and
    `consumer` has applied every event `source` numbered; returns that sequence."""
    if not wait_for(lambda: last_sequence(source, stream) >= events, seconds=seconds, interval=0.1):
        raise AssertionError("%s numbered %d events of %s, expected %d" % (
            source.name, last_sequence(source, stream), stream, events))
    target = last_sequence(source, stream)
    if not wait_for(lambda: checkpoint(consumer, stream) >= target, seconds=seconds, interval=0.1):
        raise AssertionError("%s applied %s up to %d, %s is at %d after %d s:\n%s" % (
            consumer.name, stream, checkpoint(consumer, stream), source.name, target, seconds,
            consumer.log_text()))
    return target


def wait_applied_all(consumer, source, stream="registry", seconds=30):
    """Waits until `consumer` has applied every event of `stream` that `source`
    has committed so far (counted in its outbox, so events committed but not
    yet numbered are waited for too); returns the last sequence."""
    committed = source.db.query("SELECT count(*) FROM ht_outbox WHERE stream = %s", (stream,))[0][0]
    return wait_caught_up(consumer, source, stream, events=committed, seconds=seconds)


def wait_for(predicate, seconds=10, interval=0.05):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


# Unified Social Credit Codes with correct check characters (deploy/demo/uscc.py,
# shared with the demo loader).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "deploy", "demo"))
from uscc import USCC_CHARSET, USCC_WEIGHTS, org_code_check, uscc  # noqa: E402,F401


def org_request(n, **overrides):
    fields = dict(kind=registry_pb2.ORGANIZATION_KIND_RESEARCH_INSTITUTE,
                  name_en="Hetao Lab %d" % n, name_zh="河套实验室%d" % n,
                  region=registry_pb2.REGION_MAINLAND,
                  registration_type=registry_pb2.REGISTRATION_TYPE_USCC,
                  registration_id=uscc(n),
                  sectors=[registry_pb2.SECTOR_QUANTUM_TECHNOLOGY])
    fields.update(overrides)
    return registry_pb2.RegisterOrganizationRequest(**{k: v for k, v in fields.items() if v is not None})


class ServiceTest(unittest.TestCase):
    """A test case with one registry service and database per test class."""

    workers = 4
    args = ()       # extra command-line flags, e.g. ("--max-request-bytes", "4096")

    @classmethod
    def setUpClass(cls):
        cls.svc = Service("registry", workers=cls.workers, args=cls.args)

    @classmethod
    def tearDownClass(cls):
        cls.svc.close()

    def assertStatus(self, reply, status, field=None):
        self.assertEqual(Status.Name(reply.status), Status.Name(status),
                         "expected %s, got %s: %s" % (Status.Name(status), Status.Name(reply.status), reply.message))
        if field is not None:
            fields = [v.field for v in reply.violations]
            self.assertIn(field, fields, "violations name %s, not %s (%s)" % (fields, field, reply.message))
            self.assertIn(field, reply.message)

    def register(self, n, **overrides):
        return self.svc.call("registry.RegisterOrganization", org_request(n, **overrides), key=new_key())


class EntityTest(ServiceTest):
    """A registry entity's test case: refusals that change nothing, and the event stream.

    A subclass names its tables in `tables`; a refused mutation must leave
    them, the outbox and the idempotency records exactly as they were.
    """

    tables = ()

    def snapshot(self):
        """Everything a refused mutation must leave alone."""
        db = self.svc.db
        state = {table: db.query("SELECT * FROM %s t ORDER BY t::text" % table) for table in self.tables}
        state["ht_outbox rows"] = db.query("SELECT count(*) FROM ht_outbox")[0][0]
        state["ht_idempotency rows"] = db.query("SELECT count(*) FROM ht_idempotency")[0][0]
        return state

    def assertRefusedChangesNothing(self, send, status, field=None):
        """Sends a mutation with send(); it must fail with `status` naming `field` and change nothing."""
        before = self.snapshot()
        reply = send()
        self.assertStatus(reply, status, field)
        self.assertFalse(reply.payload, "a refused reply carries no payload")
        self.assertEqual(self.snapshot(), before, "a refused %s changed stored data" % Status.Name(status))
        return reply

    def events(self):
        """Every registry event, once the relay has numbered every outbox row; checks there is no gap."""
        total = self.svc.db.query("SELECT count(*) FROM ht_outbox")[0][0]
        events = wait_for(lambda: (lambda e: e if len(e) == total else None)(read_events(self.svc)), seconds=20)
        self.assertIsNotNone(events, "the relay did not number all %d outbox rows" % total)
        self.assertEqual([e.sequence for e in events], list(range(1, total + 1)), "sequences have a gap")
        return events

    def last_event(self, aggregate_id, payload_type):
        """The last event about `aggregate_id`, and its payload decoded as `payload_type`."""
        events = [e for e in self.events() if e.aggregate_id == aggregate_id]
        self.assertTrue(events, "no event about %s" % aggregate_id)
        return events[-1], payload_type.FromString(events[-1].payload)

    def assertSameMessage(self, got, expected):
        self.assertEqual(got.SerializeToString(deterministic=True), expected.SerializeToString(deterministic=True),
                         "messages differ:\n%s\nvs\n%s" % (got, expected))


class FollowingServiceTest(ServiceTest):
    """A test case with a registry and a service that follows it (e.g. funding),
    each with its own database, per test class: `svc` is the following service,
    `registry` the registry; the following service's key is admitted at the
    registry with SERVICE_ROLES, and it gets the registry's endpoints and key.

    In a subclass set `service` ("funding") and, if needed, `args` (the
    following service's extra flags) and `registry_args`.
    """

    service = None
    registry_args = ()

    @classmethod
    def setUpClass(cls):
        cls.registry = Service("registry", workers=2, args=cls.registry_args)
        try:
            cls.svc = Service(cls.service, workers=cls.workers, args=cls.args,
                              sources={"registry": cls.registry})
        except Exception:
            cls.registry.close()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.svc.close()
        cls.registry.close()

    def register(self, n, **overrides):
        """Registers organization n at the registry; returns the reply."""
        return self.registry.call("registry.RegisterOrganization", org_request(n, **overrides), key=new_key())

    def register_organization(self, n, **overrides):
        """Registers organization n at the registry; returns the Organization."""
        return decode(self.register(n, **overrides), registry_pb2.OrganizationReply).organization

    def caught_up(self, events=0, seconds=30):
        """Waits until the following service has applied the registry's stream
        (at least `events` events of it); returns the last sequence."""
        return wait_caught_up(self.svc, self.registry, "registry", events=events, seconds=seconds)
