"""Co-creation benchmark: the process page with the reference data, and survey results at scale.

One command (`make bench-cocreation`, or `.venv/bin/python bench/cocreation.py`), on
PostgreSQL (database `bench_cocreation` by default, emptied on every run):

1. builds the schema with the migrations and loads the reference data (`flask seed
   reference`, through the services), then times GET /processes/iv-plan in process
   (the request's server time, no network): warm-up, then N requests; p50 and p95;
2. creates a survey like the IV Plan's (multiple choice of 8 themes up to 3, single
   choice of 5, a 1-5 scale, free text) and bulk-loads (COPY) 100,000 respondents with
   their answers, runs ANALYZE, then times `surveys.services.results` (median of 7) and
   GET /surveys/<id>/results.

It is not a test: it prints the figures and writes JSON under bench/out/; they are copied
by hand into docs/performance.md ("Co-creation").
"""
import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import tally_export as base  # noqa: E402  (schema, machine description, logging)

OUT = ROOT / "bench" / "out"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_cocreation"
OPENS = datetime(2020, 7, 1, 5, 0)
THEMES = ("Datos abiertos", "Lucha contra la corrupción", "Trámites y servicios", "Ambiente", "Finanzas públicas",
          "Participación ciudadana", "Justicia abierta", "Contratación pública")
SECTORS = ("Ciudadanía", "Sociedad civil", "Academia", "Sector público", "Sector privado")
QUESTIONS = (
    {"kind": "multiple_choice", "required": True, "max_choices": 3, "options": THEMES, "text": "¿Qué temas? (hasta tres)"},
    {"kind": "single_choice", "required": True, "options": SECTORS, "text": "¿Desde qué sector participa?"},
    {"kind": "scale", "required": True, "scale_min": 1, "scale_max": 5, "text": "¿Qué tan importante? (1 a 5)"},
    {"kind": "free_text", "required": False, "text": "¿Qué problema debería resolver el plan?"},
)


def make_app(url):
    from aga_consulta import create_app

    return create_app("development", overrides={"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-cocreation",
                                                "RATELIMIT_ENABLED": False})


def timed_gets(client, path, warmup, runs, cpu=None):
    """Return the wall milliseconds of `runs` GETs of `path` after `warmup` untimed ones.

    `cpu`, a list, receives each request's CPU milliseconds in this process (the app's
    share; the database server's is in the wall time only).
    """
    for _ in range(warmup):
        assert client.get(path).status_code == 200, path
    samples = []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.get(path)
        samples.append((time.perf_counter() - started) * 1000)
        if cpu is not None:
            cpu.append((time.process_time() - started_cpu) * 1000)
        assert response.status_code == 200, path
    return samples


def percentile(samples, share):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def process_page(app, args):
    """Load the reference data (unless --reuse) and time the IV Plan's process page."""
    if not args.reuse:
        base.log("seed reference (through the services)")
        started = time.perf_counter()
        result = app.test_cli_runner().invoke(args=["seed", "reference"])
        assert result.exit_code == 0, result.output
        base.log(f"  loaded in {time.perf_counter() - started:.0f} s")
    with app.app_context():
        from aga_consulta.extensions import db

        raw = db.engine.raw_connection()
        raw.driver_connection.autocommit = True
        raw.cursor().execute("VACUUM ANALYZE")
        raw.close()
    client, cpu = app.test_client(), []
    samples = timed_gets(client, "/processes/iv-plan", args.warmup, args.requests, cpu)
    return {"requests": len(samples), "p50_ms": statistics.median(samples), "p95_ms": percentile(samples, 0.95),
            "min_ms": min(samples), "max_ms": max(samples), "cpu_p50_ms": statistics.median(cpu)}


