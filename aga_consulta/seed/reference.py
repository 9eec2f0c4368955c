"""Load the reference data through the same services the web uses.

The reference consultation `iv-plan-2020` and the co-creation process `iv-plan` around it,
as 2020 history: every step closed at its real dates, the consultation closed at its final
figures, the selection made after it closed (a reconstruction of published aggregates: both
are flagged `is_reconstruction` and their descriptions say so). Beside them, the practice
process `demo` with its open survey and consultation, where a newcomer tries everything.
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
from aga_consulta.seed.committee import load_committee
from aga_consulta.seed.participation import load_participation
from aga_consulta.timeutil import utcnow
from aga_consulta.voting.models import Vote

#: Approximate dates of the real consultation (2020, midnight in Bogotá).
HISTORICAL_OPENS = datetime(2020, 10, 13, 5, 0)
HISTORICAL_CLOSES = datetime(2020, 11, 6, 5, 0)
#: The committee shortlisted, then selected, in the weeks after the consultation closed
#: (inside the selection step of `cocreation.IV_PLAN_STEPS`).
SHORTLIST_AT = HISTORICAL_CLOSES + timedelta(days=7)
SELECT_AT = HISTORICAL_CLOSES + timedelta(days=14)


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


def load_catalogue():
    """Create the reference consultation (2020 dates) with its 26 proposals and return it."""
    opens_at, closes_at = HISTORICAL_OPENS, HISTORICAL_CLOSES
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


def load_reference(reset=False, now=None):
    """Load the reference consultation, its participation and the processes; returns the consultation, or None when it exists and reset is False.

    The IV Plan is history whenever it is loaded; only the practice process depends on
    `now` (it opens then, for `cocreation.DEMO_DAYS`). With `reset`, the processes, the
    practice consultation, the reference consultation and everything recorded in them are
    deleted first; the audit log keeps the entries of earlier loads (it is append-only), and
    the synthetic accounts are reused.
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
    consultation = load_catalogue()
    consultation_id = load_participation(consultation, HISTORICAL_CLOSES, SHORTLIST_AT, SELECT_AT).id
    cocreation.load_iv_plan(db.session.get(Consultation, consultation_id), (HISTORICAL_OPENS, HISTORICAL_CLOSES))
    demo = get_by_slug(cocreation.DEMO_SLUG)
    if demo is not None:
        # A practice consultation left from an earlier load without its process.
        delete_consultation(demo)
    cocreation.load_demo(now)
    load_committee(reset=reset)
    plan.load_plan()
    return db.session.get(Consultation, consultation_id)


def database_is_empty():
    """True when no consultation exists yet (make run loads the reference then)."""
    return db.session.scalar(select(Consultation.id).limit(1)) is None
