"""The log's entries, the bundle writer, and the package's place on the ground floor."""
import ast
import hashlib
import io
import json
import sys
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import pytest

from aga_consulta.transparency import bundle, canonical, entries
from aga_consulta.transparency.merkle import leaf_hash
from aga_consulta.transparency.note import BadSignature, Signer, UnverifiedNote
from tests.transparency import sample

AT = datetime(2026, 3, 2, 9, 41, 59, 999999)
PACKAGE = Path(entries.__file__).parent


def test_every_module_but_verify_imports_only_the_ground_floor():
    allowed_app = {"aga_consulta.transparency", "aga_consulta.timeutil"}
    allowed_outside = {"cryptography", "rfc8785"}
    for path in sorted(PACKAGE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                top = name.split(".")[0]
                if top == "aga_consulta":
                    assert path.name != "verify.py", f"verify.py imports {name}"
                    assert any(name == m or name.startswith(m + ".") for m in allowed_app), f"{path.name} imports {name}"
                else:
                    assert top in sys.stdlib_module_names or top in allowed_outside, f"{path.name} imports {name}"


def test_an_entry_is_canonical_json_with_its_time_to_the_minute():
    data = entries.vote_cast(AT, participant=sample.person(1), proposal=4, vote=17)
    assert data == canonical.dumps(json.loads(data))
    assert json.loads(data) == {"v": 1, "type": "vote.cast", "at": "2026-03-02T09:41Z",
                                "participant": sample.person(1), "proposal": 4, "vote": 17}


def test_aware_times_are_stored_in_utc():
    aware = datetime(2026, 3, 2, 4, 41, tzinfo=timezone.utc).astimezone()
    assert json.loads(entries.comment_hidden(aware, comment=3, by="staff"))["at"] == "2026-03-02T04:41Z"


def test_pseudonyms_are_per_consultation_and_keyed():
    assert entries.pseudonym(b"k", 1, 42) == entries.pseudonym(b"k", 1, 42)
    assert entries.pseudonym(b"k", 1, 42) != entries.pseudonym(b"k", 2, 42)
    assert entries.pseudonym(b"k", 1, 42) != entries.pseudonym(b"other", 1, 42)
    assert len(entries.pseudonym(b"k", 1, 42)) == 22


def test_text_hashes_anyone_can_recompute():
    assert entries.text_sha256("Sí") == hashlib.sha256("Sí".encode()).hexdigest()
    assert entries.proposal_text_sha256("T", "S", "B") == hashlib.sha256(b'{"body":"B","summary":"S","title":"T"}').hexdigest()


@pytest.mark.parametrize("build", [
    lambda: entries.entry("vote.moved", AT),
    lambda: entries.entry("vote.cast", AT, participant=sample.person(1), proposal=4),
    lambda: entries.vote_cast(AT, participant="citizen@example.org", proposal=4, vote=1),
    lambda: entries.vote_cast(AT, participant=sample.person(1), proposal=0, vote=1),
    lambda: entries.vote_cast(AT, participant=sample.person(1), proposal=True, vote=1),
    lambda: entries.vote_cast("2026-03-02", participant=sample.person(1), proposal=1, vote=1),
    lambda: entries.proposal_published(AT, proposal=1, code="N-1", title="T", scope="national", department="52",
                                       text_sha256="0" * 64),
    lambda: entries.proposal_published(AT, proposal=1, code="S-1", title="T", scope="subnational", department=None,
                                       text_sha256="0" * 64),
    lambda: entries.proposal_status(AT, proposal=1, from_status="received", to_status="received", reason="x"),
    lambda: entries.proposal_status(AT, proposal=1, from_status="received", to_status="shortlisted", reason=" "),
    lambda: entries.comment_made(AT, participant=sample.person(1), proposal=1, comment=2, parent=None,
                                 text_sha256="not a hash"),
    lambda: entries.comment_hidden(AT, comment=2, by="someone"),
])
def test_entries_of_the_wrong_form_are_refused(build):
    with pytest.raises(ValueError):
        build()


def test_a_receipt_names_its_action_and_leaf():
    data = entries.vote_withdrawn(AT, participant=sample.person(1), proposal=4, vote=17)
    item = entries.receipt(consultation="plan", proposal_code="N-4", entry_bytes=data, promise="note\n")
    assert item == {"consultation": "plan", "proposal": "N-4", "action": "withdraw", "entry": data.decode(),
                    "leaf_hash": leaf_hash(data).hex(), "promise": "note\n"}
    assert entries.receipt(consultation="plan", proposal_code="N-4", entry_bytes=data, promise="n\n",
                           leaf_index=5)["leaf_index"] == 5
    with pytest.raises(ValueError):
        entries.receipt(consultation="plan", proposal_code="N-4", promise="n\n",
                        entry_bytes=entries.comment_hidden(AT, comment=1, by="staff"))


# --- the bundle writer -------------------------------------------------------------------

def _write(**overrides):
    log = sample.sample_entries()
    arguments = dict(consultation=sample.SLUG, generated_at=datetime(2026, 4, 2), software=sample.SOFTWARE,
                     checkpoint_note=sample.checkpoint_note(log), verifier_key=str(sample.SIGNER.verifier),
                     files=list(sample.files(log).items()))
    arguments.update(overrides)
    out = io.BytesIO()
    return bundle.write_bundle(out, **arguments), out


def test_the_manifest_lists_every_file_with_its_size_and_hash():
    manifest, out = _write()
    with zipfile.ZipFile(out) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
        times = {info.date_time for info in archive.infolist()}
    assert json.loads(members.pop(bundle.MANIFEST)) == manifest
    assert {item["name"]: (item["size"], item["sha256"]) for item in manifest["files"]} == {
        name: (len(data), hashlib.sha256(data).hexdigest()) for name, data in members.items()}
    assert times == {(2026, 4, 2, 0, 0, 0)}
    assert manifest["checkpoint"]["tree_size"] == len(sample.sample_entries())
    assert (manifest["format"], manifest["consultation"], manifest["generated_at"]) == (
        bundle.FORMAT, sample.SLUG, "2026-04-02T00:00:00Z")


def test_streamed_content_gives_the_same_bundle():
    log = sample.sample_entries()
    files = sample.files(log)
    files[bundle.LEDGER] = bundle.ledger_chunks(log)
    assert _write(files=list(files.items()))[1].getvalue() == _write()[1].getvalue()


def test_a_bundle_is_never_written_with_a_checkpoint_its_key_does_not_verify():
    with pytest.raises(BadSignature):
        _write(checkpoint_note=sample.checkpoint_note(sample.sample_entries()).replace("\n26\n", "\n25\n"))
    with pytest.raises(UnverifiedNote):
        _write(verifier_key=str(Signer.generate(sample.KEY_NAME).verifier))


@pytest.mark.parametrize("files", [
    [(bundle.LEDGER, b""), (bundle.LEDGER, b"")],
    [(bundle.MANIFEST, b"{}")],
    [(bundle.LEDGER, b"")],
])
def test_a_bundle_holds_each_file_once_and_every_required_one(files):
    with pytest.raises(ValueError):
        _write(files=files)
