"""Moderation operations: the selection workflow, comment moderation, consultation and
proposal management, CSV import, roles, and the queries behind the moderation pages.

Every operation checks the actor's role itself (the routes check it too), and writes its
audit entry in the same transaction as the change it records.
"""
import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from aga_consulta.accounts.models import ROLES, User
from aga_consulta.comments.models import Comment, CommentReport
from aga_consulta.comments.services import clean_text
from aga_consulta.consultations import services as consultations
from aga_consulta.errors import DomainError, NotAllowed, ValidationFailed
from aga_consulta.extensions import db
from aga_consulta.i18n import STATUS_LABELS
from aga_consulta.moderation.audit import record
from aga_consulta.moderation.models import AuditLogEntry, StatusDecision
from aga_consulta.proposals import services as proposals
from aga_consulta.proposals.models import SCOPES, STATUSES, Proposal, Theme
from aga_consulta.territory.divipola import DEPARTMENTS
from aga_consulta.timeutil import to_naive_utc, utcnow

REASON_MIN = 3
REASON_MAX = 2000

#: The selection workflow: forward one step, or back one step (always with a reason).
TRANSITIONS = frozenset({
    ("received", "shortlisted"),
    ("shortlisted", "selected"),
    ("shortlisted", "not_selected"),
    ("shortlisted", "received"),
    ("selected", "shortlisted"),
    ("not_selected", "shortlisted"),
})

#: Columns of a proposals CSV, in the order of the template file.
IMPORT_COLUMNS = ("code", "title", "scope", "department_code", "municipality", "theme", "proposer", "summary", "body")
IMPORT_MAX_BYTES = 512 * 1024
IMPORT_MAX_ROWS = 2000

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$")
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
TITLE_MAX = 250
SUMMARY_MAX = 2000
BODY_MAX = 20000
PROPOSER_MAX = 200
MUNICIPALITY_MAX = 120
THEME_MAX = 120
CONSULTATION_TITLE_MAX = 200
DESCRIPTION_MAX = 20000

#: Whitelisted sort keys of the dashboard's proposals table.
DASHBOARD_SORTS = ("votes", "comments", "status", "code")
#: Workflow order used when sorting by status.
STATUS_ORDER = {status: index for index, status in enumerate(STATUSES)}

SCOPE_ALIASES = {"national": "national", "nacional": "national", "subnational": "subnational",
                 "subnacional": "subnational"}


class TransitionNotAllowed(DomainError):
    """The workflow does not allow this status change."""


class StatusChangedMeanwhile(DomainError):
    """Someone else changed the proposal's status since the page was loaded."""

    message = _l("Otra persona cambió el estado de esta propuesta mientras tanto. Revisa el estado actual y vuelve a intentarlo.")


class NothingToModerate(DomainError):
    """The comment is already in the state the action would put it in."""


class RoleUnchanged(DomainError):
    """The account already has that role."""

    message = _l("Esa cuenta ya tiene ese rol.")


class LastAdmin(DomainError):
    """The action would leave the platform without an admin."""

    message = _l("No se puede quitar el rol de administración a la última persona administradora.")


class ImportRejected(ValidationFailed):
    """The CSV file has problems: nothing was imported; `report` says which rows and why."""

    def __init__(self, report, message=None):
        super().__init__(message or _l("No se importó ninguna propuesta: corrige las filas señaladas y vuelve a subir el archivo."))
        self.report = report


# --- access ---------------------------------------------------------------------------

def ensure_moderator(actor):
    """Check that `actor` is an active moderator or admin.

    :raises NotAllowed: otherwise.
    """
    if actor is None or not getattr(actor, "active", False) or not actor.is_moderator:
        raise NotAllowed()


def ensure_admin(actor):
    """Check that `actor` is an active admin.

    :raises NotAllowed: otherwise.
    """
    if actor is None or not getattr(actor, "active", False) or not actor.is_admin:
        raise NotAllowed(_l("Solo una persona administradora puede hacer esto."))


def clean_reason(reason):
    """Return the trimmed reason of a moderator's decision.

    :raises ValidationFailed: empty, too short or too long, or with a NUL character.
    """
    reason = clean_text(reason)
    if not REASON_MIN <= len(reason) <= REASON_MAX:
        raise ValidationFailed(
            _l("El motivo es obligatorio y debe tener entre %(min)d y %(max)d caracteres.", min=REASON_MIN, max=REASON_MAX)
        )
    return reason


