"""Transparency log benchmark: a million-vote consultation's log, proofs, bundle and verifier.

One command (`make bench-transparency`, or `.venv/bin/python bench/transparency.py`), on
PostgreSQL (database `bench_transparency`, created if missing, emptied on every run):

1. builds the schema with the migrations and bulk-loads (COPY, then VACUUM ANALYZE) the
   synthetic consultation of bench/tally_export.py: 200,000 citizens, 2,000 proposals,
   1,000,000 votes, 100,000 comments (no withdrawals and no status changes, which that
   generator draws without the history the log needs);
2. builds its log with migration 0024's backfill (the entries, not integrated), timed;
3. runs the sequencer once (`integrate`) over the ~1.1M entries: entries per second;
4. asks the inclusion-proof endpoint, in process through the test client, for random
   leaves of the 1M+ tree: the server time of each request (p50, p95);
5. writes the bundle in a child process (as `flask bundle` does): seconds and peak RSS;
6. runs the standalone verify.py on that bundle in a child process: seconds and peak RSS.

It is not a test: it prints the figures and writes JSON under bench/out/. The figures are
copied by hand into docs/performance.md ("Transparency log").
"""
import argparse
import importlib.util
import json
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import tally_export  # noqa: E402 - the loader and the synthetic consultation, shared

OUT = ROOT / "bench" / "out"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_transparency"
VERIFY = ROOT / "aga_consulta" / "transparency" / "verify.py"
MIGRATION = ROOT / "migrations" / "versions" / "0024_transparency_backfill.py"
SLUG = tally_export.SLUG
log = tally_export.log


def make_app(url):
    from aga_consulta import create_app

    return create_app("development", overrides={
        "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-transparency",
        "TRANSPARENCY_AUTO_INTEGRATE": False, "RESULTS_RATE_LIMIT": "1000000 per minute",
    })


def _migration():
    spec = importlib.util.spec_from_file_location("migration_0024", MIGRATION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def data(args):
    """The synthetic consultation, with every proposal received and replies after their parents.

    The generator draws statuses without the decisions that lead to them, and comment times
    at random: a log replays acts in order, so those would not replay.
    """
    rows = tally_export.generate(args)
    columns, proposals = rows["proposals"]
    status, reason = columns.index("status"), columns.index("status_reason")
    fixed = []
    for row in proposals:
        row = list(row)
        row[status], row[reason] = "received", ""
        fixed.append(tuple(row))
    rows["proposals"] = (columns, fixed)
    # A reply comes after the comment it answers (the generator draws both times at random).
    columns, comments = rows["comments"]
    parent, created = columns.index("parent_id"), columns.index("created_at")
    made, ordered = {}, []
    for row in comments:
        row = list(row)
        if row[parent] is not None:
            row[created] = max(row[created], made[row[parent]] + timedelta(minutes=1))
        made[row[0]] = row[created]
        ordered.append(tuple(row))
    rows["comments"] = (columns, ordered)
    return rows


def backfill(app):
    """Build the log with the migration's own function; return (entries, seconds)."""
    from aga_consulta.extensions import db
    from aga_consulta.ledger import keys

    with app.app_context():
        started = time.perf_counter()
        with db.engine.begin() as connection:
            done = _migration().backfill(connection, keys.pseudonym_key())
        return sum(done.values()), time.perf_counter() - started


def integrate(app):
    """Run the sequencer once over the consultation; return (entries, seconds)."""
    from aga_consulta.consultations.services import get_by_slug
    from aga_consulta.ledger import services as ledger

    with app.app_context():
        consultation_id = get_by_slug(SLUG).id
        started = time.perf_counter()
        integrated = ledger.integrate(consultation_id)
        return integrated, time.perf_counter() - started


def proofs(app, requests, seed):
    """Time `requests` inclusion-proof requests for random leaves; return the figures."""
    from aga_consulta.consultations.services import get_by_slug
    from aga_consulta.ledger import services as ledger
    from aga_consulta.transparency import merkle

    rng = random.Random(seed)
    with app.app_context():
        consultation_id = get_by_slug(SLUG).id
        size = ledger.tree_size(consultation_id)
        root_hash = ledger.latest_checkpoint(consultation_id).root_hash
        checked = ledger.entries_range(consultation_id, 0, 1)[0]
    client = app.test_client()
    timings = []
    for number in range(requests + 10):
        index = 0 if number == 0 else rng.randrange(size)
        started = time.perf_counter()
        response = client.get(f"/transparency/{SLUG}/proof/inclusion?index={index}&size={size}")
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, response.data
        if number == 0:  # one proof checked end to end
            merkle.verify_inclusion(merkle.leaf_hash(checked), 0, size,
                                    [bytes.fromhex(h) for h in response.get_json()["hashes"]], root_hash)
        if number >= 10:  # the first ones warm the connection pool and the caches
            timings.append(elapsed)
    timings.sort()
    return {"tree_size": size, "requests": len(timings), "p50_ms": statistics.median(timings) * 1000,
            "p95_ms": timings[int(len(timings) * 0.95)] * 1000, "max_ms": timings[-1] * 1000}


def _vm_kb(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def child_bundle(url, path):
    """(Child process) write the bundle as `flask bundle` does and print a JSON report."""
    from aga_consulta.consultations.services import get_by_slug
    from aga_consulta.exports.bundle import write_consultation_bundle

    app = make_app(url)
    with app.app_context():
        consultation = get_by_slug(SLUG)
        baseline_kb = _vm_kb("VmRSS")
        started = time.perf_counter()
        with open(path, "wb") as stream:
            manifest = write_consultation_bundle(consultation, stream, integrate=True)
        seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "bytes": os.path.getsize(path),
                      "tree_size": manifest["checkpoint"]["tree_size"],
                      "rss_before_mb": baseline_kb / 1024, "peak_rss_mb": _vm_kb("VmHWM") / 1024}))


