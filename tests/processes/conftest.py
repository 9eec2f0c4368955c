"""Builders of processes for the process tests."""
from datetime import timedelta

import pytest

from aga_consulta.processes.services import create_process
from aga_consulta.timeutil import utcnow

KINDS = ("thematic_survey", "workshops", "expert_sessions", "call_for_proposals", "consultation", "selection")


def six_steps(consultation, start, days=10):
    """The six steps back to back from `start`, each `days` long."""
    return [
        {"kind": kind, "opens_at": start + timedelta(days=days * n), "closes_at": start + timedelta(days=days * (n + 1)),
         "consultation": consultation if kind in ("consultation", "selection") else None}
        for n, kind in enumerate(KINDS)
    ]


@pytest.fixture
def process(factory):
    """A process whose consultation step is open now (the steps before it closed, the selection upcoming)."""
    consultation = factory.consultation(slug="consulta-proceso")
    start = utcnow() - timedelta(days=45)
    return create_process(slug="plan-v", title="V Plan de Acción", steps=six_steps(consultation, start))
