"""The page checks themselves can fail: a page broken on purpose is reported, rule by rule."""
import pytest

pytestmark = pytest.mark.browser


def test_checker_reports_violations_overflow_and_language(open_page):
    tab = open_page(viewport="phone", lang="en")
    tab.goto("/auth/login", "login")
    assert tab.problems == []

    # Break the page in the browser: a field without its label, grey on white, a wide box.
    # (CSSOM changes are allowed by the site's CSP; style attributes would not be.)
    tab.page.evaluate("""() => {
      document.querySelector("label[for=email]").remove();
      document.querySelector("h1").style.color = "#bbbbbb";
      document.querySelector("main").appendChild(document.createElement("div")).style.cssText = "width: 900px; height: 10px";
    }""")
    tab.check("broken")
    report = "\n".join(tab.problems)
    assert "label: Form elements must have labels" in report
    assert "color-contrast" in report
    assert "in a 360 px viewport" in report
    with pytest.raises(AssertionError, match="problem"):
        tab.assert_clean()


def test_checker_reports_a_page_in_the_wrong_language(open_page):
    tab = open_page(viewport="desktop", lang="en", locale="es-CO")
    tab.goto("/", "home")
    assert any("html lang is 'es-CO', expected 'en'" in problem for problem in tab.problems)
