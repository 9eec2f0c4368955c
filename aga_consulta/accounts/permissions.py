"""Role checks for views: one place that decides who may open staff pages.

Anonymous visitors are sent to the login page (Flask-Login's `unauthorized`, which keeps a
safe `next`); signed-in people without the role get 403.
"""
from functools import wraps

from flask import abort
from flask_login import current_user

from aga_consulta.extensions import login_manager


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


def moderator_required(view):
    """Decorate a view so that only moderators and admins reach it."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        refusal = refuse_non_moderators()
        return refusal if refusal is not None else view(*args, **kwargs)

    return wrapped


def admin_required(view):
    """Decorate a view so that only admins reach it."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        refusal = refuse_non_admins()
        return refusal if refusal is not None else view(*args, **kwargs)

    return wrapped
