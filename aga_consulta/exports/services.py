"""Exports (CSV, and XLSX for staff): each declared once, its columns beside the function that yields its rows.

Every export reads through SQL (aggregates, or one streamed query with a server-side
cursor), so that a million votes never sit in memory: rows go from the cursor to the CSV
writer and out in chunks. A row function names its values by column (`Run.select` labels
each SQL expression with its column's name, `Run.row` does the same for a computed row) and
the declared tuple alone sets their order, so the header and the rows cannot drift apart.
"""
import csv
import hashlib
import hmac
import io
import os
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy import func, select

from aga_consulta.accounts.models import User
from aga_consulta.comments.models import Comment
from aga_consulta.errors import DomainError
from aga_consulta.extensions import db
from aga_consulta.audit import record
from aga_consulta.proposals.models import Proposal, Theme
from aga_consulta.comments.services import comment_counts_subquery
from aga_consulta.proposals.services import code_order
from aga_consulta.tally import services as tally_services
from aga_consulta.voting.services import vote_counts_subquery
from aga_consulta.territory.models import Department
from aga_consulta.text import FORMULA_TRIGGERS, neutralise  # noqa: F401  (neutralise: part of this module's API)
from aga_consulta.voting.models import Vote

AUDIENCES = ("public", "moderator")
MODERATORS = ("moderator",)

#: The formats every export is written in, and who may download each: open data stays CSV
#: (the format of the contract and of the bundle); staff also get a spreadsheet.
FORMAT_AUDIENCES = {"csv": AUDIENCES, "xlsx": MODERATORS}
MEDIA_TYPES = {"csv": "text/csv",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}

#: Rows fetched from the database per round trip by the streamed exports.
YIELD_PER = 5000
#: Characters buffered before a chunk is handed to the response (or the file).
CHUNK_CHARS = 64 * 1024

_TRIGGER_SET = frozenset(FORMULA_TRIGGERS)


class UnknownExport(DomainError):
    """No export of that name for that audience."""

    status = 404


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
    """Maps a user id to a pseudonym of one export of one consultation: HMAC-SHA256 of the id
    under a key derived from the deployment's key, the consultation's id and the export's name.

    One pseudonym per person across every file let a reader join them: comments.csv times
    matched the public comment times, and votes.csv then named the commenters' votes. Under
    a key per consultation and per export the same person's pseudonyms in votes.csv and
    comments.csv, or in two consultations, are unrelated; within one export of one
    consultation they stay stable from download to download.
    """

    def __init__(self, key, consultation_id, export_name):
        self._key = hmac.digest(key, f"aga_consulta/exports/{consultation_id}/{export_name}".encode(), "sha256")

    def __call__(self, user_id):
        """Return the pseudonym of `user_id` (80 bits of the HMAC, hex)."""
        # hmac.digest is OpenSSL's one-shot HMAC: one C call per row.
        return "p-" + hmac.digest(self._key, str(user_id).encode(), "sha256")[:10].hex()


def pseudonymiser(consultation_id, export_name):
    """Return the current app's pseudonymiser of export `export_name` of the consultation."""
    return Pseudonymiser(pseudonym_key(current_app.config), consultation_id, export_name)


def _in_declared_order(columns, named):
    """The values of `named` (column name -> value) in the order of `columns`."""
    if named.keys() != set(columns):
        raise ValueError(f"an export of columns {columns} was given {tuple(named)}")
    return [named[name] for name in columns]


@dataclass(frozen=True)
class Export:
    """One export: its name, its link text, who may download it, its columns, its rows.

    `rows(run)` yields the data rows of one consultation (see `Run`), each a sequence in the
    order of `columns`.
    """

    name: str
    label: object
    audiences: tuple
    columns: tuple
    rows: Callable


#: Every export, by name, in the order the downloads are listed and `flask export` writes them.
EXPORTS = {}


def export(name, label, audiences, columns):
    """Declare the decorated row function as the export `name` (see `Export`)."""
    def declare(rows):
        assert name not in EXPORTS, name
        EXPORTS[name] = Export(name, label, tuple(audiences), tuple(columns), rows)
        return rows
    return declare


class Run:
    """One writing of one export: what its row function reads and the helpers it builds rows with."""

    def __init__(self, declared, consultation, audience, tally=None):
        self.export = declared
        self.consultation = consultation
        self.audience = audience
        self._tally = tally

    @property
    def tally(self):
        """The consultation's tally: the one given, else computed on first use."""
        if self._tally is None:
            self._tally = tally_services.compute_tally(self.consultation)
        return self._tally

    def select(self, **expressions):
        """SELECT the export's columns: each expression labelled with its column's name, in declared order."""
        return select(*(expression.label(name) for name, expression in zip(
            self.export.columns, _in_declared_order(self.export.columns, expressions))))

    def pseudonymiser(self):
        """The pseudonyms of this export of this consultation (see Pseudonymiser)."""
        return pseudonymiser(self.consultation.id, self.export.name)

    def row(self, **values):
        """One row from values named by column (for rows computed in Python, not streamed)."""
        return _in_declared_order(self.export.columns, values)

    def stream(self, statement, **convert):
        """Stream the rows of a statement built by `select`; `convert` maps a column to a function of its value.

        Core, not the ORM: plain tuples. yield_per fetches in batches through a server-side
        cursor (stream_results) on PostgreSQL; SQLite's cursor already steps row by row.
        """
        columns = self.export.columns
        if tuple(statement.selected_columns.keys()) != columns:
            raise ValueError(f"the export's statement does not select {columns}")
        result = db.session.connection().execute(statement.execution_options(yield_per=YIELD_PER))
        if not convert:
            return result
        conversions = [(columns.index(name), function) for name, function in convert.items()]
        return _converted(result, conversions)


