"""The production server's access log never records a mailed link's token."""
from datetime import timedelta
from types import SimpleNamespace

from gunicorn.config import Config

from aga_consulta.serving import RedactingLogger, redact

TOKEN = "eyJ1IjoxMn0.aBcD-eF_gH.iJkLmNoPqRsTuVwXyZ"


def test_redact_hides_reset_and_confirmation_tokens_only():
    assert redact(f"GET /auth/password/reset/{TOKEN} HTTP/1.1") == "GET /auth/password/reset/[redacted] HTTP/1.1"
    assert redact(f"https://consulta.example/auth/email/confirm/{TOKEN}?x=1") == (
        "https://consulta.example/auth/email/confirm/[redacted]?x=1"
    )
    for untouched in ("/auth/email/confirm/resend", "/auth/email/confirm", "/auth/password/forgot",
                      "/proposals/12/vote", "-"):
        assert redact(untouched) == untouched
    assert redact(None) is None


def test_access_log_atoms_carry_no_token():
    logger = RedactingLogger(Config())
    environ = {
        "REQUEST_METHOD": "GET", "RAW_URI": f"/auth/password/reset/{TOKEN}", "PATH_INFO": f"/auth/password/reset/{TOKEN}",
        "SERVER_PROTOCOL": "HTTP/1.1", "QUERY_STRING": "", "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": f"https://consulta.example/auth/email/confirm/{TOKEN}",
    }
    request = SimpleNamespace(headers=[("REFERER", environ["HTTP_REFERER"])])
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    atoms = logger.atoms(response, request, environ, timedelta(milliseconds=3))
    line = " ".join(str(value) for value in atoms.values())
    assert TOKEN not in line
    assert atoms["r"] == "GET /auth/password/reset/[redacted] HTTP/1.1"
    assert atoms["s"] == "200" and atoms["h"] == "127.0.0.1"


def test_gunicorn_configuration_uses_the_redacting_logger():
    namespace = {}
    with open("gunicorn.conf.py", encoding="utf-8") as source:
        exec(compile(source.read(), "gunicorn.conf.py", "exec"), namespace)
    assert namespace["logger_class"] == "aga_consulta.serving.RedactingLogger"
