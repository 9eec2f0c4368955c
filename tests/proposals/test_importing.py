"""Importing proposals from CSV, without HTTP."""
import json

import pytest

from aga_consulta.errors import NotAllowed
from aga_consulta.extensions import db
from aga_consulta.proposals import importing
from aga_consulta.proposals.models import Proposal, Theme
from tests.helpers import count
from tests.helpers import audit_entries as entries

HEADER = "code,title,scope,department_code,municipality,theme,proposer,summary,body\n"
GOOD_CSV = HEADER + (
    "N-01,Transparencia en contratación,national,,,Transparencia,Colombia Compra Eficiente,Resumen uno,Cuerpo uno\n"
    'SN-01,"Datos abiertos, en Cali",subnational,76,Cali,Datos abiertos,Alcaldía de Cali,"Resumen ""dos""","Línea 1\nLínea 2"\n'
    "SN-02,Participación en Antioquia,subnacional,5,,Participación,Gobernación,Resumen,Cuerpo\n"
)


class TestImport:
    def test_good_file_imports_every_row_with_one_audit_entry(self, factory, moderator):
        consultation = factory.consultation()
        report = importing.import_proposals_csv(moderator, consultation, ("\ufeff" + GOOD_CSV).encode(), filename="p.csv")
        assert report.imported == 3 and not report.bad_rows
        rows = {p.code: p for p in db.session.scalars(db.select(Proposal))}
        assert set(rows) == {"N-01", "SN-01", "SN-02"}
        assert rows["SN-01"].title == "Datos abiertos, en Cali" and rows["SN-01"].body == "Línea 1\nLínea 2"
        assert rows["SN-01"].summary == 'Resumen "dos"'
        assert rows["SN-02"].department_code == "05" and rows["SN-02"].scope == "subnational"
        (entry,) = entries("proposal.import")
        assert json.loads(entry.after) == {"file": "p.csv", "imported": 3, "codes": "N-01, SN-01, SN-02"}

    def test_semicolon_file_without_bom(self, factory, moderator):
        consultation = factory.consultation()
        text = GOOD_CSV.replace(",", ";").replace('"Datos abiertos; en Cali"', '"Datos abiertos, en Cali"')
        report = importing.import_proposals_csv(moderator, consultation, text.encode())
        assert report.imported == 3

    def test_one_bad_row_imports_nothing_and_names_the_bad_rows(self, factory, moderator):
        consultation = factory.consultation()
        factory.proposal(consultation, code="EXISTE")
        bad = GOOD_CSV + (
            "EXISTE,Ya existe,national,,,,,,\n"
            "SN-03,Sin departamento,subnational,,,,,,\n"
            "N-01,Código repetido,national,,,,,,\n"
            "N-09,Corta,national\n"
        )
        with pytest.raises(importing.ImportRejected) as error:
            importing.import_proposals_csv(moderator, consultation, bad.encode())
        report = error.value.report
        assert [row.number for row in report.bad_rows] == [5, 6, 7, 8]
        problems = {row.number: " ".join(str(p) for p in row.problems) for row in report.rows}
        assert "Ya existe la propuesta EXISTE" in problems[5]
        assert "departamento" in problems[6]
        assert "se repite" in problems[7] and "fila 2" in problems[7]
        assert "celdas" in problems[8]
        assert problems[2] == ""
        assert count(Proposal) == 1 and count(Theme) == 0 and entries() == []

    @pytest.mark.parametrize("data, message", [
        (b"", "vac"),
        (HEADER.encode(), "no tiene filas"),
        ("code,title\nA,B\n".encode(), "faltan columnas"),
        ((HEADER.strip() + ",extra\n").encode(), "columnas desconocidas"),
        ("code,title,scope,department_code,municipality,theme,proposer,summary,body\nA,\xe9,national,,,,,,\n".encode("latin-1"), "UTF-8"),
        (HEADER.encode() + b'A,"sin cerrar,national,,,,,,\n', "CSV"),
        (b"x" * (600 * 1024), "tama"),
    ])
    def test_bad_files_import_nothing(self, factory, moderator, data, message):
        consultation = factory.consultation()
        with pytest.raises(importing.ImportRejected, match=message):
            importing.import_proposals_csv(moderator, consultation, data)
        assert count(Proposal) == 0 and entries() == []

    def test_citizen_cannot_import(self, factory):
        with pytest.raises(NotAllowed):
            importing.import_proposals_csv(factory.user(), factory.consultation(), GOOD_CSV.encode())
        assert count(Proposal) == 0

    def test_a_code_differing_only_in_case_is_refused_with_the_forms_message(self, factory, moderator):
        consultation = factory.consultation()
        factory.proposal(consultation, code="P0")
        with pytest.raises(importing.ImportRejected) as error:
            importing.import_proposals_csv(moderator, consultation, (HEADER + "p0,Otra propuesta,national,,,,,,\n").encode())
        (row,) = error.value.report.bad_rows
        assert [str(p) for p in row.problems] == [
            "Ya existe la propuesta P0 en esta consulta: los códigos no distinguen mayúsculas de minúsculas."]
        assert count(Proposal) == 1 and entries() == []
