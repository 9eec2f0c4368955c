"""The reference consultation's bundle verifies to the published figures: 713 / 149 / 7."""
import json

from aga_consulta.consultations.services import get_by_slug
from aga_consulta.ledger import services as ledger
from aga_consulta.tally.services import compute_tally
from tests.ledger.test_bundle import TALLY_KEYS, run_verify


def test_the_reference_bundle_verifies_to_the_published_figures(runner, tmp_path):
    result = runner.invoke(args=["seed", "reference"])
    assert result.exit_code == 0, result.output
    consultation = get_by_slug("iv-plan-2020")
    # The seed ran through the services and integrated at the end: nothing is left pending.
    assert ledger.oldest_pending_at() is None
    out = tmp_path / "iv-plan-2020.zip"
    result = runner.invoke(args=["bundle", "iv-plan-2020", "--out", str(out)])
    assert result.exit_code == 0, result.output
    verified = run_verify(out)
    assert verified.returncode == 0, verified.stdout[-2000:] + verified.stderr[-2000:]
    figures = json.loads(verified.stdout.strip().splitlines()[-1])
    tally = compute_tally(consultation)
    assert {key: figures[key] for key in TALLY_KEYS} == {key: tally[key] for key in TALLY_KEYS}
    assert (figures["participants"], figures["comments"]["received"], figures["selected"]["total"]) == (713, 149, 7)
    again = tmp_path / "again.zip"
    assert runner.invoke(args=["bundle", "iv-plan-2020", "--out", str(again)]).exit_code == 0
    assert again.read_bytes() == out.read_bytes()  # closed: byte for byte
