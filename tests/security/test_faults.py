"""Case 20: the database down or failing mid-transaction.

/healthz answers 503, pages answer 503 in Spanish (never a 500 with a trace), and no
half-written rows remain. The faults are real: a closed port, a SQLite write lock held by
another connection, a PostgreSQL backend terminated in the middle of a request's
transaction. tests/load/test_faults.py does the same against gunicorn under load.
"""
import sqlite3

import pytest
from sqlalchemy import event, select
from sqlalchemy.engine import make_url

from aga_consulta import create_app
from aga_consulta.accounts.models import User
from aga_consulta.comments.models import Comment
from aga_consulta.extensions import db
from aga_consulta.audit.models import AuditLogEntry
from aga_consulta.voting.models import Vote
from bench.stack import dead_port
from tests.helpers import PASSWORD, login
from tests.security.support import table_counts

SPANISH_503 = "Servicio no disponible"
REGISTER = {"name": "Persona Caída", "email": "caida@example.co", "password": PASSWORD, "password_confirm": PASSWORD,
            "department": "11", "accept_terms": "y"}


@pytest.fixture
def make_app():
    """Build extra apps (another database URL or settings); their engines are closed after."""
    built = []

    def build(url, **overrides):
        extra = create_app("testing", overrides={"SQLALCHEMY_DATABASE_URI": url, **overrides})
        built.append(extra)
        return extra

    yield build
    for extra in built:
        with extra.app_context():
            db.session.remove()
            db.engine.dispose()


def _assert_spanish_503(response, where):
    assert response.status_code == 503, (where, response.status_code)
    html = response.get_data(as_text=True)
    assert SPANISH_503 in html and 'lang="es-CO"' in html, where
    assert "Traceback" not in html and "OperationalError" not in html, where
    assert "Content-Security-Policy" in response.headers


def test_database_unreachable(app, make_app, factory, caplog):
    citizen = factory.user()
    proposal_id = factory.proposal(factory.consultation()).id
    live = app.test_client()
    login(live, citizen.email)
    cookie = live.get_cookie("session").value
    before = table_counts()
    down = make_app(f"postgresql+psycopg://postgres@127.0.0.1:{dead_port()}/aga")
    visitor = down.test_client()

    health = visitor.get("/healthz")
    assert health.status_code == 503
    assert health.get_json() == {"status": "error", "database": "unreachable"}
    for path in ("/", "/consultations/iv-plan-2020", f"/proposals/{proposal_id}"):
        _assert_spanish_503(visitor.get(path), path)
    _assert_spanish_503(visitor.post("/auth/register", data=REGISTER), "register")
    _assert_spanish_503(visitor.post("/auth/login", data={"email": citizen.email, "password": PASSWORD}), "login")
    # A logged-in citizen (same secret key, a valid cookie) gets the same 503, not a 500.
    signed_in = down.test_client()
    signed_in.set_cookie("session", cookie)
    for method, path in (("GET", "/me"), ("POST", f"/proposals/{proposal_id}/vote"), ("GET", f"/proposals/{proposal_id}")):
        _assert_spanish_503(signed_in.open(path, method=method), path)

    assert table_counts() == before
    assert live.get("/healthz").status_code == 200
    assert PASSWORD not in caplog.text


def test_sqlite_locked_database_answers_503_and_stores_nothing(app, database_url, make_app, factory, tmp_path):
    if not database_url.startswith("sqlite"):
        pytest.skip("a SQLite write lock (the PostgreSQL variant terminates a backend)")
    citizen = factory.user()
    proposal_id = factory.proposal(factory.consultation()).id
    impatient = make_app(database_url, SQLITE_BUSY_TIMEOUT_MS=50)
    client = impatient.test_client()
    assert client.post("/auth/login", data={"email": citizen.email, "password": PASSWORD}).status_code == 302
    before = table_counts()
    holder = sqlite3.connect(make_url(database_url).database, isolation_level=None, timeout=5)
    holder.execute("BEGIN IMMEDIATE")  # another writer holds the lock for as long as it likes
    try:
        _assert_spanish_503(client.post(f"/proposals/{proposal_id}/vote"), "vote")
        _assert_spanish_503(client.post(f"/proposals/{proposal_id}/comments", data={"body": "Durante el bloqueo"}), "comment")
        _assert_spanish_503(impatient.test_client().post("/auth/register", data=REGISTER), "register")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert table_counts() == before
    assert db.session.scalar(select(User.last_vote_at).where(User.id == citizen.id)) is None
    assert client.post(f"/proposals/{proposal_id}/vote").status_code == 303  # the lock gone, all is well


@pytest.fixture
def terminator(database_url):
    """kill(app, when): terminate the PostgreSQL backend of `app`'s connection when a statement matches `when`."""
    if not database_url.startswith("postgresql"):
        pytest.skip("terminates a PostgreSQL backend mid-transaction (the SQLite variant holds a write lock)")
    import psycopg

    url = make_url(database_url)
    admin = psycopg.connect(host=url.host, port=url.port or 5432, user=url.username, dbname=url.database,
                            password=url.password, autocommit=True)
    hooks = []

    def arm(extra_app, when):
        with extra_app.app_context():
            engine = db.engine

        def before_execute(conn, cursor, statement, parameters, context, executemany):
            if when(statement):
                pid = conn.connection.dbapi_connection.info.backend_pid
                admin.execute("SELECT pg_terminate_backend(%s)", (pid,))

        event.listen(engine, "before_cursor_execute", before_execute)
        hooks.append((engine, before_execute))

    yield arm
    for engine, hook in hooks:
        event.remove(engine, "before_cursor_execute", hook)
    admin.close()


def test_postgres_connection_lost_mid_vote_leaves_no_half_written_vote(database_url, make_app, factory, terminator):
    citizen = factory.user()
    proposal_id = factory.proposal(factory.consultation()).id
    faulty = make_app(database_url)
    client = faulty.test_client()
    assert client.post("/auth/login", data={"email": citizen.email, "password": PASSWORD}).status_code == 302
    terminator(faulty, lambda sql: "INSERT INTO votes" in sql)
    before = table_counts()

    # The citizen's row was already updated (the lock) when the insert died (on PostgreSQL the
    # vote is one WITH ... INSERT INTO votes statement): both undone.
    _assert_spanish_503(client.post(f"/proposals/{proposal_id}/vote"), "vote")

    assert table_counts() == before
    assert db.session.scalar(select(User.last_vote_at).where(User.id == citizen.id)) is None
    assert db.session.scalar(select(Vote)) is None


def test_postgres_connection_lost_mid_moderation_leaves_comment_and_log_consistent(database_url, make_app, factory, terminator):
    proposal = factory.proposal(factory.consultation())
    comment = Comment(proposal_id=proposal.id, consultation_id=proposal.consultation_id, user_id=factory.user().id,
                      body="Comentario por moderar")
    db.session.add(comment)
    db.session.commit()
    moderator = factory.user(role="moderator")
    faulty = make_app(database_url)
    client = faulty.test_client()
    assert client.post("/auth/login", data={"email": moderator.email, "password": PASSWORD}).status_code == 302
    terminator(faulty, lambda sql: sql.startswith("INSERT INTO audit_log"))
    before = table_counts()

    _assert_spanish_503(client.post(f"/moderation/comments/{comment.id}/hide", data={"reason": "Insultos"}), "hide")

    assert table_counts() == before
    db.session.refresh(comment)
    assert comment.status == "published" and comment.moderation_reason is None  # no change without its audit entry
    assert db.session.scalar(select(AuditLogEntry)) is None

