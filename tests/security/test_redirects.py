"""Case 11: `next` can never send a person to another host (open redirect).

Every place that honours a target is attacked: the login and registration `next` query,
the language switch and the vote form's `next` field.
"""
from urllib.parse import urlsplit

import pytest

from tests.helpers import PASSWORD, login
from tests.security.support import assert_inert, table_counts

HOSTILE = (
    "//evil.example",
    "//evil.example/path",
    "/\\evil.example",
    "\\\\evil.example",
    "////evil.example",
    "///evil.example",
    "https:evil.example",
    "https://evil.example/",
    "http://evil.example",
    "HTTP://EVIL.EXAMPLE",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    " //evil.example",
    "/\t/evil.example",
    "/\r\n/evil.example",
    "\x00//evil.example",
    "evil.example",
    "@evil.example",
    "/%2F%2Fevil.example",
    "/" + "a" * 3000,
)


def _stays_here(response):
    location = response.headers["Location"]
    parts = urlsplit(location)
    assert parts.scheme in ("", "http") and parts.netloc in ("", "localhost"), location
    assert parts.path.startswith("/") and not parts.path.startswith("//") and "\\" not in location, location
    return parts


@pytest.mark.parametrize("target", HOSTILE)
def test_login_next(app, factory, target):
    user = factory.user()
    client = app.test_client()
    page = client.get("/auth/login", query_string={"next": target})
    assert_inert(page.get_data(as_text=True))
    response = client.post("/auth/login", query_string={"next": target},
                           data={"email": user.email, "password": PASSWORD})
    if "\x00" in target:
        assert page.status_code == response.status_code == 400  # refused before any view runs
        return
    assert response.status_code == 302
    parts = _stays_here(response)
    if target != "/%2F%2Fevil.example":
        assert parts.path == "/"
    # Already logged in: the login page redirects again, and stays here again.
    _stays_here(client.get("/auth/login", query_string={"next": target}))


@pytest.mark.parametrize("target", HOSTILE[:12])
def test_registration_next(client, target):
    response = client.post("/auth/register", query_string={"next": target}, data={
        "name": "Ana Campo", "email": "ana@example.co", "password": PASSWORD, "password_confirm": PASSWORD,
        "department": "11", "accept_terms": "y"})
    assert response.status_code == 302
    assert _stays_here(response).path == "/"


@pytest.mark.parametrize("target", HOSTILE)
def test_language_switch_and_vote_next_fields(client, factory, target):
    proposal = factory.proposal(factory.consultation())
    response = client.post("/language", data={"lang": "en", "next": target})
    login(client, factory.user().email)
    before = table_counts()
    vote = client.post(f"/proposals/{proposal.id}/vote", data={"next": target})
    if "\x00" in target:
        assert response.status_code == vote.status_code == 400  # refused before any view runs
        assert table_counts() == before
        return
    assert response.status_code == 303
    _stays_here(response)
    assert vote.status_code == 303
    # A percent-encoded slash is a path on this site, not a host.
    expected = target if target == "/%2F%2Fevil.example" else f"/proposals/{proposal.id}"
    assert _stays_here(vote).path == expected
    assert table_counts()["votes"] == before["votes"] + 1


def test_a_local_next_is_still_honoured(app, factory):
    user = factory.user()
    proposal = factory.proposal(factory.consultation())
    client = app.test_client()
    response = login(client, user.email, next_url=f"/proposals/{proposal.id}")
    assert response.headers["Location"].endswith(f"/proposals/{proposal.id}")
