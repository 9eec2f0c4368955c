"""CSV exports: a registry of row generators per audience, written as RFC 4180 UTF-8.

Every export reads through SQL (aggregates, or one streamed query with a server-side
cursor), so that a million votes never sit in memory: rows go from the cursor to the CSV
writer and out in chunks.
"""
import csv
import hashlib
import hmac
import io
import os

from flask import current_app
from sqlalchemy import func, select

from aga_consulta.accounts.models import User
from aga_consulta.comments.models import Comment
from aga_consulta.errors import DomainError
from aga_consulta.extensions import db
from aga_consulta.moderation.audit import record
from aga_consulta.proposals.models import Proposal, Theme
from aga_consulta.proposals.services import code_order, comment_counts_subquery, vote_counts_subquery
from aga_consulta.tally import services as tally_services
from aga_consulta.territory.models import Department
from aga_consulta.voting.models import Vote

#: The contract's columns of every export, in order.
COLUMNS = {
    "proposals": ("code", "title", "scope", "department_code", "department", "theme", "proposer",
                  "status", "status_reason", "votes", "comments"),
    "votes": ("participant", "proposal_code", "cast_at"),
    "comments": ("comment_id", "participant", "proposal_code", "parent_id", "body", "status", "created_at"),
    "participants": ("participant", "department_code", "votes", "comments", "registered_at"),
    "summary": ("metric", "value"),
    "participation_by_department": ("department_code", "department", "participants", "voters", "commenters"),
}

AUDIENCES = ("public", "moderator")

#: Rows fetched from the database per round trip by the streamed exports.
YIELD_PER = 5000
#: Characters buffered before a chunk is handed to the response (or the file).
CHUNK_CHARS = 64 * 1024

#: First characters that make a spreadsheet read a cell as a formula (OWASP CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_TRIGGER_SET = frozenset(FORMULA_TRIGGERS)


class UnknownExport(DomainError):
    """No export of that name for that audience."""

    status = 404


def neutralise(value):
    """Return the cell a spreadsheet will show as text: a leading `'` before a formula trigger.

    Only text is neutralised. Numbers (counts, ids) are written by the program, never typed
    by a person, and stay numeric so that spreadsheets can sum them; a negative count cannot
    occur, and if one did it would be a number, not a formula.
    """
    if isinstance(value, str) and value[:1] in _TRIGGER_SET:
        return "'" + value
    return value


def _neutralised(row):
    # neutralise() inlined: this runs once per row of a million-row export.
    return [("'" + value) if value.__class__ is str and value[:1] in _TRIGGER_SET else value for value in row]


def pseudonym_key(config):
    """Return the key of participant pseudonyms: PSEUDONYM_KEY, else one derived from SECRET_KEY.

    The derivation keeps SECRET_KEY itself out of the hash, so that pseudonyms reveal nothing
    usable to sign cookies; pseudonyms change if the key they come from changes.
    """
    key = config.get("PSEUDONYM_KEY")
    if key:
        return key.encode()
    return hmac.new(str(config["SECRET_KEY"]).encode(), b"aga_consulta/exports/pseudonym", hashlib.sha256).digest()


class Pseudonymiser:
    """Maps a user id to a stable pseudonym: HMAC-SHA256 of the id under the deployment's key."""

    def __init__(self, key):
        self._key = key

    def __call__(self, user_id):
        """Return the pseudonym of `user_id` (80 bits of the HMAC, hex)."""
        # hmac.digest is OpenSSL's one-shot HMAC: one C call per row.
        return "p-" + hmac.digest(self._key, str(user_id).encode(), "sha256")[:10].hex()


def pseudonymiser():
    """Return the pseudonymiser of the current app."""
    return Pseudonymiser(pseudonym_key(current_app.config))


def _stream(statement):
    # Core, not the ORM: plain tuples. yield_per fetches in batches through a server-side
    # cursor (stream_results) on PostgreSQL; SQLite's cursor already steps row by row.
    return db.session.connection().execute(statement.execution_options(yield_per=YIELD_PER))


