"""The words of the audit log and the moderation pages: actions, roles, targets, fields, values.

One home: the log, its filter and the dashboard read every label from here, and a test
checks that every action of `AUDIT_ACTIONS` has one.
"""
from flask import url_for
from flask_babel import lazy_gettext as _l

from aga_consulta.calls.models import SubmissionStatus
from aga_consulta.comments.models import CommentStatus
from aga_consulta.i18n import SCOPE_LABELS, STATUS_LABELS

ROLE_LABELS = {
    "citizen": _l("Ciudadanía"),
    "moderator": _l("Moderación"),
    "institution": _l("Institución"),
    "admin": _l("Administración"),
    "system": _l("Sistema"),
}

ACTION_LABELS = {
    "proposal.status": _l("Cambio de estado de la propuesta"),
    "proposal.create": _l("Propuesta creada"),
    "proposal.update": _l("Propuesta editada"),
    "proposal.import": _l("Propuestas importadas (CSV)"),
    "comment.hide": _l("Comentario ocultado"),
    "comment.restore": _l("Comentario restaurado"),
    "comment.auto_hide": _l("Comentario ocultado automáticamente por reportes"),
    "consultation.create": _l("Consulta creada"),
    "consultation.update": _l("Consulta editada"),
    "user.role": _l("Cambio de rol"),
    "export.download": _l("Exportación descargada"),
    "process.create": _l("Proceso de co-creación creado"),
    "survey.create": _l("Encuesta creada"),
    "event.create": _l("Taller o sesión creado"),
    "event.attendance": _l("Asistencia registrada"),
    "event.import": _l("Planilla de asistencia importada"),
    "event.notes": _l("Relatoría publicada"),
    "call.return": _l("Propuesta de la convocatoria devuelta para cambios"),
    "call.accept": _l("Propuesta de la convocatoria aceptada en la consulta"),
    "call.reject": _l("Propuesta de la convocatoria rechazada"),
    "process.update": _l("Proceso de co-creación editado"),
    "survey.update": _l("Encuesta editada"),
    "event.update": _l("Taller o sesión editado"),
    "proposal.origins": _l("Origen de una propuesta registrado"),
    "plan.publish": _l("Plan de acción publicado"),
    "commitment.create": _l("Compromiso creado"),
    "commitment.update": _l("Compromiso editado"),
    "milestone.create": _l("Hito creado"),
    "milestone.update": _l("Hito editado"),
    "report.submit": _l("Reporte de avance enviado"),
    "report.publish": _l("Reporte de avance publicado"),
    "report.return": _l("Reporte de avance devuelto"),
    "committee.member_add": _l("Miembro del comité añadido"),
    "committee.member_update": _l("Miembro del comité editado"),
    "committee.meeting_add": _l("Reunión del comité registrada"),
    "committee.meeting_update": _l("Reunión del comité editada"),
    "committee.document_add": _l("Documento del comité publicado"),
    "committee.document_remove": _l("Documento del comité retirado"),
}

#: What an entry acted on, by its `target_type`.
TARGET_LABELS = {
    "proposal": _l("Propuesta"),
    "comment": _l("Comentario"),
    "consultation": _l("Consulta"),
    "user": _l("Cuenta"),
    "process": _l("Proceso"),
    "survey": _l("Encuesta"),
    "event": _l("Taller o sesión"),
    "call_submission": _l("Propuesta de la convocatoria"),
    "plan": _l("Plan de acción"),
    "commitment": _l("Compromiso"),
    "milestone": _l("Hito"),
    "progress_report": _l("Reporte de avance"),
    "committee_member": _l("Miembro del comité"),
    "committee_meeting": _l("Reunión del comité"),
    "committee_document": _l("Documento del comité"),
}

