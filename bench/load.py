"""Load benchmark: simulated citizens against gunicorn + PostgreSQL + Redis on this machine.

One command (`make bench-load`, or `.venv/bin/python bench/load.py`) runs every phase, each
bounded in time, against servers it starts itself on 127.0.0.1 (ports 8101-8199): the site
under gunicorn.conf.py, a private memory-only redis-server, and the PostgreSQL database
`bench_load` (created if missing, emptied and migrated on every run):

1. register + log in: each simulated citizen registers through the form (scrypt, as in
   production), then logs in from a second "device";
2. mixed: citizens browse the 900-proposal consultation, open proposals, vote, withdraw and
   comment, back to back (the saturation throughput of a realistic mix);
3. vote: the vote path alone (POST /proposals/<id>/vote -> 303), back to back;
4. paced votes: the same citizens pausing between votes (exponential think time) at fixed
   fractions of the saturation rate: the latency people see below saturation;
5. ceiling: a bare Flask route inserting one row (bench/ceiling_app.py), same gunicorn
   settings, same driver;
6. page: the consultation page with 900 proposals, one request at a time, first page of 30
   (the default) and then all 900 on one page (PROPOSALS_PER_PAGE=900); server time is
   gunicorn's own request time from its access log;
7. kill: a vote burst during which two gunicorn workers are SIGKILLed (the master replaces
   them); citizens press again after a dead request;
8. sqlite: the register + mixed workload on SQLite with the same workers (WAL + busy timeout);
9. with --page-votes N: the consultation filled to N active votes by SQL (synthetic
   citizens), and its first page measured again;

then checks that each database holds exactly the votes and comments acknowledged to the
citizens: nothing lost, nothing doubled (requests that died in flight are "in doubt" and
may have gone either way). For each phase it prints requests/s, p50/p95/p99 and errors
per action, and the CPU each process used per request (driver, app, PostgreSQL, Redis):
the driver shares the machine's cores with the servers. Every process it started is
stopped at the end. Results are also written as JSON under bench/out/.
"""
import argparse
import asyncio
import json
import os
import platform
import random
import re
import signal
import sys
import time
import uuid
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.stack import Gunicorn, Redis  # noqa: E402

OUT = ROOT / "bench" / "out"
SLUG = "bench-900"
PROPOSALS = 900
PASSWORD = "una frase de prueba para la carga"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
COMMENT_RE = re.compile(r"\[(b[0-9a-f]{8}-\d+-\d+)\]")
ACCESS_US_RE = re.compile(r'"(GET|POST) (\S+) HTTP/[\d.]+" (\d{3}) .* us=(\d+)')
# Limits raised for this run only: every simulated citizen comes from 127.0.0.1.
BENCH_LIMITS = {
    "LOGIN_RATE_LIMIT": "1000000 per minute",
    "REGISTER_RATE_LIMIT": "1000000 per minute",
    "VOTE_RATE_LIMIT": "1000000 per minute",
    "COMMENT_RATE_LIMIT": "1000000 per minute",
    "REPORT_RATE_LIMIT": "1000000 per minute",
    "LOGIN_LOCK_AFTER": "1000000",
    "LOGIN_FAILURE_RATE_LIMIT": "1000000 per minute",
    "REGISTER_ATTEMPT_RATE_LIMIT": "1000000 per minute",
    # Simulated citizens have no mailbox: they take part without confirming.
    "EMAIL_CONFIRMATION_REQUIRED": "0",
}


# ---------------------------------------------------------------------------- database


def _app_for(database_url):
    from aga_consulta import create_app

    return create_app("development", overrides={"SQLALCHEMY_DATABASE_URI": database_url})


def prepare_database(database_url, vote_cap):
    """Empty the database, migrate it, create the 900-proposal consultation and the ceiling table."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from aga_consulta.consultations.services import create_consultation
    from aga_consulta.extensions import db
    from aga_consulta.proposals.services import create_proposal, get_or_create_theme
    from aga_consulta.territory.divipola import DEPARTMENTS
    from aga_consulta.timeutil import utcnow

    app = _app_for(database_url)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()
        now = utcnow()
        consultation = create_consultation(
            slug=SLUG, title="Consulta de carga (900 propuestas)", opens_at=now - timedelta(days=1),
            closes_at=now + timedelta(days=7), vote_cap=vote_cap, description="Benchmark",
        )
        themes = [get_or_create_theme(f"tema-{i}", f"Tema {i}") for i in range(12)]
        departments = sorted(DEPARTMENTS)
        for i in range(PROPOSALS):
            national = i % 3 == 0
            create_proposal(consultation, {
                "code": f"B-{i:04d}", "title": f"Propuesta de carga número {i}",
                "scope": "national" if national else "subnational",
                "department_code": "" if national else departments[i % len(departments)],
                "theme": themes[i % len(themes)].name, "summary": "Resumen " * 20, "body": "Cuerpo " * 80,
                "proposer": "Entidad de prueba",
            }, commit=False)
        db.session.commit()
        proposal_ids = [row[0] for row in db.session.execute(
            text("SELECT id FROM proposals WHERE consultation_id = :c ORDER BY id"), {"c": consultation.id}
        )]
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text(
                    "CREATE TABLE bench_ceiling (id bigserial PRIMARY KEY, worker integer NOT NULL,"
                    " created_at timestamp NOT NULL DEFAULT now())"
                ))
        db.engine.dispose()
    return proposal_ids


def ensure_pg_database(database_url):
    """Create the benchmark's PostgreSQL database if it does not exist."""
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(database_url)
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (url.database,)).fetchone():
            conn.execute(f'CREATE DATABASE "{url.database}"')


