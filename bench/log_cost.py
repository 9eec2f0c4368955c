"""What the transparency log costs the vote: the site with and without its entry, alternating rounds.

`.venv/bin/python bench/log_cost.py` (PostgreSQL, database `bench_logcost` or --database-url:
emptied). The site (app:app) and the same code with the vote's log entry off
(bench/nolog_app.py) run side by side under gunicorn against one database, with the
sequencer on in both (a shared database: whichever runs it integrates every log). wrk then
drives the vote, one site at a time, for --rounds rounds, the order alternating each round
so that a machine that slows down, or a database that grows, weighs on both alike. Before
each phase the entries still waiting are integrated and the database is VACUUM ANALYZEd (as
a production server's autovacuum would), so that no phase pays for the one before it. The cost
is 1 - on/off of the medians (issue 14's target: at most 10 %); beside it, the median of each
round's own cost (its two phases run a minute apart, so a machine whose speed drifts between
rounds moves both alike). Every 303 must be one new
vote row, and with the log on one entry; the script fails a round that is not clean.

Beside the throughput, each phase counts the CPU time it cost, per vote: both sites'
processes (master, workers, the sequencer's process), the `--sequencer command` process,
Redis and PostgreSQL, from the start of the phase until the site's own sequencer has
integrated the phase's entries. On a machine whose neighbours take its cores (steal time),
throughput swings from round to round while the CPU a vote takes barely moves: the CPU
cost, 1 - off/on of each round's CPU per vote, is the steadier figure.

The sequencer's runs are timed from the servers' logs (the INFO line "the transparency
sequencer integrated N entries of L logs in X ms"). Results go to bench/out/logcost-*.json.
"""
import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import load, wrk_load  # noqa: E402
from bench.stack import Gunicorn, Redis, Sequencer  # noqa: E402

SEQUENCER_LINE = "the transparency sequencer integrated "


