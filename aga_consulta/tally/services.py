"""The tally: a consultation's figures computed with SQL aggregates, exact on every database.

Definitions (the contract's): a participant is a distinct citizen with at least one active
(not withdrawn) vote or one comment (any status) in the consultation; `votes` counts active
votes; `comments.received` counts every comment, replies and hidden ones included,
`published` the ones the public sees (`Comment.is_visible`: a reply under a hidden comment is
not one of them) and `hidden` the rest. Per proposal, `comments` counts the visible ones only,
like every public page, so that a hidden comment never shows up in a public count.

No function here loads the votes or comments themselves: every figure is a COUNT, SUM or
GROUP BY in the database, so the cost does not depend on Python walking the rows.
"""
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import case, func, literal, select, text, union_all

from aga_consulta.accounts.models import User
from aga_consulta.comments.models import Comment
from aga_consulta.extensions import db
from aga_consulta.proposals.models import SCOPES, Proposal
from aga_consulta.comments.services import comment_counts_subquery
from aga_consulta.proposals.services import code_order
from aga_consulta.voting.services import vote_counts_subquery
from aga_consulta.territory.models import Department
from aga_consulta.voting.models import Vote


#: PostgreSQL work_mem for the tally's transaction (SET LOCAL: ends with the transaction).
TALLY_WORK_MEM = "64MB"


def _active_votes(consultation_id):
    return (Vote.consultation_id == consultation_id, Vote.withdrawn_at.is_(None))


def participants_subquery(consultation_id, with_first_at=False, with_counts=False):
    """One row per participant: user_id, voted (0/1), commented (0/1) and, if asked, first_at
    and the counts `votes` (active) and `comments` (any status).

    Each side is grouped first (one row per voter and per commenter; on PostgreSQL an
    index-only scan of the active-votes index), so the final grouping never sees one row per
    vote: at a million votes this is what keeps the tally under a second. `first_at`, the
    time of the citizen's first activity, costs a read of every vote row: only the
    participation-over-time chart asks for it. The counts come from the same grouping: the
    participants export asks for them.
    """
    def side(column_user, column_at, voted, where):
        columns = [column_user.label("user_id"), literal(voted).label("voted"), literal(1 - voted).label("commented")]
        if with_first_at:
            columns.append(func.min(column_at).label("at"))
        if with_counts:
            columns += [(func.count() if voted else literal(0)).label("votes"),
                        (literal(0) if voted else func.count()).label("comments")]
        return select(*columns).where(*where).group_by(column_user)

    activity = union_all(
        side(Vote.user_id, Vote.cast_at, 1, _active_votes(consultation_id)),
        side(Comment.user_id, Comment.created_at, 0, [Comment.consultation_id == consultation_id]),
    ).subquery("activity")
    columns = [activity.c.user_id, func.max(activity.c.voted).label("voted"),
               func.max(activity.c.commented).label("commented")]
    if with_first_at:
        columns.append(func.min(activity.c.at).label("first_at"))
    if with_counts:
        # One row per side and participant, the other side's count 0: max is the count.
        columns += [func.max(activity.c.votes).label("votes"), func.max(activity.c.comments).label("comments")]
    return select(*columns).group_by(activity.c.user_id).subquery("participants")


def participation_by_department(consultation):
    """Return participants, voters and commenters per registered department, most participants first."""
    people = participants_subquery(consultation.id)
    # Grouped by code first, named after: joining the department table before grouping made
    # PostgreSQL loop over every participant once per department.
    counts = (
        select(
            User.department_code.label("code"),
            func.count().label("participants"),
            func.coalesce(func.sum(people.c.voted), 0).label("voters"),
            func.coalesce(func.sum(people.c.commented), 0).label("commenters"),
        )
        .select_from(people)
        .join(User, User.id == people.c.user_id)
        .group_by(User.department_code)
        .subquery("department_counts")
    )
    rows = db.session.execute(
        select(counts.c.code, Department.name, counts.c.participants, counts.c.voters, counts.c.commenters)
        .join(Department, Department.code == counts.c.code)
        .order_by(counts.c.participants.desc(), counts.c.code)
    )
    return [
        {"code": code, "name": name, "participants": int(participants), "voters": int(voters),
         "commenters": int(commenters)}
        for code, name, participants, voters, commenters in rows
    ]


def comment_totals(consultation):
    """Return {received, published, hidden}: every comment and reply; those the public sees; the rest."""
    received, published = db.session.execute(
        select(
            func.count(Comment.id),
            func.coalesce(func.sum(case((Comment.is_visible, 1), else_=0)), 0),
        ).where(Comment.consultation_id == consultation.id)
    ).one()
    # Hidden is what the public does not see, a reply under a hidden comment included: the
    # three figures stay received = published + hidden, as the results page presents them.
    return {"received": int(received), "published": int(published), "hidden": int(received) - int(published)}


def proposal_totals(consultation):
    """Return ({total, national, subnational}, selected {total, national, subnational})."""
    proposals = {"total": 0, **{scope: 0 for scope in SCOPES}}
    selected = {"total": 0, **{scope: 0 for scope in SCOPES}}
    rows = db.session.execute(
        select(Proposal.scope, Proposal.status, func.count(Proposal.id))
        .where(Proposal.consultation_id == consultation.id)
        .group_by(Proposal.scope, Proposal.status)
    )
    for scope, status, n in rows:
        proposals[scope] += n
        proposals["total"] += n
        if status == "selected":
            selected[scope] += n
            selected["total"] += n
    return proposals, selected


