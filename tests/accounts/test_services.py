"""Account services, without HTTP."""
import pytest

from aga_consulta.accounts import services
from aga_consulta.extensions import db
from sqlalchemy import select
from aga_consulta.accounts.models import User
from aga_consulta.errors import ValidationFailed
from tests.helpers import PASSWORD, count


def register(**overrides):
    data = dict(name="Ana Pérez", email="ana@example.co", password=PASSWORD, department_code="76", accepted_terms=True)
    data.update(overrides)
    return services.register_citizen(**data)


def test_register_normalises_email_and_hashes_password():
    user = register(email="  Ana@Example.CO ")
    assert user.email == "ana@example.co"
    assert user.role == "citizen"
    assert user.password_hash != PASSWORD and PASSWORD not in user.password_hash
    assert user.consented_at is not None


def test_email_is_unique_case_insensitively():
    register()
    with pytest.raises(services.EmailTaken):
        register(email="ANA@example.co", name="Otra")
    assert count(User) == 1


@pytest.mark.parametrize("spelling, stored", [
    ("  Ana@Example.CO ", "ana@example.co"),
    ("ana@ｅｘａｍｐｌｅ.ｃｏ", "ana@example.co"),
    ("ana@Bücher.co", "ana@xn--bcher-kva.co"),
    ("ana@xn--bcher-kva.co", "ana@xn--bcher-kva.co"),
    ("Jose\u0301@example.co", "jos\u00e9@example.co"),
    # Not addresses a form accepts: trimmed, NFC and lower-cased all the same.
    ("Moderacion@Referencia.invalid", "moderacion@referencia.invalid"),
    (" sin-arroba ", "sin-arroba"),
    (None, ""),
])
def test_normalize_email_gives_one_form_per_mailbox(spelling, stored):
    assert services.normalize_email(spelling) == stored


def test_check_email_refuses_what_the_form_refuses():
    services.check_email("ana@bücher.co")
    for bad in ("ana@localhost", "ana", "ana@referencia.invalid", ""):
        with pytest.raises(ValidationFailed):
            services.check_email(bad)


@pytest.mark.parametrize(
    "password, fragment",
    [
        ("corta", "al menos 12"),
        ("x" * 129, "como máximo 128"),
        ("password1234", "común"),
        ("contraseña123", "común"),
        ("aaaaaaaaaaaaaaa", "común"),
    ],
)
def test_weak_passwords_are_refused_and_nothing_is_stored(password, fragment):
    with pytest.raises(services.WeakPassword) as info:
        register(password=password)
    assert fragment in str(info.value.message)
    assert count(User) == 0


def test_long_passwords_are_accepted():
    user = register(password="p" * 20 + "ásé" + "q" * 41)
    assert services.authenticate("ana@example.co", "p" * 20 + "ásé" + "q" * 41) == user


@pytest.mark.parametrize(
    "overrides",
    [{"accepted_terms": False}, {"department_code": "00"}, {"department_code": "'; DROP"}, {"name": " "}],
)
def test_registration_refusals_store_nothing(overrides):
    with pytest.raises(ValidationFailed):
        register(**overrides)
    assert count(User) == 0


def test_authenticate_accepts_only_the_right_password_of_an_active_account():
    user = register()
    assert services.authenticate("ANA@example.co", PASSWORD) == user
    assert services.authenticate("ana@example.co", PASSWORD + "x") is None
    assert services.authenticate("nadie@example.co", PASSWORD) is None
    user.active = False
    assert services.authenticate("ana@example.co", PASSWORD) is None


def test_rotating_the_session_token_invalidates_the_old_one():
    user = register()
    old = user.get_id()
    services.rotate_session_token(user)
    assert services.load_user_by_session_token(old) is None
    assert services.load_user_by_session_token(user.get_id()) == user


def test_operator_role_change_refuses_unknown_roles_and_is_audited():
    from aga_consulta.accounts.roles import set_role_by_operator
    from aga_consulta.audit.models import AuditLogEntry

    user = register()
    with pytest.raises(ValidationFailed):
        set_role_by_operator(user, "superuser")
    assert user.role == "citizen"
    set_role_by_operator(user, "moderator")
    assert user.is_moderator and not user.is_admin
    entry = db.session.scalar(select(AuditLogEntry).where(AuditLogEntry.target_id == user.id))
    assert (entry.action, entry.actor_role, entry.after) == ("user.role", "system", '{"role": "moderator"}')
