"""Proposals: the one validated create and update, themes, and lookups.

Every way a proposal comes in (the moderator's form, the CSV import, the reference seed,
the test factory) goes through `proposal_problems` and `create_proposal`.
"""
import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from aga_consulta.accounts.permissions import ensure_moderator
from aga_consulta.audit import record
from aga_consulta.consultations.models import Consultation
from aga_consulta.errors import DomainError, ValidationFailed
from aga_consulta.extensions import db
from aga_consulta.ledger.services import append_entry
from aga_consulta.proposals.models import Proposal, Theme
from aga_consulta.territory.divipola import DEPARTMENTS
from aga_consulta.text import clean_text, slugify
from aga_consulta.timeutil import utcnow
from aga_consulta.transparency import entries

#: The fields of a proposal as forms and CSV files give them, in the template file's order.
FIELDS = ("code", "title", "scope", "department_code", "municipality", "theme", "proposer", "summary", "body")

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$")
TITLE_MAX = 250
SUMMARY_MAX = 2000
BODY_MAX = 20000
PROPOSER_MAX = 200
MUNICIPALITY_MAX = 120
THEME_MAX = 120

SCOPE_ALIASES = {"national": "national", "nacional": "national", "subnational": "subnational",
                 "subnacional": "subnational"}



def with_consultation():
    """Load options of a proposal page: every caller needs the consultation (window, cap)."""
    # A function: building the option at import time would configure the mappers before
    # every model is imported.
    return (joinedload(Proposal.consultation),)


class DuplicateProposalCode(DomainError):
    """Another proposal of the consultation has this code, in any mix of capitals."""

    message = _l("Ya existe una propuesta con ese código en esta consulta.")

    def __init__(self, taken=None):
        super().__init__(_l("Ya existe la propuesta %(code)s en esta consulta: los códigos no distinguen mayúsculas "
                            "de minúsculas.", code=taken) if taken else None)


def code_key(code):
    """The form in which codes are compared: "P0" and "p0" are the same code in a consultation."""
    # Codes are ASCII (CODE_RE), so Python's lower() and the databases' lower() agree.
    return code.lower()


def taken_code(consultation_id, code, *, except_id=None):
    """Return the code of another proposal of the consultation equal to `code` but for case, or None.

    The one check of code uniqueness: the forms' create and edit, the CSV import and the
    seed all reach it (`except_id` is the proposal being edited).
    """
    query = select(Proposal.code).where(Proposal.consultation_id == consultation_id,
                                        func.lower(Proposal.code) == code_key(code))
    if except_id is not None:
        query = query.where(Proposal.id != except_id)
    return db.session.scalar(query.limit(1))


def _claim_codes(consultation_id):
    # Two moderators saving "P0" and "p0" at once would both pass taken_code, and the
    # database's unique constraint is case-sensitive. This write makes them take turns (a
    # row lock on PostgreSQL, the write lock on SQLite): the second waits for the first to
    # commit, then reads its code and is refused.
    db.session.execute(update(Consultation).where(Consultation.id == consultation_id)
                       .values(title=Consultation.title).execution_options(synchronize_session=False))


def ensure_code_free(consultation_id, code, *, except_id=None):
    """Check that no other proposal of the consultation has `code`, ignoring case.

    Call it in the transaction that stores the code: it holds the consultation's code
    claim until that transaction ends.

    :raises DuplicateProposalCode: the code is taken (the message names the taken one).
    """
    _claim_codes(consultation_id)
    taken = taken_code(consultation_id, code, except_id=except_id)
    if taken is not None:
        db.session.rollback()
        raise DuplicateProposalCode(taken)


def code_order():
    """Proposal.code in byte order on every database: the contract's last tie-break."""
    # A PostgreSQL database created with a language collation (en_US, es_CO) ignores case and
    # punctuation when sorting: "N-10" and "N1" would rank differently than on SQLite.
    return Proposal.code.collate("C") if db.engine.dialect.name == "postgresql" else Proposal.code


def themes_in(consultation):
    """Return the themes used by the consultation's proposals, by name."""
    return list(
        db.session.scalars(
            select(Theme)
            .where(Theme.id.in_(select(Proposal.theme_id).where(Proposal.consultation_id == consultation.id)))
            .order_by(Theme.name)
        )
    )


def departments_in(consultation):
    """Return the (code, name) of departments that have proposals in the consultation."""
    codes = db.session.scalars(
        select(Proposal.department_code)
        .where(Proposal.consultation_id == consultation.id, Proposal.department_code.is_not(None))
        .distinct()
    )
    return sorted(((code, DEPARTMENTS[code]) for code in codes), key=lambda item: item[1])


def filter_choices(consultation):
    """Return (departments, themes) that the consultation's proposals use, in one query.

    Departments as (code, name) and themes as (slug, name), each sorted by name: the
    consultation page's filter choices.
    """
    rows = db.session.execute(
        select(Proposal.department_code, Theme.slug, Theme.name)
        .outerjoin(Theme, Theme.id == Proposal.theme_id)
        .where(Proposal.consultation_id == consultation.id)
        .distinct()
    ).all()
    departments = {code for code, _slug, _name in rows if code is not None}
    themes = {(slug, name) for _code, slug, name in rows if slug is not None}
    return (sorted(((code, DEPARTMENTS[code]) for code in departments), key=lambda item: item[1]),
            sorted(themes, key=lambda item: item[1]))