def database_state(database_url, run_id):
    """Votes per (email, proposal) as (rows, active), and the comment markers stored."""
    from sqlalchemy import text

    from aga_consulta.extensions import db

    app = _app_for(database_url)
    with app.app_context():
        votes = {}
        for email, proposal_id, rows, active in db.session.execute(text(
            "SELECT u.email, v.proposal_id, count(*), sum(CASE WHEN v.withdrawn_at IS NULL THEN 1 ELSE 0 END)"
            " FROM votes v JOIN users u ON u.id = v.user_id WHERE u.email LIKE :p"
            " GROUP BY u.email, v.proposal_id"
        ), {"p": f"bench-{run_id}-%"}):
            votes[(email, proposal_id)] = (int(rows), int(active))
        markers = Counter()
        for (body,) in db.session.execute(text("SELECT body FROM comments WHERE body LIKE :p"), {"p": f"%[b{run_id}-%"}):
            markers.update(COMMENT_RE.findall(body))
        db.engine.dispose()
    return votes, markers


# ---------------------------------------------------------------------------- measuring


class Ledger:
    """What the citizens were told: acknowledged, refused or in doubt (died in flight)."""

    def __init__(self):
        self.votes = defaultdict(lambda: {"vote": 0, "unvote": 0, "doubt": 0, "refused": 0})
        self.comments = set()
        self.comments_in_doubt = set()

    def vote(self, email, proposal_id, action, outcome):
        entry = self.votes[(email, proposal_id)]
        if outcome == "ack":
            entry[action] += 1
        elif outcome == "doubt":
            entry["doubt"] += 1
        else:
            entry["refused"] += 1


def check_ledger(ledger, votes, markers):
    """Compare the ledger with the database: nothing lost, nothing doubled."""
    report = Counter()
    for key, entry in ledger.votes.items():
        rows, active = votes.get(key, (0, 0))
        report["vote pairs"] += 1
        report["votes acknowledged"] += entry["vote"]
        report["withdrawals acknowledged"] += entry["unvote"]
        if entry["doubt"]:
            report["pairs with a request in doubt"] += 1
        if rows < entry["vote"]:
            report["LOST: acknowledged votes missing"] += entry["vote"] - rows
        if rows > entry["vote"] + entry["doubt"]:
            report["DOUBLED: vote rows nobody was told of"] += rows - entry["vote"] - entry["doubt"]
        if not entry["doubt"] and active != entry["vote"] - entry["unvote"]:
            report["WRONG: active vote differs from the acknowledged actions"] += 1
        if active > 1:
            report["DOUBLED: more than one active vote"] += 1
    for key in set(votes) - set(ledger.votes):
        report["DOUBLED: vote rows for pairs never tried"] += votes[key][0]
    report["vote rows in the database"] = sum(r for r, _ in votes.values())
    report["comments acknowledged"] = len(ledger.comments)
    report["comments in the database"] = sum(markers.values())
    report["LOST: acknowledged comments missing"] = len(ledger.comments - set(markers))
    report["DOUBLED: comments stored twice"] = sum(1 for n in markers.values() if n > 1)
    report["DOUBLED: comments nobody was told of"] = len(set(markers) - ledger.comments - ledger.comments_in_doubt)
    report["ok"] = not any(v for k, v in report.items() if k.split(":")[0] in ("LOST", "DOUBLED", "WRONG"))
    return dict(report)


#: The processes whose CPU time a phase accounts for, by role (set as servers start).
WATCHED = {"app": None, "redis": None}
_TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """CPU seconds (user + system) a process has used so far; None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / _TICK  # utime + stime


def postgres_pids():
    """The pids of this machine's PostgreSQL processes (server, backends, writers)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
            except OSError:
                pass
    return pids


def _pids_by_role():
    roles = {"driver": [os.getpid()], "app": [], "postgresql": postgres_pids(), "redis": []}
    app = WATCHED["app"]
    if app is not None and app.alive():
        roles["app"] = [app.pid] + app.worker_pids() + app.dirty_pids()
    if WATCHED["redis"] is not None:
        roles["redis"] = [WATCHED["redis"].pid]
    return roles