def survey_rows(survey, respondents, first_ids, rng):
    """The users, responses and answers of `respondents` synthetic citizens (deterministic)."""
    from aga_consulta.accounts.consent import POLICY_VERSION

    themes, sectors, scale, text = survey.questions
    users, responses, answers = [], [], []
    first_user_id, first_response_id, answer_id = first_ids
    for n in range(respondents):
        user_id, response_id = first_user_id + n, first_response_id + n
        at = OPENS + timedelta(seconds=n * 20)
        users.append((user_id, f"encuestado{user_id}@bench.example.co", f"Persona encuestada {n}", f"Persona {n}",
                      "pbkdf2:sha256:1$x$y", "11", "citizen", True, f"{user_id:040x}", at, POLICY_VERSION, at))
        responses.append((response_id, survey.id, user_id, at, at))
        for option in rng.sample(themes.options, rng.randint(1, 3)):
            answer_id += 1
            answers.append((answer_id, response_id, themes.id, option.id, None, None))
        answer_id += 1
        answers.append((answer_id, response_id, sectors.id, rng.choice(sectors.options).id, None, None))
        answer_id += 1
        answers.append((answer_id, response_id, scale.id, None, rng.randint(1, 5), None))
        if rng.random() < 0.15:
            answer_id += 1
            answers.append((answer_id, response_id, text.id, None, None, f"Un problema público número {n}."))
    return {
        "users": (("id", "email", "name", "public_name", "password_hash", "department_code", "role", "active",
                   "session_token", "consented_at", "consent_version", "created_at"), users),
        "survey_responses": (("id", "survey_id", "user_id", "created_at", "updated_at"), responses),
        "survey_answers": (("id", "response_id", "question_id", "option_id", "scale_value", "text"), answers),
    }


def survey_results(app, args):
    """Bulk-load a survey's respondents and time its results."""
    from sqlalchemy import func, select

    from aga_consulta.accounts.models import User
    from aga_consulta.extensions import db
    from aga_consulta.surveys import services
    from aga_consulta.surveys.models import Answer, Response

    with app.app_context():
        survey = services.create_survey(title="Consulta temática (benchmark)", opens_at=OPENS,
                                        closes_at=OPENS + timedelta(days=60), questions=QUESTIONS)
        survey = services.get_survey(survey.id)
        first = tuple((db.session.scalar(select(func.max(model.id))) or 0) + 1 for model in (User, Response, Answer))
        data = survey_rows(survey, args.respondents, first, random.Random(args.seed))
        survey_id = survey.id
        db.session.remove()
    base.log(f"bulk load: {args.respondents:,} respondents, {len(data['survey_answers'][1]):,} answers")
    base.load(app, data)
    with app.app_context():
        timings = []
        for _ in range(args.runs):
            survey = services.get_survey(survey_id)
            started = time.perf_counter()
            figures = services.results(survey)
            timings.append(time.perf_counter() - started)
            db.session.remove()
        assert figures["respondents"] == args.respondents, figures["respondents"]
    page = timed_gets(app.test_client(), f"/surveys/{survey_id}/results", 1, args.runs)
    return {"respondents": args.respondents, "answers": len(data["survey_answers"][1]),
            "results_runs_s": timings, "results_median_s": statistics.median(timings),
            "page_median_ms": statistics.median(page), "page_runs_ms": page}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-url", default=PG_URL)
    parser.add_argument("--requests", type=int, default=50, help="timed requests of the process page")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--respondents", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7, help="timed survey results runs")
    parser.add_argument("--seed", type=int, default=2020)
    parser.add_argument("--reuse", action="store_true", help="keep the database of a previous run (no reload)")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    results = {"machine": base.machine()}
    base.ensure_pg_database(args.pg_url)
    app = make_app(args.pg_url)
    if not args.reuse:
        base.log("schema (migrations)")
        base.fresh_schema(app)
    results["process_page"] = process_page(app, args)
    base.log(f"process page: {results['process_page']}")
    results["survey"] = survey_results(app, args)
    base.log(f"survey results: {results['survey']}")
    results["machine"]["loadavg_end"] = os.getloadavg()
    page, survey = results["process_page"], results["survey"]
    print()
    print(f"process page /processes/iv-plan: p50 {page['p50_ms']:.1f} ms, p95 {page['p95_ms']:.1f} ms, "
          f"min {page['min_ms']:.1f} ms, app CPU p50 {page['cpu_p50_ms']:.1f} ms over {page['requests']} requests "
          f"(target p50 <= 30 ms)")
    print(f"survey results, {survey['respondents']:,} respondents: median {survey['results_median_s']:.3f} s "
          f"(runs {' '.join(f'{t:.3f}' for t in survey['results_runs_s'])}); results page median "
          f"{survey['page_median_ms']:.0f} ms (target <= 1 s)")
    print(f"load average: start {results['machine']['loadavg_start']}, end {results['machine']['loadavg_end']}")
    out = OUT / f"cocreation-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(results, indent=2, default=str))
    print(f"written {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
