"""The reference committee: deterministic, labelled as a reconstruction, loaded through the services."""
from datetime import date

from sqlalchemy import select

from aga_consulta.committee import meetings, members
from aga_consulta.committee.models import Document, Meeting, Member
from aga_consulta.extensions import db
from aga_consulta.seed.committee import MEETING_MONTHS, load_committee
from tests.helpers import audit_entries, count


def _snapshot():
    return [(m.held_on, m.agenda, m.minutes, tuple(a.name for a in m.attendees), m.government_people,
             m.civil_society_people, m.other_people) for m in meetings.meetings()]


def test_the_reference_committee_is_loaded_through_the_services_and_labelled(moderator):
    assert load_committee() == len(MEETING_MONTHS) == 24
    assert count(Member) == 9 and count(Meeting) == 24 and count(Document) == 3
    assert db.session.scalar(select(Member.id).where(Member.is_reconstruction.is_(False))) is None
    assert db.session.scalar(select(Meeting.id).where(Meeting.is_reconstruction.is_(False))) is None
    assert len(audit_entries("committee.meeting_add")) == 24 and len(audit_entries("committee.member_add")) == 9
    held = meetings.meetings()
    assert held[-1].held_on.year == 2020 and held[0].held_on.year == 2026
    assert all(m.minutes.startswith("Reconstrucción: acta inventada") for m in held)
    assert {d.link[:8] for d in Document.query} == {"https://"} and not any(d.file for d in Document.query)
    # Quarterly but for a gap in 2021; as of the end of 2026 the committee meets as OGP asks.
    cadence = meetings.cadence(held, date(2026, 11, 30))
    assert not cadence.stale and not cadence.too_few_with_civil_society and cadence.last_12_months == 4


def test_the_load_is_deterministic_and_kept_without_reset(moderator):
    load_committee()
    first = _snapshot()
    assert load_committee() == 0 and _snapshot() == first  # already there: nothing added
    assert load_committee(reset=True) == 24
    assert _snapshot() == first and count(Member) == 9


def test_a_committee_kept_by_moderators_is_never_mixed_with_the_reconstruction(moderator):
    load_committee()
    real = members.add_member(moderator, name="Archivo General de la Nación", sector="government", role="member",
                              joined_on="2024-01-01")
    # A reset takes the invented records away and, real ones being there, adds none back.
    assert load_committee(reset=True) == 0
    assert [m.id for m in Member.query] == [real.id] and count(Meeting) == 0 and count(Document) == 0


def test_the_reference_load_calls_the_committee_load(runner):
    result = runner.invoke(args=["seed", "reference"])
    assert result.exit_code == 0, result.output
    assert count(Meeting) == 24 and count(Member) == 9
