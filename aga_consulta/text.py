"""Text cleaning shared by every domain: one home for trimming, NUL refusal and slugs."""
import re
import unicodedata

from flask_babel import lazy_gettext as _l

from aga_consulta.errors import ValidationFailed

#: Bounds of a moderator's or admin's written reason (status changes, hiding, roles).
REASON_MIN = 3
REASON_MAX = 2000


def clean_text(text):
    """Trim surrounding whitespace and normalise line endings; refuse NUL characters.

    :raises ValidationFailed: the text contains a NUL character.
    """
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if "\x00" in text:
        raise ValidationFailed(_l("El texto contiene caracteres no válidos."))
    return text


def one_line(text):
    """Return `text` cleaned and with every run of whitespace collapsed to one space."""
    return " ".join(clean_text(text).split())


def clean_reason(reason):
    """Return the trimmed reason of a staff decision.

    :raises ValidationFailed: empty, too short or too long, or with a NUL character.
    """
    reason = clean_text(reason)
    if not REASON_MIN <= len(reason) <= REASON_MAX:
        raise ValidationFailed(
            _l("El motivo es obligatorio y debe tener entre %(min)d y %(max)d caracteres.", min=REASON_MIN, max=REASON_MAX)
        )
    return reason


def slugify(text, max_length=60):
    """Return an ASCII slug of `text` (accents dropped), or '' when nothing is left."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:max_length].strip("-")
