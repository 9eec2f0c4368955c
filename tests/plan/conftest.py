"""Builders of a published plan for the plan tests (through the services)."""
from datetime import date, timedelta

import pytest

from aga_consulta.accounts.services import register_citizen
from aga_consulta.plan import commitments
from aga_consulta.processes.services import create_process
from aga_consulta.proposals.workflow import change_status
from aga_consulta.timeutil import utcnow
from tests.helpers import PASSWORD, REASON

KINDS = ("thematic_survey", "workshops", "expert_sessions", "call_for_proposals", "consultation", "selection")
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def institution_account(name="Alcaldía de Palmira", email=None, department="76"):
    """An institution account speaking for `name`."""
    slug = "".join(ch for ch in name.lower() if ch.isalnum())[:20]
    return register_citizen(name=f"Enlace {name}", email=email or f"enlace@{slug}.gov.co", password=PASSWORD,
                            department_code=department, accepted_terms=True, role="institution", email_confirmed=True,
                            institution=name, institution_department=department)


def template(**overrides):
    """A direct commitment's fields on the OGP template."""
    values = {"title": "Datos abiertos de contratación", "lead_institution": "Ministerio de las TIC",
              "scope": "national", "starts_on": "2025-02-01", "ends_on": "2026-06-30",
              "problem": "La contratación pública no se publica en formatos abiertos.",
              "commitment": "Publicar la contratación en datos abiertos.",
              "expected_results": "Conjuntos de datos actualizados cada mes.",
              "contribution": "Permite a la ciudadanía vigilar el gasto.", "ogp_values": ["transparency"],
              "other_actors": "Transparencia por Colombia (sociedad civil)"}
    values.update(overrides)
    return values


MILESTONES = [
    {"deliverable": "Inventario de datos publicado", "starts_on": "2025-02-01", "ends_on": "2025-06-30"},
    {"deliverable": "Portal con datos mensuales", "starts_on": "2025-07-01", "ends_on": "2026-06-30"},
]


@pytest.fixture
def plan_process(factory, moderator):
    """A process whose consultation selected one subnational proposal, with its plan published (2025-2026)."""
    consultation = factory.consultation(slug="consulta-plan", state="closed")
    start = utcnow() - timedelta(days=90)
    process = create_process(slug="plan-vi", title="VI Plan de Acción", steps=[
        {"kind": kind, "opens_at": start + timedelta(days=10 * n), "closes_at": start + timedelta(days=10 * (n + 1)),
         "consultation": consultation if kind in ("consultation", "selection") else None}
        for n, kind in enumerate(KINDS)])
    chosen = factory.proposal(consultation, code="SN-01", scope="subnational", department="76",
                              title="Banco de pliegos abiertos")
    factory.proposal(consultation, code="N-01", scope="national")
    for status in ("shortlisted", "selected"):
        change_status(moderator, chosen, status, REASON)
    return process


@pytest.fixture
def plan(plan_process, moderator):
    """The published plan of `plan_process`, plus one direct national commitment with two milestones."""
    published = commitments.publish_plan(moderator, plan_process.id, title="VI Plan de Acción 2025-2026",
                                         starts_on=date(2025, 1, 1), ends_on=date(2026, 12, 31),
                                         consultation=plan_process.steps[4].consultation)
    commitments.add_commitment(moderator, published, template(), MILESTONES)
    return published


@pytest.fixture
def national(plan):
    """The plan's direct national commitment (C02)."""
    return next(c for c in plan.commitments if c.code == "C02")
