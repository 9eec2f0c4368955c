"""Password reset and e-mail confirmation services, without HTTP."""
import logging
from datetime import timedelta

import pytest
from itsdangerous import URLSafeTimedSerializer
from werkzeug.security import check_password_hash

from aga_consulta.accounts import recovery, throttle
from aga_consulta.accounts.models import User
from aga_consulta.accounts.services import WeakPassword, authenticate
from aga_consulta.comments.models import Comment
from aga_consulta.comments.services import add_comment
from aga_consulta.errors import EmailNotConfirmed
from aga_consulta.extensions import db
from aga_consulta.timeutil import utcnow
from aga_consulta.voting.models import Vote
from aga_consulta.voting.services import cast_vote
from tests.helpers import PASSWORD, count

NEW_PASSWORD = "otra frase secreta para la cuenta"


def link_for(token):
    return f"https://consulta.example/auth/password/reset/{token}"


def reload(user):
    db.session.expire_all()
    return db.session.get(User, user.id)


def state(user):
    """What a refused reset must leave untouched."""
    user = reload(user)
    return user.password_hash, user.session_token, user.email_confirmed_at


class TestResetToken:
    def test_a_fresh_token_names_its_user(self, factory):
        user = factory.user()
        assert recovery.user_for_reset_token(recovery.make_reset_token(user)).id == user.id

    def test_expired_token_is_refused_as_expired(self, factory):
        user = factory.user()
        max_age = 3600
        issued = utcnow() - timedelta(seconds=max_age + 5)
        token = recovery.make_reset_token(user, now=issued)
        with pytest.raises(recovery.ExpiredLink):
            recovery.user_for_reset_token(token)
        # Just inside the window it still works: the limit is the configured age, not a guess.
        fresh = recovery.make_reset_token(user, now=utcnow() - timedelta(seconds=max_age - 60))
        assert recovery.user_for_reset_token(fresh).id == user.id

    def test_max_age_comes_from_the_configuration(self, factory, config):
        user = factory.user()
        token = recovery.make_reset_token(user, now=utcnow() - timedelta(minutes=10))
        config(PASSWORD_RESET_MAX_AGE=300)
        with pytest.raises(recovery.ExpiredLink):
            recovery.user_for_reset_token(token)

    @pytest.mark.parametrize("mangle", [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # signature altered
        lambda t: "x" + t,                                               # payload altered
        lambda t: t.split(".")[0],                                       # signature removed
        lambda t: "",
        lambda t: "a" * 600,
    ])
    def test_tampered_token_is_refused(self, factory, mangle):
        user = factory.user()
        with pytest.raises(recovery.InvalidLink) as caught:
            recovery.user_for_reset_token(mangle(recovery.make_reset_token(user)))
        assert not isinstance(caught.value, recovery.ExpiredLink)

    def test_forged_payload_for_another_user_is_refused(self, app, factory):
        victim = factory.user()
        # Signed with a key that is not ours: a perfect guess of the payload is still refused.
        forged = URLSafeTimedSerializer("not-the-secret", salt=recovery.RESET_SALT).dumps(
            {"u": victim.id, "f": "0" * 32})
        with pytest.raises(recovery.InvalidLink):
            recovery.user_for_reset_token(forged)

    def test_a_confirmation_token_is_not_a_reset_token(self, factory):
        user = factory.user()
        with pytest.raises(recovery.InvalidLink):
            recovery.user_for_reset_token(recovery.make_confirmation_token(user))

    def test_token_dies_when_the_password_changes(self, factory):
        user = factory.user()
        first = recovery.make_reset_token(user)
        second = recovery.make_reset_token(user)
        recovery.reset_password(second, NEW_PASSWORD)
        before = state(user)
        with pytest.raises(recovery.InvalidLink):
            recovery.reset_password(first, "y una tercera frase distinta")
        assert state(user) == before
        assert authenticate(user.email, NEW_PASSWORD) is not None

    def test_token_of_a_deactivated_account_is_refused(self, factory):
        user = factory.user()
        token = recovery.make_reset_token(user)
        user.active = False
        db.session.commit()
        before = state(user)
        with pytest.raises(recovery.InvalidLink):
            recovery.reset_password(token, NEW_PASSWORD)
        assert state(user) == before


