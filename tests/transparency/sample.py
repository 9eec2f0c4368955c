"""A hand-built consultation log and its bundle, with figures counted by hand, for the verifier's tests."""
import csv
import hashlib
import importlib.util
import io
import json
import sys
import zipfile
from datetime import datetime, timedelta
from pathlib import Path

from aga_consulta.exports.services import neutralise
from aga_consulta.transparency import bundle, entries
from aga_consulta.transparency.merkle import MemoryTree
from aga_consulta.transparency.note import Checkpoint, Promise, Signer, sign_checkpoint, sign_promise

VERIFY_PY = Path(entries.__file__).with_name("verify.py")
SLUG = "plan-prueba"
ORIGIN = f"aga.example/transparency/{SLUG}"
KEY_NAME = "aga.example/transparency"
SIGNER = Signer(KEY_NAME, hashlib.sha256(b"the sample log key").digest())
PSEUDONYM_KEY = b"sample pseudonym key"
T0 = datetime(2026, 3, 2, 9, 0)
SOFTWARE = {"name": "aga_consulta", "version": "test", "commit": "0" * 40}


def load_verify():
    """Import verify.py from its file, as a stranger's Python would, under a name of its own."""
    name = "standalone_verify"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, VERIFY_PY)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


def person(n):
    """The pseudonym of citizen n in the sample consultation."""
    return entries.pseudonym(PSEUDONYM_KEY, 7, n)


BODIES = {
    10: "Muy necesaria para Nariño.",
    11: "De acuerdo, y con datos abiertos.",
    12: "Texto ofensivo que nadie debe leer",
    13: "=SUMA(1;2) no es una fórmula aquí",
}


def sample_entries():
    """Return the sample log: every entry type, in the order the acts happened."""
    at = (T0 + timedelta(minutes=n) for n in range(1000))
    text = entries.proposal_text_sha256
    log = [
        entries.consultation_opened(next(at), consultation=SLUG, title="Plan de prueba",
                                    opens_at=T0, closes_at=T0 + timedelta(days=30)),
        entries.proposal_published(next(at), proposal=1, code="N-1", title="Datos abiertos nacionales",
                                   scope="national", department=None, text_sha256=text("Datos", "", "")),
        entries.proposal_published(next(at), proposal=2, code="S-1", title="Agua en Nariño",
                                   scope="subnational", department="52", text_sha256=text("Agua", "", "")),
        entries.proposal_published(next(at), proposal=3, code="S-2", title="=Caminos rurales",
                                   scope="subnational", department="05", text_sha256=text("Caminos", "", "")),
        entries.vote_cast(next(at), participant=person(1), proposal=1, vote=1),
        entries.vote_cast(next(at), participant=person(1), proposal=2, vote=2),
        entries.vote_cast(next(at), participant=person(2), proposal=1, vote=3),
        entries.vote_cast(next(at), participant=person(3), proposal=2, vote=4),
        entries.vote_withdrawn(next(at), participant=person(3), proposal=2, vote=4),
        entries.vote_cast(next(at), participant=person(3), proposal=2, vote=5),
        entries.vote_cast(next(at), participant=person(4), proposal=3, vote=6),
        entries.vote_withdrawn(next(at), participant=person(4), proposal=3, vote=6),
        entries.comment_made(next(at), participant=person(5), proposal=1, comment=10, parent=None,
                             text_sha256=entries.text_sha256(BODIES[10])),
        entries.comment_made(next(at), participant=person(1), proposal=1, comment=11, parent=10,
                             text_sha256=entries.text_sha256(BODIES[11])),
        entries.comment_made(next(at), participant=person(6), proposal=2, comment=12, parent=None,
                             text_sha256=entries.text_sha256(BODIES[12])),
        entries.comment_hidden(next(at), comment=12, by="reports"),
        entries.comment_made(next(at), participant=person(2), proposal=1, comment=13, parent=None,
                             text_sha256=entries.text_sha256(BODIES[13])),
        entries.comment_hidden(next(at), comment=13, by="staff"),
        entries.comment_restored(next(at), comment=13),
        entries.proposal_edited(next(at), proposal=3, code="S-3", title="=Caminos rurales y veredales",
                                scope="subnational", department="05", text_sha256=text("Caminos", "", "y veredas")),
        entries.proposal_status(next(at), proposal=2, from_status="received", to_status="shortlisted",
                                reason="Cumple los criterios."),
        entries.proposal_status(next(at), proposal=2, from_status="shortlisted", to_status="selected",
                                reason="-Priorizada por el comité."),
        entries.proposal_status(next(at), proposal=1, from_status="received", to_status="shortlisted",
                                reason="Cumple los criterios."),
        entries.proposal_status(next(at), proposal=1, from_status="shortlisted", to_status="not_selected",
                                reason="Ya existe un compromiso similar."),
        entries.consultation_redated(next(at), opens_at=T0, closes_at=T0 + timedelta(days=31)),
        entries.consultation_closed(next(at), closes_at=T0 + timedelta(days=31)),
    ]
    return log


