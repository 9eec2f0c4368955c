"""Helpers every blueprint shares: loaders that answer 404, rate-limit keys and shared limits,
and the answer to a refused action (303 back to the page, or JSON for scripts).

Routes import this module and services, never another blueprint's routes.
"""
import json

from flask import abort, current_app, flash, jsonify, redirect, request, session, url_for
from werkzeug.datastructures import MultiDict
from flask_login import current_user

from aga_consulta.extensions import db, limiter
from aga_consulta.security import is_safe_next

#: Largest id an INTEGER column holds; larger ids would be a database error, not a 404.
MAX_ID = 2**31 - 1


def get_or_404(model, object_id, options=()):
    """Return the row of `model` with this id, or abort with 404 (out-of-range ids included)."""
    if not 0 < object_id <= MAX_ID:
        abort(404)
    return db.get_or_404(model, object_id, options=options)


def or_404(value):
    """Return `value`, or abort with 404 when it is None (for service lookups such as by slug)."""
    if value is None:
        abort(404)
    return value


def citizen_key():
    """Rate-limit key: the citizen, not the address (many citizens share one)."""
    return f"user:{current_user.id}" if current_user.is_authenticated else request.remote_addr


def config_limit(name):
    """Return a callable limit string read from the setting `name` when a request needs it."""
    return lambda: current_app.config[name]


#: One budget per client for every public page that computes the whole tally (results, CSVs).
results_limit = limiter.shared_limit(config_limit("RESULTS_RATE_LIMIT"), scope="results")


def current_actor():
    """Return the logged-in account as an ORM object (services keep it beyond the request proxy).

    The session loads a light row (accounts.models.SessionUser); services that write or
    follow relationships get the ORM row from it. Right after login the proxy holds the
    ORM object itself.
    """
    user = current_user._get_current_object()
    account = getattr(user, "account", None)
    return account() if account is not None else user


def see_other(endpoint, **values):
    """Redirect with 303, so that reloading the next page never repeats a POST."""
    return redirect(url_for(endpoint, **values), code=303)


def safe_back(default):
    """Return the form's local `next` path, or `default` when it is missing or foreign."""
    target = request.form.get("next", "")
    return target if is_safe_next(target) else default


def redirect_back(default):
    """Redirect (303) to the form's local `next` path, or to `default`."""
    return redirect(safe_back(default), code=303)


def wants_json():
    """True when the client asked for JSON rather than a page (scripts and tests)."""
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def refuse(error, back):
    """Answer a refused action: JSON with the error's status for scripts, else 303 back.

    `back` is the page's address; the form's local `next` path wins when it has one.

    A browser lands back on the page it came from, with the message flashed there: the
    address bar never stays on a POST URL, and reloading repeats nothing.
    """
    if wants_json():
        return jsonify(error=str(error.message), status=error.status), error.status
    flash(error.message, "error")
    return redirect_back(back)


#: Largest kept form, as JSON: the session is a signed cookie, about 4 KB with everything else.
KEPT_FORM_MAX_JSON = 2500


def field_errors(error, rename=None):
    """A refused hand-written form's errors as {field name: [message]}, for the page's `errors`.

    The message sits beside the field the ValidationFailed names; `rename` maps a service's
    field to the form's ("milestone_1_deliverable" to "deliverable"). None is the whole form.
    """
    field = getattr(error, "field", None)
    if field is not None and rename is not None:
        field = rename(field)
    return {field: [str(error.message)]}


def keep_form(key, form=None, errors=None):
    """Keep what was typed in `form` and its errors for the page a refused POST redirects to.

    After a POST the address bar never stays on the POST's URL (Post/Redirect/Get): a form
    whose page lives at another URL redirects there, and that page gets the form back with
    `kept_form(key, ...)` (or, for a hand-written form whose `errors` come from
    `field_errors`, with `kept_values(key)`). `key` names the form and its object
    ("status-12"), so that the values and errors come back on that form only. A form too big
    for the session keeps its errors but not its text. The CSRF token is never kept.
    """
    data = [(name, value) for name, value in request.form.items(multi=True) if name != "csrf_token"]
    if form is not None:
        errors = form.errors
    # The whole form's messages (None) are kept under "" (a session's keys are text).
    errors = {"" if name is None else str(name): [str(error) for error in messages]
              for name, messages in (errors or {}).items()}
    payload = {"key": key, "data": data, "errors": errors}
    if len(json.dumps(payload)) > KEPT_FORM_MAX_JSON:
        payload["data"] = []
    session["kept_form"] = payload


def kept_key():
    """The key of the form a refused POST kept for this page, or None."""
    return (session.get("kept_form") or {}).get("key")


def kept_values(key):
    """What a hand-written form kept with `keep_form(key, errors=...)`: (values, errors), else ({}, {})."""
    kept = session.get("kept_form")
    if not kept or kept.get("key") != key:
        return {}, {}
    session.pop("kept_form")
    return MultiDict(kept["data"]), {name or None: messages for name, messages in kept["errors"].items()}


def kept_form(key, form_class, **kwargs):
    """The form of a GET page: the one `keep_form(key, ...)` kept (values and errors), else a blank one."""
    kept = session.get("kept_form")
    if not kept or kept.get("key") != key:
        return form_class(formdata=None, **kwargs)
    session.pop("kept_form")
    form = form_class(formdata=MultiDict(kept["data"]), **kwargs)
    for name, errors in kept["errors"].items():
        if name in form._fields:
            form[name].errors = list(errors)
        else:
            form.form_errors.extend(errors)
    return form


def field_max_length(field):
    """The most characters a form field takes (its Length validator's max, or its maxlength), or None."""
    limits = [validator.max for validator in getattr(field, "validators", ())
              if validator.__class__.__name__ == "Length" and validator.max and validator.max > 0]
    declared = (getattr(field, "render_kw", None) or {}).get("maxlength")
    if declared:
        limits.append(int(declared))
    return min(limits) if limits else None


def first_on_page(key):
    """True the first time `key` is asked for in this request, False after.

    The form macro gives `autofocus` to the first field with an error only (focus lands there
    without JavaScript), and includes the counter script once however many fields count.
    """
    from flask import g

    claimed = g.setdefault("_first_on_page", set())
    if key in claimed:
        return False
    claimed.add(key)
    return True


def register_form_helpers(app):
    """Expose the form macro's helpers to templates."""
    app.jinja_env.globals.update(field_max_length=field_max_length, first_on_page=first_on_page)
