"""The account each request loads: a light row, read afresh, so that changes take effect at once."""
from flask_login import current_user
from sqlalchemy import update

from aga_consulta.accounts.models import SessionUser, User
from aga_consulta.accounts.services import load_user_by_session_token
from aga_consulta.extensions import db
from aga_consulta.web import current_actor
from tests.helpers import login


def _set(user_id, **values):
    db.session.execute(update(User).where(User.id == user_id).values(**values))
    db.session.commit()


def test_the_loader_reads_a_light_row_and_the_orm_account_on_demand(factory):
    user = factory.user(role="moderator", department="76")
    loaded = load_user_by_session_token(user.session_token)
    assert isinstance(loaded, SessionUser)
    assert (loaded.id, loaded.email, loaded.role, loaded.is_moderator, loaded.is_admin) == (
        user.id, user.email, "moderator", True, False)
    assert loaded.get_id() == user.session_token and loaded.is_active and loaded.is_authenticated
    # Not a column: read through the ORM account, loaded once.
    assert loaded.department.code == "76"
    assert loaded.account() is loaded.account() and isinstance(loaded.account(), User)


def test_the_loader_refuses_a_missing_rotated_or_deactivated_token(factory):
    user = factory.user()
    old = user.session_token
    assert load_user_by_session_token("") is None and load_user_by_session_token("x" * 65) is None
    _set(user.id, session_token="f" * 40)
    assert load_user_by_session_token(old) is None
    _set(user.id, active=False)
    assert load_user_by_session_token("f" * 40) is None


def test_a_revoked_role_takes_effect_on_the_next_request(client, factory):
    moderator = factory.user(role="moderator")
    login(client, moderator.email)
    assert client.get("/moderation/").status_code == 200
    _set(moderator.id, role="citizen")
    assert client.get("/moderation/").status_code == 403


def test_a_deactivated_account_is_logged_out_on_the_next_request(client, factory):
    citizen = factory.user()
    login(client, citizen.email)
    assert client.get("/me").status_code == 200
    _set(citizen.id, active=False)
    assert client.get("/me").status_code in (302, 303)


def test_services_get_the_orm_account_from_the_request(app, factory):
    user = factory.user()
    with app.test_request_context():
        from flask_login import login_user

        login_user(load_user_by_session_token(user.session_token))
        actor = current_actor()
        assert isinstance(current_user._get_current_object(), SessionUser)
        assert isinstance(actor, User) and actor.id == user.id
