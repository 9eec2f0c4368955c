"""Queries behind the public pages: the consultation's proposal list and a citizen's own record."""
import csv
import hashlib
import io

from sqlalchemy import func, select, union
from sqlalchemy.orm import defer, joinedload

from aga_consulta.calls.models import Submission
from aga_consulta.comments.models import Comment, CommentReport
from aga_consulta.consultations.models import Consultation
from aga_consulta.extensions import db
from aga_consulta.ledger import services as ledger
from aga_consulta.plan.models import Commitment
from aga_consulta.processes.origins import origin_columns
from aga_consulta.proposals.models import Proposal
from aga_consulta.proposals.search import matching
from aga_consulta.proposals.services import code_order
from aga_consulta.surveys.models import Response, Survey
from aga_consulta.tally.counts import filtered, proposal_count_columns, proposals_with_counts
from aga_consulta.text import neutralise
from aga_consulta.timeutil import isoformat_utc, utcnow
from aga_consulta.voting.models import Vote
from aga_consulta.voting.services import citizen_vote_columns


def headline_figures():
    """The platform's figures from its records, in one statement: consultations, proposals,
    participants (people with an active vote or a comment), active votes, public comments."""
    participants = union(select(Vote.user_id).where(Vote.withdrawn_at.is_(None)), select(Comment.user_id)).subquery()
    row = db.session.execute(select(
        select(func.count(Consultation.id)).scalar_subquery().label("consultations"),
        select(func.count(Proposal.id)).scalar_subquery().label("proposals"),
        select(func.count()).select_from(participants).scalar_subquery().label("participants"),
        select(func.count(Vote.id)).where(Vote.withdrawn_at.is_(None)).scalar_subquery().label("votes"),
        select(func.count(Comment.id)).where(Comment.is_visible).scalar_subquery().label("comments"),
    )).one()
    return row._asdict()


def cached_headline_figures(store, now, ttl):
    """headline_figures(), computed at most once every `ttl` seconds per process (`store` keeps it).

    The home page is the most visited: a count over every vote on each visit is what this spares.
    """
    kept = store.get("headline_figures")
    if kept is not None and (now - kept[0]).total_seconds() < ttl:
        return kept[1]
    figures = headline_figures()
    store["headline_figures"] = (now, figures)
    return figures


def open_now(consultations, processes, now):
    """What a visitor can take part in at `now`: (open consultations, open steps of processes).

    Steps are (process, step) pairs, the consultation steps left out (their consultation is listed).
    """
    open_consultations = [consultation for consultation in consultations if consultation.is_open(now)]
    open_steps = [(process, step) for process in processes for step in process.steps
                  if step.is_open(now) and step.consultation_id is None]
    return open_consultations, open_steps


def my_participation(user_id):
    """Return the citizen's active votes, all their comments (hidden ones marked) and the surveys they answered.

    Comments come as (comment, proposal, commitment) rows, one of the two targets None.

    Three queries, whatever the number of rows: each row carries its proposal (whose
    status /me shows) and consultation (whether a vote may still be withdrawn).
    """
    votes = db.session.execute(
        select(Vote, Proposal, Consultation)
        .join(Proposal, Proposal.id == Vote.proposal_id)
        .join(Consultation, Consultation.id == Vote.consultation_id)
        .where(Vote.user_id == user_id, Vote.withdrawn_at.is_(None))
        .order_by(Vote.cast_at.desc())
    ).all()
    # A comment is on a proposal or on a plan's commitment: each row carries the one it has.
    comments = db.session.execute(
        select(Comment, Proposal, Commitment)
        .outerjoin(Proposal, Proposal.id == Comment.proposal_id)
        .outerjoin(Commitment, Commitment.id == Comment.commitment_id)
        .where(Comment.user_id == user_id)
        .order_by(Comment.created_at.desc(), Comment.id.desc())
    ).all()
    surveys = db.session.execute(
        select(Survey, Response.updated_at)
        .join(Response, Response.survey_id == Survey.id)
        .where(Response.user_id == user_id)
        .order_by(Response.updated_at.desc())
    ).all()
    return {"votes": votes, "comments": comments, "surveys": surveys}


