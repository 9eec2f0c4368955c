"""Moderation pages: every route needs a moderator or an admin (the public selection log is in portal)."""
from flask import Blueprint, abort, current_app, flash, render_template, request
from flask_babel import gettext as _
from flask_babel import ngettext

from aga_consulta.accounts import roles as staff_roles
from aga_consulta.accounts.models import User
from aga_consulta.accounts.permissions import admin_required, refuse_non_moderators
from aga_consulta.accounts.services import get_user_by_email
from aga_consulta.comments import moderation as comment_moderation
from aga_consulta.comments.models import Comment
from aga_consulta.consultations import services as consultations
from aga_consulta.errors import DomainError
from aga_consulta.i18n import local_day, vocabulary
from aga_consulta.moderation import labels, queries
from aga_consulta.moderation.forms import (
    BulkStatusForm,
    ConsultationEditForm,
    ConsultationForm,
    DashboardFilterForm,
    ImportForm,
    LogFilterForm,
    OriginsForm,
    ProposalForm,
    QueueFilterForm,
    ReasonForm,
    RevokeForm,
    RoleForm,
    StatusForm,
    site_timezone,
)
from aga_consulta.processes import origins as proposal_origins
from aga_consulta.proposals import importing, workflow
from aga_consulta.proposals import services as proposals
from aga_consulta.proposals.models import Proposal
from aga_consulta.tally.counts import proposal_counts
from aga_consulta.tally.services import compute_tally
from aga_consulta.text import REASON_MAX
from aga_consulta.timeutil import local_day_bounds
from aga_consulta.web import current_actor, get_or_404, keep_form, kept_form, kept_key, or_404, see_other

bp = Blueprint("moderation", __name__, url_prefix="/moderation")

QUEUE_PER_PAGE = 30
LOG_PER_PAGE = 50


@bp.before_request
def require_moderator():
    """Guard every route of this blueprint: anonymous visitors log in first, citizens get 403."""
    return refuse_non_moderators()


@bp.app_context_processor
def moderation_labels():
    """Labels the moderation and public decision pages share."""
    return {**labels.template_helpers(), "can_revoke": staff_roles.can_revoke}


def load_consultation(slug):
    """Return the consultation with this slug, or abort with 404."""
    return or_404(consultations.get_by_slug(slug))


def load_proposal(proposal_id):
    """Return the proposal with its consultation, or abort with 404."""
    return get_or_404(Proposal, proposal_id, options=proposals.with_consultation())


# --- dashboard and the selection workflow ---------------------------------------------

def render_dashboard(consultation, bulk_form=None, status=200):
    """Render the dashboard of one consultation with the filtered proposals table."""
    form = DashboardFilterForm(request.args, consultation=consultation.slug)
    form.consultation.choices = [(c.slug, c.title) for c in consultations.list_current()]
    form.department.choices += [(code, vocabulary(name)) for code, name in proposals.departments_in(consultation)]
    form.theme.choices += [(t.slug, vocabulary(t.name)) for t in proposals.themes_in(consultation)]
    if not form.validate():
        abort(400)
    rows = queries.dashboard_proposals(
        consultation,
        scope=form.scope.data or None,
        department=form.department.data or None,
        theme=form.theme.data or None,
        status=form.status.data or None,
        sort=form.sort.data,
        descending=form.order.data != "asc",
    )
    tally = compute_tally(consultation)
    return render_template(
        "moderation/dashboard.html",
        consultation=consultation,
        form=form,
        rows=rows,
        tally=tally,
        by_scope_status=queries.figures_by_scope_and_status(tally),
        bulk_form=bulk_form or BulkStatusForm(formdata=None),
        filter_args={k: v for k, v in request.args.items() if k in form._fields and k != "consultation"},
        pending_comments=comment_moderation.pending_comment_count(),
    ), status


@bp.route("/")
def dashboard():
    """The dashboard of one consultation (?consultation=slug; by default the first open one)."""
    slug = request.args.get("consultation")
    consultation = load_consultation(slug) if slug else queries.default_consultation()
    if consultation is None:
        return render_template("moderation/empty.html")
    return render_dashboard(consultation, bulk_form=kept_form(f"bulk-{consultation.id}", BulkStatusForm))


