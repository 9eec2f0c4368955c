"""Moderation services, without HTTP."""
import json
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from aga_consulta.comments.models import Comment
from aga_consulta.comments.services import add_comment, report_comment
from aga_consulta.consultations.models import Consultation
from aga_consulta.consultations.services import SlugTaken
from aga_consulta.errors import NotAllowed, ValidationFailed
from aga_consulta.extensions import db
from aga_consulta.accounts import roles
from aga_consulta.comments import moderation as comment_moderation
from aga_consulta.consultations import services as consultations
from aga_consulta.moderation import queries
from aga_consulta.proposals import importing, workflow
from aga_consulta.proposals import services as proposals
from aga_consulta.audit.models import AuditLogEntry
from aga_consulta.proposals.models import StatusDecision
from aga_consulta.proposals.models import Proposal, Theme
from aga_consulta.proposals.services import DuplicateProposalCode
from tests.helpers import count

REASON = "Cumple los criterios de priorización del comité"


@pytest.fixture
def moderator(factory):
    return factory.user(role="moderator", name="Mora Moderadora")


@pytest.fixture
def admin(factory):
    return factory.user(role="admin", name="Ada Admin")


def entries(action=None):
    query = db.select(AuditLogEntry).order_by(AuditLogEntry.id)
    if action:
        query = query.where(AuditLogEntry.action == action)
    return list(db.session.scalars(query))


class TestChangeStatus:
    def test_forward_path_records_decision_and_audit_entry(self, factory, moderator):
        proposal = factory.proposal(factory.consultation())
        decision = workflow.change_status(moderator, proposal, "shortlisted", f"  {REASON}  ")
        assert proposal.status == "shortlisted"
        assert proposal.status_reason == REASON
        assert (decision.from_status, decision.to_status, decision.reason) == ("received", "shortlisted", REASON)
        assert decision.actor_role == "moderator"
        workflow.change_status(moderator, proposal, "selected", "Seleccionada por el comité")
        db.session.expire_all()
        assert db.session.get(Proposal, proposal.id).status == "selected"
        assert count(StatusDecision) == 2
        log = entries("proposal.status")
        assert [json.loads(e.before)["status"] for e in log] == ["received", "shortlisted"]
        assert [json.loads(e.after)["status"] for e in log] == ["shortlisted", "selected"]
        assert log[0].actor_id == moderator.id and log[0].actor_role == "moderator"
        assert log[0].target_type == "proposal" and log[0].target_id == proposal.id
        assert log[0].target_label == proposal.code and log[0].reason == REASON

    @pytest.mark.parametrize("path", [
        ["shortlisted", "received"],
        ["shortlisted", "selected", "shortlisted"],
        ["shortlisted", "not_selected", "shortlisted", "selected"],
    ])
    def test_back_one_step_is_allowed(self, factory, moderator, path):
        proposal = factory.proposal(factory.consultation())
        for status in path:
            workflow.change_status(moderator, proposal, status, REASON)
        assert proposal.status == path[-1]
        assert count(StatusDecision) == len(path)

    @pytest.mark.parametrize("path, refused", [
        ([], "selected"),
        ([], "not_selected"),
        ([], "received"),
        (["shortlisted"], "shortlisted"),
        (["shortlisted", "selected"], "received"),
        (["shortlisted", "selected"], "not_selected"),
        (["shortlisted", "not_selected"], "selected"),
    ])
    def test_refused_transitions_change_nothing(self, factory, moderator, path, refused):
        proposal = factory.proposal(factory.consultation())
        for status in path:
            workflow.change_status(moderator, proposal, status, REASON)
        with pytest.raises(workflow.TransitionNotAllowed) as error:
            workflow.change_status(moderator, proposal, refused, REASON)
        assert proposal.code in str(error.value.message)
        db.session.expire_all()
        assert db.session.get(Proposal, proposal.id).status == (path[-1] if path else "received")
        assert count(StatusDecision) == len(path)
        assert len(entries()) == len(path)

    @pytest.mark.parametrize("reason", ["", "   ", "no", "x" * 2001, None])
    def test_reason_is_required_and_bounded(self, factory, moderator, reason):
        proposal = factory.proposal(factory.consultation())
        with pytest.raises(ValidationFailed, match="motivo es obligatorio"):
            workflow.change_status(moderator, proposal, "shortlisted", reason)
        db.session.expire_all()
        assert db.session.get(Proposal, proposal.id).status == "received"
        assert count(StatusDecision) == 0 and entries() == []

    def test_unknown_status_is_refused(self, factory, moderator):
        proposal = factory.proposal(factory.consultation())
        with pytest.raises(ValidationFailed):
            workflow.change_status(moderator, proposal, "approved", REASON)
        assert count(StatusDecision) == 0

    def test_citizen_and_deactivated_moderator_are_refused(self, factory, moderator):
        proposal = factory.proposal(factory.consultation())
        citizen = factory.user()
        with pytest.raises(NotAllowed):
            workflow.change_status(citizen, proposal, "shortlisted", REASON)
        moderator.active = False
        db.session.commit()
        with pytest.raises(NotAllowed):
            workflow.change_status(moderator, proposal, "shortlisted", REASON)
        assert count(StatusDecision) == 0 and entries() == []

    def test_a_stale_status_is_not_overwritten(self, factory, moderator):
        proposal = factory.proposal(factory.consultation())
        # Another moderator's request moved it after this one read it.
        db.session.execute(
            db.update(Proposal).where(Proposal.id == proposal.id).values(status="shortlisted"),
            execution_options={"synchronize_session": False},
        )
        assert proposal.status == "received"  # what the stale request still believes
        with pytest.raises(workflow.StatusChangedMeanwhile):
            workflow.change_status(moderator, proposal, "shortlisted", REASON)
        assert count(StatusDecision) == 0 and entries() == []