def get_or_create_theme(slug, name):
    """Return the theme with this slug, creating it with `name` if needed."""
    theme = db.session.scalar(select(Theme).where(Theme.slug == slug))
    if theme is None:
        theme = Theme(slug=slug, name=name)
        db.session.add(theme)
        db.session.flush()
    return theme


def find_theme(value):
    """Return the theme whose slug or name (case-insensitive) is `value`, or None."""
    value = " ".join((value or "").split())
    if not value:
        return None
    return db.session.scalar(
        select(Theme).where(or_(Theme.slug == value.lower(), func.lower(Theme.name) == value.lower())).limit(1)
    )


def resolve_theme(value):
    """Return the theme named (or slugged) `value`, created when new; None for an empty value."""
    value = " ".join((value or "").split())
    if not value:
        return None
    return find_theme(value) or get_or_create_theme(slugify(value), value)


def proposal_problems(values):
    """Clean the fields of a proposal; return (cleaned, problems), problems being messages.

    `values` maps field names (FIELDS) to raw strings; a theme is given by slug or name (an
    unknown one is created when the proposal is saved). Missing fields count as empty.
    """
    problems = []
    try:
        cleaned = {name: clean_text(values.get(name)) for name in FIELDS}
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
    # An empty municipality is stored as NULL: "" would break the territory CHECK.
    cleaned["municipality"] = cleaned["municipality"] or None
    for name, limit in (("municipality", MUNICIPALITY_MAX), ("proposer", PROPOSER_MAX), ("theme", THEME_MAX),
                        ("summary", SUMMARY_MAX), ("body", BODY_MAX)):
        if len(cleaned[name] or "") > limit:
            problems.append(_l("El campo «%(field)s» supera los %(max)d caracteres.", field=name, max=limit))
    if cleaned["theme"] and not slugify(cleaned["theme"]):
        problems.append(_l("El tema debe contener letras o números."))
    return cleaned, problems


def validated(values):
    """Return the cleaned fields of a proposal.

    :raises ValidationFailed: a field breaks a rule (every problem is in the message).
    """
    cleaned, problems = proposal_problems(values)
    if problems:
        raise ValidationFailed(" ".join(str(p) for p in problems))
    return cleaned


def state(proposal):
    """Return the proposal's editable fields as stored (the audit log's before/after)."""
    return {
        "code": proposal.code, "title": proposal.title, "scope": proposal.scope,
        "department_code": proposal.department_code, "municipality": proposal.municipality,
        "theme": proposal.theme.name if proposal.theme else None, "proposer": proposal.proposer,
        "summary": proposal.summary, "body": proposal.body,
    }


#: The fields an entry of the log names or hashes: changing another (theme, proposer) is no entry.
PUBLIC_FIELDS = ("code", "title", "scope", "department_code", "summary", "body")


def _log_fields(proposal):
    return {
        "proposal": proposal.id, "code": proposal.code, "title": proposal.title, "scope": str(proposal.scope),
        "department": proposal.department_code or None,
        "text_sha256": entries.proposal_text_sha256(proposal.title, proposal.summary or "", proposal.body or ""),
    }


def create_proposal(consultation, values, *, actor=None, now=None, commit=True):
    """Add a proposal (status received) to a consultation and return it.

    `actor` is the staff member adding it (checked and audited); None for the CSV import
    (audited as one import), the reference seed and tests. With `commit=False` the caller
    commits, so that an import stores all its rows or none.

    :raises NotAllowed: the actor is not a moderator or admin.
    :raises ValidationFailed: a field breaks a rule (every problem is in the message).
    :raises DuplicateProposalCode: the code is taken in this consultation, in any case.
    """
    if actor is not None:
        ensure_moderator(actor)
    cleaned = validated(values)
    ensure_code_free(consultation.id, cleaned["code"])
    cleaned["theme"] = resolve_theme(cleaned["theme"])
    proposal = Proposal(consultation_id=consultation.id, **cleaned)
    db.session.add(proposal)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise DuplicateProposalCode() from None
    if actor is not None:
        record(actor, "proposal.create", "proposal", proposal.id, target_label=proposal.code,
               after=state(proposal), now=now)
    at = now or utcnow()
    append_entry(consultation.id, entries.proposal_published(at, **_log_fields(proposal)), at=at)
    if commit:
        db.session.commit()
    return proposal


def update_proposal(actor, proposal, values, now=None):
    """Edit a proposal's texts and territory (never its status); return the changed fields.

    :raises NotAllowed: the actor is not a moderator or admin.
    :raises ValidationFailed: a field breaks a rule.
    :raises DuplicateProposalCode: the new code is taken in this consultation, in any case.
    """
    ensure_moderator(actor)
    cleaned = validated(values)
    before = state(proposal)
    theme = resolve_theme(cleaned["theme"])
    cleaned["theme"] = theme.name if theme else None
    changed = [name for name, value in cleaned.items() if before[name] != value]
    if not changed:
        db.session.rollback()
        return []
    if "code" in changed:
        ensure_code_free(proposal.consultation_id, cleaned["code"], except_id=proposal.id)
    for name in changed:
        setattr(proposal, name, theme if name == "theme" else cleaned[name])
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise DuplicateProposalCode() from None
    record(actor, "proposal.update", "proposal", proposal.id, target_label=proposal.code,
           before={n: before[n] for n in changed}, after={n: cleaned[n] for n in changed}, now=now)
    if any(name in PUBLIC_FIELDS for name in changed):
        at = now or utcnow()
        append_entry(proposal.consultation_id, entries.proposal_edited(at, **_log_fields(proposal)), at=at)
    db.session.commit()
    return changed