def _converted(rows, conversions):
    for row in rows:
        row = list(row)
        for position, function in conversions:
            row[position] = function(row[position])
        yield row


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


@export("proposals", _l("Propuestas, con sus votos y comentarios"), AUDIENCES,
        ("code", "title", "scope", "department_code", "department", "theme", "proposer", "status",
         "status_reason", "votes", "comments"))
def proposal_rows(run):
    """Proposals with their active votes and comments: visible ones for the public (the counts
    the public pages show), every one received, hidden ones included, for moderators."""
    consultation = run.consultation
    votes = vote_counts_subquery(consultation.id)
    comments = comment_counts_subquery(consultation.id, public_only=run.audience == "public")
    statement = (
        run.select(
            code=Proposal.code, title=Proposal.title, scope=Proposal.scope,
            department_code=Proposal.department_code, department=Department.name, theme=Theme.name,
            proposer=Proposal.proposer, status=Proposal.status, status_reason=Proposal.status_reason,
            votes=func.coalesce(votes.c.n, 0), comments=func.coalesce(comments.c.n, 0),
        )
        .outerjoin(votes, votes.c.proposal_id == Proposal.id)
        .outerjoin(comments, comments.c.proposal_id == Proposal.id)
        .outerjoin(Department, Department.code == Proposal.department_code)
        .outerjoin(Theme, Theme.id == Proposal.theme_id)
        .where(Proposal.consultation_id == consultation.id)
        .order_by(code_order())
    )
    return run.stream(statement)


@export("votes", _l("Votos activos (seudonimizados)"), MODERATORS,
        ("participant", "proposal_code", "cast_at"))
def vote_rows(run):
    """Active votes (withdrawn ones excluded), in the order they were stored."""
    statement = (
        run.select(participant=Vote.user_id, proposal_code=Vote.proposal_id, cast_at=_iso_utc(Vote.cast_at))
        .where(Vote.consultation_id == run.consultation.id, Vote.withdrawn_at.is_(None))
        .order_by(Vote.id)
    )
    return run.stream(statement, participant=run.pseudonymiser(),
                      proposal_code=_proposal_codes(run.consultation).__getitem__)


@export("comments", _l("Comentarios, incluidos los ocultos (seudonimizados)"), MODERATORS,
        ("comment_id", "participant", "proposal_code", "parent_id", "body", "status", "created_at"))
def comment_rows(run):
    """Every comment and reply, hidden ones included with their text and status."""
    statement = (
        run.select(
            comment_id=Comment.id, participant=Comment.user_id, proposal_code=Comment.proposal_id,
            parent_id=Comment.parent_id, body=Comment.body, status=Comment.status,
            created_at=_iso_utc(Comment.created_at),
        )
        .where(Comment.consultation_id == run.consultation.id)
        .order_by(Comment.id)
    )
    return run.stream(statement, participant=run.pseudonymiser(),
                      proposal_code=_proposal_codes(run.consultation).__getitem__)


@export("participants", _l("Participantes (seudonimizados)"), MODERATORS,
        ("participant", "department_code", "votes", "comments", "registered_at"))
def participant_rows(run):
    """Participants, as the tally defines and counts them, with their activity."""
    people = tally_services.participants_subquery(run.consultation.id, with_counts=True)
    statement = (
        run.select(
            participant=people.c.user_id, department_code=User.department_code, votes=people.c.votes,
            comments=people.c.comments, registered_at=_iso_utc(User.created_at),
        )
        .select_from(people)
        .join(User, User.id == people.c.user_id)
        .order_by(people.c.user_id)
    )
    return run.stream(statement, participant=run.pseudonymiser())


def summary_figures(tally):
    """Flatten the tally's scalar figures into (metric, value): `comments.hidden` -> comments_hidden."""
    for key, value in tally.items():
        if isinstance(value, dict):
            for sub_key, sub_value in value.items():
                if isinstance(sub_value, int) and not isinstance(sub_value, bool):
                    yield f"{key}_{sub_key}", sub_value
        elif isinstance(value, int) and not isinstance(value, bool):
            yield key, value


