"""Consultations: the one validated create and update, lookups, and who may take part."""
import re

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from aga_consulta.accounts.permissions import ensure_admin, ensure_moderator
from aga_consulta.audit import record
from aga_consulta.consultations.models import Consultation
from aga_consulta.errors import ConsultationClosed, DomainError, EmailNotConfirmed, NotAllowed, ValidationFailed
from aga_consulta.extensions import db
from aga_consulta.ledger.services import append_entry
from aga_consulta.text import clean_text, one_line
from aga_consulta.transparency import entries
from aga_consulta.timeutil import DATE_RANGE_MESSAGE, in_date_range, to_naive_utc, utcnow

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_MAX = 80
TITLE_MAX = 200
DESCRIPTION_MAX = 20000


class SlugTaken(DomainError):
    """Another consultation has this slug."""

    message = _l("Ya existe una consulta con ese identificador.")


def ensure_account_can_take_part(citizen):
    """Check that the account may take part at all (vote, comment, report), wherever it is.

    :raises NotAllowed: the account is deactivated.
    :raises EmailNotConfirmed: confirmation is required and the e-mail is not confirmed yet.
    """
    if not citizen.active:
        raise NotAllowed(_l("Tu cuenta está desactivada."))
    # While the setting is on, every account without a confirmed address is held back,
    # including those created before it was switched on: that is what the setting promises.
    if current_app.config.get("EMAIL_CONFIRMATION_REQUIRED") and citizen.email_confirmed_at is None:
        raise EmailNotConfirmed()


def ensure_can_participate(citizen, consultation, now):
    """Check that the citizen may vote or comment in the consultation at `now`.

    :raises NotAllowed: the account is deactivated.
    :raises EmailNotConfirmed: confirmation is required and the e-mail is not confirmed yet.
    :raises ConsultationClosed: outside the consultation's window.
    """
    ensure_account_can_take_part(citizen)
    if not consultation.is_open(now):
        raise ConsultationClosed()


def by_slug_statement(slug):
    """Return the SELECT of the consultation with this slug, or None when no slug can be this."""
    if not slug or len(slug) > 80:
        return None
    return select(Consultation).where(Consultation.slug == slug)


def get_by_slug(slug):
    """Return the consultation with this slug, or None."""
    statement = by_slug_statement(slug)
    return None if statement is None else db.session.scalar(statement)


def list_current(now=None):
    """Return open consultations first, then upcoming, then closed (newest first)."""
    now = now or utcnow()
    consultations = list(db.session.scalars(select(Consultation).order_by(Consultation.opens_at.desc())))
    order = {"open": 0, "upcoming": 1, "closed": 2}
    return sorted(consultations, key=lambda c: order[c.phase(now)])


def _validated_fields(title, description, opens_at, closes_at, vote_cap):
    title = one_line(title)
    if not 3 <= len(title) <= TITLE_MAX:
        raise ValidationFailed(_l("El título debe tener entre 3 y %(max)d caracteres.", max=TITLE_MAX))
    description = clean_text(description)
    if len(description) > DESCRIPTION_MAX:
        raise ValidationFailed(_l("La descripción es demasiado larga (máximo %(max)d caracteres).", max=DESCRIPTION_MAX))
    if opens_at is None or closes_at is None:
        raise ValidationFailed(_l("Indica la apertura y el cierre."))
    if not (in_date_range(opens_at) and in_date_range(closes_at)):
        raise ValidationFailed(DATE_RANGE_MESSAGE)
    opens_at, closes_at = to_naive_utc(opens_at), to_naive_utc(closes_at)
    if closes_at <= opens_at:
        raise ValidationFailed(_l("La fecha de cierre debe ser posterior a la de apertura."))
    if vote_cap is not None and vote_cap < 1:
        raise ValidationFailed(_l("El límite de votos debe ser un número positivo."))
    return {"title": title, "description": description, "opens_at": opens_at, "closes_at": closes_at,
            "vote_cap": vote_cap}


def _state(consultation):
    return {name: getattr(consultation, name)
            for name in ("slug", "title", "description", "opens_at", "closes_at", "vote_cap")}


def create_consultation(*, slug, title, opens_at, closes_at, description="", vote_cap=None,
                        is_reconstruction=False, actor=None, now=None):
    """Create a consultation and return it; times are aware datetimes or naive UTC.

    `actor` is the admin creating it (audited); None for the reference seed and tests.

    :raises NotAllowed: the actor is not an admin.
    :raises ValidationFailed: a bad slug, title, description, window (years outside
        timeutil.YEAR_MIN-YEAR_MAX included) or vote cap.
    :raises SlugTaken: the slug is in use.
    """
    if actor is not None:
        ensure_admin(actor)
    slug = (slug or "").strip()
    if not SLUG_RE.match(slug) or len(slug) > SLUG_MAX:
        raise ValidationFailed(_l("El identificador solo admite minúsculas, números y guiones (máximo 80)."))
    fields = _validated_fields(title, description, opens_at, closes_at, vote_cap)
    consultation = Consultation(slug=slug, is_reconstruction=is_reconstruction, **fields)
    db.session.add(consultation)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise SlugTaken() from None
    at = now or utcnow()
    append_entry(consultation.id, entries.consultation_opened(
        at, consultation=slug, title=consultation.title, opens_at=consultation.opens_at,
        closes_at=consultation.closes_at), at=at)
    if actor is not None:
        record(actor, "consultation.create", "consultation", consultation.id, target_label=slug,
               after=_state(consultation), now=now)
    db.session.commit()
    return consultation


def update_consultation(actor, consultation, *, title, opens_at, closes_at, description="", vote_cap=None, now=None):
    """Change a consultation's texts, window and vote cap; return the names of changed fields.

    The slug never changes: links and exports depend on it.

    :raises NotAllowed: the actor is not a moderator or admin.
    :raises ValidationFailed: a bad title, window (years outside timeutil.YEAR_MIN-YEAR_MAX
        included) or vote cap.
    """
    ensure_moderator(actor)
    fields = _validated_fields(title, description, opens_at, closes_at, vote_cap)
    before = _state(consultation)
    changed = [name for name, value in fields.items() if before[name] != value]
    if not changed:
        return []
    for name in changed:
        setattr(consultation, name, fields[name])
    if "opens_at" in changed or "closes_at" in changed:
        at = now or utcnow()
        append_entry(consultation.id, entries.consultation_redated(
            at, opens_at=consultation.opens_at, closes_at=consultation.closes_at), at=at)
    record(actor, "consultation.update", "consultation", consultation.id, target_label=consultation.slug,
           before={name: before[name] for name in changed}, after={name: fields[name] for name in changed}, now=now)
    db.session.commit()
    return changed
