"""Start and stop the production stack on loopback: gunicorn instances and a private Redis.

Used by the load benchmark (bench/load.py) and the server tests (tests/load/). Every
process starts in a session (process group) of its own and is stopped by signalling that
group, never by name. Servers bind 127.0.0.1 only, on a port of PORT_RANGE.
"""
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORT_RANGE = range(8101, 8200)
# Ports that play an unreachable service: apart from PORT_RANGE, so a server started after
# dead_port() can never take the port and answer in the dead service's place.
DEAD_PORT_RANGE = range(8200, 8300)
HOST = "127.0.0.1"


def free_port(ports=PORT_RANGE):
    """Return a port of `ports` that nothing listens on now (random order: parallel runs)."""
    candidates = list(ports)
    random.shuffle(candidates)
    for port in candidates:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind((HOST, port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {ports}")


def dead_port(ports=DEAD_PORT_RANGE):
    """Return a port where nothing listens (to play an unreachable service)."""
    return free_port(ports)


class ManagedProcess:
    """A child process in its own process group, stopped with the whole group."""

    def __init__(self, argv, env, log_path, cwd=ROOT):
        self.argv = argv
        self.env = env
        self.log_path = Path(log_path)
        self.cwd = cwd
        self.proc = None

    def start(self):
        """Spawn the process (stdout and stderr to the log file)."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        try:
            self.proc = subprocess.Popen(
                self.argv, env=self.env, cwd=self.cwd, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )
        finally:
            log.close()
        return self

    @property
    def pid(self):
        return self.proc.pid

    def alive(self):
        """True while the main process runs."""
        return self.proc is not None and self.proc.poll() is None

    def signal_group(self, signum):
        """Send `signum` to the process group we created (ours only)."""
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signum)
        except ProcessLookupError:
            pass

    def kill(self):
        """SIGKILL the whole group at once, as a crash would (no graceful shutdown)."""
        self.signal_group(signal.SIGKILL)
        if self.proc is not None:
            self.proc.wait(10)

    def stop(self, timeout=15):
        """Stop gracefully (SIGTERM to the group), then SIGKILL what is left."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.signal_group(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        # Workers may outlive a master that died: clear the group either way.
        self.signal_group(signal.SIGKILL)
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            pass

    def log_text(self):
        """The process's output so far."""
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""


def site_env(database_url, *, redis_url="memory://", key_prefix="aga-load", extra_env=None):
    """Return the environment of a production process of the site (a server or a command) on loopback."""
    env = dict(os.environ)
    for name in ("TEST_DATABASE_URL", "FLASK_RUN_PORT"):
        env.pop(name, None)
    env.update({
        "AGA_CONFIG": "production",
        "SECRET_KEY": env.get("AGA_LOAD_SECRET_KEY", "load-stack-secret-key-not-for-production"),
        # Production refuses to start without a log signer key; a fixed one, for loopback only.
        "TRANSPARENCY_SIGNER_KEY": env.get(
            "AGA_LOAD_SIGNER_KEY",
            "PRIVATE+KEY+load.example/transparency+1f8bf9eb+AQABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f"),
        # Plain HTTP on loopback: a Secure cookie would never come back.
        "SESSION_COOKIE_SECURE": "0",
        "DATABASE_URL": database_url,
        "RATELIMIT_STORAGE_URI": redis_url,
        "RATELIMIT_KEY_PREFIX": key_prefix,
        "PYTHONUNBUFFERED": "1",
    })
    env.update(extra_env or {})
    return env


class Gunicorn(ManagedProcess):
    """The site (or any WSGI app) under gunicorn.conf.py on 127.0.0.1:`port`."""

    def __init__(self, log_path, *, database_url, port=None, app="app:app", workers=2, threads=4,
                 redis_url="memory://", key_prefix="aga-load", extra_env=None, access_log=None, root=ROOT):
        # `root`: the checkout to serve (another one measures older code beside this one).
        self.port = port or free_port()
        env = site_env(database_url, redis_url=redis_url, key_prefix=key_prefix, extra_env=extra_env)
        env.update({
            "HOST": HOST,
            "PORT": str(self.port),
            "WEB_CONCURRENCY": str(workers),
            "GUNICORN_THREADS": str(threads),
            "GUNICORN_ACCESS_LOG": str(access_log) if access_log else "off",
        })
        argv = [sys.executable, "-m", "gunicorn", "--config", str(Path(root) / "gunicorn.conf.py"), app]
        super().__init__(argv, env, log_path, cwd=root)

    @property
    def url(self):
        return f"http://{HOST}:{self.port}"

    def wait_ready(self, path="/healthz", statuses=(200,), timeout=30):
        """Wait until `path` answers one of `statuses`; raise with the log if it never does."""
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(f"server exited ({self.proc.returncode}):\n{self.log_text()[-4000:]}")
            try:
                with urllib.request.urlopen(self.url + path, timeout=5) as response:
                    last = response.status
            except urllib.error.HTTPError as error:
                last = error.code
            except OSError as error:
                last = error
            if last in statuses:
                return self
            time.sleep(0.1)
        raise RuntimeError(f"server not ready ({last!r}):\n{self.log_text()[-4000:]}")

    def worker_pids(self):
        """The pids of the master's current web workers (not gunicorn's dirty arbiter)."""
        arbiters = {int(pid) for pid in re.findall(r"Spawned dirty arbiter \(pid: (\d+)\)", self.log_text())}
        return [pid for pid in children(self.pid) if pid not in arbiters]

    def dirty_pids(self):
        """The pids of gunicorn's dirty arbiter and its workers (the transparency sequencer's process)."""
        arbiters = [pid for pid in children(self.pid) if pid not in self.worker_pids()]
        return arbiters + [pid for arbiter in arbiters for pid in children(arbiter)]


def children(pid):
    """The pids of a process's children (none once it is gone)."""
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except FileNotFoundError:
        return []


class Sequencer(ManagedProcess):
    """The site's sequencer in a process of its own: `flask transparency integrate --watch`."""

    def __init__(self, log_path, *, database_url, extra_env=None, root=ROOT):
        env = site_env(database_url, extra_env=extra_env)
        argv = [sys.executable, "-m", "flask", "--app", "app", "transparency", "integrate", "--watch"]
        super().__init__(argv, env, log_path, cwd=root)


class Redis(ManagedProcess):
    """A private, memory-only redis-server on 127.0.0.1 (keeps the benchmark's keys apart)."""

    def __init__(self, log_path, port=None):
        self.port = port or free_port()
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed")
        argv = [binary, "--bind", HOST, "--port", str(self.port), "--save", "", "--appendonly", "no"]
        super().__init__(argv, dict(os.environ), log_path)

    @property
    def url(self):
        return f"redis://{HOST}:{self.port}"

    def wait_ready(self, timeout=10):
        """Wait until the server accepts connections."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((HOST, self.port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server not ready:\n{self.log_text()[-2000:]}")