# --- the selection workflow -----------------------------------------------------------

def allowed_next_statuses(status):
    """Return the statuses a proposal in `status` may move to, in workflow order."""
    return [to for to in STATUSES if (status, to) in TRANSITIONS]


def _ensure_transitions(proposals_, new_status):
    if new_status not in STATUSES:
        raise ValidationFailed(_l("Estado desconocido."))
    refused = [p for p in proposals_ if (p.status, new_status) not in TRANSITIONS]
    if refused:
        listed = ", ".join(f"{p.code} ({STATUS_LABELS[p.status]})" for p in refused)
        raise TransitionNotAllowed(
            _l(
                "No se cambió ninguna propuesta: el paso a «%(status)s» no está permitido para %(proposals)s.",
                status=STATUS_LABELS[new_status],
                proposals=listed,
            )
        )


def _apply_status(actor, proposal, new_status, reason, now):
    from_status = proposal.status
    # Compare-and-set: if another moderator moved the proposal since it was read, no row
    # matches and the whole transaction is abandoned instead of overwriting their decision.
    result = db.session.execute(
        update(Proposal)
        .where(Proposal.id == proposal.id, Proposal.status == from_status)
        .values(status=new_status, status_reason=reason)
    )
    if result.rowcount != 1:
        db.session.rollback()
        raise StatusChangedMeanwhile()
    decision = StatusDecision(
        proposal_id=proposal.id,
        consultation_id=proposal.consultation_id,
        from_status=from_status,
        to_status=new_status,
        reason=reason,
        actor_id=actor.id,
        actor_role=actor.role,
        created_at=now,
    )
    db.session.add(decision)
    record(
        actor, "proposal.status", "proposal", proposal.id, target_label=proposal.code,
        before={"status": from_status}, after={"status": new_status}, reason=reason, now=now,
    )
    return decision


def change_status(actor, proposal, new_status, reason, now=None):
    """Move a proposal along the workflow with a public reason; return the decision.

    :raises NotAllowed: the actor is not a moderator or admin.
    :raises ValidationFailed: unknown status, or a missing or overlong reason.
    :raises TransitionNotAllowed: the workflow does not allow this step.
    :raises StatusChangedMeanwhile: another moderator changed the status first.
    """
    return bulk_change_status(actor, [proposal], new_status, reason, now=now)[0]


def bulk_change_status(actor, proposals_, new_status, reason, now=None):
    """Move several proposals of one consultation to `new_status`: all of them or none.

    :raises NotAllowed: the actor is not a moderator or admin.
    :raises ValidationFailed: no proposals, several consultations, unknown status, bad reason.
    :raises TransitionNotAllowed: the step is not allowed for some proposals (all are named).
    :raises StatusChangedMeanwhile: another moderator changed one of them first.
    """
    ensure_moderator(actor)
    proposals_ = list(proposals_)
    if not proposals_:
        raise ValidationFailed(_l("Elige al menos una propuesta."))
    if len({p.consultation_id for p in proposals_}) != 1:
        raise ValidationFailed(_l("Las propuestas deben ser de la misma consulta."))
    reason = clean_reason(reason)
    _ensure_transitions(proposals_, new_status)
    now = now or utcnow()
    decisions = [_apply_status(actor, p, new_status, reason, now) for p in proposals_]
    db.session.commit()
    return decisions


def decisions_for_consultation(consultation):
    """Return the consultation's status decisions, newest first, with their proposals."""
    return list(
        db.session.execute(
            select(StatusDecision, Proposal)
            .join(Proposal, Proposal.id == StatusDecision.proposal_id)
            .where(StatusDecision.consultation_id == consultation.id)
            .order_by(StatusDecision.created_at.desc(), StatusDecision.id.desc())
        )
    )


def decisions_for_proposal(proposal):
    """Return the proposal's status decisions, newest first."""
    return list(
        db.session.scalars(
            select(StatusDecision)
            .where(StatusDecision.proposal_id == proposal.id)
            .order_by(StatusDecision.created_at.desc(), StatusDecision.id.desc())
        )
    )


# --- comment moderation ---------------------------------------------------------------

