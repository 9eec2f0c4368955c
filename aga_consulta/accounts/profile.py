"""The holder's own account (Ley 1581 de 2012, art. 8): correcting it and deleting it.

Deleting an account anonymises it instead of removing the row. The votes and comments
stay, pointing at a row that no longer says who anyone is: the figures already published
(the tally, the open data) stay true, and comments stay in their threads, signed
"Participante eliminado". What identified the person goes: the legal and public names, the
e-mail (a unique placeholder under the reserved .invalid domain, so that the address may
register again), the password (unusable), the sessions (the token is rotated) and the
confirmation time. The department of residence stays, because the published participation
by department counts it; the consent's version and time stay, as the record of what the
person had authorised.
"""
import logging
import secrets

from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash

from aga_consulta.accounts.models import Role, new_session_token
from aga_consulta.accounts.names import DELETED_NAME, checked_names
from aga_consulta.accounts.passwords import password_problem
from aga_consulta.accounts.services import WeakPassword, hash_password
from aga_consulta.errors import NotAllowed, ValidationFailed
from aga_consulta.extensions import db
from aga_consulta.territory.divipola import DEPARTMENTS
from aga_consulta.timeutil import utcnow

log = logging.getLogger("aga_consulta.accounts")

#: Stored instead of a password hash: werkzeug finds no method in it, so no password matches.
UNUSABLE_PASSWORD = "!deleted"
#: RFC 2606 reserves .invalid: no mail can ever be delivered there.
DELETED_EMAIL_DOMAIN = "cuenta-eliminada.invalid"


class WrongPassword(ValidationFailed):
    """The password typed to confirm is not the account's."""

    message = _l("La contraseña no es correcta.")


def update_profile(user, *, name, public_name, department_code):
    """Correct the holder's legal name, public name (empty: the default) and department.

    :raises InvalidName: a name breaks the rules of accounts/names.py (field "name" or "public_name").
    :raises ValidationFailed: an unknown department, or a NUL character.
    """
    name, public_name = checked_names(name, public_name, role=user.role)
    if department_code not in DEPARTMENTS:
        raise ValidationFailed(_l("Elige un departamento de la lista."))
    user.name, user.public_name, user.department_code = name, public_name, department_code
    db.session.commit()
    return user


def change_password(user, *, current, new):
    """Set a new password once the current one is typed; every session of the account ends.

    The caller logs the person in again on the device they changed it from (the session
    token rotates, as after a reset: a stolen session dies with the old password).

    :raises WrongPassword: `current` is not the account's password.
    :raises WeakPassword: `new` breaks the password policy.
    """
    if not check_password_hash(user.password_hash, current or ""):
        raise WrongPassword()
    problem = password_problem(new or "", email=user.email, name=user.name)
    if problem:
        raise WeakPassword(problem)
    user.password_hash = hash_password(new)
    user.session_token = new_session_token()
    db.session.commit()
    log.info("password changed by its holder user_id=%s", user.id)
    return user


def delete_account(user, *, password, confirmed, now=None):
    """Anonymise the holder's account (see the module's docstring); the person is then logged out everywhere.

    :raises NotAllowed: a moderator or admin (their role must be removed first, by an admin).
    :raises ValidationFailed: the deletion was not confirmed.
    :raises WrongPassword: the password is not the account's.
    """
    if user.role in (Role.MODERATOR, Role.ADMIN):
        raise NotAllowed(_l("Una cuenta del equipo de moderación o administración no se elimina desde aquí: "
                            "pide a una persona administradora que te quite el rol y vuelve a intentarlo."))
    if not confirmed:
        raise ValidationFailed(_l("Marca la casilla para confirmar que quieres eliminar tu cuenta."))
    if not check_password_hash(user.password_hash, password or ""):
        raise WrongPassword()
    user.name = user.public_name = DELETED_NAME
    user.email = f"eliminada-{user.id}-{secrets.token_hex(8)}@{DELETED_EMAIL_DOMAIN}"
    user.password_hash = UNUSABLE_PASSWORD
    user.session_token = new_session_token()
    user.active = False
    user.email_confirmed_at = None
    user.last_vote_at = None
    user.deleted_at = now or utcnow()
    db.session.commit()
    log.info("account deleted by its holder user_id=%s", user.id)
    return user
