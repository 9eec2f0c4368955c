"""The plan's services: publishing, commitments, milestones, progress reports, the tally's plan part."""
import io
import os
import threading
from datetime import date, datetime

import pytest
from sqlalchemy.exc import IntegrityError

from aga_consulta import uploads
from aga_consulta.errors import NotAllowed, ValidationFailed
from aga_consulta.extensions import db
from aga_consulta.plan import commitments, milestones, queries, reports
from aga_consulta.plan.models import Commitment, Evidence, PlanMilestone, ProgressReport, ReportMilestoneState
from aga_consulta.processes.services import compute_process_tally
from tests.helpers import audit_entries, count
from tests.plan.conftest import MILESTONES, PDF, institution_account, template

NOW = datetime(2026, 1, 15, 12, 0)


def states(commitment, state="in_progress"):
    return {m.id: state for m in commitment.milestones}


def report(actor, commitment, **overrides):
    values = {"reported_on": "2025-09-30", "completion": "limited", "milestone_states": states(commitment),
              "narrative": "Se publicó el inventario de datos y se abrió el portal.", "links": [], "files": [],
              "now": NOW}
    values.update(overrides)
    return reports.submit_report(actor, commitment, **values)


@pytest.fixture
def upload_dir(app, tmp_path):
    app.config["UPLOAD_DIR"] = str(tmp_path / "uploads")
    yield app.config["UPLOAD_DIR"]
    app.config["UPLOAD_DIR"] = os.path.join(app.instance_path, "uploads")


def files_in(directory):
    return sorted(os.listdir(directory)) if os.path.isdir(directory) else []


def test_publishing_turns_the_selected_proposals_into_commitments(plan, plan_process, moderator):
    codes = [(c.code, c.scope, c.department_code, c.title) for c in plan.commitments]
    assert codes == [("C01", "subnational", "76", "Banco de pliegos abiertos"),
                     ("C02", "national", None, "Datos abiertos de contratación")]
    assert plan.commitments[0].proposal_id is not None and plan.commitments[1].proposal_id is None
    assert [m.deliverable for m in plan.commitments[1].milestones] == [m["deliverable"] for m in MILESTONES]
    assert [e.action for e in audit_entries()][-2:] == ["plan.publish", "commitment.create"]
    with pytest.raises(commitments.PlanExists):
        commitments.publish_plan(moderator, plan_process.id, title="Otro", starts_on=date(2025, 1, 1),
                                 ends_on=date(2026, 1, 1))


def test_only_moderators_publish_or_add(plan_process, plan, factory):
    citizen = factory.user()
    with pytest.raises(NotAllowed):
        commitments.add_commitment(citizen, plan, template(), MILESTONES)
    with pytest.raises(NotAllowed):
        commitments.add_commitment(institution_account("Ministerio de las TIC"), plan, template(), MILESTONES)
    assert count(Commitment) == 2


@pytest.mark.parametrize("overrides, milestones, message", [
    ({"starts_on": "2024-06-01"}, MILESTONES, "periodo del plan"),
    ({"lead_institution": ""}, MILESTONES, "institución líder"),
    ({"scope": "subnational"}, MILESTONES, "departamento"),
    ({"scope": "regional"}, MILESTONES, "alcance"),
    ({"ogp_values": ["magic"]}, MILESTONES, "valor de la AGA"),
    ({}, [{"deliverable": "Fuera", "starts_on": "2024-01-01", "ends_on": "2025-03-01"}], "hitos"),
])
def test_a_bad_commitment_stores_nothing(plan, moderator, overrides, milestones, message):
    with pytest.raises(ValidationFailed, match=message):
        commitments.add_commitment(moderator, plan, template(**overrides), milestones)
    assert count(Commitment) == 2 and count(PlanMilestone) == 2


def test_the_lead_institution_and_moderators_report_others_get_403(national, factory, moderator, upload_dir):
    mintic = institution_account("Ministerio de las TIC")
    other = institution_account("Alcaldía de Cali", email="cali@example.gov.co")
    for outsider in (factory.user(), other, None):
        with pytest.raises(NotAllowed) as refused:
            report(outsider, national)
        assert refused.value.status == 403
    assert count(ProgressReport) == 0
    first = report(mintic, national)
    second = report(moderator, national, reported_on="2025-10-31")
    assert (first.status, first.institution, second.institution) == ("submitted", "Ministerio de las TIC", None)
    assert [e.actor_role for e in audit_entries("report.submit")] == ["institution", "moderator"]


@pytest.mark.parametrize("overrides, message", [
    ({"reported_on": "2024-12-31"}, "periodo del plan"),
    ({"reported_on": "2026-01-16"}, "futura"),
    ({"reported_on": "30/09/2025"}, "AAAA-MM-DD"),
    ({"completion": "almost"}, "nivel de cumplimiento"),
    ({"narrative": "corto"}, "relato"),
    ({"links": ["javascript:alert(1)"]}, "http o https"),
    ({"milestone_states": {}}, "cada hito"),
])
def test_bad_reports_store_nothing(national, moderator, upload_dir, overrides, message):
    with pytest.raises(ValidationFailed, match=message):
        report(moderator, national, files=[(io.BytesIO(PDF), "evidencia.pdf")], **overrides)
    assert count(ProgressReport) == 0 and count(Evidence) == 0 and files_in(upload_dir) == []


