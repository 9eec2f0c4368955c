"""The plan's pages over HTTP: tracker, commitment, progress reports, evidence, moderation, CSVs."""
import csv
import io
import os

import pytest

from aga_consulta.comments.models import Comment
from aga_consulta.extensions import db
from aga_consulta.plan import commitments, queries, reports
from aga_consulta.plan.models import Commitment, Evidence, ProgressReport
from aga_consulta.tally.services import compute_tally
from tests.helpers import JSON, audit_entries, count, field_error, login
from tests.plan.conftest import PDF, institution_account, template


@pytest.fixture
def upload_dir(app, tmp_path):
    app.config["UPLOAD_DIR"] = str(tmp_path / "uploads")
    yield app.config["UPLOAD_DIR"]
    app.config["UPLOAD_DIR"] = os.path.join(app.instance_path, "uploads")


def files_in(directory):
    return sorted(os.listdir(directory)) if os.path.isdir(directory) else []


def form(commitment, **overrides):
    data = {"reported_on": "2025-09-30", "completion": "limited",
            "narrative": "Se publicó el inventario de datos abiertos.", "links": ["https://datos.gov.co/a"]}
    data.update({f"milestone_{m.id}": "in_progress" for m in commitment.milestones})
    data.update(overrides)
    return data


def test_the_plan_page_lists_commitments_and_filters(client, plan, national):
    html = client.get("/processes/plan-vi/plan").get_data(as_text=True)
    assert "Banco de pliegos abiertos" in html and "Datos abiertos de contratación" in html
    assert "No iniciado" in html and "<script" not in html
    html = client.get("/processes/plan-vi/plan?scope=national").get_data(as_text=True)
    assert "Datos abiertos de contratación" in html and "Banco de pliegos abiertos" not in html
    html = client.get("/processes/plan-vi/plan?institution=Ministerio+de+las+TIC").get_data(as_text=True)
    assert "Banco de pliegos abiertos" not in html
    html = client.get("/processes/plan-vi/plan?department=76").get_data(as_text=True)
    assert "Banco de pliegos abiertos" in html and "Datos abiertos de contratación" not in html
    for bad in ("scope=regional", "department=7", "department=xx"):
        assert client.get(f"/processes/plan-vi/plan?{bad}").status_code == 400
    assert client.get("/processes/no-existe/plan").status_code == 404


def test_a_moderator_publishes_a_plan_from_the_page(client, plan_process, moderator):
    login(client, moderator.email)
    assert "Publicar el plan" in client.get("/processes/plan-vi/plan").get_data(as_text=True)
    response = client.post("/processes/plan-vi/plan", data={"title": "VI Plan", "starts_on": "2025-01-01",
                                                            "ends_on": "2026-12-31"})
    assert response.status_code == 303
    assert commitments.plan_of(plan_process.id).commitments[0].title == "Banco de pliegos abiertos"
    again = client.post("/processes/plan-vi/plan", data={"title": "VI Plan", "starts_on": "2025-01-01",
                                                         "ends_on": "2026-12-31"}, headers=JSON)
    assert again.status_code == 409


