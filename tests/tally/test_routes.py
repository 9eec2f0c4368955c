"""The public results page."""
import re

from aga_consulta.comments.services import add_comment
from aga_consulta.comments.moderation import hide_comment
from aga_consulta.proposals.workflow import change_status
from aga_consulta.tally.services import compute_tally
from aga_consulta.voting.services import cast_vote
from tests.helpers import login

HIDDEN_TEXT = "Texto ofensivo que nadie debe leer en resultados"


def build(factory):
    consultation = factory.consultation(slug="plan", title="Plan de prueba")
    national = factory.proposal(consultation, code="N-1", title="Datos abiertos nacionales")
    local = factory.proposal(consultation, code="S-1", scope="subnational", department="52", title="Agua en Nariño")
    moderator = factory.user(role="moderator")
    voters = [factory.user(department=code) for code in ("05", "05", "52")]
    for voter in voters:
        cast_vote(voter, local)
    cast_vote(voters[0], national)
    add_comment(voters[1], local, "Un comentario publicado.")
    hidden = add_comment(factory.user(department="11"), national, HIDDEN_TEXT)
    hide_comment(moderator, hidden, "Lenguaje ofensivo")
    change_status(moderator, local, "shortlisted", "Cumple los criterios.")
    change_status(moderator, local, "selected", "Motivo público de la selección de Nariño.")
    return consultation


def text(response):
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def test_results_page_shows_the_tally_figures_ranking_selection_and_charts(client, factory):
    consultation = build(factory)
    tally = compute_tally(consultation)
    assert (tally["participants"], tally["votes"], tally["comments"]["received"]) == (4, 4, 2)
    response = client.get("/consultations/plan/results")
    assert response.status_code == 200
    html = text(response)
    for label, value in (("Personas que votaron y/o comentaron", 4), ("Votos", 4), ("Comentarios recibidos", 2),
                         ("Comentarios publicados", 1), ("Personas que votaron", 3), ("Personas que comentaron", 2)):
        assert f"<dt>{label}</dt><dd>{value}</dd>" in html.replace("> <", "><")
    assert "Motivo público de la selección de Nariño." in html
    assert "<caption>Propuestas nacionales (1)</caption>" in html
    assert "<caption>Propuestas subnacionales (1)</caption>" in html
    # Ranking: S-1 (3 votes) before N-1 (1 vote) in the votes chart's data table.
    votes_table = html[html.index("<caption>Votos por propuesta</caption>"):]
    assert votes_table.index(">S-1<") < votes_table.index(">N-1<")
    # Charts: inline SVG sized by attributes, each with a data table and a text alternative.
    assert html.count("<svg") >= 3 and 'width="100.0"' in html
    assert "<caption>Participación por departamento</caption>" in html
    assert '<th scope="row">Antioquia</th><td>2</td><td>2</td><td>1</td>' in html.replace("> <", "><")
    assert "<caption>Participación en el tiempo</caption>" in html
    assert "La propuesta con más votos es S-1, con 3" in html
    # No JavaScript needed, and nothing the CSP would block.
    assert "<script" not in html and "style=" not in html


def test_results_never_show_a_hidden_comment_to_anyone(client, factory):
    build(factory)
    assert HIDDEN_TEXT not in client.get("/consultations/plan/results").get_data(as_text=True)
    factory.user(email="mod@example.co", role="moderator")
    login(client, "mod@example.co")
    assert HIDDEN_TEXT not in client.get("/consultations/plan/results").get_data(as_text=True)


def test_results_page_of_an_empty_consultation_and_of_an_unknown_slug(client, factory):
    factory.consultation(slug="vacia")
    response = client.get("/consultations/vacia/results")
    assert response.status_code == 200
    html = text(response)
    assert "Todavía no hay votos." in html and "Todavía no hay propuestas seleccionadas." in html
    assert client.get("/consultations/no-existe/results").status_code == 404
    assert client.get("/consultations/" + "x" * 300 + "/results").status_code == 404


