"""The mail module: file, console and SMTP backends, and the start-up checks."""
import base64
import logging
import socketserver
import threading
from email import policy
from email.parser import BytesParser

import pytest

from aga_consulta import create_app, mail
from tests.helpers import TEST_SIGNER_KEY

# No sequencer thread: these apps serve requests in the test process.
PRODUCTION = {"SECRET_KEY": "x" * 40, "TRANSPARENCY_SIGNER_KEY": TEST_SIGNER_KEY, "TRANSPARENCY_AUTO_INTEGRATE": False}


class _SmtpHandler(socketserver.StreamRequestHandler):
    """Just enough of RFC 5321 for smtplib: EHLO, AUTH PLAIN, MAIL, RCPT, DATA, QUIT."""

    def reply(self, line):
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        server = self.server
        server.hold.wait(10)
        self.reply("220 test ESMTP")
        while True:
            line = self.rfile.readline().decode().rstrip("\r\n")
            if not line:
                return
            verb = line.split(" ", 1)[0].upper()
            if verb == "EHLO":
                extensions = ["250-test"] + (["250-STARTTLS"] if server.offer_starttls else [])
                self.wfile.write(("\r\n".join(extensions + ["250 AUTH PLAIN"]) + "\r\n").encode())
            elif verb == "AUTH":
                server.credentials = base64.b64decode(line.split()[2]).split(b"\0")[1:]
                self.reply("235 ok")
            elif verb in ("MAIL", "RCPT"):
                server.envelope.append(line)
                self.reply("250 ok")
            elif verb == "DATA":
                self.reply("354 go on")
                data = []
                while (chunk := self.rfile.readline()) != b".\r\n":
                    data.append(chunk)
                server.received.append(b"".join(data))
                self.reply("250 queued")
                server.delivered.set()
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not here")


@pytest.fixture
def smtp_server():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SmtpHandler)
    server.daemon_threads = True
    server.received, server.envelope, server.credentials, server.offer_starttls = [], [], None, False
    # `hold` keeps the relay silent until released (a slow relay); `delivered` marks a DATA.
    server.hold, server.delivered = threading.Event(), threading.Event()
    server.hold.set()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.hold.set()
    server.shutdown()
    server.server_close()


def test_file_backend_writes_a_readable_eml(outbox):
    mail.send_mail("ana@example.co", "Acción requerida: ñandú", "Línea con tildes: áéíóú ñ\n\nhttps://x.example/a")
    message = outbox.only()
    assert message["To"] == "ana@example.co"
    assert message["Subject"] == "Acción requerida: ñandú"
    assert message["From"] == "Consulta Estado Abierto <no-responder@localhost>"
    assert message["Message-ID"] and message["Date"]
    assert outbox.text(message) == "Línea con tildes: áéíóú ñ\n\nhttps://x.example/a\n"
    assert not list(outbox.directory.glob("*.part"))


def test_file_backend_keeps_every_message(outbox):
    for n in range(3):
        mail.send_mail(f"p{n}@example.co", "Asunto", "Cuerpo")
    assert sorted(m["To"] for m in outbox.messages()) == ["p0@example.co", "p1@example.co", "p2@example.co"]


def test_console_backend_logs_and_writes_nothing(outbox, config, caplog):
    config(MAIL_BACKEND="console")
    with caplog.at_level(logging.INFO, logger="aga_consulta.mail"):
        mail.send_mail("ana@example.co", "Asunto", "Cuerpo del mensaje")
    assert "To: ana@example.co" in caplog.text and "Subject: Asunto" in caplog.text
    assert "Cuerpo del mensaje" in caplog.text
    assert outbox.messages() == []


