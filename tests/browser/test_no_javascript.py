"""With JavaScript switched off in Chromium, the results page still shows its figures and charts."""
import pytest

from aga_consulta.comments.services import add_comment
from aga_consulta.voting.services import cast_vote
from tests.browser.conftest import ARTIFACTS, VIEWPORTS

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_results_page_draws_figures_and_charts_without_javascript(chromium, site, factory, viewport):
    consultation = factory.consultation(slug="sin-js")
    first = factory.proposal(consultation, code="N-01", title="Datos abiertos de contratación")
    second = factory.proposal(consultation, code="S-76", scope="subnational", department="76",
                              title="Presupuestos participativos en Cali")
    people = [factory.user(department=dept) for dept in ("11", "76", "76")]
    for citizen in people:
        cast_vote(citizen, first)
    cast_vote(people[1], second)
    add_comment(people[2], second, "Un comentario para la gráfica")

    context = chromium.new_context(base_url=site.url, viewport=VIEWPORTS[viewport], locale="es-CO",
                                   java_script_enabled=False)
    try:
        page = context.new_page()
        response = page.goto("/consultations/sin-js/results")
        assert response.status == 200
        figures = page.locator("dl.result-figures")
        assert figures.is_visible()
        text = figures.inner_text()
        assert "3" in text and "4" in text  # 3 participants, 4 votes
        charts = page.locator("figure.chart")
        assert charts.count() == 3
        for n in range(3):
            chart = charts.nth(n)
            box = chart.locator("svg").first.bounding_box()
            assert box is not None and box["width"] > 0 and box["height"] > 0, f"chart {n} not drawn"
            # Each chart's numbers are also a table, behind a <details> that opens without script.
            table = chart.locator("details table")
            assert not table.is_visible()
            chart.locator("details summary").click()
            assert table.is_visible() and table.locator("tbody tr").count() >= 1
        # The bars are sized by SVG attributes (no script, no inline style): the top proposal's
        # bar is the full width, the other's a third of it.
        widths = [float(rect.get_attribute("width")) for rect in page.locator("figure.chart").first.locator("rect").all()]
        assert widths[:2] == [100.0, pytest.approx(100 / 3, abs=0.5)]
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"results-no-javascript-{viewport}.png"), full_page=True)
    finally:
        context.close()
