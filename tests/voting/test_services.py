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
    vote = db.session.get(Vote, services.cast_vote(citizen, proposal))
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


def _decide(factory, proposal, status):
    """Move a proposal through the workflow to `status` (selected or not_selected)."""
    from aga_consulta.proposals.workflow import change_status

    moderator = factory.user(role="moderator")
    change_status(moderator, proposal, "shortlisted", "Pasa a la preselección")
    change_status(moderator, proposal, status, "Decisión del comité")


DECIDED = "El comité ya decidió sobre esta propuesta"


@pytest.mark.parametrize("status", ["selected", "not_selected"])
def test_a_decided_proposal_takes_no_votes_while_open(factory, status):
    citizen = factory.user()
    proposal = factory.proposal(factory.consultation())
    _decide(factory, proposal, status)
    assert not services.accepts_votes(proposal)
    with pytest.raises(services.ProposalDecided) as refused:
        services.cast_vote(citizen, proposal)
    assert refused.value.status == 409 and DECIDED in str(refused.value.message)
    assert count(Vote) == 0


def test_votes_cast_before_the_decision_stay_and_may_be_withdrawn(factory):
    ana, beto = factory.user(), factory.user()
    consultation = factory.consultation(vote_cap=1)
    proposal, other = factory.proposal(consultation), factory.proposal(consultation)
    services.cast_vote(ana, proposal)
    services.cast_vote(beto, proposal)
    _decide(factory, proposal, "not_selected")
    assert count(Vote, Vote.withdrawn_at.is_(None)) == 2
    # A capped vote on a proposal the committee turned down can go to another one.
    services.withdraw_vote(ana, proposal)
    services.cast_vote(ana, other)
    with pytest.raises(services.ProposalDecided):
        services.cast_vote(ana, proposal)
    assert services.has_active_vote(beto.id, proposal.id)


def test_a_proposal_moved_back_to_the_shortlist_takes_votes_again(factory):
    from aga_consulta.proposals.workflow import change_status

    proposal = factory.proposal(factory.consultation())
    _decide(factory, proposal, "selected")
    change_status(factory.user(role="moderator"), proposal, "shortlisted", "Se revisa de nuevo")
    assert services.accepts_votes(proposal)
    services.cast_vote(factory.user(), proposal)
    assert count(Vote) == 1


def test_a_closed_consultation_says_it_is_closed_before_the_proposal_is_decided(factory):
    proposal = factory.proposal(factory.consultation())
    _decide(factory, proposal, "selected")
    proposal.consultation.closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    with pytest.raises(ConsultationClosed):
        services.cast_vote(factory.user(), proposal)


def test_a_decision_committed_after_the_proposal_was_read_is_seen(app, factory):
    """The race window pinned: the page loaded the proposal undecided, the committee decided, then the vote came."""
    from aga_consulta.accounts.models import User
    from aga_consulta.proposals.models import Proposal

    citizen = factory.user()
    proposal = factory.proposal(factory.consultation())
    stale = db.session.get(Proposal, proposal.id)
    with app.app_context():  # another request, its own session
        _decide(factory, db.session.get(Proposal, proposal.id), "selected")
        db.session.remove()
    assert stale.status == "received"  # this session still holds what it read before
    with pytest.raises(services.ProposalDecided):
        services.cast_vote(db.session.get(User, citizen.id), stale)
    assert count(Vote) == 0


def test_the_vote_and_its_log_entry_commit_together_with_the_canonical_bytes(factory):
    from aga_consulta.ledger.models import TransparencyEntry
    from aga_consulta.ledger.services import participant
    from aga_consulta.transparency import entries, merkle

    citizen = factory.user()
    proposal = factory.proposal(factory.consultation())
    now = utcnow()
    vote_id = services.cast_vote(citizen, proposal.id, now=now)
    stored = db.session.scalars(db.select(TransparencyEntry).where(TransparencyEntry.kind == "vote.cast")).one()
    who = participant(proposal.consultation_id, citizen.id)
    # On PostgreSQL the database builds and hashes these bytes: they must be exactly the schema's.
    assert stored.entry == entries.vote_cast(now, participant=who, proposal=proposal.id, vote=vote_id)
    assert stored.leaf_hash == merkle.leaf_hash(stored.entry)
    assert (stored.participant, stored.consultation_id, stored.leaf_index) == (who, proposal.consultation_id, None)


def test_a_refused_vote_writes_no_log_entry_and_no_participation(factory):
    from aga_consulta.accounts.models import User
    from aga_consulta.ledger.models import TransparencyEntry

    citizen = factory.user()
    proposal = factory.proposal(factory.consultation())
    services.cast_vote(citizen, proposal)
    with pytest.raises(services.AlreadyVoted):
        services.cast_vote(citizen, proposal, now=utcnow() + timedelta(minutes=5))
    assert count(TransparencyEntry, TransparencyEntry.kind == "vote.cast") == 1
    first = db.session.get(User, citizen.id)
    db.session.refresh(first)
    assert first.last_vote_at < utcnow() + timedelta(minutes=1)


def test_an_account_deactivated_after_its_session_was_loaded_cannot_vote(factory):
    from sqlalchemy import update

    from aga_consulta.accounts.models import User

    citizen = factory.user()
    proposal = factory.proposal(factory.consultation())
    db.session.execute(update(User).where(User.id == citizen.id).values(active=False))
    db.session.commit()

    class Stale:  # the account as the session loaded it, before the deactivation
        id, active, email_confirmed_at, is_institution = citizen.id, True, utcnow(), False

    with pytest.raises(NotAllowed):
        services.cast_vote(Stale(), proposal)
    assert count(Vote) == 0


def test_a_missing_proposal_is_not_found_and_stores_nothing(factory):
    citizen = factory.user()
    with pytest.raises(services.ProposalNotFound):
        services.cast_vote(citizen, 999999)
    with pytest.raises(services.ProposalNotFound):
        services.withdraw_vote(citizen, 999999)
    assert count(Vote) == 0
