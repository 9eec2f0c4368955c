"""The co-creation cycle in Chromium: a citizen answers the practice survey and signs up for a
workshop; staff create a workshop, record its attendance (check-in list and sign-in sheet),
publish its notes, accept an institution's proposal from the call and trace it to the
workshop; an admin opens the process and survey screens. Every page is checked with axe-core.
"""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from aga_consulta.calls import services as calls
from aga_consulta.calls.models import Submission
from aga_consulta.events.models import Attendance, Event, EventOutcome, Registration
from aga_consulta.events.services import create_event
from aga_consulta.extensions import db
from aga_consulta.processes.services import create_process, get_by_slug, step_of
from aga_consulta.seed.cocreation import load_demo
from aga_consulta.surveys.models import Response
from aga_consulta.timeutil import utcnow
from tests.browser.pages import expect, translator
from tests.helpers import PASSWORD, count
from tests.processes.test_call import FORM, _milestones, institution

pytestmark = pytest.mark.browser

CASES = [("desktop", "es"), ("phone", "en")]


def log_in(tab, tr, email):
    page = tab.page
    tab.goto("/auth/login")
    page.get_by_label(tr("Correo electrónico")).fill(email)
    page.get_by_label(tr("Contraseña")).fill(PASSWORD)
    page.get_by_role("button", name=tr("Entrar")).click()


@pytest.mark.parametrize("viewport, lang", CASES)
def test_a_citizen_answers_the_practice_survey_and_signs_up(app, factory, open_page, viewport, lang):
    load_demo(utcnow())
    demo = get_by_slug("demo")
    survey_step = step_of(demo, "thematic_survey")
    start = utcnow() + timedelta(days=3)
    event_id = create_event(kind="workshop", theme="Mesa de práctica", starts_at=start,
                            ends_at=start + timedelta(hours=2), place="Biblioteca pública", capacity=20,
                            registration_open=True).id
    citizen = factory.user(name="Lucía Gómez", email=f"lucia.{viewport}.{lang}@example.co")
    citizen_id = citizen.id
    tr = translator(app, lang)
    tab = open_page(viewport=viewport, lang=lang)
    page = tab.page
    log_in(tab, tr, citizen.email)

    tab.goto("/processes/demo", "process")
    page.get_by_role("link", name="Encuesta de práctica").click()
    tab.check("survey")
    page.get_by_label("Datos abiertos").check()
    page.get_by_label("Ambiente").check()
    page.get_by_label("4", exact=True).check()
    page.get_by_role("textbox").fill("Que los resultados lleguen a las veredas.")
    page.get_by_role("button", name=tr("Guardar mis respuestas")).click()
    expect(page.locator(".flash-success")).to_be_visible()
    tab.check("survey-saved")
    assert count(Response, Response.user_id == citizen_id) == 1
    tab.goto(page.url.rstrip("/") + "/results", "survey-results")

    tab.goto(f"/events/{event_id}", "event")
    page.get_by_role("button", name=tr("Inscribirme")).click()
    expect(page.get_by_role("button", name=tr("Cancelar mi inscripción"))).to_be_visible()
    tab.check("registered")
    assert count(Registration, Registration.user_id == citizen_id) == 1
    assert survey_step is not None
    tab.assert_clean()


def build_process(factory):
    """Workshops open now, a call open now, and the consultation after them."""
    consultation = factory.consultation(slug="consulta-v", title="Consulta del V Plan")
    now = utcnow()
    steps = [{"kind": "workshops", "opens_at": now - timedelta(days=3), "closes_at": now + timedelta(days=3)},
             {"kind": "call_for_proposals", "opens_at": now - timedelta(days=1), "closes_at": now + timedelta(days=5)},
             {"kind": "consultation", "opens_at": now + timedelta(days=6), "closes_at": now + timedelta(days=20),
              "consultation": consultation}]
    return create_process(slug="v-plan", title="Co-creación del V Plan", steps=steps)


