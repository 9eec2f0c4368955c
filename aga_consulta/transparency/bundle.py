"""The open-data bundle: one ZIP per consultation, its manifest listing every other file.

The files (docs/transparency.md, "The bundle") are streamed into the archive chunk by
chunk, each hashed on the way, and manifest.json comes last: a million-entry ledger never
sits in memory. Every ZIP field is fixed (names in the order given, one timestamp taken from
the record, permissions, compression level), so the same record gives the same bytes.
"""
import hashlib
import zipfile

from aga_consulta.transparency import canonical
from aga_consulta.transparency.note import Verifier, open_checkpoint

FORMAT = "aga-consulta-bundle/1"
MANIFEST = "manifest.json"
CHECKPOINT = "checkpoint.txt"
KEY = "verifier-key.txt"
LEDGER = "ledger.jsonl"
COMMENTS = "comments.jsonl"
PROPOSALS = "proposals.csv"
SUMMARY = "summary.csv"
DEPARTMENTS = "participation_by_department.csv"
VERIFIER = "verify.py"
#: Files every bundle holds besides the manifest; the checkpoint and key are written by write_bundle.
REQUIRED = (CHECKPOINT, KEY, LEDGER, COMMENTS, PROPOSALS, SUMMARY)


def _chunks(content):
    if isinstance(content, (bytes, bytearray, str)):
        content = (content,)
    for chunk in content:
        yield chunk.encode("utf-8") if isinstance(chunk, str) else bytes(chunk)


def ledger_chunks(entries):
    """Yield ledger.jsonl from the entries' canonical bytes, in log order: one entry per line."""
    for item in entries:
        yield item + b"\n"


def _zip_info(name, generated_at):
    info = zipfile.ZipInfo(name, date_time=generated_at.timetuple()[:6])
    # zlib's default level: the same zlib gives the same bytes.
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3  # Unix, whatever system writes it
    info.external_attr = 0o644 << 16
    return info


def write_bundle(out, *, consultation, generated_at, software, checkpoint_note, verifier_key, files):
    """Write the bundle into `out` (a seekable binary file) and return its manifest.

    `generated_at` (naive UTC datetime) comes from the record, never the clock: the last
    entry's time, or the closing time of a closed consultation. `software` is
    {"name", "version", "commit"}. `files` yields (name, content), content being bytes,
    text, or an iterable of chunks of either. The checkpoint must verify with the key: a
    bundle that its own key cannot check is never written.
    """
    checkpoint = open_checkpoint(checkpoint_note, [Verifier.parse(verifier_key)])
    listed = []
    names = set()
    with zipfile.ZipFile(out, "w") as archive:
        everything = [(CHECKPOINT, checkpoint_note), (KEY, verifier_key.strip() + "\n"), *files]
        for name, content in everything:
            if name in names or name == MANIFEST:
                raise ValueError(f"the bundle holds {name} once, and manifest.json is written last")
            names.add(name)
            digest, size = hashlib.sha256(), 0
            with archive.open(_zip_info(name, generated_at), "w") as stream:
                for chunk in _chunks(content):
                    stream.write(chunk)
                    digest.update(chunk)
                    size += len(chunk)
            listed.append({"name": name, "size": size, "sha256": digest.hexdigest()})
        missing = [name for name in REQUIRED if name not in names]
        if missing:
            raise ValueError(f"a bundle holds {', '.join(missing)}")
        manifest = {
            "format": FORMAT,
            "consultation": consultation,
            "generated_at": generated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "software": software,
            "checkpoint": {"origin": checkpoint.origin, "tree_size": checkpoint.size,
                           "root_hash": checkpoint.text().split("\n")[2]},
            "files": sorted(listed, key=lambda item: item["name"]),
        }
        archive.writestr(_zip_info(MANIFEST, generated_at), canonical.dumps(manifest))
    return manifest
