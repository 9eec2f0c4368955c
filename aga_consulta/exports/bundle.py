"""The open-data bundle of a consultation: public CSVs, the log, comment texts, checkpoint, key."""
import functools
import os
import subprocess

from sqlalchemy import select

from aga_consulta.comments.models import Comment
from aga_consulta.exports.services import iter_csv
from aga_consulta.extensions import db
from aga_consulta.ledger import keys, services as ledger
from aga_consulta.ledger.models import TransparencyEntry
from aga_consulta.tally.services import compute_tally
from aga_consulta.timeutil import utcnow
from aga_consulta.transparency import bundle, entries

SOFTWARE_NAME = "aga_consulta"
SOFTWARE_VERSION = "1"
ROOT_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir, os.pardir))


@functools.lru_cache(maxsize=1)
def software_commit():
    """Return the commit the site runs (SOURCE_COMMIT, else git's HEAD, else "unknown")."""
    commit = os.environ.get("SOURCE_COMMIT")
    if commit:
        return commit
    try:
        found = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT_DIR, capture_output=True, text=True,
                               timeout=5, check=True)
        return found.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _comment_lines(consultation):
    # The comments the public sees, by id: a hidden comment's text stays out, and so do the
    # replies under it (docs/transparency.md).
    rows = db.session.execute(
        select(Comment.id, Comment.proposal_id, Comment.parent_id, Comment.body)
        .where(Comment.consultation_id == consultation.id, Comment.is_visible).order_by(Comment.id)
    )
    for comment_id, proposal_id, parent_id, body in rows:
        yield entries.comment_line(comment=comment_id, proposal=proposal_id, parent=parent_id, body=body)


def _generated_at(consultation, size, now):
    # From the record, never the clock: a closed consultation's closing time, else the time of
    # the checkpoint's last entry; so a closed consultation's bundle is the same bytes each time.
    if consultation.closes_at <= now:
        return consultation.closes_at
    last = db.session.scalar(select(TransparencyEntry.created_at).where(
        TransparencyEntry.consultation_id == consultation.id, TransparencyEntry.leaf_index == size - 1))
    return (last or consultation.created_at).replace(microsecond=0)


def write_consultation_bundle(consultation, out, now=None, integrate=False):
    """Write the bundle of `consultation` into `out` (a seekable binary file); return its manifest.

    With `integrate` (the command line) the log is integrated first, so that the CSVs
    (computed now) and the checkpoint describe the same acts; a download (a GET, which
    changes nothing) takes the latest checkpoint as the sequencer left it. On an open
    consultation an act not yet integrated makes the bundle disagree with itself: the bundle
    of an open consultation is a snapshot, that of a closed one is final.
    """
    now = now or utcnow()
    if integrate:
        ledger.integrate(consultation.id)
    checkpoint = ledger.latest_checkpoint(consultation.id)
    if checkpoint is None:
        raise LookupError(f"the log of {consultation.slug} has no checkpoint yet")
    tally = compute_tally(consultation)
    files = [
        (bundle.LEDGER, bundle.ledger_chunks(ledger.iter_log(consultation.id, checkpoint.size))),
        (bundle.COMMENTS, _comment_lines(consultation)),
        (bundle.PROPOSALS, iter_csv(consultation, "proposals", "public", tally=tally)),
        (bundle.SUMMARY, iter_csv(consultation, "summary", "public", tally=tally)),
        (bundle.DEPARTMENTS, iter_csv(consultation, "participation_by_department", "public", tally=tally)),
    ]
    return bundle.write_bundle(
        out, consultation=consultation.slug, generated_at=_generated_at(consultation, checkpoint.size, now),
        software={"name": SOFTWARE_NAME, "version": SOFTWARE_VERSION, "commit": software_commit()},
        checkpoint_note=checkpoint.note, verifier_key=keys.verifier_key(), files=files,
    )
