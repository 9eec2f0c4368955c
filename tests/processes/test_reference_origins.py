"""The reference shows the reasoned response: each IV Plan proposal's survey theme and workshop."""
from sqlalchemy import select

from aga_consulta.consultations.services import get_by_slug as get_consultation
from aga_consulta.events.models import Event, EventOutcome
from aga_consulta.extensions import db
from aga_consulta.proposals.models import Proposal
from aga_consulta.surveys.models import ThemeLink
from tests.helpers import audit_entries, count


def test_every_reference_proposal_is_traced_to_its_theme_and_workshop(runner, client):
    assert runner.invoke(args=["seed", "reference"]).exit_code == 0
    consultation = get_consultation("iv-plan-2020")
    proposals = list(db.session.scalars(select(Proposal).where(Proposal.consultation_id == consultation.id)))
    assert count(EventOutcome) == len(proposals) == count(ThemeLink) == 26
    assert len(audit_entries("proposal.origins")) == 26
    selected = next(p for p in proposals if p.status == "selected")
    page = client.get(f"/proposals/{selected.id}").get_data(as_text=True)
    assert "De dónde viene esta propuesta" in page and selected.theme.name in page
    event_id = db.session.scalar(select(EventOutcome.event_id).where(EventOutcome.proposal_id == selected.id))
    assert db.session.get(Event, event_id).theme == selected.theme.name
    workshop = client.get(f"/events/{event_id}").get_data(as_text=True)
    assert selected.title in workshop and "Seleccionada" in workshop
