"""Faults: the database unreachable or lost mid-traffic, an app server killed mid-burst.

Nothing half-written survives a fault, and no vote acknowledged to a citizen (303) is lost.
"""
import os
import signal
import threading
import time
from collections import Counter

import httpx
import pytest
from sqlalchemy.engine import make_url

from aga_consulta.accounts.models import User
from aga_consulta.voting.models import Vote
from bench.stack import dead_port, free_port
from tests.helpers import PASSWORD, count
from tests.load.browser import Browser
from tests.load.conftest import server_errors, start_site
from tests.load.tcp_proxy import TcpProxy

SPANISH_503 = "Servicio no disponible"


@pytest.fixture
def servers():
    """Servers a test starts; all stopped at its end."""
    started = []
    yield started
    for server in started:
        server.stop()


def test_database_unreachable_healthz_and_pages_answer_503_in_spanish(app, log_dir, servers):
    url = f"postgresql+psycopg://postgres@127.0.0.1:{dead_port()}/aga"
    server = start_site(log_dir, url, "dead-db", workers=1, threads=2, ready_statuses=(503,))
    servers.append(server)
    browser = Browser(server.url)

    health = browser.get("/healthz")
    assert health.status_code == 503
    assert health.json() == {"status": "error", "database": "unreachable"}
    for path in ("/", "/consultations/iv-plan-2020", "/proposals/1"):
        page = browser.get(path)
        assert page.status_code == 503, path
        assert SPANISH_503 in page.text and 'lang="es' in page.text
        assert "Content-Security-Policy" in page.headers
    token = browser.token("/auth/login")  # the form itself needs no database
    login = browser.post("/auth/login", {"csrf_token": token, "email": "ana@example.co", "password": PASSWORD})
    assert login.status_code == 503 and SPANISH_503 in login.text
    assert not server_errors(server)


def test_database_unreachable_a_logged_in_citizen_gets_503_not_500(site, log_dir, factory, servers):
    """The error page must not ask the lost database who is logged in (that failed into a 500)."""
    citizen = factory.user()
    proposal_id = factory.proposal(factory.consultation()).id
    browser = Browser(site.url)
    assert browser.login(citizen.email).status_code == 302
    token = browser.token(f"/proposals/{proposal_id}")
    url = f"postgresql+psycopg://postgres@127.0.0.1:{dead_port()}/aga"
    dead = start_site(log_dir, url, "dead-db-citizen", workers=1, threads=2, ready_statuses=(503,))
    servers.append(dead)
    # Same SECRET_KEY: the citizen's cookie is valid there, but nobody can check it.
    on_dead = browser.tab(dead.url)

    for response in (
        on_dead.get("/"),
        on_dead.get(f"/proposals/{proposal_id}"),
        on_dead.post(f"/proposals/{proposal_id}/vote", {"csrf_token": token}),
        on_dead.get("/me"),
    ):
        assert response.status_code == 503, response.request.url
        assert SPANISH_503 in response.text
    assert not server_errors(dead)
    assert count(Vote) == 0


def _register_form(browser, email):
    token = browser.token("/auth/register")
    return {
        "csrf_token": token, "name": "Persona de la caída", "email": email, "password": PASSWORD,
        "password_confirm": PASSWORD, "department": "11", "accept_terms": "y",
    }


def _vote_until_answered(browser, token, proposal_id, deadline, outcomes):
    # A citizen who gets an error page presses the button again, until a real answer.
    while time.monotonic() < deadline:
        try:
            status = browser.post(f"/proposals/{proposal_id}/vote", {"csrf_token": token}).status_code
        except httpx.TransportError as error:
            status = type(error).__name__
        outcomes.append(status)
        if status in (303, 409):
            return status
        time.sleep(0.05)
    return None


def _once(action):
    """Wrap `action` so that only the first thread to get there runs it; the others go on."""
    gate = threading.Lock()

    def run(*args):
        if gate.acquire(blocking=False):
            action(*args)

    return run


