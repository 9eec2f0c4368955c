"""/me as an account page: profile, votes with their status and a withdraw button, comments with their
state, survey answers, receipts, data rights; and changing the password."""
import re

import pytest
from sqlalchemy import event

from aga_consulta.accounts.models import User
from aga_consulta.comments.moderation import hide_comment
from aga_consulta.comments.services import add_comment, add_commitment_comment
from aga_consulta.extensions import db
from aga_consulta.proposals import workflow
from aga_consulta.surveys.services import submit_response
from aga_consulta.voting.models import Vote
from aga_consulta.voting.services import cast_vote
from tests.helpers import PASSWORD, login
from tests.plan.conftest import national, plan, plan_process  # noqa: F401 (fixtures)
from tests.surveys.conftest import build_survey, good_answers

NEW_PASSWORD = "una frase nueva bastante larga"


@pytest.fixture
def ana(factory):
    return factory.user(email="ana@example.co", name="Ana Torres Quiñones", department="05")


@pytest.fixture
def activity(factory, ana):
    open_consultation = factory.consultation(slug="abierta")
    closed_consultation = factory.consultation(slug="cerrada")
    open_proposal = factory.proposal(open_consultation, code="N-01", title="Datos abiertos")
    decided = factory.proposal(open_consultation, code="N-02", title="Compras públicas")
    old = factory.proposal(closed_consultation, code="N-03", title="Propuesta antigua")
    for proposal in (open_proposal, decided, old):
        cast_vote(ana, proposal)
    workflow.change_status(factory.user(role="moderator"), decided, "shortlisted", "Cumple los criterios")
    # Closed after the vote was cast.
    from datetime import timedelta

    from aga_consulta.timeutil import utcnow
    closed_consultation.closes_at = utcnow() - timedelta(minutes=1)
    closed_consultation.opens_at = utcnow() - timedelta(days=2)
    published = add_comment(ana, open_proposal, "Un comentario publicado")
    hidden = add_comment(ana, open_proposal, "Un comentario que se ocultó")
    hide_comment(factory.user(role="moderator"), hidden, "Lenguaje ofensivo hacia otra persona")
    survey = build_survey()
    submit_response(ana, survey, good_answers(survey))
    db.session.commit()
    return {"open": open_proposal, "decided": decided, "old": old, "published": published, "hidden": hidden,
            "survey": survey}


def section(html, anchor):
    match = re.search(rf'<section[^>]*id="{anchor}"[^>]*>(.*?)</section>', html, re.S)
    assert match, anchor
    return match.group(1)


def test_sections_with_headings_and_an_in_page_nav(client, ana, activity):
    login(client, "ana@example.co")
    html = client.get("/me").get_data(as_text=True)
    for anchor in ("perfil", "mis-votos", "mis-comentarios", "mis-encuestas", "mis-recibos", "mis-derechos"):
        assert f'href="#{anchor}"' in html
        assert re.search(rf'<section aria-labelledby="{anchor}-heading" id="{anchor}">\s*<h2 id="{anchor}-heading">',
                         html), anchor


def test_profile_shows_the_public_name_department_and_the_ways_to_change_them(client, ana):
    login(client, "ana@example.co")
    profile = section(client.get("/me").get_data(as_text=True), "perfil")
    assert ana.public_name in profile and "Antioquia" in profile
    assert 'href="/me/profile"' in profile and 'href="/me/password"' in profile


