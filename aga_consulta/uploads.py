"""PDF uploads: checked by content, capped in size, streamed to disk, served as attachments.

A file is written in chunks (memory stays constant whatever its size) into a temporary
file in the upload directory, then renamed into place, so that a reader never sees half a
file and an upload that fails half-way leaves nothing behind. Stored names are random: the
name a browser sent is kept only as the download name, never as a path.

The caller stores the row that points at the file only after `store_pdf` returns, inside
`discard_on_failure`, so that a row that fails to commit takes its file with it; a domain
service stores its uploads with `stored_pdfs`, which does both and turns a refused upload
into the domain's refusal (413 when too large, 400 otherwise) in the caller's words. A view
that receives uploads is marked with `accepts_upload`; `init_app` (called by the app
factory) raises the request size cap for it alone.
"""
import os
import re
import secrets
import tempfile
import time
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass

from flask import current_app, request, send_file
from flask_babel import lazy_gettext as _l

from aga_consulta.errors import ValidationFailed
from aga_consulta.extensions import db

#: Every PDF starts with this (ISO 32000-1, 7.5.2); a file that does not is refused.
PDF_MAGIC = b"%PDF-"
#: Bytes read and written at a time.
CHUNK_SIZE = 64 * 1024
#: Room for the form's other fields and the multipart framing around a file of the largest size.
FORM_OVERHEAD = 256 * 1024
#: Temporary files older than this are leftovers of a killed process, removed by the next upload.
STALE_SECONDS = 3600

_PARTIAL_PREFIX = ".upload-"
_PARTIAL_SUFFIX = ".part"
_STORED_NAME = re.compile(r"\A[0-9a-f]{32}\.pdf\Z")


class UploadRefused(ValueError):
    """An upload that is not stored: `reason` is `empty`, `not_pdf` or `too_large`."""

    def __init__(self, reason, message):
        super().__init__(message)
        self.reason = reason


class UploadTooLarge(ValidationFailed):
    """An uploaded document is over the size cap (UPLOAD_MAX_BYTES)."""

    status = 413
    message = _l("El documento es demasiado grande.")


@dataclass(frozen=True)
class StoredFile:
    """A file placed in the upload directory under `name` (random), `size` bytes long."""

    name: str
    size: int
    download_name: str


def upload_dir(config=None):
    """The configured upload directory (UPLOAD_DIR), created if missing."""
    directory = (config or current_app.config)["UPLOAD_DIR"]
    os.makedirs(directory, exist_ok=True)
    return directory


def safe_download_name(filename):
    """A harmless download name for `filename`: its last path part, printable, ending in .pdf."""
    base = re.split(r"[\\/]", filename or "")[-1]
    base = "".join(ch for ch in unicodedata.normalize("NFC", base) if ch.isprintable() and ch not in '"<>|:*?')
    base = base.strip(" .")[:120]
    if not base:
        base = "documento"
    if not base.lower().endswith(".pdf"):
        base += ".pdf"
    return base


def store_pdf(stream, directory, max_bytes, filename=None):
    """Copy the PDF read from `stream` into `directory` under a random name.

    :raises UploadRefused: when the stream is empty, does not start with %PDF-, or holds more
        than `max_bytes`; nothing is left in `directory` then, nor on any other error.
    """
    os.makedirs(directory, exist_ok=True)
    _sweep_partials(directory)
    fd, partial = tempfile.mkstemp(dir=directory, prefix=_PARTIAL_PREFIX, suffix=_PARTIAL_SUFFIX)
    try:
        size = 0
        head = b""
        with os.fdopen(fd, "wb") as out:
            while True:
                chunk = stream.read(CHUNK_SIZE)
                if not chunk:
                    break
                if len(head) < len(PDF_MAGIC):
                    head += chunk[: len(PDF_MAGIC) - len(head)]
                    if not PDF_MAGIC.startswith(head[: len(PDF_MAGIC)]):
                        raise UploadRefused("not_pdf", "not a PDF document")
                size += len(chunk)
                if size > max_bytes:
                    raise UploadRefused("too_large", f"larger than {max_bytes} bytes")
                out.write(chunk)
            if size == 0:
                raise UploadRefused("empty", "empty file")
            if head != PDF_MAGIC:
                raise UploadRefused("not_pdf", "not a PDF document")
            out.flush()
            os.fsync(out.fileno())
        name = secrets.token_hex(16) + ".pdf"
        os.replace(partial, os.path.join(directory, name))
    except BaseException:
        _unlink(partial)
        raise
    return StoredFile(name=name, size=size, download_name=safe_download_name(filename))