def settle(database_url):
    """Integrate what waits and VACUUM ANALYZE, so each phase starts alike.

    Without it the phase that follows a log-on phase pays for integrating that phase's last
    entries, and every phase meets the dead row versions of all before it (this server runs
    with autovacuum off; a production server's would have cleaned them up).
    """
    import psycopg
    from sqlalchemy.engine import make_url

    from aga_consulta import create_app
    from aga_consulta.extensions import db
    from aga_consulta.ledger import services as ledger

    app = create_app("development", overrides={"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        ledger.integrate_all()
        db.engine.dispose()
    url = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
        conn.execute("VACUUM ANALYZE")


def pending_entries(database_url):
    """Return how many log entries wait for the sequencer."""
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True, connect_timeout=5) as conn:
        return conn.execute("SELECT count(*) FROM transparency_entries WHERE leaf_index IS NULL").fetchone()[0]


def wait_integrated(database_url, timeout=60):
    """Wait until no entry waits (or the timeout); return the seconds it took."""
    started = time.monotonic()
    while pending_entries(database_url) and time.monotonic() - started < timeout:
        time.sleep(0.25)
    return time.monotonic() - started


def watched_cpu(processes):
    """CPU seconds used so far by each process a phase is charged for, by role: `processes` and PostgreSQL."""
    roles = {"web": [], "sequencer": [], "redis": [], "postgresql": load.postgres_pids()}
    for process in processes:
        if not process.alive():
            continue
        if isinstance(process, Gunicorn):
            roles["web"] += [process.pid, *process.worker_pids()]
            roles["sequencer"] += process.dirty_pids()
        else:
            roles["sequencer" if isinstance(process, Sequencer) else "redis"].append(process.pid)
    return {role: {pid: load.cpu_seconds(pid) for pid in pids} for role, pids in roles.items()}


def cpu_used(before, after):
    """CPU seconds each role used between two `watched_cpu` readings (a process started since counts whole)."""
    return {role: sum(cpu - (before.get(role, {}).get(pid) or 0) for pid, cpu in pids.items() if cpu is not None)
            for role, pids in after.items()}


def sequencer_runs(server):
    """Return the sequencer's run times (ms) found in a server's log."""
    times = []
    for line in server.log_text().splitlines():
        if SEQUENCER_LINE in line and " ms" in line:
            times.append(float(line.rsplit(" in ", 1)[1].split(" ms")[0]))
    return times


def main():
    """Run the rounds, print and write the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=os.environ.get(
        "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/bench_logcost"))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--citizens", type=int, default=128)
    parser.add_argument("--no-settle", dest="settle", action="store_false",
                        help="no integration and VACUUM ANALYZE between phases")
    parser.add_argument("--sequencer", choices=("process", "threads", "command", "off"), default="process",
                        help="where the sequencer runs: each site's own process (gunicorn's dirty worker, the "
                             "default), a thread in each site's workers, one `flask transparency integrate "
                             "--watch` process beside the sites, or nowhere")
    parser.add_argument("--no-sequencer", dest="sequencer", action="store_const", const="off",
                        help="the same as --sequencer off")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk")
    wrk_load.OUT.mkdir(parents=True, exist_ok=True)
    redis = Redis(wrk_load.OUT / "logcost-redis.log").start()
    database_url = args.database_url
    sites = {}
    sequencer = None
    rounds = []
    try:
        redis_url = redis.wait_ready().url
        load.ensure_pg_database(database_url)
        proposal_ids = load.prepare_database(database_url, vote_cap=load.PROPOSALS)
        print("   " + load.analyze_tables(database_url), flush=True)
        emails = wrk_load.make_citizens(database_url, args.citizens)
        env = {**load.BENCH_LIMITS, "TRANSPARENCY_AUTO_INTEGRATE": "1" if args.sequencer in {"process", "threads"}
               else "0", "GUNICORN_SEQUENCER": "threads" if args.sequencer == "threads" else "process"}
        if args.sequencer == "command":
            (wrk_load.OUT / "logcost-sequencer.log").unlink(missing_ok=True)
            sequencer = Sequencer(wrk_load.OUT / "logcost-sequencer.log", database_url=database_url).start()
        for label, app in (("on", "app:app"), ("off", "bench.nolog_app:app")):
            (wrk_load.OUT / f"logcost-{label}.log").unlink(missing_ok=True)  # runs are read from it
            sites[label] = Gunicorn(wrk_load.OUT / f"logcost-{label}.log", database_url=database_url,
                                    workers=args.workers, threads=1, redis_url=redis_url,
                                    key_prefix=f"aga-logcost-{label}", extra_env=env, app=app)
            sites[label].start().wait_ready(timeout=90)
        sessions = [wrk_load.log_in(sites["on"].url, email) for email in emails]
        pairs = Path(tempfile.mkdtemp(dir=wrk_load.OUT)) / "pairs.tsv"
        pairs.write_text("".join(f"{cookie}\t{token}\t{','.join(map(str, proposal_ids))}\n"
                                 for cookie, token in sessions))
        offset = 0
        for number in range(args.rounds):
            order = ("on", "off") if number % 2 == 0 else ("off", "on")
            row = {}
            for label in order:
                if args.settle:
                    settle(database_url)
                processes = [*sites.values(), redis, *([sequencer] if sequencer else [])]
                cpu_before = watched_cpu(processes)
                vote, offset = wrk_load.vote_phase(sites[label].url, pairs, args.connections, args.seconds,
                                                   offset, database_url, logged=label == "on")
                if args.sequencer != "off":
                    # The phase's entries are its cost too: charged once integrated.
                    vote["integrated_after_s"] = round(wait_integrated(database_url), 2)
                used = cpu_used(cpu_before, watched_cpu(processes))
                vote["cpu_s"] = round(sum(used.values()), 3)
                vote["cpu_ms_per_vote"] = vote["cpu_s"] * 1000 / max(vote["rows_written"], 1)
                vote["cpu_ms_per_vote_by_role"] = {role: round(seconds * 1000 / max(vote["rows_written"], 1), 3)
                                                   for role, seconds in used.items()}
                vote["clean"] = set(vote["statuses"]) == {"303"} and not vote["socket_errors"] and vote["rows_match"]
                row[label] = vote
            rounds.append(row)
            print(f"   round {number + 1}: on {row['on']['rps']:.0f} req/s (p99 {row['on'].get('p99', 0):.0f} ms, "
                  f"{row['on']['cpu_ms_per_vote']:.2f} ms CPU a vote), off {row['off']['rps']:.0f} req/s "
                  f"(p99 {row['off'].get('p99', 0):.0f} ms, {row['off']['cpu_ms_per_vote']:.2f} ms CPU a vote)"
                  + ("" if row["on"]["clean"] and row["off"]["clean"] else "  <- NOT CLEAN"), flush=True)
    finally:
        for server in [*sites.values(), *([sequencer] if sequencer else [])]:
            server.stop()
        redis.stop()
    on = statistics.median(r["on"]["rps"] for r in rounds)
    off = statistics.median(r["off"]["rps"] for r in rounds)
    paired = [1 - r["on"]["rps"] / r["off"]["rps"] for r in rounds]
    cpu_costs = [1 - r["off"]["cpu_ms_per_vote"] / r["on"]["cpu_ms_per_vote"] for r in rounds]
    runs = {label: sequencer_runs(server) for label, server in sites.items()}
    if sequencer is not None:
        runs["command"] = sequencer_runs(sequencer)
    report = {
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"), "machine": load.machine(),
        "settings": vars(args), "rounds": rounds, "median_on": on, "median_off": off,
        "cost": round(1 - on / off, 3), "round_costs": [round(cost, 3) for cost in paired],
        "median_round_cost": round(statistics.median(paired), 3), "sequencer_runs_ms": runs,
        "cpu_ms_per_vote": {label: round(statistics.median(r[label]["cpu_ms_per_vote"] for r in rounds), 3)
                            for label in ("on", "off")},
        "cpu_ms_per_vote_by_role": {label: {role: round(statistics.median(
            r[label]["cpu_ms_per_vote_by_role"][role] for r in rounds), 3) for role in rounds[0][label][
            "cpu_ms_per_vote_by_role"]} for label in ("on", "off")},
        "round_cpu_costs": [round(cost, 3) for cost in cpu_costs],
        "median_round_cpu_cost": round(statistics.median(cpu_costs), 3),
        "clean": all(r["on"]["clean"] and r["off"]["clean"] for r in rounds),
    }
    every_run = [ms for times in runs.values() for ms in times]
    print(f"   median: on {on:.0f}, off {off:.0f} req/s; the log entry's cost {1 - on / off:.1%} (target <= 10 %)")
    print(f"   each round's cost, in order: {', '.join(f'{cost:.1%}' for cost in paired)};"
          f" median {statistics.median(paired):.1%}")
    print(f"   CPU a vote (median): on {report['cpu_ms_per_vote']['on']:.2f} ms, off "
          f"{report['cpu_ms_per_vote']['off']:.2f} ms; each round's CPU cost: "
          f"{', '.join(f'{cost:.1%}' for cost in cpu_costs)}; median {statistics.median(cpu_costs):.1%}")
    for label in ("on", "off"):
        print(f"   CPU a vote by role, log {label} (medians, ms): " + ", ".join(
            f"{role} {ms:.2f}" for role, ms in report["cpu_ms_per_vote_by_role"][label].items()))
    if every_run:
        print(f"   sequencer: {len(every_run)} runs, median {statistics.median(every_run):.0f} ms,"
              f" longest {max(every_run):.0f} ms")
    path = wrk_load.OUT / f"logcost-{datetime.now().strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(report, indent=2))
    print(f"results: {path.relative_to(ROOT)}")
    if not report["clean"]:
        sys.exit("a round was not clean: see the statuses in the JSON")


if __name__ == "__main__":
    main()
