"""The rules of people's names, and the words that only staff names may carry."""
import re

from flask_babel import lazy_gettext as _l

from aga_consulta.accounts.models import Role
from aga_consulta.errors import ValidationFailed
from aga_consulta.text import clean_display_name, folded

NAME_MIN = 2
NAME_MAX = 120

#: Stems that make a name look like the platform speaking, wherever they occur in a word
#: (moderación, moderadora, administración, equipo, soporte, oficial and English forms).
_RESERVED_STEMS = ("moderac", "moderad", "moderat", "admin", "oficial", "official", "equipo", "soporte", "support")
#: Reserved only as whole words: as parts of words they occur in real surnames (Zuloaga).
_RESERVED_WORDS = frozenset({"aga", "mod", "mods", "staff", "team"})
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
        super().__init__(message)
        self.field = field


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


def name_problem(name, *, role=Role.CITIZEN):
    """Return why the cleaned `name` is refused (a lazy string), or None.

    Staff (moderators and admins) may carry reserved words; citizens may not.
    """
    if not NAME_MIN <= len(name) <= NAME_MAX:
        return _l("El nombre debe tener entre %(min)d y %(max)d caracteres.", min=NAME_MIN, max=NAME_MAX)
    if not any(character.isalpha() for character in name):
        return _l("El nombre debe contener letras.")
    if role not in (Role.MODERATOR, Role.ADMIN) and is_reserved(name):
        return _l("Ese nombre está reservado al equipo de la plataforma: elige uno que no suene a cargo oficial "
                  "(sin palabras como «moderación», «administración», «oficial», «equipo», «soporte» o «AGA»).")
    return None


def checked_name(name, *, role=Role.CITIZEN):
    """Return the name cleaned (text.clean_display_name) and checked.

    :raises InvalidName: why, with the field "name".
    :raises ValidationFailed: a NUL character.
    """
    name = clean_display_name(name)
    problem = name_problem(name, role=role)
    if problem:
        raise InvalidName(problem, "name")
    return name
