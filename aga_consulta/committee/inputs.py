"""What the committee's records share: a value from a vocabulary, and their PDFs (minutes, documents).

A PDF is stored only once every other field has passed, and removed again if the row is
not stored, so a refusal leaves neither a row nor a file behind.
"""
from contextlib import contextmanager

from flask import current_app
from flask_babel import lazy_gettext as _l

from aga_consulta import uploads
from aga_consulta.errors import ValidationFailed


def choice(value, enum, message, field=None):
    """Return `value` as text when it is one of `enum`'s members; refuse it with `message` otherwise."""
    if value not in tuple(enum):
        raise ValidationFailed(message, field)
    return str(value)


#: What a refused PDF is told (see uploads.stored_pdfs).
REFUSALS = {"too_large": _l("El PDF pasa del tamaño máximo (%(mb)d MB); no se guardó nada."),
            "empty": _l("El archivo está vacío; no se guardó nada."),
            "not_pdf": _l("El archivo no es un PDF (se revisa su contenido, no su nombre); no se guardó nada.")}


@contextmanager
def stored_pdf(pdf):
    """Store `pdf` (an upload, or None) and yield the StoredFile (or None); remove it again if the block fails.

    :raises ValidationFailed: empty, not a PDF by its content, or too large (uploads.UploadTooLarge, 413).
    """
    with uploads.stored_pdfs([(pdf.stream, pdf.filename)] if pdf is not None else [], REFUSALS) as stored:
        yield stored[0] if stored else None


def remove_file(name):
    """Remove the stored upload `name` (once no row points at it)."""
    uploads.remove(uploads.upload_dir(current_app.config), name)