def cpu_snapshot():
    """CPU seconds used so far by each watched process, by role."""
    return {role: {pid: cpu_seconds(pid) for pid in pids} for role, pids in _pids_by_role().items()}


def cpu_delta(before, after):
    """CPU seconds each role used between two snapshots (processes started since count whole)."""
    used = {}
    for role, pids in after.items():
        used[role] = sum(
            (cpu or 0) - (before.get(role, {}).get(pid) or 0) for pid, cpu in pids.items() if cpu is not None
        )
    return used


class Recorder:
    """Latency, status and errors per action for one phase."""

    def __init__(self, name):
        self.name = name
        self.samples = defaultdict(list)
        self.statuses = defaultdict(Counter)
        self.errors = Counter()
        self.started = time.perf_counter()
        self.cpu_started = time.process_time()
        self.machine_started = _machine_cpu()
        self.processes_started = cpu_snapshot()
        self.wall = None

    async def call(self, action, client, method, url, expect, **kwargs):
        """Make one request; return the response, or None if it died in flight."""
        started = time.perf_counter()
        try:
            response = await client.request(method, url, **kwargs)
        except httpx.TransportError as error:
            if method != "GET":
                self.statuses[action][type(error).__name__] += 1
                self.errors[action] += 1
                return None
            # A keep-alive connection the server closed as it was reused: browsers resend
            # an idempotent request once, and so does the driver (counted, not an error).
            self.statuses[action]["resent"] += 1
            started = time.perf_counter()
            try:
                response = await client.request(method, url, **kwargs)
            except httpx.TransportError as error:
                self.statuses[action][type(error).__name__] += 1
                self.errors[action] += 1
                return None
        self.samples[action].append(time.perf_counter() - started)
        self.statuses[action][response.status_code] += 1
        if response.status_code not in expect:
            self.errors[action] += 1
        return response

    def finish(self):
        self.wall = time.perf_counter() - self.started
        busy, total = _machine_cpu()
        busy0, total0 = self.machine_started
        self.machine_busy = (busy - busy0) / max(total - total0, 1)
        self.driver_cpu = (time.process_time() - self.cpu_started) / self.wall
        self.cpu_by_role = cpu_delta(self.processes_started, cpu_snapshot())
        # Whatever else ran on the machine meanwhile (other work shares these cores).
        ours = sum(self.cpu_by_role.values())
        self.other_cpu = max(0.0, self.machine_busy * os.cpu_count() * self.wall - ours) / self.wall
        return self

    def summary(self):
        actions = {}
        for action in sorted(set(self.samples) | set(self.errors)):
            samples = sorted(self.samples[action])
            actions[action] = {
                "requests": len(samples) + sum(v for k, v in self.statuses[action].items()
                                               if isinstance(k, str) and k != "resent"),
                "rps": round(len(samples) / self.wall, 1),
                "p50_ms": _pct(samples, 50), "p95_ms": _pct(samples, 95), "p99_ms": _pct(samples, 99),
                "errors": self.errors[action],
                "statuses": {str(k): v for k, v in sorted(self.statuses[action].items(), key=str)},
            }
        answered = sum(len(v) for v in self.samples.values())
        return {
            "phase": self.name, "seconds": round(self.wall, 1), "actions": actions,
            "cpu_ms_per_request": {role: round(seconds * 1000 / max(answered, 1), 2)
                                   for role, seconds in self.cpu_by_role.items()},
            "total_rps": round(sum(len(s) for s in self.samples.values()) / self.wall, 1),
            "machine_cpu_busy": round(self.machine_busy, 3), "driver_cpu_of_one_core": round(self.driver_cpu, 3),
            "other_processes_cpu_of_one_core": round(self.other_cpu, 3),
        }


def _pct(samples, pct):
    if not samples:
        return None
    index = min(len(samples) - 1, max(0, round(pct / 100 * len(samples) + 0.5) - 1))
    return round(samples[index] * 1000, 1)


def _machine_cpu():
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def print_phase(summary, extra=""):
    print(f"\n== {summary['phase']}  ({summary['seconds']} s, {summary['total_rps']} req/s in all, "
          f"machine CPU {summary['machine_cpu_busy'] * 100:.0f}% busy, driver {summary['driver_cpu_of_one_core'] * 100:.0f}% of a core, "
          f"other processes {summary['other_processes_cpu_of_one_core'] * 100:.0f}% of a core){extra}")
    print(f"   {'action':<14}{'requests':>9}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'errors':>8}  statuses")
    for action, row in summary["actions"].items():
        print(f"   {action:<14}{row['requests']:>9}{row['rps']:>9}{_fmt(row['p50_ms'])}{_fmt(row['p95_ms'])}"
              f"{_fmt(row['p99_ms'])}{row['errors']:>8}  {row['statuses']}")
    cpu = summary["cpu_ms_per_request"]
    print("   CPU ms per request: " + ", ".join(f"{role} {ms}" for role, ms in cpu.items())
          + f"; server side (app + PostgreSQL + Redis) {cpu['app'] + cpu['postgresql'] + cpu['redis']:.2f}")


