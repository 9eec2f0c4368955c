"""Importing proposals from a CSV file: every row or none, with a row-by-row report."""
import csv
import io
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import lazy_gettext as _l

from aga_consulta.accounts.permissions import ensure_moderator
from aga_consulta.audit import record
from aga_consulta.errors import ValidationFailed
from aga_consulta.extensions import db
from aga_consulta.proposals.services import (
    FIELDS,
    DuplicateProposalCode,
    code_key,
    create_proposal,
    proposal_problems,
    taken_code,
)
from aga_consulta.timeutil import utcnow


class ImportRejected(ValidationFailed):
    """The CSV file has problems: nothing was imported; `report` says which rows and why."""

    def __init__(self, report, message=None):
        super().__init__(message or _l("No se importó ninguna propuesta: corrige las filas señaladas y vuelve a subir el archivo."))
        self.report = report


@dataclass
class ImportRow:
    """One data row of an imported file: its number (the header is row 1), code and problems."""

    number: int
    code: str
    problems: list = field(default_factory=list)

    @property
    def ok(self):
        """True when the row can be imported."""
        return not self.problems


@dataclass
class ImportReport:
    """What an import found in each row, and how many proposals it stored."""

    filename: str = ""
    rows: list = field(default_factory=list)
    imported: int = 0

    @property
    def bad_rows(self):
        """The rows with problems."""
        return [row for row in self.rows if not row.ok]


def _read_csv_text(data, report):
    limit = current_app.config["PROPOSAL_IMPORT_MAX_BYTES"]
    if len(data) > limit:
        raise ImportRejected(report, _l("El archivo supera el tamaño máximo (%(kb)d KB).", kb=limit // 1024))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRejected(report, _l("El archivo no está en UTF-8. Guárdalo como «CSV UTF-8» y vuelve a subirlo.")) from None
    if "\x00" in text:
        raise ImportRejected(report, _l("El archivo contiene caracteres no válidos."))
    if not text.strip():
        raise ImportRejected(report, _l("El archivo está vacío."))
    return text


def _parse_rows(text, report):
    first_line = text.split("\n", 1)[0]
    # Spreadsheets set to Spanish save CSV with semicolons.
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = [name.strip().lower() for name in next(reader)]
        rows = list(reader)
    except csv.Error as error:
        raise ImportRejected(report, _l("El archivo no es un CSV válido (línea %(line)d).", line=reader.line_num)) from error
    missing = [name for name in FIELDS if name not in header]
    unknown = [name for name in header if name not in FIELDS]
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if missing or unknown or duplicated:
        problems = []
        if missing:
            problems.append(str(_l("faltan columnas: %(names)s", names=", ".join(missing))))
        if unknown:
            problems.append(str(_l("columnas desconocidas: %(names)s", names=", ".join(unknown))))
        if duplicated:
            problems.append(str(_l("columnas repetidas: %(names)s", names=", ".join(duplicated))))
        raise ImportRejected(
            report,
            _l("La primera fila debe tener las columnas %(columns)s; %(problems)s.",
               columns=", ".join(FIELDS), problems="; ".join(problems)),
        )
    rows = [row for row in rows if any(cell.strip() for cell in row)]
    if not rows:
        raise ImportRejected(report, _l("El archivo no tiene filas de propuestas."))
    max_rows = current_app.config["PROPOSAL_IMPORT_MAX_ROWS"]
    if len(rows) > max_rows:
        raise ImportRejected(report, _l("El archivo tiene más de %(max)d filas.", max=max_rows))
    return header, rows


def import_proposals_csv(actor, consultation, file, filename="", now=None):
    """Import proposals from CSV (UTF-8, with or without BOM): every row, or none.

    `file` is bytes or a binary file object. Returns the report of an import that stored
    every row.

    :raises NotAllowed: the actor is not a moderator or admin.
    :raises ImportRejected: the file or some rows are bad; nothing was stored, and the
        exception's `report` names each bad row and its problems.
    """
    ensure_moderator(actor)
    report = ImportReport(filename=(filename or "")[:200])
    limit = current_app.config["PROPOSAL_IMPORT_MAX_BYTES"]
    data = file if isinstance(file, bytes) else file.read(limit + 1)
    header, rows = _parse_rows(_read_csv_text(data, report), report)
    seen = {}
    cleaned_rows = []
    for number, cells in enumerate(rows, start=2):
        code = cells[header.index("code")].strip() if len(cells) > header.index("code") else ""
        row = ImportRow(number=number, code=code[:40])
        report.rows.append(row)
        if len(cells) != len(header):
            row.problems.append(_l("Tiene %(found)d celdas y el encabezado %(expected)d.", found=len(cells), expected=len(header)))
            continue
        cleaned, problems = proposal_problems(dict(zip(header, cells)))
        row.problems.extend(problems)
        key = code_key(cleaned.get("code", ""))
        taken = taken_code(consultation.id, cleaned["code"]) if key else None
        if taken is not None:
            # The very refusal the forms give: one rule for codes, whichever way they come in.
            row.problems.append(DuplicateProposalCode(taken).message)
        if key and key in seen:
            row.problems.append(_l("El código %(code)s se repite (ya está en la fila %(row)d).", code=cleaned["code"], row=seen[key]))
        seen.setdefault(key, number)
        cleaned_rows.append(cleaned)
    if report.bad_rows:
        raise ImportRejected(report)
    now = now or utcnow()
    try:
        for cleaned in cleaned_rows:
            create_proposal(consultation, cleaned, commit=False)
    except DuplicateProposalCode:
        # Another import or edit took a code between the check and the insert.
        raise ImportRejected(report, _l("Otra persona añadió propuestas con los mismos códigos mientras tanto: no se importó nada.")) from None
    report.imported = len(cleaned_rows)
    record(actor, "proposal.import", "consultation", consultation.id, target_label=consultation.slug,
           after={"file": report.filename, "imported": report.imported,
                  "codes": ", ".join(c["code"] for c in cleaned_rows)}, now=now)
    db.session.commit()
    return report
