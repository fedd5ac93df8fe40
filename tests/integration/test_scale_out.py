"""Scale-out: two replicas of every service on one PostgreSQL, one killed mid-run.

For each service in SERVICES: two replicas share one database, key and
principals file; a mixed load of writes and reads goes through hetaoctl with
both endpoints comma-separated, so each call starts at a random replica and
fails over; the replica that holds the relay is killed with SIGKILL while the
load runs. Afterwards every call was answered, no acknowledged write is
missing, none is duplicated (each write repeated with its idempotency key
returns the same entity and adds nothing), the survivor numbered every
change exactly once, a subscriber following both replicas (live SUB, gaps
read back with system.ReadEvents) saw every event once and in order, and the
service's own consistency check (the ledger, where there is one) passes.

A service joins this test as a row of SERVICES: data, not code.
"""
import json
import os
import subprocess
import threading
import unittest

from harness import (BUILD, Database, Service, decode, envelope_pb2, free_port, health, new_key, org_request,
                     read_events, registry_pb2, uscc, wait_caught_up, wait_for)

HETAOCTL = os.path.join(BUILD, "bin", "hetaoctl")

# name: the service (hetao-<name>, its stream, hetaoctl's --<name>-* flags)
# sources: services it follows; the test runs one of each, and `setup` uses them
# setup: (sources, replicas) -> context the writes and reads need (or None)
# write: hetaoctl arguments of the n-th write, given the context; its --json reply has the entity's "id"
# reads: hetaoctl arguments of reads, given the ids written so far
# rows: the ids of every entity the writes make, from the service's database
# check: hetaoctl arguments of the service's own consistency check, exit 0 when it holds (or None)


def registry_org(n):
    return ["org", "register", "--name", "Scale Lab %d" % n, "--kind", "research_institute",
            "--region", "mainland", "--uscc", uscc(500000 + n)]


def agency_setup(sources, replicas):
    """An organization registered at the registry, known to both replicas of the following service."""
    agency = decode(sources["registry"].call("registry.RegisterOrganization", org_request(900001), key=new_key()),
                    registry_pb2.OrganizationReply).organization.id
    for svc in replicas:
        wait_caught_up(svc, sources["registry"], "registry", events=1)
    return agency


SERVICES = [
    dict(name="registry", sources=[], setup=None,
         write=lambda n, _: registry_org(n),
         reads=[lambda ids: ["org", "get", ids[-1]],
                lambda ids: ["org", "list", "--name-contains", "scale"]],
         rows="SELECT id::text FROM organization",
         check=None),
    dict(name="funding", sources=["registry"], setup=agency_setup,
         write=lambda n, agency: ["programme", "create", "--name", "Scale Programme %d" % n, "--agency", agency,
                                  "--budget", "%d.00" % (1000 + n), "--from", "2027-01-01", "--until", "2028-01-01"],
         reads=[lambda ids: ["programme", "get", ids[-1]],
                lambda ids: ["programme", "list"]],
         rows="SELECT id::text FROM programme",
         check=["funding", "ledger-check"]),
    dict(name="customs", sources=["registry"], setup=agency_setup,
         write=lambda n, org: ["case", "open", "--org", org, "--category", "registration_filing",
                               "--priority", "normal", "--description", "Scale case %d" % n],
         reads=[lambda ids: ["case", "get", ids[-1]],
                lambda ids: ["case", "list"]],
         rows="SELECT id::text FROM assistance_case",
         check=None),
]

THREADS = 4
OPERATIONS = 24             # per thread; every third one a read
KILL_AFTER = 15             # acknowledged writes before the kill


def clean_env():
    return {k: v for k, v in os.environ.items() if not k.startswith("HETAO_")}


def stream_of(svc, name):
    """The service's own stream in its health (a following service lists its sources' too)."""
    return next(s for s in health(svc).streams if s.stream == name)