@pytest.mark.parametrize("viewport, lang", CASES)
def test_staff_record_a_workshop_and_accept_a_proposal(app, factory, open_page, viewport, lang, tmp_path):
    process = build_process(factory)
    palmira = institution(email=f"palmira.{viewport}.{lang}@example.gov.co")
    submission_id = calls.submit(palmira, step_of(process, "call_for_proposals"), FORM, _milestones(FORM)).id
    attendee = factory.user(name="Mario Ruiz", email=f"mario.{viewport}.{lang}@example.co")
    moderator = factory.user(role="moderator", name="Marta Rojas", email=f"marta.{viewport}.{lang}@example.co")
    tr = translator(app, lang)
    tab = open_page(viewport=viewport, lang=lang)
    page = tab.page
    log_in(tab, tr, moderator.email)

    tab.goto("/moderation/processes", "processes")
    page.get_by_role("link", name=tr("Añadir un taller")).click()
    tab.check("new-workshop")
    page.get_by_label(tr("Mesa temática")).fill("Mesa de contratación abierta")
    start = utcnow() - timedelta(hours=3)
    page.get_by_label(tr("Inicio (hora de Colombia)")).fill((start - timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label(tr("Fin (hora de Colombia)")).fill((start - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label(tr("Lugar"), exact=True).fill("Casa de la cultura, Palmira")
    page.get_by_role("button", name=tr("Guardar")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mesa de contratación abierta")
    tab.check("workshop")
    event_id = db.session.scalar(select(Event.id))

    # Attendance: one from the check-in form, two from a sign-in sheet.
    page.get_by_label(tr("Correo de su cuenta (opcional)")).fill(attendee.email)
    page.get_by_role("button", name=tr("Registrar asistencia"), exact=True).click()
    expect(page.locator(".flash-success")).to_be_visible()
    sheet = tmp_path / "planilla.csv"
    sheet.write_text("department,sector,email\n76,civil_society,\n5,academia,\n", encoding="utf-8")
    page.get_by_label(re.compile(re.escape(tr("Planilla de asistencia (CSV: department, sector, email)")))).set_input_files(str(sheet))
    page.get_by_role("button", name=tr("Importar planilla")).click()
    expect(page.locator(".flash-success")).to_be_visible()
    page.get_by_role("textbox", name=tr("Relatoría"), exact=True).fill("Relatoría: abrir los contratos del municipio en datos abiertos.")
    page.get_by_role("button", name=tr("Publicar relatoría")).click()
    expect(page.locator(".notes")).to_contain_text("abrir los contratos")
    tab.check("workshop-recorded")
    assert count(Attendance, Attendance.event_id == event_id) == 3

    # Accept the institution's proposal from the call.
    tab.goto("/processes/v-plan/call", "call")
    page.get_by_role("button", name=tr("Aceptar en la consulta")).click()
    expect(page.locator(".flash-success")).to_be_visible()
    tab.check("accepted")
    submission = db.session.get(Submission, submission_id)
    db.session.refresh(submission)
    assert submission.status == "accepted" and submission.proposal_id is not None
    proposal_id = submission.proposal_id

    # Trace it to the workshop, then read it on both public pages.
    tab.goto(f"/moderation/proposals/{proposal_id}", "moderate-proposal")
    page.get_by_label(re.compile("Mesa de contratación abierta")).check()
    page.get_by_role("button", name=tr("Guardar el origen")).click()
    expect(page.locator(".flash-success")).to_be_visible()
    assert count(EventOutcome) == 1
    tab.goto(f"/proposals/{proposal_id}", "proposal-origin")
    expect(page.locator(".origin")).to_contain_text("Alcaldía de Palmira")
    expect(page.locator(".origin")).to_contain_text("Mesa de contratación abierta")
    tab.goto(f"/events/{event_id}", "workshop-outcomes")
    expect(page.get_by_role("table", name=tr("Propuestas que surgieron de esta relatoría"))).to_contain_text(FORM["title"])
    tab.assert_clean()


@pytest.mark.parametrize("viewport, lang", CASES)
def test_the_admin_screens_are_accessible(app, factory, open_page, viewport, lang):
    build_process(factory)
    admin = factory.user(role="admin", name="Ada Admin", email=f"ada.{viewport}.{lang}@example.co")
    tr = translator(app, lang)
    tab = open_page(viewport=viewport, lang=lang)
    log_in(tab, tr, admin.email)
    tab.goto("/moderation/processes/new", "new-process")
    tab.goto("/moderation/processes/v-plan/edit", "edit-process")
    tab.page.get_by_role("button", name=tr("Guardar")).click()
    expect(tab.page.locator(".flash-success")).to_be_visible()
    tab.check("process-saved")
    tab.assert_clean()
