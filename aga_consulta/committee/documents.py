"""The committee's document repository: a link or an uploaded PDF, by category."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from aga_consulta.accounts.permissions import ensure_moderator
from aga_consulta.audit import record
from aga_consulta.committee.inputs import choice, remove_file, stored_pdf
from aga_consulta.committee.models import Document, DocumentCategory
from aga_consulta.errors import ValidationFailed
from aga_consulta.extensions import db
from aga_consulta.text import one_line
from aga_consulta.timeutil import parse_day, utcnow

TITLE_MAX = 250
LINK_MAX = 500


def _link(value):
    link = one_line(value)
    if not link:
        return None
    if len(link) > LINK_MAX or not link.startswith(("https://", "http://")) or " " in link:
        raise ValidationFailed(_l("El enlace debe empezar por https:// o http:// (máximo %(max)d caracteres).",
                                  max=LINK_MAX), "link")
    return link


def add_document(actor, *, category, title, dated_on, link=None, pdf=None, is_reconstruction=False, now=None):
    """Add a document to the repository: a link or an uploaded PDF, never both, never neither.

    :raises NotAllowed: the actor is not a moderator or admin.
    :raises ValidationFailed: a bad category, title, date or link, both or neither source, a bad PDF.
    """
    ensure_moderator(actor)
    category = choice(category, DocumentCategory, _l("Categoría de documento desconocida."), "category")
    title = one_line(title)
    if not 3 <= len(title) <= TITLE_MAX:
        raise ValidationFailed(_l("El título debe tener entre 3 y %(max)d caracteres.", max=TITLE_MAX), "title")
    dated_on = parse_day(dated_on, field="dated_on")
    link = _link(link)
    if (link is None) == (pdf is None):
        raise ValidationFailed(_l("Indica un enlace o sube un PDF (uno de los dos)."), "link")
    with stored_pdf(pdf) as stored:
        served = stored and stored.download_name
        document = Document(category=category, title=title, dated_on=dated_on, link=link,
                            file=stored and stored.name, file_name=served, is_reconstruction=is_reconstruction,
                            created_at=now or utcnow())
        db.session.add(document)
        db.session.flush()
        record(actor, "committee.document_add", "committee_document", document.id, target_label=title,
               after={"category": category, "title": title, "dated_on": dated_on, "link": link, "file": served},
               now=now)
        db.session.commit()
    return document


def remove_document(actor, document, now=None):
    """Take a document out of the repository (the audit log keeps what it was).

    :raises NotAllowed: the actor is not a moderator or admin.
    """
    ensure_moderator(actor)
    stored = document.file
    record(actor, "committee.document_remove", "committee_document", document.id, target_label=document.title,
           before={"category": document.category, "title": document.title, "dated_on": document.dated_on,
                   "link": document.link, "file": document.file_name}, now=now)
    db.session.delete(document)
    db.session.commit()
    if stored is not None:
        remove_file(stored)


def documents_by_category():
    """Return [(category, documents, newest first)] for every category, empty ones included."""
    rows = db.session.scalars(select(Document).order_by(Document.dated_on.desc(), Document.id.desc())).all()
    return [(category.value, [d for d in rows if d.category == category]) for category in DocumentCategory]