_VERIFY_WRAPPER = """
import runpy, sys, time
started = time.perf_counter()
code = 0
try:
    sys.argv = [sys.argv[1], *sys.argv[2:]]
    runpy.run_path(sys.argv[0], run_name="__main__")
except SystemExit as stop:
    code = stop.code or 0
peak = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:"))
print("BENCH " + repr((code, time.perf_counter() - started, peak / 1024)))
"""


def verify(path):
    """Run verify.py on the bundle in a fresh interpreter; return (exit code, seconds, peak RSS MB, last line)."""
    done = subprocess.run([sys.executable, "-c", _VERIFY_WRAPPER, str(VERIFY), str(path)],
                          capture_output=True, text=True)
    lines = done.stdout.strip().splitlines()
    code, seconds, peak_mb = eval(lines[-1][len("BENCH "):])  # noqa: S307 - our own repr of a tuple
    return {"exit": code, "seconds": seconds, "peak_rss_mb": peak_mb, "figures": lines[-2] if len(lines) > 1 else "",
            "stderr": done.stderr[-500:]}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--citizens", type=int, default=200_000)
    parser.add_argument("--proposals", type=int, default=2_000)
    parser.add_argument("--votes", type=int, default=1_000_000)
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--proof-requests", type=int, default=500)
    parser.add_argument("--seed", type=int, default=20261130)
    parser.add_argument("--url", default=PG_URL)
    parser.add_argument("--child-bundle", metavar="PATH", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_bundle:
        child_bundle(args.url, args.child_bundle)
        return
    args.withdrawn = 0
    OUT.mkdir(parents=True, exist_ok=True)
    figures = {"machine": tally_export.machine(), "args": {k: v for k, v in vars(args).items() if k != "child_bundle"}}
    tally_export.ensure_pg_database(args.url)
    app = make_app(args.url)
    log("schema (migrations)")
    tally_export.fresh_schema(app)
    log("generate")
    rows = data(args)
    log("bulk load (COPY, VACUUM ANALYZE)")
    tally_export.load(app, rows)
    del rows
    log("backfill (migration 0024)")
    entries, seconds = backfill(app)
    figures["backfill"] = {"entries": entries, "seconds": seconds, "per_second": entries / seconds}
    log(f"  {figures['backfill']}")
    log("sequencer")
    integrated, seconds = integrate(app)
    figures["sequencer"] = {"entries": integrated, "seconds": seconds, "per_second": integrated / seconds}
    log(f"  {figures['sequencer']}")
    log("inclusion proofs")
    figures["inclusion_proof"] = proofs(app, args.proof_requests, args.seed)
    log(f"  {figures['inclusion_proof']}")
    path = OUT / "bench-transparency-bundle.zip"
    log("bundle (child process)")
    done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child-bundle", str(path),
                           "--url", args.url], capture_output=True, text=True, check=True)
    figures["bundle"] = json.loads(done.stdout.strip().splitlines()[-1])
    log(f"  {figures['bundle']}")
    log("verify.py (child process)")
    figures["verify"] = verify(path)
    log(f"  {figures['verify']}")
    figures["loadavg_end"] = os.getloadavg()
    (OUT / "bench-transparency.json").write_text(json.dumps(figures, indent=2, default=str))
    print(json.dumps(figures, indent=2, default=str))


if __name__ == "__main__":
    main()