def test_votes_show_the_proposals_status_and_a_withdraw_button_while_open(client, ana, activity):
    login(client, "ana@example.co")
    votes = section(client.get("/me").get_data(as_text=True), "mis-votos")
    assert "Estado: Recibida" in votes and "Estado: Preseleccionada" in votes
    forms = re.findall(r'<form method="post" action="/proposals/(\d+)/unvote"', votes)
    assert sorted(forms) == sorted([str(activity["open"].id), str(activity["decided"].id)])
    assert "el voto ya no se puede retirar" in votes
    # The button brings the person back to their votes, without the vote.
    response = client.post(f"/proposals/{activity['open'].id}/unvote", data={"next": "/me#mis-votos"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/me#mis-votos")
    assert db.session.query(Vote).filter(Vote.proposal_id == activity["open"].id,
                                         Vote.withdrawn_at.is_(None)).count() == 0
    votes = section(client.get("/me").get_data(as_text=True), "mis-votos")
    assert "N-01" not in votes and "N-02" in votes


def test_comments_show_their_state_and_the_reason_when_hidden(client, ana, activity):
    login(client, "ana@example.co")
    comments = section(client.get("/me").get_data(as_text=True), "mis-comentarios")
    assert "Publicado" in comments
    assert "Oculto" in comments and "Lenguaje ofensivo hacia otra persona" in comments


def test_comments_on_plan_commitments_are_listed_with_their_state(client, ana, activity, plan, national, moderator):
    on_commitment = add_commitment_comment(ana, national, "Pregunta sobre el avance del compromiso")
    hidden = add_commitment_comment(ana, national, "Otra pregunta que se ocultó")
    hide_comment(moderator, hidden, "Datos personales de un tercero")
    login(client, "ana@example.co")
    comments = section(client.get("/me").get_data(as_text=True), "mis-comentarios")
    assert f'href="/commitments/{national.id}#comment-{on_commitment.id}"' in comments
    assert f"{national.code} · {national.title}" in comments
    assert "Pregunta sobre el avance del compromiso" in comments and "Datos personales de un tercero" in comments
    # The proposal comments are still there: two on proposals, two on the commitment.
    assert comments.count("<li>") == 4 and "Un comentario publicado" in comments


def test_my_data_includes_comments_on_commitments(client, ana, plan, national):
    made = add_commitment_comment(ana, national, "Pregunta sobre el avance del compromiso")
    login(client, "ana@example.co")
    data = client.get("/me/data.json").get_json()
    assert [(c["id"], c["commitment_id"], c["proposal_code"], c["body"]) for c in data["comments"]] == [
        (made.id, national.id, None, "Pregunta sobre el avance del compromiso")]


def test_survey_answers_receipts_and_data_rights(client, ana, activity):
    login(client, "ana@example.co")
    html = client.get("/me").get_data(as_text=True)
    surveys = section(html, "mis-encuestas")
    assert f'href="/surveys/{activity["survey"].id}"' in surveys and "puedes cambiar tus respuestas" in surveys
    receipts = section(html, "mis-recibos")
    assert "Descargar recibo" in receipts
    rights = section(html, "mis-derechos")
    for link in ("/me/data.json", "/me/data.csv", "/me/profile", "/me/delete"):
        assert f'href="{link}"' in rights


def test_me_runs_a_fixed_number_of_queries(app, client, factory, ana, activity):
    login(client, "ana@example.co")
    client.get("/me")  # warm-up: the session's first queries

    def queries_for_me():
        seen = []

        def count_query(_conn, _cursor, statement, *_args):
            seen.append(statement)

        event.listen(db.engine, "before_cursor_execute", count_query)
        try:
            assert client.get("/me").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", count_query)
        return seen

    before = queries_for_me()
    # More of everything: the number of queries does not grow with the rows (no N+1). (The
    # receipts take one query per consultation, each under its own pseudonym: same ones here.)
    extra = activity["open"].consultation
    for n in range(4):
        proposal = factory.proposal(extra, code=f"X-0{n}")
        cast_vote(ana, proposal)
        add_comment(ana, proposal, f"Otro comentario {n}")
    survey = build_survey()
    submit_response(ana, survey, good_answers(survey))
    after = queries_for_me()
    assert len(after) <= len(before), "\n---\n".join(after)


def test_change_password(client, ana):
    login(client, "ana@example.co")
    other_device = client.application.test_client()
    login(other_device, "ana@example.co")
    response = client.post("/me/password", data={"current_password": PASSWORD, "password": NEW_PASSWORD,
                                                 "password_confirm": NEW_PASSWORD})
    assert response.status_code == 303 and response.headers["Location"].endswith("/me#perfil")
    # This device stays in; the other one is logged out.
    assert client.get("/me").status_code == 200
    assert other_device.get("/me").status_code == 302
    client.post("/auth/logout")
    assert login(client, "ana@example.co", NEW_PASSWORD).status_code in (302, 303)


@pytest.mark.parametrize("data, field, message", [
    ({"current_password": "no es la mía de verdad", "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD},
     "current_password", "La contraseña no es correcta."),
    ({"current_password": PASSWORD, "password": "corta", "password_confirm": "corta"}, "password", "al menos 12"),
    ({"current_password": PASSWORD, "password": NEW_PASSWORD, "password_confirm": "otra distinta"},
     "password_confirm", "no coinciden"),
    ({"current_password": "", "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD},
     "current_password", "Escribe tu contraseña actual."),
])
def test_change_password_refusals(client, ana, data, field, message):
    login(client, "ana@example.co")
    before = db.session.get(User, ana.id).password_hash
    response = client.post("/me/password", data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html
    assert re.search(rf'<p class="error" id="{field}-error">', html)
    db.session.expire_all()
    assert db.session.get(User, ana.id).password_hash == before


def test_change_password_needs_a_login(client):
    response = client.get("/me/password")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
