"""uploads.py: PDFs checked by content, capped, streamed, placed atomically, served as attachments."""
import io
import os
import time
import tracemalloc

import pytest
from flask import Flask, request

from aga_consulta import uploads
from aga_consulta.errors import ValidationFailed
from aga_consulta.extensions import csrf

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def pdf_of(size):
    """A byte string of `size` bytes that starts like a PDF."""
    return PDF + b"0" * (size - len(PDF))


def listing(directory):
    return sorted(os.listdir(directory))


class Chunks(io.RawIOBase):
    """A stream that yields `total` bytes of a PDF in small reads, then maybe fails."""

    def __init__(self, total, fail_after=None):
        self.total, self.sent, self.fail_after = total, 0, fail_after

    def readable(self):
        return True

    def read(self, size=-1):
        if self.fail_after is not None and self.sent >= self.fail_after:
            raise OSError("client went away")
        size = min(size if size > 0 else 65536, self.total - self.sent)
        if size <= 0:
            return b""
        head = PDF[self.sent:self.sent + size] if self.sent < len(PDF) else b""
        chunk = head + b"x" * (size - len(head))
        self.sent += size
        return chunk


def test_a_pdf_is_stored_under_a_random_name(tmp_path):
    first = uploads.store_pdf(io.BytesIO(PDF), tmp_path, 1000, filename="Acta 1.pdf")
    second = uploads.store_pdf(io.BytesIO(PDF), tmp_path, 1000, filename="Acta 1.pdf")
    assert first.name != second.name and first.size == len(PDF)
    assert first.download_name == "Acta 1.pdf"
    assert (tmp_path / first.name).read_bytes() == PDF
    assert listing(tmp_path) == sorted([first.name, second.name])


@pytest.mark.parametrize("content, filename, reason", [
    (b"<html><script>alert(1)</script></html>", "evidencia.pdf", "not_pdf"),
    (b"MZ\x90\x00" + b"\x00" * 100, "informe.pdf", "not_pdf"),
    (b" %PDF-1.4", "espacio.pdf", "not_pdf"),
    (b"%PD", "corto.pdf", "not_pdf"),
    (b"", "vacio.pdf", "empty"),
])
def test_content_decides_not_the_name(tmp_path, content, filename, reason):
    with pytest.raises(uploads.UploadRefused) as refused:
        uploads.store_pdf(io.BytesIO(content), tmp_path, 1000, filename=filename)
    assert refused.value.reason == reason
    assert listing(tmp_path) == []


def test_a_pdf_named_otherwise_is_accepted_and_renamed(tmp_path):
    stored = uploads.store_pdf(io.BytesIO(PDF), tmp_path, 1000, filename="../../etc/passwd")
    assert stored.download_name == "passwd.pdf"
    assert uploads.path_of(tmp_path, stored.name).startswith(str(tmp_path))


def test_one_byte_over_the_cap_is_refused_and_nothing_stays(tmp_path):
    assert uploads.store_pdf(io.BytesIO(pdf_of(4096)), tmp_path, 4096).size == 4096
    with pytest.raises(uploads.UploadRefused) as refused:
        uploads.store_pdf(io.BytesIO(pdf_of(4097)), tmp_path, 4096)
    assert refused.value.reason == "too_large"
    assert len(listing(tmp_path)) == 1


def test_an_upload_interrupted_midway_leaves_no_file(tmp_path):
    with pytest.raises(OSError, match="went away"):
        uploads.store_pdf(Chunks(5 * 1024 * 1024, fail_after=2 * 1024 * 1024), tmp_path, 10 * 1024 * 1024)
    assert listing(tmp_path) == []


def test_a_file_whose_row_fails_is_removed(tmp_path):
    kept = uploads.store_pdf(io.BytesIO(PDF), tmp_path, 1000)
    with pytest.raises(RuntimeError):
        with uploads.discard_on_failure(tmp_path, kept, None):
            raise RuntimeError("the row did not commit")
    assert listing(tmp_path) == []
    # Removing twice is harmless (the caller may clean up after a retry).
    uploads.remove(tmp_path, kept.name)


REFUSALS = {"too_large": "over %(mb)d MB", "empty": "«%(name)s» is empty", "not_pdf": "«%(name)s» is no PDF"}


@pytest.mark.parametrize("content, status, message", [
    (pdf_of(2 * 1024 * 1024 + 1), 413, "over 2 MB"),
    (b"", 400, "«malo.pdf» is empty"),
    (b"<html>", 400, "«malo.pdf» is no PDF"),
])
def test_a_refused_upload_among_several_keeps_none_and_speaks_the_callers_words(tmp_path, content, status, message):
    files = [(io.BytesIO(PDF), "bueno.pdf"), (io.BytesIO(content), "malo")]
    with pytest.raises(ValidationFailed) as refused:
        with uploads.stored_pdfs(files, REFUSALS, tmp_path, 2 * 1024 * 1024):
            pytest.fail("the block runs only once every file is stored")
    assert (refused.value.status, str(refused.value.message)) == (status, message)
    assert isinstance(refused.value, uploads.UploadTooLarge) == (status == 413)
    assert listing(tmp_path) == []


