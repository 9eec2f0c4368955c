"""Issue 11, finding 9 (first point): proposal codes are unique in a consultation, ignoring case.

The forms accepted "p0" beside "P0" while the CSV import refused it. Now the form's create,
the form's edit and the import refuse it alike, with the same message, and store nothing.
"""
import io

import pytest

from aga_consulta.extensions import db
from aga_consulta.proposals.models import Proposal
from tests.helpers import audit_entries, login
from tests.security.support import table_counts

MESSAGE = "Ya existe la propuesta P0 en esta consulta: los códigos no distinguen mayúsculas de minúsculas."
FIELDS = {"title": "Otra propuesta", "scope": "national", "department_code": "", "municipality": "", "theme": "",
          "proposer": "Entidad", "summary": "Resumen", "body": "Cuerpo"}
HEADER = "code,title,scope,department_code,municipality,theme,proposer,summary,body\n"


@pytest.fixture
def plan(client, factory, moderator):
    """A consultation holding proposal P0, and a moderator logged in."""
    consultation = factory.consultation(slug="plan")
    factory.proposal(consultation, code="P0")
    login(client, moderator.email)
    return consultation


def codes():
    db.session.expire_all()
    return sorted(db.session.scalars(db.select(Proposal.code)))


@pytest.mark.parametrize("code", ["p0", "P0"])
def test_the_create_form_refuses_a_taken_code_in_any_case(client, plan, code):
    before = table_counts()
    response = client.post("/moderation/consultations/plan/proposals/new", data=dict(FIELDS, code=code))
    assert response.status_code == 400
    assert MESSAGE in response.get_data(as_text=True)
    assert codes() == ["P0"] and audit_entries() == []
    assert table_counts() == before


def test_the_edit_form_refuses_a_taken_code_in_any_case(client, factory, plan):
    other = factory.proposal(plan, code="Q1")
    before = table_counts()
    response = client.post(f"/moderation/proposals/{other.id}/edit", data=dict(FIELDS, code="p0"))
    assert response.status_code == 400
    assert MESSAGE in response.get_data(as_text=True)
    assert codes() == ["P0", "Q1"] and audit_entries() == []
    assert table_counts() == before


def test_the_import_refuses_a_taken_code_in_any_case(client, plan):
    before = table_counts()
    csv = HEADER + "N-1,Primera fila buena,national,,,,,,\np0,Otra propuesta,national,,,,,,\n"
    response = client.post("/moderation/consultations/plan/import", data={"file": (io.BytesIO(csv.encode()), "p.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert MESSAGE in response.get_data(as_text=True)
    assert codes() == ["P0"] and audit_entries() == []
    assert table_counts() == before


def test_the_edit_form_may_change_the_case_of_the_proposals_own_code(client, plan):
    proposal = db.session.scalar(db.select(Proposal))
    response = client.post(f"/moderation/proposals/{proposal.id}/edit", data=dict(FIELDS, code="p0"))
    assert response.status_code == 303
    assert codes() == ["p0"] and len(audit_entries("proposal.update")) == 1


def test_the_database_itself_refuses_a_code_differing_only_in_case(factory):
    """Migration 0005's index: a write that skips the services is refused too."""
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    proposal = factory.proposal(factory.consultation(), code="P0")
    with pytest.raises(IntegrityError):
        db.session.execute(text(
            "INSERT INTO proposals (consultation_id, code, title, summary, body, scope, proposer, status,"
            " status_reason, created_at) SELECT consultation_id, 'p0', title, summary, body, scope, proposer,"
            " status, status_reason, created_at FROM proposals WHERE id = :id"), {"id": proposal.id})
    db.session.rollback()