def _iso_utc(column):
    """The stored naive-UTC time as ISO 8601 with a Z, formatted by the database.

    Same text as timeutil.isoformat_utc; done in SQL so that the database's process, not
    the exporting one, pays for it a million times.
    """
    if db.engine.dialect.name == "postgresql":
        return func.to_char(column, 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
    return func.strftime("%Y-%m-%dT%H:%M:%SZ", column)


def _proposal_codes(consultation):
    # At most a few thousand proposals: a dict here spares a join on every vote row.
    return dict(db.session.execute(select(Proposal.id, Proposal.code).where(
        Proposal.consultation_id == consultation.id)).all())


def _proposal_rows(consultation, published_only):
    votes = vote_counts_subquery(consultation.id)
    comments = comment_counts_subquery(consultation.id, published_only=published_only)
    statement = (
        select(Proposal.code, Proposal.title, Proposal.scope, Proposal.department_code, Department.name,
               Theme.name, Proposal.proposer, Proposal.status, Proposal.status_reason,
               func.coalesce(votes.c.n, 0), func.coalesce(comments.c.n, 0))
        .outerjoin(votes, votes.c.proposal_id == Proposal.id)
        .outerjoin(comments, comments.c.proposal_id == Proposal.id)
        .outerjoin(Department, Department.code == Proposal.department_code)
        .outerjoin(Theme, Theme.id == Proposal.theme_id)
        .where(Proposal.consultation_id == consultation.id)
        .order_by(code_order())
    )
    yield from _stream(statement)


def public_proposal_rows(consultation):
    """Proposals with their active votes and published comments: the counts the public pages show."""
    return _proposal_rows(consultation, published_only=True)


def moderator_proposal_rows(consultation):
    """Proposals with their active votes and every comment received, hidden ones included."""
    return _proposal_rows(consultation, published_only=False)


def vote_rows(consultation):
    """Active votes (withdrawn ones excluded), in the order they were stored."""
    codes = _proposal_codes(consultation)
    pseudonym = pseudonymiser()
    statement = (
        select(Vote.user_id, Vote.proposal_id, _iso_utc(Vote.cast_at))
        .where(Vote.consultation_id == consultation.id, Vote.withdrawn_at.is_(None))
        .order_by(Vote.id)
    )
    for user_id, proposal_id, cast_at in _stream(statement):
        yield pseudonym(user_id), codes[proposal_id], cast_at


def comment_rows(consultation):
    """Every comment and reply, hidden ones included with their text and status."""
    codes = _proposal_codes(consultation)
    pseudonym = pseudonymiser()
    statement = (
        select(Comment.id, Comment.user_id, Comment.proposal_id, Comment.parent_id, Comment.body,
               Comment.status, _iso_utc(Comment.created_at))
        .where(Comment.consultation_id == consultation.id)
        .order_by(Comment.id)
    )
    for comment_id, user_id, proposal_id, parent_id, body, status, created_at in _stream(statement):
        yield comment_id, pseudonym(user_id), codes[proposal_id], parent_id, body, status, created_at


def participant_rows(consultation):
    """Participants, as the tally defines and counts them, with their activity."""
    pseudonym = pseudonymiser()
    people = tally_services.participants_subquery(consultation.id, with_counts=True)
    statement = (
        select(people.c.user_id, User.department_code, people.c.votes, people.c.comments,
               _iso_utc(User.created_at))
        .select_from(people)
        .join(User, User.id == people.c.user_id)
        .order_by(people.c.user_id)
    )
    for user_id, department_code, vote_count, comment_count, created_at in _stream(statement):
        yield pseudonym(user_id), department_code, vote_count, comment_count, created_at


def _tally(consultation):
    return tally_services.compute_tally(consultation)


def summary_figures(tally):
    """Flatten the tally's scalar figures into (metric, value): `comments.hidden` -> comments_hidden."""
    for key, value in tally.items():
        if isinstance(value, dict):
            for sub_key, sub_value in value.items():
                if isinstance(sub_value, int) and not isinstance(sub_value, bool):
                    yield f"{key}_{sub_key}", sub_value
        elif isinstance(value, int) and not isinstance(value, bool):
            yield key, value


def summary_rows(consultation):
    """One row per figure of the tally."""
    return summary_figures(_tally(consultation))


def department_rows(consultation):
    """Participation by the participants' department of residence, from the tally."""
    for row in _tally(consultation)["by_department"]:
        yield row["code"], row["name"], row["participants"], row["voters"], row["commenters"]


#: The exports each audience may download: name -> row generator (consultation -> rows).
REGISTRY = {
    "public": {
        "proposals": public_proposal_rows,
        "summary": summary_rows,
        "participation_by_department": department_rows,
    },
    "moderator": {
        "proposals": moderator_proposal_rows,
        "votes": vote_rows,
        "comments": comment_rows,
        "participants": participant_rows,
        "summary": summary_rows,
        "participation_by_department": department_rows,
    },
}


def get_export(audience, name):
    """Return the row generator of export `name` for `audience`.

    :raises UnknownExport: no such export for this audience.
    """
    generator = REGISTRY.get(audience, {}).get(name)
    if generator is None:
        raise UnknownExport()
    return generator


def filename(consultation, name):
    """The file name of an export: `<slug>-<name>.csv`."""
    return f"{consultation.slug}-{name}.csv"


def iter_csv(consultation, name, audience, counter=None):
    """Yield the CSV text of one export in chunks: header row, then neutralised rows.

    RFC 4180 (comma, double quotes, CRLF) through the csv module; no byte-order mark, so
    that the first column is named `code`, not `\\ufeffcode`, for the programs that read
    open data. `counter`, a list, receives the number of data rows once done.

    :raises UnknownExport: no such export for this audience.
    """
    rows = get_export(audience, name)(consultation)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS[name])
    written = 0
    for row in rows:
        writer.writerow(_neutralised(row))
        written += 1
        if buffer.tell() >= CHUNK_CHARS:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
    if counter is not None:
        counter.append(written)


def _private_file(path, flags):
    return os.open(path, flags, 0o600)


def write_export(consultation, name, audience, path):
    """Write one export to the file at `path` and return its number of data rows.

    :raises UnknownExport: no such export for this audience.
    """
    counter = []
    # Owner-only: the full set holds hidden comments and pseudonymised participation.
    with open(path, "w", encoding="utf-8", newline="", opener=_private_file) as output:
        for chunk in iter_csv(consultation, name, audience, counter):
            output.write(chunk)
    return counter[0]


def write_all(consultation, directory):
    """Write every export (the moderators' full set) into `directory`; return [(file name, rows)].

    The command line is an operator's action: it is audited with the system as the actor.
    """
    os.makedirs(directory, mode=0o700, exist_ok=True)
    written = []
    for name in REGISTRY["moderator"]:
        file_name = filename(consultation, name)
        written.append((file_name, write_export(consultation, name, "moderator", os.path.join(directory, file_name))))
    record(None, "export.download", "consultation", consultation.id, target_label=consultation.slug,
           after={"exports": [name for name in REGISTRY["moderator"]]}, reason="flask export")
    db.session.commit()
    return written


def record_download(actor, consultation, name):
    """Log that a moderator downloaded a full export (it holds pseudonymised personal data)."""
    record(actor, "export.download", "consultation", consultation.id, target_label=consultation.slug,
           after={"export": name})
    db.session.commit()