def _burst(site_url, citizens, proposal_ids, on_progress, deadline_s=25):
    """Each citizen (one thread) votes every proposal; return {(citizen, proposal): outcomes}.

    `on_progress(votes_answered)` is called after every answered vote, from the citizens'
    threads, concurrently: faults it injects hit the others mid-request.
    """
    results = {}
    done = Counter()
    lock = threading.Lock()
    everyone_in = threading.Barrier(len(citizens))
    deadline = time.monotonic() + deadline_s

    def citizen_thread(citizen):
        browser = Browser(site_url)
        browser.login(citizen["email"])
        token = browser.token(f"/proposals/{proposal_ids[0]}")
        everyone_in.wait(30)  # the burst starts once every citizen is logged in
        for proposal_id in proposal_ids:
            outcomes = []
            _vote_until_answered(browser, token, proposal_id, deadline, outcomes)
            with lock:
                results[(citizen["id"], proposal_id)] = outcomes
                done["votes"] += 1
                votes = done["votes"]
            # Outside the lock: the other citizens keep voting while the fault happens.
            on_progress(votes)
        browser.close()

    threads = [threading.Thread(target=citizen_thread, args=(c,)) for c in citizens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(deadline_s + 10)
    return results


def test_database_lost_mid_burst_leaves_no_half_written_rows(app, database_url, backend, log_dir, factory, servers):
    if backend != "postgresql":
        pytest.skip("cuts a PostgreSQL connection (CI's second pass)")
    pg = make_url(database_url)
    proxy = TcpProxy(free_port(), (pg.host or "127.0.0.1", pg.port or 5432)).start()
    try:
        via_proxy = pg.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        server = start_site(log_dir, via_proxy, "db-lost", workers=2, threads=4)
        servers.append(server)
        consultation = factory.consultation(vote_cap=5)
        proposal_ids = [factory.proposal(consultation).id for _ in range(12)]
        citizens = [{"id": u.id, "email": u.email} for u in (factory.user() for _ in range(4))]
        newcomer = Browser(server.url)
        form = _register_form(newcomer, "recien.llegada@example.co")
        timeline = {}

        @_once
        def outage():
            proxy.cut()
            registration = newcomer.post("/auth/register", form)
            timeline["register"] = (registration.status_code, SPANISH_503 in registration.text)
            timeline["health"] = newcomer.get("/healthz").status_code
            time.sleep(0.5)
            proxy.start()

        def on_progress(votes):
            if votes >= 8:
                outage()

        results = _burst(server.url, citizens, proposal_ids, on_progress)

        assert timeline["register"] == (503, True) and timeline["health"] == 503
        statuses = Counter(s for outcomes in results.values() for s in outcomes)
        assert statuses[503] > 0, statuses  # the outage hit the burst
        assert set(statuses) <= {303, 409, 503}, statuses
        assert len(results) == len(citizens) * len(proposal_ids)
        for (citizen_id, proposal_id), outcomes in results.items():
            rows = count(Vote, Vote.user_id == citizen_id, Vote.proposal_id == proposal_id)
            if 303 in outcomes:
                assert rows == 1  # acknowledged: kept
            assert rows <= 1
        for citizen in citizens:
            assert count(Vote, Vote.user_id == citizen["id"]) == 5  # the cap, exactly
        # The registration that met the outage left no account; it can simply be done again.
        assert count(User, User.email == "recien.llegada@example.co") == 0
        assert newcomer.get("/healthz").status_code == 200
        again = newcomer.post("/auth/register", _register_form(newcomer, "recien.llegada@example.co"))
        assert again.status_code == 302
        assert count(User, User.email == "recien.llegada@example.co") == 1
        assert not server_errors(server)
    finally:
        proxy.cut()


def test_app_server_killed_mid_burst_loses_no_acknowledged_vote(app, database_url, log_dir, factory, servers):
    port = free_port()
    server = start_site(log_dir, database_url, "killed-0", workers=2, threads=4, port=port)
    servers.append(server)
    consultation = factory.consultation()
    proposal_ids = [factory.proposal(consultation).id for _ in range(30)]
    citizens = [{"id": u.id, "email": u.email} for u in (factory.user() for _ in range(6))]
    total = len(citizens) * len(proposal_ids)
    kills = []

    @_once
    def kill_a_worker():
        victim = server.worker_pids()[0]
        kills.append(("worker", victim))
        os.kill(victim, signal.SIGKILL)  # a worker of the server this test started

    @_once
    def kill_the_server():
        kills.append(("server", server.pid))
        server.kill()  # master and workers at once, as a crashed machine would
        time.sleep(0.3)  # down for a moment: the citizens' presses meet a closed port
        servers.append(start_site(log_dir, database_url, "killed-1", workers=2, threads=4, port=port))

    def on_progress(votes):
        if votes >= total // 4:
            kill_a_worker()
        if votes >= total // 2 and kills:
            kill_the_server()

    results = _burst(server.url, citizens, proposal_ids, on_progress)

    assert [kind for kind, _ in kills] == ["worker", "server"]
    statuses = Counter(s for outcomes in results.values() for s in outcomes)
    assert set(statuses) - {303, 409} <= {"ConnectError", "RemoteProtocolError", "ReadError"}, statuses
    assert statuses["ConnectError"] > 0  # requests met the dead server
    assert len(results) == total
    for (citizen_id, proposal_id), outcomes in results.items():
        # Every vote ends answered: 303, or 409 when an attempt the kill cut short had
        # committed. Either way exactly one active vote: none lost, none doubled.
        assert outcomes[-1] in (303, 409), outcomes
        assert count(Vote, Vote.user_id == citizen_id, Vote.proposal_id == proposal_id) == 1
    assert count(Vote) == total
    for started in servers:
        assert not server_errors(started)