class TestBulkChangeStatus:
    def test_all_or_nothing_names_every_refused_proposal(self, factory, moderator):
        consultation = factory.consultation()
        good = [factory.proposal(consultation, code=f"OK-{n}") for n in range(3)]
        selected = factory.proposal(consultation, code="SEL-1")
        received = factory.proposal(consultation, code="REC-1")
        workflow.bulk_change_status(moderator, good + [selected], "shortlisted", REASON)
        workflow.change_status(moderator, selected, "selected", REASON)
        decisions_before = count(StatusDecision)
        with pytest.raises(workflow.TransitionNotAllowed) as error:
            workflow.bulk_change_status(moderator, good + [selected, received], "selected", REASON)
        message = str(error.value.message)
        assert "SEL-1" in message and "REC-1" in message and "OK-0" not in message
        db.session.expire_all()
        assert {db.session.get(Proposal, p.id).status for p in good} == {"shortlisted"}
        assert count(StatusDecision) == decisions_before

    def test_bulk_success_writes_one_decision_and_entry_per_proposal(self, factory, moderator):
        consultation = factory.consultation()
        batch = [factory.proposal(consultation) for _ in range(4)]
        decisions = workflow.bulk_change_status(moderator, batch, "shortlisted", REASON)
        assert len(decisions) == 4
        assert {p.status for p in batch} == {"shortlisted"}
        assert len(entries("proposal.status")) == 4

    def test_bulk_refuses_empty_and_mixed_consultations(self, factory, moderator):
        a = factory.proposal(factory.consultation())
        b = factory.proposal(factory.consultation())
        with pytest.raises(ValidationFailed):
            workflow.bulk_change_status(moderator, [], "shortlisted", REASON)
        with pytest.raises(ValidationFailed):
            workflow.bulk_change_status(moderator, [a, b], "shortlisted", REASON)
        assert count(StatusDecision) == 0


