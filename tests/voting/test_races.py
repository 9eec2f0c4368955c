"""Races on the vote path: one test per invariant, with real threads, on both databases.

Each invariant (one active vote per citizen and proposal, the cap, one withdrawal) is raced
here on the service; tests/load/test_vote_races.py races the cap once more against a live
gunicorn. The last tests pin races found earlier with deterministic reproductions.
"""
import threading
from datetime import timedelta

from sqlalchemy import select

from aga_consulta.extensions import db
from aga_consulta.timeutil import utcnow
from aga_consulta.voting import services
from aga_consulta.voting.models import Vote
from tests.helpers import count


def _parallel(app, n, action):
    """Run `action(i)` in n threads, each with its own app context and session."""
    barrier = threading.Barrier(n)
    outcomes = []
    lock = threading.Lock()

    def worker(i):
        with app.app_context():
            barrier.wait()
            try:
                action(i)
                result = "ok"
            except Exception as error:  # noqa: BLE001  the outcome is what we assert
                result = type(error).__name__
            finally:
                db.session.remove()
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return outcomes


def test_parallel_duplicate_votes_leave_one_row(app, factory):
    from aga_consulta.accounts.models import User
    from aga_consulta.proposals.models import Proposal

    citizen_id = factory.user().id
    proposal_id = factory.proposal(factory.consultation()).id
    db.session.remove()

    def vote(_):
        services.cast_vote(db.session.get(User, citizen_id), db.session.get(Proposal, proposal_id))

    outcomes = _parallel(app, 20, vote)
    assert outcomes.count("ok") == 1
    assert set(outcomes) == {"ok", "AlreadyVoted"}
    assert count(Vote) == 1


def test_parallel_votes_never_exceed_the_cap(app, factory):
    from aga_consulta.accounts.models import User
    from aga_consulta.proposals.models import Proposal

    citizen_id = factory.user().id
    consultation = factory.consultation(vote_cap=3)
    proposal_ids = [factory.proposal(consultation).id for _ in range(12)]
    db.session.remove()

    def vote(i):
        services.cast_vote(db.session.get(User, citizen_id), db.session.get(Proposal, proposal_ids[i]))

    outcomes = _parallel(app, 12, vote)
    assert outcomes.count("ok") == 3
    assert set(outcomes) == {"ok", "VoteCapReached"}
    assert count(Vote, Vote.withdrawn_at.is_(None)) == 3


def test_parallel_withdrawals_withdraw_once(app, factory):
    from aga_consulta.accounts.models import User
    from aga_consulta.proposals.models import Proposal

    citizen = factory.user()
    proposal = factory.proposal(factory.consultation())
    services.cast_vote(citizen, proposal)
    citizen_id, proposal_id = citizen.id, proposal.id
    db.session.remove()

    def withdraw(_):
        services.withdraw_vote(db.session.get(User, citizen_id), db.session.get(Proposal, proposal_id))

    outcomes = _parallel(app, 20, withdraw)
    assert outcomes.count("ok") == 1
    assert set(outcomes) == {"ok", "NotVoted"}
    assert count(Vote) == 1 and count(Vote, Vote.withdrawn_at.is_(None)) == 0


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


def test_a_vote_cast_during_a_withdrawal_of_the_same_proposal_waits_and_counts(app, factory):
    """A withdrawal holds the citizen's lock until it commits: the vote then sees the proposal free."""
    from sqlalchemy import event

    from aga_consulta.accounts.models import User
    from aga_consulta.proposals.models import Proposal

    citizen_id = factory.user().id
    proposal_id = factory.proposal(factory.consultation()).id
    services.cast_vote(db.session.get(User, citizen_id), proposal_id)
    db.session.remove()
    withdrawing, outcome = threading.Event(), {}

    def slow_commit(session):
        withdrawing.set()  # the withdrawal is written, its locks held: the vote starts now
        threading.Event().wait(1.0)

    def withdraw():
        with app.app_context():
            event.listen(db.session(), "before_commit", slow_commit)
            try:
                services.withdraw_vote(db.session.get(User, citizen_id), proposal_id)
            finally:
                db.session.remove()

    thread = threading.Thread(target=withdraw)
    thread.start()
    assert withdrawing.wait(30)
    with app.app_context():
        try:
            services.cast_vote(db.session.get(User, citizen_id), db.session.get(Proposal, proposal_id))
            outcome["vote"] = "ok"
        except Exception as error:  # noqa: BLE001  the outcome is what we assert
            outcome["vote"] = type(error).__name__
        finally:
            db.session.remove()
    thread.join(30)
    assert outcome["vote"] == "ok"
    assert count(Vote, Vote.withdrawn_at.is_(None)) == 1
    assert count(Vote) == 2
