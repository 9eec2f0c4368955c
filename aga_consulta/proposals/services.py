"""Reading proposals with their live counts, and creating them."""
import hashlib

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from aga_consulta.comments.models import Comment
from aga_consulta.errors import DomainError, ValidationFailed
from aga_consulta.extensions import db
from aga_consulta.proposals.models import SCOPES, STATUSES, Proposal, Theme
from aga_consulta.territory.divipola import DEPARTMENTS
from aga_consulta.voting.models import Vote

SORTS = ("votes", "recent", "random")


class DuplicateProposalCode(DomainError):
    """Another proposal of the consultation has this code."""

    message = _l("Ya existe una propuesta con ese código en esta consulta.")


def code_order():
    """Proposal.code in byte order on every database: the contract's last tie-break."""
    # A PostgreSQL database created with a language collation (en_US, es_CO) ignores case and
    # punctuation when sorting: "N-10" and "N1" would rank differently than on SQLite.
    return Proposal.code.collate("C") if db.engine.dialect.name == "postgresql" else Proposal.code


def vote_counts_subquery(consultation_id):
    """(proposal_id, n): active votes per proposal of the consultation, in one grouped pass."""
    # Joined to the proposals, a few times cheaper than one correlated count per proposal
    # on a 900-proposal page.
    return (
        select(Vote.proposal_id, func.count().label("n"))
        .where(Vote.consultation_id == consultation_id, Vote.withdrawn_at.is_(None))
        .group_by(Vote.proposal_id)
        .subquery("vote_counts")
    )


def comment_counts_subquery(consultation_id, published_only=True):
    """(proposal_id, n): comments per proposal; published only unless told otherwise."""
    # Public counts never include hidden comments; the moderators' export counts them all.
    where = [Comment.consultation_id == consultation_id]
    if published_only:
        where.append(Comment.status == "published")
    return (
        select(Comment.proposal_id, func.count().label("n"))
        .where(*where)
        .group_by(Comment.proposal_id)
        .subquery("comment_counts")
    )


def proposals_with_counts(consultation, *, scope=None, department=None, theme=None, status=None):
    """Return (query, votes, comments): the filtered proposals with their live counts.

    The query selects (proposal, active votes, published comments); `votes` and `comments`
    are its count columns, for ordering. Filters are exact matches on validated values.
    """
    vote_counts = vote_counts_subquery(consultation.id)
    comment_counts = comment_counts_subquery(consultation.id)
    votes = func.coalesce(vote_counts.c.n, 0).label("votes")
    comments = func.coalesce(comment_counts.c.n, 0).label("comments")
    query = (
        select(Proposal, votes, comments)
        .outerjoin(vote_counts, vote_counts.c.proposal_id == Proposal.id)
        .outerjoin(comment_counts, comment_counts.c.proposal_id == Proposal.id)
    )
    query = _filtered(query, consultation, scope=scope, department=department, theme=theme, status=status)
    return query, votes, comments


def _filtered(query, consultation, *, scope, department, theme, status):
    query = query.where(Proposal.consultation_id == consultation.id)
    if scope:
        query = query.where(Proposal.scope == scope)
    if department:
        query = query.where(Proposal.department_code == department)
    if theme:
        query = query.join(Theme, Theme.id == Proposal.theme_id).where(Theme.slug == theme)
    if status:
        query = query.where(Proposal.status == status)
    return query


def _random_key(seed, proposal_id):
    # Stable for one visitor (same seed), different between visitors: no position bias.
    return hashlib.sha256(f"{seed}:{proposal_id}".encode()).digest()