class TestCommentModeration:
    @pytest.fixture
    def comment(self, factory):
        author = factory.user(name="Autora")
        return add_comment(author, factory.proposal(factory.consultation()), "Un comentario grosero")

    def test_hide_then_restore_with_reasons_and_audit(self, comment, moderator):
        comment_moderation.hide_comment(moderator, comment, "Lenguaje ofensivo")
        assert comment.status == "hidden" and comment.moderation_reason == "Lenguaje ofensivo"
        assert comment.moderated_at is not None
        with pytest.raises(comment_moderation.NothingToModerate):
            comment_moderation.hide_comment(moderator, comment, "Otra vez")
        comment_moderation.restore_comment(moderator, comment, "Revisado: no infringe las normas")
        assert comment.status == "published"
        with pytest.raises(comment_moderation.NothingToModerate):
            comment_moderation.restore_comment(moderator, comment, "Otra vez")
        hide, restore = entries()
        assert hide.action == "comment.hide" and restore.action == "comment.restore"
        assert json.loads(hide.before)["status"] == "published" and json.loads(hide.after)["status"] == "hidden"
        assert json.loads(restore.after) == {"status": "published", "moderation_reason": "Revisado: no infringe las normas",
                                             "pending_review": False}
        assert hide.reason == "Lenguaje ofensivo"

    def test_hide_needs_role_and_reason(self, comment, factory, moderator):
        with pytest.raises(NotAllowed):
            comment_moderation.hide_comment(factory.user(), comment, "Lenguaje ofensivo")
        with pytest.raises(ValidationFailed):
            comment_moderation.hide_comment(moderator, comment, "  ")
        db.session.expire_all()
        assert db.session.get(Comment, comment.id).status == "published"
        assert entries() == []

    def test_auto_hide_is_pending_review_logged_by_the_system(self, app, comment, factory, moderator):
        reporters = [factory.user() for _ in range(4)]
        for reporter in reporters[:2]:
            report_comment(reporter, comment, "Ofensivo")
        assert comment.status == "published"
        report_comment(reporters[2], comment, "Ofensivo")
        assert comment.status == "hidden" and comment.auto_hidden_at is not None
        assert "3 reportes" in comment.moderation_reason
        (entry,) = entries()
        assert (entry.action, entry.actor_id, entry.actor_role) == ("comment.auto_hide", None, "system")
        items, total = comment_moderation.comment_queue()
        assert total == 1 and items[0].pending and len(items[0].reports) == 3
        # The moderator confirms: no longer pending, now hidden by a person.
        comment_moderation.hide_comment(moderator, comment, "Confirmado: insulta a otra persona")
        assert comment.auto_hidden_at is None
        assert comment_moderation.comment_queue()[1] == 0
        assert comment_moderation.comment_queue(pending_only=False)[1] == 1

    def test_restore_does_not_rehide_on_the_same_reports(self, app, comment, factory, moderator):
        reporters = [factory.user() for _ in range(6)]
        for reporter in reporters[:3]:
            report_comment(reporter, comment, "Ofensivo")
        assert comment.status == "hidden"
        comment_moderation.restore_comment(moderator, comment, "Es una crítica legítima")
        assert comment.status == "published" and comment.auto_hidden_at is None
        assert comment_moderation.comment_queue()[1] == 0
        report_comment(reporters[3], comment, "Sigue siendo ofensivo")
        assert comment.status == "published"  # one new report is below the threshold
        assert comment_moderation.comment_queue()[1] == 1  # but it is back in the queue
        report_comment(reporters[4], comment, "Ofensivo")
        report_comment(reporters[5], comment, "Ofensivo")
        assert comment.status == "hidden"  # three new reports since the review

    def test_keep_published_clears_pending_reports(self, comment, factory, moderator):
        report_comment(factory.user(), comment, "No me gusta")
        assert comment_moderation.comment_queue()[1] == 1
        comment_moderation.restore_comment(moderator, comment, "No infringe las normas")
        assert comment.status == "published"
        assert comment_moderation.comment_queue()[1] == 0


