"""The import contracts (.importlinter): layers, independent routes, and no cycles."""
import subprocess
import sys
from pathlib import Path

import grimp
import pytest
from importlinter.api import read_configuration
from importlinter.contracts.acyclic_siblings import AcyclicSiblingsContract
from importlinter.contracts.layers import LayersContract

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / ".importlinter"


def _contract(kind, cls):
    config = read_configuration(str(CONFIG))
    options = next(c for c in config["contracts_options"] if c["type"] == kind)
    return cls(name=options["name"], session_options=config["session_options"], contract_options=options)


@pytest.fixture
def graph():
    # A fresh graph per test: the tests add imports to it (grimp's cache keeps building cheap).
    return grimp.build_graph("aga_consulta")


def test_every_contract_is_kept():
    result = subprocess.run([str(Path(sys.executable).parent / "lint-imports"), "--config", str(CONFIG)],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_cycle_between_domains_breaks_the_contract(graph):
    contract = _contract("acyclic_siblings", AcyclicSiblingsContract)
    assert contract.check(grimp.build_graph("aga_consulta"), verbose=False).kept
    # comments builds on consultations; the reverse import would close a cycle.
    graph.add_import(importer="aga_consulta.consultations.services", imported="aga_consulta.comments.services")
    assert not contract.check(graph, verbose=False).kept


def test_the_ground_floor_may_not_import_a_domain(graph):
    contract = _contract("layers", LayersContract)
    assert contract.check(grimp.build_graph("aga_consulta"), verbose=False).kept
    graph.add_import(importer="aga_consulta.audit.log", imported="aga_consulta.accounts.models")
    assert not contract.check(graph, verbose=False).kept