def _unreviewed_reports(comment_column_id, comment_column_moderated_at):
    # A report is unreviewed until a moderator decides on the comment after it arrived.
    return and_(
        CommentReport.comment_id == comment_column_id,
        or_(comment_column_moderated_at.is_(None), CommentReport.created_at > comment_column_moderated_at),
    )


def has_pending_reports(comment):
    """True when the comment has reports that no moderator has reviewed yet."""
    return unreviewed_report_count(comment) > 0


def unreviewed_report_count(comment):
    """Return how many reports of the comment arrived after the last moderator decision."""
    query = select(func.count(CommentReport.id)).where(CommentReport.comment_id == comment.id)
    if comment.moderated_at is not None:
        query = query.where(CommentReport.created_at > comment.moderated_at)
    return db.session.scalar(query)


def _comment_state(comment):
    return {
        "status": comment.status,
        "moderation_reason": comment.moderation_reason,
        "pending_review": comment.auto_hidden_at is not None,
    }


def _set_moderated(actor, comment, status, reason, action, now):
    before = _comment_state(comment)
    comment.status = status
    comment.moderation_reason = reason
    comment.moderated_at = now
    comment.auto_hidden_at = None
    record(
        actor, action, "comment", comment.id,
        target_label=f"#{comment.id} · {comment.proposal.code}",
        before=before, after=_comment_state(comment), reason=reason, now=now,
    )
    db.session.commit()
    return comment


def hide_comment(actor, comment, reason, now=None):
    """Hide a comment from public pages; its author sees that it was hidden and why.

    Also confirms a comment that the reports threshold hid pending review.

    :raises NotAllowed: the actor is not a moderator or admin.
    :raises ValidationFailed: a missing or overlong reason.
    :raises NothingToModerate: a moderator already hid it.
    """
    ensure_moderator(actor)
    reason = clean_reason(reason)
    if comment.status == "hidden" and comment.auto_hidden_at is None:
        raise NothingToModerate(_l("Este comentario ya está oculto."))
    return _set_moderated(actor, comment, "hidden", reason, "comment.hide", now or utcnow())


def restore_comment(actor, comment, reason, now=None):
    """Publish a hidden comment again, or keep a reported one published, with a reason.

    The reports received so far count as reviewed: they cannot hide it again.

    :raises NotAllowed: the actor is not a moderator or admin.
    :raises ValidationFailed: a missing or overlong reason.
    :raises NothingToModerate: it is published and has no report waiting for review.
    """
    ensure_moderator(actor)
    reason = clean_reason(reason)
    if comment.status == "published" and not has_pending_reports(comment):
        raise NothingToModerate(_l("Este comentario ya está publicado y no tiene reportes pendientes."))
    return _set_moderated(actor, comment, "published", reason, "comment.restore", now or utcnow())


@dataclass
class QueueItem:
    """A comment in the moderation queue with its reports."""

    comment: Comment
    reports: list
    pending: bool


