#!/usr/bin/python3
"""The soak: 32 clients over every service (each service's main writes and
reads, tests/park_stack.py) for a fixed time, while the services' resident
memory, open file descriptors and database connections are sampled every
second from /proc and pg_stat_activity.

It proves: no unexpected error (every reply OK, none missing); resident
memory flat (the mean of the last window within 5% of the first window's,
for each service); no growth in database connections (the last window's
highest no higher than the first window's) nor in file descriptors beyond
the clients to other services that each worker makes once, when it first
asks (ParkStack.lazy_descriptors: a handful, never more). The windows
are the first and last 10 s of a 60 s run, the first and last minute of a
10-minute one. They follow a warm-up under the same load, in which each
worker's connection, statements, arena and allocator, and each consumer's
queues, reach their working size: it lasts until no service's memory grew
more than 1% in 30 s (at least 30 s, at most 150 s; 60 to 240 s for the long
form). Reporting takes longest: on 2026-12-03 it grew from 15.8 to 18.2 MB
in its first two minutes, then stayed within 1% for ten (docs/reliability.md,
"Soak").

    ctest -R soak.test_soak                 # 60 s, in deploy/dev test
    deploy/dev soak [SECONDS]               # the long form: 600 s by default
Environment: HETAO_SOAK_SECONDS (60), HETAO_SOAK_CLIENTS (32),
HETAO_SOAK_REPORT (a file for the samples and figures, as JSON).
"""
import json
import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import psycopg2  # noqa: E402
from harness import admin_dsn  # noqa: E402
from park_stack import ParkClient, ParkStack, SERVICES, run_clients  # noqa: E402

SECONDS = int(os.environ.get("HETAO_SOAK_SECONDS", "60"))
CLIENTS = int(os.environ.get("HETAO_SOAK_CLIENTS", "32"))
LONG = SECONDS >= 600
WARMUP_MIN, WARMUP_MAX = (60, 240) if LONG else (30, 150)   # seconds of load before the first window
SETTLED, SETTLE_SPAN = 0.01, 30         # the warm-up ends when no service grew more in this span
WINDOW = 60 if LONG else 10             # the first and last window compared
GROWTH = 0.05                           # resident memory may differ this much


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


class Sampler(threading.Thread):
    """Every second: each service's RSS and descriptors, and its database's connections."""

    def __init__(self, stack):
        super().__init__(daemon=True)
        self.services = stack.services()
        self.samples = []
        self.stopping = threading.Event()

    def run(self):
        conn = psycopg2.connect(admin_dsn())
        conn.autocommit = True
        started = time.monotonic()
        names = {svc.db.name: name for name, svc in self.services.items()}
        try:
            while not self.stopping.wait(1.0):
                with conn.cursor() as cur:
                    # Client backends only: parallel query workers come and go.
                    cur.execute("SELECT datname, count(*) FROM pg_stat_activity WHERE datname = ANY (%s)"
                                " AND backend_type = 'client backend' GROUP BY datname", (list(names),))
                    connections = {names[db]: count for db, count in cur.fetchall()}
                sample = {"t": round(time.monotonic() - started, 1)}
                for name, svc in self.services.items():
                    sample[name] = {"rss_kb": rss_kb(svc.proc.pid), "fds": fds(svc.proc.pid),
                                    "db": connections.get(name, 0)}
                self.samples.append(sample)
        finally:
            conn.close()

    def stop(self):
        self.stopping.set()
        self.join()


def settle(sampler):
    """Waits, under load, until no service's memory grew more than SETTLED in
    the last SETTLE_SPAN seconds (within WARMUP_MIN..WARMUP_MAX); returns that time."""
    while True:
        time.sleep(1.0)
        samples = list(sampler.samples)
        if not samples or samples[-1]["t"] < WARMUP_MIN:
            continue
        now = samples[-1]
        before = next((s for s in reversed(samples) if s["t"] <= now["t"] - SETTLE_SPAN), None)
        if before is None:
            continue
        if now["t"] >= WARMUP_MAX or all(now[name]["rss_kb"] <= before[name]["rss_kb"] * (1 + SETTLED)
                                         for name in SERVICES):
            return now["t"]