class TestConsultations:
    def test_admin_creates_in_bogota_time_stored_as_utc(self, admin):
        bogota = ZoneInfo("America/Bogota")
        consultation = consultations.create_consultation(actor=admin, slug="plan-2026", title="V Plan de Acción", description="Texto",
            opens_at=datetime(2026, 3, 1, 8, 0, tzinfo=bogota), closes_at=datetime(2026, 3, 31, 23, 59, tzinfo=bogota),
            vote_cap=5,
        )
        assert consultation.opens_at == datetime(2026, 3, 1, 13, 0)
        assert consultation.closes_at == datetime(2026, 4, 1, 4, 59)
        (entry,) = entries("consultation.create")
        assert json.loads(entry.after)["opens_at"] == "2026-03-01T13:00:00Z"

    def test_moderator_cannot_create_but_can_edit(self, factory, moderator):
        utc = timezone.utc
        with pytest.raises(NotAllowed):
            consultations.create_consultation(actor=moderator, slug="x-1", title="Título", opens_at=datetime(2026, 1, 1, tzinfo=utc),
                                         closes_at=datetime(2026, 2, 1, tzinfo=utc))
        consultation = factory.consultation(vote_cap=3)
        changed = consultations.update_consultation(
            moderator, consultation, title="Nuevo título", description="Descripción",
            opens_at=consultation.opens_at, closes_at=consultation.closes_at, vote_cap=5,
        )
        assert changed == ["title", "vote_cap"]
        (entry,) = entries("consultation.update")
        assert json.loads(entry.before) == {"title": "Consulta de prueba", "vote_cap": 3}
        assert json.loads(entry.after) == {"title": "Nuevo título", "vote_cap": 5}
        assert consultations.update_consultation(
            moderator, consultation, title="Nuevo título", description="Descripción",
            opens_at=consultation.opens_at, closes_at=consultation.closes_at, vote_cap=5,
        ) == []
        assert len(entries("consultation.update")) == 1

    @pytest.mark.parametrize("bad", [
        dict(slug="Con Espacios"), dict(slug="-x"), dict(slug="<script>"), dict(title="  "),
        dict(closes_at=datetime(2025, 1, 1, tzinfo=timezone.utc)), dict(vote_cap=0),
    ])
    def test_bad_consultation_is_refused(self, admin, bad):
        values = dict(slug="ok-slug", title="Título válido", opens_at=datetime(2026, 1, 1, tzinfo=timezone.utc),
                      closes_at=datetime(2026, 2, 1, tzinfo=timezone.utc), vote_cap=None)
        values.update(bad)
        with pytest.raises(ValidationFailed):
            consultations.create_consultation(actor=admin, **values)
        assert count(Consultation) == 0 and entries() == []

    def test_taken_slug(self, factory, admin):
        factory.consultation(slug="tomada")
        with pytest.raises(SlugTaken):
            consultations.create_consultation(actor=admin, slug="tomada", title="Otra", opens_at=datetime(2026, 1, 1),
                                         closes_at=datetime(2026, 2, 1))
        assert entries() == []


def _values(**overrides):
    values = dict(code="SN-30", title="Datos abiertos municipales", scope="subnational", department_code="76",
                  municipality="Cali", theme="Transparencia", proposer="Alcaldía", summary="Resumen", body="Cuerpo")
    values.update(overrides)
    return values


class TestProposals:
    def test_create_and_update_with_audit(self, factory, moderator):
        consultation = factory.consultation()
        proposal = proposals.create_proposal(consultation, _values(), actor=moderator)
        assert proposal.theme.name == "Transparencia" and proposal.status == "received"
        changed = proposals.update_proposal(moderator, proposal, _values(title="Datos abiertos en Cali", theme="transparencia"))
        assert changed == ["title"]
        create, update_ = entries()
        assert create.action == "proposal.create" and json.loads(create.after)["code"] == "SN-30"
        assert json.loads(update_.before) == {"title": "Datos abiertos municipales"}
        assert count(Theme) == 1

    def test_update_refuses_a_taken_code(self, factory, moderator):
        consultation = factory.consultation()
        factory.proposal(consultation, code="TAKEN")
        proposal = proposals.create_proposal(consultation, _values(), actor=moderator)
        with pytest.raises(DuplicateProposalCode):
            proposals.update_proposal(moderator, proposal, _values(code="TAKEN"))
        db.session.expire_all()
        assert db.session.get(Proposal, proposal.id).code == "SN-30"
        assert len(entries("proposal.update")) == 0

    @pytest.mark.parametrize("bad", [
        dict(code=""), dict(code="a b"), dict(code="x" * 21), dict(title="no"), dict(scope="regional"),
        dict(department_code="00"), dict(scope="national"), dict(summary="x" * 2001),
    ])
    def test_bad_fields_are_refused(self, factory, moderator, bad):
        consultation = factory.consultation()
        with pytest.raises(ValidationFailed):
            proposals.create_proposal(consultation, _values(**bad), actor=moderator)
        assert count(Proposal) == 0 and entries() == []


HEADER = "code,title,scope,department_code,municipality,theme,proposer,summary,body\n"
GOOD_CSV = HEADER + (
    "N-01,Transparencia en contratación,national,,,Transparencia,Colombia Compra Eficiente,Resumen uno,Cuerpo uno\n"
    'SN-01,"Datos abiertos, en Cali",subnational,76,Cali,Datos abiertos,Alcaldía de Cali,"Resumen ""dos""","Línea 1\nLínea 2"\n'
    "SN-02,Participación en Antioquia,subnacional,5,,Participación,Gobernación,Resumen,Cuerpo\n"
)


