"""Committee fixtures: a private upload directory, PDFs, and a small committee built through the services."""
import io
from datetime import date

import pytest
from werkzeug.datastructures import FileStorage

from aga_consulta.committee import members

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def pdf_upload(content=PDF, filename="acta.pdf"):
    """An uploaded file as a view receives it."""
    return FileStorage(io.BytesIO(content), filename=filename, content_type="application/pdf")


@pytest.fixture(autouse=True)
def upload_dir(app, tmp_path):
    """Each test stores its PDFs in a directory of its own."""
    directory = tmp_path / "uploads"
    previous = app.config["UPLOAD_DIR"]
    app.config["UPLOAD_DIR"] = str(directory)
    yield directory
    app.config["UPLOAD_DIR"] = previous


def stored_files(directory):
    """The files in the upload directory."""
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


@pytest.fixture
def committee(moderator):
    """Two government members and one civil-society member, joined in 2020."""
    return {
        "gov": members.add_member(moderator, name="Secretaría de Transparencia", sector="government",
                                  role="chair", joined_on=date(2020, 1, 1)),
        "tic": members.add_member(moderator, name="Ministerio TIC", sector="government", role="member",
                                  joined_on="2020-01-01"),
        "cs": members.add_member(moderator, name="Corporación Ciudadanía Activa", sector="civil_society",
                                 role="member", joined_on="2020-01-01"),
    }
