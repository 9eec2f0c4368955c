"""The standalone verifier, verify.py, tested as the very file the site serves.

It is loaded from its path (never as part of the app) and run as a command; it must agree
with the app's modules on every reference vector, and catch every kind of tampering.
"""
import ast
import base64
import json
import random
import subprocess
import sys

import pytest
import rfc8785

from aga_consulta.transparency import bundle, entries, merkle, note
from tests.transparency import sample
from tests.transparency.vector_cases import (
    CONSISTENCY_FILES, INCLUSION_FILES, consistency_case, inclusion_case, signed_note_kat, tree,
)

verify = sample.load_verify()


# --- one file, standard library and cryptography only ---------------------------------------

def test_verify_py_imports_only_the_standard_library_and_cryptography():
    tree_ = ast.parse(sample.VERIFY_PY.read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree_):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "verify.py is one file: no relative import"
            imported.add(node.module.split(".")[0])
    assert imported - set(sys.stdlib_module_names) == {"cryptography"}


def test_verify_py_runs_outside_the_project(tmp_path):
    # Copied alone into an empty folder and run from there: nothing of the app can be found.
    copy = tmp_path / "verify.py"
    copy.write_bytes(sample.VERIFY_PY.read_bytes())
    path = sample.write(tmp_path / "bundle.zip")
    result = subprocess.run([sys.executable, "-I", str(copy), str(path)], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout.splitlines()[-1])["votes"] == sample.FIGURES["votes"]


# --- the same answers as the app's modules -------------------------------------------------

def test_verify_py_agrees_on_the_reference_tree():
    inputs, roots = tree()
    for size, expected in enumerate(roots):
        assert verify.merkle_root([verify.leaf_hash(item) for item in inputs[:size]]) == expected


@pytest.mark.parametrize("path", INCLUSION_FILES)
def test_verify_py_agrees_on_every_inclusion_vector(path):
    hashed_leaf, index, size, proof, root, want_error = inclusion_case(path)
    outcomes = []
    for check, error in ((verify.verify_inclusion, verify.ProofError), (merkle.verify_inclusion, merkle.ProofError)):
        try:
            check(hashed_leaf, index, size, proof, root)
            outcomes.append(False)
        except error:
            outcomes.append(True)
    assert outcomes == [want_error, want_error]


@pytest.mark.parametrize("path", CONSISTENCY_FILES)
def test_verify_py_agrees_on_every_consistency_vector(path):
    size1, size2, proof, root1, root2, want_error = consistency_case(path)
    outcomes = []
    for check, error in ((verify.verify_consistency, verify.ProofError), (merkle.verify_consistency, merkle.ProofError)):
        try:
            check(size1, size2, proof, root1, root2)
            outcomes.append(False)
        except error:
            outcomes.append(True)
    assert outcomes == [want_error, want_error]


def test_verify_py_builds_the_proofs_the_app_builds():
    leaves = [merkle.leaf_hash(b"%d" % i) for i in range(70)]
    stored = merkle.MemoryTree(leaves)
    for n in range(1, 71):
        for m in range(n):
            assert verify.inclusion_path(leaves, m, n) == stored.inclusion_proof(m, n)
        for m in range(1, n + 1):
            assert verify.consistency_path(leaves, m, n) == stored.consistency_proof(m, n)


def test_verify_py_opens_the_signed_note_known_answer():
    kat = signed_note_kat()
    key = verify.parse_verifier_key(kat["verifier_key"])
    assert verify.open_note(kat["signed_note"], [key]) == kat["text"]
    with pytest.raises(verify.NoteError) as refused:
        verify.open_note(kat["signed_note"].replace("problem,", "problem;"), [key])
    assert refused.value.kind == "signature"


