"""accounts/profile.py: the holder corrects and deletes the account, without HTTP."""
import pytest
from sqlalchemy import select

from aga_consulta.accounts import profile
from aga_consulta.accounts.models import User
from aga_consulta.accounts.names import InvalidName
from aga_consulta.accounts.services import authenticate, load_user_by_session_token, register_citizen
from aga_consulta.comments.services import add_comment, report_comment
from aga_consulta.errors import NotAllowed, ValidationFailed
from aga_consulta.extensions import db
from aga_consulta.tally.services import compute_tally
from aga_consulta.voting.services import cast_vote
from tests.helpers import PASSWORD


def _snapshot(user):
    db.session.refresh(user)
    return {column.name: getattr(user, column.name) for column in User.__table__.columns}


# --- correcting -----------------------------------------------------------------------------

def test_correcting_changes_the_names_and_department_and_nothing_else(factory):
    ana = factory.user(name="Ana Torres", email="ana@example.co")
    before = _snapshot(ana)
    profile.update_profile(ana, name=" Ana\u202e María Torres ", public_name="La Profe\u200b", department_code="76")
    after = _snapshot(ana)
    assert (after["name"], after["public_name"], after["department_code"]) == ("Ana María Torres", "La Profe", "76")
    assert {k: v for k, v in after.items() if k not in ("name", "public_name", "department_code")} == {
        k: v for k, v in before.items() if k not in ("name", "public_name", "department_code")}
    assert authenticate("ana@example.co", PASSWORD) == ana


def test_an_empty_public_name_gets_the_default_again(factory):
    ana = factory.user(name="Ana Torres")
    profile.update_profile(ana, name="Beatriz Ruiz", public_name="", department_code="11")
    assert ana.public_name == "Beatriz R."


@pytest.mark.parametrize("changes, field", [
    ({"name": "Equipo de Moderación"}, "name"), ({"public_name": "Soporte AGA"}, "public_name"),
    ({"name": "\u200b"}, "name"), ({"public_name": "x" * 61}, "public_name"),
])
def test_a_citizens_refused_correction_changes_nothing(factory, changes, field):
    ana = factory.user(name="Ana Torres")
    before = _snapshot(ana)
    values = dict(name="Ana Torres", public_name="Ana T.", department_code="11") | changes
    with pytest.raises(InvalidName) as refused:
        profile.update_profile(ana, **values)
    assert refused.value.field == field
    db.session.rollback()
    assert _snapshot(ana) == before


def test_an_unknown_department_is_refused(factory):
    ana = factory.user()
    before = _snapshot(ana)
    with pytest.raises(ValidationFailed):
        profile.update_profile(ana, name="Ana Torres", public_name="", department_code="00")
    db.session.rollback()
    assert _snapshot(ana) == before


def test_staff_may_keep_a_staff_sounding_name(moderator):
    profile.update_profile(moderator, name="Equipo de Moderación", public_name="Moderación", department_code="11")
    assert moderator.public_name == "Moderación"


# --- deleting -------------------------------------------------------------------------------

@pytest.fixture
def participation(factory):
    """Ana votes, comments, replies and reports in a consultation with other people."""
    consultation = factory.consultation(slug="plan")
    first, second = factory.proposal(consultation, code="A-1"), factory.proposal(consultation, code="B-1",
                                                                              scope="subnational")
    ana = factory.user(name="Ana Torres", email="ana@example.co", department="05")
    beto = factory.user(name="Beto Ruiz", department="76")
    cast_vote(ana, first)
    cast_vote(ana, second)
    cast_vote(beto, first)
    mine = add_comment(ana, first, "Mi comentario")
    theirs = add_comment(beto, first, "El de Beto")
    add_comment(ana, first, "Te respondo", parent=theirs)
    report_comment(ana, theirs, "No me gusta")
    add_comment(beto, second, "Otro", parent=None)
    return {"consultation": consultation, "ana": ana, "comment": mine}


def test_deleting_anonymises_the_account_and_the_tally_does_not_move(participation):
    consultation, ana = participation["consultation"], participation["ana"]
    tally = compute_tally(consultation)
    token = ana.session_token

    profile.delete_account(ana, password=PASSWORD, confirmed=True)

    assert compute_tally(consultation) == tally
    after = _snapshot(ana)
    assert after["name"] == after["public_name"] == "Participante eliminado"
    assert after["email"].endswith("@cuenta-eliminada.invalid") and "ana" not in after["email"]
    assert after["active"] is False and after["deleted_at"] is not None
    assert after["session_token"] != token and load_user_by_session_token(token) is None
    assert after["email_confirmed_at"] is None and after["last_vote_at"] is None
    assert after["department_code"] == "05"  # the published participation by department counts it
    assert authenticate("ana@example.co", PASSWORD) is None
    assert authenticate(after["email"], PASSWORD) is None
    assert str(ana.shown_name) == "Participante eliminado"


def test_the_email_may_register_again_as_a_new_account(participation):
    ana = participation["ana"]
    profile.delete_account(ana, password=PASSWORD, confirmed=True)
    again = register_citizen(name="Ana Torres", email="ana@example.co", password=PASSWORD, department_code="11",
                             accepted_terms=True)
    assert again.id != ana.id
    assert authenticate("ana@example.co", PASSWORD) == again


@pytest.mark.parametrize("password, confirmed, error", [
    ("otra contraseña equivocada", True, profile.WrongPassword), (PASSWORD, False, ValidationFailed),
    ("", True, profile.WrongPassword),
])
def test_a_refused_deletion_changes_nothing(participation, password, confirmed, error):
    ana = participation["ana"]
    before = _snapshot(ana)
    with pytest.raises(error):
        profile.delete_account(ana, password=password, confirmed=confirmed)
    db.session.rollback()
    assert _snapshot(ana) == before


def test_staff_must_lose_the_role_first(moderator):
    before = _snapshot(moderator)
    with pytest.raises(NotAllowed):
        profile.delete_account(moderator, password=PASSWORD, confirmed=True)
    db.session.rollback()
    assert _snapshot(moderator) == before


def test_the_database_refuses_a_deleted_account_that_is_active(participation):
    from sqlalchemy.exc import IntegrityError

    ana = participation["ana"]
    profile.delete_account(ana, password=PASSWORD, confirmed=True)
    ana.active = True
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert db.session.scalar(select(User.active).where(User.id == ana.id)) is False