def list_proposals(consultation, *, scope=None, department=None, theme=None, status=None,
                   sort="votes", seed="", page=1, per_page=30):
    """Return (rows, total) for one page: rows are (proposal, votes, comments) tuples.

    Filters are exact matches on validated values; `sort` is one of SORTS.
    """
    filters = dict(scope=scope, department=department, theme=theme, status=status)
    query, votes, comments = proposals_with_counts(consultation, **filters)
    ids = _filtered(select(Proposal.id), consultation, **filters)
    total = db.session.scalar(select(func.count()).select_from(ids.subquery()))
    if sort == "random":
        # Order the ids only (not whole rows with their texts), then load one page.
        order = sorted(db.session.scalars(ids), key=lambda proposal_id: _random_key(seed, proposal_id))
        start = (page - 1) * per_page
        wanted = order[start:start + per_page]
        position = {proposal_id: n for n, proposal_id in enumerate(wanted)}
        rows = list(db.session.execute(query.where(Proposal.id.in_(wanted)))) if wanted else []
        rows.sort(key=lambda row: position[row[0].id])
        return rows, total
    if sort == "recent":
        query = query.order_by(Proposal.created_at.desc(), Proposal.id.desc())
    else:
        query = query.order_by(votes.desc(), comments.desc(), code_order())
    query = query.limit(per_page).offset((page - 1) * per_page)
    return list(db.session.execute(query)), total


def proposal_counts(proposal_id):
    """Return (active votes, published comments) of one proposal."""
    votes = db.session.scalar(
        select(func.count(Vote.id)).where(Vote.proposal_id == proposal_id, Vote.withdrawn_at.is_(None))
    )
    comments = db.session.scalar(
        select(func.count(Comment.id)).where(Comment.proposal_id == proposal_id, Comment.status == "published")
    )
    return votes, comments


def themes_in(consultation):
    """Return the themes used by the consultation's proposals, by name."""
    return list(
        db.session.scalars(
            select(Theme)
            .where(Theme.id.in_(select(Proposal.theme_id).where(Proposal.consultation_id == consultation.id)))
            .order_by(Theme.name)
        )
    )


def departments_in(consultation):
    """Return the (code, name) of departments that have proposals in the consultation."""
    codes = db.session.scalars(
        select(Proposal.department_code)
        .where(Proposal.consultation_id == consultation.id, Proposal.department_code.is_not(None))
        .distinct()
    )
    return sorted(((code, DEPARTMENTS[code]) for code in codes), key=lambda item: item[1])


def get_or_create_theme(slug, name):
    """Return the theme with this slug, creating it with `name` if needed."""
    theme = db.session.scalar(select(Theme).where(Theme.slug == slug))
    if theme is None:
        theme = Theme(slug=slug, name=name)
        db.session.add(theme)
        db.session.flush()
    return theme


def create_proposal(consultation, *, code, title, scope, summary="", body="", department_code=None,
                    municipality=None, theme=None, proposer="", status="received", status_reason=""):
    """Create a proposal in the consultation and return it.

    :raises ValidationFailed: a field breaks a rule (scope, department, status, lengths).
    :raises DuplicateProposalCode: the code is taken in this consultation.
    """
    code = (code or "").strip()
    title = " ".join((title or "").split())
    if not code or len(code) > 20:
        raise ValidationFailed(_l("El código es obligatorio (máximo 20 caracteres)."))
    if not 3 <= len(title) <= 250:
        raise ValidationFailed(_l("El título debe tener entre 3 y 250 caracteres."))
    if scope not in SCOPES:
        raise ValidationFailed(_l("El alcance debe ser nacional o subnacional."))
    if status not in STATUSES:
        raise ValidationFailed(_l("Estado desconocido."))
    if scope == "subnational" and department_code not in DEPARTMENTS:
        raise ValidationFailed(_l("Una propuesta subnacional necesita un departamento válido."))
    if scope == "national" and (department_code or municipality):
        raise ValidationFailed(_l("Una propuesta nacional no lleva departamento ni municipio."))
    proposal = Proposal(
        consultation_id=consultation.id,
        code=code,
        title=title,
        summary=(summary or "").strip(),
        body=(body or "").strip(),
        scope=scope,
        department_code=department_code or None,
        municipality=(municipality or "").strip() or None,
        theme_id=theme.id if theme is not None else None,
        proposer=(proposer or "").strip(),
        status=status,
        status_reason=status_reason or "",
    )
    db.session.add(proposal)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise DuplicateProposalCode() from None
    return proposal