def test_a_milestone_of_another_commitment_is_refused(plan, national, moderator, upload_dir):
    other = commitments.add_commitment(moderator, plan, template(title="Otro compromiso"), MILESTONES)
    foreign = {**states(national), other.milestones[0].id: "complete"}
    with pytest.raises(ValidationFailed, match="no pertenece"):
        report(moderator, national, milestone_states=foreign)
    assert count(ProgressReport) == 0


def test_the_database_refuses_a_state_for_another_commitments_milestone(plan, national, moderator, upload_dir):
    other = commitments.add_commitment(moderator, plan, template(title="Otro compromiso"), MILESTONES)
    made = report(moderator, national)
    db.session.add(ReportMilestoneState(report_id=made.id, milestone_id=other.milestones[0].id,
                                        commitment_id=national.id, state="complete"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_evidence_links_and_pdfs_are_stored(national, moderator, upload_dir):
    made = report(moderator, national, links=["https://datos.gov.co/contratacion", ""],
                  files=[(io.BytesIO(PDF), "Informe trimestral.pdf")])
    kinds = sorted((e.kind, e.url, e.download_name) for e in made.evidence)
    assert kinds == [("file", None, "Informe trimestral.pdf"), ("link", "https://datos.gov.co/contratacion", None)]
    stored = next(e for e in made.evidence if e.kind == "file")
    assert files_in(upload_dir) == [stored.stored_name]


@pytest.mark.parametrize("content, error, status", [
    (b"<html>no soy un pdf</html>", ValidationFailed, 400),
    (PDF + b"0" * 2048, uploads.UploadTooLarge, 413),
])
def test_a_refused_upload_stores_no_file_and_no_row(national, moderator, upload_dir, content, error, status):
    with pytest.raises(error) as refused:
        report(moderator, national, files=[(io.BytesIO(PDF), "bueno.pdf"), (io.BytesIO(content), "malo.pdf")],
               max_bytes=1024)
    assert refused.value.status == status
    assert count(ProgressReport) == 0 and count(Evidence) == 0 and files_in(upload_dir) == []


def test_a_row_that_fails_takes_its_files_with_it(national, moderator, upload_dir, monkeypatch):
    def broken(*args, **kwargs):
        raise IntegrityError("INSERT", {}, Exception("disk full"))

    monkeypatch.setattr(reports, "record", broken)
    with pytest.raises(IntegrityError):
        report(moderator, national, files=[(io.BytesIO(PDF), "evidencia.pdf")])
    assert count(ProgressReport) == 0 and files_in(upload_dir) == []


def test_publishing_sets_the_levels_and_keeps_the_history(national, moderator, upload_dir):
    mintic = institution_account("Ministerio de las TIC")
    older = report(mintic, national, reported_on="2025-06-30", completion="limited",
                   milestone_states={national.milestones[0].id: "complete", national.milestones[1].id: "pending"})
    newer = report(mintic, national, reported_on="2025-12-31", completion="substantial",
                   milestone_states={national.milestones[0].id: "complete", national.milestones[1].id: "in_progress"})
    reports.publish_report(moderator, newer, newer.version, now=NOW)
    reports.publish_report(moderator, older, older.version, now=NOW)
    # The latest report by date decides, whatever the order of publication.
    assert national.completion == "substantial"
    assert [m.state for m in national.milestones] == ["complete", "in_progress"]
    assert national.milestones[0].completed_on == date(2025, 6, 30)
    assert [r.reported_on for r in reports.history(national.id)] == [date(2025, 12, 31), date(2025, 6, 30)]
    assert [e.action for e in audit_entries()][-2:] == ["report.publish", "report.publish"]


def test_a_returned_report_never_becomes_public(national, moderator, upload_dir):
    made = report(moderator, national)
    with pytest.raises(ValidationFailed):
        reports.return_report(moderator, made, made.version, "")
    reports.return_report(moderator, made, made.version, "Falta la evidencia del primer hito.")
    assert made.status == "returned" and reports.history(national.id) == []
    with pytest.raises(reports.ReportDecided):
        reports.publish_report(moderator, made, made.version)
    assert national.completion == "not_started"


def test_a_second_moderator_with_a_stale_page_gets_409(national, moderator, factory, upload_dir):
    second = factory.user(role="moderator")
    made = report(moderator, national)
    seen = made.version
    reports.publish_report(moderator, made, seen)
    with pytest.raises(commitments.StaleEdit) as refused:
        reports.return_report(second, made, seen, "Llegó tarde a la decisión.")
    assert refused.value.status == 409 and made.status == "published"
    version = national.version
    commitments.update_commitment(moderator, national, template(title="Datos abiertos de contratación pública"),
                                  version)
    with pytest.raises(commitments.StaleEdit):
        commitments.update_commitment(second, national, template(title="Título del segundo"), version)
    assert national.title == "Datos abiertos de contratación pública"
    assert len(audit_entries("commitment.update")) == 1


def test_a_concurrent_edit_loses_at_the_database(app, national, moderator, factory):
    """Two sessions load version N; the one that commits second is refused (409), not applied."""
    commitment_id, version = national.id, national.version
    db.session.commit()
    results = {}
    barrier = threading.Barrier(2)

    def edit(name, title):
        with app.app_context():
            mine = commitments.get_commitment(commitment_id)
            actor = db.session.merge(moderator)
            barrier.wait()
            try:
                commitments.update_commitment(actor, mine, template(title=title), version)
                results[name] = "ok"
            except commitments.StaleEdit:
                results[name] = "stale"
            except Exception as error:  # SQLite's lock timeout would show here
                results[name] = repr(error)

    threads = [threading.Thread(target=edit, args=(n, f"Título {n}")) for n in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results.values()) == ["ok", "stale"], results
    db.session.expire_all()
    assert commitments.get_commitment(commitment_id).version == version + 1


def test_milestones_are_added_and_edited_inside_the_commitment(national, moderator):
    added = milestones.add_milestone(moderator, national, {"deliverable": "Evaluación final", "starts_on": "2026-01-01",
                                                           "ends_on": "2026-06-30"}, national.version)
    assert added.position == 3
    with pytest.raises(ValidationFailed, match="entre el inicio y el fin"):
        milestones.add_milestone(moderator, national, {"deliverable": "Tarde", "starts_on": "2026-01-01",
                                                       "ends_on": "2027-06-30"}, national.version)
    milestones.update_milestone(moderator, added, {"deliverable": "Evaluación final publicada",
                                                   "starts_on": "2026-01-01", "ends_on": "2026-05-31"}, national.version)
    assert added.deliverable == "Evaluación final publicada"
    assert [e.action for e in audit_entries()][-2:] == ["milestone.create", "milestone.update"]


def test_the_tracker_filters_and_marks_late_milestones(plan, national):
    everything = queries.tracker(plan, today=date(2025, 8, 1))
    assert [c.code for c, _t in everything] == ["C01", "C02"]
    timeline = dict((c.code, t) for c, t in everything)["C02"]
    assert timeline == {"total": 2, "late": 1, "complete": 0, "on_time": 1}
    assert [c.code for c, _t in queries.tracker(plan, scope="subnational")] == ["C01"]
    assert [c.code for c, _t in queries.tracker(plan, institution="Ministerio de las TIC")] == ["C02"]
    assert [c.code for c, _t in queries.tracker(plan, department="76")] == ["C01"]
    assert queries.tracker(plan, department="05") == []


def test_the_process_tally_counts_the_plan_by_completion(plan, plan_process, national, moderator, upload_dir):
    made = report(moderator, national, completion="complete", milestone_states=states(national, "complete"))
    reports.publish_report(moderator, made, made.version)
    assert compute_process_tally(plan_process)["plan"] == {
        "commitments": 2, "national": 1, "subnational": 1,
        "completion": {"not_started": 1, "limited": 0, "substantial": 0, "complete": 1}}


def test_a_process_without_a_plan_counts_zeros(plan_process):
    assert compute_process_tally(plan_process)["plan"] == {
        "commitments": 0, "national": 0, "subnational": 0,
        "completion": {"not_started": 0, "limited": 0, "substantial": 0, "complete": 0}}


def test_the_periodic_report_and_csv_rows(plan, national, moderator, upload_dir):
    inside = report(moderator, national, reported_on="2025-09-30", links=["https://datos.gov.co/x"])
    outside = report(moderator, national, reported_on="2025-03-31")
    hidden = report(moderator, national, reported_on="2025-09-15")
    for made in (inside, outside):
        reports.publish_report(moderator, made, made.version)
    start, end = queries.parse_period("2025-07-01", "2025-12-31", plan)
    period = queries.period_report(plan, start, end)
    by_code = {c.code: (reports, due) for c, reports, due in period["items"]}
    assert [r.id for r in by_code["C02"][0]] == [inside.id] and hidden.id not in [r.id for r in by_code["C02"][0]]
    assert [m.position for m in by_code["C02"][1]] == []
    rows = list(queries.report_rows(plan, start, end))
    assert [(r[0], r[1], r[6]) for r in rows] == [(inside.id, "C02", "https://datos.gov.co/x")]
    commitments = {row[0]: row for row in queries.commitment_rows(plan)}
    assert commitments["C02"][14:] == (2, "2025-09-30")
    assert [row[:3] for row in queries.milestone_rows(plan)] == [
        ("C02", 1, "Inventario de datos publicado"), ("C02", 2, "Portal con datos mensuales")]
    with pytest.raises(ValidationFailed):
        queries.parse_period("2025-12-31", "2025-01-01", plan)
    with pytest.raises(ValidationFailed):
        queries.parse_period("mañana", None, plan)
