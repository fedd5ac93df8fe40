"""fault_stack - clients that retry as the protocol says, a mixed load over every
service that keeps a model of what was acknowledged, and the checks that
nothing acknowledged is lost or doubled.

A client here is the protocol's Lazy Pirate: one request id and one
idempotency key per intention, sent again on a timeout or UNAVAILABLE (to the
next replica when there are several) until a final answer comes. Every load
thread records each operation with its final reply, so the checks compare the
databases, the streams and the ledger with what clients were told.

HETAO_FAULTS_LONG=1 (tests/faults/run --long) makes every test longer;
HETAO_FAULTS_FIGURES names a directory where each test writes its figures as
JSON (docs/reliability.md quotes those of a long run).
"""
import itertools
import json
import os
import random
import signal
import subprocess
import threading
import time

import zmq

from harness import (BUILD, ZMQ, Database, Service, Status, decode, envelope_pb2, new_key, org_request,
                     read_events, registry_pb2 as R, wait_for)
from hetao.v1 import customs_pb2 as C, funding_pb2 as F, reporting_pb2  # noqa: E402

LONG = os.environ.get("HETAO_FAULTS_LONG") == "1"
ZMQ_CONTEXT = ZMQ
YUAN = 100
_numbers = itertools.count(int(time.time() * 1000) % 1_000_000 * 10 + 3_000_000_000)


def next_number():
    return next(_numbers)


def money(minor):
    return F.Money(currency="CNY", minor_units=minor)


def save_figures(name, figures):
    """Writes `figures` as JSON to $HETAO_FAULTS_FIGURES/<name>.json and prints them."""
    text = json.dumps(figures, indent=2, sort_keys=True)
    print("figures of %s:\n%s" % (name, text), flush=True)
    directory = os.environ.get("HETAO_FAULTS_FIGURES")
    if directory:
        os.makedirs(directory, exist_ok=True)
        with open(os.path.join(directory, name + ".json"), "w") as f:
            f.write(text + "\n")


def percentile(values, p):
    ordered = sorted(values)
    if not ordered:
        return None
    return ordered[min(len(ordered) - 1, int(round(p / 100.0 * (len(ordered) - 1))))]


class Unresolved(Exception):
    """No final answer to a request within the client's patience."""


# ---------------------------------------------------------------------------
# The retrying client


