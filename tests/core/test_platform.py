"""Migrations, health check, language, command line."""
import subprocess
import sys

import pytest
from sqlalchemy import select, text

from aga_consulta import create_app
from aga_consulta.accounts.models import User
from aga_consulta.extensions import db
from aga_consulta.proposals.models import Proposal
from tests.helpers import count


def test_migrations_create_the_schema_from_nothing_without_drift(tmp_path):
    """`flask db upgrade` on an empty database, then `flask db check` finds no drift."""
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/fresh.db", "PATH": "", "AGA_CONFIG": "development"}
    import os

    env = dict(os.environ, **env)
    flask = [sys.executable, "-m", "flask", "--app", "app"]
    upgrade = subprocess.run(flask + ["db", "upgrade"], env=env, capture_output=True, text=True)
    assert upgrade.returncode == 0, upgrade.stderr
    check = subprocess.run(flask + ["db", "check"], env=env, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "No new upgrade operations detected" in check.stdout + check.stderr


def test_session_database_has_no_drift(app):
    """The models match the migrated schema of the database under test (SQLite or PostgreSQL)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from aga_consulta.proposals.search import include_in_autogenerate

    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": include_in_autogenerate})
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_departments_are_loaded_by_the_migration():
    assert db.session.scalar(text("SELECT count(*) FROM departments")) == 33


def test_database_check_constraints(factory):
    """Territory must match scope, in the database itself."""
    from sqlalchemy.exc import IntegrityError

    consultation = factory.consultation()
    for bad in (
        dict(scope="subnational", department_code=None),
        dict(scope="national", department_code="76"),
        dict(scope="regional", department_code=None),
        dict(scope="national", department_code=None, status="approved"),
        dict(scope="subnational", department_code="00"),
    ):
        db.session.add(Proposal(consultation_id=consultation.id, code="X", title="t", summary="", body="", proposer="", **bad))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()
    assert count(Proposal) == 0


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_503_when_database_unreachable(tmp_path):
    app = create_app("testing", overrides={"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none"})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "error"
    page = app.test_client().get("/consultations/x")
    assert page.status_code == 503
    assert "Servicio no disponible" in page.get_data(as_text=True)


def test_english_by_browser_and_by_switch(client):
    spanish = client.get("/auth/login").get_data(as_text=True)
    assert '<html lang="es-CO">' in spanish and "Iniciar sesión" in spanish
    english = client.get("/auth/login", headers={"Accept-Language": "en-US,en;q=0.9"}).get_data(as_text=True)
    assert '<html lang="en">' in english and "Log in" in english
    client.post("/language", data={"lang": "en", "next": "/auth/login"})
    assert "Log in" in client.get("/auth/login").get_data(as_text=True)
    client.post("/language", data={"lang": "es", "next": "//evil.example"})
    assert "Iniciar sesión" in client.get("/auth/login", headers={"Accept-Language": "en"}).get_data(as_text=True)


def test_cli_users_create_and_set_role(runner):
    result = runner.invoke(args=["users", "create", "--email", "Mod@Example.co", "--name", "Moderadora",
                                 "--role", "moderator", "--password-stdin"], input="una frase larga de moderación\n")
    assert result.exit_code == 0, result.output
    user = User.query.one()
    assert user.email == "mod@example.co" and user.role == "moderator"
    assert runner.invoke(args=["users", "set-role", "MOD@example.co", "admin"]).exit_code == 0
    assert db.session.get(User, user.id).role == "admin"
    bad = runner.invoke(args=["users", "create", "--email", "x@example.co", "--name", "Equis", "--password-stdin"], input="corta\n")
    assert bad.exit_code != 0 and "al menos 12" in bad.output
    assert count(User) == 1
    missing = runner.invoke(args=["users", "set-role", "nadie@example.co", "admin"])
    assert missing.exit_code != 0


def test_cli_seed_reference_loads_the_catalogue(runner):
    from aga_consulta.consultations.models import Consultation

    # The practice consultation `demo` has proposals of its own.
    reference = Proposal.consultation_id.in_(select(Consultation.id).where(Consultation.slug == "iv-plan-2020"))
    result = runner.invoke(args=["seed", "reference"])
    assert result.exit_code == 0, result.output
    assert count(Proposal, reference) == 26
    assert count(Proposal, reference, Proposal.scope == "national") == 8
    assert count(Proposal, reference, Proposal.scope == "subnational") == 18
    total = count(Proposal)
    # --historical is accepted for older scripts: the reference is always history now.
    again = runner.invoke(args=["seed", "reference", "--historical"])
    assert "exists already" in again.output and count(Proposal) == total
    reset = runner.invoke(args=["seed", "reference", "--reset"])
    assert reset.exit_code == 0 and count(Proposal, reference) == 26 and count(Proposal) == total
    from aga_consulta.consultations.services import get_by_slug

    assert get_by_slug("iv-plan-2020").phase() == "closed"
    assert get_by_slug("demo").is_open()
