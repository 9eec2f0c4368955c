"""Every /moderation route, found by walking the URL map: citizens 403, anonymous to login.

The routes are discovered, never listed by hand, so a route added later (by any blueprint)
is covered the day it is added.
"""
from urllib.parse import urlsplit

import pytest
from werkzeug.routing import IntegerConverter, PathConverter

from aga_consulta import create_app
from aga_consulta.audit.models import AuditLogEntry
from aga_consulta.proposals.models import Proposal
from tests.helpers import count, login

IGNORED_METHODS = {"HEAD", "OPTIONS"}
CONTRACT_ROUTES = {
    ("/moderation/", "GET"),
    ("/moderation/proposals/<int:proposal_id>/status", "POST"),
    ("/moderation/comments", "GET"),
    ("/moderation/comments/<int:comment_id>/hide", "POST"),
    ("/moderation/comments/<int:comment_id>/restore", "POST"),
    ("/moderation/log", "GET"),
}
ADMIN_ONLY = {"/moderation/roles", "/moderation/roles/<int:user_id>/revoke", "/moderation/consultations/new"}


def _dummy_value(converter):
    if isinstance(converter, IntegerConverter):
        return 1
    if isinstance(converter, PathConverter):
        return "x/y"
    return "x"


def moderation_requests():
    """(rule, method, url) for every rule under /moderation and every method it accepts."""
    app = create_app("testing")
    found = []
    for rule in app.url_map.iter_rules():
        if not (rule.rule == "/moderation" or rule.rule.startswith("/moderation/")):
            continue
        values = {name: _dummy_value(converter) for name, converter in rule._converters.items()}
        url = rule.build(values, append_unknown=False)[1]
        for method in sorted(rule.methods - IGNORED_METHODS):
            found.append((rule.rule, method, url))
    return found


REQUESTS = moderation_requests()


def test_the_walk_finds_every_contract_route():
    walked = {(rule, method) for rule, method, _url in REQUESTS}
    assert CONTRACT_ROUTES <= walked
    assert len(REQUESTS) >= 15


@pytest.mark.parametrize("rule, method, url", REQUESTS)
def test_anonymous_is_sent_to_login(client, rule, method, url):
    response = client.open(url, method=method, data={"reason": "x" * 10, "status": "shortlisted"})
    assert response.status_code == 302, (rule, method)
    location = urlsplit(response.headers["Location"])
    assert location.path == "/auth/login"
    assert count(AuditLogEntry) == 0


@pytest.mark.parametrize("rule, method, url", REQUESTS)
def test_citizen_gets_403(client, factory, rule, method, url):
    proposal = factory.proposal(factory.consultation(slug="x"))
    factory.user(email="ciudadana@example.co")
    login(client, "ciudadana@example.co")
    response = client.open(url, method=method, data={"reason": "Motivo suficiente", "status": "shortlisted",
                                                     "proposal_ids": str(proposal.id)})
    assert response.status_code == 403, (rule, method)
    assert "Acceso denegado" in response.get_data(as_text=True)
    assert count(AuditLogEntry) == 0
    assert count(Proposal, Proposal.status != "received") == 0


@pytest.mark.parametrize("rule, method, url", [r for r in REQUESTS if r[0] in ADMIN_ONLY])
def test_moderator_gets_403_on_admin_pages(client, factory, rule, method, url):
    factory.user(email="mod@example.co", role="moderator")
    factory.user(role="moderator")
    login(client, "mod@example.co")
    response = client.open(url, method=method, data={"email": "mod@example.co", "role": "admin"})
    assert response.status_code == 403, (rule, method)
    assert count(AuditLogEntry) == 0


def test_deactivated_moderator_is_treated_as_logged_out(client, factory):
    from aga_consulta.extensions import db

    moderator = factory.user(email="mod@example.co", role="moderator")
    login(client, "mod@example.co")
    assert client.get("/moderation/log").status_code == 200
    moderator.active = False
    db.session.commit()
    assert client.get("/moderation/log").status_code == 302