class TestResetPassword:
    def test_sets_the_password_and_ends_every_session(self, factory):
        user = factory.user()
        old_session = user.session_token
        returned = recovery.reset_password(recovery.make_reset_token(user), NEW_PASSWORD)
        assert returned.id == user.id
        user = reload(user)
        assert check_password_hash(user.password_hash, NEW_PASSWORD)
        assert not check_password_hash(user.password_hash, PASSWORD)
        assert user.session_token != old_session
        assert authenticate(user.email, PASSWORD) is None

    def test_a_token_works_once(self, factory):
        user = factory.user()
        token = recovery.make_reset_token(user)
        recovery.reset_password(token, NEW_PASSWORD)
        before = state(user)
        with pytest.raises(recovery.InvalidLink):
            recovery.reset_password(token, "y una tercera frase distinta")
        assert state(user) == before

    @pytest.mark.parametrize("password, message", [
        ("corta", "al menos 12"),
        ("x" * 129, "como máximo 128"),
        ("contraseña123", "demasiado común"),
        ("", "al menos 12"),
    ])
    def test_bad_new_password_changes_nothing_and_keeps_the_link(self, factory, password, message):
        user = factory.user()
        token = recovery.make_reset_token(user)
        before = state(user)
        with pytest.raises(WeakPassword) as caught:
            recovery.reset_password(token, password)
        assert message in str(caught.value.message)
        assert state(user) == before
        assert recovery.user_for_reset_token(token).id == user.id

    def test_the_name_is_not_a_password(self, factory):
        user = factory.user(name="Ana María Pérez Gómez")
        with pytest.raises(WeakPassword):
            recovery.reset_password(recovery.make_reset_token(user), "ana maría pérez gómez")

    def test_sixty_four_characters_are_accepted(self, factory):
        user = factory.user()
        recovery.reset_password(recovery.make_reset_token(user), "z" * 30 + "frase larga" + "q" * 23)
        assert authenticate(user.email, "z" * 30 + "frase larga" + "q" * 23) is not None

    def test_expired_reset_changes_nothing(self, factory):
        user = factory.user()
        token = recovery.make_reset_token(user, now=utcnow() - timedelta(hours=2))
        before = state(user)
        with pytest.raises(recovery.ExpiredLink):
            recovery.reset_password(token, NEW_PASSWORD)
        assert state(user) == before

    def test_a_reset_confirms_the_email_once(self, factory):
        user = factory.user()
        assert user.email_confirmed_at is None
        recovery.reset_password(recovery.make_reset_token(user), NEW_PASSWORD)
        confirmed_at = reload(user).email_confirmed_at
        assert confirmed_at is not None
        recovery.reset_password(recovery.make_reset_token(reload(user)), "y una tercera frase distinta")
        assert reload(user).email_confirmed_at == confirmed_at

    def test_logs_outcomes_without_tokens_or_passwords(self, factory, caplog):
        user = factory.user()
        token = recovery.make_reset_token(user)
        with caplog.at_level(logging.INFO, logger="aga_consulta"):
            recovery.reset_password(token, NEW_PASSWORD)
            with pytest.raises(recovery.InvalidLink):
                recovery.reset_password(token, NEW_PASSWORD)
        assert f"password reset ok user_id={user.id}" in caplog.text
        assert "password reset refused" in caplog.text
        assert token not in caplog.text and token[:20] not in caplog.text
        assert NEW_PASSWORD not in caplog.text


