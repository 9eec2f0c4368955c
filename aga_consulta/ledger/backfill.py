"""Build the log of consultations recorded before the log existed, from their records, in time order."""
from sqlalchemy import func, select

from aga_consulta.extensions import db
from aga_consulta.ledger import services
from aga_consulta.ledger.models import TransparencyEntry
from aga_consulta.transparency import entries


def _table(name):
    return db.metadata.tables[name]


def acts(consultation_id):
    """Return (at, order, entry bytes, participant) of every recorded act of a consultation, in time order.

    Moderation decisions other than a proposal's status are not kept with their times in
    the tables (a comment keeps only its latest moderation): a comment hidden now is logged
    as hidden at that latest moderation, restorations before it are not in the log.
    """
    consultations, proposals = _table("consultations"), _table("proposals")
    votes, comments, decisions = _table("votes"), _table("comments"), _table("proposal_decisions")
    c = db.session.execute(select(consultations).where(consultations.c.id == consultation_id)).one()
    found = [(c.created_at, 0, 0, entries.consultation_opened(
        c.created_at, consultation=c.slug, title=c.title, opens_at=c.opens_at, closes_at=c.closes_at), None)]
    for p in db.session.execute(select(proposals).where(proposals.c.consultation_id == consultation_id)):
        # Proposals are logged as they stand: earlier versions of their texts are not kept.
        found.append((p.created_at, 1, p.id, entries.proposal_published(
            p.created_at, proposal=p.id, code=p.code, title=p.title, scope=p.scope,
            department=p.department_code or None,
            text_sha256=entries.proposal_text_sha256(p.title, p.summary or "", p.body or "")), None))
    for d in db.session.execute(select(decisions).where(decisions.c.consultation_id == consultation_id)):
        found.append((d.created_at, 2, d.id, entries.proposal_status(
            d.created_at, proposal=d.proposal_id, from_status=d.from_status, to_status=d.to_status,
            reason=d.reason), None))
    for v in db.session.execute(select(votes).where(votes.c.consultation_id == consultation_id)):
        who = services.participant(consultation_id, v.user_id)
        found.append((v.cast_at, 3, v.id, entries.vote_cast(
            v.cast_at, participant=who, proposal=v.proposal_id, vote=v.id), who))
        if v.withdrawn_at is not None:
            found.append((v.withdrawn_at, 4, v.id, entries.vote_withdrawn(
                v.withdrawn_at, participant=who, proposal=v.proposal_id, vote=v.id), who))
    for m in db.session.execute(select(comments).where(comments.c.consultation_id == consultation_id)):
        who = services.participant(consultation_id, m.user_id)
        found.append((m.created_at, 3, m.id, entries.comment_made(
            m.created_at, participant=who, proposal=m.proposal_id, comment=m.id, parent=m.parent_id,
            text_sha256=entries.text_sha256(m.body)), who))
        if m.status == "hidden":
            at = m.moderated_at or m.auto_hidden_at or m.created_at
            by = "reports" if m.auto_hidden_at is not None else "staff"
            found.append((at, 5, m.id, entries.comment_hidden(at, comment=m.id, by=by), None))
    found.sort(key=lambda act: act[:3])
    return [(at, item, who) for at, _, _, item, who in found]


def backfill(consultation_id):
    """Append the entries of a consultation whose log is empty, then integrate; return how many were appended."""
    has_log = db.session.scalar(
        select(func.count(TransparencyEntry.id)).where(TransparencyEntry.consultation_id == consultation_id)
    )
    if has_log:
        return 0
    found = acts(consultation_id)
    for at, item, who in found:
        services.append_entry(consultation_id, item, participant=who, at=at)
    db.session.commit()
    services.integrate(consultation_id)
    return len(found)


def backfill_all():
    """Backfill every consultation without a log; return {consultation_id: entries appended}."""
    return {cid: backfill(cid) for cid in services.consultation_ids()}
