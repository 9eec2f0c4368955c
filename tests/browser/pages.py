"""What every page a browser test visits goes through: a screenshot, axe-core, the layout."""
import json
import os
from pathlib import Path

import pytest

try:
    from playwright.sync_api import expect
except ImportError:  # the `chromium` fixture skips (or fails in CI) before any test needs it
    expect = None

ROOT = Path(__file__).resolve().parents[2]
AXE_PATH = ROOT / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
HTML_LANG = {"es": "es-CO", "en": "en"}

# Runs in the page: axe's violations, reduced to what a person needs to fix them.
_RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    nodes: v.nodes.map(n => ({target: n.target.join(" "), html: n.html, summary: n.failureSummary})),
  }));
}"""

_LAYOUT = """() => ({
  scrollWidth: document.documentElement.scrollWidth,
  innerWidth: window.innerWidth,
  lang: document.documentElement.lang,
  wide: Array.from(document.querySelectorAll("body *"))
    .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1
                  && !el.closest(".table-scroll, .visually-hidden, .skip-link"))
    .slice(0, 5).map(el => el.tagName.toLowerCase() + (el.className ? "." + el.className : "")),
})"""


def browser_required():
    """True when a missing browser (or axe-core) must fail the run, as in CI, rather than skip."""
    return os.environ.get("AGA_REQUIRE_BROWSER", "").strip().lower() in {"1", "true", "yes", "on"}


def unavailable(reason):
    """Skip with `reason`, or fail when AGA_REQUIRE_BROWSER is set."""
    if browser_required():
        pytest.fail(f"AGA_REQUIRE_BROWSER is set but {reason}", pytrace=False)
    pytest.skip(reason)


def format_violations(url, violations):
    """axe's violations as readable text: rule, impact, help, and each offending node."""
    lines = [f"{url}:"]
    for v in violations:
        lines.append(f"  [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:8]:
            lines.append(f"      at {node['target']}: {node['html'][:200]}")
            lines.append("         " + (node["summary"] or "").replace("\n", "\n         "))
    return "\n".join(lines)


class Checker:
    """One browser tab of a test, and the checks run on every page it shows.

    check(step) screenshots the page into the test's artifact folder, runs axe-core with the
    WCAG 2.1 A/AA rules, and checks that nothing is wider than the viewport, that the page is
    in the expected language and that the browser logged no error (a CSP refusal included).
    Problems are collected; assert_clean() reports them all at the end of the test.
    """

    def __init__(self, page, axe_source, artifacts, prefix, width, lang):
        self.page = page
        self.axe_source = axe_source
        self.artifacts = artifacts
        self.prefix = prefix
        self.width = width
        #: The language the pages must be in (html lang); a test changes it when it switches.
        self.lang = lang
        self.steps = 0
        self.problems = []
        self.checked = []
        self.console_errors = []
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.console_errors.append(str(error)))
        page.on("response", self._on_response)

    def _on_console(self, message):
        # A failed load is reported with its URL by _on_response; the rest (a CSP refusal, a
        # script error) is a problem of the page.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.console_errors.append(message.text)

    def _on_response(self, response):
        # The browser asks for /favicon.ico by itself; the site has none, and that is fine.
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            self.console_errors.append(f"HTTP {response.status} for {response.url}")

    def goto(self, path, step=None):
        """Open `path` (as a person typing the address) and check the page."""
        response = self.page.goto(path)
        assert response is not None and response.status < 400, f"{path}: HTTP {response and response.status}"
        if step:
            self.check(step)
        return response

    def check(self, step):
        """Screenshot, axe and layout checks of the page as it is now."""
        page = self.page
        page.wait_for_load_state("load")
        self.steps += 1
        url = page.url
        page.screenshot(path=str(self.artifacts / f"{self.prefix}{self.steps:02d}-{step}.png"), full_page=True)
        self.checked.append(f"{step}: {url}")

        layout = page.evaluate(_LAYOUT)
        if layout["scrollWidth"] > self.width:
            self.problems.append(
                f"{step} ({url}): page is {layout['scrollWidth']} px wide in a {self.width} px viewport;"
                f" too wide: {layout['wide']}"
            )
        if layout["lang"] != HTML_LANG[self.lang]:
            self.problems.append(f"{step} ({url}): html lang is {layout['lang']!r}, expected {HTML_LANG[self.lang]!r}")
        if self.console_errors:
            self.problems.append(f"{step} ({url}): browser errors: {self.console_errors}")
            self.console_errors = []

        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.evaluate(self.axe_source)
        violations = page.evaluate(_RUN_AXE, AXE_TAGS)
        if violations:
            self.problems.append(f"{step}: " + format_violations(url, violations))

    def assert_clean(self):
        """Fail with every problem found on every checked page."""
        assert self.checked, "no page was checked"
        assert not self.problems, (
            f"{len(self.problems)} problem(s) on {len(self.checked)} checked pages:\n\n" + "\n\n".join(self.problems)
        )

    def summary(self):
        """The checked pages, for the test's output."""
        return json.dumps(self.checked, indent=1, ensure_ascii=False)


def translator(app, lang):
    """gettext in `lang` from the app's catalogues, so the tests find what a person reads."""
    from flask_babel import force_locale, gettext, ngettext

    locale = "en" if lang == "en" else "es_CO"

    def tr(msgid, **variables):
        with app.test_request_context(), force_locale(locale):
            return gettext(msgid, **variables)

    def plural(singular, plural_, num):
        with app.test_request_context(), force_locale(locale):
            return ngettext(singular, plural_, num)

    tr.n = plural
    return tr
