"""Text cleaning shared by every domain: one home for trimming, NUL refusal, display names and slugs."""
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


#: Invisible characters outside the format category (Cf) that a name could hide behind:
#: the combining grapheme joiner, Hangul fillers, the braille blank and variation selectors.
_INVISIBLE = frozenset(
    [0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x3164, 0xFFA0, 0x2800]
    + list(range(0x180B, 0x1810)) + list(range(0xFE00, 0xFE10)) + list(range(0xE0100, 0xE01F0))
)
#: Combining marks kept on one letter: NFC leaves at most two on real words; more stack into
#: a tower over the neighbouring lines ("Zalgo" text).
_MAX_MARKS = 2


def _shown(character):
    # Cf holds the bidi controls (U+202A-U+202E, U+2066-U+2069, U+200E/U+200F, U+061C), the
    # zero-width characters, the soft hyphen and the tag characters; Cc the control codes.
    return unicodedata.category(character) not in ("Cf", "Cc") and ord(character) not in _INVISIBLE


def clean_display_name(text):
    """Return a person's name as it may be shown: NFC, invisible and bidi control characters
    removed, runs of combining marks capped, whitespace collapsed to single spaces.

    A name is shown beside comments and in staff pages: an RLO (U+202E) would turn the rest
    of the line around, and zero-width characters would let two different names look alike.

    :raises ValidationFailed: the text contains a NUL character.
    """
    text = unicodedata.normalize("NFC", clean_text(text).replace("\n", " "))
    kept, marks = [], 0
    for character in text:
        if character.isspace():
            kept.append(" ")
            marks = 0
        elif _shown(character):
            marks = marks + 1 if unicodedata.combining(character) else 0
            if marks <= _MAX_MARKS:
                kept.append(character)
    return " ".join("".join(kept).split())


def folded(text):
    """Return `text` for comparison only: compatibility forms (fullwidth letters) unfolded,
    accents dropped, case folded."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


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


#: First characters that make a spreadsheet read a cell as a formula (OWASP CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Return the CSV cell a spreadsheet will show as text: a leading `'` before a formula trigger.

    Only text is neutralised. Numbers (counts, ids) are written by the program, never typed
    by a person, and stay numeric so that spreadsheets can sum them; a negative count cannot
    occur, and if one did it would be a number, not a formula.
    """
    if isinstance(value, str) and value[:1] in FORMULA_TRIGGERS:
        return "'" + value
    return value


def slugify(text, max_length=60):
    """Return an ASCII slug of `text` (accents dropped), or '' when nothing is left."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:max_length].strip("-")