class TestImport:
    def test_good_file_imports_every_row_with_one_audit_entry(self, factory, moderator):
        consultation = factory.consultation()
        report = importing.import_proposals_csv(moderator, consultation, ("\ufeff" + GOOD_CSV).encode(), filename="p.csv")
        assert report.imported == 3 and not report.bad_rows
        rows = {p.code: p for p in db.session.scalars(db.select(Proposal))}
        assert set(rows) == {"N-01", "SN-01", "SN-02"}
        assert rows["SN-01"].title == "Datos abiertos, en Cali" and rows["SN-01"].body == "Línea 1\nLínea 2"
        assert rows["SN-01"].summary == 'Resumen "dos"'
        assert rows["SN-02"].department_code == "05" and rows["SN-02"].scope == "subnational"
        (entry,) = entries("proposal.import")
        assert json.loads(entry.after) == {"file": "p.csv", "imported": 3, "codes": "N-01, SN-01, SN-02"}

    def test_semicolon_file_without_bom(self, factory, moderator):
        consultation = factory.consultation()
        text = GOOD_CSV.replace(",", ";").replace('"Datos abiertos; en Cali"', '"Datos abiertos, en Cali"')
        report = importing.import_proposals_csv(moderator, consultation, text.encode())
        assert report.imported == 3

    def test_one_bad_row_imports_nothing_and_names_the_bad_rows(self, factory, moderator):
        consultation = factory.consultation()
        factory.proposal(consultation, code="EXISTE")
        bad = GOOD_CSV + (
            "EXISTE,Ya existe,national,,,,,,\n"
            "SN-03,Sin departamento,subnational,,,,,,\n"
            "N-01,Código repetido,national,,,,,,\n"
            "N-09,Corta,national\n"
        )
        with pytest.raises(importing.ImportRejected) as error:
            importing.import_proposals_csv(moderator, consultation, bad.encode())
        report = error.value.report
        assert [row.number for row in report.bad_rows] == [5, 6, 7, 8]
        problems = {row.number: " ".join(str(p) for p in row.problems) for row in report.rows}
        assert "ya existe" in problems[5]
        assert "departamento" in problems[6]
        assert "se repite" in problems[7] and "fila 2" in problems[7]
        assert "celdas" in problems[8]
        assert problems[2] == ""
        assert count(Proposal) == 1 and count(Theme) == 0 and entries() == []

    @pytest.mark.parametrize("data, message", [
        (b"", "vac"),
        (HEADER.encode(), "no tiene filas"),
        ("code,title\nA,B\n".encode(), "faltan columnas"),
        ((HEADER.strip() + ",extra\n").encode(), "columnas desconocidas"),
        ("code,title,scope,department_code,municipality,theme,proposer,summary,body\nA,\xe9,national,,,,,,\n".encode("latin-1"), "UTF-8"),
        (HEADER.encode() + b'A,"sin cerrar,national,,,,,,\n', "CSV"),
        (b"x" * (600 * 1024), "tama"),
    ])
    def test_bad_files_import_nothing(self, factory, moderator, data, message):
        consultation = factory.consultation()
        with pytest.raises(importing.ImportRejected, match=message):
            importing.import_proposals_csv(moderator, consultation, data)
        assert count(Proposal) == 0 and entries() == []

    def test_citizen_cannot_import(self, factory):
        with pytest.raises(NotAllowed):
            importing.import_proposals_csv(factory.user(), factory.consultation(), GOOD_CSV.encode())
        assert count(Proposal) == 0


class TestRoles:
    def test_admin_grants_and_revokes_with_audit(self, factory, admin):
        person = factory.user(email="futura@example.co")
        roles.grant_role(admin, person, "moderator", reason="Se une al comité")
        assert person.role == "moderator"
        roles.revoke_moderator(admin, person)
        assert person.role == "citizen"
        grant, revoke = entries("user.role")
        assert (json.loads(grant.before), json.loads(grant.after)) == ({"role": "citizen"}, {"role": "moderator"})
        assert grant.target_label == "futura@example.co" and grant.reason == "Se une al comité"
        assert json.loads(revoke.after) == {"role": "citizen"}
        with pytest.raises(ValidationFailed):
            roles.revoke_moderator(admin, person)

    def test_moderator_cannot_grant(self, factory, moderator):
        person = factory.user()
        with pytest.raises(NotAllowed):
            roles.grant_role(moderator, person, "moderator")
        with pytest.raises(NotAllowed):
            roles.grant_role(moderator, moderator, "admin")
        assert person.role == "citizen" and entries() == []

    def test_last_admin_cannot_step_down_but_one_of_two_can(self, factory, admin):
        with pytest.raises(roles.LastAdmin):
            roles.grant_role(admin, admin, "moderator")
        assert admin.role == "admin"
        other = factory.user(role="admin")
        roles.grant_role(admin, admin, "citizen")
        assert admin.role == "citizen"
        with pytest.raises(NotAllowed):
            roles.grant_role(admin, other, "citizen")

    def test_unknown_or_unchanged_role(self, factory, admin):
        person = factory.user()
        with pytest.raises(ValidationFailed):
            roles.grant_role(admin, person, "superuser")
        with pytest.raises(roles.RoleUnchanged):
            roles.grant_role(admin, person, "citizen")
        assert entries() == []