def store_request_pdf(file_storage, config=None):
    """Store an uploaded werkzeug FileStorage with the configured directory and cap."""
    config = config or current_app.config
    return store_pdf(file_storage.stream, upload_dir(config), config["UPLOAD_MAX_BYTES"],
                     filename=file_storage.filename)


def remove(directory, name):
    """Delete the stored file `name` if it is there (a row that pointed at it failed or went)."""
    _unlink(path_of(directory, name))


@contextmanager
def discard_on_failure(directory, *stored):
    """Roll the session back and remove the files `stored` (StoredFile or None) if the block raises; re-raise."""
    try:
        yield
    except BaseException:
        db.session.rollback()
        _remove_all(directory, stored)
        raise


@contextmanager
def stored_pdfs(files, refusals, directory=None, max_bytes=None):
    """Store `files` ((binary stream, file name) pairs) as PDFs and yield their StoredFiles.

    Every file is written before the block runs; the block stores the rows that point at
    them, and if it raises the session is rolled back and the files removed. `refusals`
    maps each UploadRefused reason (`too_large`, `empty`, `not_pdf`) to the caller's message,
    formatted with `mb` (the cap in MB) and `name` (the refused file's download name).

    :raises UploadTooLarge: a file over `max_bytes` (413); none of the files is kept.
    :raises ValidationFailed: an empty file or one that is not a PDF; none is kept.
    """
    directory = directory or upload_dir()
    max_bytes = max_bytes or current_app.config["UPLOAD_MAX_BYTES"]
    stored = []
    try:
        for stream, name in files:
            stored.append(store_pdf(stream, directory, max_bytes, filename=name))
    except UploadRefused as refused:
        _remove_all(directory, stored)
        message = refusals[refused.reason] % {"mb": max_bytes // (1024 * 1024), "name": safe_download_name(name)}
        raise (UploadTooLarge if refused.reason == "too_large" else ValidationFailed)(message) from None
    except BaseException:
        _remove_all(directory, stored)
        raise
    with discard_on_failure(directory, *stored):
        yield stored


def _remove_all(directory, stored):
    for item in stored:
        if item is not None:
            remove(directory, item.name)


def path_of(directory, name):
    """The path of the stored file `name`; ValueError for a name this module never gives."""
    if not isinstance(name, str) or not _STORED_NAME.match(name):
        raise ValueError("not a stored upload name")
    return os.path.join(directory, name)


def send_pdf(directory, name, download_name):
    """The response that serves a stored PDF: an attachment, never sniffed, never run."""
    path = path_of(directory, name)
    response = send_file(path, mimetype="application/pdf", as_attachment=True,
                         download_name=safe_download_name(download_name), max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Opened in a tab anyway, the document gets no script and no origin of ours.
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


def accepts_upload(view):
    """Mark `view` as receiving a form with a file of up to UPLOAD_MAX_BYTES (see `init_app`)."""
    view.accepts_upload = True
    return view


def init_app(app):
    """Raise the request size cap for views marked with `accepts_upload`, before any hook reads the form.

    The site-wide MAX_CONTENT_LENGTH is smaller, and app-wide hooks (the CSRF check, the NUL
    byte check) parse the form before the view runs: the cap must be raised first of all.
    """
    app.before_request_funcs.setdefault(None, []).insert(0, _raise_limit_for_uploads)


def _raise_limit_for_uploads():
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    if request.method == "POST" and getattr(view, "accepts_upload", False):
        request.max_content_length = current_app.config["UPLOAD_MAX_BYTES"] + FORM_OVERHEAD


def _sweep_partials(directory, now=None):
    # A process killed mid-upload cannot clean up after itself; the next upload does.
    now = now or time.time()
    try:
        entries = os.scandir(directory)
    except FileNotFoundError:
        return
    with entries:
        for entry in entries:
            if entry.name.startswith(_PARTIAL_PREFIX) and entry.name.endswith(_PARTIAL_SUFFIX):
                try:
                    if now - entry.stat().st_mtime > STALE_SECONDS:
                        os.unlink(entry.path)
                except FileNotFoundError:
                    pass


def _unlink(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