def _fmt(value):
    return f"{value:>9}" if value is not None else f"{'-':>9}"


# ---------------------------------------------------------------------------- citizens


class Citizen:
    """A simulated citizen: one browser (cookie jar, one keep-alive connection)."""

    def __init__(self, base_url, run_id, n):
        self.email = f"bench-{run_id}-{n}@example.co"
        self.n = n
        self.run_id = run_id
        self.base_url = base_url
        self.client = None
        self.token = None
        self.voted = set()
        self.comments = 0
        self.cookies = None

    def _client(self):
        # Accept JSON: a refused vote then answers 409 (what the ledger counts), not a 303.
        return httpx.AsyncClient(base_url=self.base_url, follow_redirects=False, timeout=60,
                                 limits=httpx.Limits(max_connections=1), headers={"Accept": "application/json"})

    async def register_and_login(self, rec):
        """Register through the form, then log in from a second device (kept for the rest)."""
        async with self._client() as first:
            page = await rec.call("register_form", first, "GET", "/auth/register", (200,))
            form = {
                "csrf_token": _token(page), "name": f"Ciudadana de carga {self.n}", "email": self.email,
                "password": PASSWORD, "password_confirm": PASSWORD, "department": "11", "accept_terms": "y",
            }
            await rec.call("register", first, "POST", "/auth/register", (302,), data=form)
        self.client = self._client()
        page = await rec.call("login_form", self.client, "GET", "/auth/login", (200,))
        form = {"csrf_token": _token(page), "email": self.email, "password": PASSWORD}
        await rec.call("login", self.client, "POST", "/auth/login", (302,), data=form)

    async def ensure_token(self, rec, proposal_id):
        if self.token is None:
            page = await rec.call("proposal", self.client, "GET", f"/proposals/{proposal_id}", (200,))
            self.token = _token(page)
            self.cookies = httpx.Cookies(self.client.cookies)

    def _as_after_redirect(self):
        # A browser follows the 303 to the proposal page, which shows (and so removes) the
        # flash message. The driver does not fetch that page; it puts the session back as it
        # would be after it, instead of carrying an ever-growing list of flashes.
        self.client.cookies = httpx.Cookies(self.cookies)

    async def vote(self, rec, ledger, proposal_id, action="vote", retry_until=None):
        """Vote or withdraw; with `retry_until`, press again after a dead request (kill phase)."""
        while True:
            response = await rec.call(action, self.client, "POST", f"/proposals/{proposal_id}/{action}",
                                      (303,), data={"csrf_token": self.token})
            self._as_after_redirect()
            if response is not None and response.status_code == 303:
                ledger.vote(self.email, proposal_id, action, "ack")
                return True
            if response is not None and response.status_code < 500:
                ledger.vote(self.email, proposal_id, action, "refused")
                return False
            ledger.vote(self.email, proposal_id, action, "doubt")
            if retry_until is None or time.monotonic() > retry_until:
                return False
            await asyncio.sleep(0.05)

    async def comment(self, rec, ledger, proposal_id):
        self.comments += 1
        marker = f"b{self.run_id}-{self.n}-{self.comments}"
        body = f"Comentario de carga [{marker}]: me parece una propuesta útil para mi municipio."
        response = await rec.call("comment", self.client, "POST", f"/proposals/{proposal_id}/comments", (303,),
                                  data={"csrf_token": self.token, "body": body})
        self._as_after_redirect()
        if response is not None and response.status_code == 303:
            ledger.comments.add(marker)
        elif response is None or response.status_code >= 500:
            ledger.comments_in_doubt.add(marker)

    async def close(self):
        if self.client is not None:
            await self.client.aclose()


def _token(response):
    match = CSRF_RE.search(response.text if response is not None else "")
    if not match:
        raise RuntimeError(f"no CSRF token in the page ({response.status_code if response is not None else 'no answer'})")
    return match.group(1)


async def phase_register(base_url, run_id, count, start=0):
    rec = Recorder("register + log in")
    citizens = [Citizen(base_url, run_id, start + n) for n in range(count)]
    await asyncio.gather(*(c.register_and_login(rec) for c in citizens))
    return citizens, rec.finish()


