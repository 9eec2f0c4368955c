"""Staff roles: granting and revoking them, audited, with the last admin protected."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from aga_consulta.accounts.models import ROLES, Role, User
from aga_consulta.accounts.permissions import ensure_admin
from aga_consulta.audit import record
from aga_consulta.errors import DomainError, ValidationFailed
from aga_consulta.extensions import db
from aga_consulta.text import REASON_MAX, clean_text


#: The badge beside a staff member's comments: the capacity they speak in, as text (a colour
#: alone would tell nothing to a screen reader). Moderators and admins get different words,
#: as on the public decisions page, which signs every decision by role.
STAFF_BADGES = {
    Role.MODERATOR: _l("Equipo moderador"),
    Role.ADMIN: _l("Administración"),
}


def staff_badge(user):
    """Return the badge text of a moderator's or admin's comments, or None for a citizen."""
    return STAFF_BADGES.get(user.role)


class RoleUnchanged(DomainError):
    """The account already has that role."""

    message = _l("Esa cuenta ya tiene ese rol.")


class LastAdmin(DomainError):
    """The action would leave the platform without an admin."""

    message = _l("No se puede quitar el rol de administración a la última persona administradora.")


def _ensure_known(role, user=None):
    if role not in ROLES:
        raise ValidationFailed(_l("Rol desconocido."))
    if role == Role.INSTITUTION and user is not None and not user.institution:
        # The institution is named when the account is created (`flask users create --institution`).
        raise ValidationFailed(_l("Solo una cuenta creada para una institución puede tener el rol institucional."))


def grant_role(actor, user, role, reason=None, now=None):
    """Set a person's role (admins only); the last active admin keeps theirs.

    :raises NotAllowed: the actor is not an admin.
    :raises ValidationFailed: unknown role, or an overlong reason.
    :raises RoleUnchanged: the person already has that role.
    :raises LastAdmin: it would leave no active admin.
    """
    ensure_admin(actor)
    _ensure_known(role, user)
    reason = clean_text(reason) or None
    if reason and len(reason) > REASON_MAX:
        raise ValidationFailed(_l("El motivo es demasiado largo (máximo %(max)d caracteres).", max=REASON_MAX))
    if user.role == role:
        raise RoleUnchanged()
    if user.role == Role.ADMIN:
        # Locks the admins' rows on PostgreSQL, so two admins demoting each other at once
        # cannot both succeed.
        admins = db.session.scalars(
            select(User.id).where(User.role == Role.ADMIN, User.active.is_(True)).with_for_update()
        ).all()
        if len(admins) <= 1:
            raise LastAdmin()
    # Recorded first: an admin changing their own role acted as an admin.
    record(actor, "user.role", "user", user.id, target_label=user.email,
           before={"role": user.role}, after={"role": role}, reason=reason, now=now)
    user.role = role
    db.session.commit()
    return user


def can_revoke(user):
    """True when an admin may take the moderator role away from this person."""
    return user.role == Role.MODERATOR


def revoke_moderator(actor, user, reason=None, now=None):
    """Take the moderator role away: the person becomes a citizen again.

    :raises NotAllowed: the actor is not an admin.
    :raises ValidationFailed: the person is not a moderator.
    """
    if not can_revoke(user):
        ensure_admin(actor)
        raise ValidationFailed(_l("Esa cuenta no tiene el rol de moderación."))
    return grant_role(actor, user, Role.CITIZEN, reason=reason, now=now)


def set_role_by_operator(user, role, now=None):
    """Change a role from the command line; the audit entry names the system as the actor.

    The command line is the operator's recovery path, so the last-admin rule does not apply.

    :raises ValidationFailed: unknown role, or institution for an account that names none.
    """
    _ensure_known(role, user)
    if user.role != role:
        record(None, "user.role", "user", user.id, target_label=user.email, before={"role": user.role},
               after={"role": role}, reason="flask users set-role", now=now)
        user.role = role
        db.session.commit()
    return user


def record_account_created_by_operator(user, now=None):
    """Log a staff or institution account created from the command line (citizens are not logged)."""
    if user.role == Role.CITIZEN:
        return
    record(None, "user.role", "user", user.id, target_label=user.email, after={"role": user.role},
           reason="flask users create", now=now)
    db.session.commit()


def staff_members():
    """Return the moderators and admins, admins first, by name."""
    return list(db.session.scalars(
        select(User).where(User.role.in_((Role.MODERATOR, Role.ADMIN))).order_by(User.role, User.name, User.id)
    ))
