"""Role checks: one place that decides who may act as staff, and who may take part as a person.

Services call `ensure_moderator` / `ensure_admin` on their actor, and
`ensure_speaks_for_themselves` before a vote, a comment or a survey answer (pages ask
`speaks_for_themselves` to hide those forms). Views refuse early:
anonymous visitors are sent to the login page (Flask-Login's `unauthorized`, which keeps a
safe `next`); signed-in people without the role get 403.
"""
from functools import wraps

from flask import abort
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from aga_consulta.errors import NotAllowed
from aga_consulta.extensions import login_manager


def ensure_moderator(actor):
    """Check that `actor` is an active moderator or admin.

    :raises NotAllowed: otherwise.
    """
    if actor is None or not getattr(actor, "active", False) or not actor.is_moderator:
        raise NotAllowed()


def ensure_admin(actor):
    """Check that `actor` is an active admin.

    :raises NotAllowed: otherwise.
    """
    if actor is None or not getattr(actor, "active", False) or not actor.is_admin:
        raise NotAllowed(_l("Solo una persona administradora puede hacer esto."))


class SpeaksForAnInstitution(NotAllowed):
    """An institution account tried to vote, comment or answer a survey."""

    message = _l("Esta es una cuenta institucional: habla en nombre de una entidad, no de una persona, así que no "
                 "puede votar, comentar ni responder encuestas. Para participar a título personal, usa una cuenta "
                 "ciudadana.")


def speaks_for_themselves(user):
    """True when the account may vote, comment and answer surveys: every account but an institution's.

    An institution account speaks for a national entity or a subnational government; its
    voice in the process is the proposal it submits to the call, and counting it among the
    citizens would give one institution a person's vote.
    """
    return not user.is_institution


def ensure_speaks_for_themselves(user):
    """Check that `user` may take part as a person (vote, comment, answer a survey).

    :raises SpeaksForAnInstitution: the account is an institution's.
    """
    if not speaks_for_themselves(user):
        raise SpeaksForAnInstitution()


def refuse_unless(predicate):
    """Return the response that refuses the current visitor, or None when `predicate` admits them.

    Usable directly in a blueprint's `before_request` hook.
    """
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not predicate(current_user):
        abort(403)
    return None


def refuse_non_moderators():
    """Refuse anyone who is not a moderator or an admin (anonymous: login redirect; citizen: 403)."""
    return refuse_unless(lambda user: user.is_moderator)


def refuse_non_admins():
    """Refuse anyone who is not an admin (anonymous: login redirect; others: 403)."""
    return refuse_unless(lambda user: user.is_admin)


def admin_required(view):
    """Decorate a view so that only admins reach it."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        refusal = refuse_non_admins()
        return refusal if refusal is not None else view(*args, **kwargs)

    return wrapped
