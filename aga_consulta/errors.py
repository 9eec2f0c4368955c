"""Domain errors raised by services, and the Spanish error pages."""
from flask import current_app, g, render_template, request
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import OperationalError, InterfaceError
from werkzeug.exceptions import HTTPException

from aga_consulta.extensions import db


class DomainError(Exception):
    """A business rule refused an action; routes show `message` with `status`."""

    status = 409
    message = _l("No se pudo completar la acción.")

    def __init__(self, message=None):
        super().__init__(str(message or self.message))
        if message is not None:
            self.message = message


class NotAllowed(DomainError):
    """The actor may not do this."""

    status = 403
    message = _l("No tienes permiso para hacer esto.")


class ConsultationClosed(DomainError):
    """The consultation is not accepting votes or comments now."""

    message = _l("La consulta no está abierta: no se reciben votos ni comentarios en este momento.")


class EmailNotConfirmed(NotAllowed):
    """The citizen must confirm the e-mail address before taking part (EMAIL_CONFIRMATION_REQUIRED)."""

    message = _l("Confirma tu correo electrónico para votar y comentar. Si no encuentras el mensaje, pide otro enlace en «Confirmar correo».")


class ValidationFailed(DomainError):
    """Input broke a rule that a form could not check."""

    status = 400
    message = _l("Los datos enviados no son válidos.")

    def __init__(self, message=None, field=None):
        super().__init__(message)
        #: The form field the message belongs beside (its name), or None for the whole form.
        self.field = field


ERROR_TITLES = {
    400: _l("Solicitud no válida"),
    403: _l("Acceso denegado"),
    404: _l("Página no encontrada"),
    405: _l("Método no permitido"),
    409: _l("Conflicto"),
    413: _l("Envío demasiado grande"),
    429: _l("Demasiadas solicitudes"),
    500: _l("Error interno"),
    503: _l("Servicio no disponible"),
}

ERROR_TEXTS = {
    400: _l("La solicitud no es válida. Revisa los datos y vuelve a intentarlo."),
    403: _l("No tienes permiso para ver esta página o hacer esta acción."),
    404: _l("No encontramos lo que buscas. Puede que el enlace esté mal escrito o que ya no exista."),
    405: _l("Esta dirección no acepta ese tipo de solicitud."),
    409: _l("La acción no se pudo completar por el estado actual de la consulta."),
    413: _l("Lo que enviaste es demasiado grande."),
    429: _l("Hiciste demasiadas solicitudes en poco tiempo. Espera un momento y vuelve a intentarlo."),
    500: _l("Algo salió mal de nuestro lado. Ya quedó registrado; inténtalo de nuevo más tarde."),
    503: _l("El servicio no está disponible en este momento. Inténtalo de nuevo en unos minutos."),
}


def render_error(status, message=None):
    """Render the Spanish error page for `status` with an optional specific message."""
    return (
        render_template(
            "errors/error.html",
            status=status,
            title=ERROR_TITLES.get(status, ERROR_TITLES[500]),
            message=message or ERROR_TEXTS.get(status, ERROR_TEXTS[500]),
        ),
        status,
    )


def register_error_handlers(app):
    """Install error pages for HTTP errors, domain errors and a lost database."""

    @app.errorhandler(HTTPException)
    def http_error(error):
        """Render any HTTP error in Spanish (keeping headers such as Allow and Retry-After)."""
        description = None
        if error.code == 400 and getattr(error, "description", "") and "CSRF" in error.description:
            description = _l("El formulario caducó o no es válido. Recarga la página e inténtalo de nuevo.")
        body, status = render_error(error.code or 500, description)
        response = app.make_response((body, status))
        for key, value in error.get_headers():
            if key.lower() != "content-type":
                response.headers[key] = value
        if error.code == 429 and "Retry-After" not in response.headers:
            response.headers["Retry-After"] = str(_retry_after(error))
        return response

    @app.errorhandler(DomainError)
    def domain_error(error):
        """Show a refused business rule with its status."""
        return render_error(error.status, error.message)

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def database_unavailable(error):
        """A lost or locked database answers 503, never a 500 with a trace."""
        app.logger.error("database error on %s %s: %s", request.method, request.path, error)
        _safe_rollback()
        _render_as_visitor()
        return render_error(503)

    @app.errorhandler(500)
    def internal_error(error):
        """Last resort: roll back and apologise in Spanish."""
        _safe_rollback()
        return render_error(500)


def _retry_after(error):
    # The limiter's own headers cost a storage round trip on every limited request (the vote
    # path included), so they are off: a refusal says when to retry from the limit's window,
    # an upper bound that needs no storage call.
    limit = getattr(getattr(error, "limit", None), "limit", None)
    return limit.get_expiry() if limit is not None else 60


def _render_as_visitor():
    # The page shows who is logged in (base.html), which asks the database: the one that
    # just failed (or, after the rollback, expired the loaded user). Asking again would turn
    # this 503 into a 500, so the error page is rendered as for a visitor.
    g._login_user = current_app.login_manager.anonymous_user()


def _safe_rollback():
    # The connection may be the thing that failed; the error page must render anyway.
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001
        pass
