"""The home page: what is open and until when, timelines, figures from the records, how to take part."""
import re
from datetime import timedelta

from aga_consulta.comments.services import add_comment
from aga_consulta.extensions import db
from aga_consulta.portal.services import cached_headline_figures, headline_figures
from aga_consulta.processes.services import create_process
from aga_consulta.timeutil import utcnow
from aga_consulta.voting.services import cast_vote, withdraw_vote
from tests.helpers import login


def _process_with_open_survey(factory):
    consultation = factory.consultation(slug="practica", state="upcoming", title="Consulta de práctica")
    now = utcnow()
    steps = [
        {"kind": "thematic_survey", "opens_at": now - timedelta(days=1), "closes_at": now + timedelta(days=5)},
        {"kind": "consultation", "opens_at": consultation.opens_at, "closes_at": consultation.closes_at,
         "consultation": consultation},
    ]
    return create_process(slug="demo-v", title="Proceso de práctica", steps=steps, is_practice=True)


def test_an_open_consultation_and_step_say_until_when_and_invite(client, factory):
    factory.consultation(slug="abierta", title="Consulta abierta de prueba")
    _process_with_open_survey(factory)
    html = client.get("/").get_data(as_text=True)
    open_now = html.split('id="open-heading"', 1)[1].split("</section>", 1)[0]
    assert "Consulta abierta de prueba" in open_now and "Abierta hasta el" in open_now
    assert "Quedan menos de 24 horas." in open_now  # the factory closes it a day after it opened
    assert "Consulta temática · Proceso de práctica" in open_now and "Proceso de práctica" in open_now and "Práctica" in open_now
    assert "Consulta de práctica" not in open_now  # upcoming: not open now
    assert 'href="/auth/register"' in html and "Crear una cuenta para participar" in html
    timeline = html.split('id="processes-heading"', 1)[1]
    assert "Cronograma de Proceso de práctica" in timeline and timeline.count('class="step-') >= 2
    assert re.search(r"<title>\s*Inicio · ", html)


def test_a_logged_in_citizen_is_sent_to_the_open_consultation(client, factory):
    factory.consultation(slug="abierta")
    citizen = factory.user()
    login(client, citizen.email)
    html = client.get("/").get_data(as_text=True)
    assert 'href="/consultations/abierta">Ir a la consulta abierta' in html
    assert "Crear una cuenta para participar" not in html


def test_with_nothing_open_it_says_so_and_points_to_what_comes_and_to_results(client, factory):
    factory.consultation(slug="pasada", state="closed", title="Consulta pasada")
    factory.consultation(slug="futura", state="upcoming", title="Consulta futura")
    html = client.get("/").get_data(as_text=True)
    assert "En este momento no hay ninguna consulta abierta." in html
    assert "La próxima, «Consulta futura», abre el" in html
    assert 'href="/consultations/pasada/results"' in html or "Resultados de «Consulta pasada»" in html


def test_the_figures_count_active_votes_visible_comments_and_people_once(client, factory, moderator):
    consultation = factory.consultation()
    first, second = factory.proposal(consultation), factory.proposal(consultation)
    ana, beto, carla = factory.user(), factory.user(), factory.user()
    cast_vote(ana, first)
    cast_vote(ana, second)
    cast_vote(beto, first)
    withdraw_vote(beto, first)  # beto no longer takes part
    add_comment(carla, first, "Un comentario visible")
    hidden = add_comment(ana, second, "Un comentario oculto")
    hidden.status = "hidden"
    db.session.commit()
    assert headline_figures() == {"consultations": 1, "proposals": 2, "participants": 2, "votes": 2, "comments": 1}
    html = client.get("/").get_data(as_text=True)
    figures = html.split('id="figures-heading"', 1)[1].split("</section>", 1)[0]
    assert re.search(r'class="figure">2</span> personas participaron', figures)
    assert re.search(r'class="figure">2</span> votos', figures)
    assert re.search(r'class="figure">1</span> comentario publicado', figures)


def test_the_figures_are_kept_for_their_time_to_live(factory):
    store, now = {}, utcnow()
    assert cached_headline_figures(store, now, ttl=60)["proposals"] == 0
    factory.proposal(factory.consultation())
    assert cached_headline_figures(store, now + timedelta(seconds=59), ttl=60)["proposals"] == 0
    assert cached_headline_figures(store, now + timedelta(seconds=60), ttl=60)["proposals"] == 1
