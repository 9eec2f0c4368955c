"""Consultation operations."""
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from aga_consulta.consultations.models import Consultation
from aga_consulta.errors import ConsultationClosed, DomainError, EmailNotConfirmed, NotAllowed, ValidationFailed
from aga_consulta.extensions import db
from aga_consulta.timeutil import to_naive_utc, utcnow


class SlugTaken(DomainError):
    """Another consultation has this slug."""

    message = _l("Ya existe una consulta con ese identificador.")


def ensure_can_participate(citizen, consultation, now):
    """Check that the citizen may vote or comment in the consultation at `now`.

    :raises NotAllowed: the account is deactivated.
    :raises EmailNotConfirmed: confirmation is required and the e-mail is not confirmed yet.
    :raises ConsultationClosed: outside the consultation's window.
    """
    if not citizen.active:
        raise NotAllowed(_l("Tu cuenta está desactivada."))
    # While the setting is on, every account without a confirmed address is held back,
    # including those created before it was switched on: that is what the setting promises.
    if current_app.config.get("EMAIL_CONFIRMATION_REQUIRED") and citizen.email_confirmed_at is None:
        raise EmailNotConfirmed()
    if not consultation.is_open(now):
        raise ConsultationClosed()


def get_by_slug(slug):
    """Return the consultation with this slug, or None."""
    if not slug or len(slug) > 80:
        return None
    return db.session.scalar(select(Consultation).where(Consultation.slug == slug))


def list_current(now=None):
    """Return open consultations first, then upcoming, then closed (newest first)."""
    now = now or utcnow()
    consultations = list(db.session.scalars(select(Consultation).order_by(Consultation.opens_at.desc())))
    order = {"open": 0, "upcoming": 1, "closed": 2}
    return sorted(consultations, key=lambda c: order[c.phase(now)])


def create_consultation(*, slug, title, opens_at, closes_at, description="", vote_cap=None,
                        is_reconstruction=False):
    """Create a consultation and return it.

    :raises ValidationFailed: the window is empty or the cap is not positive.
    :raises SlugTaken: the slug is in use.
    """
    opens_at, closes_at = to_naive_utc(opens_at), to_naive_utc(closes_at)
    if closes_at <= opens_at:
        raise ValidationFailed(_l("La fecha de cierre debe ser posterior a la de apertura."))
    if vote_cap is not None and vote_cap < 1:
        raise ValidationFailed(_l("El límite de votos debe ser un número positivo."))
    consultation = Consultation(
        slug=slug.strip(),
        title=title.strip(),
        description=(description or "").strip(),
        opens_at=opens_at,
        closes_at=closes_at,
        vote_cap=vote_cap,
        is_reconstruction=is_reconstruction,
    )
    db.session.add(consultation)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise SlugTaken() from None
    return consultation
