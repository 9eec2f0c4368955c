"""Per-address login throttle (accounts/throttle.py) through the services, without HTTP."""
import logging

import pytest

from aga_consulta.accounts import services, throttle
from tests.helpers import PASSWORD

WRONG = "una contraseña equivocada"


@pytest.fixture
def locks(config):
    config(LOGIN_LOCK_AFTER=3, LOGIN_LOCK_SECONDS=60, LOGIN_LOCK_MAX_SECONDS=600, LOGIN_FAILURE_WINDOW=3600)


def test_failures_lock_the_address_and_even_the_right_password_is_not_checked(factory, locks):
    user = factory.user(email="ana@example.co")
    assert [services.authenticate(user.email, WRONG) for _ in range(3)] == [None] * 3
    with pytest.raises(throttle.LoginLocked) as locked:
        services.authenticate(user.email, PASSWORD)
    assert 55 <= locked.value.retry_after <= 60 and locked.value.status == 429


def test_a_right_password_before_the_threshold_forgets_the_failures(factory, locks):
    user = factory.user(email="ana@example.co")
    for _ in range(2):
        services.authenticate(user.email, WRONG)
    assert services.authenticate(user.email, PASSWORD) == user
    assert [services.authenticate(user.email, WRONG) for _ in range(2)] == [None, None]
    assert services.authenticate(user.email, PASSWORD) == user


def test_unknown_and_deactivated_addresses_count_alike(factory, locks):
    inactive = factory.user(email="inactiva@example.co")
    inactive.active = False
    for email, password in (("nadie@example.co", WRONG), (inactive.email, PASSWORD)):
        assert [services.authenticate(email, password) for _ in range(3)] == [None] * 3
        with pytest.raises(throttle.LoginLocked):
            services.authenticate(email, password)


def test_the_lock_is_logged_with_the_account_never_the_address(factory, locks, caplog):
    user = factory.user(email="ana@example.co")
    with caplog.at_level(logging.WARNING, logger="aga_consulta"):
        for _ in range(3):
            services.authenticate(user.email, WRONG, remote_addr="198.51.100.9")
        with pytest.raises(throttle.LoginLocked):
            services.authenticate(user.email, WRONG, remote_addr="198.51.100.9")
    assert f"login locked ip=198.51.100.9 user_id={user.id} seconds=60" in caplog.text
    assert "login refused ip=198.51.100.9 reason=locked" in caplog.text
    assert user.email not in caplog.text and WRONG not in caplog.text


def test_the_site_wide_cap_pauses_every_address(factory, config):
    config(LOGIN_FAILURE_RATE_LIMIT="3 per minute")
    user = factory.user(email="ana@example.co")
    for n in range(3):
        services.authenticate(f"p{n}@example.co", WRONG)
    with pytest.raises(throttle.LoginsPaused) as paused:
        services.authenticate(user.email, PASSWORD)
    assert 0 < paused.value.retry_after <= 60


def test_spend_counts_per_address_and_says_how_long_to_wait(app):
    assert [throttle.spend("probe", "ana@example.co", "2 per hour") for _ in range(2)] == [0, 0]
    assert 3500 < throttle.spend("probe", "ana@example.co", "2 per hour") <= 3600
    assert throttle.spend("probe", "otra@example.co", "2 per hour") == 0