def comment_queue(pending_only=True, page=1, per_page=50):
    """Return (items, total): reported or moderated comments, those awaiting review first.

    With `pending_only`, only comments with unreviewed reports or hidden pending review.
    """
    pending = or_(
        Comment.auto_hidden_at.is_not(None),
        exists().where(_unreviewed_reports(Comment.id, Comment.moderated_at)),
    )
    reported = or_(pending, Comment.moderated_at.is_not(None), exists().where(CommentReport.comment_id == Comment.id))
    report_count = (
        select(func.count(CommentReport.id)).where(CommentReport.comment_id == Comment.id).correlate(Comment).scalar_subquery()
    )
    query = select(Comment, case((pending, 0), else_=1).label("pending_rank")).where(pending if pending_only else reported)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.execute(
        query.order_by("pending_rank", Comment.auto_hidden_at.is_(None), report_count.desc(), Comment.created_at.desc(), Comment.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    ids = [comment.id for comment, _rank in rows]
    reports = {}
    if ids:
        for report in db.session.scalars(
            select(CommentReport).where(CommentReport.comment_id.in_(ids)).order_by(CommentReport.created_at)
        ):
            reports.setdefault(report.comment_id, []).append(report)
    return [QueueItem(comment, reports.get(comment.id, []), rank == 0) for comment, rank in rows], total


def pending_comment_count():
    """Return how many comments wait for a moderator's review."""
    return comment_queue(per_page=1)[1]


def auto_hide_if_reported(comment, reports_since_review, threshold, now):
    """Hide a published comment pending review once `threshold` unreviewed reports arrive.

    Called by the reporting service inside its transaction; the audit entry's actor is the
    system. Returns True when the comment was hidden.
    """
    if not threshold or reports_since_review < threshold or comment.status != "published":
        return False
    before = _comment_state(comment)
    comment.status = "hidden"
    comment.auto_hidden_at = now
    # Stored text is in the source language, whatever the reporting visitor's language.
    with force_locale("es_CO"):
        comment.moderation_reason = str(
            _l("Oculto automáticamente tras %(n)d reportes, a la espera de revisión.", n=reports_since_review)
        )
    record(
        None, "comment.auto_hide", "comment", comment.id,
        target_label=f"#{comment.id} · {comment.proposal.code}",
        before=before, after=_comment_state(comment), reason=comment.moderation_reason, now=now,
    )
    return True


# --- consultations --------------------------------------------------------------------

def _consultation_fields(title, description, opens_at, closes_at, vote_cap):
    title = " ".join((title or "").split())
    if not 3 <= len(title) <= CONSULTATION_TITLE_MAX:
        raise ValidationFailed(_l("El título debe tener entre 3 y %(max)d caracteres.", max=CONSULTATION_TITLE_MAX))
    description = clean_text(description)
    if len(description) > DESCRIPTION_MAX:
        raise ValidationFailed(_l("La descripción es demasiado larga (máximo %(max)d caracteres).", max=DESCRIPTION_MAX))
    if opens_at is None or closes_at is None:
        raise ValidationFailed(_l("Indica la apertura y el cierre."))
    opens_at, closes_at = to_naive_utc(opens_at), to_naive_utc(closes_at)
    if closes_at <= opens_at:
        raise ValidationFailed(_l("La fecha de cierre debe ser posterior a la de apertura."))
    if vote_cap is not None and vote_cap < 1:
        raise ValidationFailed(_l("El límite de votos debe ser un número positivo."))
    return {"title": title, "description": description, "opens_at": opens_at, "closes_at": closes_at,
            "vote_cap": vote_cap}


def _consultation_state(consultation):
    return {name: getattr(consultation, name)
            for name in ("slug", "title", "description", "opens_at", "closes_at", "vote_cap")}


def create_consultation(actor, *, slug, title, opens_at, closes_at, description="", vote_cap=None, now=None):
    """Create a consultation (admins only); times are aware datetimes or naive UTC.

    :raises NotAllowed: the actor is not an admin.
    :raises ValidationFailed: a bad slug, title, window or vote cap.
    :raises SlugTaken: the slug is in use.
    """
    ensure_admin(actor)
    slug = (slug or "").strip()
    if not SLUG_RE.match(slug) or len(slug) > 80:
        raise ValidationFailed(_l("El identificador solo admite minúsculas, números y guiones (máximo 80)."))
    fields = _consultation_fields(title, description, opens_at, closes_at, vote_cap)
    consultation = consultations.create_consultation(slug=slug, **fields)
    record(actor, "consultation.create", "consultation", consultation.id, target_label=slug,
           after=_consultation_state(consultation), now=now)
    db.session.commit()
    return consultation


def update_consultation(actor, consultation, *, title, opens_at, closes_at, description="", vote_cap=None, now=None):
    """Change a consultation's texts, window and vote cap; return the names of changed fields.

    The slug never changes: links and exports depend on it.

    :raises NotAllowed: the actor is not a moderator or admin.
    :raises ValidationFailed: a bad title, window or vote cap.
    """
    ensure_moderator(actor)
    fields = _consultation_fields(title, description, opens_at, closes_at, vote_cap)
    before = _consultation_state(consultation)
    changed = [name for name, value in fields.items() if before[name] != value]
    if not changed:
        return []
    for name in changed:
        setattr(consultation, name, fields[name])
    record(actor, "consultation.update", "consultation", consultation.id, target_label=consultation.slug,
           before={name: before[name] for name in changed}, after={name: fields[name] for name in changed}, now=now)
    db.session.commit()
    return changed


# --- proposals ------------------------------------------------------------------------

def slugify(text, max_length=60):
    """Return an ASCII slug of `text` (accents dropped), or '' when nothing is left."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:max_length].strip("-")


def find_theme(value):
    """Return the theme whose slug or name (case-insensitive) is `value`, or None."""
    value = " ".join((value or "").split())
    if not value:
        return None
    return db.session.scalar(
        select(Theme).where(or_(Theme.slug == value.lower(), func.lower(Theme.name) == value.lower())).limit(1)
    )


def _resolve_theme(value):
    value = " ".join((value or "").split())
    if not value:
        return None
    return find_theme(value) or proposals.get_or_create_theme(slugify(value), value)


def proposal_problems(values):
    """Clean the fields of a proposal; return (cleaned, problems), problems being messages.

    `values` maps field names (IMPORT_COLUMNS) to raw strings; a theme is given by slug or
    name (an unknown one is created when the proposal is saved).
    """
    problems = []
    try:
        cleaned = {name: clean_text(values.get(name)) for name in IMPORT_COLUMNS}
    except ValidationFailed as error:
        return {}, [error.message]
    for name in ("title", "proposer", "municipality", "theme"):
        cleaned[name] = " ".join(cleaned[name].split())
    if not CODE_RE.match(cleaned["code"]):
        problems.append(_l("Código obligatorio: letras, números, punto, guion o guion bajo, máximo 20."))
    if not 3 <= len(cleaned["title"]) <= TITLE_MAX:
        problems.append(_l("El título debe tener entre 3 y %(max)d caracteres.", max=TITLE_MAX))
    scope = SCOPE_ALIASES.get(cleaned["scope"].lower())
    if scope is None:
        problems.append(_l("El alcance debe ser «national» (nacional) o «subnational» (subnacional)."))
    cleaned["scope"] = scope
    department = cleaned["department_code"]
    if department.isdigit() and len(department) == 1:
        # Spreadsheets drop the leading zero of codes such as 05 (Antioquia).
        department = department.zfill(2)
    cleaned["department_code"] = department or None
    if scope == "subnational" and department not in DEPARTMENTS:
        problems.append(_l("Una propuesta subnacional necesita un código de departamento DIVIPOLA válido."))
    if scope == "national" and (department or cleaned["municipality"]):
        problems.append(_l("Una propuesta nacional no lleva departamento ni municipio."))
    if cleaned["municipality"] and not department:
        problems.append(_l("Un municipio necesita un departamento."))
    for name, limit in (("municipality", MUNICIPALITY_MAX), ("proposer", PROPOSER_MAX), ("theme", THEME_MAX),
                        ("summary", SUMMARY_MAX), ("body", BODY_MAX)):
        if len(cleaned[name]) > limit:
            problems.append(_l("El campo «%(field)s» supera los %(max)d caracteres.", field=name, max=limit))
    if cleaned["theme"] and not slugify(cleaned["theme"]):
        problems.append(_l("El tema debe contener letras o números."))
    return cleaned, problems


def _proposal_state(proposal):
    return {
        "code": proposal.code, "title": proposal.title, "scope": proposal.scope,
        "department_code": proposal.department_code, "municipality": proposal.municipality,
        "theme": proposal.theme.name if proposal.theme else None, "proposer": proposal.proposer,
        "summary": proposal.summary, "body": proposal.body,
    }


def _first_problem(problems):
    if problems:
        raise ValidationFailed(" ".join(str(p) for p in problems))


def create_proposal(actor, consultation, values, now=None):
    """Add a proposal to a consultation (status received) and return it.

    :raises NotAllowed: the actor is not a moderator or admin.
    :raises ValidationFailed: a field breaks a rule (every problem is in the message).
    :raises DuplicateProposalCode: the code is taken in this consultation.
    """
    ensure_moderator(actor)
    cleaned, problems = proposal_problems(values)
    _first_problem(problems)
    cleaned["theme"] = _resolve_theme(cleaned["theme"])
    proposal = proposals.create_proposal(consultation, **cleaned)
    record(actor, "proposal.create", "proposal", proposal.id, target_label=proposal.code,
           after=_proposal_state(proposal), now=now)
    db.session.commit()
    return proposal


def update_proposal(actor, proposal, values, now=None):
    """Edit a proposal's texts and territory (never its status); return the changed fields.

    :raises NotAllowed: the actor is not a moderator or admin.
    :raises ValidationFailed: a field breaks a rule.
    :raises DuplicateProposalCode: the new code is taken in this consultation.
    """
    ensure_moderator(actor)
    cleaned, problems = proposal_problems(values)
    _first_problem(problems)
    # An empty municipality is stored as NULL (as on creation): "" broke the territory CHECK.
    cleaned["municipality"] = cleaned["municipality"] or None
    before = _proposal_state(proposal)
    theme = _resolve_theme(cleaned["theme"])
    cleaned["theme"] = theme.name if theme else None
    changed = [name for name, value in cleaned.items() if before[name] != value]
    if not changed:
        db.session.rollback()
        return []
    for name in changed:
        if name == "theme":
            proposal.theme = theme
        else:
            setattr(proposal, name, cleaned[name])
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise proposals.DuplicateProposalCode() from None
    record(actor, "proposal.update", "proposal", proposal.id, target_label=proposal.code,
           before={n: before[n] for n in changed}, after={n: cleaned[n] for n in changed}, now=now)
    db.session.commit()
    return changed


# --- CSV import -----------------------------------------------------------------------

@dataclass
class ImportRow:
    """One data row of an imported file: its number (the header is row 1), code and problems."""

    number: int
    code: str
    problems: list = field(default_factory=list)

    @property
    def ok(self):
        """True when the row can be imported."""
        return not self.problems


@dataclass
class ImportReport:
    """What an import found in each row, and how many proposals it stored."""

    filename: str = ""
    rows: list = field(default_factory=list)
    imported: int = 0

    @property
    def bad_rows(self):
        """The rows with problems."""
        return [row for row in self.rows if not row.ok]


def _read_csv_text(data, report):
    limit = current_app.config.get("PROPOSAL_IMPORT_MAX_BYTES", IMPORT_MAX_BYTES)
    if len(data) > limit:
        raise ImportRejected(report, _l("El archivo supera el tamaño máximo (%(kb)d KB).", kb=limit // 1024))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRejected(report, _l("El archivo no está en UTF-8. Guárdalo como «CSV UTF-8» y vuelve a subirlo.")) from None
    if "\x00" in text:
        raise ImportRejected(report, _l("El archivo contiene caracteres no válidos."))
    if not text.strip():
        raise ImportRejected(report, _l("El archivo está vacío."))
    return text


def _parse_rows(text, report):
    first_line = text.split("\n", 1)[0]
    # Spreadsheets set to Spanish save CSV with semicolons.
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = [name.strip().lower() for name in next(reader)]
        rows = list(reader)
    except csv.Error as error:
        raise ImportRejected(report, _l("El archivo no es un CSV válido (línea %(line)d).", line=reader.line_num)) from error
    missing = [name for name in IMPORT_COLUMNS if name not in header]
    unknown = [name for name in header if name not in IMPORT_COLUMNS]
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if missing or unknown or duplicated:
        problems = []
        if missing:
            problems.append(str(_l("faltan columnas: %(names)s", names=", ".join(missing))))
        if unknown:
            problems.append(str(_l("columnas desconocidas: %(names)s", names=", ".join(unknown))))
        if duplicated:
            problems.append(str(_l("columnas repetidas: %(names)s", names=", ".join(duplicated))))
        raise ImportRejected(
            report,
            _l("La primera fila debe tener las columnas %(columns)s; %(problems)s.",
               columns=", ".join(IMPORT_COLUMNS), problems="; ".join(problems)),
        )
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise ImportRejected(report, _l("El archivo no tiene filas de propuestas."))
    max_rows = current_app.config.get("PROPOSAL_IMPORT_MAX_ROWS", IMPORT_MAX_ROWS)
    if len(rows) > max_rows:
        raise ImportRejected(report, _l("El archivo tiene más de %(max)d filas.", max=max_rows))
    return header, rows


def import_proposals_csv(actor, consultation, file, filename="", now=None):
    """Import proposals from CSV (UTF-8, with or without BOM): every row, or none.

    `file` is bytes or a binary file object. Returns the report of an import that stored
    every row.

    :raises NotAllowed: the actor is not a moderator or admin.
    :raises ImportRejected: the file or some rows are bad; nothing was stored, and the
        exception's `report` names each bad row and its problems.
    """
    ensure_moderator(actor)
    report = ImportReport(filename=(filename or "")[:200])
    limit = current_app.config.get("PROPOSAL_IMPORT_MAX_BYTES", IMPORT_MAX_BYTES)
    data = file if isinstance(file, bytes) else file.read(limit + 1)
    header, rows = _parse_rows(_read_csv_text(data, report), report)
    existing = {code.lower() for code in db.session.scalars(
        select(Proposal.code).where(Proposal.consultation_id == consultation.id)
    )}
    seen = {}
    cleaned_rows = []
    for number, cells in enumerate(rows, start=2):
        code = cells[header.index("code")].strip() if len(cells) > header.index("code") else ""
        row = ImportRow(number=number, code=code[:40])
        report.rows.append(row)
        if len(cells) != len(header):
            row.problems.append(_l("Tiene %(found)d celdas y el encabezado %(expected)d.", found=len(cells), expected=len(header)))
            continue
        cleaned, problems = proposal_problems(dict(zip(header, cells)))
        row.problems.extend(problems)
        key = cleaned.get("code", "").lower()
        if key and key in existing:
            row.problems.append(_l("El código %(code)s ya existe en esta consulta.", code=cleaned["code"]))
        if key and key in seen:
            row.problems.append(_l("El código %(code)s se repite (ya está en la fila %(row)d).", code=cleaned["code"], row=seen[key]))
        seen.setdefault(key, number)
        cleaned_rows.append(cleaned)
    if report.bad_rows:
        raise ImportRejected(report)
    now = now or utcnow()
    try:
        for cleaned in cleaned_rows:
            cleaned["theme"] = _resolve_theme(cleaned["theme"])
            proposals.create_proposal(consultation, **cleaned)
    except proposals.DuplicateProposalCode:
        # Another import or edit took a code between the check and the insert.
        raise ImportRejected(report, _l("Otra persona añadió propuestas con los mismos códigos mientras tanto: no se importó nada.")) from None
    report.imported = len(cleaned_rows)
    record(actor, "proposal.import", "consultation", consultation.id, target_label=consultation.slug,
           after={"file": report.filename, "imported": report.imported,
                  "codes": ", ".join(c["code"] for c in cleaned_rows)}, now=now)
    db.session.commit()
    return report


def import_template():
    """Return the header line of a proposals CSV, for the import page's example."""
    return ",".join(IMPORT_COLUMNS)


# --- roles ----------------------------------------------------------------------------

def grant_role(actor, user, role, reason=None, now=None):
    """Set a person's role (admins only); the last active admin keeps theirs.

    :raises NotAllowed: the actor is not an admin.
    :raises ValidationFailed: unknown role, or an overlong reason.
    :raises RoleUnchanged: the person already has that role.
    :raises LastAdmin: it would leave no active admin.
    """
    ensure_admin(actor)
    if role not in ROLES:
        raise ValidationFailed(_l("Rol desconocido."))
    reason = clean_text(reason) or None
    if reason and len(reason) > REASON_MAX:
        raise ValidationFailed(_l("El motivo es demasiado largo (máximo %(max)d caracteres).", max=REASON_MAX))
    if user.role == role:
        raise RoleUnchanged()
    if user.role == "admin":
        # Locks the admins' rows on PostgreSQL, so two admins demoting each other at once
        # cannot both succeed.
        admins = db.session.scalars(
            select(User.id).where(User.role == "admin", User.active.is_(True)).with_for_update()
        ).all()
        if len(admins) <= 1:
            raise LastAdmin()
    # Recorded first: an admin changing their own role acted as an admin.
    record(actor, "user.role", "user", user.id, target_label=user.email,
           before={"role": user.role}, after={"role": role}, reason=reason, now=now)
    user.role = role
    db.session.commit()
    return user


def revoke_moderator(actor, user, reason=None, now=None):
    """Take the moderator role away: the person becomes a citizen again.

    :raises NotAllowed: the actor is not an admin.
    :raises ValidationFailed: the person is not a moderator.
    """
    if user.role != "moderator":
        ensure_admin(actor)
        raise ValidationFailed(_l("Esa cuenta no tiene el rol de moderación."))
    return grant_role(actor, user, "citizen", reason=reason, now=now)


def set_role_by_operator(user, role, now=None):
    """Change a role from the command line; the audit entry names the system as the actor.

    The command line is the operator's recovery path, so the last-admin rule does not apply.

    :raises ValidationFailed: unknown role.
    """
    if role not in ROLES:
        raise ValidationFailed(_l("Rol desconocido."))
    if user.role != role:
        record(None, "user.role", "user", user.id, target_label=user.email, before={"role": user.role},
               after={"role": role}, reason="flask users set-role", now=now)
        user.role = role
        db.session.commit()
    return user


def record_account_created_by_operator(user, now=None):
    """Log a moderator or admin account created from the command line (citizens are not logged)."""
    if user.role == "citizen":
        return
    record(None, "user.role", "user", user.id, target_label=user.email, after={"role": user.role},
           reason="flask users create", now=now)
    db.session.commit()


def staff_members():
    """Return the moderators and admins, admins first, by name."""
    return list(db.session.scalars(
        select(User).where(User.role.in_(("moderator", "admin"))).order_by(User.role, User.name, User.id)
    ))


# --- dashboard and log queries --------------------------------------------------------

def default_consultation(now=None):
    """Return the consultation the dashboard shows first: an open one, else the newest, or None."""
    current = consultations.list_current(now)
    return current[0] if current else None


def dashboard_proposals(consultation, *, scope=None, department=None, theme=None, status=None,
                        sort="votes", descending=True):
    """Return (proposal, votes, comments) rows of the consultation, filtered and sorted.

    Filters are exact matches on validated values; `sort` is one of DASHBOARD_SORTS.
    """
    query, votes, comments = proposals.proposals_with_counts(
        consultation, scope=scope, department=department, theme=theme, status=status
    )
    keys = {
        "votes": votes,
        "comments": comments,
        "status": case(STATUS_ORDER, value=Proposal.status),
        "code": proposals.code_order(),
    }
    key = keys[sort if sort in keys else "votes"]
    order = [key.desc() if descending else key.asc()]
    if sort != "votes":
        order.append(votes.desc())
    order.append(proposals.code_order())
    return list(db.session.execute(query.order_by(*order)))


def proposals_by_ids(consultation, ids):
    """Return the consultation's proposals with these ids (others are ignored), by code."""
    if not ids:
        return []
    return list(db.session.scalars(
        select(Proposal).where(Proposal.consultation_id == consultation.id, Proposal.id.in_(ids)).order_by(Proposal.code)
    ))


def figures_by_scope_and_status(tally):
    """Return {scope: {status: n}} counted from the tally's ranking."""
    table = {scope: {status: 0 for status in STATUSES} for scope in SCOPES}
    for row in tally.get("ranking", []):
        if row.get("scope") in table and row.get("status") in table[row["scope"]]:
            table[row["scope"]][row["status"]] += 1
    return table


def audit_entries(*, action=None, actor_id=None, system=False, date_from=None, date_to=None, page=1, per_page=50):
    """Return (entries, total) of the audit log, newest first, filtered.

    `date_from` and `date_to` are naive UTC datetimes (inclusive start, exclusive end);
    `system` selects the entries the application made itself.
    """
    query = select(AuditLogEntry)
    if action:
        query = query.where(AuditLogEntry.action == action)
    if system:
        query = query.where(AuditLogEntry.actor_id.is_(None))
    elif actor_id:
        query = query.where(AuditLogEntry.actor_id == actor_id)
    if date_from:
        query = query.where(AuditLogEntry.created_at >= date_from)
    if date_to:
        query = query.where(AuditLogEntry.created_at < date_to)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    entries = list(db.session.scalars(
        query.order_by(AuditLogEntry.created_at.desc(), AuditLogEntry.id.desc()).limit(per_page).offset((page - 1) * per_page)
    ))
    return entries, total


def audit_actors():
    """Return the people who appear as actors in the audit log, by name."""
    return list(db.session.scalars(
        select(User).where(User.id.in_(select(AuditLogEntry.actor_id).where(AuditLogEntry.actor_id.is_not(None))))
        .order_by(User.name, User.id)
    ))


def local_day_bounds(day, timezone):
    """Return the naive-UTC [start, end) of a calendar day in `timezone` (a tzinfo)."""
    from datetime import datetime, time

    start = datetime.combine(day, time.min, tzinfo=timezone)
    return to_naive_utc(start), to_naive_utc(start + timedelta(days=1))