def test_dashboard_table_filters_and_whitelisted_sorts(factory, moderator):
    consultation = factory.consultation()
    a = factory.proposal(consultation, code="A", scope="subnational", department="76", theme="agua")
    b = factory.proposal(consultation, code="B", scope="national")
    c = factory.proposal(consultation, code="C", scope="subnational", department="05")
    workflow.change_status(moderator, c, "shortlisted", REASON)
    voter = factory.user()
    from aga_consulta.voting.services import cast_vote

    cast_vote(voter, b)
    add_comment(voter, a, "Comentario uno")
    add_comment(voter, a, "Comentario dos")
    codes = lambda rows: [row[0].code for row in rows]  # noqa: E731
    assert codes(queries.dashboard_proposals(consultation, sort="votes")) == ["B", "A", "C"]
    assert codes(queries.dashboard_proposals(consultation, sort="comments")) == ["A", "B", "C"]
    assert codes(queries.dashboard_proposals(consultation, sort="status")) == ["C", "B", "A"]
    assert codes(queries.dashboard_proposals(consultation, sort="status", descending=False)) == ["B", "A", "C"]
    assert codes(queries.dashboard_proposals(consultation, sort="code; DROP TABLE users")) == ["B", "A", "C"]
    assert codes(queries.dashboard_proposals(consultation, scope="subnational")) == ["A", "C"]
    assert codes(queries.dashboard_proposals(consultation, department="05")) == ["C"]
    assert codes(queries.dashboard_proposals(consultation, theme="agua")) == ["A"]
    assert codes(queries.dashboard_proposals(consultation, status="shortlisted")) == ["C"]


def test_command_line_role_changes_are_audited_as_the_system(runner):
    from aga_consulta.accounts.models import User

    result = runner.invoke(args=["users", "create", "--email", "jefa@example.co", "--name", "Jefa", "--role", "admin",
                                 "--password-stdin"], input="una frase larga para la jefa\n")
    assert result.exit_code == 0, result.output
    runner.invoke(args=["users", "create", "--email", "cita@example.co", "--name", "Cita", "--password-stdin"],
                  input="una frase larga para la ciudadana\n")
    assert runner.invoke(args=["users", "set-role", "cita@example.co", "moderator"]).exit_code == 0
    assert runner.invoke(args=["users", "set-role", "cita@example.co", "moderator"]).exit_code == 0  # no change
    created, changed = entries("user.role")
    assert (created.actor_id, created.actor_role, created.target_label) == (None, "system", "jefa@example.co")
    assert json.loads(created.after) == {"role": "admin"} and created.before is None
    assert json.loads(changed.before) == {"role": "citizen"} and json.loads(changed.after) == {"role": "moderator"}
    assert db.session.scalar(db.select(User).where(User.email == "cita@example.co")).role == "moderator"
    # The operator vouched for both addresses: no confirmation mail to wait for.
    assert all(user.email_confirmed_at is not None for user in db.session.scalars(db.select(User)))


def test_auto_hide_reason_is_stored_in_spanish_whatever_the_reporters_language(app, client, factory):
    from tests.helpers import login

    author = factory.user()
    comment = add_comment(author, factory.proposal(factory.consultation()), "Comentario reportado")
    for n in range(3):
        reporter = factory.user(email=f"en{n}@example.co")
        other = app.test_client()
        login(other, reporter.email)
        other.post(f"/comments/{comment.id}/report", data={"reason": "Offensive"}, headers={"Accept-Language": "en"})
    db.session.expire_all()
    assert "Oculto automáticamente tras 3 reportes" in db.session.get(Comment, comment.id).moderation_reason
