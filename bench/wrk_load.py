"""Throughput with a real load generator: wrk against the site and the ceiling app, in one run.

`make bench-wrk` (or `.venv/bin/python bench/wrk_load.py`) starts everything itself on
127.0.0.1, like bench/load.py: a private memory-only redis-server, the site and the bare
ceiling app (bench/ceiling_app.py) under gunicorn.conf.py with the same workers and threads
(by default 2 sync workers, as the issue's comparison with Adhocracy+ used), and the
900-proposal consultation in PostgreSQL (`bench_wrk`, or --database-url: emptied) and, unless --skip-sqlite, SQLite.

For each database and each connection count (16 and 64 by default) it measures:
- ceiling: POST /insert, one row per request;
- vote: POST /proposals/<id>/vote by pre-logged-in citizens (sessions and CSRF tokens made
  beforehand), each request a fresh (citizen, proposal) pair, so every 303 is one new row;
  the rows and log entries written are counted against the 303s (nothing lost or doubled);
- the vote again with the log entry off (bench/nolog_app.py): what the entry costs;
- list and proposal pages, each as a visitor and logged in.
With `--before <checkout>` (a worktree of an older commit) that code is served beside this
one, against the same database, and measured in the same rounds.

wrk is written in C and uses far less CPU per request than a Python driver, so the site, not
the generator, is what saturates. Every response's status is counted by the Lua scripts
(bench/wrk/*.lua): a phase with any status other than the expected one is marked, so a run
full of refusals cannot pass for a fast one. The Python driver (bench/load.py) keeps the
correctness phases (nothing lost or doubled, SIGKILL). Results go to bench/out/wrk-*.json.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import load  # noqa: E402
from bench.stack import Gunicorn, Redis  # noqa: E402

OUT = ROOT / "bench" / "out"
WRK = ROOT / "bench" / "wrk"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PASSWORD = "una frase de prueba para la carga"
LATENCY_RE = re.compile(r"^\s+(50|75|90|99)(?:\.0+)?%\s+([\d.]+)(us|ms|s)\s*$", re.M)
UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def make_citizens(database_url, count):
    """Register `count` citizens in-process (a cheap password hash: logins are not measured)."""
    from aga_consulta import create_app
    from aga_consulta.accounts.services import register_citizen

    app = create_app("development", overrides={"SQLALCHEMY_DATABASE_URI": database_url,
                                               "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    emails = []
    with app.app_context():
        for n in range(count):
            email = f"wrk{n}@example.co"
            register_citizen(name=f"Persona de carga {n}", email=email, password=PASSWORD,
                             department_code="11", accepted_terms=True)
            emails.append(email)
        from aga_consulta.extensions import db

        db.engine.dispose()
    return emails


def log_in(base_url, email):
    """Log in through the form; return (cookie header, a CSRF token of that session)."""
    with httpx.Client(base_url=base_url, follow_redirects=False, timeout=30) as client:
        token = CSRF_RE.search(client.get("/auth/login").text).group(1)
        response = client.post("/auth/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
        assert response.status_code in (302, 303), (email, response.status_code)
        page = client.get(f"/consultations/{load.SLUG}")
        token = CSRF_RE.search(page.text).group(1)
        cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    return cookie, token


def run_wrk(url, script, connections, seconds, env, args=()):
    """Run wrk and return requests/s, latency percentiles (ms) and the status histogram."""
    threads = min(2, connections)
    argv = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--latency", "--timeout", "10s",
            "-s", str(script), url, "--", str(threads), *map(str, args)]
    result = subprocess.run(argv, capture_output=True, text=True, env={**os.environ, **env}, timeout=seconds + 60)
    out = result.stdout
    if "STATUSES" not in out:
        raise RuntimeError(f"wrk failed ({result.returncode}):\n{out}\n{result.stderr}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    latency = {f"p{p}": round(float(v) * UNIT_MS[u], 2) for p, v, u in LATENCY_RE.findall(out)}
    statuses = json.loads(re.search(r"STATUSES (\{.*\})", out).group(1))
    errors = re.search(r"Socket errors: (.*)", out)
    return {"rps": rps, **latency, "statuses": statuses, "socket_errors": errors.group(1) if errors else "",
            "requests": sum(statuses.values())}


def table_counts(database_url):
    """Return (votes, vote.cast log entries) once the site has answered what wrk left in flight."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    previous = None
    try:
        while True:
            with engine.connect() as conn:
                counts = (conn.execute(text("SELECT count(*) FROM votes")).scalar(),
                          conn.execute(text("SELECT count(*) FROM transparency_entries"
                                            " WHERE kind = 'vote.cast'")).scalar())
            if counts == previous:
                return counts
            previous = counts
            time.sleep(1)
    finally:
        engine.dispose()