@bp.route("/consultations/<slug>/status", methods=["POST"])
def bulk_status(slug):
    """Change the status of the checked proposals of a consultation: all of them or none."""
    consultation = load_consultation(slug)
    form = BulkStatusForm()
    form.proposal_ids.choices = [(p.id, p.code) for p in consultation.proposals]
    back = {"consultation": consultation.slug, **{k: v for k, v in request.args.items() if k != "consultation"}}
    if not form.validate_on_submit():
        flash(_("Revisa el cambio en bloque: no se cambió ninguna propuesta."), "error")
        keep_form(f"bulk-{consultation.id}", form)
        return see_other(".dashboard", _anchor="bulk", **back)
    chosen = queries.proposals_by_ids(consultation, form.proposal_ids.data)
    try:
        decisions = workflow.bulk_change_status(current_actor(), chosen, form.status.data, form.reason.data)
    except DomainError as error:
        flash(error.message, "error")
        keep_form(f"bulk-{consultation.id}", form)
        return see_other(".dashboard", _anchor="bulk", **back)
    flash(ngettext("Se cambió el estado de %(num)d propuesta.", "Se cambió el estado de %(num)d propuestas.",
                   len(decisions)), "success")
    return see_other(".dashboard", **back)


def _origins_form(proposal, formdata=None, kept=None):
    offered = proposal_origins.candidates(proposal)
    if kept is not None:
        form = kept
    else:
        form = OriginsForm(formdata=formdata) if formdata is not None else OriginsForm(formdata=None)
    form.events.choices = [(str(event.id), f"{vocabulary(event.theme)} ({local_day(event.starts_at)})")
                           for event in offered["events"]]
    form.themes.choices = [(str(option.id), f"{option.label} · {question.text}") for question, option in offered["options"]]
    if formdata is None and kept is None:
        current = proposal_origins.origins(proposal)
        form.events.data = [str(event.id) for event in current["events"]]
        form.themes.data = [str(option.id) for _question, option in current["themes"]]
    return form


def render_proposal(proposal, form=None, status=200, origins_form=None):
    """Render a proposal's moderation page: its counts, status form, origins and decision history."""
    form = form or StatusForm(formdata=None)
    form.status.choices = [(s, label) for s, label in form.status.choices
                           if s in workflow.allowed_next_statuses(proposal.status)]
    votes, comments = proposal_counts(proposal.id)
    return render_template(
        "moderation/proposal.html",
        proposal=proposal,
        consultation=proposal.consultation,
        votes=votes,
        comments=comments,
        form=form,
        decisions=workflow.decisions_for_proposal(proposal),
        origins_form=origins_form or _origins_form(proposal),
    ), status


@bp.route("/proposals/<int:proposal_id>")
def proposal(proposal_id):
    """A proposal as moderators see it, with the status change form (and a refused origins form)."""
    proposal = load_proposal(proposal_id)
    key = f"origins-{proposal_id}"
    origins_form = _origins_form(proposal, kept=kept_form(key, OriginsForm)) if kept_key() == key else None
    return render_proposal(proposal, kept_form(f"status-{proposal_id}", StatusForm), origins_form=origins_form)


@bp.route("/proposals/<int:proposal_id>/status", methods=["POST"])
def change_status(proposal_id):
    """Move a proposal along the workflow with a public reason."""
    proposal = load_proposal(proposal_id)
    form = StatusForm()
    if not form.validate_on_submit():
        keep_form(f"status-{proposal.id}", form)
        return see_other(".proposal", proposal_id=proposal.id, _anchor="status-heading")
    try:
        workflow.change_status(current_actor(), proposal, form.status.data, form.reason.data)
    except DomainError as error:
        flash(error.message, "error")
        keep_form(f"status-{proposal.id}", form)
        return see_other(".proposal", proposal_id=proposal.id, _anchor="status-heading")
    flash(_("Estado cambiado a «%(status)s».", status=dict(form.status.choices).get(proposal.status, proposal.status)), "success")
    return see_other(".proposal", proposal_id=proposal.id)


@bp.route("/proposals/<int:proposal_id>/origins", methods=["POST"])
def set_origins(proposal_id):
    """Record where a proposal came from: the workshops and survey themes of its process."""
    proposal = load_proposal(proposal_id)
    form = _origins_form(proposal, request.form)
    # A refusal goes back to the proposal's page (303: never left on this POST-only address),
    # which shows what was checked and the message beside its group.
    if not form.validate_on_submit():
        for group in (form.events, form.themes):
            if group.errors:
                group.errors = [_("Elige entre los temas y talleres del proceso.")]
        keep_form(f"origins-{proposal.id}", form)
        return see_other(".proposal", proposal_id=proposal.id, _anchor="origins-heading")
    try:
        changed = proposal_origins.set_origins(current_actor(), proposal, event_ids=form.events.data,
                                               option_ids=form.themes.data)
    except DomainError as error:
        form.form_errors.append(error.message)
        keep_form(f"origins-{proposal.id}", form)
        return see_other(".proposal", proposal_id=proposal.id, _anchor="origins-heading")
    flash(_("Origen de la propuesta guardado.") if changed else _("No había cambios que guardar."), "success")
    return see_other(".proposal", proposal_id=proposal.id)


# --- consultations and proposals ------------------------------------------------------

