"""The audit log in human words: every action, role and target has a label in both languages."""
import pytest
from babel.support import Translations
from flask import current_app

from aga_consulta.audit import record
from aga_consulta.audit.models import ACTOR_ROLES, AUDIT_ACTIONS
from aga_consulta.calls.models import SubmissionStatus
from aga_consulta.comments.models import CommentStatus
from aga_consulta.extensions import db
from aga_consulta.moderation import labels
from aga_consulta.proposals.models import STATUSES
from tests.helpers import login


def english(text):
    merged = Translations()
    for directory in current_app.config["BABEL_TRANSLATION_DIRECTORIES"].split(";"):
        merged.merge(Translations.load(directory, ["en"], "messages"))
    return merged.gettext(text)


def test_every_audit_action_has_a_label_in_spanish_and_english(app):
    assert set(labels.ACTION_LABELS) == set(AUDIT_ACTIONS)
    for action in AUDIT_ACTIONS:
        spanish = str(labels.ACTION_LABELS[action]._args[0])
        assert spanish != action and "." not in spanish, action
        assert english(spanish) != spanish, f"no English for {action}: {spanish}"


def test_every_actor_role_and_every_recorded_target_type_has_a_label(app):
    for role in ACTOR_ROLES:
        assert role in labels.ROLE_LABELS
    for kind in ("proposal", "comment", "consultation", "user", "process", "survey", "event", "call_submission"):
        assert kind in labels.TARGET_LABELS


def test_vocabulary_values_are_words(app):
    with app.test_request_context("/"):
        for status in STATUSES:
            assert labels.value_label("proposal", "status", status) != status
        for status in CommentStatus:
            assert labels.value_label("comment", "status", status) != status
        for status in SubmissionStatus:
            assert labels.value_label("call_submission", "status", status) != status
        assert str(labels.value_label("user", "role", "moderator")) == "Moderación"
        assert str(labels.value_label("event", "linked", True)) == "Sí"
        # A value that is not vocabulary (a title someone typed) stays as written.
        assert labels.value_label("proposal", "title", "received") == "received"
        assert labels.value_label("proposal", "status", "unknown") == "unknown"


def test_unknown_action_falls_back_to_its_name(app):
    with app.test_request_context("/"):
        assert labels.action_label("nothing.like.this") == "nothing.like.this"


@pytest.fixture
def logged(client, factory):
    moderator = factory.user(email="mod@example.co", role="moderator", name="Mora Moderadora")
    citizen = factory.user(email="ciudadana@example.co", name="Ciudadana Uno")
    consultation = factory.consultation(slug="consulta-log")
    proposal = factory.proposal(consultation, code="N-07")
    record(moderator, "proposal.status", "proposal", proposal.id, target_label="N-07",
           before={"status": "received"}, after={"status": "shortlisted"}, reason="Cumple")
    record(None, "user.role", "user", citizen.id, target_label=citizen.email,
           before={"role": "citizen"}, after={"role": "moderator"}, reason="flask users set-role")
    record(moderator, "export.download", "consultation", consultation.id, target_label="consulta-log",
           after={"export": "votes"})
    db.session.commit()
    login(client, "mod@example.co")
    return {"proposal": proposal, "citizen": citizen}


def test_log_speaks_spanish(client, logged):
    page = client.get("/moderation/log").get_data(as_text=True)
    assert "Cambio de estado de la propuesta" in page and "proposal.status" not in page.split("<select")[0] + page.split("</select>")[-1]
    assert "<del>Recibida</del> → <ins>Preseleccionada</ins>" in page
    assert "<dt>Estado</dt>" in page and "<dt>Rol</dt>" in page
    assert "<del>Ciudadanía</del> → <ins>Moderación</ins>" in page
    # Actors by role; the target by its kind and a link, never "(user #id)".
    assert "<strong>Moderación</strong>" in page and "<strong>Sistema</strong>" in page
    assert f'href="/moderation/proposals/{logged["proposal"].id}">N-07</a>' in page
    assert 'href="/moderation/?consultation=consulta-log">consulta-log</a>' in page
    assert f'#{logged["citizen"].id}' not in page and "(user" not in page
    assert "received" not in page and "shortlisted" not in page


def test_log_speaks_english(client, logged):
    client.post("/language", data={"lang": "en"})
    page = client.get("/moderation/log").get_data(as_text=True)
    assert "Proposal status change" in page
    assert "<del>Received</del> → <ins>Shortlisted</ins>" in page
    assert "<dt>Status</dt>" in page
    assert "Cambio de estado" not in page and "Recibida" not in page