def ranking(consultation):
    """Return every proposal with its active votes and public comments: votes, then comments, then code."""
    votes = vote_counts_subquery(consultation.id)
    comments = comment_counts_subquery(consultation.id)
    vote_n = func.coalesce(votes.c.n, 0)
    comment_n = func.coalesce(comments.c.n, 0)
    rows = db.session.execute(
        select(Proposal.code, Proposal.title, Proposal.scope, Proposal.department_code, Proposal.status,
               vote_n.label("votes"), comment_n.label("comments"))
        .outerjoin(votes, votes.c.proposal_id == Proposal.id)
        .outerjoin(comments, comments.c.proposal_id == Proposal.id)
        .where(Proposal.consultation_id == consultation.id)
        .order_by(vote_n.desc(), comment_n.desc(), code_order())
    )
    return [
        {"code": code, "title": title, "scope": scope, "department": department, "status": status,
         "votes": int(n_votes), "comments": int(n_comments)}
        for code, title, scope, department, status, n_votes, n_comments in rows
    ]


def compute_tally(consultation):
    """Return the contract's tally dict of one consultation (see the module docstring)."""
    if db.engine.dialect.name == "postgresql":
        # Distinct voters of a national consultation (~200k ids) overflow the default 4 MB
        # of sort/hash memory and spill to disk; this transaction may use more.
        db.session.execute(text(f"SET LOCAL work_mem = '{TALLY_WORK_MEM}'"))
    proposals, selected = proposal_totals(consultation)
    by_department = participation_by_department(consultation)
    ranked = ranking(consultation)
    # Every participant has exactly one department and every vote one proposal: the totals
    # are the sums of those rows, which spares two more passes over a million votes.
    people = {key: sum(row[key] for row in by_department) for key in ("participants", "voters", "commenters")}
    return {
        "consultation": consultation.slug,
        "proposals": proposals,
        "participants": people["participants"],
        "voters": people["voters"],
        "commenters": people["commenters"],
        "votes": sum(row["votes"] for row in ranked),
        "comments": comment_totals(consultation),
        "selected": selected,
        "ranking": ranked,
        "by_department": by_department,
    }


def _site_offset(at):
    # Colombia keeps one offset all year; taking it at a given instant stays right elsewhere
    # for any day without a daylight-saving change.
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return zone.utcoffset(at)


def _local_day(column, offset):
    if db.engine.dialect.name == "sqlite":
        # Stored as text; date() with a modifier shifts to the local calendar day.
        return func.date(column, f"{int(offset.total_seconds())} seconds")
    return func.date(column + offset)


def _as_date(value):
    if isinstance(value, date):
        return value
    return datetime.strptime(str(value)[:10], "%Y-%m-%d").date()


def participation_over_time(consultation):
    """Return [{day, new, cumulative}]: participants by the local day of their first activity, gaps filled."""
    people = participants_subquery(consultation.id, with_first_at=True)
    day = _local_day(people.c.first_at, _site_offset(consultation.opens_at)).label("day")
    counts = {
        _as_date(d): int(n)
        for d, n in db.session.execute(select(day, func.count()).select_from(people).group_by(day))
    }
    if not counts:
        return []
    series, total, current = [], 0, min(counts)
    while current <= max(counts):
        total += counts.get(current, 0)
        series.append({"day": current, "new": counts.get(current, 0), "cumulative": total})
        current += timedelta(days=1)
    return series


def format_table(tally):
    """Return the tally as plain-text tables for the command line."""
    lines = [
        f"Consultation       {tally['consultation']}",
        f"Proposals          {tally['proposals']['total']} "
        f"(national {tally['proposals']['national']}, subnational {tally['proposals']['subnational']})",
        f"Participants       {tally['participants']} (voters {tally['voters']}, commenters {tally['commenters']})",
        f"Votes (active)     {tally['votes']}",
        f"Comments received  {tally['comments']['received']} "
        f"(published {tally['comments']['published']}, hidden {tally['comments']['hidden']})",
        f"Selected           {tally['selected']['total']} "
        f"(national {tally['selected']['national']}, subnational {tally['selected']['subnational']})",
        "",
        f"{'#':>3}  {'code':<8} {'scope':<11} {'dept':<4} {'status':<12} {'votes':>6} {'comments':>8}  title",
    ]
    for position, row in enumerate(tally["ranking"], start=1):
        lines.append(
            f"{position:>3}  {row['code']:<8} {row['scope']:<11} {row['department'] or '':<4} {row['status']:<12} "
            f"{row['votes']:>6} {row['comments']:>8}  {row['title']}"
        )
    lines += ["", f"{'dept':<4} {'department':<40} {'participants':>12} {'voters':>7} {'commenters':>10}"]
    for row in tally["by_department"]:
        lines.append(
            f"{row['code']:<4} {row['name']:<40} {row['participants']:>12} {row['voters']:>7} {row['commenters']:>10}"
        )
    return "\n".join(lines)


def selected_proposals(consultation):
    """Return the consultation's selected proposals, by code, with their public reasons."""
    return list(db.session.scalars(
        select(Proposal)
        .where(Proposal.consultation_id == consultation.id, Proposal.status == "selected")
        .order_by(Proposal.code)
    ))


def proposal_ids_by_code(consultation):
    """Return {code: id} of the consultation's proposals, to link ranking rows to their pages."""
    return dict(db.session.execute(
        select(Proposal.code, Proposal.id).where(Proposal.consultation_id == consultation.id)
    ).all())


def bar_scale(values):
    """Return each value as a share (0-100, one decimal) of the largest, for drawing bars."""
    largest = max(values, default=0)
    return [round(100 * value / largest, 1) if largest else 0 for value in values]