class Subscriber:
    """Follows a stream on every replica's PUB socket, as a subscriber outside would."""

    def __init__(self, replicas, stream):
        self.sockets = [svc.subscribe(topic=stream + ".") for svc in replicas]
        self.live = []                          # (sequence, aggregate_id) in arrival order
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run)
        self.thread.start()

    def run(self):
        import zmq
        poller = zmq.Poller()
        for sock in self.sockets:
            poller.register(sock, zmq.POLLIN)
        while not self.stop.is_set():
            for sock, _ in poller.poll(100):
                frames = sock.recv_multipart()
                event = envelope_pb2.Event()
                event.ParseFromString(frames[-1])
                self.live.append((event.sequence, event.aggregate_id))

    def close(self):
        self.stop.set()
        self.thread.join(10)
        for sock in self.sockets:
            sock.close()

    def delivered(self, history):
        """What a subscriber delivers: live events in sequence, each gap read
        back from `history` (system.ReadEvents), duplicates dropped."""
        by_sequence = {e.sequence: e.aggregate_id for e in history}
        out, last = [], 0
        for sequence, aggregate in self.live:
            if sequence <= last:
                continue
            out += [(s, by_sequence[s]) for s in range(last + 1, sequence)]
            out.append((sequence, aggregate))
            last = sequence
        out += [(s, by_sequence[s]) for s in sorted(by_sequence) if s > last]
        return out