def test_verify_py_reads_the_checkpoints_and_promises_the_app_writes():
    signer = sample.SIGNER
    key = verify.parse_verifier_key(str(signer.verifier))
    checkpoint = note.Checkpoint(sample.ORIGIN, 12, bytes(range(32)), ("ext",))
    assert verify.parse_checkpoint(verify.open_note(note.sign_checkpoint(checkpoint, signer), [key])) == (
        sample.ORIGIN, 12, bytes(range(32)))
    promise = note.Promise(sample.ORIGIN, bytes(32), sample.T0, 10)
    assert verify.parse_promise(verify.open_note(note.sign_promise(promise, signer), [key])) == (
        sample.ORIGIN, bytes(32), sample.T0, 10)
    for bad in ("o\n042\nAAAA\n", "o\n1\n" + base64.b64encode(bytes(31)).decode() + "\n", "o\n1\n"):
        with pytest.raises(verify.NoteError):
            verify.parse_checkpoint(bad)
        with pytest.raises(note.MalformedCheckpoint):
            note.Checkpoint.parse(bad)


def _random_value(rng, depth=0):
    choice = rng.randrange(7 if depth < 3 else 4)
    if choice == 0:
        return rng.choice([None, True, False])
    if choice == 1:
        return rng.randint(-2**53 + 1, 2**53 - 1)
    if choice in (2, 3):
        alphabet = "aZ\"\\\n\t\x00\x1f\x7fé€\u2028\U0001F600\ufb33"
        return "".join(rng.choice(alphabet) for _ in range(rng.randrange(6)))
    if choice == 4:
        return [_random_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {str(_random_value(rng, 3)): _random_value(rng, depth + 1) for _ in range(rng.randrange(4))}


def test_verify_py_canonical_json_is_rfc8785_on_random_values():
    rng = random.Random(8785)
    for _ in range(2000):
        value = _random_value(rng)
        expected = rfc8785.dumps(value)
        assert verify.canonical_json(value) == expected
        assert verify.load_canonical(expected) == value


def test_verify_py_knows_the_schema_the_app_writes():
    assert verify.SCHEMA == entries.SCHEMA
    assert verify.SCOPES == entries.SCOPES and verify.STATUSES == entries.STATUSES
    assert {v: k for k, v in verify.RECEIPT_ACTIONS.items()} == entries.RECEIPT_ACTIONS
    log = sample.sample_entries()
    assert {json.loads(item)["type"] for item in log} == set(entries.SCHEMA)
    for item in log:
        verify.parse_entry(item)


# --- the command line on a hand-built bundle -----------------------------------------------

@pytest.fixture
def good(tmp_path):
    return sample.write(tmp_path / "bundle.zip")


def run(capsys, *arguments):
    status = verify.main([str(argument) for argument in arguments])
    captured = capsys.readouterr()
    return status, captured.out.splitlines(), captured.err


def test_a_sound_bundle_verifies_to_the_figures_counted_by_hand(good, capsys):
    status, lines, _ = run(capsys, good)
    assert status == 0, lines
    figures = json.loads(lines[-1])
    for key, value in sample.FIGURES.items():
        assert figures[key] == value, key
    assert [(row["code"], row["votes"], row["comments"]) for row in figures["ranking"]] == sample.RANKING
    assert figures["consultation"] == sample.SLUG and figures["tree_size"] == len(sample.sample_entries())
    assert any("compare it with the key the site publishes" in line for line in lines)


def test_the_command_exits_0_and_ends_with_the_figures(good):
    result = subprocess.run([sys.executable, str(sample.VERIFY_PY), str(good), "--key", str(sample.SIGNER.verifier)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert json.loads(result.stdout.splitlines()[-1])["participants"] == 5


def test_the_bundle_writer_is_reproducible(tmp_path):
    first = sample.write(tmp_path / "one.zip").read_bytes()
    assert sample.write(tmp_path / "two.zip").read_bytes() == first


def _mismatch(capsys, *arguments):
    status, lines, err = run(capsys, *arguments)
    assert status == 1, lines + [err]
    assert lines[-1].startswith("MISMATCH: ")
    return lines[-1]


def test_a_changed_figure_in_summary_csv(good, capsys):
    changed = sample.summary_csv(dict(sample.FIGURES, votes=5))
    sample.tamper(good, {bundle.SUMMARY: changed}, update_manifest=False)
    assert "summary.csv does not match its SHA-256 in manifest.json" in _mismatch(capsys, good)
    sample.tamper(good, {bundle.SUMMARY: changed})
    assert "summary.csv says votes = 5; the log gives 4" in _mismatch(capsys, good)


def test_a_changed_vote_count_in_proposals_csv(good, capsys):
    text = sample.proposals_csv()
    row = next(line for line in text.splitlines() if line.startswith("S-1,"))
    sample.tamper(good, {bundle.PROPOSALS: text.replace(row, row[:-3] + "3,0")})
    assert "proposals.csv gives S-1 3 votes; the log gives 2" in _mismatch(capsys, good)


def test_a_removed_entry(good, capsys):
    log = sample.sample_entries()
    del log[7]
    sample.tamper(good, {bundle.LEDGER: b"".join(item + b"\n" for item in log)})
    assert "ledger.jsonl holds 25 entries; the checkpoint signs 26" in _mismatch(capsys, good)


def test_a_rewritten_entry(good, capsys):
    log = sample.sample_entries()
    log[5] = log[5].replace(b'"proposal":2', b'"proposal":3')
    sample.tamper(good, {bundle.LEDGER: b"".join(item + b"\n" for item in log)})
    assert "the Merkle root of ledger.jsonl is not the checkpoint's" in _mismatch(capsys, good)


def test_a_truncated_log(good, capsys):
    ledger = b"".join(item + b"\n" for item in sample.sample_entries())
    sample.tamper(good, {bundle.LEDGER: ledger[:-30]})
    assert "does not end with a newline: the file is cut short" in _mismatch(capsys, good)


def test_a_bad_signature(good, capsys):
    message = sample.checkpoint_note(sample.sample_entries())
    text, signature = message.rsplit(" ", 1)
    raw = bytearray(base64.b64decode(signature))
    raw[10] ^= 1
    sample.tamper(good, {bundle.CHECKPOINT: f"{text} {base64.b64encode(bytes(raw)).decode()}\n"})
    assert "the checkpoint's signature does not verify with the log's key" in _mismatch(capsys, good)


def test_a_checkpoint_signed_by_another_key(tmp_path, capsys):
    path = sample.write(tmp_path / "bundle.zip", signer=note.Signer.generate(sample.KEY_NAME))
    assert "the checkpoint is not signed by the log's key" in _mismatch(capsys, path, "--key", sample.SIGNER.verifier)


def test_a_changed_comment_text(good, capsys):
    sample.tamper(good, {bundle.COMMENTS: sample.comments_jsonl().replace(b"Muy necesaria", b"Innecesaria")})
    assert "the text of comment 10 in comments.jsonl is not the text the log recorded" in _mismatch(capsys, good)


def test_a_hidden_comment_published_in_the_texts(good, capsys):
    sample.tamper(good, {bundle.COMMENTS: sample.comments_jsonl((10, 11, 12, 13))})
    assert "comments.jsonl publishes comment 12, which the log does not show as published" in _mismatch(capsys, good)


def test_a_published_comment_missing_from_the_texts(good, capsys):
    sample.tamper(good, {bundle.COMMENTS: sample.comments_jsonl((10, 13))})
    assert "the text of published comment 11 is missing from comments.jsonl" in _mismatch(capsys, good)


def test_departments_that_do_not_add_up(good, capsys):
    sample.tamper(good, {bundle.DEPARTMENTS: sample.departments_csv().replace("52,Nariño,3,2,2", "52,Nariño,4,2,2")})
    assert "participation_by_department.csv adds up to 6 participants; the log gives 5" in _mismatch(capsys, good)


def test_a_file_left_out_of_the_manifest(good, capsys):
    sample.tamper(good, {"extra.txt": "hello"}, update_manifest=False)
    assert "the bundle holds extra.txt, which manifest.json does not list" in _mismatch(capsys, good)


def test_a_missing_file(good, capsys):
    sample.tamper(good, {bundle.SUMMARY: None}, update_manifest=False)
    assert "manifest.json lists summary.csv, which the bundle does not hold" in _mismatch(capsys, good)


@pytest.mark.parametrize("fault, message", [
    (lambda log: log.insert(9, entries.vote_withdrawn(sample.T0, participant=sample.person(3), proposal=2, vote=4)),
     "entry 9 of the log cannot be replayed: vote 4 of"),
    (lambda log: log.insert(5, entries.vote_cast(sample.T0, participant=sample.person(1), proposal=1, vote=99)),
     "already has an active vote for N-1"),
    (lambda log: log.insert(4, entries.comment_restored(sample.T0, comment=10)),
     "entry 4 of the log cannot be replayed: comment 10 is not hidden"),
    (lambda log: log.insert(4, entries.proposal_status(sample.T0, proposal=1, from_status="shortlisted",
                                                        to_status="selected", reason="x")),
     "proposal N-1 is received, not shortlisted"),
    (lambda log: log.insert(4, log[1]), "proposal 1 was published already"),
    (lambda log: log.pop(0), "the log starts with consultation.opened"),
    (lambda log: log.insert(4, log[4].replace(b'"v":1', b'"v":2')), "not an entry of schema version 1"),
    (lambda log: log.insert(4, log[4].replace(b'"vote":1', b'"vote":1.5')), "no fractional numbers"),
    (lambda log: log.insert(4, log[4].replace(b',"type"', b', "type"')), "not in canonical form"),
])
def test_a_signed_log_that_breaks_the_replay_rules(tmp_path, capsys, fault, message):
    # The log's key signed it (a buggy or dishonest sequencer): the replay still refuses it.
    log = sample.sample_entries()
    fault(log)
    path = sample.write(tmp_path / "bundle.zip", log=log)
    assert message in _mismatch(capsys, path)


# --- receipts --------------------------------------------------------------------------------

def _write_json(path, value):
    path.write_text(json.dumps(value), encoding="utf-8")
    return path


@pytest.mark.parametrize("index, with_index", [(9, True), (9, False), (8, True), (16, True)])
def test_a_receipt_in_the_log(good, tmp_path, capsys, index, with_index):
    receipt = _write_json(tmp_path / "receipt.json", sample.receipt(sample.sample_entries(), index, with_index))
    status, lines, _ = run(capsys, good, "--receipt", receipt)
    assert status == 0, lines
    assert f"is entry {index} of the log" in lines[-2]


def test_a_receipt_whose_vote_was_removed(tmp_path, capsys):
    log = sample.sample_entries()
    receipt = _write_json(tmp_path / "receipt.json", sample.receipt(log, 9, with_index=False))
    # The vote removed behind the application's back, and a log and figures rebuilt to match,
    # signed by the log's own key: only the citizen's receipt can tell.
    del log[9]
    contents = sample.files(log)
    del contents[bundle.DEPARTMENTS]
    contents[bundle.SUMMARY] = sample.summary_csv(dict(sample.FIGURES, participants=4, voters=2, votes=3))
    row = next(line for line in sample.proposals_csv().splitlines() if line.startswith("S-1,"))
    contents[bundle.PROPOSALS] = sample.proposals_csv().replace(row, row[:-3] + "1,0")
    path = sample.write(tmp_path / "bundle.zip", log=log, contents=contents)
    assert run(capsys, path)[0] == 0
    assert "the receipt's entry is not in the log" in _mismatch(capsys, path, "--receipt", receipt)


def test_a_receipt_whose_index_holds_another_entry(good, tmp_path, capsys):
    item = sample.receipt(sample.sample_entries(), 9)
    item["leaf_index"] = 10
    receipt = _write_json(tmp_path / "receipt.json", item)
    assert "entry 10 of the log is not the receipt's entry" in _mismatch(capsys, good, "--receipt", receipt)


def test_a_receipt_with_an_altered_entry(good, tmp_path, capsys):
    item = sample.receipt(sample.sample_entries(), 9)
    item["entry"] = item["entry"].replace('"proposal":2', '"proposal":1')
    receipt = _write_json(tmp_path / "receipt.json", item)
    assert "the receipt's leaf_hash is not the hash of its entry" in _mismatch(capsys, good, "--receipt", receipt)


def test_a_receipt_with_a_forged_promise(good, tmp_path, capsys):
    log = sample.sample_entries()
    item = sample.receipt(log, 9, signer=note.Signer.generate(sample.KEY_NAME))
    receipt = _write_json(tmp_path / "receipt.json", item)
    assert "the receipt's promise of inclusion does not hold" in _mismatch(capsys, good, "--receipt", receipt)


def test_a_receipt_for_another_consultation(good, tmp_path, capsys):
    item = dict(sample.receipt(sample.sample_entries(), 9), consultation="otra")
    receipt = _write_json(tmp_path / "receipt.json", item)
    assert "the receipt is for the consultation otra" in _mismatch(capsys, good, "--receipt", receipt)


# --- an older checkpoint ----------------------------------------------------------------------

def test_the_log_extends_an_older_checkpoint(good, tmp_path, capsys):
    log = sample.sample_entries()
    for size in (1, 7, 16, len(log)):
        old = tmp_path / f"old-{size}.txt"
        old.write_text(sample.checkpoint_note(log[:size]), encoding="utf-8")
        status, lines, _ = run(capsys, good, "--since", old)
        assert status == 0, lines
        assert f"extends the old checkpoint of {size} entries" in lines[-2]


def test_an_old_checkpoint_of_another_history(good, tmp_path, capsys):
    # Signed by the log's own key, but of a log whose entry 3 was different: a fork.
    log = sample.sample_entries()[:10]
    log[3] = log[3].replace(b"S-2", b"S-9")
    old = tmp_path / "old.txt"
    old.write_text(sample.checkpoint_note(log), encoding="utf-8")
    assert "the log does not extend the old checkpoint" in _mismatch(capsys, good, "--since", old)


def test_a_forged_old_checkpoint(good, tmp_path, capsys):
    old = tmp_path / "old.txt"
    old.write_text(sample.checkpoint_note(sample.sample_entries()[:10], signer=note.Signer.generate(sample.KEY_NAME)))
    assert "the old checkpoint is not signed by the log's key" in _mismatch(capsys, good, "--since", old)
    forged = sample.checkpoint_note(sample.sample_entries()[:10]).replace("\n10\n", "\n11\n")
    old.write_text(forged, encoding="utf-8")
    assert "the old checkpoint's signature does not verify" in _mismatch(capsys, good, "--since", old)


def test_an_old_checkpoint_larger_than_the_log(good, tmp_path, capsys):
    longer = sample.sample_entries() + [entries.consultation_closed(sample.T0, closes_at=sample.T0)]
    old = tmp_path / "old.txt"
    old.write_text(sample.checkpoint_note(longer), encoding="utf-8")
    assert "the old checkpoint has 27 entries, the bundle's log only 26: entries were removed" in _mismatch(
        capsys, good, "--since", old)


# --- inputs that cannot be read ------------------------------------------------------------

def test_unreadable_inputs_exit_2(good, tmp_path, capsys):
    not_zip = tmp_path / "not.zip"
    not_zip.write_bytes(b"PK but no archive")
    cut = tmp_path / "cut.zip"
    cut.write_bytes(good.read_bytes()[:-100])
    garbage = tmp_path / "receipt.json"
    garbage.write_text("{not json")
    for arguments in ([tmp_path / "missing.zip"], [not_zip], [cut], [good, "--receipt", garbage],
                      [good, "--receipt", tmp_path / "missing.json"], [good, "--since", tmp_path / "missing.txt"],
                      [good, "--key", "not a key"]):
        status, lines, err = run(capsys, *arguments)
        assert status == 2, (arguments, lines)
        assert err.startswith("verify.py: ")


def test_the_command_exits_1_with_the_mismatch_last(good):
    sample.tamper(good, {bundle.SUMMARY: sample.summary_csv(dict(sample.FIGURES, participants=6))})
    result = subprocess.run([sys.executable, str(sample.VERIFY_PY), str(good)], capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stdout.splitlines()[-1] == "MISMATCH: summary.csv says participants = 6; the log gives 5"
