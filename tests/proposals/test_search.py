"""Proposal search (proposals/search.py, migration 0026): accents and case aside, on SQLite and PostgreSQL."""
import pytest
from sqlalchemy import delete

from aga_consulta.extensions import db
from aga_consulta.portal.services import list_proposals
from aga_consulta.proposals.models import Proposal
from aga_consulta.proposals.search import MAX_TERMS, terms
from aga_consulta.proposals.services import create_proposal, update_proposal


def _proposal(consultation, code, title, summary="Resumen", body="Cuerpo", proposer="Entidad"):
    return create_proposal(consultation, {
        "code": code, "title": title, "scope": "national", "summary": summary, "body": body,
        "department_code": "", "theme": "", "proposer": proposer})


def _found(consultation, search, **kwargs):
    rows, total = list_proposals(consultation, search=search, **kwargs)
    assert total == len(rows) or kwargs.get("per_page")
    return sorted(row[0].code for row in rows)


@pytest.fixture
def plan(factory):
    consultation = factory.consultation()
    _proposal(consultation, "N-01", "Participación ciudadana en el presupuesto")
    _proposal(consultation, "N-02", "Datos abiertos de contratación", summary="Publicar los contratos del Estado")
    _proposal(consultation, "N-03", "Acceso a la información", body="Una ventanilla única en línea",
              proposer="Ministerio de Tecnologías")
    _proposal(consultation, "S-04", "Veedurías en Nariño")
    return consultation


@pytest.mark.parametrize("search", ["participacion", "PARTICIPACIÓN", "Participación", "particip", "  participacion  "])
def test_accents_case_and_prefixes_are_ignored(plan, search):
    assert _found(plan, search) == ["N-01"]


def test_every_column_is_searched_and_every_word_must_match(plan):
    assert _found(plan, "contratos") == ["N-02"]  # summary
    assert _found(plan, "ventanilla") == ["N-03"]  # body
    assert _found(plan, "tecnologias") == ["N-03"]  # proposer, accent typed without
    assert _found(plan, "s-04") == ["S-04"]  # code
    assert _found(plan, "narino") == ["S-04"]  # ñ folds to n
    assert _found(plan, "datos contratacion") == ["N-02"]
    assert _found(plan, "datos veedurias") == []
    assert _found(plan, "inexistente") == []


def test_search_combines_with_filters_pages_and_sorts(plan, factory):
    other = factory.consultation()
    _proposal(other, "N-01", "Participación en otra consulta")
    assert _found(plan, "participacion", scope="subnational") == []
    rows, total = list_proposals(plan, search="n", per_page=1, page=2)  # "n" prefixes words of every proposal
    assert total == 4 and len(rows) == 1
    assert _found(plan, "participacion", sort="random", seed="s") == ["N-01"]
    assert _found(plan, "participacion", sort="recent") == ["N-01"]


@pytest.mark.parametrize("search", ['"', '" OR 1=1 --', "NEAR(a b)", "a* OR b", "-x", "*", "'; DROP TABLE proposals; --",
                                    "col:valor", "^", "&|!():*", "\\", "%_"])
def test_query_syntax_is_never_passed_through(plan, search):
    """Operators of FTS5 or tsquery are not words: they never raise, and never widen a search."""
    rows, total = list_proposals(plan, search=search)
    words = terms(search)
    assert total == (4 if not words else len(rows))
    assert db.session.query(Proposal).count() == 4


def test_a_query_without_words_lists_everything_and_long_queries_are_capped(plan):
    assert _found(plan, "") == _found(plan, "¿?¡!") == ["N-01", "N-02", "N-03", "S-04"]
    assert len(terms(" ".join(f"palabra{n}" for n in range(50)))) == MAX_TERMS
    assert terms("Participación-Ciudadana") == ["participación", "ciudadana"]
    assert terms("%_ a_b") == ["a", "b"]  # "_" is no letter: never an empty word for tsquery


def test_the_index_follows_edits_and_deletions(plan, moderator):
    proposal = db.session.scalar(db.select(Proposal).where(Proposal.code == "N-01"))
    update_proposal(moderator, proposal, {
        "code": "N-01", "title": "Presupuestos participativos municipales", "scope": "national",
        "summary": "Resumen", "body": "Cuerpo", "department_code": "", "theme": "", "proposer": "Entidad"})
    assert _found(plan, "ciudadana") == []
    assert _found(plan, "municipales") == ["N-01"]
    db.session.execute(delete(Proposal).where(Proposal.code == "N-02"))
    db.session.commit()
    assert _found(plan, "contratacion") == []
    _proposal(plan, "N-05", "Agua potable")
    assert _found(plan, "contratacion") == [] and _found(plan, "agua") == ["N-05"]