def test_smtp_backend_delivers_with_login(smtp_server, config):
    config(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.server_address[1],
           MAIL_USE_TLS=False, MAIL_USE_SSL=False, MAIL_USERNAME="usuario", MAIL_PASSWORD="clave smtp",
           MAIL_FROM="Consulta <consulta@example.gov.co>")
    mail.send_mail("ana@example.co", "Cambia tu contraseña", "Hola, Ana:\n")
    assert smtp_server.received
    assert smtp_server.credentials == [b"usuario", b"clave smtp"]
    assert [line.upper() for line in smtp_server.envelope] == ["MAIL FROM:<CONSULTA@EXAMPLE.GOV.CO>", "RCPT TO:<ANA@EXAMPLE.CO>"]
    assert all(byte < 128 for byte in smtp_server.received[0]), "7-bit clean for any relay"
    received = BytesParser(policy=policy.default).parsebytes(smtp_server.received[0])
    assert received["Subject"] == "Cambia tu contraseña"
    assert received.get_body().get_content().replace("\r\n", "\n") == "Hola, Ana:\n"


def test_smtp_never_falls_back_to_plain_text_when_starttls_is_asked(smtp_server, config):
    config(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.server_address[1],
           MAIL_USE_TLS=True, MAIL_USE_SSL=False, MAIL_USERNAME="usuario", MAIL_PASSWORD="clave smtp")
    with pytest.raises(mail.MailError):
        mail.send_mail("ana@example.co", "Asunto", "Cuerpo")
    assert smtp_server.received == [] and smtp_server.credentials is None


def test_reset_mail_goes_out_after_the_response(client, factory, smtp_server, config):
    # A registered address must not answer slower than an unknown one: the relay is held
    # silent, and the answer still comes back before any mail is delivered.
    factory.user(email="ana@example.co")
    config(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.server_address[1],
           MAIL_USE_TLS=False, MAIL_USE_SSL=False, MAIL_USERNAME=None, MAIL_SMTP_IN_BACKGROUND=True)
    smtp_server.hold.clear()
    response = client.post("/auth/password/forgot", data={"email": "ana@example.co"})
    assert response.status_code == 303
    assert not smtp_server.delivered.is_set()
    smtp_server.hold.set()
    assert smtp_server.delivered.wait(10)
    received = BytesParser(policy=policy.default).parsebytes(smtp_server.received[0])
    assert received["To"] == "ana@example.co" and "/auth/password/reset/" in received.get_body().get_content()


def test_background_failure_is_logged(app, config, caplog):
    config(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=1, MAIL_TIMEOUT=2)
    message = mail.build_message("ana@example.co", "Asunto", "Cuerpo")
    with caplog.at_level(logging.ERROR, logger="aga_consulta.mail"):
        mail._send_in_background(app, message)
    assert "background mail failed: smtp backend failed" in caplog.text


def test_unreachable_smtp_is_a_mail_error(config):
    config(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=1, MAIL_TIMEOUT=2)
    with pytest.raises(mail.MailError, match="smtp backend failed"):
        mail.send_mail("ana@example.co", "Asunto", "Cuerpo")


def test_unwritable_outbox_is_a_mail_error(config, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    config(MAIL_BACKEND="file", MAIL_OUTBOX_DIR=str(blocker / "outbox"))
    with pytest.raises(mail.MailError):
        mail.send_mail("ana@example.co", "Asunto", "Cuerpo")


@pytest.mark.parametrize("backend", ["file", "console"])
def test_production_refuses_a_local_backend(backend, tmp_path):
    with pytest.raises(RuntimeError, match="MAIL_BACKEND"):
        create_app("production", overrides=dict(PRODUCTION, MAIL_BACKEND=backend,
                                                SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/p.db"))


def test_production_defaults_to_smtp(tmp_path, monkeypatch):
    monkeypatch.delenv("MAIL_BACKEND", raising=False)
    app = create_app("production", overrides=dict(PRODUCTION, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/p.db"))
    assert app.config["MAIL_BACKEND"] == "smtp"


def test_unknown_backend_refused_everywhere(tmp_path):
    with pytest.raises(RuntimeError, match="MAIL_BACKEND"):
        create_app("testing", overrides={"MAIL_BACKEND": "carrier-pigeon", "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_development_defaults_to_the_file_outbox_under_instance(monkeypatch):
    from config import INSTANCE_DIR, get_config

    monkeypatch.delenv("MAIL_BACKEND", raising=False)
    development = get_config("development")
    assert development.MAIL_BACKEND == "file"
    assert development.MAIL_OUTBOX_DIR.startswith(INSTANCE_DIR)
