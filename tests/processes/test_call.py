"""The call for proposals: institution accounts submit on the OGP template; moderators decide."""
import html
import re
from datetime import timedelta

import pytest

from aga_consulta.accounts.models import User
from aga_consulta.accounts.services import register_citizen
from aga_consulta.audit.models import AuditLogEntry
from aga_consulta.calls import services as calls
from aga_consulta.calls.models import Milestone, Submission
from aga_consulta.errors import NotAllowed, ValidationFailed
from aga_consulta.extensions import db
from aga_consulta.processes.services import compute_process_tally, create_process, step_of
from aga_consulta.proposals.models import Proposal
from aga_consulta.timeutil import utcnow
from tests.helpers import JSON, PASSWORD, count, field_error, login

FORM = {
    "title": "Contratos abiertos municipales", "starts_on": "2027-01-01", "ends_on": "2028-12-31",
    "problem": "Los contratos del municipio no se publican a tiempo.", "baseline": "30 % publicados en 2026.",
    "commitment": "Publicar todos los contratos en datos abiertos en la semana de su firma.",
    "expected_results": "El 100 % de los contratos publicados a tiempo.",
    "contribution": "La ciudadanía puede vigilar la contratación.", "ogp_values": ["transparency", "accountability"],
    "milestone_1_deliverable": "Portal de contratos abiertos en línea", "milestone_1_starts_on": "2027-01-01",
    "milestone_1_ends_on": "2027-06-30",
}


def institution(name="Alcaldía de Palmira", department="76", municipality="Palmira", email=None):
    return register_citizen(name="Enlace institucional", email=email or f"{name.split()[-1].lower()}@example.gov.co",
                            password=PASSWORD, department_code="76", accepted_terms=True, role="institution",
                            email_confirmed=True, institution=name, institution_department=department,
                            institution_municipality=municipality)


def build_process(factory, call_open=True):
    consultation = factory.consultation(slug="consulta-convocatoria")
    now = utcnow()
    call = (now - timedelta(days=1), now + timedelta(days=5)) if call_open else (now - timedelta(days=9),
                                                                                  now - timedelta(days=2))
    steps = [{"kind": "call_for_proposals", "opens_at": call[0], "closes_at": call[1]},
             {"kind": "consultation", "opens_at": now + timedelta(days=6), "closes_at": now + timedelta(days=20),
              "consultation": consultation}]
    return create_process(slug="plan-convocatoria", title="V Plan", steps=steps)


def _milestones(form):
    return [{"deliverable": form.get("milestone_1_deliverable"), "starts_on": form.get("milestone_1_starts_on"),
             "ends_on": form.get("milestone_1_ends_on")}]