def vote_phase(url, pairs, connections, seconds, offset, database_url, *, logged):
    """Drive the vote from pair `offset` on; return (wrk's figures with the rows checked, the next offset).

    `logged`: the site writes a log entry per vote (the "log off" variant does not).
    """
    votes_before, entries_before = table_counts(database_url)
    vote = run_wrk(url, WRK / "vote.lua", connections, seconds, {"AGA_WRK_PAIRS": str(pairs)}, args=(offset,))
    votes_after, entries_after = table_counts(database_url)
    # Each of wrk's threads takes every other pair: the faster one may go past `requests`,
    # so the next phase starts beyond twice that (never a pair used).
    offset += 2 * vote["requests"] + 1000
    # Every 303 is one new row, and (log on) one entry: nothing lost, nothing doubled. wrk
    # stops without reading the answers still in flight (one per connection at most), whose
    # rows may be written too.
    vote["rows_written"] = votes_after - votes_before
    vote["entries_written"] = entries_after - entries_before
    acknowledged = vote["statuses"].get("303", 0)
    vote["rows_match"] = (acknowledged <= vote["rows_written"] <= acknowledged + connections
                          and vote["entries_written"] == (vote["rows_written"] if logged else 0))
    return vote, offset


def measure(name, database_url, redis_url, args):
    """Measure one database: ceiling, vote, pages, at each connection count, every variant side by side.

    Variants: the site ("after"), the same site with the vote's log entry off ("log off"),
    and with --before another checkout ("before"). All run at once against one database,
    one variant measured at a time, interleaved per connection count, so that the other load
    of the machine weighs on all of them alike; the same session cookies work on each (one
    SECRET_KEY, one database).
    """
    print(f"\n== {name}: preparing {database_url.split('@')[-1]}", flush=True)
    proposal_ids = load.prepare_database(database_url, vote_cap=load.PROPOSALS)
    postgresql = database_url.startswith("postgresql")
    if postgresql:
        print("   " + load.analyze_tables(database_url))
    emails = make_citizens(database_url, args.citizens)

    def site(label, app="app:app", root=ROOT):
        return Gunicorn(OUT / f"wrk-{name}-{label}.log", database_url=database_url, workers=args.workers,
                        threads=args.threads, redis_url=redis_url, key_prefix=f"aga-wrk-{name}-{label}",
                        extra_env=load.BENCH_LIMITS, app=app, root=root)

    sites = {"after": site("after"), "log off": site("nolog", app="bench.nolog_app:app")}
    if args.before:
        sites = {"before": site("before", root=Path(args.before).resolve()), **sites}
    ceiling = None
    if postgresql:
        ceiling = Gunicorn(OUT / f"wrk-{name}-ceiling.log", database_url=database_url, app="bench.ceiling_app:app",
                           workers=args.workers, threads=args.threads)
    results = {}
    try:
        for server in sites.values():
            server.start().wait_ready(timeout=90)
        if ceiling is not None:
            ceiling.start().wait_ready(path="/insert", statuses=(405,), timeout=90)
        sessions = [log_in(sites["after"].url, email) for email in emails]
        pairs = Path(tempfile.mkdtemp(dir=OUT)) / "pairs.tsv"
        pairs.write_text("".join(f"{cookie}\t{token}\t{','.join(map(str, proposal_ids))}\n"
                                 for cookie, token in sessions))
        offset = 0
        for connections in args.connections:
            if ceiling is not None:
                results[f"ceiling c{connections}"] = run_wrk(
                    ceiling.url, WRK / "get.lua", connections, args.seconds,
                    {"AGA_WRK_PATH": "/insert", "AGA_WRK_METHOD": "POST"})
            for label, server in sites.items():
                vote, offset = vote_phase(server.url, pairs, connections, args.seconds, offset, database_url,
                                          logged=label != "log off")
                results[f"vote ({label}) c{connections}"] = vote
        if postgresql:
            load.analyze_tables(database_url)
        for connections in args.connections:
            for label, server in sites.items():
                if label == "log off":
                    continue
                for page, path, cookie in (
                    ("list page, visitor", f"/consultations/{load.SLUG}", ""),
                    ("list page, logged in", f"/consultations/{load.SLUG}", sessions[0][0]),
                    ("proposal page, visitor", f"/proposals/{proposal_ids[1]}", ""),
                    ("proposal page, logged in", f"/proposals/{proposal_ids[1]}", sessions[0][0]),
                ):
                    results[f"{page} ({label}) c{connections}"] = run_wrk(
                        server.url, WRK / "get.lua", connections, args.seconds,
                        {"AGA_WRK_PATH": path, "AGA_WRK_COOKIE": cookie})
    finally:
        for server in sites.values():
            server.stop()
        if ceiling is not None:
            ceiling.stop()
    expected = {"vote": "303", "ceiling": "200", "list": "200", "proposal": "200"}
    print(f"   {'phase':42} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}  statuses")
    for phase, row in results.items():
        want = expected[phase.split()[0]]
        row["clean"] = set(row["statuses"]) == {want} and not row["socket_errors"] and row.get("rows_match", True)
        flag = "" if row["clean"] else "  <- NOT CLEAN"
        written = f" rows {row['rows_written']} entries {row['entries_written']}" if "rows_written" in row else ""
        print(f"   {phase:42} {row['rps']:8.1f} {row.get('p50', 0):8.2f} {row.get('p99', 0):8.2f}  "
              f"{row['statuses']} {row['socket_errors']}{written}{flag}")
    for connections in args.connections:
        for label in sites:
            vote = results[f"vote ({label}) c{connections}"]["rps"]
            if f"ceiling c{connections}" in results:
                ratio = vote / results[f"ceiling c{connections}"]["rps"]
                results[f"vote ({label}) / ceiling c{connections}"] = round(ratio, 3)
                print(f"   vote ({label}) / ceiling at {connections} connections: {ratio:.2f} (target >= 0.5)")
        cost = 1 - results[f"vote (after) c{connections}"]["rps"] / results[f"vote (log off) c{connections}"]["rps"]
        results[f"log cost c{connections}"] = round(cost, 3)
        print(f"   the log entry's cost at {connections} connections: {cost:.1%} of the vote's throughput (target <= 10 %)")
    return results


def main():
    """Parse the options, run every database, write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=os.environ.get(
        "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/bench_wrk"))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help="1: sync workers")
    parser.add_argument("--connections", type=int, nargs="+", default=[16, 64])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--citizens", type=int, default=128)
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--before", help="another checkout (e.g. a worktree of main) to measure beside this one")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")
    OUT.mkdir(parents=True, exist_ok=True)
    redis = Redis(OUT / "wrk-redis.log").start()
    report = {"when": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": load.machine(),
              "settings": vars(args), "databases": {}}
    try:
        redis_url = redis.wait_ready().url
        load.ensure_pg_database(args.database_url)
        report["databases"]["postgresql"] = measure("postgresql", args.database_url, redis_url, args)
        if not args.skip_sqlite:
            sqlite_file = OUT / "wrk.sqlite"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{sqlite_file}{suffix}").unlink(missing_ok=True)
            report["databases"]["sqlite"] = measure("sqlite", f"sqlite:///{sqlite_file}", redis_url, args)
    finally:
        redis.stop()
    path = OUT / f"wrk-{datetime.now().strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(report, indent=2))
    print(f"\nresults: {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