class ScaleOut(unittest.TestCase):
    def run_service(self, spec):
        sources = {}
        for name in spec["sources"]:
            sources[name] = Service(name, workers=2)
            self.addCleanup(sources[name].close)
        db = Database()
        self.addCleanup(db.close)
        args = ("--relay-poll-ms", "20")
        first = Service(spec["name"], db=db, workers=2, args=args, sources=sources)
        self.addCleanup(first.close)
        second = Service(spec["name"], workers=2, args=args, replica_of=first, sources=sources)
        self.addCleanup(second.stop)
        replicas = [first, second]
        context = spec["setup"](sources, replicas) if spec["setup"] else None
        subscriber = Subscriber(replicas, spec["name"])
        self.addCleanup(subscriber.close)

        flag = "--%s-" % spec["name"]
        base = [HETAOCTL, "--cert", first.admin.public_file, "--timeout", "10000",
                flag + "endpoint", ",".join(s.endpoint for s in replicas),
                flag + "events", ",".join(s.events_endpoint for s in replicas),
                flag + "server-key", first.server.public_file]

        def ctl(*args, key=None):
            command = base + (["--idempotency-key", key] if key else []) + ["--json"] + list(args)
            return subprocess.run(command, capture_output=True, text=True, timeout=60, env=clean_env())

        lock = threading.Lock()
        writes = {}                     # n -> (idempotency key, arguments, acknowledged id or None)
        failures = []
        counter = iter(range(1, 1 << 30))

        def worker(index):
            for op in range(OPERATIONS):
                with lock:
                    ids = [w[2] for w in writes.values() if w[2]]
                    n = next(counter)
                if op % 3 == 2 and ids:
                    args = spec["reads"][op % len(spec["reads"])](ids)
                    result = ctl(*args)
                    if result.returncode != 0:
                        failures.append((args, result.returncode, result.stderr))
                    continue
                key = "scale-%s-%d" % (spec["name"], n)
                args = spec["write"](n, context)
                with lock:
                    writes[n] = (key, args, None)
                result = ctl(*args, key=key)
                if result.returncode == 0:
                    with lock:
                        writes[n] = (key, args, json.loads(result.stdout)["id"])
                else:
                    failures.append((args, result.returncode, result.stderr))

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
        for thread in threads:
            thread.start()
        acknowledged = lambda: sum(1 for w in list(writes.values()) if w[2])  # noqa: E731
        self.assertTrue(wait_for(lambda: acknowledged() >= KILL_AFTER, seconds=60),
                        "the load made no progress: %r" % failures[:3])
        active = [i for i, svc in enumerate(replicas) if stream_of(svc, spec["name"]).relay_active]
        doomed = replicas[active[0] if active else 0]
        survivor = replicas[1] if doomed is replicas[0] else replicas[0]
        doomed.proc.kill()
        doomed.proc.wait(10)
        acknowledged_before_kill = acknowledged()
        for thread in threads:
            thread.join(300)
            self.assertFalse(thread.is_alive(), "a load thread did not finish")

        # Every call was answered, by one replica or the other; about half of
        # those after the kill started at the dead replica and failed over.
        self.assertEqual(failures, [], "calls failed although a replica was alive")
        self.assertGreaterEqual(acknowledged() - acknowledged_before_kill, 10, "too little load after the kill")
        for svc in replicas:
            with open(svc.log.name, errors="replace") as log:
                served = log.read().count('"method":"%s.' % spec["name"])
            self.assertGreater(served, 0, "the replica on %s served none of the load" % svc.endpoint)

        # No acknowledged write missing, none duplicated: each write repeated
        # with its key returns the same entity, and the rows are exactly the writes.
        ids = {n: w[2] for n, w in writes.items()}
        for n, (key, args, acked) in sorted(writes.items()):
            again = ctl(*args, key=key)
            self.assertEqual(again.returncode, 0, "repeating write %d: %s" % (n, again.stderr))
            self.assertEqual(json.loads(again.stdout)["id"], acked,
                             "write %d repeated with its key named another entity" % n)
        rows = sorted(r[0] for r in db.query(spec["rows"]))
        self.assertEqual(rows, sorted(ids.values()), "rows are not exactly the acknowledged writes")

        # The survivor holds the relay and numbered every change exactly once.
        self.assertTrue(wait_for(lambda: stream_of(survivor, spec["name"]).relay_active, seconds=20),
                        "the survivor did not take over the relay:\n" + survivor.log_text())
        self.assertTrue(wait_for(lambda: stream_of(survivor, spec["name"]).last_sequence == len(rows), seconds=20),
                        "the survivor did not number all %d changes" % len(rows))
        history = read_events(survivor, stream=spec["name"])
        self.assertEqual([e.sequence for e in history], list(range(1, len(rows) + 1)))
        self.assertEqual(sorted(e.aggregate_id for e in history), rows, "an entity has no event, or two")

        # The subscriber: nothing published twice, everything delivered once in order.
        wait_for(lambda: subscriber.live and subscriber.live[-1][0] == len(rows), seconds=5)
        live = [s for s, _ in subscriber.live]
        self.assertEqual(len(live), len(set(live)), "an event was published twice: %s" % live)
        self.assertEqual(live, sorted(live), "live events arrived out of order: %s" % live)
        delivered = subscriber.delivered(history)
        self.assertEqual([s for s, _ in delivered], list(range(1, len(rows) + 1)))
        self.assertEqual([a for _, a in delivered], [e.aggregate_id for e in history])

        if spec["check"]:
            result = ctl(*spec["check"])
            self.assertEqual(result.returncode, 0, "%s: %s%s" % (spec["check"], result.stdout, result.stderr))

    def test_a_replica_that_refuses_connections_is_skipped(self):
        svc = Service("registry", workers=1)
        self.addCleanup(svc.close)
        dead = "tcp://127.0.0.1:%d" % free_port()          # nothing listens there
        for endpoints in ([dead, svc.endpoint], [svc.endpoint, dead]) * 3:
            result = subprocess.run([HETAOCTL, "--cert", svc.admin.public_file, "--timeout", "20000",
                                     "--registry-endpoint", ",".join(endpoints),
                                     "--registry-server-key", svc.server.public_file, "--json", "health"],
                                    capture_output=True, text=True, timeout=60, env=clean_env())
            self.assertEqual(result.returncode, 0, "%s: %s" % (endpoints, result.stderr))
            self.assertEqual(json.loads(result.stdout)["service"], "registry")

    def test_one_key_sent_to_both_replicas_at_once_makes_one_organization(self):
        first = Service("registry", workers=2)
        self.addCleanup(first.close)
        second = Service("registry", workers=2, replica_of=first)
        self.addCleanup(second.stop)
        ids = []
        for n in range(1, 9):
            key, replies = new_key(), [None, None]

            def send(i):
                replies[i] = [first, second][i].call("registry.RegisterOrganization", org_request(n), key=key)

            threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(30)
            both = [decode(r, registry_pb2.OrganizationReply).organization.id for r in replies]
            self.assertEqual(both[0], both[1], "one key, two organizations")
            ids.append(both[0])
        rows = sorted(r[0] for r in first.db.query("SELECT id::text FROM organization"))
        self.assertEqual(rows, sorted(ids))

    def test_two_replicas_one_killed_mid_load_lose_and_duplicate_nothing(self):
        for spec in SERVICES:
            with self.subTest(service=spec["name"]):
                self.run_service(spec)


if __name__ == "__main__":
    unittest.main()
