"""Build the log of consultations recorded before the log existed, from their records, in time order."""
from sqlalchemy import func, select

from aga_consulta.extensions import db
from aga_consulta.ledger import keys, services
from aga_consulta.ledger.models import TransparencyEntry
from aga_consulta.transparency import history


def _rows(table, consultation_id):
    table = db.metadata.tables[table]
    return db.session.execute(select(table).where(table.c.consultation_id == consultation_id)).all()


def acts(consultation_id):
    """Return (at, entry bytes, participant) of every recorded act of a consultation, in time order."""
    consultations = db.metadata.tables["consultations"]
    consultation = db.session.execute(select(consultations).where(consultations.c.id == consultation_id)).one()
    return history.acts(
        consultation, _rows("proposals", consultation_id), _rows("proposal_decisions", consultation_id),
        _rows("votes", consultation_id), _rows("comments", consultation_id), keys.pseudonym_key(),
    )


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