def _time(value):
    return isoformat_utc(value) if value is not None else None


def my_data(user):
    """Everything the platform holds about `user` (the holder's right to know, Ley 1581 art. 8), as a dict.

    The account's fields but the password hash and the session token (secrets, not data
    about the person), the consent, every vote (withdrawn ones too: the database keeps
    them), every comment with its status and moderation reason, and every report made.
    """
    department = user.department
    account = {
        "id": user.id, "email": user.email, "name": user.name, "public_name": user.public_name,
        "department_code": user.department_code, "department": department.name if department else None,
        "role": user.role, "active": bool(user.active), "created_at": _time(user.created_at),
        "email_confirmed_at": _time(user.email_confirmed_at), "last_vote_at": _time(user.last_vote_at),
    }
    votes = db.session.execute(
        select(Consultation.slug, Proposal.code, Vote.cast_at, Vote.withdrawn_at)
        .join(Proposal, Proposal.id == Vote.proposal_id)
        .join(Consultation, Consultation.id == Vote.consultation_id)
        .where(Vote.user_id == user.id)
        .order_by(Vote.cast_at, Vote.id)
    ).all()
    # Comments (and reports of comments) on a plan's commitment have no proposal: they name
    # the commitment instead, and are part of what the platform holds all the same.
    comments = db.session.execute(
        select(Comment, Consultation.slug, Proposal.code)
        .outerjoin(Proposal, Proposal.id == Comment.proposal_id)
        .outerjoin(Consultation, Consultation.id == Comment.consultation_id)
        .where(Comment.user_id == user.id)
        .order_by(Comment.created_at, Comment.id)
    ).all()
    reports = db.session.execute(
        select(CommentReport, Proposal.code, Comment.commitment_id)
        .join(Comment, Comment.id == CommentReport.comment_id)
        .outerjoin(Proposal, Proposal.id == Comment.proposal_id)
        .where(CommentReport.user_id == user.id)
        .order_by(CommentReport.created_at, CommentReport.id)
    ).all()
    return {
        "generated_at": _time(utcnow()),
        "account": account,
        "consent": {"policy_version": user.consent_version, "consented_at": _time(user.consented_at)},
        "votes": [
            {"consultation": slug, "proposal_code": code, "cast_at": _time(cast_at), "withdrawn_at": _time(withdrawn_at)}
            for slug, code, cast_at, withdrawn_at in votes
        ],
        "comments": [
            {"id": comment.id, "consultation": slug, "proposal_code": code, "commitment_id": comment.commitment_id,
             "parent_id": comment.parent_id,
             "body": comment.body, "status": comment.status, "moderation_reason": comment.moderation_reason,
             "created_at": _time(comment.created_at), "moderated_at": _time(comment.moderated_at)}
            for comment, slug, code in comments
        ],
        "reports": [
            {"comment_id": report.comment_id, "proposal_code": code, "commitment_id": commitment_id,
             "reason": report.reason, "created_at": _time(report.created_at)}
            for report, code, commitment_id in reports
        ],
    }


#: The columns of my data as CSV: one row per value, so that records of every kind fit one file.
MY_DATA_COLUMNS = ("section", "item", "field", "value")


def my_data_csv(data):
    """The dict of `my_data` as CSV text: section (account, consent, votes...), item (its number
    within the section, from 1), field, value; text cells neutralised against spreadsheet formulas."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(MY_DATA_COLUMNS)
    for section, content in data.items():
        if section == "generated_at":
            writer.writerow(("generated_at", "", "", content))
            continue
        records = content if isinstance(content, list) else [content]
        for number, record in enumerate(records, start=1):
            for field, value in record.items():
                value = "" if value is None else value
                writer.writerow((section, number if isinstance(content, list) else "", field, neutralise(value)))
    return buffer.getvalue()


def my_receipts(user_id):
    """Return the citizen's receipts of votes, withdrawals and comments (contract items), newest first."""
    consultation_ids = select(Vote.consultation_id).where(Vote.user_id == user_id).union(
        select(Comment.consultation_id).where(Comment.user_id == user_id))
    consultations = dict(db.session.execute(
        select(Consultation.id, Consultation.slug).where(Consultation.id.in_(consultation_ids))).all())
    if not consultations:
        return []
    codes = dict(db.session.execute(
        select(Proposal.id, Proposal.code).where(Proposal.consultation_id.in_(consultations))).all())
    return ledger.receipts(user_id, consultations, codes)


