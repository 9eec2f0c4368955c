"""The consultation page as a list: search, result count, compact cards with a vote button, its cost."""
import re

import pytest
from aga_consulta.extensions import db
from aga_consulta.voting.models import Vote
from aga_consulta.voting.services import cast_vote
from tests.helpers import count, login, statements_of

#: The list page's SQL statements, anonymous or logged in (bench/request_costs.py measures the same).
STATEMENT_BUDGET = 5


@pytest.fixture
def plan(factory):
    consultation = factory.consultation(slug="plan", vote_cap=2)
    factory.proposal(consultation, code="N-01", title="Participación ciudadana en el presupuesto")
    factory.proposal(consultation, code="N-02", title="Datos abiertos de contratación", theme="datos")
    factory.proposal(consultation, code="S-03", scope="subnational", department="52", title="Veedurías en Nariño")
    return consultation


def _codes(html):
    return re.findall(r'<span class="code">([^<]+)</span>', html)


def test_search_ignores_accents_and_case_and_says_how_many(client, plan):
    html = client.get("/consultations/plan?q=PARTICIPACION").get_data(as_text=True)
    assert _codes(html) == ["N-01"]
    assert "1 propuesta para «PARTICIPACION»" in html
    assert 'value="PARTICIPACION"' in html  # the box keeps what was typed
    assert "Quitar la búsqueda y los filtros" in html
    assert '<details class="more-filters">' in html  # a search alone leaves the filters folded
    html = client.get("/consultations/plan?theme=datos").get_data(as_text=True)
    assert '<details class="more-filters" open>' in html and _codes(html) == ["N-02"]
    html = client.get("/consultations/plan?q=narino&scope=subnational").get_data(as_text=True)
    assert _codes(html) == ["S-03"]
    html = client.get("/consultations/plan?q=inexistente").get_data(as_text=True)
    assert _codes(html) == [] and "0 propuestas para «inexistente»" in html
    assert "Ninguna propuesta coincide con la búsqueda o los filtros." in html


def test_a_search_longer_than_200_characters_is_refused(client, plan):
    assert client.get("/consultations/plan", query_string={"q": "a" * 201}).status_code == 400
    assert client.get("/consultations/plan", query_string={"q": "a" * 200}).status_code == 200


def test_pages_keep_the_search(client, plan, app):
    app.config["PROPOSALS_PER_PAGE"] = 1
    try:
        html = client.get("/consultations/plan?q=entidad").get_data(as_text=True)
    finally:
        app.config["PROPOSALS_PER_PAGE"] = 30
    assert "página 1 de 3" in html
    assert re.search(r'href="/consultations/plan\?page=2&amp;q=entidad"|href="/consultations/plan\?q=entidad&amp;page=2"', html)


def test_anonymous_cards_invite_to_log_in_and_come_back(client, plan):
    html = client.get("/consultations/plan").get_data(as_text=True)
    assert html.count("Inicia sesión para votar") == 3
    assert 'href="/auth/login?next=/consultations/plan"' in html
    assert 'action="/proposals/' not in html


def test_a_vote_from_the_list_comes_back_to_its_card(client, plan, factory):
    citizen = factory.user()
    login(client, citizen.email)
    html = client.get("/consultations/plan?q=datos").get_data(as_text=True)
    proposal_id = re.search(r'id="p-(\d+)"', html).group(1)
    form = re.search(rf'<form method="post" action="/proposals/{proposal_id}/vote".*?</form>', html, re.S).group(0)
    assert 'name="csrf_token"' in form
    next_url = re.search(r'name="next" value="([^"]+)"', form).group(1)
    assert next_url == f"/consultations/plan?q=datos#p-{proposal_id}"
    response = client.post(f"/proposals/{proposal_id}/vote", data={"next": next_url})
    assert response.status_code == 303 and response.headers["Location"].endswith(next_url)
    assert count(Vote) == 1
    html = client.get("/consultations/plan").get_data(as_text=True)
    assert "Ya votaste" in html and "Retirar voto" in html and "Has usado 1." in html


def test_the_vote_button_goes_once_the_cap_is_used(client, plan, factory):
    citizen = factory.user()
    for proposal in plan.proposals.limit(2):
        cast_vote(citizen, proposal)
    login(client, citizen.email)
    html = client.get("/consultations/plan").get_data(as_text=True)
    assert "Usaste todos tus votos" in html and ">Votar<" not in html and html.count("Retirar voto") == 2


def test_a_closed_consultation_shows_no_vote_button(client, factory):
    closed = factory.consultation(slug="cerrada", state="closed")
    factory.proposal(closed, code="C-1")
    html = client.get("/consultations/cerrada").get_data(as_text=True)
    assert "Inicia sesión para votar" not in html and "Votar" not in html
    assert "Cerrada el" in html


def test_the_reconstruction_notice_shows_once(client, factory):
    consultation = factory.consultation(slug="historia")
    consultation.is_reconstruction = True
    db.session.commit()
    for n in range(3):
        factory.proposal(consultation, code=f"H-{n}")
    html = client.get("/consultations/historia").get_data(as_text=True)
    assert html.count("Reconstrucción de referencia") == 1


@pytest.mark.parametrize("url", ["/consultations/plan", "/consultations/plan?q=participacion&sort=recent&page=1"])
def test_the_list_costs_at_most_five_statements(app, client, plan, factory, url):
    citizen = factory.user()
    cast_vote(citizen, plan.proposals.first())
    client.get(url)  # warm: first-request work is not the page's cost
    assert statements_of(client, url) <= STATEMENT_BUDGET
    login(client, citizen.email)
    client.get(url)
    assert statements_of(client, url) <= STATEMENT_BUDGET
