"""Vote services, without HTTP."""
from datetime import timedelta

import pytest

from aga_consulta.errors import ConsultationClosed, NotAllowed
from aga_consulta.extensions import db
from aga_consulta.timeutil import utcnow
from aga_consulta.voting import services
from aga_consulta.voting.models import Vote
from tests.helpers import count


def test_cast_vote_records_one_active_vote(factory):
    citizen = factory.user()
    proposal = factory.proposal(factory.consultation())
    vote = services.cast_vote(citizen, proposal)
    assert vote.withdrawn_at is None and vote.consultation_id == proposal.consultation_id
    assert services.has_active_vote(citizen.id, proposal.id)


def test_second_vote_is_refused_and_leaves_one_row(factory):
    citizen = factory.user()
    proposal = factory.proposal(factory.consultation())
    services.cast_vote(citizen, proposal)
    with pytest.raises(services.AlreadyVoted):
        services.cast_vote(citizen, proposal)
    assert count(Vote) == 1


def test_withdraw_then_vote_again(factory):
    citizen = factory.user()
    proposal = factory.proposal(factory.consultation())
    services.cast_vote(citizen, proposal)
    services.withdraw_vote(citizen, proposal)
    assert not services.has_active_vote(citizen.id, proposal.id)
    services.cast_vote(citizen, proposal)
    assert count(Vote) == 2
    assert count(Vote, Vote.withdrawn_at.is_(None)) == 1


def test_withdraw_without_vote_is_refused(factory):
    citizen = factory.user()
    proposal = factory.proposal(factory.consultation())
    with pytest.raises(services.NotVoted):
        services.withdraw_vote(citizen, proposal)


def test_withdrawing_only_touches_my_own_vote(factory):
    ana, beto = factory.user(), factory.user()
    proposal = factory.proposal(factory.consultation())
    services.cast_vote(ana, proposal)
    with pytest.raises(services.NotVoted):
        services.withdraw_vote(beto, proposal)
    assert services.has_active_vote(ana.id, proposal.id)


@pytest.mark.parametrize("state", ["closed", "upcoming"])
def test_votes_outside_the_window_are_refused(factory, state):
    citizen = factory.user()
    proposal = factory.proposal(factory.consultation(state=state))
    with pytest.raises(ConsultationClosed):
        services.cast_vote(citizen, proposal)
    assert count(Vote) == 0


def test_window_edges(factory):
    citizen = factory.user()
    consultation = factory.consultation()
    proposal = factory.proposal(consultation)
    with pytest.raises(ConsultationClosed):
        services.cast_vote(citizen, proposal, now=consultation.closes_at)
    with pytest.raises(ConsultationClosed):
        services.cast_vote(citizen, proposal, now=consultation.opens_at - timedelta(seconds=1))
    services.cast_vote(citizen, proposal, now=consultation.opens_at)
    assert count(Vote) == 1


def test_withdrawal_after_closing_is_refused(factory):
    citizen = factory.user()
    consultation = factory.consultation()
    proposal = factory.proposal(consultation)
    services.cast_vote(citizen, proposal)
    with pytest.raises(ConsultationClosed):
        services.withdraw_vote(citizen, proposal, now=consultation.closes_at + timedelta(minutes=1))
    assert services.has_active_vote(citizen.id, proposal.id)


def test_cap_is_enforced_and_freed_by_withdrawal(factory):
    citizen = factory.user()
    consultation = factory.consultation(vote_cap=2)
    a, b, c = (factory.proposal(consultation) for _ in range(3))
    services.cast_vote(citizen, a)
    services.cast_vote(citizen, b)
    with pytest.raises(services.VoteCapReached) as info:
        services.cast_vote(citizen, c)
    assert "2 votos" in str(info.value.message)
    services.withdraw_vote(citizen, a)
    services.cast_vote(citizen, c)
    assert services.active_vote_count(citizen.id, consultation.id) == 2


def test_cap_counts_only_this_consultation(factory):
    citizen = factory.user()
    first = factory.consultation(vote_cap=1)
    second = factory.consultation(vote_cap=1)
    services.cast_vote(citizen, factory.proposal(first))
    services.cast_vote(citizen, factory.proposal(second))
    assert count(Vote) == 2


def test_deactivated_account_cannot_vote(factory):
    citizen = factory.user()
    citizen.active = False
    db.session.commit()
    with pytest.raises(NotAllowed):
        services.cast_vote(citizen, factory.proposal(factory.consultation()))
    assert count(Vote) == 0


def test_database_refuses_a_second_active_vote_directly(factory):
    """The invariant lives in the database, not only in the service."""
    from sqlalchemy.exc import IntegrityError

    citizen = factory.user()
    proposal = factory.proposal(factory.consultation())
    now = utcnow()
    db.session.add(Vote(user_id=citizen.id, proposal_id=proposal.id, consultation_id=proposal.consultation_id, cast_at=now))
    db.session.commit()
    db.session.add(Vote(user_id=citizen.id, proposal_id=proposal.id, consultation_id=proposal.consultation_id, cast_at=now))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert count(Vote) == 1
