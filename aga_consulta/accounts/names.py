"""The rules of people's names: the legal name (private), the public name shown beside
comments, its default, and the words that only staff names may carry."""
import re

from flask_babel import lazy_gettext as _l

from aga_consulta.accounts.models import Role
from aga_consulta.errors import ValidationFailed
from aga_consulta.text import clean_display_name, folded

NAME_MIN = 2
NAME_MAX = 120
PUBLIC_NAME_MAX = 60

#: Stored as the legal and the public name of an account its holder deleted (accounts/profile.py);
#: pages show it translated (User.shown_name).
DELETED_NAME = "Participante eliminado"

#: Little words inside surnames that are no surname's initial
#: ("Ana de la Torre" is "Ana T.", not "Ana D.").
_PARTICLES = frozenset({
    "de", "del", "la", "las", "los", "y", "e", "da", "das", "do", "dos", "di", "du", "le", "van", "von", "der", "den", "ter",
})

#: Stems that make a name look like the platform speaking, wherever they occur in a word
#: (moderación, moderadora, administración, equipo, soporte, oficial and English forms).
_RESERVED_STEMS = (
    "moderac", "moderad", "moderat", "admin", "oficial", "official", "equipo", "soporte", "support",
    "eliminad",  # "Participante eliminado" is what deleted accounts are shown as
)
#: Reserved only as whole words: as parts of words they occur in real surnames (Zuloaga).
_RESERVED_WORDS = frozenset({"aga", "staff", "team"})
#: Cyrillic and Greek letters drawn like Latin ones, and digits and signs used as letters:
#: "Аdmin" with a Cyrillic А, or "M0derador", would pass a plain comparison.
_LOOKALIKES = str.maketrans({
    "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c", "т": "t",
    "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "ɡ": "g", "ο": "o", "α": "a", "ι": "i",
    "ν": "v", "ρ": "p", "τ": "t", "κ": "k", "ε": "e", "0": "o", "1": "i", "3": "e", "4": "a", "5": "s",
    "7": "t", "@": "a", "$": "s", "|": "l",
})


class InvalidName(ValidationFailed):
    """A name breaks a rule; `field` names the form field it belongs to."""

    def __init__(self, message, field):
        super().__init__(message, field)


def default_public_name(name):
    """The public name suggested for `name`: the first name and the initial of the first surname,
    or the one name it has.

    Colombian names run given names then two surnames: the surname is the second word of
    two or three ("Ana Torres Pérez" -> "Ana T."), the second-to-last of four or more ("Ana
    María Torres Pérez" -> "Ana T."); particles do not count ("Ana de la Torre" -> "Ana T.").
    """
    words = clean_display_name(name).split()
    if not words:
        return ""
    first = words[0][:PUBLIC_NAME_MAX - 3]
    others = [word for word in words[1:] if folded(word) not in _PARTICLES]
    surname = others[-2] if len(others) >= 3 else others[0] if others else ""
    initial = next((c for c in surname if c.isalpha()), "")
    return f"{first} {initial.upper()}." if initial else first


def _words(name):
    """The name's words as compared with the reserved ones: folded, lookalikes unmasked, and
    runs of single letters joined ("A.G.A", "a d m i n")."""
    tokens = re.findall(r"[a-z]+", folded(name).translate(_LOOKALIKES))
    words, letters = [], ""
    for token in tokens + [""]:
        if len(token) == 1:
            letters += token
            continue
        if letters:
            words.append(letters)
            letters = ""
        if token:
            words.append(token)
    return words


def is_reserved(name):
    """True when `name` suggests the platform's staff (moderación, admin, oficial, equipo...)."""
    words = _words(name)
    joined = "".join(words)
    return (
        any(word in _RESERVED_WORDS for word in words)
        or any(stem in word for word in words for stem in _RESERVED_STEMS)
        # Across word breaks too ("Mode ración"), for the stems no real name runs into.
        or any(stem in joined for stem in _RESERVED_STEMS if len(stem) >= 6)
    )


def name_problem(name, *, role=Role.CITIZEN, public=False):
    """Return why the cleaned `name` is refused (a lazy string), or None.

    `public`: the public name (shorter) rather than the legal one. Staff (moderators and
    admins) may carry reserved words; citizens may not.
    """
    if public and not NAME_MIN <= len(name) <= PUBLIC_NAME_MAX:
        return _l("El nombre público debe tener entre %(min)d y %(max)d caracteres.", min=NAME_MIN, max=PUBLIC_NAME_MAX)
    if not NAME_MIN <= len(name) <= NAME_MAX:
        return _l("El nombre debe tener entre %(min)d y %(max)d caracteres.", min=NAME_MIN, max=NAME_MAX)
    if not any(character.isalpha() for character in name):
        return _l("El nombre debe contener letras.")
    if role not in (Role.MODERATOR, Role.ADMIN) and is_reserved(name):
        return _l("Ese nombre está reservado al equipo de la plataforma: elige uno que no suene a cargo oficial "
                  "(sin palabras como «moderación», «administración», «oficial», «equipo», «soporte» o «AGA»).")
    return None


def checked_names(name, public_name, *, role=Role.CITIZEN):
    """Return (legal name, public name), cleaned (text.clean_display_name) and checked; an
    empty public name gets the default.

    :raises InvalidName: why, with the field ("name" or "public_name").
    :raises ValidationFailed: a NUL character.
    """
    name = clean_display_name(name)
    problem = name_problem(name, role=role)
    if problem:
        raise InvalidName(problem, "name")
    public_name = clean_display_name(public_name) or default_public_name(name)
    problem = name_problem(public_name, role=role, public=True)
    if problem:
        raise InvalidName(problem, "public_name")
    return name, public_name
