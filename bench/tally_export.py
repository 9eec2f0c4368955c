"""Tally and export benchmark: a national-size consultation in SQLite and PostgreSQL.

One command (`make bench-tally`, or `.venv/bin/python bench/tally_export.py`):

1. builds the schema with the migrations (never create_all), in a SQLite file under
   bench/out/ and in the PostgreSQL database `bench_tally` (created if missing, emptied on
   every run);
2. loads a synthetic consultation by bulk SQL (COPY on PostgreSQL, executemany on SQLite),
   not through the web services: 200,000 citizens, 2,000 proposals, 1,000,000 active votes
   plus 50,000 withdrawn ones, 100,000 comments (replies and hidden ones among them);
3. times `compute_tally` (several runs; the median is the figure) in this process;
4. times the `votes` export (1M rows) written to a file through `iter_csv`, the generator
   the download route streams, in a child process, whose peak RSS (VmHWM) is read at the end,
   so that the memory of the generation step does not count.

It is not a test: it prints a table and writes JSON under bench/out/. The figures are
copied by hand into docs/performance.md ("Tally and exports").
"""
import argparse
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OUT = ROOT / "bench" / "out"
SLUG = "bench-nacional"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_tally"
SQLITE_URL = "sqlite:///" + str(OUT / "bench-tally.db")
OPENS = datetime(2025, 3, 1, 13, 0, 0)
WINDOW = timedelta(days=30)


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def make_app(url):
    from aga_consulta import create_app

    return create_app("development", overrides={"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-tally"})


# --- schema ------------------------------------------------------------------------------

def ensure_pg_database(url):
    """Create the PostgreSQL database of `url` if it does not exist."""
    import psycopg
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    with psycopg.connect(host=parsed.host, port=parsed.port or 5432, user=parsed.username,
                         dbname="postgres", autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (parsed.database,)).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{parsed.database}"')
            log(f"created database {parsed.database}")


