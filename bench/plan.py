"""Plan benchmark: the public tracker's server time, and the memory of a PDF upload.

One command (`make bench-plan`, or `.venv/bin/python bench/plan.py [--database-url URL]`):

1. builds the schema with the migrations in a SQLite file under bench/out/ (or the database
   given, emptied first), loads the reference data (`load_reference`: the IV Plan as 2020
   history, with its 15 commitments and 45 reports), then adds by bulk SQL 200 synthetic
   commitments (3 milestones each) and 5,000 published progress reports with their
   milestone states;
2. times GET /processes/iv-plan/plan (its first page of COMMITMENTS_PER_PAGE commitments
   among 215, then filtered by scope) and a commitment's page in this process through the
   WSGI app (server time: routing, queries, template; no network), after warm-up runs; the
   median (p50) and p95 are the figures. A static page is timed too, as a baseline of what
   the machine's load does to any request;
3. for a 1 MB and a 10 MB PDF, runs a child process that sends the multipart body from a file
   on disk through the WSGI app to POST /commitments/<id>/progress as a moderator, and reads
   the process's peak RSS (VmHWM, reset after a warm-up upload through /proc/self/clear_refs):
   streamed uploads keep it flat whatever the file's size.

It is not a test: it prints a table and writes JSON under bench/out/. The figures are
copied by hand into docs/performance.md ("The plan").
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

OUT = ROOT / "bench" / "out"
SQLITE_URL = "sqlite:///" + str(OUT / "bench-plan.db")
SYNTHETIC_COMMITMENTS = 200
SYNTHETIC_REPORTS = 5000
RUNS = 60
MODERATOR_EMAIL = "moderacion-bench@example.co"
PASSWORD = "una frase de prueba bastante larga"


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def make_app(url):
    from aga_consulta import create_app

    return create_app("development", overrides={
        "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-plan", "WTF_CSRF_ENABLED": False,
        "TRANSPARENCY_AUTO_INTEGRATE": False,
        "UPLOAD_DIR": str(OUT / "uploads"), "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})


def build(url):
    """Migrate, load the reference, add the synthetic commitments and reports; return the plan id."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from aga_consulta.extensions import db

    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    app = make_app(url)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()
        log("migrated; loading the reference data (a minute or two)")
        from aga_consulta.accounts.services import register_citizen
        from aga_consulta.seed.reference import load_reference

        load_reference()
        moderator = register_citizen(name="Moderación Bench", email=MODERATOR_EMAIL, password=PASSWORD,
                                     department_code="11", accepted_terms=True, role="moderator")
        plan_id = synthetic(moderator.id)
    return app, plan_id


