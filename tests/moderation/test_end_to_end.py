"""The issue's "done when", end to end through the command line and the HTML forms."""
import io
import re


from aga_consulta.comments.models import Comment
from aga_consulta.extensions import db
from aga_consulta.audit.models import AuditLogEntry
from aga_consulta.proposals.models import Proposal
from tests.helpers import PASSWORD, count, login

MOD_PASSWORD = "la moderadora tiene una frase larga"
HEADER = "code,title,scope,department_code,municipality,theme,proposer,summary,body\n"


def _text(response):
    return response.get_data(as_text=True)


def test_a_moderator_from_the_cli_runs_the_selection_and_finds_it_all_in_the_log(app, runner, factory):
    consultation = factory.consultation(slug="plan", title="Plan de prueba")
    first = factory.proposal(consultation, code="SN-01", scope="subnational", department="76", title="Agua potable")
    second = factory.proposal(consultation, code="N-01", title="Datos abiertos")
    factory.user(email="autora@example.co", name="Autora")
    reporters = [factory.reporter(email=f"reporta{n}@example.co") for n in range(3)]

    # Citizens vote, comment and report through the forms.
    citizen = app.test_client()
    login(citizen, "autora@example.co")
    assert citizen.post(f"/proposals/{first.id}/vote").status_code == 303
    citizen.post(f"/proposals/{first.id}/comments", data={"body": "Un comentario que alguien reportará"})
    comment = db.session.scalar(db.select(Comment))
    for reporter in reporters:
        other = app.test_client()
        login(other, reporter.email)
        assert other.post(f"/comments/{comment.id}/report", data={"reason": "Me parece ofensivo"}).status_code == 303

    # The moderator is created from the command line, then logs in through the form.
    result = runner.invoke(args=["users", "create", "--email", "mora@example.co", "--name", "Mora",
                                 "--role", "moderator", "--password-stdin"], input=MOD_PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    moderator = app.test_client()
    assert login(moderator, "mora@example.co", MOD_PASSWORD).status_code == 302
    assert "/moderation/" in _text(moderator.get("/"))  # the menu shows the dashboard

    # Live figures.
    dashboard = _text(moderator.get("/moderation/"))
    assert "Plan de prueba" in dashboard and "Cifras en vivo" in dashboard
    figures = dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]+)</dd>", dashboard))
    assert figures["Participantes"] == "1" and figures["Votos"] == "1"
    assert figures["Comentarios recibidos"] == "1" and figures["Comentarios ocultos"] == "1"

    # Shortlist both at once, then select one and leave the other out, each with a reason.
    response = moderator.post("/moderation/consultations/plan/status", data={
        "proposal_ids": [str(first.id), str(second.id)], "status": "shortlisted", "reason": "Cumplen los criterios"})
    assert response.status_code == 303
    moderator.post(f"/moderation/proposals/{first.id}/status", data={"status": "selected", "reason": "Elegida por el comité: alto impacto"})
    moderator.post(f"/moderation/proposals/{second.id}/status", data={"status": "not_selected", "reason": "Ya está en otro plan"})
    public = _text(citizen.get(f"/proposals/{first.id}"))
    assert "Seleccionada" in public and "Elegida por el comité: alto impacto" in public
    decisions = _text(citizen.get("/consultations/plan/decisions"))
    for reason in ("Cumplen los criterios", "Elegida por el comité: alto impacto", "Ya está en otro plan"):
        assert reason in decisions
    assert "Mora" not in decisions

    # The reported comment waits, hidden, for review; restore it, then hide it for good.
    queue = _text(moderator.get("/moderation/comments"))
    assert "Un comentario que alguien reportará" in queue and "pendiente de revisión" in queue
    assert moderator.post(f"/moderation/comments/{comment.id}/restore", data={"reason": "Es una crítica válida"}).status_code == 303
    assert "Un comentario que alguien reportará" in _text(citizen.get(f"/proposals/{first.id}"))
    assert moderator.post(f"/moderation/comments/{comment.id}/hide", data={"reason": "Contiene un insulto personal"}).status_code == 303
    anonymous = app.test_client()
    assert "Un comentario que alguien reportará" not in _text(anonymous.get(f"/proposals/{first.id}"))
    for url in (f"/proposals/{first.id}", "/me"):
        assert "Contiene un insulto personal" in _text(citizen.get(url)), url

    # Import: a good file adds its rows; a bad one adds nothing and names the bad rows.
    good = HEADER + "N-02,Compras públicas abiertas,national,,,,Entidad,Resumen,Cuerpo\n"
    response = moderator.post("/moderation/consultations/plan/import", content_type="multipart/form-data",
                              data={"file": (io.BytesIO(good.encode()), "buena.csv")})
    assert response.status_code == 303 and count(Proposal) == 3
    bad = HEADER + "N-03,Bien,national,,,,,,\nSN-09,Sin departamento,subnational,,,,,,\n"
    response = moderator.post("/moderation/consultations/plan/import", content_type="multipart/form-data",
                              data={"file": (io.BytesIO(bad.encode()), "mala.csv")})
    assert response.status_code == 400
    assert re.search(r"<td>3</td>\s*<td>SN-09</td>", _text(response))
    assert count(Proposal) == 3

    # Every action is in the audit log.
    log = _text(moderator.get("/moderation/log"))
    for reason in ("Cumplen los criterios", "Elegida por el comité: alto impacto", "Ya está en otro plan",
                   "Es una crítica válida", "Contiene un insulto personal", "buena.csv"):
        assert reason in log, reason
    actions = [e.action for e in db.session.scalars(db.select(AuditLogEntry).order_by(AuditLogEntry.id))]
    assert actions == ["comment.auto_hide", "user.role"] + ["proposal.status"] * 4 + ["comment.restore", "comment.hide", "proposal.import"]

    # A citizen gets 403 on the moderation pages (every route: see test_access.py).
    for url in ("/moderation/", "/moderation/comments", "/moderation/log"):
        assert citizen.get(url).status_code == 403
    assert PASSWORD != MOD_PASSWORD