@bp.route("/consultations/new", methods=["GET", "POST"])
@admin_required
def new_consultation():
    """Create a consultation (admins)."""
    form = ConsultationForm()
    if form.validate_on_submit():
        try:
            consultation = consultations.create_consultation(
                actor=current_actor(), slug=form.slug.data, title=form.title.data, description=form.description.data,
                opens_at=form.opens_at.data, closes_at=form.closes_at.data, vote_cap=form.vote_cap.data,
            )
        except DomainError as error:
            form.form_errors.append(error.message)
        else:
            flash(_("Consulta creada."), "success")
            return see_other(".dashboard", consultation=consultation.slug)
    status = 400 if request.method == "POST" else 200
    return render_template("moderation/consultation_form.html", form=form, consultation=None), status


@bp.route("/consultations/<slug>/edit", methods=["GET", "POST"])
def edit_consultation(slug):
    """Edit a consultation's texts, window and vote cap."""
    consultation = load_consultation(slug)
    form = ConsultationEditForm(obj=consultation)
    if form.validate_on_submit():
        try:
            changed = consultations.update_consultation(
                current_actor(), consultation, title=form.title.data, description=form.description.data,
                opens_at=form.opens_at.data, closes_at=form.closes_at.data, vote_cap=form.vote_cap.data,
            )
        except DomainError as error:
            form.form_errors.append(error.message)
        else:
            flash(_("Consulta guardada.") if changed else _("No había cambios que guardar."), "success")
            return see_other(".dashboard", consultation=consultation.slug)
    status = 400 if request.method == "POST" else 200
    return render_template("moderation/consultation_form.html", form=form, consultation=consultation), status


@bp.route("/consultations/<slug>/proposals/new", methods=["GET", "POST"])
def new_proposal(slug):
    """Add a proposal to a consultation."""
    consultation = load_consultation(slug)
    form = ProposalForm()
    if form.validate_on_submit():
        try:
            proposal = proposals.create_proposal(consultation, form.values(), actor=current_actor())
        except DomainError as error:
            form.form_errors.append(error.message)
        else:
            flash(_("Propuesta %(code)s creada.", code=proposal.code), "success")
            return see_other(".proposal", proposal_id=proposal.id)
    status = 400 if request.method == "POST" else 200
    return render_template("moderation/proposal_form.html", form=form, consultation=consultation,
                           proposal=None, themes=proposals.themes_in(consultation)), status


@bp.route("/proposals/<int:proposal_id>/edit", methods=["GET", "POST"])
def edit_proposal(proposal_id):
    """Edit a proposal's texts and territory."""
    proposal = load_proposal(proposal_id)
    data = {name: getattr(proposal, name) or "" for name in proposals.FIELDS if name != "theme"}
    data["theme"] = proposal.theme.name if proposal.theme else ""
    form = ProposalForm(data=data)
    if form.validate_on_submit():
        try:
            changed = proposals.update_proposal(current_actor(), proposal, form.values())
        except DomainError as error:
            form.form_errors.append(error.message)
        else:
            flash(_("Propuesta guardada.") if changed else _("No había cambios que guardar."), "success")
            return see_other(".proposal", proposal_id=proposal.id)
    status = 400 if request.method == "POST" else 200
    return render_template("moderation/proposal_form.html", form=form, consultation=proposal.consultation,
                           proposal=proposal, themes=proposals.themes_in(proposal.consultation)), status


@bp.route("/consultations/<slug>/import", methods=["GET", "POST"])
def import_proposals(slug):
    """Import proposals from a CSV file: every row or none, with a row-by-row report."""
    consultation = load_consultation(slug)
    form = ImportForm()
    report, status = None, 200
    if form.validate_on_submit():
        upload = form.file.data
        try:
            report = importing.import_proposals_csv(current_actor(), consultation, upload.stream, filename=upload.filename)
        except importing.ImportRejected as error:
            flash(error.message, "error")
            report, status = error.report, error.status
        else:
            flash(ngettext("Se importó %(num)d propuesta.", "Se importaron %(num)d propuestas.", report.imported),
                  "success")
            return see_other(".dashboard", consultation=consultation.slug)
    elif request.method == "POST":
        status = 400
    return render_template("moderation/import.html", form=form, consultation=consultation, report=report,
                           columns=proposals.FIELDS), status


# --- comments -------------------------------------------------------------------------

def render_queue(status=200):
    """Render the queue of reported and auto-hidden comments."""
    form = QueueFilterForm(request.args)
    if not form.validate():
        abort(400)
    page = form.page.data or 1
    queue = comment_moderation.comment_queue(pending_only=form.state.data != "all", page=page, per_page=QUEUE_PER_PAGE,
                                             min_account_age=current_app.config["REPORT_TRUST_MIN_ACCOUNT_AGE"])
    pages = max(1, queue.pages)
    if page > pages:
        abort(404)
    key = kept_key()
    return render_template("moderation/comments.html", form=form, items=queue.items, total=queue.total, page=page,
                           pages=pages, reason_form=ReasonForm(formdata=None), kept_key=key, reason_max=REASON_MAX,
                           kept=kept_form(key, ReasonForm) if key else None), status