#: The fields an entry's before/after names.
FIELD_LABELS = {
    "status": _l("Estado"),
    "role": _l("Rol"),
    "moderation_reason": _l("Motivo de moderación"),
    "pending_review": _l("Pendiente de revisión"),
    "code": _l("Código"),
    "title": _l("Título"),
    "scope": _l("Alcance"),
    "department_code": _l("Departamento"),
    "department": _l("Departamento"),
    "municipality": _l("Municipio"),
    "theme": _l("Tema"),
    "proposer": _l("Proponente"),
    "summary": _l("Resumen"),
    "body": _l("Texto"),
    "slug": _l("Dirección"),
    "description": _l("Descripción"),
    "opens_at": _l("Abre"),
    "closes_at": _l("Cierra"),
    "vote_cap": _l("Máximo de votos por persona"),
    "export": _l("Exportación"),
    "exports": _l("Exportaciones"),
    "format": _l("Formato"),
    "file": _l("Archivo"),
    "imported": _l("Importadas"),
    "codes": _l("Códigos"),
    "steps": _l("Etapas"),
    "questions": _l("Preguntas"),
    "kind": _l("Tipo"),
    "starts_at": _l("Empieza"),
    "sector": _l("Sector"),
    "linked": _l("Con cuenta en el sitio"),
    "rows": _l("Filas"),
    "notes": _l("Relatoría"),
    "proposal": _l("Propuesta"),
}

COMMENT_STATUS_LABELS = {CommentStatus.PUBLISHED: _l("Publicado"), CommentStatus.HIDDEN: _l("Oculto")}

SUBMISSION_STATUS_LABELS = {
    SubmissionStatus.SUBMITTED: _l("Enviada"),
    SubmissionStatus.RETURNED: _l("Devuelta para cambios"),
    SubmissionStatus.ACCEPTED: _l("Aceptada"),
    SubmissionStatus.REJECTED: _l("Rechazada"),
}

#: Values that are vocabulary, by (target type, field): shown in words, not as stored.
_VALUE_LABELS = {
    ("proposal", "status"): STATUS_LABELS,
    ("proposal", "scope"): SCOPE_LABELS,
    ("comment", "status"): COMMENT_STATUS_LABELS,
    ("call_submission", "status"): SUBMISSION_STATUS_LABELS,
    ("user", "role"): ROLE_LABELS,
}

_YES_NO = {True: _l("Sí"), False: _l("No")}


def role_label(role):
    """The words of a role (or of the system as an actor)."""
    return ROLE_LABELS.get(role, role)


def action_label(action):
    """The words of an audit action: "proposal.status" -> "Cambio de estado de la propuesta"."""
    return ACTION_LABELS.get(action, action)


def target_label(target_type):
    """The words of the kind of thing an entry acted on."""
    return TARGET_LABELS.get(target_type, target_type)


def field_label(field):
    """The words of a field named in an entry's before/after."""
    return FIELD_LABELS.get(field, field)


def value_label(target_type, field, value):
    """A before/after value in words: vocabulary translated, yes/no for flags, anything else as stored."""
    if isinstance(value, bool):
        return _YES_NO[value]
    labels = _VALUE_LABELS.get((target_type, field))
    if labels is not None and value in labels:
        return labels[value]
    return value


def target_url(entry):
    """The page of what an entry acted on, or None when it has none a moderator may open (an account, a call submission)."""
    if entry.target_id is None:
        return None
    kind = entry.target_type
    if kind == "proposal":
        return url_for("moderation.proposal", proposal_id=entry.target_id)
    if kind == "consultation":
        return url_for("moderation.dashboard", consultation=entry.target_label)
    if kind == "comment":
        return url_for("moderation.comments")
    if kind == "process":
        return url_for("processes.show", slug=entry.target_label)
    if kind == "survey":
        return url_for("surveys.results", survey_id=entry.target_id)
    if kind == "event":
        return url_for("events.show", event_id=entry.target_id)
    if kind == "commitment":
        return url_for("plan.commitment", commitment_id=entry.target_id)
    if kind.startswith("committee_"):
        return url_for("committee.show")
    return None


def template_helpers():
    """The labels as template functions (the moderation blueprint's context processor)."""
    return {"role_label": role_label, "action_label": action_label, "target_type_label": target_label,
            "field_label": field_label, "value_label": value_label, "audit_target_url": target_url}