def synthetic(author_id):
    """Bulk-insert the synthetic commitments, milestones, reports and states into the IV Plan."""
    from sqlalchemy import func, insert, select

    from aga_consulta.extensions import db
    from aga_consulta.plan.models import Commitment, Plan, PlanMilestone, ProgressReport, ReportMilestoneState
    from aga_consulta.processes.services import get_by_slug

    plan = db.session.scalar(select(Plan).where(Plan.process_id == get_by_slug("iv-plan").id))
    plan_id, start, end = plan.id, plan.starts_on, plan.ends_on
    first = db.session.scalar(select(func.max(Commitment.position)).where(Commitment.plan_id == plan_id)) + 1
    now = datetime(2022, 9, 1)
    departments = ("05", "11", "25", "47", "52", "68", "76", "13", "19", "50")
    levels = ("not_started", "limited", "substantial", "complete")
    rows = []
    for n in range(SYNTHETIC_COMMITMENTS):
        position = first + n
        subnational = n % 2 == 0
        rows.append({"plan_id": plan_id, "position": position, "code": f"C{position:03d}",
                     "title": f"Compromiso sintético {position}", "lead_institution": f"Institución sintética {n % 40}",
                     "other_actors": "", "scope": "subnational" if subnational else "national",
                     "department_code": departments[n % len(departments)] if subnational else None,
                     "municipality": None, "starts_on": start, "ends_on": end, "problem": "Problema sintético.",
                     "baseline": "", "commitment": "Compromiso sintético.", "expected_results": "Resultados.",
                     "contribution": "Contribución.", "ogp_values": "transparency", "budget": "", "plan_links": "",
                     "proposal_id": None, "completion": levels[n % 4], "version": 1, "created_at": now,
                     "updated_at": now})
    db.session.execute(insert(Commitment), rows)
    ids = list(db.session.scalars(select(Commitment.id).where(Commitment.plan_id == plan_id,
                                                              Commitment.position >= first)
                                  .order_by(Commitment.position)))
    span = (end - start).days
    milestones = [{"commitment_id": cid, "position": k + 1, "deliverable": f"Entregable {k + 1}",
                   "starts_on": start + timedelta(days=span * k // 3),
                   "ends_on": start + timedelta(days=span * (k + 1) // 3 - 1),
                   "state": ("complete", "in_progress", "pending")[k]} for cid in ids for k in range(3)]
    db.session.execute(insert(PlanMilestone), milestones)
    by_commitment = {}
    for mid, cid in db.session.execute(select(PlanMilestone.id, PlanMilestone.commitment_id)
                                       .where(PlanMilestone.commitment_id.in_(ids))):
        by_commitment.setdefault(cid, []).append(mid)
    reports = []
    for n in range(SYNTHETIC_REPORTS):
        cid = ids[n % len(ids)]
        day = start + timedelta(days=(n * 7) % span)
        reports.append({"commitment_id": cid, "author_id": author_id, "institution": None, "reported_on": day,
                        "completion": levels[n % 4], "narrative": f"Reporte sintético {n}.", "status": "published",
                        "reason": None, "version": 1, "created_at": now, "decided_at": now, "published_at": now})
    db.session.execute(insert(ProgressReport), reports)
    states = [{"report_id": rid, "milestone_id": mid, "commitment_id": cid, "state": "in_progress"}
              for rid, cid in db.session.execute(select(ProgressReport.id, ProgressReport.commitment_id)
                                                 .where(ProgressReport.commitment_id.in_(ids)))
              for mid in by_commitment[cid]]
    db.session.execute(insert(ReportMilestoneState), states)
    db.session.commit()
    total = db.session.scalar(select(func.count()).select_from(Commitment).where(Commitment.plan_id == plan_id))
    log(f"plan {plan_id}: {total} commitments, {len(reports)} synthetic reports, {len(states)} milestone states")
    return plan_id


def time_page(app, path, runs=RUNS):
    """Server time of GET `path` through the WSGI app: (p50, p95, min) in milliseconds."""
    client = app.test_client()
    for _ in range(5):
        assert client.get(path).status_code == 200
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(path)
        response.get_data()
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    times.sort()
    return {"p50_ms": round(statistics.median(times), 2), "p95_ms": round(times[int(len(times) * 0.95) - 1], 2),
            "min_ms": round(times[0], 2), "runs": runs}


def _status_kb(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return None


def upload_child(url, megabytes):
    """In a child process: one warm-up upload, reset the peak RSS, then one upload of `megabytes`."""
    from werkzeug.test import EnvironBuilder

    from aga_consulta.extensions import db
    from aga_consulta.plan.models import Commitment

    app = make_app(url)
    with app.app_context():
        commitment = db.session.scalar(db.select(Commitment).order_by(Commitment.id))
        commitment_id = commitment.id
        milestones = [m.id for m in commitment.milestones]
        period_day = commitment.plan.starts_on.isoformat()
    client = app.test_client()
    login = client.post("/auth/login", data={"email": MODERATOR_EMAIL, "password": PASSWORD})
    assert login.status_code in (302, 303), login.status_code
    cookie = "; ".join(f"{c.key}={c.value}" for c in client._cookies.values())
    fields = {"reported_on": period_day, "completion": "limited", "narrative": "Reporte de la prueba de carga."}
    fields.update({f"milestone_{mid}": "in_progress" for mid in milestones})

    def send(size):
        boundary = "benchboundary7d3f"
        with tempfile.TemporaryFile() as body:
            for name, value in fields.items():
                body.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
            body.write(f'--{boundary}\r\nContent-Disposition: form-data; name="documents"; filename="evidencia.pdf"'
                       f'\r\nContent-Type: application/pdf\r\n\r\n'.encode())
            body.write(b"%PDF-1.7\n")
            chunk = b"0" * 65536
            remaining = size - 9
            while remaining > 0:
                body.write(chunk[:remaining])
                remaining -= len(chunk)
            body.write(f"\r\n--{boundary}--\r\n".encode())
            length = body.tell()
            body.seek(0)
            builder = EnvironBuilder(path=f"/commitments/{commitment_id}/progress", method="POST", input_stream=body,
                                     content_length=length, headers={"Cookie": cookie},
                                     content_type=f"multipart/form-data; boundary={boundary}")
            environ = builder.get_environ()
            statuses = []
            result = app(environ, lambda status, headers, exc_info=None: statuses.append(status))
            b"".join(result)
            if hasattr(result, "close"):
                result.close()
            return statuses[0]

    assert send(64 * 1024).startswith("303"), "warm-up upload refused"
    before = _status_kb("VmRSS")
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")
    status = send(megabytes * 1024 * 1024)
    print(json.dumps({"megabytes": megabytes, "status": status, "rss_before_kb": before,
                      "peak_rss_kb": _status_kb("VmHWM")}))


def measure_upload(url, megabytes):
    """Run `upload_child` in a fresh interpreter and return its JSON line."""
    result = subprocess.run([sys.executable, __file__, "--database-url", url, "--upload-child", str(megabytes)],
                            capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=SQLITE_URL)
    parser.add_argument("--upload-child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--skip-build", action="store_true", help="reuse the database of an earlier run")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    if args.upload_child:
        upload_child(args.database_url, args.upload_child)
        return
    if args.skip_build:
        app = make_app(args.database_url)
    else:
        app, _plan_id = build(args.database_url)
    figures = {"database": args.database_url.split(":", 1)[0], "machine": platform.platform(),
               "cpus": os.cpu_count(), "load_average": os.getloadavg()}
    for label, path in (("baseline: the accessibility statement (no query)", "/accesibilidad"),
                        ("plan page, all commitments", "/processes/iv-plan/plan"),
                        ("plan page, scope=national", "/processes/iv-plan/plan?scope=national"),
                        ("commitment page", "/commitments/1")):
        figures[label] = time_page(app, path)
        log(f"{label}: {figures[label]}")
    for megabytes in (1, 10):
        figures[f"upload {megabytes} MB"] = measure_upload(args.database_url, megabytes)
        log(f"upload {megabytes} MB: {figures[f'upload {megabytes} MB']}")
    figures["load_average_after"] = os.getloadavg()
    (OUT / "plan.json").write_text(json.dumps(figures, indent=2, default=str))
    print(json.dumps(figures, indent=2, default=str))


if __name__ == "__main__":
    main()