def test_a_bad_plan_period_comes_back_beside_its_field(client, plan_process, moderator):
    login(client, moderator.email)
    response = client.post("/processes/plan-vi/plan", data={"title": "VI Plan de prueba", "starts_on": "2026-01-01",
                                                            "ends_on": "2025-12-31"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "posterior a la de inicio" in field_error(page, "ends_on")
    assert 'value="VI Plan de prueba"' in page and 'value="2026-01-01"' in page
    assert commitments.plan_of(plan_process.id) is None


def test_a_citizen_cannot_publish_a_plan(client, plan_process, factory):
    citizen = factory.user()
    login(client, citizen.email)
    assert client.post("/processes/plan-vi/plan", data={"title": "VI", "starts_on": "2025-01-01",
                                                        "ends_on": "2026-12-31"}).status_code == 403
    assert commitments.plan_of(plan_process.id) is None


def test_the_commitment_page_shows_the_template_and_milestones(client, national):
    html = client.get(f"/commitments/{national.id}").get_data(as_text=True)
    for text in ("Ministerio de las TIC", "Inventario de datos publicado", "La contratación pública no se publica",
                 "Transparencia por Colombia", "Todavía no hay reportes de avance publicados"):
        assert text in html
    assert client.get("/commitments/999999").status_code == 404
    assert client.get("/commitments/99999999999").status_code == 404


def test_citizens_and_other_institutions_get_403_on_progress(client, national, factory, upload_dir):
    assert client.get(f"/commitments/{national.id}/progress").status_code == 302  # to the login page
    citizen = factory.user()
    login(client, citizen.email)
    assert client.get(f"/commitments/{national.id}/progress").status_code == 403
    assert client.post(f"/commitments/{national.id}/progress", data=form(national)).status_code == 403
    client.post("/auth/logout")
    other = institution_account("Alcaldía de Cali", email="cali@example.gov.co")
    login(client, other.email)
    assert client.post(f"/commitments/{national.id}/progress", data=form(national)).status_code == 403
    assert count(ProgressReport) == 0


def test_the_lead_institution_reports_with_a_pdf(client, national, upload_dir):
    mintic = institution_account("Ministerio de las TIC")
    login(client, mintic.email)
    page = client.get(f"/commitments/{national.id}/progress").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in page
    response = client.post(f"/commitments/{national.id}/progress",
                           data={**form(national), "documents": [(io.BytesIO(PDF), "informe.pdf")]})
    assert response.status_code == 303
    stored = db.session.scalar(db.select(Evidence).where(Evidence.kind == "file"))
    assert files_in(upload_dir) == [stored.stored_name]
    # Not public until published: the evidence is not served to others.
    client.post("/auth/logout")
    assert client.get(f"/evidence/{stored.id}").status_code == 404


def test_a_ten_megabyte_pdf_passes_the_site_cap_and_a_larger_one_is_refused(client, app, national, moderator,
                                                                            upload_dir):
    login(client, moderator.email)
    big = PDF + b"0" * (app.config["UPLOAD_MAX_BYTES"] - len(PDF))
    ok = client.post(f"/commitments/{national.id}/progress",
                     data={**form(national), "documents": [(io.BytesIO(big), "grande.pdf")]})
    assert ok.status_code == 303 and len(files_in(upload_dir)) == 1
    over = client.post(f"/commitments/{national.id}/progress",
                       data={**form(national), "documents": [(io.BytesIO(big + b"0"), "enorme.pdf")]}, headers=JSON)
    assert over.status_code == 413 and "MB" in over.get_json()["error"]
    assert count(ProgressReport) == 1 and len(files_in(upload_dir)) == 1


@pytest.mark.parametrize("overrides, documents, status, message", [
    ({}, [(b"<html><body>hola</body></html>", "evidencia.pdf")], 400, "Solo se admiten documentos PDF"),
    ({"reported_on": "2024-06-30"}, [(PDF, "a.pdf")], 400, "periodo del plan"),
    ({"reported_on": "junio"}, [], 400, "AAAA-MM-DD"),
    ({"completion": "almost"}, [], 400, "nivel de cumplimiento"),
])
def test_bad_progress_reports_are_refused_and_nothing_is_stored(client, national, moderator, upload_dir, overrides,
                                                                documents, status, message):
    login(client, moderator.email)
    data = {**form(national, **overrides), "documents": [(io.BytesIO(body), name) for body, name in documents]}
    response = client.post(f"/commitments/{national.id}/progress", data=data, headers=JSON)
    assert response.status_code == status and message in response.get_json()["error"]
    page = client.post(f"/commitments/{national.id}/progress",
                       data={**form(national, **overrides),
                             "documents": [(io.BytesIO(body), name) for body, name in documents]})
    assert page.status_code == status and message in page.get_data(as_text=True)
    assert count(ProgressReport) == 0 and count(Evidence) == 0 and files_in(upload_dir) == []


@pytest.mark.parametrize("overrides, field, message", [
    ({"reported_on": "2027-05-01"}, "reported_on", "periodo del plan"),
    ({"completion": "almost"}, "completion", "nivel de cumplimiento"),
    ({"narrative": "Poco."}, "narrative", "relato del avance"),
    ({"links": ["https://datos.gov.co/a", "ftp://datos.gov.co/b"]}, "link-2", "http o https"),
])
def test_a_bad_progress_report_shows_the_message_beside_its_field_and_keeps_the_links(
        client, national, moderator, upload_dir, overrides, field, message):
    login(client, moderator.email)
    data = form(national, **{"links": ["https://datos.gov.co/a", "https://datos.gov.co/informe"], **overrides})
    response = client.post(f"/commitments/{national.id}/progress", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and message in field_error(page, field).lower()
    assert page.count('aria-invalid="true"') == 1
    for link in data["links"]:
        assert f'value="{link}"' in page
    assert count(ProgressReport) == 0


def test_a_milestone_of_another_commitment_is_refused_over_http(client, plan, national, moderator, upload_dir):
    other = commitments.add_commitment(moderator, plan, template(title="Otro compromiso"),
                                       [{"deliverable": "Hito ajeno", "starts_on": "2025-02-01", "ends_on": "2025-03-01"}])
    login(client, moderator.email)
    data = {**form(national), f"milestone_{other.milestones[0].id}": "complete"}
    response = client.post(f"/commitments/{national.id}/progress", data=data, headers=JSON)
    assert response.status_code == 400 and "no pertenece" in response.get_json()["error"]
    assert count(ProgressReport) == 0


def test_a_return_without_its_reason_comes_back_beside_the_reason_box(client, national, moderator, upload_dir):
    mintic = institution_account("Ministerio de las TIC")
    made = reports.submit_report(mintic, national, reported_on="2025-09-30", completion="substantial",
                                  milestone_states={m.id: "complete" for m in national.milestones},
                                  narrative="Inventario y portal publicados.")
    login(client, moderator.email)
    response = client.post(f"/moderation/plan/reports/{made.id}/decision",
                           data={"action": "return", "version": made.version, "reason": "no"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"#reason-{made.id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "motivo de la devolución" in field_error(page, f"reason-{made.id}") and ">no</textarea>" in page
    db.session.expire_all()
    assert reports.get_report(made.id).status == "submitted"


def test_moderators_publish_and_the_history_shows_evidence(client, national, moderator, factory, upload_dir):
    mintic = institution_account("Ministerio de las TIC")
    made = reports.submit_report(mintic, national, reported_on="2025-09-30", completion="substantial",
                                 milestone_states={m.id: "complete" for m in national.milestones},
                                 narrative="Inventario y portal publicados.", links=["https://datos.gov.co/b"],
                                 files=[(io.BytesIO(PDF), "acta.pdf")])
    evidence = next(e for e in made.evidence if e.kind == "file")
    login(client, moderator.email)
    queue = client.get("/moderation/plan/").get_data(as_text=True)
    assert "Inventario y portal publicados." in queue
    stale = made.version
    response = client.post(f"/moderation/plan/reports/{made.id}/decision", data={"action": "publish",
                                                                                 "version": stale})
    assert response.status_code == 303
    second = factory.user(role="moderator")
    client.post("/auth/logout")
    login(client, second.email)
    late = client.post(f"/moderation/plan/reports/{made.id}/decision",
                       data={"action": "return", "version": stale, "reason": "Falta evidencia"}, headers=JSON)
    assert late.status_code == 409
    client.post("/auth/logout")
    html = client.get(f"/commitments/{national.id}").get_data(as_text=True)
    assert "Inventario y portal publicados." in html and "https://datos.gov.co/b" in html and "Sustancial" in html
    download = client.get(f"/evidence/{evidence.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert [e.action for e in audit_entries()][-2:] == ["report.submit", "report.publish"]


def test_citizens_get_403_on_the_moderation_screens(client, plan, national, factory):
    login(client, factory.user().email)
    assert client.get("/moderation/plan/").status_code == 403
    assert client.post(f"/moderation/plan/commitments/{national.id}", data=template()).status_code == 403


def test_a_moderator_edits_a_commitment_and_a_stale_form_gets_409(client, national, moderator):
    login(client, moderator.email)
    page = client.get(f"/moderation/plan/commitments/{national.id}").get_data(as_text=True)
    assert f'name="version" value="{national.version}"' in page
    version = national.version
    data = {**template(title="Datos abiertos de la contratación"), "version": version}
    assert client.post(f"/moderation/plan/commitments/{national.id}", data=data).status_code == 303
    stale = client.post(f"/moderation/plan/commitments/{national.id}",
                        data={**template(title="Otro título"), "version": version})
    assert stale.status_code == 409 and "Otra persona cambió este registro" in stale.get_data(as_text=True)
    db.session.expire_all()
    assert commitments.get_commitment(national.id).title == "Datos abiertos de la contratación"
    added = client.post(f"/moderation/plan/commitments/{national.id}/milestones",
                        data={"deliverable": "Evaluación", "starts_on": "2026-01-01", "ends_on": "2026-03-01",
                              "version": version + 1})
    assert added.status_code == 303
    assert [e.action for e in audit_entries()][-2:] == ["commitment.update", "milestone.create"]


def test_a_moderator_adds_a_commitment_directly(client, plan, moderator):
    login(client, moderator.email)
    assert client.get(f"/moderation/plan/{plan.id}/commitments/new").status_code == 200
    data = {**template(title="Justicia abierta", scope="subnational", department_code="05"),
            "deliverable": "Tablero de datos", "milestone_starts_on": "2025-03-01", "milestone_ends_on": "2025-09-30"}
    assert client.post(f"/moderation/plan/{plan.id}/commitments/new", data=data).status_code == 303
    assert [c.title for c in queries.tracker(plan, department="05")[0][:1]] == ["Justicia abierta"]
    bad = client.post(f"/moderation/plan/{plan.id}/commitments/new", data={**data, "starts_on": "2020-01-01"})
    assert bad.status_code == 400 and "periodo del plan" in field_error(bad.get_data(as_text=True), "starts_on")


@pytest.mark.parametrize("changes, field, message", [
    ({"title": ""}, "title", "El título debe tener entre 3"),
    ({"lead_institution": "x"}, "lead_institution", "Indica la institución líder"),
    ({"scope": "subnational", "department_code": ""}, "department_code", "indica su departamento"),
    ({"deliverable": "ab"}, "deliverable", "entregable verificable"),
    ({"milestone_ends_on": "2030-01-01"}, "milestone_ends_on", "entre el inicio y el fin"),
])
def test_a_bad_new_commitment_shows_the_message_beside_its_field(client, plan, moderator, changes, field, message):
    login(client, moderator.email)
    data = {**template(title="Justicia abierta", budget="Recursos propios"), "deliverable": "Tablero de datos",
            "milestone_starts_on": "2025-03-01", "milestone_ends_on": "2025-09-30", **changes}
    before = count(Commitment)
    response = client.post(f"/moderation/plan/{plan.id}/commitments/new", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and message in field_error(page, field)
    assert page.count('aria-invalid="true"') == 1 and f'<a href="#{field}">' in page
    assert "Recursos propios" in page and 'value="2025-03-01"' in page
    assert count(Commitment) == before


def test_a_bad_edit_shows_the_message_beside_the_date_that_leaves_a_milestone_out(client, national, moderator):
    login(client, moderator.email)
    data = {**template(starts_on="2025-06-01", problem="Un problema corregido."), "version": national.version}
    response = client.post(f"/moderation/plan/commitments/{national.id}", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "entre el inicio y el fin" in field_error(page, "starts_on")
    assert "Un problema corregido." in page
    db.session.expire_all()
    assert commitments.get_commitment(national.id).problem != "Un problema corregido."


def test_citizens_comment_on_a_commitment_outside_the_consultation(client, national, plan_process, factory):
    citizen = factory.user()
    login(client, citizen.email)
    response = client.post(f"/commitments/{national.id}/comments", data={"body": "¿Cuándo publican el portal?"})
    assert response.status_code == 303
    comment = db.session.scalar(db.select(Comment))
    assert (comment.commitment_id, comment.proposal_id, comment.consultation_id) == (national.id, None, None)
    reply = client.post(f"/commitments/{national.id}/comments", data={"body": "Yo también pregunto", "parent_id":
                                                                       comment.id})
    assert reply.status_code == 303
    assert "¿Cuándo publican el portal?" in client.get(f"/commitments/{national.id}").get_data(as_text=True)
    # The consultation's figures do not move.
    tally = compute_tally(plan_process.steps[4].consultation)
    assert tally["comments"]["received"] == 0 and tally["participants"] == 0
    short = client.post(f"/commitments/{national.id}/comments", data={"body": "x"}, headers=JSON)
    assert short.status_code == 400 and count(Comment) == 2


def test_a_refused_comment_on_a_commitment_comes_back_beside_its_box(client, national, factory):
    citizen = factory.user()
    login(client, citizen.email)
    first = client.post(f"/commitments/{national.id}/comments", data={"body": "Un comentario que sí se publica."})
    parent = Comment.query.one()
    response = client.post(f"/commitments/{national.id}/comments", data={"body": "x"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/commitments/{national.id}#body")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert field_error(page, "body") and ">x</textarea>" in page
    reply = client.post(f"/commitments/{national.id}/comments", data={"body": "y", "parent_id": str(parent.id)})
    assert reply.headers["Location"].endswith(f"#reply-{parent.id}")
    page = client.get(reply.headers["Location"]).get_data(as_text=True)
    assert field_error(page, f"reply-{parent.id}") and ">y</textarea>" in page and "<details open>" in page
    assert first.status_code == 303 and count(Comment) == 1
    # Shown once: the next visit has empty boxes.
    assert 'aria-invalid="true"' not in client.get(f"/commitments/{national.id}").get_data(as_text=True)


def test_a_reply_must_stay_on_its_commitment(client, plan, national, factory, moderator):
    other = commitments.add_commitment(moderator, plan, template(title="Otro compromiso"),
                                       [{"deliverable": "Hito", "starts_on": "2025-02-01", "ends_on": "2025-03-01"}])
    citizen = factory.user()
    login(client, citizen.email)
    client.post(f"/commitments/{other.id}/comments", data={"body": "Comentario en el otro"})
    parent = db.session.scalar(db.select(Comment))
    response = client.post(f"/commitments/{national.id}/comments", data={"body": "Respuesta cruzada",
                                                                         "parent_id": parent.id}, headers=JSON)
    assert response.status_code == 400 and count(Comment) == 1


def test_the_database_wants_exactly_one_target(national, factory):
    from sqlalchemy.exc import IntegrityError

    citizen = factory.user()
    db.session.add(Comment(user_id=citizen.id, body="sin destino"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    consultation = factory.consultation()
    proposal = factory.proposal(consultation)
    db.session.add(Comment(user_id=citizen.id, body="dos destinos", proposal_id=proposal.id,
                           consultation_id=consultation.id, commitment_id=national.id))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_a_reported_commitment_comment_reaches_the_queue_and_can_be_hidden(client, national, factory, moderator):
    author, reporter = factory.user(), factory.reporter()
    from aga_consulta.comments.services import add_commitment_comment

    comment = add_commitment_comment(author, national, "Un comentario ofensivo de prueba")
    login(client, reporter.email)
    assert client.post(f"/comments/{comment.id}/report", data={"reason": "Es ofensivo"}).status_code == 303
    client.post("/auth/logout")
    login(client, moderator.email)
    queue = client.get("/moderation/comments").get_data(as_text=True)
    assert "Un comentario ofensivo de prueba" in queue and f"/commitments/{national.id}" in queue
    hidden = client.post(f"/moderation/comments/{comment.id}/hide", data={"reason": "Ofensivo"})
    assert hidden.status_code == 303
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).status == "hidden"
    client.post("/auth/logout")
    assert "Un comentario ofensivo" not in client.get(f"/commitments/{national.id}").get_data(as_text=True)


def read_csv(response):
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_the_plan_csvs_and_the_printable_report(client, plan, national, moderator, upload_dir):
    made = reports.submit_report(moderator, national, reported_on="2025-09-30", completion="limited",
                                 milestone_states={m.id: "in_progress" for m in national.milestones},
                                 narrative="=HYPERLINK(\"http://x\") avance", links=[])
    reports.publish_report(moderator, made, made.version)
    rows = read_csv(client.get("/processes/plan-vi/export/commitments.csv"))
    assert rows[0] == list(queries.COMMITMENT_COLUMNS) and [r[0] for r in rows[1:]] == ["C01", "C02"]
    rows = read_csv(client.get("/processes/plan-vi/export/milestones.csv"))
    assert rows[0] == list(queries.MILESTONE_COLUMNS) and len(rows) == 3
    rows = read_csv(client.get("/processes/plan-vi/export/progress_reports.csv?from=2025-09-01&to=2025-09-30"))
    assert rows[0] == list(queries.REPORT_COLUMNS) and rows[1][5].startswith("'=")
    assert len(read_csv(client.get("/processes/plan-vi/export/progress_reports.csv?from=2025-10-01"))) == 1
    assert client.get("/processes/plan-vi/export/progress_reports.csv?from=ayer").status_code == 400
    page = client.get("/processes/plan-vi/plan/report?from=2025-07-01&to=2025-12-31")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "css/plan.css" in html and "HYPERLINK" in html
    assert client.get("/processes/plan-vi/plan/report?from=2025-12-31&to=2025-01-01").status_code == 400


def test_the_plan_page_is_paginated(client, app, plan, national):
    app.config["COMMITMENTS_PER_PAGE"] = 1
    try:
        first = client.get("/processes/plan-vi/plan").get_data(as_text=True)
        second = client.get("/processes/plan-vi/plan?page=2").get_data(as_text=True)
        assert "Banco de pliegos abiertos" in first and "Datos abiertos de contratación" not in first
        assert "Datos abiertos de contratación" in second and 'rel="prev"' in second
        assert "2 compromisos" in second
        assert client.get("/processes/plan-vi/plan?page=9").status_code == 200
        for bad in ("0", "-1", "abc", "99999999999"):
            assert client.get(f"/processes/plan-vi/plan?page={bad}").status_code == 400
    finally:
        app.config["COMMITMENTS_PER_PAGE"] = 25


@pytest.mark.parametrize("spec, field, message", [
    ({"deliverable": "ab"}, "deliverable", "entregable verificable"),
    ({"ends_on": "2025-01-01"}, "ends", "no puede terminar antes"),
    ({"starts_on": "2019-01-01"}, "starts", "entre el inicio y el fin"),
])
def test_a_refused_milestone_comes_back_beside_its_field_with_what_was_typed(
        client, national, moderator, spec, field, message):
    login(client, moderator.email)
    data = {"deliverable": "Evaluación externa", "starts_on": "2025-06-01", "ends_on": "2025-09-01",
            "version": national.version, **spec}
    before = len(national.milestones)
    response = client.post(f"/moderation/plan/commitments/{national.id}/milestones", data=data)
    assert response.status_code == 303 and response.headers["Location"].endswith("#milestone-new")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert message in field_error(page, f"{field}-new")
    assert f'value="{data["deliverable"]}"' in page
    db.session.expire_all()
    assert len(commitments.get_commitment(national.id).milestones) == before
    # The page after forgets it: a reload shows the form blank again.
    assert f'id="{field}-new-error"' not in client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_refused_milestone_edit_comes_back_beside_its_own_form(client, national, moderator):
    login(client, moderator.email)
    milestone = national.milestones[0]
    response = client.post(f"/moderation/plan/milestones/{milestone.id}",
                           data={"deliverable": "Cambiado", "starts_on": "2025-09-01", "ends_on": "2025-03-01",
                                 "version": national.version})
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "no puede terminar antes" in field_error(page, f"ends-{milestone.id}")
    assert 'value="Cambiado"' in page
    db.session.expire_all()
    assert commitments.get_commitment(national.id).milestones[0].deliverable != "Cambiado"