def fresh_schema(app):
    """Empty the database and apply every migration."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from aga_consulta.extensions import db

    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()


# --- data ----------------------------------------------------------------------------------

def generate(args):
    """Return the rows to load, deterministic for a given seed: dict of table -> (columns, rows)."""
    from aga_consulta.accounts.consent import POLICY_VERSION
    from aga_consulta.territory.divipola import DEPARTMENTS

    rng = random.Random(args.seed)
    codes = sorted(DEPARTMENTS)
    # Residence skewed like the population: a few departments hold most citizens.
    dept_weights = [1.0 / (1 + i) ** 0.8 for i in range(len(codes))]
    citizen_depts = rng.choices(codes, weights=dept_weights, k=args.citizens)
    registered = [OPENS - timedelta(days=60) + timedelta(seconds=i * 30) for i in range(args.citizens)]
    users = (
        ("id", "email", "name", "public_name", "password_hash", "department_code", "role", "active",
         "session_token", "consented_at", "consent_version", "created_at"),
        [(i, f"ciudadano{i}@bench.example.co", f"Ciudadano Sintético {i}", f"Ciudadano {i}", "pbkdf2:sha256:1$x$y",
          citizen_depts[i - 1], "citizen", True, f"{i:040x}", registered[i - 1], POLICY_VERSION, registered[i - 1])
         for i in range(1, args.citizens + 1)],
    )
    consultation = (
        ("id", "slug", "title", "description", "opens_at", "closes_at", "is_reconstruction", "created_at"),
        [(1, SLUG, "Consulta nacional sintética", "Datos sintéticos del benchmark", OPENS, OPENS + WINDOW,
          False, OPENS)],
    )
    national = args.proposals // 10
    proposal_rows = []
    for pid in range(1, args.proposals + 1):
        scope = "national" if pid <= national else "subnational"
        dept = None if scope == "national" else codes[pid % len(codes)]
        status = "selected" if pid % 97 == 0 else ("shortlisted" if pid % 13 == 0 else "received")
        proposal_rows.append((pid, 1, f"P-{pid:05d}", f"Propuesta sintética número {pid}",
                              "Resumen", "Cuerpo de la propuesta", scope, dept, "Entidad proponente",
                              status, "Motivo público" if status != "received" else "", OPENS))
    proposals = (
        ("id", "consultation_id", "code", "title", "summary", "body", "scope", "department_code", "proposer",
         "status", "status_reason", "created_at"),
        proposal_rows,
    )
    # Popularity skewed (a few proposals get many votes); one active vote per citizen and
    # proposal, as the partial unique index demands.
    popularity = [1.0 / (1 + i) ** 0.7 for i in range(args.proposals)]
    rng.shuffle(popularity)
    cumulative, total = [], 0.0
    for weight in popularity:
        total += weight
        cumulative.append(total)
    window_s = int(WINDOW.total_seconds())
    vote_rows, vid = [], 0
    remaining = args.votes
    for user in range(1, args.citizens + 1):
        left = args.citizens - user + 1
        if left == 1:
            want = remaining
            assert want <= args.proposals, "too many votes for the last citizen: more citizens needed"
        elif rng.random() < 0.2:
            continue  # registered, never voted (some of them comment)
        else:
            mean = remaining / (left * 0.8)
            want = min(remaining, 1 + int(rng.expovariate(1 / max(mean - 1, 0.1))), args.proposals // 2)
        chosen = set()
        while len(chosen) < want:
            chosen.update(rng.choices(range(1, args.proposals + 1), cum_weights=cumulative, k=want - len(chosen)))
        for proposal_id in sorted(chosen):
            vid += 1
            vote_rows.append((vid, user, proposal_id, 1, OPENS + timedelta(seconds=rng.randrange(window_s)), None))
        remaining -= want
    assert remaining == 0 and vid == args.votes
    for _ in range(args.withdrawn):
        vid += 1
        cast = OPENS + timedelta(seconds=rng.randrange(window_s - 3600))
        vote_rows.append((vid, rng.randrange(1, args.citizens + 1), rng.randrange(1, args.proposals + 1), 1,
                          cast, cast + timedelta(seconds=rng.randrange(1, 3600))))
    votes = (("id", "user_id", "proposal_id", "consultation_id", "cast_at", "withdrawn_at"), vote_rows)

    comment_rows, top_level = [], {}
    for cid in range(1, args.comments + 1):
        proposal_id = rng.choices(range(1, args.proposals + 1), cum_weights=cumulative)[0]
        parent = top_level.get(proposal_id) if rng.random() < 0.2 else None
        status = "hidden" if rng.random() < 0.03 else "published"
        body = rng.choice((
            "Estoy de acuerdo con esta propuesta, pero falta un cronograma con metas verificables.",
            "¿Quién financia esto? Sería bueno publicar el presupuesto, \"línea por línea\".",
            "=HYPERLINK(\"http://example.com\") intento de fórmula",
            "Propongo incluir a las juntas de acción comunal,\nen especial en zonas rurales.",
        ))
        comment_rows.append((cid, proposal_id, 1, rng.randrange(1, args.citizens + 1), parent, body, status,
                             OPENS + timedelta(seconds=rng.randrange(window_s))))
        if parent is None:
            top_level[proposal_id] = cid
    comments = (("id", "proposal_id", "consultation_id", "user_id", "parent_id", "body", "status", "created_at"),
                comment_rows)
    return {"users": users, "consultations": consultation, "proposals": proposals, "votes": votes,
            "comments": comments}


def load(app, data):
    """Bulk-load the rows: COPY on PostgreSQL, executemany in one transaction on SQLite."""
    from aga_consulta.extensions import db

    with app.app_context():
        engine = db.engine
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            for table, (columns, rows) in data.items():
                started = time.perf_counter()
                if engine.dialect.name == "postgresql":
                    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                        for row in rows:
                            copy.write_row(row)
                else:
                    marks = ", ".join("?" for _ in columns)
                    cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                                       [tuple(_sqlite_value(v) for v in row) for row in rows])
                log(f"  {table}: {len(rows):,} rows in {time.perf_counter() - started:.1f} s")
            if engine.dialect.name == "postgresql":
                for table in data:
                    cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                   f"(SELECT max(id) FROM {table}))")
            raw.commit()
        finally:
            raw.close()
        started = time.perf_counter()
        if engine.dialect.name == "postgresql":
            raw = engine.raw_connection()
            raw.driver_connection.autocommit = True
            raw.cursor().execute("VACUUM ANALYZE")
            raw.close()
        else:
            with engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
        log(f"  analyze: {time.perf_counter() - started:.1f} s")


def _sqlite_value(value):
    # The same text format SQLAlchemy's SQLite DateTime type writes and reads.
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


# --- measurements ----------------------------------------------------------------------------

def time_tally(app, runs):
    """Return (seconds of each run, the tally of the last) for compute_tally on the consultation."""
    from aga_consulta.consultations.services import get_by_slug
    from aga_consulta.extensions import db
    from aga_consulta.tally.services import compute_tally

    timings, tally = [], None
    with app.app_context():
        consultation = get_by_slug(SLUG)
        for _ in range(runs):
            started = time.perf_counter()
            tally = compute_tally(consultation)
            timings.append(time.perf_counter() - started)
            db.session.rollback()
    return timings, tally


def export_in_child(url, name, path):
    """Run the export in a fresh interpreter; return its JSON report (time, rows, peak RSS)."""
    command = [sys.executable, str(Path(__file__).resolve()), "--child-export", name, "--url", url, "--path", str(path)]
    completed = subprocess.run(command, capture_output=True, text=True, check=True)
    # The child's own VmHWM, not getrusage(RUSAGE_CHILDREN): a forked child's maximum RSS
    # includes the parent's pages (the generated rows) until it execs.
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _vm_kb(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def child_export(name, url, path):
    """(Child process) write one moderator export through iter_csv and print a JSON report."""
    from aga_consulta.consultations.services import get_by_slug
    from aga_consulta.exports.services import iter_csv

    app = make_app(url)
    with app.app_context():
        consultation = get_by_slug(SLUG)
        baseline_kb = _vm_kb("VmRSS")
        counter = []
        started = time.perf_counter()
        with open(path, "w", encoding="utf-8", newline="") as output:
            for chunk in iter_csv(consultation, name, "moderator", counter):
                output.write(chunk)
        seconds = time.perf_counter() - started
    print(json.dumps({
        "export": name, "seconds": seconds, "rows": counter[0], "bytes": os.path.getsize(path),
        "rss_before_mb": baseline_kb / 1024, "peak_rss_mb": _vm_kb("VmHWM") / 1024,
    }))


def machine():
    """Describe the machine and the software versions."""
    import flask
    import sqlalchemy

    cpu = ""
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as info:
        mem_kb = int(info.readline().split()[1])
    pg_version = ""
    try:
        pg_version = subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-Atc", "SHOW server_version"],
                                    capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    import sqlite3
    from importlib.metadata import version

    return {
        "nproc": os.cpu_count(), "ram_gb": round(mem_kb / 1024 / 1024, 1), "cpu": cpu,
        "python": platform.python_version(), "sqlite": sqlite3.sqlite_version, "postgresql": pg_version,
        "flask": version("flask"), "sqlalchemy": sqlalchemy.__version__, "psycopg": version("psycopg"),
        "loadavg_start": os.getloadavg(),
    }


def run_backend(label, url, args, data):
    """Build, load and measure one database; return its figures."""
    log(f"{label}: schema (migrations)")
    app = make_app(url)
    if not args.reuse:
        fresh_schema(app)
        log(f"{label}: bulk load")
        load(app, data)
    log(f"{label}: tally x{args.runs}")
    timings, tally = time_tally(app, args.runs)
    log(f"{label}: tally runs " + ", ".join(f"{t:.3f}" for t in timings) + " s")
    figures = {"tally_runs_s": timings, "tally_median_s": statistics.median(timings),
               "tally": {k: tally[k] for k in ("participants", "voters", "commenters", "votes", "comments",
                                               "proposals", "selected")}}
    path = OUT / f"bench-tally-{label}-votes.csv"
    log(f"{label}: votes export (child process)")
    figures["votes_export"] = export_in_child(url, "votes", path)
    log(f"{label}: votes export {figures['votes_export']}")
    path.unlink()
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--citizens", type=int, default=200_000)
    parser.add_argument("--proposals", type=int, default=2_000)
    parser.add_argument("--votes", type=int, default=1_000_000, help="active votes")
    parser.add_argument("--withdrawn", type=int, default=50_000, help="withdrawn votes, on top")
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7, help="tally runs per database")
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--pg-url", default=PG_URL)
    parser.add_argument("--sqlite-url", default=SQLITE_URL)
    parser.add_argument("--only", choices=("sqlite", "postgresql"))
    parser.add_argument("--reuse", action="store_true", help="measure the data loaded by a previous run")
    parser.add_argument("--child-export", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_export:
        child_export(args.child_export, args.url, args.path)
        return

    OUT.mkdir(parents=True, exist_ok=True)
    results = {"machine": machine(), "sizes": {k: getattr(args, k) for k in
                                               ("citizens", "proposals", "votes", "withdrawn", "comments")}}
    data = None
    if not args.reuse:
        log("generating rows")
        started = time.perf_counter()
        data = generate(args)
        log(f"generated in {time.perf_counter() - started:.1f} s")
    backends = []
    if args.only != "sqlite":
        ensure_pg_database(args.pg_url)
        backends.append(("postgresql", args.pg_url))
    if args.only != "postgresql":
        if not args.reuse:
            sqlite_path = args.sqlite_url.removeprefix("sqlite:///")
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(sqlite_path + suffix):
                    os.remove(sqlite_path + suffix)
        backends.append(("sqlite", args.sqlite_url))
    for label, url in backends:
        results[label] = run_backend(label, url, args, data)
    results["machine"]["loadavg_end"] = os.getloadavg()

    print()
    print(f"{'database':<12}{'tally median':>14}{'tally runs':>32}{'votes export':>14}{'rows':>10}{'peak RSS':>10}")
    for label, _url in backends:
        r = results[label]
        export = r["votes_export"]
        print(f"{label:<12}{r['tally_median_s']:>12.3f} s  {' '.join(f'{t:.2f}' for t in r['tally_runs_s']):>30}"
              f"{export['seconds']:>12.2f} s{export['rows']:>10,}{export['peak_rss_mb']:>7.0f} MB")
    print(f"load average: start {results['machine']['loadavg_start']}, end {results['machine']['loadavg_end']}")
    out = OUT / f"tally-export-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(results, indent=2, default=str))
    print(f"written {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