class TestRequestPasswordReset:
    def test_mails_a_link_to_the_account(self, factory, outbox):
        user = factory.user(email="ana@example.co", name="Ana Pérez")
        assert recovery.request_password_reset("  ANA@example.co ", link_for) is True
        message = outbox.only()
        assert message["To"] == "ana@example.co"
        assert message["Subject"] == "Cambia tu contraseña"
        body = outbox.text(message)
        assert "Hola, Ana Pérez:" in body and "1 hora" in body
        token = outbox.link(message).rsplit("/", 1)[1]
        assert recovery.user_for_reset_token(token).id == user.id

    def test_unknown_email_sends_nothing(self, factory, outbox):
        factory.user(email="ana@example.co")
        assert recovery.request_password_reset("nadie@example.co", link_for) is False
        assert outbox.messages() == []

    def test_deactivated_account_gets_no_mail(self, factory, outbox):
        user = factory.user(email="ana@example.co")
        user.active = False
        db.session.commit()
        assert recovery.request_password_reset("ana@example.co", link_for) is False
        assert outbox.messages() == []

    def test_requests_per_address_are_capped_account_or_not(self, factory, outbox, config):
        factory.user(email="ana@example.co")
        config(RESET_EMAIL_RATE_LIMIT="2 per hour")
        sent = [recovery.request_password_reset("ana@example.co", link_for) for _ in range(2)]
        assert sent == [True, True]
        with pytest.raises(throttle.ResetsExceeded) as refused:
            recovery.request_password_reset(" ANA@example.co", link_for)
        assert 3500 < refused.value.retry_after <= 3600
        assert len(outbox.messages()) == 2
        # An unknown address is counted and refused alike: the refusal reveals no account.
        assert [recovery.request_password_reset("nadie@example.co", link_for) for _ in range(2)] == [False, False]
        with pytest.raises(throttle.ResetsExceeded):
            recovery.request_password_reset("nadie@example.co", link_for)

    def test_no_trustworthy_link_means_no_mail(self, factory, outbox):
        factory.user(email="ana@example.co")
        assert recovery.request_password_reset("ana@example.co", lambda token: None) is False
        assert outbox.messages() == []

    def test_mail_failure_is_logged_not_raised(self, factory, outbox, config, caplog):
        factory.user(email="ana@example.co")
        config(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=1, MAIL_TIMEOUT=2)
        with caplog.at_level(logging.ERROR, logger="aga_consulta"):
            assert recovery.request_password_reset("ana@example.co", link_for) is False
        assert "password reset mail failed" in caplog.text


class TestEmailConfirmation:
    def test_confirm_sets_the_date_once(self, factory):
        user = factory.user()
        token = recovery.make_confirmation_token(user)
        confirmed, newly = recovery.confirm_email(token)
        assert confirmed.id == user.id and newly is True
        first = reload(user).email_confirmed_at
        assert first is not None
        _user, again = recovery.confirm_email(token)
        assert again is False and reload(user).email_confirmed_at == first

    def test_expired_and_tampered_links_change_nothing(self, factory):
        user = factory.user()
        old = recovery.make_confirmation_token(user, now=utcnow() - timedelta(days=4))
        with pytest.raises(recovery.ExpiredLink):
            recovery.confirm_email(old)
        with pytest.raises(recovery.InvalidLink):
            recovery.confirm_email(recovery.make_confirmation_token(user)[:-3] + "abc")
        with pytest.raises(recovery.InvalidLink):
            recovery.confirm_email(recovery.make_reset_token(user))
        assert reload(user).email_confirmed_at is None

    def test_a_link_for_a_former_address_is_refused(self, factory):
        user = factory.user(email="antes@example.co")
        token = recovery.make_confirmation_token(user)
        user.email = "despues@example.co"
        db.session.commit()
        with pytest.raises(recovery.InvalidLink):
            recovery.confirm_email(token)
        assert reload(user).email_confirmed_at is None

    def test_send_confirmation_mails_a_working_link(self, factory, outbox):
        user = factory.user(email="ana@example.co")
        assert recovery.send_confirmation(user, lambda token: f"https://consulta.example/auth/email/confirm/{token}")
        message = outbox.only()
        assert message["To"] == "ana@example.co" and message["Subject"] == "Confirma tu correo electrónico"
        token = outbox.link(message).rsplit("/", 1)[1]
        recovery.confirm_email(token)
        assert reload(user).email_confirmed_at is not None

    def test_pending_only_when_required(self, factory, config):
        user = factory.user()
        assert recovery.confirmation_pending(user) is False
        config(EMAIL_CONFIRMATION_REQUIRED=True)
        assert recovery.confirmation_pending(user) is True
        recovery.confirm_email(recovery.make_confirmation_token(user))
        assert recovery.confirmation_pending(reload(user)) is False