def test_consultation_page_and_dashboard_link_to_the_results_with_the_same_figures(client, factory):
    consultation = build(factory)
    assert "/consultations/plan/results" in client.get("/consultations/plan").get_data(as_text=True)
    factory.user(email="mod@example.co", role="moderator")
    login(client, "mod@example.co")
    dashboard = text(client.get("/moderation/?consultation=plan")).replace("> <", "><")
    results = text(client.get("/consultations/plan/results")).replace("> <", "><")
    tally = compute_tally(consultation)
    assert f"<dt>Participantes</dt><dd>{tally['participants']}</dd>" in dashboard
    assert f"<dt>Personas que votaron y/o comentaron</dt><dd>{tally['participants']}</dd>" in results
    assert f"<dt>Comentarios recibidos</dt><dd>{tally['comments']['received']}</dd>" in dashboard
    assert f"<dt>Comentarios recibidos</dt><dd>{tally['comments']['received']}</dd>" in results
    assert "/consultations/plan/results" in dashboard


def test_reference_results_page_says_it_is_a_reconstruction(client, runner):
    runner.invoke(args=["seed", "reference"])
    html = text(client.get("/consultations/iv-plan-2020/results"))
    assert "Reconstrucción de referencia" in html
    assert "<dd>713</dd>" in html.replace("> <", "><") and "<dd>149</dd>" in html.replace("> <", "><")


def test_results_and_public_exports_share_one_rate_limit_per_client(app, client, factory):
    # Each of these pages computes the whole tally: a loop of anonymous requests is cut off.
    factory.consultation(slug="plan")
    app.config["RESULTS_RATE_LIMIT"] = "3 per minute"
    try:
        statuses = [client.get("/consultations/plan/results").status_code,
                    client.get("/consultations/plan/export/summary.csv").status_code,
                    client.get("/consultations/plan/results").status_code,
                    client.get("/consultations/plan/export/proposals.csv").status_code,
                    client.get("/consultations/plan/results").status_code]
        other_client = app.test_client()
        other_client.environ_base["REMOTE_ADDR"] = "198.51.100.7"
        elsewhere = other_client.get("/consultations/plan/results").status_code
    finally:
        app.config["RESULTS_RATE_LIMIT"] = "10000 per minute"
    assert statuses == [200, 200, 200, 429, 429]
    assert elsewhere == 200


def test_charts_read_without_a_manual(client, factory):
    build(factory)
    html = text(client.get("/consultations/plan/results"))
    # Titles, a legend with a swatch per colour and the unit, labels and values on bars.
    for title in ("Votos por propuesta", "Participación por departamento", "Participación en el tiempo"):
        assert f"<strong>{title}</strong>" in html
    legend = re.search(r'<ul class="legend"[^>]*>(.*?)</ul>', html).group(1)
    assert "swatch-selected" in legend and "Seleccionada" in legend and "Otras propuestas" in legend
    assert "Longitud de la barra: votos activos" in legend
    assert re.search(r'<span class="bar-label">S-1</span>.*?<span class="bar-value">3</span>', html)
    # The timeline has a y axis (peak and zero, with its title) and dated x axis.
    timeline = re.search(r'<div class="timeline"[^>]*>(.*?)</div> <details>', html).group(1)
    assert "Personas nuevas por día" in timeline and "Día (hora de Colombia)" in timeline
    assert re.search(r'<div class="y-axis"><span>\d+</span><span>[^<]*</span><span>0</span></div>', timeline)
    assert re.search(r'<p class="columns-axis"><span>\d{1,2} \w+', timeline)


def test_ranking_tables_stack_on_a_phone_instead_of_scrolling(client, factory):
    build(factory)
    html = text(client.get("/consultations/plan/results"))
    ranking = html[html.index('id="ranking-heading"'):html.index('id="charts-heading"')]
    assert "table-scroll" not in ranking
    assert ranking.count('<table class="results-table stacked">') == 2
    # Every data cell names its column, for the stacked layout's "label: value" lines.
    cells = re.findall(r"<t[dh](?: scope=\"row\")?( data-label=\"[^\"]+\")?>", ranking.split("<tbody>", 1)[1])
    assert cells and all(cells)
    css = client.get("/static/css/tally.css").get_data(as_text=True)
    assert "@media (max-width: 40em)" in css and 'content: attr(data-label) ": "' in css