@bp.route("/comments")
def comments():
    """The moderation queue: reported comments with their reports, pending ones first."""
    return render_queue()


def _moderate_comment(comment_id, action, kind, done_message):
    comment = get_or_404(Comment, comment_id)
    form = ReasonForm()
    # The form's key says which of the queue's forms the reason and its error go back to.
    key = f"{kind}-{comment.id}"
    if not form.validate_on_submit():
        flash(_("Revisa el motivo: no se cambió el comentario."), "error")
        keep_form(key, form)
        return see_other(".comments", _anchor=f"{key}-reason")
    try:
        action(current_actor(), comment, form.reason.data)
    except DomainError as error:
        flash(error.message, "error")
        keep_form(key, form)
        return see_other(".comments", _anchor=f"comment-{comment.id}")
    flash(done_message, "success")
    return see_other(".comments")


@bp.route("/comments/<int:comment_id>/hide", methods=["POST"])
def hide_comment(comment_id):
    """Hide a comment with a reason its author will see."""
    return _moderate_comment(comment_id, comment_moderation.hide_comment, "hide", _("Comentario ocultado."))


@bp.route("/comments/<int:comment_id>/restore", methods=["POST"])
def restore_comment(comment_id):
    """Publish a hidden comment again (or keep a reported one) with a reason."""
    return _moderate_comment(comment_id, comment_moderation.restore_comment, "restore", _("Comentario publicado."))


# --- audit log and roles --------------------------------------------------------------

@bp.route("/log")
def log():
    """The audit log, newest first, filterable by action, person and dates."""
    form = LogFilterForm(request.args)
    form.actor.choices = [("", _("Todas")), ("system", _("Sistema (automático)"))] + [
        (str(user.id), f"{user.name} ({labels.role_label(user.role)})") for user in queries.audit_actors()
    ]
    if not form.validate():
        # The filters come back with each problem beside its field, and no entries: a
        # half-applied filter would list what the person did not ask for.
        return render_template("moderation/log.html", form=form), 400
    tz = site_timezone()
    date_from = local_day_bounds(form.date_from.data, tz)[0] if form.date_from.data else None
    date_to = local_day_bounds(form.date_to.data, tz)[1] if form.date_to.data else None
    page = form.page.data or 1
    entries = queries.audit_entries(
        action=form.action.data or None,
        actor_id=int(form.actor.data) if form.actor.data.isdigit() else None,
        system=form.actor.data == "system",
        date_from=date_from,
        date_to=date_to,
        page=page,
        per_page=LOG_PER_PAGE,
    )
    pages = max(1, entries.pages)
    if page > pages:
        abort(404)
    page_args = {k: v for k, v in request.args.items() if k in form._fields and k != "page"}
    return render_template("moderation/log.html", form=form, entries=entries.items, total=entries.total, page=page,
                           pages=pages,
                           page_args=page_args)


@bp.route("/roles", methods=["GET", "POST"])
@admin_required
def roles():
    """Grant roles (admins only); lists the current moderators and admins."""
    form = RoleForm()
    status = 200
    if form.validate_on_submit():
        user = get_user_by_email(form.email.data)
        if user is None:
            form.email.errors.append(_("No hay ninguna cuenta con ese correo."))
        else:
            try:
                staff_roles.grant_role(current_actor(), user, form.role.data, reason=form.reason.data)
            except DomainError as error:
                form.form_errors.append(error.message)
                status = error.status
            else:
                flash(_("%(email)s ahora tiene el rol «%(role)s».", email=user.email, role=labels.role_label(user.role)), "success")
                return see_other(".roles")
    if request.method == "POST" and status == 200:
        status = 400
    return render_template("moderation/roles.html", form=form, staff=staff_roles.staff_members(),
                           revoke_form=RevokeForm(formdata=None)), status


@bp.route("/roles/<int:user_id>/revoke", methods=["POST"])
@admin_required
def revoke(user_id):
    """Take the moderator role away from a person (admins only)."""
    user = get_or_404(User, user_id)
    form = RevokeForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        staff_roles.revoke_moderator(current_actor(), user, reason=form.reason.data)
    except DomainError as error:
        flash(error.message, "error")
        return render_template("moderation/roles.html", form=RoleForm(formdata=None), staff=staff_roles.staff_members(),
                               revoke_form=form), error.status
    flash(_("%(email)s ya no tiene el rol de moderación.", email=user.email), "success")
    return see_other(".roles")
