"""Test helpers: build records through the real services, log in through the real form."""
import itertools
import re
from datetime import timedelta

from sqlalchemy import event, func, select

from aga_consulta.accounts.services import register_citizen
from aga_consulta.consultations.services import create_consultation
from aga_consulta.extensions import db
from aga_consulta.proposals.services import create_proposal, get_or_create_theme
from aga_consulta.timeutil import utcnow

PASSWORD = "una frase de prueba bastante larga"
#: A fixed Ed25519 signer key for production-configured apps in tests (never used elsewhere).
TEST_SIGNER_KEY = "PRIVATE+KEY+test.example/transparency+74c7bbd9+AQABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f"
_counter = itertools.count(1)


class Factory:
    """Creates records with sensible defaults; every argument can be overridden."""

    def user(self, role="citizen", email=None, name=None, department="11", password=PASSWORD, email_confirmed=False):
        n = next(_counter)
        return register_citizen(
            name=name or f"Persona {n}",
            email=email or f"persona{n}@example.co",
            password=password,
            department_code=department,
            accepted_terms=True,
            role=role,
            email_confirmed=email_confirmed,
        )

    def reporter(self, **values):
        """A citizen whose reports count toward auto-hide (a confirmed e-mail; see report_counts)."""
        return self.user(email_confirmed=True, **values)

    def consultation(self, slug=None, state="open", vote_cap=None, title="Consulta de prueba"):
        now = utcnow()
        windows = {
            "open": (now - timedelta(days=1), now + timedelta(days=1)),
            "closed": (now - timedelta(days=10), now - timedelta(days=1)),
            "upcoming": (now + timedelta(days=1), now + timedelta(days=10)),
        }
        opens_at, closes_at = windows[state]
        consultation = create_consultation(
            slug=slug or f"consulta-{next(_counter)}",
            title=title,
            opens_at=opens_at,
            closes_at=closes_at,
            vote_cap=vote_cap,
            description="Descripción",
        )
        return consultation

    def proposal(self, consultation, code=None, scope="national", department=None, theme=None, title=None):
        if theme:
            get_or_create_theme(theme, theme.title())
        if scope == "subnational" and department is None:
            department = "76"
        values = {"code": code or f"P-{next(_counter)}", "title": title or "Propuesta de prueba", "scope": scope,
                  "summary": "Resumen", "body": "Cuerpo", "department_code": department or "", "theme": theme or "",
                  "proposer": "Entidad"}
        return create_proposal(consultation, values)


def login(client, email, password=PASSWORD, next_url=None):
    """Log in through the login form and return the response."""
    url = "/auth/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"email": email, "password": password})


def csrf_token(client, url):
    """Fetch `url` and return the first CSRF token in its HTML."""
    html = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    assert match, f"no csrf token on {url}"
    return match.group(1)


def statements_of(client, url):
    """Return how many SQL statements one GET of `url` runs (it must answer 200)."""
    seen = []

    def count_statement(*args, **kwargs):
        seen.append(1)

    event.listen(db.engine, "before_cursor_execute", count_statement)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count_statement)
    return len(seen)


def count(model, *where):
    """Count rows of `model` matching the conditions."""
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


#: Headers of a script that wants to read a refusal's status (409, 403...) instead of a page.
JSON = {"Accept": "application/json"}


def assert_refused(client, response, page, message):
    """Check a refusal answered 303 back to `page`, which then shows `message` once."""
    assert response.status_code == 303, response.status_code
    location = response.headers["Location"]
    assert location.split("#")[0] == page, location
    html = client.get(location).get_data(as_text=True)
    assert message in html, html[:2000]
    return html


#: A staff member's reason that passes every length rule.
REASON = "Cumple los criterios de priorización del comité"


def audit_entries(action=None):
    """Return the audit log's entries (of one action, if given), oldest first."""
    from aga_consulta.audit.models import AuditLogEntry

    query = select(AuditLogEntry).order_by(AuditLogEntry.id)
    if action:
        query = query.where(AuditLogEntry.action == action)
    return list(db.session.scalars(query))


def field_error(page, name):
    """The message beside field `name` on `page`: its error paragraph, tied to the field (which
    has the page's focus) by aria-describedby and marked invalid."""
    match = re.search(rf'<p class="error" id="{name}-error">([^<]*)</p>', page)
    assert match, f"no error beside {name}"
    tag = re.search(rf'<(?:input|textarea|select)[^>]*id="{name}"[^>]*>', page).group(0)
    assert re.search(rf'aria-describedby="[^"]*{name}-error', tag) and 'aria-invalid="true"' in tag
    assert "autofocus" in tag
    return match.group(1)
