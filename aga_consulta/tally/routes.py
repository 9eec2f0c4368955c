"""The public results page of a consultation."""
import base64

from flask import Blueprint, render_template

from aga_consulta.consultations.services import get_by_slug
from aga_consulta.ledger.services import latest_checkpoint
from aga_consulta.proposals.models import SCOPES
from aga_consulta.tally import services
from aga_consulta.territory.divipola import DEPARTMENTS
from aga_consulta.web import or_404, results_limit

bp = Blueprint("tally", __name__)

@bp.route("/consultations/<slug>/results")
@results_limit
def results(slug):
    """Show a consultation's figures, ranking by scope, selected proposals and charts."""
    consultation = or_404(get_by_slug(slug))
    tally = services.compute_tally(consultation)
    over_time = services.participation_over_time(consultation)
    ranking = tally["ranking"]
    checkpoint = latest_checkpoint(consultation.id)
    return render_template(
        "tally/results.html",
        consultation=consultation,
        tally=tally,
        ranking_by_scope={scope: [row for row in ranking if row["scope"] == scope] for scope in SCOPES},
        vote_bars=services.bar_scale([row["votes"] for row in ranking]),
        department_bars=services.bar_scale([row["participants"] for row in tally["by_department"]]),
        over_time=over_time,
        day_bars=services.bar_scale([row["new"] for row in over_time]),
        selected=services.selected_proposals(consultation),
        proposal_ids=services.proposal_ids_by_code(consultation),
        departments=DEPARTMENTS,
        checkpoint=checkpoint,
        # Base64, as the checkpoint itself writes it, so an official document can quote either.
        checkpoint_root=base64.b64encode(checkpoint.root_hash).decode() if checkpoint else None,
    )