#: The figures of the sample, counted by hand from the entries above (not by the replay).
FIGURES = {
    "proposals": {"total": 3, "national": 1, "subnational": 2},
    "participants": 5,   # citizens 1, 2, 3 (active votes), 5 and 6 (comments); 4 withdrew only
    "voters": 3,
    "commenters": 4,
    "votes": 4,          # votes 1, 2, 3, 5
    "comments": {"received": 4, "published": 3, "hidden": 1},
    "selected": {"total": 1, "national": 0, "subnational": 1},
}
RANKING = [  # code, votes, published comments
    ("N-1", 2, 3),
    ("S-1", 2, 0),
    ("S-3", 0, 0),
]


def _csv(rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([neutralise(value) for value in row])
    return buffer.getvalue()


def summary_csv(figures=FIGURES):
    """summary.csv as the app's export writes it."""
    rows = [("metric", "value")]
    for key, value in figures.items():
        if isinstance(value, dict):
            rows += [(f"{key}_{sub}", number) for sub, number in value.items()]
        else:
            rows.append((key, value))
    return _csv(rows)


def proposals_csv():
    """proposals.csv (public) as the app's export writes it, in code order."""
    return _csv([
        bundle_columns(),
        ("N-1", "Datos abiertos nacionales", "national", "", "", "Datos", "MinTIC", "not_selected",
         "Ya existe un compromiso similar.", 2, 3),
        ("S-1", "Agua en Nariño", "subnational", "52", "Nariño", "Agua", "Gobernación", "selected",
         "-Priorizada por el comité.", 2, 0),
        ("S-3", "=Caminos rurales y veredales", "subnational", "05", "Antioquia", "", "", "received", "", 0, 0),
    ])


def bundle_columns():
    """The contract's columns of proposals.csv."""
    return ("code", "title", "scope", "department_code", "department", "theme", "proposer", "status",
            "status_reason", "votes", "comments")


def departments_csv():
    """participation_by_department.csv: every participant in one department."""
    return _csv([("department_code", "department", "participants", "voters", "commenters"),
                 ("52", "Nariño", 3, 2, 2), ("05", "Antioquia", 2, 1, 2)])


def comments_jsonl(published=(10, 11, 13)):
    """comments.jsonl: the published comments' texts."""
    where = {10: (1, None), 11: (1, 10), 12: (2, None), 13: (1, None)}
    return b"".join(entries.comment_line(comment=n, proposal=where[n][0], parent=where[n][1], body=BODIES[n])
                    for n in published)


def checkpoint_note(log, signer=SIGNER, origin=ORIGIN):
    """The signed checkpoint of `log`."""
    return sign_checkpoint(Checkpoint(origin, len(log), MemoryTree.of_entries(log).root()), signer)


def files(log=None):
    """Return the bundle's files (name -> content) for `log`."""
    log = sample_entries() if log is None else log
    return {
        bundle.LEDGER: b"".join(bundle.ledger_chunks(log)),
        bundle.COMMENTS: comments_jsonl(),
        bundle.PROPOSALS: proposals_csv(),
        bundle.SUMMARY: summary_csv(),
        bundle.DEPARTMENTS: departments_csv(),
    }


def write(path, log=None, signer=SIGNER, note=None, contents=None):
    """Write a bundle of `log` (the sample by default) to `path`; return the path."""
    log = sample_entries() if log is None else log
    contents = files(log) if contents is None else contents
    with open(path, "wb") as out:
        bundle.write_bundle(out, consultation=SLUG, generated_at=T0 + timedelta(days=31), software=SOFTWARE,
                            checkpoint_note=note or checkpoint_note(log, signer), verifier_key=str(signer.verifier),
                            files=list(contents.items()))
    return path


def tamper(path, changes, update_manifest=True):
    """Rewrite the bundle at `path` with `changes` (name -> bytes, or None to remove).

    With `update_manifest`, the manifest is recomputed for the changed files, as a careful
    forger would; the checkpoint, which needs the log's key, stays as it was.
    """
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    for name, content in changes.items():
        if content is None:
            members.pop(name, None)
        else:
            members[name] = content.encode("utf-8") if isinstance(content, str) else content
    if update_manifest:
        manifest = json.loads(members[bundle.MANIFEST])
        manifest["files"] = [{"name": name, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
                             for name, data in sorted(members.items()) if name != bundle.MANIFEST]
        members[bundle.MANIFEST] = json.dumps(manifest).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def receipt(log, index, with_index=True, signer=SIGNER):
    """A citizen's receipt for entry `index` of `log`, with its signed promise."""
    item = log[index]
    promise = sign_promise(Promise(ORIGIN, MemoryTree.of_entries([item]).hash_at(0, 0), T0, 10), signer)
    code = {1: "N-1", 2: "S-1", 3: "S-2"}[json.loads(item)["proposal"]]
    return entries.receipt(consultation=SLUG, proposal_code=code, entry_bytes=item, promise=promise,
                           leaf_index=index if with_index else None)
