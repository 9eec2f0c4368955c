"""Shared helpers of the adversarial suite: payloads, row snapshots, logged-in clients."""
import contextvars
import re
import threading

from flask.testing import FlaskClient
from sqlalchemy import func, select

from aga_consulta.extensions import db
from tests.helpers import login

#: Script and HTML payloads (CVE-2026-23891 and friends): each must come out inert.
XSS_PAYLOADS = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    "javascript:alert(1)",
)
#: What Jinja's autoescape makes of the first three (the fourth has nothing to escape).
ESCAPED = {
    "<script>alert(1)</script>": "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<img src=x onerror=alert(1)>": "&lt;img src=x onerror=alert(1)&gt;",
    '"><svg onload=alert(1)>': "&#34;&gt;&lt;svg onload=alert(1)&gt;",
}
# The app draws its own charts as inline <svg>, so an <svg> tag alone is not an attack: the
# payload's tell is its event handler (onload=), caught by the second alternative.
# The site's own scripts are static files (<script src="/static/js/...">), never inline.
_LIVE_MARKUP = re.compile(r"<\s*(script(?![^>]*\ssrc=\"/static/js/)|img\s+src=x|iframe)\b|\son(error|load)\s*=|(href|src|action)\s*=\s*[\"']?\s*javascript:",
                          re.IGNORECASE)


def assert_inert(html, expect_escaped=()):
    """No payload is live markup in `html`; each of `expect_escaped` appears escaped."""
    for payload in XSS_PAYLOADS[:3]:
        assert payload not in html, f"raw payload {payload!r} in page"
    live = _LIVE_MARKUP.search(_strip_escaped(html))
    assert live is None, f"live markup {live.group(0)!r}"
    for payload in expect_escaped:
        assert ESCAPED.get(payload, payload) in html, f"{payload!r} not shown escaped"


def _strip_escaped(html):
    # Escaped payloads are text (&lt;img src=x onerror=...&gt;): their attribute-like words
    # must not count as live attributes. Only the text between &lt; and &gt; is removed.
    return re.sub(r"&lt;.*?&gt;", "", html)


def table_counts():
    """Rows in every table: compared before and after an attack to prove nothing was stored."""
    db.session.rollback()  # a fresh snapshot, not the one an earlier read left open
    counts = {table.name: db.session.scalar(select(func.count()).select_from(table))
              for table in db.metadata.sorted_tables}
    db.session.rollback()
    return counts


def logged_in(app, email, **environ):
    """A new test client logged in as `email` through the login form."""
    client = app.test_client()
    if environ:
        client.environ_base.update(environ)
    response = login(client, email)
    assert response.status_code == 302, response.status_code
    return client


def fire_at_once(calls):
    """Run every callable in its own thread, released together; return their results in order.

    A result is the callable's return value or the class name of what it raised.
    """
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        barrier.wait(30)
        try:
            results[index] = call()
        except Exception as error:  # noqa: BLE001  the outcome is what the test asserts
            results[index] = type(error).__name__

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def fetch(client, url, method="GET", **kwargs):
    """Open `url` and read the whole body in the request's own context; return (response, body bytes).

    The suite's client runs each request in a fresh context (tests/conftest.py): a streamed
    response (CSV exports) must be read inside that same context.
    """
    def run():
        response = FlaskClient.open(client, url, method=method, **kwargs)
        body = response.get_data()
        response.close()
        return response, body

    return contextvars.Context().run(run)