class RetryingClient:
    """Calls one service (any of its replicas) until a final answer comes.

    `deadline`: seconds each attempt waits for its reply; `patience`: seconds
    before a call gives up (Unresolved). UNAVAILABLE and timeouts are retried
    with the same request id and key; the socket is closed on a timeout (so
    anything it still queued is dropped) and the next attempt goes to the next
    replica. Counts attempts, timeouts, UNAVAILABLE answers and replayed replies.
    """

    RETRIED = (Status.UNAVAILABLE,)

    def __init__(self, replicas, keys=None, deadline=2.0, patience=90.0):
        self.endpoints = [s.endpoint for s in replicas]
        self.server_key = replicas[0].server.public
        self.keys = keys or replicas[0].admin
        self.deadline, self.patience = deadline, patience
        self.current = random.randrange(len(self.endpoints))
        self.sock = None
        self.counts = dict(calls=0, attempts=0, timeouts=0, unavailable=0, replayed=0)

    def _open(self):
        sock = ZMQ.socket(zmq.DEALER)
        self.keys.apply(sock, self.server_key)
        sock.setsockopt(zmq.LINGER, 0)
        sock.connect(self.endpoints[self.current])
        self.sock = sock

    def _drop(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None
        self.current = (self.current + 1) % len(self.endpoints)

    def close(self):
        if self.sock is not None:
            self.sock.close()
            self.sock = None

    def call(self, method, payload, key=None, request_id=None, on_attempt=None):
        """The final Reply. `on_attempt(sent, answered, status or None)` sees every attempt."""
        request = envelope_pb2.Request(request_id=request_id or new_key(), method=method,
                                       payload=payload.SerializeToString())
        if key is not None:
            request.idempotency_key = key
        frame = request.SerializeToString()
        give_up = time.monotonic() + self.patience
        self.counts["calls"] += 1
        while True:
            if time.monotonic() > give_up:
                raise Unresolved("%s (key %s): no final answer within %.0f s" % (method, key, self.patience))
            if self.sock is None:
                self._open()
            self.counts["attempts"] += 1
            sent = time.monotonic()
            self.sock.send_multipart([b"", frame])
            reply = None
            wait_until = sent + self.deadline
            while reply is None:
                left = wait_until - time.monotonic()
                if left <= 0 or not self.sock.poll(int(left * 1000) + 1):
                    break
                candidate = envelope_pb2.Reply.FromString(self.sock.recv_multipart()[-1])
                if candidate.request_id == request.request_id:
                    reply = candidate
            if reply is None:
                self.counts["timeouts"] += 1
                if on_attempt:
                    on_attempt(sent, time.monotonic(), None)
                self._drop()
                continue
            if on_attempt:
                on_attempt(sent, time.monotonic(), reply.status)
            if reply.status in self.RETRIED:
                self.counts["unavailable"] += 1
                self._drop()
                time.sleep(0.05)
                continue
            if reply.replayed:
                self.counts["replayed"] += 1
            return reply


# ---------------------------------------------------------------------------
# What the clients were told


class Ledger:
    """Every operation a load thread finished: (service, method, key, request id,
    status name, reply) in completion order; thread-safe."""

    def __init__(self):
        self.lock = threading.Lock()
        self.ops = []
        self.failures = []          # operations that got an answer the load did not expect
        self.client_counts = {}     # attempts, timeouts, unavailable, replayed of every client closed

    def record(self, service, method, key, request_id, reply):
        with self.lock:
            self.ops.append((service, method, key, request_id, Status.Name(reply.status), reply))

    def fail(self, what):
        with self.lock:
            self.failures.append(what)

    def acknowledged(self, service=None, method=None):
        with self.lock:
            return [op for op in self.ops if op[4] == "OK" and (service is None or op[0] == service)
                    and (method is None or op[1] == method)]

    def count(self, service=None):
        with self.lock:
            return sum(1 for op in self.ops if op[4] == "OK" and (service is None or op[0] == service))

    def add_counts(self, counts):
        """Adds a client's attempt counts to the totals (`self.client_counts`)."""
        with self.lock:
            for name, value in counts.items():
                self.client_counts[name] = self.client_counts.get(name, 0) + value


class Caller:
    """One load thread's way of calling a service: a RetryingClient per service,
    every mutating call with its own key, every result recorded."""

    def __init__(self, ledger, services, keys=None, deadline=2.0):
        self.ledger = ledger
        self.clients = {name: RetryingClient(replicas, keys=keys, deadline=deadline)
                        for name, replicas in services.items()}

    def call(self, service, method, payload, reply_type=None, mutating=True, expect=("OK",)):
        """The decoded reply (or the Reply itself without `reply_type`) when the
        status is OK; None for an expected refusal; anything else is recorded as a failure."""
        key = new_key() if mutating else None
        request_id = new_key()
        reply = self.clients[service].call("%s.%s" % (service, method), payload, key=key, request_id=request_id)
        if mutating:
            self.ledger.record(service, method, key, request_id, reply)
        name = Status.Name(reply.status)
        if name not in expect:
            self.ledger.fail("%s.%s: %s %s" % (service, method, name, reply.message))
            return None
        if name != "OK":
            return None
        if reply_type is None:
            return reply
        message = reply_type()
        message.ParseFromString(reply.payload)
        return message

    def close(self):
        for client in self.clients.values():
            self.ledger.add_counts(client.counts)
            client.close()


# ---------------------------------------------------------------------------
# The stack


class Stack:
    """Two replicas of the registry on one database, funding and customs following
    them, reporting following all three, and two outside
    subscribers: the registry projection probe (tests/consumer, durable) and the
    C example subscriber of docs/examples on funding's stream."""

    def __init__(self, workers=2, replicas=2, outsiders=True):
        """`replicas`: of the registry (1 or 2); `outsiders`: start the probe and the example subscriber."""
        self.started = []
        self.registry_b = self.probe = self.subscriber = None
        try:
            self._start(workers, replicas, outsiders)
        except Exception:
            self.close()
            raise

    def _start(self, workers, replicas, outsiders):
        args = ("--relay-poll-ms", "50")
        self.registry_db = Database()
        self.started.append(self.registry_db)
        self.registry_a = Service("registry", db=self.registry_db, workers=workers, args=args)
        self.started.append(self.registry_a)
        if replicas > 1:
            self.registry_b = Service("registry", workers=workers, args=args, replica_of=self.registry_a)
            self.started.append(self.registry_b)
        self.registry = Replicas(self.registry_replicas())
        # Followers read back after 0.5 s without a live event (1 s by default).
        registry_poll, funding_poll = ("--registry-poll-ms", "500"), ("--funding-poll-ms", "500")
        customs_poll = ("--customs-poll-ms", "500")
        self.funding = Service("funding", workers=workers, sources={"registry": self.registry},
                               args=args + registry_poll)
        self.started.append(self.funding)
        self.customs = Service("customs", workers=workers, sources={"registry": self.registry},
                               args=args + registry_poll)
        self.started.append(self.customs)
        self.reporting = Service("reporting", workers=1,
                                 sources={"registry": self.registry, "funding": self.funding, "customs": self.customs},
                                 args=registry_poll + funding_poll + customs_poll)
        self.started.append(self.reporting)
        self.reviewer = self.funding.add_principal("reviewer-faults", "reviewer")
        if outsiders:
            self.probe = Service("regview-probe", workers=1, sources={"registry": self.registry}, args=registry_poll)
            self.started.append(self.probe)
            self.subscriber = ExampleSubscriber(self.funding, "funding")
            self.started.append(self.subscriber)

    def registry_replicas(self):
        return [r for r in (self.registry_a, self.registry_b) if r is not None]

    def services(self):
        """Replicas per service name, for Caller."""
        return {"registry": self.registry_replicas(), "funding": [self.funding],
                "customs": [self.customs]}

    def close(self):
        for thing in reversed(self.started):
            try:
                thing.close()
            except Exception as e:           # keep closing the rest
                print("closing %r: %s" % (thing, e))
        self.started = []


class Replicas:
    """Several replicas of one service seen as one source: comma-separated
    endpoints, as a following service takes them (the principals file is shared)."""

    def __init__(self, replicas):
        self.replicas = replicas
        self.endpoint = ",".join(r.endpoint for r in replicas)
        self.events_endpoint = ",".join(r.events_endpoint for r in replicas)
        self.server = replicas[0].server

    def admit(self, keys, name, roles):
        self.replicas[0].admit(keys, name, roles)


class ExampleSubscriber:
    """docs/examples/subscriber.c (build/bin/example-subscriber) following one
    stream, restarted from the last sequence it printed whenever it ends (killed
    by the test, or gone because its source went away): the durable `last` the
    example asks a real subscriber to keep. Every printed line is kept."""

    def __init__(self, source, stream):
        self.source, self.stream = source, stream
        self.lines = []                 # (sequence, type, aggregate id) in print order
        self.starts = 0
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.proc = None
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def last(self):
        with self.lock:
            return self.lines[-1][0] if self.lines else 0

    def _run(self):
        while not self.stopping.is_set():
            with self.lock:
                s = self.source
                self.proc = subprocess.Popen(
                    [os.path.join(BUILD, "bin", "example-subscriber"), s.endpoint, s.events_endpoint,
                     s.server.public_file, s.admin.public_file, self.stream, str(self.last_locked())],
                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
                self.starts += 1
                proc = self.proc
            for line in proc.stdout:
                parts = line.split()
                if len(parts) == 4:
                    with self.lock:
                        self.lines.append((int(parts[1]), parts[2], parts[3]))
            proc.wait()
            proc.stdout.close()
            self.stopping.wait(0.2)

    def last_locked(self):
        return self.lines[-1][0] if self.lines else 0

    def kill(self):
        """SIGKILL, as a crash: the thread starts it again from the last printed sequence."""
        with self.lock:
            if self.proc is not None and self.proc.poll() is None:
                self.proc.send_signal(signal.SIGKILL)

    def close(self):
        self.stopping.set()
        self.kill()
        self.thread.join(20)


# ---------------------------------------------------------------------------
# The load


class Load:
    """A mixed write load over the registry, funding (the bank) and customs.

    Funding: `programmes` programmes share the money; each funding thread loops
    application -> submit -> review -> approve -> award (refused when the
    programme's available is short) -> a disbursement paid and another failed,
    and now and then a budget increase or a decrease (refused when larger than
    what is available). The model of the acknowledged operations is in
    `self.model`: programme id -> budget, awarded, paid.
    """

    def __init__(self, stack, ledger, threads_per_service=2, programmes=2, budget=600_000, deadline=2.0):
        self.stack, self.ledger = stack, ledger
        self.threads_per_service = threads_per_service
        self.deadline = deadline
        self.stop = threading.Event()
        self.threads = []
        self.model_lock = threading.Lock()
        self.setup = Caller(ledger, stack.services(), deadline=deadline)
        self.orgs = [self._org() for _ in range(4)]
        self.projects = {org: self._project(org) for org in self.orgs}
        self.model = {}
        self.calls = {}
        for _ in range(programmes):
            programme = self.setup.call("funding", "CreateProgramme", F.CreateProgrammeRequest(
                name="Faults programme %d" % next_number(), agency_id=self.orgs[0], budget=money(budget),
                starts_on="2026-01-01", ends_on="2031-01-01"), F.ProgrammeReply).programme
            now = int(time.time() * 1_000_000)
            call = self.setup.call("funding", "OpenCall", F.OpenCallRequest(
                programme_id=programme.id, name="Round %d" % next_number(), opens_at_us=now - 3600_000_000,
                closes_at_us=now + 7 * 86400_000_000), F.CallReply).call
            self.model[programme.id] = dict(budget=budget, awarded=0, paid=0)
            self.calls[programme.id] = call.id
        self.cases = []
        self.registered = []            # organization ids the registry threads made
        if ledger.failures:
            raise AssertionError("setting up the load failed: %s" % ledger.failures)

    def _org(self):
        return self.setup.call("registry", "RegisterOrganization", org_request(next_number()),
                               R.OrganizationReply).organization.id

    def _project(self, org):
        return self.setup.call("registry", "RegisterProject", R.RegisterProjectRequest(
            title_en="Faults project %d" % next_number(), lead_organization_id=org,
            origin=R.PROJECT_ORIGIN_HK_UNIVERSITY, sector=R.SECTOR_QUANTUM_TECHNOLOGY), R.ProjectReply).project.id

    def start(self):
        kinds = [self._registry, self._funding, self._customs]
        for kind in kinds:
            for i in range(self.threads_per_service):
                thread = threading.Thread(target=self._loop, args=(kind, i), daemon=True)
                thread.start()
                self.threads.append(thread)

    def finish(self, seconds=180):
        self.stop.set()
        for thread in self.threads:
            thread.join(seconds)
            if thread.is_alive():
                raise AssertionError("a load thread did not finish within %d s" % seconds)
        self.setup.close()

    def _loop(self, kind, index):
        caller = Caller(self.ledger, self.stack.services(), deadline=self.deadline)
        rng = random.Random(index * 7919 + hash(kind.__name__))
        try:
            while not self.stop.is_set():
                kind(caller, rng)
                self.stop.wait(0.02)        # a load, not a benchmark: leave the shared cores some air
        except Unresolved as e:
            self.ledger.fail("unresolved: %s" % e)
        except Exception as e:              # a bug in the test: make it visible
            self.ledger.fail("load thread %s: %r" % (kind.__name__, e))
            raise
        finally:
            caller.close()

    # -- the registry ------------------------------------------------------

    def _registry(self, caller, rng):
        org = caller.call("registry", "RegisterOrganization", org_request(next_number()), R.OrganizationReply)
        if org is None:
            return
        org_id = org.organization.id
        with self.model_lock:
            self.registered.append(org_id)
        caller.call("registry", "UpdateOrganization", R.UpdateOrganizationRequest(
            id=org_id, name_en="Renamed Lab %d" % next_number()), R.OrganizationReply)

    # -- funding: the bank ---------------------------------------------------

    def _funding(self, caller, rng):
        programme = rng.choice(sorted(self.model))
        if rng.random() < 0.2:
            self._adjust(caller, rng, programme)
            return
        org = rng.choice(self.orgs)
        amount = rng.randrange(100, 400) * 1000
        request = F.CreateApplicationRequest(call_id=self.calls[programme], organization_id=org,
                                             project_id=self.projects[org], amount=money(amount))
        request.breakdown.add(category=F.BUDGET_CATEGORY_PERSONNEL, amount=money(amount))
        application = caller.call("funding", "CreateApplication", request, F.ApplicationReply)
        if application is None:
            return
        app_id = application.application.id
        for method, keys in (("SubmitApplication", None), ("ReviewApplication", self.stack.reviewer),
                             ("ApproveApplication", None)):
            if method == "ReviewApplication":
                reviewer = Caller(self.ledger, {"funding": [self.stack.funding]}, keys=keys, deadline=self.deadline)
                try:
                    done = reviewer.call("funding", method, F.ReviewApplicationRequest(
                        application_id=app_id, score=8, comment="sound plan"), F.ReviewReply)
                finally:
                    reviewer.close()
            else:
                done = caller.call("funding", method, F.ApplicationActionRequest(id=app_id), F.ApplicationReply)
            if done is None:
                return
        award_request = F.MakeAwardRequest(application_id=app_id, amount=money(amount))
        award_request.tranches.add(due_on="2027-01-01", amount=money(amount))
        award = caller.call("funding", "MakeAward", award_request, F.AwardReply,
                            expect=("OK", "FAILED_PRECONDITION"))
        if award is None:
            return
        with self.model_lock:
            self.model[programme]["awarded"] += amount
        award_id = award.award.id
        first = amount // 2
        for part, outcome in ((first, "PayDisbursement"), (amount - first, rng.choice(["PayDisbursement",
                                                                                         "FailDisbursement"]))):
            disbursement = caller.call("funding", "RequestDisbursement", F.RequestDisbursementRequest(
                award_id=award_id, amount=money(part)), F.DisbursementReply)
            if disbursement is None:
                return
            d_id = disbursement.disbursement.id
            if caller.call("funding", "ApproveDisbursement", F.DisbursementActionRequest(id=d_id),
                           F.DisbursementReply) is None:
                return
            request = F.DisbursementActionRequest(id=d_id)
            if outcome == "FailDisbursement":
                request.reason = "bank refused"
            if caller.call("funding", outcome, request, F.DisbursementReply) is None:
                return
            if outcome == "PayDisbursement":
                with self.model_lock:
                    self.model[programme]["paid"] += part

    def _adjust(self, caller, rng, programme):
        delta = rng.choice([1, -1]) * rng.randrange(100, 800) * 1000
        reply = caller.call("funding", "AdjustProgrammeBudget", F.AdjustProgrammeBudgetRequest(
            id=programme, delta=money(delta), reason="faults load"), F.ProgrammeReply,
            expect=("OK",) if delta > 0 else ("OK", "FAILED_PRECONDITION"))
        if reply is not None:
            with self.model_lock:
                self.model[programme]["budget"] += delta

    # -- customs -------------------------------------------------------------

    def _customs(self, caller, rng):
        case = caller.call("customs", "OpenCase", C.OpenCaseRequest(
            organization_id=rng.choice(self.orgs), category=C.CASE_CATEGORY_REGISTRATION_FILING,
            priority=C.CASE_PRIORITY_NORMAL, description="Faults case %d" % next_number()), C.CaseReply)
        if case is None:
            return
        case_id = case.assistance_case.id
        with self.model_lock:
            self.cases.append(case_id)
        if caller.call("customs", "ChangeCaseStatus", C.ChangeCaseStatusRequest(
                id=case_id, action=C.CASE_ACTION_TRIAGE), C.CaseReply) is None:
            return
        caller.call("customs", "AddCaseNote", C.AddCaseNoteRequest(case_id=case_id, text="looked at it"),
                    C.CaseNoteReply)


class LedgerWatch:
    """Calls funding.LedgerCheck over and over while the load runs; keeps every
    breach it reports (an unanswered check, while funding is down, is no breach)."""

    def __init__(self, funding, interval=0.3):
        self.funding, self.interval = funding, interval
        self.checks, self.breaches = 0, []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        client = RetryingClient([self.funding], deadline=2.0, patience=5.0)
        while not self.stop.wait(self.interval):
            try:
                reply = client.call("funding.LedgerCheck", F.LedgerCheckRequest())
            except Unresolved:
                continue
            if reply.status != Status.OK:
                self.breaches.append("LedgerCheck answered %s: %s" % (Status.Name(reply.status), reply.message))
                continue
            check = F.LedgerCheckReply.FromString(reply.payload)
            self.checks += 1
            if not check.balanced:
                self.breaches.append([(b.rule, b.subject_id, b.detail) for b in check.breaches])
        client.close()

    def close(self):
        self.stop.set()
        self.thread.join(30)


# ---------------------------------------------------------------------------
# The checks


def stream_events(service, stream, seconds=60):
    """Every event of `stream` once the relay has numbered every outbox row;
    asserts they are numbered 1..N without a gap."""
    total = service.db.query("SELECT count(*) FROM ht_outbox WHERE stream = %s", (stream,))[0][0]
    events = wait_for(lambda: (lambda e: e if len(e) == total else None)(read_events(service, stream=stream)),
                      seconds=seconds, interval=0.2)
    if events is None:
        raise AssertionError("%s: the relay did not number all %d outbox rows" % (stream, total))
    if [e.sequence for e in events] != list(range(1, total + 1)):
        raise AssertionError("%s: sequences have a gap or a repeat" % stream)
    return events


def check_stream_matches_acknowledged(test, ledger, service_name, service, stream):
    """Every event was caused by an acknowledged request and no request caused
    the same kind of event twice; every acknowledged change has its event."""
    events = stream_events(service, stream)
    acknowledged = {op[3]: op for op in ledger.acknowledged(service_name)}
    by_request = {}
    for event in events:
        by_request.setdefault(event.request_id, []).append(event.type)
    strangers = sorted(set(by_request) - set(acknowledged))
    test.assertEqual(strangers, [], "%s: events of requests no client was told about" % stream)
    doubled = {rid: types for rid, types in by_request.items() if len(types) != len(set(types))}
    test.assertEqual(doubled, {}, "%s: a request's change was applied twice" % stream)
    silent = sorted(rid for rid in acknowledged if rid not in by_request)
    test.assertEqual(silent, [], "%s: acknowledged changes without an event" % stream)
    return events


class AcknowledgedChecks:
    """Checks for a unittest.TestCase that ran a Load: `self.stack`, `self.ledger`
    and `self.load`. Each returns figures for save_figures."""


    def stored_exactly(self, service, sql, acknowledged_ids, what):
        rows = [r[0] for r in service.db.query(sql)]
        self.assertEqual(len(rows), len(set(rows)), "%s stored twice" % what)
        self.assertEqual(sorted(rows), sorted(acknowledged_ids), "%s stored are not the acknowledged ones" % what)
        return len(rows)

    def ids(self, service, method, reply_type, field):
        return [getattr(reply_type.FromString(op[5].payload), field).id
                for op in self.ledger.acknowledged(service, method)]

    def counts(self, service):
        acked = self.ledger.acknowledged(service)
        return dict(acknowledged=len(acked), replayed=sum(1 for op in acked if op[5].replayed))

    def check_registry(self):
        s = self.stack
        orgs = self.ids("registry", "RegisterOrganization", R.OrganizationReply, "organization")
        stored = self.stored_exactly(s.registry_a, "SELECT id::text FROM organization", orgs, "organizations")
        self.stored_exactly(s.registry_a, "SELECT id::text FROM project",
                            self.ids("registry", "RegisterProject", R.ProjectReply, "project"), "projects")
        # Each update acknowledged once moved the version by one.
        updates = {}
        for op in self.ledger.acknowledged("registry", "UpdateOrganization"):
            org = R.OrganizationReply.FromString(op[5].payload).organization
            updates[org.id] = updates.get(org.id, 0) + 1
        versions = dict((str(r[0]), r[1]) for r in s.registry_a.db.query("SELECT id, version FROM organization"))
        wrong = {i: (versions[i], 1 + updates.get(i, 0)) for i in versions if versions[i] != 1 + updates.get(i, 0)}
        self.assertEqual(wrong, {}, "organization versions (stored, expected) differ")
        events = check_stream_matches_acknowledged(self, self.ledger, "registry", s.registry_a, "registry")
        return dict(registry=dict(self.counts("registry"), organizations_stored=stored, events=len(events)))

    def check_customs(self):
        s = self.stack
        cases = self.ids("customs", "OpenCase", C.CaseReply, "assistance_case")
        stored = self.stored_exactly(s.customs, "SELECT id::text FROM assistance_case", cases, "cases")
        events = check_stream_matches_acknowledged(self, self.ledger, "customs", s.customs, "customs")
        return dict(customs=dict(self.counts("customs"), cases_stored=stored, events=len(events)))

    def check_bank(self, watch):
        s, model = self.stack, self.load.model
        self.assertEqual(watch.breaches, [], "LedgerCheck reported breaches during the run")
        self.assertGreater(watch.checks, 3, "LedgerCheck was hardly ever answered")
        final = decode(s.funding.call("funding.LedgerCheck", F.LedgerCheckRequest(), timeout=20),
                       F.LedgerCheckReply)
        self.assertTrue(final.balanced, "ledger breaches: %s" % [(b.rule, b.detail) for b in final.breaches])
        got = {p.programme_id: dict(budget=p.budget.minor_units, available=p.available.minor_units,
                                    committed=p.committed.minor_units, paid=p.paid.minor_units)
               for p in final.programmes}
        expected = {pid: dict(budget=m["budget"], available=m["budget"] - m["awarded"],
                              committed=m["awarded"] - m["paid"], paid=m["paid"]) for pid, m in model.items()}
        self.assertEqual(got, expected, "the ledger differs from the model of acknowledged operations")
        awards = self.ids("funding", "MakeAward", F.AwardReply, "award")
        self.stored_exactly(s.funding, "SELECT id::text FROM award", awards, "awards")
        self.stored_exactly(s.funding, "SELECT id::text FROM disbursement",
                            self.ids("funding", "RequestDisbursement", F.DisbursementReply, "disbursement"),
                            "disbursements")
        self.stored_exactly(s.funding, "SELECT id::text FROM application",
                            self.ids("funding", "CreateApplication", F.ApplicationReply, "application"),
                            "applications")
        events = check_stream_matches_acknowledged(self, self.ledger, "funding", s.funding, "funding")
        refused = [op for op in self.ledger.ops if op[0] == "funding" and op[4] == "FAILED_PRECONDITION"]
        totals = {k: sum(m[k] for m in model.values()) for k in ("budget", "awarded", "paid")}
        self.bank_totals = totals
        return dict(funding=dict(self.counts("funding"), awards_stored=len(awards), refused=len(refused),
                                 events=len(events), ledger_checks=watch.checks, breaches=len(watch.breaches),
                                 money_fen=totals))



def overview_figures(service):
    """reporting.Overview as a flat dict: every figure, and the sequence per stream."""
    reply = decode(service.call("reporting.Overview", reporting_pb2.OverviewRequest(), timeout=10),
                   reporting_pb2.OverviewReply)
    out = {}
    for field in reply.DESCRIPTOR.fields:
        value = getattr(reply, field.name)
        if field.name == "as_of":
            out["as_of"] = {s.stream: s.last_sequence for s in value}
        elif field.label == field.LABEL_REPEATED:
            out[field.name] = {c.key: c.count for c in value}
        else:
            out[field.name] = value
    return out


def reporting_caught_up(reporting, sources, seconds=60):
    """Waits until `reporting` has applied every event each source numbered; returns the figures."""
    targets = {stream: len(stream_events(svc, stream)) for stream, svc in sources.items()}

    def done():
        figures = overview_figures(reporting)
        return figures if all(figures["as_of"].get(s, 0) >= n for s, n in targets.items()) else None
    figures = wait_for(done, seconds=seconds, interval=0.3)
    if figures is None:
        raise AssertionError("reporting did not apply %s within %d s: %s" % (
            targets, seconds, overview_figures(reporting)["as_of"]))
    return figures
