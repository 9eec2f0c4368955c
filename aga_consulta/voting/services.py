"""Casting and withdrawing votes, safe under concurrent requests."""
from functools import cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import DateTime, Integer, bindparam, case, exists, func, insert, or_, select, update

from aga_consulta.accounts.models import User, participation_values
from aga_consulta.accounts.permissions import ensure_speaks_for_themselves
from aga_consulta.consultations.models import Consultation
from aga_consulta.consultations.services import ensure_account_can_take_part
from aga_consulta.errors import ConsultationClosed, DomainError, NotAllowed
from aga_consulta.extensions import db
from aga_consulta.ledger.services import insert_entry, insert_entry_for_new_row, new_row_entry_params, participant
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


class ProposalNotFound(DomainError):
    """No proposal has this id (routes answer 404)."""

    status = 404
    message = _l("No encontramos lo que buscas. Puede que el enlace esté mal escrito o que ya no exista.")


@cache
def _lock_statement():
    # The first write of the transaction: on PostgreSQL it locks the citizen's row, on
    # SQLite it takes the database write lock (waiting up to busy_timeout). Either way the
    # cap count and the insert that follow run with no other vote of this citizen in
    # between, which is what keeps a cap exact under parallel requests.
    # It also keeps the citizen's first participation (a report's weight depends on it), and
    # returns the proposal's consultation (None: no such proposal; no row: account deactivated
    # since the session was loaded), which names the citizen in the log.
    # Built once (parameters, not values): building a statement costs more than running it.
    users = User.__table__
    now = bindparam("now", type_=DateTime)
    return (
        update(users).where(users.c.id == bindparam("citizen_id"), users.c.active.is_(True))
        .values(last_vote_at=now, **participation_values(now))
        .returning(select(Proposal.consultation_id).where(Proposal.id == bindparam("proposal_id")).scalar_subquery())
    )


@cache
def _citizen_lock_statement():
    # FOR NO KEY UPDATE on the citizen's row (PostgreSQL): the lock the vote's UPDATE takes.
    users = User.__table__
    return select(users.c.id).where(users.c.id == bindparam("citizen_id")).with_for_update(key_share=True)


@cache
def _vote_statement(logged):
    # One statement checks the window, the decision, the cap and the vote already held, and
    # writes the vote. Every writer of a citizen's votes (this and `withdraw_vote`) first takes
    # the citizen's row lock, so the checks are exact: a vote waits for any other vote or
    # withdrawal of the same citizen to commit, and its statement (READ COMMITTED: a new
    # snapshot) then sees it. The partial unique index stays as the last word (an error there
    # would be a bug, and is left to fail loudly).
    # Plain INSERT ... SELECT ... WHERE NOT EXISTS rather than ON CONFLICT DO NOTHING: the
    # dialects' INSERT with ON CONFLICT is not in SQLAlchemy 2.0's statement cache, so it was
    # compiled anew on every vote (a fifth of the vote's time in a profile).
    # PostgreSQL: FOR SHARE on the proposal, so a decision being written is waited for and
    # then seen, and one that starts later waits for this vote to commit: no vote is ever
    # stored after the decision that closed its proposal. SQLite already holds its write lock.
    # With `logged` (PostgreSQL), the log entry is written by the same statement.
    votes = Vote.__table__
    citizen_id, now = bindparam("citizen_id", type_=Integer), bindparam("now", type_=DateTime)
    mine = (votes.c.user_id == citizen_id, votes.c.withdrawn_at.is_(None))
    active_votes = (
        select(func.count()).select_from(votes)
        .where(*mine, votes.c.consultation_id == Proposal.consultation_id)
        .scalar_subquery()
    )
    candidate = (
        select(citizen_id, Proposal.id, Proposal.consultation_id, now)
        .join(Consultation, Consultation.id == Proposal.consultation_id)
        .where(
            Proposal.id == bindparam("proposal_id"),
            Proposal.status.not_in(tuple(DECIDED_STATUSES)),
            Consultation.is_open(now),
            or_(Consultation.vote_cap.is_(None), active_votes < Consultation.vote_cap),
            ~exists().where(*mine, votes.c.proposal_id == Proposal.id),
        )
        .with_for_update(read=True, of=Proposal.__table__)
    )
    statement = (
        insert(votes).from_select(["user_id", "proposal_id", "consultation_id", "cast_at"], candidate)
        .returning(votes.c.id)
    )
    if logged:
        new_vote = statement.cte("new_vote")
        statement = select(new_vote.c.id).add_cte(insert_entry_for_new_row(new_vote).cte("new_entry"))
    return statement


def _refusal(citizen_id, proposal_id, now):
    # Only when the vote was not written: which rule refused it, in the order the pages
    # explain them (window, decision, cap, then the vote already held).
    proposal = db.session.execute(
        select(Proposal.status, Consultation.opens_at, Consultation.closes_at, Consultation.vote_cap,
               Consultation.id)
        .join(Consultation, Consultation.id == Proposal.consultation_id).where(Proposal.id == proposal_id)
    ).one()
    status, opens_at, closes_at, cap, consultation_id = proposal
    if not opens_at <= now < closes_at:
        return ConsultationClosed()
    if status in DECIDED_STATUSES:
        return ProposalDecided()
    if cap is not None and active_vote_count(citizen_id, consultation_id) >= cap:
        return VoteCapReached(cap)
    return AlreadyVoted()


