"""The known answers of tests/transparency/vectors/, loaded for parametrised tests."""
import base64
import json
from pathlib import Path

import pytest

VECTORS = Path(__file__).resolve().parent / "vectors"


def _b64(value):
    return base64.b64decode(value) if value else b""


def _cases(kind):
    # Every file at any depth: inclusion/additional/ nests one folder more than the others.
    files = sorted((VECTORS / kind).rglob("*.json"))
    assert files, f"no {kind} vectors found"
    return [pytest.param(path, id=str(path.relative_to(VECTORS / kind).with_suffix(""))) for path in files]


INCLUSION_FILES = _cases("inclusion")
CONSISTENCY_FILES = _cases("consistency")


def inclusion_case(path):
    """Return (leaf_hash, index, size, proof, root, want_error) of an inclusion vector."""
    data = json.loads(path.read_text())
    proof = [_b64(item) for item in data["proof"] or []]
    return (_b64(data["leafHash"]), data["leafIdx"], data["treeSize"], proof, _b64(data["root"]),
            data["wantErr"])


def consistency_case(path):
    """Return (size1, size2, proof, root1, root2, want_error) of a consistency vector."""
    data = json.loads(path.read_text())
    proof = [_b64(item) for item in data["proof"] or []]
    return (data["size1"], data["size2"], proof, _b64(data["root1"]), _b64(data["root2"]), data["wantErr"])


def tree():
    """Return (leaf inputs, root by tree size 0..8) of rfc6962-tree.json."""
    data = json.loads((VECTORS / "rfc6962-tree.json").read_text())
    return ([bytes.fromhex(item) for item in data["leaf_inputs_hex"]],
            [bytes.fromhex(item) for item in data["root_by_tree_size_hex"]])


def signed_note_kat():
    """Return the signed-note known answer (signer_key, verifier_key, text, signed_note)."""
    return json.loads((VECTORS / "signed-note-kat.json").read_text(encoding="utf-8"))