class TestMailAfterRegistration:
    LOGIN, RESET = "https://consulta.example/auth/login", "https://consulta.example/auth/password/forgot"

    def confirm_link(self, token):
        return f"https://consulta.example/auth/email/confirm/{token}"

    def test_a_new_account_gets_its_link_an_existing_owner_a_notice(self, factory, outbox):
        newcomer, owner = factory.user(email="nueva@example.co"), factory.user(email="ana@example.co", name="Ana Pérez")
        assert recovery.mail_after_registration("nueva@example.co", newcomer, self.confirm_link, self.LOGIN, self.RESET)
        assert recovery.mail_after_registration(" ANA@example.co", None, self.confirm_link, self.LOGIN, self.RESET)
        confirmation, notice = outbox.messages()
        assert confirmation["Subject"] == "Confirma tu correo electrónico"
        assert notice["To"] == owner.email and notice["Subject"] == "Intento de registro con tu correo"
        body = outbox.text(notice)
        assert "Hola, Ana Pérez:" in body and self.LOGIN in body and self.RESET in body

    def test_no_mail_for_a_closed_account_past_the_quota_or_without_trustworthy_links(self, factory, outbox, config):
        closed = factory.user(email="cerrada@example.co")
        closed.active = False
        db.session.commit()
        factory.user(email="ana@example.co")
        assert not recovery.mail_after_registration(closed.email, None, self.confirm_link, self.LOGIN, self.RESET)
        assert not recovery.mail_after_registration("ana@example.co", None, self.confirm_link, None, None)
        config(REGISTER_EMAIL_RATE_LIMIT="1 per day")
        sent = [recovery.mail_after_registration("ana@example.co", None, self.confirm_link, self.LOGIN, self.RESET)
                for _ in range(2)]
        assert sent == [True, False]
        assert len(outbox.messages()) == 1


class TestParticipationNeedsConfirmation:
    def test_off_by_default_unconfirmed_citizens_take_part(self, factory):
        user = factory.user()
        proposal = factory.proposal(factory.consultation())
        cast_vote(user, proposal)
        add_comment(user, proposal, "Un comentario")
        assert count(Vote) == 1 and count(Comment) == 1

    def test_on_unconfirmed_citizens_can_neither_vote_nor_comment(self, factory, config):
        config(EMAIL_CONFIRMATION_REQUIRED=True)
        user = factory.user()
        proposal = factory.proposal(factory.consultation())
        with pytest.raises(EmailNotConfirmed) as caught:
            cast_vote(user, proposal)
        assert "Confirma tu correo electrónico" in str(caught.value.message)
        assert caught.value.status == 403
        with pytest.raises(EmailNotConfirmed):
            add_comment(user, proposal, "Un comentario")
        assert count(Vote) == 0 and count(Comment) == 0

    def test_on_confirmed_citizens_take_part(self, factory, config):
        config(EMAIL_CONFIRMATION_REQUIRED=True)
        user = factory.user()
        recovery.confirm_email(recovery.make_confirmation_token(user))
        proposal = factory.proposal(factory.consultation())
        cast_vote(reload(user), proposal)
        assert count(Vote) == 1

    def test_accounts_from_before_the_switch_must_confirm_too(self, factory, config):
        # Decision: the setting means "only confirmed addresses take part", whenever the
        # account was created; older accounts get the banner and a one-click new link.
        user = factory.user()
        proposal = factory.proposal(factory.consultation())
        config(EMAIL_CONFIRMATION_REQUIRED=True)
        with pytest.raises(EmailNotConfirmed):
            cast_vote(user, proposal)
        assert count(Vote) == 0
