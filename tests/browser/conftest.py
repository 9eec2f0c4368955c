"""Real-browser fixtures: Debian's Chromium driven by Playwright against a live server of the app.

The server is the session's app (tests/conftest.py), so it uses the session's database,
SQLite or PostgreSQL, and the test thread can build records through the services and check
what the browser stored. It runs in a thread of this process (werkzeug), one per session.

Playwright never downloads a browser: it launches the system's Chromium (AGA_CHROMIUM,
by default /usr/bin/chromium). Without Chromium, Playwright or axe-core the tests skip with
the reason; with AGA_REQUIRE_BROWSER=1 (CI) a missing piece is a failure.
"""
import os
import re
import shutil
import threading

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from tests.browser.pages import AXE_PATH, ROOT, Checker, unavailable

# Flags this machine needs (root, no network, no GPU); Playwright adds its own defaults
# (a fresh temporary profile among them).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]

VIEWPORTS = {
    "desktop": {"width": 1280, "height": 800},
    "phone": {"width": 360, "height": 740},
}
LOCALES = {"es": "es-CO", "en": "en-US"}
ARTIFACTS = ROOT / "test-artifacts" / "browser"


def chromium_path():
    """The Chromium executable to drive."""
    return os.environ.get("AGA_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def chromium():
    """One headless Chromium for the whole session (each test gets its own contexts)."""
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    executable = chromium_path()
    if not (os.path.isfile(executable) and os.access(executable, os.X_OK)):
        unavailable(f"Chromium not found at {executable} (apt-get install chromium, or set AGA_CHROMIUM)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright is not installed (pip install -r requirements-dev.txt)")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
    except Exception as error:  # noqa: BLE001  any launch failure means "no usable browser"
        playwright.stop()
        unavailable(f"Chromium at {executable} did not start: {error}")
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture(scope="session")
def axe_source():
    """axe-core's source (node_modules, from `npm ci`), injected into every checked page."""
    if not AXE_PATH.is_file():
        unavailable(f"axe-core is not installed ({AXE_PATH.relative_to(ROOT)} missing: run `npm ci`)")
    return AXE_PATH.read_text(encoding="utf-8")


class QuietHandler(WSGIRequestHandler):
    """No access log: pytest would capture a line per request and show them all on a failure."""

    def log_request(self, *args, **kwargs):
        pass


class LiveServer:
    """The app served by werkzeug in a daemon thread on a free port of 127.0.0.1."""

    def __init__(self, app):
        self.server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, name="live-server", daemon=True)

    def start(self):
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(app, chromium):
    """A real HTTP server of the session's app (started only when a browser is there)."""
    server = LiveServer(app)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def site(app, live_server):
    """The live server with CSRF enforced, as in production, for the duration of one test."""
    app.config["WTF_CSRF_ENABLED"] = True
    yield live_server
    app.config["WTF_CSRF_ENABLED"] = False


def _artifact_dir(node):
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", node.name).strip("-")
    path = ARTIFACTS / name
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def open_page(request, chromium, site, axe_source):
    """Open a tab in a fresh context: open_page(viewport="phone", lang="en") -> Checker.

    `lang` is the language the pages must be in; the browser asks for it (Accept-Language)
    unless `locale` says otherwise.

    Every context starts without cookies; the Checker screenshots, runs axe and checks the
    layout of each page the test visits. Contexts are closed at the end of the test.
    """
    contexts = []
    artifacts = _artifact_dir(request.node)

    def factory(viewport="desktop", lang="es", locale=None, label=None):
        context = chromium.new_context(
            base_url=site.url,
            viewport=VIEWPORTS[viewport],
            locale=locale or LOCALES[lang],
            accept_downloads=True,
            # The site's CSP stays enforced: axe goes in through page.evaluate (CDP), which
            # CSP does not govern, so the test also proves the pages run under the real policy.
            bypass_csp=False,
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        prefix = f"{label}-" if label else ""
        return Checker(page, axe_source, artifacts, prefix, VIEWPORTS[viewport]["width"], lang)

    yield factory
    for context in contexts:
        context.close()
