"""What the production server (gunicorn) needs from the application beyond the WSGI app."""
import re

from gunicorn.glogging import Logger

#: Secret path segments: a password-reset or e-mail-confirmation token (never `resend`).
SECRET_PATH = re.compile(r"(/auth/(?:password/reset|email/confirm)/)(?!resend\b)[^/?#\s\"]+")

def redact(text):
    """Replace any reset or confirmation token in `text` by a fixed marker."""
    if isinstance(text, str) and "/auth/" in text:
        return SECRET_PATH.sub(r"\1[redacted]", text)
    return text


class RedactingLogger(Logger):
    """gunicorn's logger, but a mailed link's token never reaches the access log.

    Whoever reads the logs could otherwise replay a reset link before its owner uses it.
    """

    def atoms(self, resp, req, environ, request_time):
        """gunicorn's access-log atoms with secret path segments redacted."""
        # Every atom, not a list of them: a custom format may log any header or environ key.
        return {key: redact(value) for key, value in super().atoms(resp, req, environ, request_time).items()}


def forget_inherited_connections(application):
    """Make a forked process open its own database connections: none may cross a fork.

    The parent's sockets stay open for the parent (close=False); this process only forgets
    them. Any other WSGI app (without Flask-SQLAlchemy) is left alone.
    """
    sqlalchemy_ext = getattr(application, "extensions", {}).get("sqlalchemy")
    if sqlalchemy_ext is None:
        return
    with application.app_context():
        for engine in sqlalchemy_ext.engines.values():
            engine.dispose(close=False)
