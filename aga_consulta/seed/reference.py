"""Load the reference data through the same services the web uses.

The reference consultation `iv-plan-2020` and the co-creation process `iv-plan` around it
(a reconstruction of published aggregates: both are flagged `is_reconstruction` and their
descriptions say so), and the practice process `demo` with its consultation.
"""
from datetime import datetime, timedelta

from sqlalchemy import delete, select

from aga_consulta.comments.models import Comment, CommentReport
from aga_consulta.consultations.models import Consultation
from aga_consulta.consultations.services import create_consultation, get_by_slug
from aga_consulta.extensions import db
from aga_consulta.ledger.models import TransparencyCheckpoint, TransparencyEntry, TransparencyNode
from aga_consulta.proposals.models import Proposal
from aga_consulta.proposals.services import create_proposal, get_or_create_theme
from aga_consulta.seed import catalogue, cocreation, plan
from aga_consulta.seed.participation import load_participation
from aga_consulta.timeutil import utcnow
from aga_consulta.voting.models import Vote

#: Approximate dates of the real consultation (2020), used with --historical.
HISTORICAL_OPENS = datetime(2020, 10, 13, 5, 0)
HISTORICAL_CLOSES = datetime(2020, 11, 6, 5, 0)


def reference_window(historical=False, now=None):
    """Return (opens_at, closes_at): real 2020 dates, or a window open around `now`."""
    if historical:
        return HISTORICAL_OPENS, HISTORICAL_CLOSES
    now = (now or utcnow()).replace(second=0, microsecond=0)
    return now - timedelta(days=14), now + timedelta(days=21)


def delete_consultation(consultation):
    """Remove a consultation and everything recorded in it."""
    comment_ids = select(Comment.id).where(Comment.consultation_id == consultation.id)
    db.session.execute(delete(CommentReport).where(CommentReport.comment_id.in_(comment_ids)))
    # Replies first: their composite foreign key points at their parents.
    db.session.execute(
        delete(Comment).where(Comment.consultation_id == consultation.id, Comment.parent_id.is_not(None))
    )
    db.session.execute(delete(Comment).where(Comment.consultation_id == consultation.id))
    db.session.execute(delete(Vote).where(Vote.consultation_id == consultation.id))
    db.session.execute(delete(Proposal).where(Proposal.consultation_id == consultation.id))
    for model in (TransparencyCheckpoint, TransparencyNode, TransparencyEntry):
        db.session.execute(delete(model).where(model.consultation_id == consultation.id))
    db.session.delete(consultation)
    db.session.commit()


def load_catalogue(historical=False, now=None):
    """Create the reference consultation with its 26 proposals and return it."""
    opens_at, closes_at = reference_window(historical, now)
    consultation = create_consultation(
        slug=catalogue.SLUG,
        title=catalogue.TITLE,
        description=catalogue.DESCRIPTION,
        opens_at=opens_at,
        closes_at=closes_at,
        is_reconstruction=True,
    )
    themes = {slug: get_or_create_theme(slug, name) for slug, name in catalogue.THEMES.items()}
    for offset, (code, scope, dept, municipality, theme, proposer, title, summary, body, _invented) in enumerate(
        catalogue.PROPOSALS
    ):
        values = {"code": code, "title": title, "scope": scope, "summary": summary, "body": body,
                  "department_code": dept, "municipality": municipality, "theme": themes[theme].name,
                  "proposer": proposer}
        proposal = create_proposal(consultation, values, commit=False)
        # Proposals arrived before the consultation opened, in code order.
        proposal.created_at = opens_at - timedelta(days=2, minutes=-offset)
    db.session.commit()
    return consultation


def load_reference(reset=False, historical=False, now=None):
    """Load the reference consultation, its participation and the processes; returns the consultation, or None when it exists and reset is False.

    With `reset`, the processes, the practice consultation, the reference consultation and
    everything recorded in them are deleted first; the audit log keeps the entries of
    earlier loads (it is append-only), and the synthetic accounts are reused.
    """
    existing = get_by_slug(catalogue.SLUG)
    if existing is not None:
        if not reset:
            return None
        cocreation.delete_processes()
        demo = get_by_slug(cocreation.DEMO_SLUG)
        if demo is not None:
            delete_consultation(demo)
        delete_consultation(get_by_slug(catalogue.SLUG))
    now = (now or utcnow()).replace(microsecond=0)
    consultation = load_catalogue(historical=historical, now=now)
    if historical:
        # Closed: the committee decided in the weeks after the consultation.
        activity_end = consultation.closes_at
        shortlist_at = consultation.closes_at + timedelta(days=7)
        select_at = consultation.closes_at + timedelta(days=14)
    else:
        # Open: the committee's decisions are already on record so that the results page
        # shows a complete selection. A selected or not selected proposal takes no more
        # votes (voting.services), so the activity so far ends just before those decisions:
        # no vote in the record could have been cast after them.
        shortlist_at = now - timedelta(days=2)
        select_at = now - timedelta(hours=6)
        activity_end = select_at - timedelta(minutes=1)
    consultation_id = load_participation(consultation, activity_end, shortlist_at, select_at).id
    cocreation.load_iv_plan(db.session.get(Consultation, consultation_id), (HISTORICAL_OPENS, HISTORICAL_CLOSES))
    demo = get_by_slug(cocreation.DEMO_SLUG)
    if demo is not None:
        # A practice consultation left from an earlier load without its process.
        delete_consultation(demo)
    cocreation.load_demo(now)
    plan.load_plan()
    return db.session.get(Consultation, consultation_id)


def database_is_empty():
    """True when no consultation exists yet (make run loads the reference then)."""
    return db.session.scalar(select(Consultation.id).limit(1)) is None