#: The log's entry commits with the vote. bench/wrk_load.py turns this off in a process of
#: its own, only to measure what the entry costs; nothing else does.
LOG_VOTES = True


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
    """Record the citizen's vote for the proposal (an object or an id) and return the vote's id.

    Two statements on PostgreSQL (the citizen's lock; the checks, the vote and its log entry),
    three on SQLite (the entry is a statement of its own there).

    :raises NotAllowed: the account is deactivated.
    :raises SpeaksForAnInstitution: the account is an institution's.
    :raises EmailNotConfirmed: confirmation is required and the e-mail is not confirmed yet.
    :raises ProposalNotFound: no proposal has this id.
    :raises ConsultationClosed: outside the consultation's window.
    :raises ProposalDecided: the committee has selected or not selected the proposal.
    :raises VoteCapReached: the consultation's cap is reached.
    :raises AlreadyVoted: an active vote exists (also when requests race).
    """
    now = now or utcnow()
    proposal_id = getattr(proposal, "id", proposal)
    citizen_id = citizen.id
    ensure_account_can_take_part(citizen)
    ensure_speaks_for_themselves(citizen)
    try:
        ids = {"citizen_id": citizen_id, "proposal_id": proposal_id, "now": now}
        locked = db.session.execute(_lock_statement(), ids).one_or_none()
        if locked is None:
            raise NotAllowed(_l("Tu cuenta está desactivada."))
        consultation_id = locked[0]
        if consultation_id is None:
            raise ProposalNotFound()
        dialect = db.session.get_bind().dialect.name
        who = participant(consultation_id, citizen_id)
        folded = LOG_VOTES and dialect == "postgresql"
        if folded:
            ids.update(new_row_entry_params(
                lambda vote_id: entries.vote_cast(now, participant=who, proposal=proposal_id, vote=vote_id),
                consultation_id, participant=who, at=now))
        vote_id = db.session.execute(_vote_statement(folded), ids).scalar()
        if vote_id is None:
            raise _refusal(citizen_id, proposal_id, now)
        if LOG_VOTES and dialect != "postgresql":
            insert_entry(consultation_id, entries.vote_cast(now, participant=who, proposal=proposal_id, vote=vote_id),
                         participant=who, at=now)
    except DomainError:
        db.session.rollback()
        raise
    db.session.commit()
    return vote_id


def withdraw_vote(citizen, proposal, now=None):
    """Withdraw the citizen's active vote for the proposal (an object or an id), also from a decided one.

    :raises NotAllowed: the account is deactivated.
    :raises EmailNotConfirmed: confirmation is required and the e-mail is not confirmed yet.
    :raises ProposalNotFound: no proposal has this id.
    :raises ConsultationClosed: outside the consultation's window.
    :raises NotVoted: there is no active vote.
    """
    now = now or utcnow()
    proposal_id = getattr(proposal, "id", proposal)
    ensure_account_can_take_part(citizen)
    votes = Vote.__table__
    # PostgreSQL: the citizen's row lock first, as a vote takes it: a vote cast meanwhile
    # waits for this withdrawal, then sees the proposal free again (and one more slot under
    # the cap). SQLite: the UPDATE below takes the database's write lock at once, and a read
    # before it would only risk a lock upgrade that SQLite refuses (busy) under contention.
    if db.session.get_bind().dialect.name != "sqlite":
        db.session.execute(_citizen_lock_statement(), {"citizen_id": citizen.id})
    # `now` was read before this UPDATE waited for its lock: a cast that committed in the
    # meantime may carry a later time. Stamping it earlier than its cast would break the
    # CHECK (a 500 under vote/withdraw storms), so the withdrawal is never before the cast.
    open_consultations = select(Consultation.id).where(Consultation.is_open(now))
    row = db.session.execute(
        update(votes)
        .where(
            votes.c.user_id == citizen.id,
            votes.c.proposal_id == proposal_id,
            votes.c.withdrawn_at.is_(None),
            votes.c.consultation_id.in_(open_consultations),
        )
        .values(withdrawn_at=case((votes.c.cast_at > now, votes.c.cast_at), else_=now))
        .returning(votes.c.id, votes.c.consultation_id)
    ).one_or_none()
    if row is None:
        window = db.session.execute(
            select(Consultation.opens_at, Consultation.closes_at)
            .join(Proposal, Proposal.consultation_id == Consultation.id).where(Proposal.id == proposal_id)
        ).one_or_none()
        db.session.rollback()
        if window is None:
            raise ProposalNotFound()
        if not window.opens_at <= now < window.closes_at:
            raise ConsultationClosed()
        raise NotVoted()
    vote_id, consultation_id = row
    if LOG_VOTES:
        who = participant(consultation_id, citizen.id)
        insert_entry(consultation_id, entries.vote_withdrawn(now, participant=who, proposal=proposal_id, vote=vote_id),
                     participant=who, at=now)
    db.session.commit()


def citizen_vote_columns(citizen_id):
    """(supports it, active votes in its consultation) of a citizen, as columns correlated to Proposal."""
    active = (Vote.user_id == citizen_id, Vote.withdrawn_at.is_(None))
    has_voted = exists().where(*active, Vote.proposal_id == Proposal.id)
    used = (select(func.count()).select_from(Vote.__table__)
            .where(*active, Vote.consultation_id == Proposal.consultation_id).scalar_subquery())
    return has_voted.label("has_voted"), used.label("votes_used")


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