#: Sort orders of the consultation page.
SORTS = ("votes", "recent", "random")


def _random_key(seed, proposal_id):
    # Stable for one visitor (same seed), different between visitors: no position bias.
    return hashlib.sha256(f"{seed}:{proposal_id}".encode()).digest()


def proposal_page(proposal_id, citizen_id=None):
    """Return what the proposal page reads about the proposal, in one statement, or None.

    A row: the proposal (with its consultation), its active votes and public comments, the
    call submission it came from (or None), whether it has survey themes and workshops to
    show, and with `citizen_id` whether that citizen supports it and how many votes they hold
    in the consultation (False and 0 without).
    """
    columns = [*proposal_count_columns(proposal_id), Submission, *origin_columns()]
    if citizen_id is not None:
        columns += citizen_vote_columns(citizen_id)
    row = db.session.execute(
        select(Proposal, *columns).outerjoin(Submission, Submission.proposal_id == Proposal.id)
        .options(joinedload(Proposal.consultation)).where(Proposal.id == proposal_id)
    ).one_or_none()
    if row is None:
        return None
    mine = (bool(row.has_voted), row.votes_used) if citizen_id is not None else (False, 0)
    return (*row[:6], *mine)


def list_proposals(consultation, *, scope=None, department=None, theme=None, status=None, search="",
                   sort="votes", seed="", page=1, per_page=30):
    """Return (rows, total) for one page: rows are (proposal, votes, comments) tuples.

    Not db.paginate(): it keeps only the first column of a select, and each row needs its counts.

    Filters are exact matches on validated values; `search` keeps the proposals matching every
    word typed, accents and case aside (proposals/search.py); `sort` is one of SORTS. The
    total comes with the page's rows (a window count): one statement, not two.
    """
    filters = dict(scope=scope, department=department, theme=theme, status=status)
    query, votes, comments = proposals_with_counts(consultation, **filters)
    # A card shows no full text: leaving it out keeps the rows the database sorts and counts
    # narrow. raiseload: a template that asked for it would fail a test, not run 30 queries.
    query = query.options(defer(Proposal.body, raiseload=True), defer(Proposal.status_reason, raiseload=True))
    ids = filtered(select(Proposal.id), consultation, **filters)
    clause = matching(search)
    if clause is not None:
        query, ids = query.where(clause), ids.where(clause)
    if sort == "random":
        # Order the ids only (not whole rows with their texts), then load one page.
        order = sorted(db.session.scalars(ids), key=lambda proposal_id: _random_key(seed, proposal_id))
        start = (page - 1) * per_page
        wanted = order[start:start + per_page]
        position = {proposal_id: n for n, proposal_id in enumerate(wanted)}
        rows = list(db.session.execute(query.where(Proposal.id.in_(wanted)))) if wanted else []
        rows.sort(key=lambda row: position[row[0].id])
        return rows, len(order)
    if sort == "recent":
        query = query.order_by(Proposal.created_at.desc(), Proposal.id.desc())
    else:
        query = query.order_by(votes.desc(), comments.desc(), code_order())
    query = query.add_columns(func.count().over().label("total")).limit(per_page).offset((page - 1) * per_page)
    rows = db.session.execute(query).all()
    if rows:
        total = rows[0].total
    elif page == 1:
        total = 0
    else:
        # Past the last page the window has no row to ride on: count apart (a 404 follows).
        total = db.session.scalar(select(func.count()).select_from(ids.subquery()))
    return [(proposal, n_votes, n_comments) for proposal, n_votes, n_comments, _total in rows], total