async def phase_mixed(citizens, proposal_ids, ledger, seconds, seed=1):
    """Browse, read, vote, withdraw and comment, as people do (about 1 write in 3 requests)."""
    rec = Recorder("mixed")
    deadline = time.monotonic() + seconds
    pages = -(-len(proposal_ids) // 30)

    async def person(citizen):
        rng = random.Random(seed * 1000 + citizen.n)
        await citizen.ensure_token(rec, proposal_ids[0])
        while time.monotonic() < deadline:
            if rng.random() < 0.7:
                query = f"?page={rng.randint(1, pages)}"
            else:
                query = rng.choice(("?scope=national", "?sort=recent", "?department=76", "?theme=tema-3"))
            await rec.call("browse", citizen.client, "GET", f"/consultations/{SLUG}{query}", (200,))
            proposal_id = rng.choice(proposal_ids)
            await rec.call("proposal", citizen.client, "GET", f"/proposals/{proposal_id}", (200,))
            roll = rng.random()
            if roll < 0.45:
                if proposal_id in citizen.voted:
                    if await citizen.vote(rec, ledger, proposal_id, "unvote"):
                        citizen.voted.discard(proposal_id)
                elif await citizen.vote(rec, ledger, proposal_id, "vote"):
                    citizen.voted.add(proposal_id)
            elif roll < 0.6 and citizen.voted:
                withdrawn = rng.choice(sorted(citizen.voted))
                if await citizen.vote(rec, ledger, withdrawn, "unvote"):
                    citizen.voted.discard(withdrawn)
            elif roll < 0.7:
                await citizen.comment(rec, ledger, proposal_id)

    await asyncio.gather(*(person(c) for c in citizens))
    return rec.finish()


async def phase_votes(citizens, proposal_ids, ledger, seconds, name="vote", retry=False, during=None):
    """Only the vote path: each citizen votes on proposals it has not voted for, back to back."""
    rec = Recorder(name)
    deadline = time.monotonic() + seconds

    async def person(citizen):
        rng = random.Random(citizen.n)
        await citizen.ensure_token(rec, proposal_ids[0])
        todo = [p for p in proposal_ids if p not in citizen.voted]
        rng.shuffle(todo)
        for proposal_id in todo:
            if time.monotonic() >= deadline:
                break
            if await citizen.vote(rec, ledger, proposal_id, retry_until=deadline + 15 if retry else None):
                citizen.voted.add(proposal_id)

    tasks = [asyncio.create_task(person(c)) for c in citizens]
    if during is not None:
        tasks.append(asyncio.create_task(during(seconds)))
    await asyncio.gather(*tasks)
    return rec.finish()


async def phase_paced(citizens, proposal_ids, ledger, rate, seconds):
    """Votes at about `rate` per second in all: each citizen thinks (exponential pauses)
    between votes, as people do, instead of firing back to back."""
    rec = Recorder(f"vote at {rate:.0f}/s offered")
    deadline = time.monotonic() + seconds
    mean_pause = len(citizens) / rate

    async def person(citizen):
        rng = random.Random(int(rate) * 7919 + citizen.n)
        await citizen.ensure_token(rec, proposal_ids[0])
        todo = [p for p in proposal_ids if p not in citizen.voted]
        rng.shuffle(todo)
        await asyncio.sleep(rng.uniform(0, mean_pause))
        for proposal_id in todo:
            if time.monotonic() >= deadline:
                break
            started = time.monotonic()
            if await citizen.vote(rec, ledger, proposal_id):
                citizen.voted.add(proposal_id)
            pause = rng.expovariate(1 / mean_pause) - (time.monotonic() - started)
            await asyncio.sleep(max(0.0, min(pause, deadline - time.monotonic())))

    await asyncio.gather(*(person(c) for c in citizens))
    return rec.finish()


async def phase_ceiling(base_url, clients, seconds):
    rec = Recorder("ceiling")
    deadline = time.monotonic() + seconds

    async def client_loop():
        async with httpx.AsyncClient(base_url=base_url, timeout=60, limits=httpx.Limits(max_connections=1)) as client:
            while time.monotonic() < deadline:
                await rec.call("insert", client, "POST", "/insert", (200,))

    await asyncio.gather(*(client_loop() for _ in range(clients)))
    return rec.finish()


async def phase_page(base_url, requests, name):
    rec = Recorder(name)
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        for _ in range(requests):
            await rec.call("page", client, "GET", f"/consultations/{SLUG}", (200,))
    return rec.finish()


def server_times(log_path, offset, path_prefix):
    """Request times (ms) that gunicorn logged for GETs of `path_prefix` after `offset`."""
    with open(log_path, "rb") as log:
        log.seek(offset)
        lines = log.read().decode(errors="replace").splitlines()
    times = []
    for line in lines:
        match = ACCESS_US_RE.search(line)
        if match and match.group(1) == "GET" and match.group(2).startswith(path_prefix):
            times.append(int(match.group(4)) / 1000)
    return sorted(times)


def log_size(path):
    return Path(path).stat().st_size if Path(path).exists() else 0


# ---------------------------------------------------------------------------- the run


def machine():
    """What the figures were measured on (no paths)."""
    from importlib.metadata import version

    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    return {
        "nproc": os.cpu_count(), "ram_gib": round(mem_kb / 1024 / 1024, 1), "cpu": cpu,
        "kernel": platform.release(), "python": platform.python_version(),
        **{name.lower(): version(name) for name in ("gunicorn", "Flask", "SQLAlchemy", "psycopg", "httpx")},
        "loadavg_at_start": Path("/proc/loadavg").read_text().split()[:3],
    }


def pg_version(database_url):
    import psycopg
    from sqlalchemy.engine import make_url

    dsn = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, connect_timeout=5) as conn:
        return conn.execute("SHOW server_version").fetchone()[0]


