"""Races found in the vote path, pinned by deterministic reproductions."""
from datetime import timedelta

from sqlalchemy import select

from aga_consulta.extensions import db
from aga_consulta.timeutil import utcnow
from aga_consulta.voting import services
from aga_consulta.voting.models import Vote
from tests.helpers import count


def test_withdrawal_whose_clock_predates_a_racing_cast_is_stamped_at_the_cast(factory):
    """A withdraw reads its clock, then waits (row or write lock) while a cast commits.

    Its UPDATE then finds a vote cast after its clock reading; stamping that vote with the
    earlier time broke the CHECK withdrawn_at >= cast_at and answered 500 under vote/withdraw
    storms. The withdrawal is stamped no earlier than the cast.
    """
    citizen = factory.user()
    proposal = factory.proposal(factory.consultation())
    cast_at = utcnow()
    services.cast_vote(citizen, proposal, now=cast_at)

    services.withdraw_vote(citizen, proposal, now=cast_at - timedelta(milliseconds=40))

    vote = db.session.scalar(select(Vote))
    assert vote.withdrawn_at == vote.cast_at == cast_at
    assert count(Vote, Vote.withdrawn_at.is_(None)) == 0


def test_withdrawal_keeps_its_own_time_when_later_than_the_cast(factory):
    citizen = factory.user()
    proposal = factory.proposal(factory.consultation())
    cast_at = utcnow() - timedelta(minutes=5)
    services.cast_vote(citizen, proposal, now=cast_at)
    later = cast_at + timedelta(minutes=3)

    services.withdraw_vote(citizen, proposal, now=later)

    assert db.session.scalar(select(Vote.withdrawn_at)) == later
