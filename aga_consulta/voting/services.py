"""Casting and withdrawing votes, safe under concurrent requests."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select, update
from sqlalchemy.exc import IntegrityError

from aga_consulta.accounts.models import User, participation_values
from aga_consulta.accounts.permissions import ensure_speaks_for_themselves
from aga_consulta.consultations.services import ensure_can_participate
from aga_consulta.errors import DomainError
from aga_consulta.extensions import db
from aga_consulta.ledger.services import append_entry, participant
from aga_consulta.proposals.models import Proposal, ProposalStatus
from aga_consulta.timeutil import utcnow
from aga_consulta.transparency import entries
from aga_consulta.voting.models import Vote


class AlreadyVoted(DomainError):
    """The citizen already holds an active vote for this proposal."""

    message = _l("Ya habías votado por esta propuesta. Tu voto se cuenta una sola vez.")


class VoteCapReached(DomainError):
    """The consultation's cap of votes per citizen is reached."""

    def __init__(self, cap):
        super().__init__(
            _l(
                "Ya usaste tus %(cap)d votos en esta consulta. Retira uno si quieres apoyar otra propuesta.",
                cap=cap,
            )
        )


class NotVoted(DomainError):
    """There is no active vote to withdraw."""

    message = _l("No tenías un voto activo en esta propuesta.")


class ProposalDecided(DomainError):
    """The committee has answered the proposal (selected or not selected): it takes no more votes."""

    message = _l("El comité ya decidió sobre esta propuesta: no recibe más votos. Los que recibió siguen contando.")


#: The committee's answers. A vote is a citizen's say in which proposals the committee should
#: select; once it has answered, a new vote would change nothing and would use up one of the
#: citizen's capped votes. Withdrawing stays possible, so that vote can go to another proposal.
DECIDED_STATUSES = frozenset({ProposalStatus.SELECTED, ProposalStatus.NOT_SELECTED})


def accepts_votes(proposal):
    """True unless the committee has decided the proposal (the pages show why not)."""
    return proposal.status not in DECIDED_STATUSES


def _ensure_undecided(proposal):
    # Read from the database, not from the object the page loaded, under a share lock
    # (PostgreSQL; SQLite already holds its write lock here): a decision being written is
    # waited for and then seen, and one that starts later waits for this vote to commit.
    # So no vote is ever stored after the decision that closed its proposal.
    status = db.session.scalar(
        select(Proposal.status).where(Proposal.id == proposal.id).with_for_update(read=True)
    )
    if status in DECIDED_STATUSES:
        raise ProposalDecided()


def _lock_citizen(citizen, now):
    # The first write of the transaction: on PostgreSQL it locks the citizen's row, on
    # SQLite it takes the database write lock (waiting up to busy_timeout). Either way the
    # count and insert below run with no other vote of this citizen in between, which is
    # what keeps a cap exact under parallel requests.
    # It also keeps the citizen's first participation (a report's weight depends on it); the
    # session's copy is refreshed at commit, so no synchronisation is asked for.
    db.session.execute(
        update(User).where(User.id == citizen.id).values(last_vote_at=now, **participation_values(now))
        .execution_options(synchronize_session=False)
    )


def active_vote_count(citizen_id, consultation_id):
    """Return how many active votes a citizen holds in a consultation."""
    return db.session.scalar(
        select(func.count(Vote.id)).where(
            Vote.user_id == citizen_id,
            Vote.consultation_id == consultation_id,
            Vote.withdrawn_at.is_(None),
        )
    )


def cast_vote(citizen, proposal, now=None):
    """Record the citizen's vote for the proposal and return it.

    :raises NotAllowed: the account is deactivated.
    :raises SpeaksForAnInstitution: the account is an institution's.
    :raises ConsultationClosed: outside the consultation's window.
    :raises ProposalDecided: the committee has selected or not selected the proposal.
    :raises AlreadyVoted: an active vote exists (also when requests race).
    :raises VoteCapReached: the consultation's cap is reached.
    """
    now = now or utcnow()
    consultation = proposal.consultation
    ensure_can_participate(citizen, consultation, now)
    ensure_speaks_for_themselves(citizen)
    try:
        _lock_citizen(citizen, now)
        _ensure_undecided(proposal)
        if consultation.vote_cap is not None:
            if active_vote_count(citizen.id, consultation.id) >= consultation.vote_cap:
                raise VoteCapReached(consultation.vote_cap)
        vote = Vote(
            user_id=citizen.id,
            proposal_id=proposal.id,
            consultation_id=consultation.id,
            cast_at=now,
        )
        db.session.add(vote)
        db.session.flush()
    except IntegrityError:
        # The partial unique index decided: never check-then-insert.
        db.session.rollback()
        raise AlreadyVoted() from None
    except DomainError:
        db.session.rollback()
        raise
    # The log's entry commits with the vote, in this transaction (issue 14).
    who = participant(consultation.id, citizen.id)
    append_entry(consultation.id, entries.vote_cast(now, participant=who, proposal=proposal.id, vote=vote.id),
                 participant=who, at=now)
    db.session.commit()
    return vote


def withdraw_vote(citizen, proposal, now=None):
    """Withdraw the citizen's active vote for the proposal (also from a decided one).

    :raises NotAllowed: the account is deactivated.
    :raises ConsultationClosed: outside the consultation's window.
    :raises NotVoted: there is no active vote.
    """
    now = now or utcnow()
    ensure_can_participate(citizen, proposal.consultation, now)
    # `now` was read before this UPDATE waited for its lock: a cast that committed in the
    # meantime may carry a later time. Stamping it earlier than its cast would break the
    # CHECK (a 500 under vote/withdraw storms), so the withdrawal is never before the cast.
    result = db.session.execute(
        update(Vote)
        .where(
            Vote.user_id == citizen.id,
            Vote.proposal_id == proposal.id,
            Vote.withdrawn_at.is_(None),
        )
        .values(withdrawn_at=case((Vote.cast_at > now, Vote.cast_at), else_=now))
        .returning(Vote.id)
        .execution_options(synchronize_session=False)
    )
    vote_id = result.scalar()
    if vote_id is None:
        db.session.rollback()
        raise NotVoted()
    consultation_id = proposal.consultation_id
    who = participant(consultation_id, citizen.id)
    append_entry(consultation_id, entries.vote_withdrawn(now, participant=who, proposal=proposal.id, vote=vote_id),
                 participant=who, at=now)
    db.session.commit()


def has_active_vote(citizen_id, proposal_id):
    """True when the citizen holds an active vote for the proposal."""
    return (
        db.session.scalar(
            select(Vote.id).where(
                Vote.user_id == citizen_id,
                Vote.proposal_id == proposal_id,
                Vote.withdrawn_at.is_(None),
            )
        )
        is not None
    )


def voted_proposal_ids(citizen_id, consultation_id):
    """Return the ids of the proposals the citizen actively supports in a consultation."""
    return set(
        db.session.scalars(
            select(Vote.proposal_id).where(
                Vote.user_id == citizen_id,
                Vote.consultation_id == consultation_id,
                Vote.withdrawn_at.is_(None),
            )
        )
    )


def vote_counts_subquery(consultation_id):
    """(proposal_id, n): active votes per proposal of the consultation, in one grouped pass."""
    # Joined to the proposals, a few times cheaper than one correlated count per proposal
    # on a 900-proposal page.
    return (
        select(Vote.proposal_id, func.count().label("n"))
        .where(Vote.consultation_id == consultation_id, Vote.withdrawn_at.is_(None))
        .group_by(Vote.proposal_id)
        .subquery("vote_counts")
    )
