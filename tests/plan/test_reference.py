"""The reference plan: the IV Plan's 15 commitments (8 national, 7 subnational) and their follow-up."""
import json

from aga_consulta.plan import commitments
from aga_consulta.plan.models import Commitment, ProgressReport
from aga_consulta.processes.services import get_by_slug
from aga_consulta.seed.plan import LEVELS, NATIONAL
from tests.helpers import count


def test_the_reference_load_publishes_the_iv_plan_with_its_follow_up(runner, client):
    assert runner.invoke(args=["seed", "reference"]).exit_code == 0
    result = runner.invoke(args=["tally-process", "iv-plan", "--json"])
    assert result.exit_code == 0, result.output
    finals = [levels[-1] for levels in LEVELS.values()]
    assert json.loads(result.output)["plan"] == {
        "commitments": 15, "national": 8, "subnational": 7,
        "completion": {level: finals.count(level) for level in ("not_started", "limited", "substantial", "complete")}}
    plan = commitments.plan_of(get_by_slug("iv-plan").id)
    assert plan.is_reconstruction
    subnational = [c for c in plan.commitments if c.scope == "subnational"]
    assert [c.lead_institution for c in subnational][0] == "Alcaldía de Palmira"
    assert sorted(c.lead_institution for c in plan.commitments if c.scope == "national") == sorted(
        lead for lead, *_rest in NATIONAL)
    assert all(len(c.milestones) == 3 for c in plan.commitments)
    assert count(ProgressReport) == 45
    page = client.get("/processes/iv-plan/plan").get_data(as_text=True)
    assert "Reconstrucción" in page and "Banco de pliegos abiertos de Palmira" in page
    palmira = client.get(f"/commitments/{subnational[0].id}").get_data(as_text=True)
    assert "Completo" in palmira and "avance inventado" in palmira
    # Loading again changes nothing.
    assert runner.invoke(args=["seed", "reference"]).exit_code == 0
    assert count(Commitment) == 15