def redis_version(url):
    import redis

    return redis.Redis.from_url(url, socket_timeout=5).info()["redis_version"]


def start_site(name, database_url, redis_url, args, extra_env=None):
    env = dict(BENCH_LIMITS)
    env.update(extra_env or {})
    server = Gunicorn(
        OUT / f"{name}.log", database_url=database_url, workers=args.workers, threads=args.threads,
        redis_url=redis_url, key_prefix=f"aga-load-bench-{uuid.uuid4().hex[:8]}", extra_env=env,
        access_log=OUT / f"{name}-access.log",
    )
    server.start().wait_ready(timeout=60)
    WATCHED["app"] = server
    return server


async def run(args):
    OUT.mkdir(parents=True, exist_ok=True)
    run_id = uuid.uuid4().hex[:8]
    results = {"run": run_id, "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
               "command": "make bench-load " + " ".join(sys.argv[1:]), "machine": machine(),
               "settings": {"workers": args.workers, "threads": args.threads, "clients": args.clients,
                            "seconds_per_phase": args.seconds}, "phases": {}}
    started = []
    try:
        redis_url = args.redis_url
        if not redis_url:
            redis_server = Redis(OUT / "redis.log").start()
            started.append(redis_server)
            redis_url = redis_server.wait_ready().url
            WATCHED["redis"] = redis_server
        ensure_pg_database(args.database_url)
        results["machine"]["postgresql"] = pg_version(args.database_url)
        results["machine"]["redis"] = redis_version(redis_url)
        print(f"machine: {json.dumps(results['machine'])}")
        print(f"gunicorn: {args.workers} workers x {args.threads} threads; {args.clients} concurrent clients; "
              f"{args.seconds} s per timed phase")

        proposal_ids = prepare_database(args.database_url, args.vote_cap)
        site = start_site("site", args.database_url, redis_url, args)
        started.append(site)
        ledger = Ledger()

        citizens, rec = await phase_register(site.url, run_id, args.clients)
        results["phases"]["register"] = rec.summary()
        print_phase(results["phases"]["register"])

        rec = await phase_mixed(citizens, proposal_ids, ledger, args.seconds)
        results["phases"]["mixed"] = rec.summary()
        print_phase(results["phases"]["mixed"])

        rec = await phase_votes(citizens, proposal_ids, ledger, args.seconds)
        results["phases"]["vote"] = rec.summary()
        print_phase(results["phases"]["vote"])

        saturation = results["phases"]["vote"]["actions"]["vote"]["rps"]
        results["paced"] = []
        for fraction in args.paced:
            rec = await phase_paced(citizens, proposal_ids, ledger, saturation * fraction, args.paced_seconds)
            summary = rec.summary()
            summary["offered_fraction_of_saturation"] = fraction
            results["paced"].append(summary)
            print_phase(summary, f"; {fraction:.0%} of the saturation rate")

        ceiling = Gunicorn(
            OUT / "ceiling.log", database_url=args.database_url, app="bench.ceiling_app:app",
            workers=args.workers, threads=args.threads,
        )
        started.append(ceiling)
        ceiling.start().wait_ready(path="/insert", statuses=(405,), timeout=60)
        WATCHED["app"] = ceiling
        rec = await phase_ceiling(ceiling.url, args.clients, args.seconds)
        ceiling.stop()
        WATCHED["app"] = site
        results["phases"]["ceiling"] = rec.summary()
        print_phase(results["phases"]["ceiling"])
        vote, top = results["phases"]["vote"]["actions"]["vote"], results["phases"]["ceiling"]["actions"]["insert"]
        results["vote_vs_ceiling"] = round(vote["rps"] / top["rps"], 3)
        server_cpu = {name: sum(results["phases"][name]["cpu_ms_per_request"][r] for r in ("app", "postgresql", "redis"))
                      for name in ("vote", "ceiling")}
        results["server_cpu_ms"] = {k: round(v, 2) for k, v in server_cpu.items()}
        results["vote_vs_ceiling_by_server_cpu"] = round(server_cpu["ceiling"] / server_cpu["vote"], 3)
        print(f"\n   vote path: {vote['rps']} votes/s = {results['vote_vs_ceiling']:.2f} of the ceiling "
              f"({top['rps']} inserts/s); vote p99 {vote['p99_ms']} ms at {args.clients} clients "
              f"(targets: >= 0.5, <= 100 ms)")
        print(f"   server CPU per request: vote {server_cpu['vote']:.2f} ms, ceiling {server_cpu['ceiling']:.2f} ms "
              f"-> {results['vote_vs_ceiling_by_server_cpu']:.2f} without the driver's share of the cores")

        print(f"\n   {analyze_tables(args.database_url)}")
        for per_page, requests in ((30, args.page_requests), (900, max(20, args.page_requests // 4))):
            if per_page != 30:
                site.stop()
                site = start_site(f"site-{per_page}", args.database_url, redis_url, args,
                                  {"PROPOSALS_PER_PAGE": str(per_page)})
                started.append(site)
            access = OUT / ("site-access.log" if per_page == 30 else f"site-{per_page}-access.log")
            await phase_page(site.url, 5, "warm-up")
            offset = log_size(access)
            rec = await phase_page(site.url, requests, f"page ({per_page} per page)")
            summary = rec.summary()
            times = server_times(access, offset, f"/consultations/{SLUG}")
            summary["server_ms"] = {"requests": len(times), "p50": _pct_ms(times, 50), "p95": _pct_ms(times, 95),
                                    "p99": _pct_ms(times, 99)}
            results["phases"][f"page_{per_page}"] = summary
            print_phase(summary, f"; server time p50 {summary['server_ms']['p50']} ms, "
                                 f"p95 {summary['server_ms']['p95']} ms (gunicorn's request time)")
        site.stop()

        site = start_site("site-kill", args.database_url, redis_url, args)
        started.append(site)
        kills = []

        async def killer(seconds):
            for _ in range(2):  # at about 30% and 60% of the burst
                await asyncio.sleep(seconds * 0.3)
                pids = site.worker_pids()
                if pids:
                    os.kill(pids[0], signal.SIGKILL)  # a worker of the server this run started
                    kills.append(pids[0])

        for citizen in citizens:
            citizen.client.base_url = httpx.URL(site.url)
        rec = await phase_votes(citizens, proposal_ids, ledger, args.kill_seconds, name="kill (workers SIGKILLed)",
                                retry=True, during=killer)
        results["phases"]["kill"] = rec.summary()
        results["phases"]["kill"]["workers_killed"] = len(kills)
        print_phase(results["phases"]["kill"], f"; {len(kills)} workers SIGKILLed mid-burst "
                                               "(their CPU time died with them: app CPU undercounted)")
        for citizen in citizens:
            await citizen.close()
        site.stop()

        votes, markers = database_state(args.database_url, run_id)
        results["check_postgresql"] = check_ledger(ledger, votes, markers)
        print_check("PostgreSQL", results["check_postgresql"])

        if not args.skip_sqlite:
            results["phases"]["sqlite"], results["check_sqlite"], results["sqlite_log"] = await sqlite_run(
                args, redis_url, run_id)
            print_phase(results["phases"]["sqlite"], f"; server log: {results['sqlite_log']}")
            print_check("SQLite", results["check_sqlite"])
        if args.page_votes:
            summary = await page_at_volume(args, redis_url)
            results["phases"]["page_volume"] = summary
            print_phase(summary, f"; server time p50 {summary['server_ms']['p50']} ms, "
                                 f"p95 {summary['server_ms']['p95']} ms")
    finally:
        for process in reversed(started):
            process.stop()

    out = OUT / f"load-{datetime.now().strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(f"\nresults: {out.relative_to(ROOT)}")
    ok = results["check_postgresql"]["ok"] and results.get("check_sqlite", {"ok": True})["ok"]
    return 0 if ok else 1


async def sqlite_run(args, redis_url, run_id):
    """The mixed workload on SQLite with the same gunicorn settings."""
    path = OUT / "bench-sqlite.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    proposal_ids = prepare_database(url, args.vote_cap)
    site = start_site("site-sqlite", url, redis_url, args)
    try:
        ledger = Ledger()
        citizens, _ = await phase_register(site.url, run_id, args.sqlite_clients, start=10_000)
        rec = await phase_mixed(citizens, proposal_ids, ledger, args.seconds, seed=2)
        for citizen in citizens:
            await citizen.close()
    finally:
        site.stop()
    summary = rec.summary()
    summary["phase"] = "sqlite (mixed)"
    text = site.log_text()
    log = {"database is locked": text.count("database is locked"), "Traceback": text.count("Traceback")}
    votes, markers = database_state(url, run_id)
    return summary, check_ledger(ledger, votes, markers), log


def add_synthetic_votes(database_url, total):
    """Bring the consultation's active votes to about `total`: synthetic citizens, 3 votes each.

    Plain SQL (minutes through the web): the point is the page's cost at a national volume.
    """
    import psycopg
    from sqlalchemy.engine import make_url

    from aga_consulta.accounts.consent import POLICY_VERSION

    dsn = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        cid = conn.execute("SELECT id FROM consultations WHERE slug = %s", (SLUG,)).fetchone()[0]
        have = conn.execute("SELECT count(*) FROM votes WHERE withdrawn_at IS NULL").fetchone()[0]
        users = max(0, (total - have) // 3)
        conn.execute(
            "INSERT INTO users (email, name, public_name, password_hash, department_code, role, active, session_token,"
            " consented_at, consent_version, created_at) SELECT 'synthetic-' || g || '@example.co', 'Persona sintética',"
            " 'Persona S.', 'x', '11', 'citizen', true, md5('s' || g) || md5('t' || g), now(), %s, now()"
            " FROM generate_series(1, %s) g",
            (POLICY_VERSION, users),
        )
        conn.execute(
            "INSERT INTO votes (user_id, proposal_id, consultation_id, cast_at)"
            " WITH u AS (SELECT id, row_number() OVER (ORDER BY id) rn FROM users WHERE email LIKE 'synthetic-%%'),"
            " p AS (SELECT id, row_number() OVER (ORDER BY id) - 1 idx FROM proposals WHERE consultation_id = %s)"
            " SELECT u.id, p.id, %s, now() FROM u CROSS JOIN generate_series(1, 3) k"
            " JOIN p ON p.idx = (u.rn * 7 + k * 301) %% 900",
            (cid, cid),
        )
        conn.execute("ANALYZE votes")
        return conn.execute("SELECT count(*) FROM votes WHERE withdrawn_at IS NULL").fetchone()[0]


def analyze_tables(database_url):
    """Refresh the planner's statistics, as autovacuum would have by now; return what was done."""
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
        autovacuum = conn.execute("SHOW autovacuum").fetchone()[0]
        # The votes table went from empty to thousands of rows during the run: without fresh
        # statistics the planner picks a nested loop for the page's grouped counts. A production
        # server's autovacuum analyzes such a table within a minute.
        conn.execute("ANALYZE")
    return f"ANALYZE before the page phases (this server's autovacuum is {autovacuum})"


async def page_at_volume(args, redis_url):
    """The first page of the consultation once it holds `args.page_votes` active votes."""
    started = time.perf_counter()
    active = add_synthetic_votes(args.database_url, args.page_votes)
    print(f"\n   {active} active votes in the consultation ({time.perf_counter() - started:.0f} s to insert)")
    site = start_site("site-volume", args.database_url, redis_url, args)
    try:
        access = OUT / "site-volume-access.log"
        await phase_page(site.url, 2, "warm-up")
        offset = log_size(access)
        rec = await phase_page(site.url, 20, f"page (30 per page, {active} votes)")
    finally:
        site.stop()
    summary = rec.summary()
    times = server_times(access, offset, f"/consultations/{SLUG}")
    summary["active_votes"] = active
    summary["server_ms"] = {"requests": len(times), "p50": _pct_ms(times, 50), "p95": _pct_ms(times, 95),
                            "p99": _pct_ms(times, 99)}
    return summary


def _pct_ms(times, pct):
    if not times:
        return None
    index = min(len(times) - 1, max(0, round(pct / 100 * len(times) + 0.5) - 1))
    return round(times[index], 1)


def print_check(name, report):
    print(f"\n== nothing lost, nothing doubled ({name}): {'OK' if report['ok'] else 'FAILED'}")
    for key, value in report.items():
        if key != "ok":
            print(f"   {key}: {value}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get(
        "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/bench_load"))
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL"),
                        help="use this Redis instead of starting a private redis-server")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", 2 * os.cpu_count())))
    parser.add_argument("--threads", type=int, default=int(os.environ.get("GUNICORN_THREADS", 4)))
    parser.add_argument("--clients", type=int, default=64, help="concurrent simulated citizens")
    parser.add_argument("--sqlite-clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20, help="duration of each timed phase")
    parser.add_argument("--kill-seconds", type=float, default=10)
    parser.add_argument("--paced", type=float, nargs="*", default=[0.25, 0.5, 0.75],
                        help="offered vote rates, as fractions of the saturation rate")
    parser.add_argument("--paced-seconds", type=float, default=12)
    parser.add_argument("--page-requests", type=int, default=200)
    parser.add_argument("--vote-cap", type=int, default=PROPOSALS,
                        help="votes per citizen in the consultation (the cap check runs on every vote)")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--page-votes", type=int, default=0,
                        help="at the end, fill the consultation to this many active votes (SQL) and measure its page again")
    args = parser.parse_args()
    sys.exit(asyncio.run(run(args)))


if __name__ == "__main__":
    main()
