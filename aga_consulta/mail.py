"""Outgoing mail through a configurable backend: file (an outbox of .eml files), console or SMTP.

Own code, not Flask-Mailman: its file backend appends a connection's messages to one .log, not an .eml each, and it cannot send after the response.

`MAIL_BACKEND` picks it (config.py). Development and tests write each message into
`MAIL_OUTBOX_DIR`, where a person or a test reads it; production sends through SMTP and
refuses to start with a backend that would never reach anyone.
"""
import logging
import os
import smtplib
import ssl
import threading
import uuid
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr

from flask import current_app

from aga_consulta.timeutil import utcnow

log = logging.getLogger("aga_consulta.mail")

BACKENDS = ("file", "console", "smtp")
#: Backends that keep mail on this machine: fine for development, broken for citizens.
LOCAL_BACKENDS = ("file", "console")


class MailError(Exception):
    """A message could not be handed to the mail backend."""


def init_app(app):
    """Check the mail settings at start-up.

    :raises RuntimeError: unknown backend, or a local backend under the production config.
    """
    backend = app.config["MAIL_BACKEND"]
    if backend not in BACKENDS:
        raise RuntimeError(f"MAIL_BACKEND must be one of {list(BACKENDS)}, not {backend!r}")
    if app.config["IS_PRODUCTION"]:
        # A reset link written to a local file (or to the logs, token included) never reaches
        # the citizen and may leak: production must really send.
        if backend in LOCAL_BACKENDS:
            raise RuntimeError(f"Production refuses MAIL_BACKEND={backend!r}: set MAIL_BACKEND=smtp and MAIL_SERVER.")
        if not app.config.get("PUBLIC_BASE_URL"):
            app.logger.warning("PUBLIC_BASE_URL is not set: password-reset and confirmation mails are not sent%s.",
                               " (with EMAIL_CONFIRMATION_REQUIRED on, nobody can confirm an address and take part)"
                               if app.config.get("EMAIL_CONFIRMATION_REQUIRED") else "")


def build_message(to, subject, body, *, sender=None):
    """Return a plain-text UTF-8 EmailMessage ready for any backend."""
    sender = sender or current_app.config["MAIL_FROM"]
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(domain=domain)
    message["Auto-Submitted"] = "auto-generated"
    # Quoted-printable keeps the message 7-bit clean for any SMTP relay (8BITMIME or not).
    message.set_content(body, charset="utf-8", cte="quoted-printable")
    return message


def send(message, background=False):
    """Hand `message` to the configured backend.

    With `background`, SMTP delivery happens in a thread after this returns (when
    MAIL_SMTP_IN_BACKGROUND is on): the caller's response time then says nothing about
    whether a mail went out, and a slow relay does not hold the request. Failures are logged.

    :raises MailError: the backend failed (SMTP unreachable, outbox not writable...).
    """
    backend = current_app.config["MAIL_BACKEND"]
    if background and backend == "smtp" and current_app.config.get("MAIL_SMTP_IN_BACKGROUND"):
        app = current_app._get_current_object()
        threading.Thread(target=_send_in_background, args=(app, message), name="mail-send").start()
        return
    sender = _BACKEND_FUNCTIONS.get(backend)
    if sender is None:
        raise MailError(f"unknown mail backend {backend!r}")
    try:
        sender(message, current_app.config)
    except (OSError, smtplib.SMTPException) as error:
        # Only the kind of failure: the message itself may carry a token.
        raise MailError(f"{backend} backend failed: {type(error).__name__}") from error


def send_mail(to, subject, body, background=False):
    """Build and send one plain-text message (see `send` for `background`); return it.

    :raises MailError: the backend failed.
    """
    message = build_message(to, subject, body)
    send(message, background=background)
    return message


def _send_in_background(app, message):
    with app.app_context():
        try:
            send(message)
        except MailError as error:
            log.error("background mail failed: %s", error)


def _send_to_file(message, config):
    directory = config["MAIL_OUTBOX_DIR"]
    os.makedirs(directory, mode=0o700, exist_ok=True)
    # Sortable by time, unique across processes; written under a temporary name and renamed,
    # so that a reader never sees half a message.
    name = f"{_sortable_now()}-{uuid.uuid4().hex}.eml"
    path = os.path.join(directory, name)
    temporary = path + ".part"
    with open(temporary, "wb") as handle:
        handle.write(message.as_bytes())
    os.replace(temporary, path)
    log.info("mail written to the outbox file=%s", name)


def _sortable_now():
    return utcnow().strftime("%Y%m%dT%H%M%S%f")


def _send_to_console(message, config):
    # Development only (production refuses it): the body, links included, goes to the log.
    headers = "\n".join(f"{name}: {value}" for name, value in message.items() if name.lower() != "content-transfer-encoding")
    log.info("mail (console backend)\n%s\n\n%s", headers, message.get_content())


def _send_by_smtp(message, config):
    host, port, timeout = config["MAIL_SERVER"], config["MAIL_PORT"], config["MAIL_TIMEOUT"]
    context = ssl.create_default_context()
    if config.get("MAIL_USE_SSL"):
        connection = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
    else:
        connection = smtplib.SMTP(host, port, timeout=timeout)
    with connection as smtp:
        if config.get("MAIL_USE_TLS") and not config.get("MAIL_USE_SSL"):
            smtp.starttls(context=context)
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        smtp.send_message(message)
    log.info("mail sent by smtp server=%s:%s", host, port)


_BACKEND_FUNCTIONS = {"file": _send_to_file, "console": _send_to_console, "smtp": _send_by_smtp}