def window(samples, start, end):
    return [s for s in samples if start <= s["t"] < end]


def summary(samples, start, seconds):
    """Per service: the first and last window's mean RSS, highest descriptors and
    connections, for the `seconds` measured from `start`."""
    first = window(samples, start, start + WINDOW)
    last = window(samples, start + seconds - WINDOW, start + seconds + 1)
    figures = {}
    for name in SERVICES:
        def mean(rows, key):
            return sum(r[name][key] for r in rows) / len(rows)
        figures[name] = {
            "rss_kb_first": round(mean(first, "rss_kb")), "rss_kb_last": round(mean(last, "rss_kb")),
            "rss_kb_peak": max(s[name]["rss_kb"] for s in samples),
            "fds_first": max(r[name]["fds"] for r in first), "fds_last": max(r[name]["fds"] for r in last),
            "db_first": max(r[name]["db"] for r in first), "db_last": max(r[name]["db"] for r in last),
        }
    return figures


class Soak(unittest.TestCase):
    def test_32_clients_over_every_service_meet_no_error_and_leave_memory_descriptors_and_connections_flat(self):
        stack = ParkStack(workers=4)
        lazy = {name: stack.lazy_descriptors(name) for name in SERVICES}
        clients = []
        try:
            clients = [ParkClient(stack, n) for n in range(CLIENTS)]
            sampler = Sampler(stack)
            stop = threading.Event()
            load = threading.Thread(target=run_clients, args=(clients, stop))
            sampler.start()
            load.start()
            try:
                warmup = settle(sampler)
                time.sleep(SECONDS + 1)
            finally:
                stop.set()
                load.join()
                sampler.stop()
        finally:
            for client in clients:
                client.close()
            stack.close()

        figures = summary(sampler.samples, warmup, SECONDS)
        calls = sum(c.calls for c in clients)
        errors = [e for c in clients for e in c.errors]
        report = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "seconds": SECONDS,
                  "warmup": warmup, "window": WINDOW, "clients": CLIENTS, "calls": calls,
                  "errors": len(errors), "figures": figures, "samples": sampler.samples}
        if os.environ.get("HETAO_SOAK_REPORT"):
            with open(os.environ["HETAO_SOAK_REPORT"], "w") as f:
                json.dump(report, f, indent=1)
        print("\nsoak: %d clients, %d s after %.0f s warm-up, %d calls, %d unexpected errors"
              % (CLIENTS, SECONDS, warmup, calls, len(errors)), file=sys.stderr)
        for name, f in figures.items():
            print("  %-9s RSS %6d -> %6d kB (peak %d)  fds %d -> %d  db connections %d -> %d"
                  % (name, f["rss_kb_first"], f["rss_kb_last"], f["rss_kb_peak"], f["fds_first"], f["fds_last"],
                     f["db_first"], f["db_last"]), file=sys.stderr)

        # Every client did every kind of step: the run proved something.
        for client in clients:
            self.assertTrue(all(client.done.values()), "a client skipped steps: %s" % client.done)
        self.assertEqual(errors, [], "%d unexpected errors, the first: %s" % (len(errors), errors[:5]))
        for name, f in figures.items():
            self.assertLessEqual(f["rss_kb_last"], f["rss_kb_first"] * (1 + GROWTH),
                                 "%s: resident memory grew from %d kB to %d kB" % (name, f["rss_kb_first"],
                                                                                  f["rss_kb_last"]))
            self.assertLessEqual(f["fds_last"], f["fds_first"] + lazy[name],
                                 "%s: file descriptors grew beyond its workers' clients to sources" % name)
            self.assertLessEqual(f["db_last"], f["db_first"], "%s: database connections grew" % name)


if __name__ == "__main__":
    unittest.main()
