"""own_cluster - a private PostgreSQL cluster that a test may restart.

Other tests share the suite's cluster in parallel, so a test that restarts
PostgreSQL makes its own: initdb in a fresh directory, a free port on
127.0.0.1, no Unix socket. PostgreSQL refuses to run as root, so a root
caller runs the cluster as the unprivileged user `hetao`, as deploy/dev does
(created here if missing).
"""
import glob
import os
import shutil
import subprocess
import tempfile
import time

from harness import free_port


def _bindir():
    try:
        out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True).stdout.strip()
        if out and os.path.exists(os.path.join(out, "initdb")):
            return out
    except FileNotFoundError:
        pass
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise RuntimeError("initdb not found: is the postgresql package installed?")
    return os.path.dirname(found[-1])


class Cluster:
    def __init__(self):
        self.bindir = _bindir()
        self.root = os.geteuid() == 0
        self.dir = tempfile.mkdtemp(prefix="hetao-faults-pg-", dir="/var/tmp")
        if self.root:
            if subprocess.run(["id", "hetao"], capture_output=True).returncode != 0:
                subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "hetao"],
                               check=True)
            shutil.chown(self.dir, "hetao")
        self.data = os.path.join(self.dir, "data")
        self.log = os.path.join(self.dir, "server.log")
        self._run("initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8")
        with open(os.path.join(self.data, "postgresql.conf"), "a") as conf:
            conf.write("listen_addresses = '127.0.0.1'\nunix_socket_directories = ''\n"
                       "max_connections = 100\nshared_buffers = 32MB\nsynchronous_commit = on\n")
        # The port is chosen just before the first start (initdb takes seconds,
        # in which a test running beside this one may bind the same port), and
        # chosen again should another program take it first.
        for attempt in range(3):
            self.port = free_port()
            with open(os.path.join(self.data, "postgresql.conf"), "a") as conf:
                conf.write("port = %d\n" % self.port)      # the last one written counts
            try:
                self.start()
                break
            except RuntimeError as e:
                if attempt == 2 or "could not bind" not in str(e):
                    raise
        self.dsn = "host=127.0.0.1 port=%d user=postgres dbname=postgres" % self.port

    def _run(self, program, *args, check=True):
        command = [os.path.join(self.bindir, program)] + list(args)
        if self.root:
            command = ["runuser", "-u", "hetao", "--"] + command
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if check and result.returncode != 0:
            raise RuntimeError("%s failed: %s%s%s" % (program, result.stdout, result.stderr, self.log_tail()))
        return result

    def log_tail(self):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()[-2000:]
        except OSError:
            return ""

    def start(self):
        """Starts the server and returns when it accepts connections (pg_ctl -w)."""
        self._run("pg_ctl", "-D", self.data, "-l", self.log, "-w", "-t", "60", "start")
        return time.monotonic()

    def stop(self, mode="fast"):
        self._run("pg_ctl", "-D", self.data, "-m", mode, "-w", "-t", "60", "stop")

    def restart(self, mode):
        """pg_ctl restart -m MODE; returns the monotonic time at which the server accepts connections again."""
        self._run("pg_ctl", "-D", self.data, "-l", self.log, "-m", mode, "-w", "-t", "60", "restart")
        return time.monotonic()

    def close(self):
        self._run("pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop", check=False)
        shutil.rmtree(self.dir, ignore_errors=True)