def test_stored_pdfs_keep_their_files_only_if_the_block_succeeds(tmp_path):
    with uploads.stored_pdfs([(io.BytesIO(PDF), "a.pdf"), (io.BytesIO(PDF), "b.pdf")], REFUSALS, tmp_path,
                             1000) as stored:
        assert [item.download_name for item in stored] == ["a.pdf", "b.pdf"]
    assert listing(tmp_path) == sorted(item.name for item in stored)
    with pytest.raises(RuntimeError):
        with uploads.stored_pdfs([(io.BytesIO(PDF), "c.pdf")], REFUSALS, tmp_path, 1000):
            raise RuntimeError("the row did not commit")
    assert listing(tmp_path) == sorted(item.name for item in stored)


def test_leftovers_of_a_killed_upload_are_swept_later(tmp_path):
    stale = tmp_path / ".upload-abc.part"
    fresh = tmp_path / ".upload-def.part"
    stale.write_bytes(b"%PDF-half")
    fresh.write_bytes(b"%PDF-half")
    old = time.time() - uploads.STALE_SECONDS - 60
    os.utime(stale, (old, old))
    stored = uploads.store_pdf(io.BytesIO(PDF), tmp_path, 1000)
    assert listing(tmp_path) == sorted([".upload-def.part", stored.name])


@pytest.mark.parametrize("name", ["../secret.pdf", "x.pdf", "A" * 32 + ".pdf", "0" * 32 + ".html", "", None])
def test_only_names_this_module_gives_are_paths(tmp_path, name):
    with pytest.raises(ValueError):
        uploads.path_of(tmp_path, name)


def test_memory_stays_constant_whatever_the_size(tmp_path):
    peaks = {}
    for megabytes in (1, 10):
        tracemalloc.start()
        uploads.store_pdf(Chunks(megabytes * 1024 * 1024), tmp_path, 10 * 1024 * 1024)
        peaks[megabytes] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    # A few chunks at most, whatever the size: 10 MB read into memory would show.
    assert peaks[10] < 4 * uploads.CHUNK_SIZE + 64 * 1024
    assert peaks[10] < peaks[1] + 64 * 1024


@pytest.fixture
def upload_app(tmp_path):
    """A bare app with one upload route, a 64 KB site-wide cap and a 256 KB upload cap."""
    app = Flask(__name__)
    app.config.update(SECRET_KEY="k", MAX_CONTENT_LENGTH=64 * 1024, UPLOAD_MAX_BYTES=256 * 1024,
                      UPLOAD_DIR=str(tmp_path / "files"), WTF_CSRF_ENABLED=False)
    csrf.init_app(app)
    uploads.init_app(app)

    @app.before_request
    def reads_the_form_first():
        # As the site's NUL-byte check does: the cap must already be raised here.
        request.form.get("anything")

    @app.post("/plain")
    def plain():
        return str(len(request.files))

    @app.route("/upload", methods=["GET", "POST"])
    @uploads.accepts_upload
    def upload():
        try:
            stored = uploads.store_request_pdf(request.files["document"])
        except uploads.UploadRefused as refused:
            return refused.reason, 400
        return stored.name

    @app.get("/files/<name>")
    def serve(name):
        return uploads.send_pdf(app.config["UPLOAD_DIR"], name, 'Informe "final"\r\n.pdf')

    return app


def test_an_upload_route_takes_files_larger_than_the_site_cap(upload_app):
    client = upload_app.test_client()
    big = pdf_of(200 * 1024)
    assert client.post("/plain", data={"document": (io.BytesIO(big), "a.pdf")}).status_code == 413
    response = client.post("/upload", data={"document": (io.BytesIO(big), "a.pdf")})
    assert response.status_code == 200
    assert listing(upload_app.config["UPLOAD_DIR"]) == [response.get_data(as_text=True)]


def test_an_upload_route_refuses_past_its_own_cap(upload_app):
    client = upload_app.test_client()
    response = client.post("/upload", data={"document": (io.BytesIO(pdf_of(600 * 1024)), "a.pdf")})
    assert response.status_code == 413
    response = client.post("/upload", data={"document": (io.BytesIO(pdf_of(256 * 1024 + 1)), "a.pdf")})
    assert response.status_code == 400 and response.get_data(as_text=True) == "too_large"
    assert not os.path.exists(upload_app.config["UPLOAD_DIR"]) or listing(upload_app.config["UPLOAD_DIR"]) == []


def test_an_upload_route_still_checks_csrf(upload_app):
    upload_app.config["WTF_CSRF_ENABLED"] = True
    response = upload_app.test_client().post("/upload", data={"document": (io.BytesIO(PDF), "a.pdf")})
    assert response.status_code == 400
    assert not os.path.exists(upload_app.config["UPLOAD_DIR"]) or listing(upload_app.config["UPLOAD_DIR"]) == []


def test_a_stored_pdf_is_served_as_an_attachment_never_sniffed(upload_app):
    client = upload_app.test_client()
    name = client.post("/upload", data={"document": (io.BytesIO(PDF), "a.pdf")}).get_data(as_text=True)
    response = client.get(f"/files/{name}")
    assert response.status_code == 200 and response.data == PDF
    assert response.mimetype == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "\r" not in disposition and "\n" not in disposition
    assert "sandbox" in response.headers["Content-Security-Policy"]