def test_an_institution_account_names_its_institution(runner):
    result = runner.invoke(args=["users", "create", "--email", "enlace@example.gov.co", "--name", "Enlace",
                                 "--role", "institution", "--institution", "Ministerio de las TIC",
                                 "--password-stdin"], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    user = User.query.filter_by(email="enlace@example.gov.co").one()
    assert user.is_institution and user.institution == "Ministerio de las TIC"
    assert user.institution_department_code is None
    missing = runner.invoke(args=["users", "create", "--email", "otra@example.gov.co", "--name", "Otra",
                                  "--role", "institution", "--password-stdin"], input=PASSWORD + "\n")
    assert missing.exit_code != 0 and "nombre de la institución" in missing.output
    assert count(User, User.email == "otra@example.gov.co") == 0


def test_a_citizen_cannot_name_an_institution_nor_become_one_without_a_name(factory, admin):
    from aga_consulta.accounts.roles import grant_role

    with pytest.raises(ValidationFailed):
        register_citizen(name="Ana", email="ana@example.co", password=PASSWORD, department_code="11",
                         accepted_terms=True, institution="Ministerio")
    citizen = factory.user()
    with pytest.raises(ValidationFailed, match="institucional"):
        grant_role(admin, citizen, "institution")
    assert citizen.role == "citizen"


def test_an_institution_submits_and_a_moderator_accepts_it_into_the_consultation(client, factory, moderator):
    process = build_process(factory)
    palmira = institution()
    login(client, palmira.email)
    response = client.post("/processes/plan-convocatoria/call", data={**FORM, "institution": "Alcaldía de Palmira"})
    assert response.status_code == 303
    db.session.expire_all()  # the request changed it through its own session
    submission = Submission.query.one()
    assert (submission.institution, submission.scope, submission.department_code, submission.municipality) == (
        "Alcaldía de Palmira", "subnational", "76", "Palmira")
    assert [m.deliverable for m in submission.milestones] == ["Portal de contratos abiertos en línea"]
    assert submission.ogp_values == "transparency,accountability"

    client.post("/auth/logout")
    login(client, moderator.email)
    page = client.get("/processes/plan-convocatoria/call").get_data(as_text=True)
    assert "Contratos abiertos municipales" in page and "Aceptar en la consulta" in page
    accepted = client.post(f"/processes/plan-convocatoria/call/{submission.id}/decision", data={"action": "accept"})
    assert accepted.status_code == 303
    proposal = Proposal.query.filter_by(code=f"C-{submission.id}").one()
    assert proposal.status == "received" and proposal.proposer == "Alcaldía de Palmira"
    assert proposal.consultation.slug == "consulta-convocatoria" and proposal.scope == "subnational"
    assert "Portal de contratos abiertos en línea" in proposal.body
    db.session.expire_all()  # the request changed it through its own session
    submission = Submission.query.one()
    assert submission.status == "accepted" and submission.proposal_id == proposal.id
    entry = AuditLogEntry.query.filter_by(action="call.accept").one()
    assert entry.actor_id == moderator.id and entry.target_id == submission.id
    # Traceability: the proposal shows the institution that submitted it.
    shown = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "postulada por Alcaldía de Palmira en la convocatoria" in shown
    # Counted once among the call's proposals (as a proposal of the consultation).
    assert compute_process_tally(process)["call"] == {"national": 0, "subnational": 1}


def test_outside_the_window_409_and_nothing_stored(client, factory):
    build_process(factory, call_open=False)
    login(client, institution().email)
    response = client.post("/processes/plan-convocatoria/call", data=FORM, headers=JSON)
    assert response.status_code == 409 and "no está abierta" in response.get_json()["error"]
    assert count(Submission) == 0 and count(Milestone) == 0


def test_in_another_institutions_name_403_and_nothing_stored(client, factory):
    build_process(factory)
    login(client, institution().email)
    response = client.post("/processes/plan-convocatoria/call", headers=JSON,
                           data={**FORM, "institution": "Ministerio de Hacienda"})
    assert response.status_code == 403 and "a nombre de su institución" in response.get_json()["error"]
    assert count(Submission) == 0


def test_a_citizen_cannot_submit_and_another_institution_cannot_correct(client, factory, moderator):
    process = build_process(factory)
    citizen = factory.user()
    login(client, citizen.email)
    assert client.post("/processes/plan-convocatoria/call", data=FORM).status_code == 403
    palmira, cali = institution(), institution("Alcaldía de Cali", municipality="Cali")
    step = step_of(process, "call_for_proposals")
    submission = calls.submit(palmira, step, FORM, _milestones(FORM))
    calls.return_for_changes(moderator, submission, "Falta la línea base detallada.")
    with pytest.raises(NotAllowed):
        calls.submit(cali, step, {**FORM, "title": "Otra cosa"}, _milestones(FORM), submission=submission)
    assert submission.title == "Contratos abiertos municipales"
    client.post("/auth/logout")
    login(client, cali.email)
    response = client.post("/processes/plan-convocatoria/call", headers=JSON,
                           data={**FORM, "submission_id": str(submission.id)})
    assert response.status_code == 403 and count(Submission) == 1


def test_bad_input_is_refused_and_nothing_stored(client, factory):
    build_process(factory)
    login(client, institution().email)
    no_milestone = {key: value for key, value in FORM.items() if not key.startswith("milestone")}
    response = client.post("/processes/plan-convocatoria/call", data=no_milestone)
    assert response.status_code == 400 and "al menos un hito" in response.get_data(as_text=True)
    # What the institution typed waits in the form.
    assert "Los contratos del municipio no se publican a tiempo." in response.get_data(as_text=True)
    bad_year = client.post("/processes/plan-convocatoria/call", data={**FORM, "ends_on": "9999-01-01"}, headers=JSON)
    assert bad_year.status_code == 400
    late = client.post("/processes/plan-convocatoria/call", headers=JSON,
                       data={**FORM, "milestone_1_ends_on": "2030-01-01"})
    assert late.status_code == 400 and "entre el inicio y el fin" in late.get_json()["error"]
    assert count(Submission) == 0 and count(Milestone) == 0


@pytest.mark.parametrize("changes, field, message", [
    ({"title": "x"}, "title", "El título debe tener entre 3"),
    ({"commitment": ""}, "commitment", "Completa todos los campos obligatorios"),
    ({"ends_on": "2026-12-31"}, "ends_on", "posterior a la de inicio"),
    ({"milestone_1_deliverable": ""}, "milestone_1_deliverable", "entregable verificable de 3"),
    ({"milestone_2_deliverable": "Segundo informe", "milestone_2_starts_on": "2027-02-01",
      "milestone_2_ends_on": "2030-01-01"}, "milestone_2_ends_on", "entre el inicio y el fin"),
    ({"milestone_2_deliverable": "Tercero", "milestone_2_starts_on": "ayer"}, "milestone_2_starts_on",
     "inicio del hito"),
])
def test_a_bad_submission_shows_its_message_beside_its_field_and_keeps_every_value(client, factory, changes, field,
                                                                                    message):
    build_process(factory)
    login(client, institution().email)
    data = {**FORM, "milestone_3_deliverable": "Informe final", "milestone_3_starts_on": "2028-01-01",
            "milestone_3_ends_on": "2028-06-30", **changes}
    response = client.post("/processes/plan-convocatoria/call", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in field_error(page, field)
    # Only that field is marked; the summary links to it; no flash at the top repeats it.
    assert page.count('aria-invalid="true"') == 1 and f'<a href="#{field}">' in page
    assert page.count(message) == 2
    # Everything typed comes back, milestone rows and chosen values included.
    for name in ("title", "problem", "baseline", "milestone_1_starts_on", "milestone_3_deliverable",
                 "milestone_3_ends_on"):
        if data[name]:
            assert html.escape(data[name], quote=True) in page
    assert 'value="transparency" checked' in page and 'value="accountability" checked' in page
    assert 'value="participation" checked' not in page
    assert count(Submission) == 0 and count(Milestone) == 0


def test_no_value_of_the_ogp_list_is_marked_on_its_group(client, factory):
    build_process(factory)
    login(client, institution().email)
    response = client.post("/processes/plan-convocatoria/call", data={**FORM, "ogp_values": []})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert re.search(r'<fieldset id="ogp_values" class="has-error" aria-describedby="ogp_values-error">', page)
    assert 'id="ogp_values-error">Elige al menos un valor' in page
    assert count(Submission) == 0


def test_a_good_submission_leaves_the_address_bar_on_the_call_page(client, factory):
    build_process(factory)
    login(client, institution().email)
    response = client.post("/processes/plan-convocatoria/call", data=FORM)
    assert response.status_code == 303 and response.headers["Location"].endswith("/processes/plan-convocatoria/call")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Propuesta recibida" in page and 'aria-invalid' not in page
    assert count(Submission) == 1


def test_a_decision_without_its_reason_comes_back_beside_the_reason_box(client, factory, moderator):
    build_process(factory)
    login(client, institution().email)
    client.post("/processes/plan-convocatoria/call", data=FORM)
    submission = Submission.query.one()
    client.post("/auth/logout")
    login(client, moderator.email)
    response = client.post(f"/processes/plan-convocatoria/call/{submission.id}/decision",
                           data={"action": "reject", "reason": "no"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/call#reason-{submission.id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Indica el motivo" in field_error(page, f"reason-{submission.id}") and ">no</textarea>" in page
    db.session.expire_all()
    assert Submission.query.one().status == "submitted" and count(AuditLogEntry) == 0


def test_return_then_correct_then_reject_with_a_public_reason(client, factory, moderator):
    process = build_process(factory)
    palmira = institution()
    step = step_of(process, "call_for_proposals")
    submission = calls.submit(palmira, step, FORM, _milestones(FORM))
    with pytest.raises(ValidationFailed):
        calls.return_for_changes(moderator, submission, "")
    calls.return_for_changes(moderator, submission, "Falta la línea base detallada.")
    assert submission.status == "returned"
    login(client, palmira.email)
    corrected = client.post("/processes/plan-convocatoria/call",
                            data={**FORM, "baseline": "Línea base detallada.", "submission_id": str(submission.id)})
    assert corrected.status_code == 303
    db.session.expire_all()  # the request changed it through its own session
    submission = Submission.query.one()
    assert submission.status == "submitted" and submission.baseline == "Línea base detallada."
    assert len(submission.milestones) == 1
    with pytest.raises(NotAllowed):
        calls.reject(palmira, submission, "No")
    calls.reject(moderator, submission, "No tiene recursos asegurados.")
    assert [e.action for e in AuditLogEntry.query.order_by(AuditLogEntry.id)] == ["call.return", "call.reject"]
    client.post("/auth/logout")
    page = client.get("/processes/plan-convocatoria/call").get_data(as_text=True)
    assert "No tiene recursos asegurados." in page and "Rechazada" in page
    # A decided submission takes no more decisions.
    client.post("/auth/logout")
    login(client, moderator.email)
    again = client.post(f"/processes/plan-convocatoria/call/{submission.id}/decision", headers=JSON,
                        data={"action": "accept"})
    assert again.status_code == 409 and count(Proposal) == 0
    # Received, even if rejected: the call's figure counts it.
    assert compute_process_tally(process)["call"] == {"national": 0, "subnational": 1}


def test_only_moderators_decide(client, factory):
    process = build_process(factory)
    palmira = institution()
    submission = calls.submit(palmira, step_of(process, "call_for_proposals"), FORM, _milestones(FORM))
    login(client, palmira.email)
    response = client.post(f"/processes/plan-convocatoria/call/{submission.id}/decision",
                           data={"action": "accept"})
    assert response.status_code == 403 and count(Proposal) == 0
    db.session.expire_all()
    assert Submission.query.one().status == "submitted"
