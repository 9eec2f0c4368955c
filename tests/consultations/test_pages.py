"""Home and consultation pages: filters, sorts, pagination, hostile parameters."""
import re

import pytest

from aga_consulta.voting.services import cast_vote


@pytest.fixture
def catalogue(factory):
    consultation = factory.consultation(slug="plan")
    national = factory.proposal(consultation, code="N-01", title="Nacional uno", theme="datos")
    valle = factory.proposal(consultation, code="S-01", scope="subnational", department="76", title="Valle uno", theme="agua")
    narino = factory.proposal(consultation, code="S-02", scope="subnational", department="52", title="Nariño uno", theme="datos")
    return consultation, national, valle, narino


def codes(html):
    return re.findall(r'<span class="code">([^<]+)</span>', html)


def test_home_lists_consultations(client, catalogue):
    html = client.get("/").get_data(as_text=True)
    assert "/consultations/plan" in html and "Abierta hasta" in html


def test_filters(client, catalogue):
    assert codes(client.get("/consultations/plan?scope=national").get_data(as_text=True)) == ["N-01"]
    assert sorted(codes(client.get("/consultations/plan?scope=subnational").get_data(as_text=True))) == ["S-01", "S-02"]
    assert codes(client.get("/consultations/plan?department=52").get_data(as_text=True)) == ["S-02"]
    assert sorted(codes(client.get("/consultations/plan?theme=datos").get_data(as_text=True))) == ["N-01", "S-02"]
    assert codes(client.get("/consultations/plan?scope=national&department=52").get_data(as_text=True)) == []


def test_sort_by_votes_then_code(client, factory, catalogue):
    _, national, valle, narino = catalogue
    for citizen in (factory.user(), factory.user()):
        cast_vote(citizen, narino)
    cast_vote(factory.user(), valle)
    assert codes(client.get("/consultations/plan?sort=votes").get_data(as_text=True)) == ["S-02", "S-01", "N-01"]


def test_random_order_is_stable_for_one_visitor(client, factory):
    consultation = factory.consultation(slug="grande")
    for i in range(20):
        factory.proposal(consultation, code=f"P-{i:02d}")
    first = codes(client.get("/consultations/grande?sort=random").get_data(as_text=True))
    again = codes(client.get("/consultations/grande?sort=random").get_data(as_text=True))
    assert first == again
    assert sorted(first) == sorted(f"P-{i:02d}" for i in range(20))


def test_pagination(app, client, factory):
    consultation = factory.consultation(slug="paginas")
    for i in range(35):
        factory.proposal(consultation, code=f"P-{i:02d}")
    page1 = codes(client.get("/consultations/paginas").get_data(as_text=True))
    page2 = codes(client.get("/consultations/paginas?page=2").get_data(as_text=True))
    assert len(page1) == 30 and len(page2) == 5 and not set(page1) & set(page2)
    assert client.get("/consultations/paginas?page=3").status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        "sort=votes;DROP TABLE votes",
        "sort=title",
        "scope=<script>alert(1)</script>",
        "department=99",
        "department=' OR 1=1 --",
        "theme=nope",
        "page=-1",
        "page=abc",
        "page=99999999999999999999",
    ],
)
def test_hostile_query_parameters_are_refused(client, catalogue, query):
    response = client.get(f"/consultations/plan?{query}")
    assert response.status_code in (400, 404)
    assert "<script>alert(1)" not in response.get_data(as_text=True)


def test_unknown_consultation_is_404_in_spanish(client):
    response = client.get("/consultations/no-existe")
    assert response.status_code == 404
    assert "Página no encontrada" in response.get_data(as_text=True)


def test_proposal_page_shows_counts_and_status(client, catalogue):
    _, national, _, _ = catalogue
    html = client.get(f"/proposals/{national.id}").get_data(as_text=True)
    assert "Nacional uno" in html and "0 votos" in html and "Recibida" in html
    assert "Inicia sesión para votar" in html
