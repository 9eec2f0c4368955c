"""Password policy: length only (no composition rules) plus a list of common passwords."""
import functools
import os

MIN_LENGTH = 12
MAX_LENGTH = 128

_COMMON_FILE = os.path.join(os.path.dirname(__file__), "common_passwords.txt")


@functools.lru_cache(maxsize=1)
def common_passwords():
    """Return the set of refused common passwords (lower-cased)."""
    with open(_COMMON_FILE, encoding="utf-8") as handle:
        return frozenset(
            line.strip().lower() for line in handle if line.strip() and not line.startswith("#")
        )


def password_problem(password, email="", name=""):
    """Return a reason (lazy string) why `password` is refused, or None when it is acceptable."""
    from flask_babel import lazy_gettext as _l

    if len(password) < MIN_LENGTH:
        return _l("La contraseña debe tener al menos %(n)d caracteres.", n=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _l("La contraseña puede tener como máximo %(n)d caracteres.", n=MAX_LENGTH)
    lowered = password.lower()
    if lowered in common_passwords() or len(set(lowered)) <= 2:
        return _l("Esa contraseña es demasiado común. Elige otra, por ejemplo una frase.")
    local_part = email.split("@", 1)[0].lower()
    if (len(local_part) >= 4 and lowered == local_part) or (name and lowered == name.lower()):
        return _l("La contraseña no puede ser tu nombre ni tu correo.")
    return None