@export("summary", _l("Cifras del conteo"), AUDIENCES, ("metric", "value"))
def summary_rows(run):
    """One row per figure of the tally."""
    for metric, value in summary_figures(run.tally):
        yield run.row(metric=metric, value=value)


@export("participation_by_department", _l("Participación por departamento"), AUDIENCES,
        ("department_code", "department", "participants", "voters", "commenters"))
def department_rows(run):
    """Participation by the participants' department of residence, from the tally."""
    for row in run.tally["by_department"]:
        yield run.row(department_code=row["code"], department=row["name"], participants=row["participants"],
                      voters=row["voters"], commenters=row["commenters"])


#: The contract's columns of every export, in order (derived: declared with each export).
COLUMNS = {name: declared.columns for name, declared in EXPORTS.items()}


def names(audience):
    """The names of the exports `audience` may download, in declaration order."""
    return tuple(name for name, declared in EXPORTS.items() if audience in declared.audiences)


def get_export(audience, name):
    """Return the declaration (`Export`) of export `name` for `audience`.

    :raises UnknownExport: no such export for this audience.
    """
    declared = EXPORTS.get(name)
    if declared is None or audience not in declared.audiences:
        raise UnknownExport()
    return declared


def formats(audience):
    """The file formats `audience` may download every one of its exports in."""
    return tuple(fmt for fmt, audiences in FORMAT_AUDIENCES.items() if audience in audiences)


def filename(consultation, name, fmt="csv"):
    """The file name of an export: `<slug>-<name>.csv` (or `.xlsx`)."""
    return f"{consultation.slug}-{name}.{fmt}"


def iter_csv(consultation, name, audience, counter=None, tally=None):
    """Yield the CSV text of one export in chunks: header row, then neutralised rows.

    RFC 4180 (comma, double quotes, CRLF) through the csv module; no byte-order mark, so
    that the first column is named `code`, not `\\ufeffcode`, for the programs that read
    open data. `counter`, a list, receives the number of data rows once done. `tally`, the
    consultation's tally if the caller has it already, spares computing it again.

    :raises UnknownExport: no such export for this audience.
    """
    declared = get_export(audience, name)
    rows = declared.rows(Run(declared, consultation, audience, tally))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(declared.columns)
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


def _spreadsheet_cell(value):
    # XML 1.0 cannot carry most control characters; openpyxl refuses them rather than drop them.
    if value.__class__ is str:
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


def write_xlsx(consultation, name, audience, output, tally=None):
    """Write one export as an XLSX workbook to `output` (a path or a binary file); return its data rows.

    openpyxl's write-only mode streams each appended row to a temporary file, so memory stays
    flat however many rows there are. Cells get the CSVs' one rule (`_neutralised`): a text
    starting with a formula trigger gets a leading `'`, so no cell is ever stored as a formula
    and the two formats hold the same text. Numbers stay numbers.

    :raises UnknownExport: no such export for this audience.
    """
    declared = get_export(audience, name)
    rows = declared.rows(Run(declared, consultation, audience, tally))
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=name[:31])
    sheet.freeze_panes = "A2"
    sheet.append(declared.columns)
    written = 0
    for row in rows:
        # Control characters go first: once dropped, what is left may start with a trigger.
        sheet.append(_neutralised([_spreadsheet_cell(value) for value in row]))
        written += 1
    workbook.save(output)
    return written


def _private_file(path, flags):
    return os.open(path, flags, 0o600)


def write_export(consultation, name, audience, path, tally=None):
    """Write one export to the file at `path` and return its number of data rows (`tally`: see iter_csv).

    :raises UnknownExport: no such export for this audience.
    """
    counter = []
    # Owner-only: the full set holds hidden comments and pseudonymised participation.
    with open(path, "w", encoding="utf-8", newline="", opener=_private_file) as output:
        for chunk in iter_csv(consultation, name, audience, counter, tally):
            output.write(chunk)
    return counter[0]


def write_all(consultation, directory):
    """Write every export (the moderators' full set) into `directory`; return [(file name, rows)].

    The tally is computed once, for every export drawn from it (summary, departments): they
    agree with each other and the aggregates run once. The command line is an operator's
    action: it is audited with the system as the actor.
    """
    os.makedirs(directory, mode=0o700, exist_ok=True)
    tally = tally_services.compute_tally(consultation)
    written = []
    for name in names("moderator"):
        file_name = filename(consultation, name)
        path = os.path.join(directory, file_name)
        written.append((file_name, write_export(consultation, name, "moderator", path, tally)))
    record(None, "export.download", "consultation", consultation.id, target_label=consultation.slug,
           after={"exports": list(names("moderator"))}, reason="flask export")
    db.session.commit()
    return written


def record_download(actor, consultation, name, fmt="csv"):
    """Log that a moderator downloaded a full export (it holds pseudonymised personal data)."""
    after = {"export": name} if fmt == "csv" else {"export": name, "format": fmt}
    record(actor, "export.download", "consultation", consultation.id, target_label=consultation.slug,
           after=after)
    db.session.commit()
