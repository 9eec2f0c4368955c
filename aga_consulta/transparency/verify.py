#!/usr/bin/env python3
"""Check an aga_consulta open-data bundle from the public record alone: the glass ballot box.

    python verify.py BUNDLE.zip [--receipt RECEIPT.json] [--since OLD_CHECKPOINT] [--key KEY]

It checks, in this order, and stops at the first thing that does not hold:
  1. manifest.json: every file's size and SHA-256, and no file left out of it;
  2. the checkpoint (checkpoint.txt): its Ed25519 signature by the log's key (--key, a key
     string or a file holding one; else the bundle's verifier-key.txt, which only shows the
     bundle agrees with itself: compare it with the key the site publishes);
  3. ledger.jsonl: canonical entries whose RFC 9162 Merkle root is the checkpoint's;
  4. the replay of the entries into the figures, compared with summary.csv, proposals.csv,
     participation_by_department.csv and the published texts of comments.jsonl;
  5. with --receipt, that the citizen's entry is in the log (inclusion proof);
  6. with --since, that the log extends an older checkpoint (consistency proof).
Exit 0 and the recomputed figures as the last line (one JSON object); exit 1 and the first
mismatch in plain words; exit 2 when an input cannot be read.

This file is meant to be read and run by anyone, so it needs only Python 3.9+ and the
`cryptography` package (pip install cryptography), and imports nothing of aga_consulta.
It therefore repeats, in its own few lines, the checks that the app keeps in
aga_consulta/transparency (canonical JSON, RFC 9162 Merkle proofs, C2SP signed notes and
checkpoints, the entry schema). That duplication is by design: the project's tests check
that this file and the app agree on every reference vector. docs/transparency.md in the
project describes the entries, the bundle and the replay rules.
"""
import argparse
import base64
import binascii
import csv
import hashlib
import io
import json
import os
import re
import sys
import zipfile
from datetime import datetime

BUNDLE_FORMAT = "aga-consulta-bundle/1"
MANIFEST, CHECKPOINT, KEY = "manifest.json", "checkpoint.txt", "verifier-key.txt"
LEDGER, COMMENTS = "ledger.jsonl", "comments.jsonl"
PROPOSALS, SUMMARY, DEPARTMENTS = "proposals.csv", "summary.csv", "participation_by_department.csv"
REQUIRED = (CHECKPOINT, KEY, LEDGER, COMMENTS, PROPOSALS, SUMMARY)
PROPOSAL_COLUMNS = ["code", "title", "scope", "department_code", "department", "theme", "proposer", "status",
                    "status_reason", "votes", "comments"]
DEPARTMENT_COLUMNS = ["department_code", "department", "participants", "voters", "commenters"]
CHUNK = 1 << 20


class Mismatch(Exception):
    """Something in the record does not hold: exit 1."""


class Unreadable(Exception):
    """An input cannot be read at all: exit 2."""


# --- canonical JSON (RFC 8785), for the values entries hold: no fractions ---------------------

_SAFE_INTEGER = 2**53 - 1


def canonical_json(value):
    """Return the RFC 8785 form of `value` (null, booleans, integers, strings, lists, objects) as bytes."""
    return _canonical(value).encode("utf-8")


def _canonical(value):
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, int):
        if abs(value) > _SAFE_INTEGER:
            raise ValueError("an integer beyond 2**53 has no exact JSON form")
        return str(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, list):
        return "[" + ",".join(_canonical(item) for item in value) + "]"
    if isinstance(value, dict):
        # RFC 8785 orders keys by UTF-16 code units; for ASCII keys that is plain order, and
        # a flat object of them (every entry) goes through the json module's C encoder.
        if all(key.isascii() for key in value) and all(_flat(item) for item in value.values()):
            return _FLAT.encode(value)
        if all(key.isascii() for key in value):
            keys = sorted(value)
        else:
            keys = sorted(value, key=lambda key: key.encode("utf-16-be"))
        return "{" + ",".join(_string(key) + ":" + _canonical(value[key]) for key in keys) + "}"
    raise ValueError("entries hold no fractional numbers")


# The json module's string encoder without ASCII escaping escapes exactly what RFC 8785
# does: the quote, the backslash and the control characters (\b \t \n \f \r, else \u00xx).
_string = json.encoder.encode_basestring


def _unique_keys(pairs):
    value = dict(pairs)
    if len(value) != len(pairs):
        raise ValueError("an object repeats a key")
    return value


def _no_fraction(text):
    raise ValueError("entries hold no fractional numbers")


_FLAT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _flat(value):
    kind = type(value)
    return kind is str or value is None or kind is bool or (kind is int and -_SAFE_INTEGER <= value <= _SAFE_INTEGER)


_DECODER = json.JSONDecoder(object_pairs_hook=_unique_keys, parse_float=_no_fraction, parse_constant=_no_fraction)


def load_canonical(data):
    """Return the value of `data` (bytes) if it is canonical JSON; ValueError otherwise."""
    try:
        value = _DECODER.decode(data.decode("utf-8"))
        again = canonical_json(value)
    except (UnicodeError, ValueError) as error:
        raise ValueError(f"not canonical JSON ({error})") from None
    if again != data:
        raise ValueError("JSON, but not in canonical form (RFC 8785)")
    return value


# --- RFC 9162 Merkle trees ---------------------------------------------------------------------

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


class ProofError(ValueError):
    """A Merkle proof that does not hold."""


def leaf_hash(entry):
    """SHA-256(0x00 || entry)."""
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left, right):
    """SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


class Frontier:
    """Leaf hashes folded into a root as they come (a stack of completed subtrees), and counted."""

    def __init__(self):
        self.n = 0
        self._stack = []

    def append(self, hashed):
        """Add the next leaf hash."""
        self.n += 1
        level = 0
        while self._stack and self._stack[-1][0] == level:
            hashed = node_hash(self._stack.pop()[1], hashed)
            level += 1
        self._stack.append((level, hashed))

    def root(self):
        """MTH of the leaves so far."""
        if not self._stack:
            return EMPTY_ROOT
        result = self._stack[-1][1]
        for _, hashed in reversed(self._stack[:-1]):
            result = node_hash(hashed, result)
        return result


def merkle_root(leaf_hashes):
    """MTH of a sequence of leaf hashes, in one pass."""
    frontier = Frontier()
    for hashed in leaf_hashes:
        frontier.append(hashed)
    return frontier.root()


def _k(n):
    return 1 << ((n - 1).bit_length() - 1)


def inclusion_path(leaf_hashes, index, size):
    """PATH(index, D[size]) of RFC 9162 2.1.3.1, from the list of leaf hashes."""
    path, start, end = [], 0, size
    while end - start > 1:
        k = _k(end - start)
        if index < start + k:
            path.append(merkle_root(leaf_hashes[start + k:end]))
            end = start + k
        else:
            path.append(merkle_root(leaf_hashes[start:start + k]))
            start += k
    return path[::-1]


def consistency_path(leaf_hashes, first, second):
    """PROOF(first, D[second]) of RFC 9162 2.1.4.1, for 0 < first <= second."""
    path, start, end, m, complete = [], 0, second, first, True
    while m != end - start:
        k = _k(end - start)
        if m <= k:
            path.append(merkle_root(leaf_hashes[start + k:end]))
            end = start + k
        else:
            path.append(merkle_root(leaf_hashes[start:start + k]))
            start, m, complete = start + k, m - k, False
    if not complete:
        path.append(merkle_root(leaf_hashes[start:end]))
    return path[::-1]


def _natural(value):
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _is_hash(value):
    return isinstance(value, (bytes, bytearray)) and len(value) == HASH_SIZE


def verify_inclusion(hashed_leaf, index, size, proof, root):
    """RFC 9162 2.1.3.2; raises ProofError unless the proof holds."""
    if not (_natural(index) and _natural(size)) or index >= size:
        raise ProofError("the leaf is not in a tree of that size")
    if not _is_hash(hashed_leaf) or not all(_is_hash(p) for p in proof):
        raise ProofError("a hash is not 32 bytes")
    fn, sn, r = index, size - 1, bytes(hashed_leaf)
    for p in proof:
        if sn == 0:
            raise ProofError("the proof is too long")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("the proof is too short")
    if r != root:
        raise ProofError("the proof leads to another root")


def verify_consistency(first, second, proof, first_root, second_root):
    """RFC 9162 2.1.4.2 for 0 < first < second; equal sizes need an empty proof and equal roots."""
    if not (_natural(first) and _natural(second)) or first > second:
        raise ProofError("the first tree is larger than the second")
    if first == 0:
        raise ProofError("a proof from the empty tree proves nothing")
    if first == second:
        if proof or first_root != second_root:
            raise ProofError("trees of one size have one root and an empty proof")
        return
    if not (_is_hash(first_root) and _is_hash(second_root)) or not all(_is_hash(p) for p in proof):
        raise ProofError("a hash is not 32 bytes")
    if not proof:
        raise ProofError("the proof is empty")
    path = ([first_root] if first & (first - 1) == 0 else []) + list(proof)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("the proof is too long")
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0 or fr != first_root or sr != second_root:
        raise ProofError("the proof does not lead to both roots")


# --- C2SP signed notes, checkpoints and promises (Ed25519) -------------------------------------

class NoteError(ValueError):
    """A note or key that does not hold; `kind` says how."""

    def __init__(self, kind, message):
        super().__init__(message)
        self.kind = kind  # malformed | key | unverified | signature


def _b64(text, what):
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise NoteError("malformed", f"{what} is not base64") from None
    if base64.b64encode(data).decode("ascii") != text:
        raise NoteError("malformed", f"{what} is not canonical base64")
    return data


def _valid_name(name):
    return name != "" and "+" not in name and not any(c.isspace() or c < " " for c in name)


def _key_hash(name, key):
    return int.from_bytes(hashlib.sha256(name.encode("utf-8") + b"\n" + key).digest()[:4], "big")


def parse_verifier_key(text):
    """Return (name, key hash, public key) of a `name+hash+base64(0x01 || key)` string."""
    parts = text.strip().split("+", 2)
    if len(parts) != 3 or not _valid_name(parts[0]) or not re.fullmatch(r"[0-9a-f]{8}", parts[1]):
        raise NoteError("key", "a verifier key reads name+hash+key")
    name, hash_text, key_text = parts
    try:
        key = _b64(key_text, "the key")
    except NoteError:
        raise NoteError("key", "the verifier key's key is not base64") from None
    if len(key) != 33 or key[0] != 1:
        raise NoteError("key", "the verifier key is not an Ed25519 key")
    if _key_hash(name, key) != int(hash_text, 16):
        raise NoteError("key", "the verifier key's hash does not match its name and key")
    return name, int(hash_text, 16), key[1:]


def _ed25519_verify(public_key, signature, data):
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, data)
    except (InvalidSignature, ValueError):
        return False
    return True


def open_note(message, keys):
    """Return the text of a signed note (str) once a signature by one of `keys` verifies.

    `keys` are parse_verifier_key triples. Signatures by other keys are ignored, as C2SP
    signed-note requires; a known key's bad signature refuses the note.
    """
    if any(c < " " and c != "\n" for c in message):
        raise NoteError("malformed", "a note holds no control character but newline")
    split = message.rfind("\n\n")
    if split < 0:
        raise NoteError("malformed", "no blank line before the signatures")
    text, block = message[:split + 1], message[split + 2:]
    if not block.endswith("\n") or len(block.split("\n")) > 101:
        raise NoteError("malformed", "the signature lines are malformed")
    known = {(name, hashed): key for name, hashed, key in keys}
    signatures = []
    for line in block[:-1].split("\n"):
        name, space, encoded = line[2:].partition(" ")
        if not line.startswith("\u2014 ") or not space or not _valid_name(name):
            raise NoteError("malformed", "a signature line is not `\u2014 name signature`")
        raw = _b64(encoded, "a signature")
        if len(raw) < 5:
            raise NoteError("malformed", "a signature is too short")
        signatures.append((name, int.from_bytes(raw[:4], "big"), raw[4:]))
    data, verified = text.encode("utf-8"), False
    for name, hashed, signature in signatures:
        key = known.get((name, hashed))
        if key is None:
            continue
        if not _ed25519_verify(key, signature, data):
            raise NoteError("signature", f"the signature by {name}+{hashed:08x} does not verify")
        verified = True
    if not verified:
        raise NoteError("unverified", "it is not signed by the log's key")
    return text


def _text_lines(text, minimum):
    lines = text[:-1].split("\n")
    if not text.endswith("\n") or len(lines) < minimum or "" in lines:
        raise NoteError("malformed", f"its text is not {minimum} or more non-empty lines")
    return lines


def _decimal(text, what):
    if not re.fullmatch(r"0|[1-9][0-9]*", text) or int(text) >= 2**64:
        raise NoteError("malformed", f"{what} is not a decimal number")
    return int(text)


def _root(text, what):
    value = _b64(text, what)
    if len(value) != HASH_SIZE:
        raise NoteError("malformed", f"{what} is not 32 bytes")
    return value


def parse_checkpoint(text):
    """Return (origin, size, root hash) of a C2SP tlog-checkpoint's text."""
    origin, size, root, *_extensions = _text_lines(text, 3)
    return origin, _decimal(size, "the tree size"), _root(root, "the root hash")


def parse_promise(text):
    """Return (origin, leaf hash, time, maximum merge delay) of an inclusion promise's text."""
    lines = _text_lines(text, 5)
    if len(lines) != 5 or lines[1] != "inclusion promise":
        raise NoteError("malformed", "its text is not an inclusion promise")
    origin, _, leaf, at, mmd = lines
    try:
        moment = datetime.strptime(at, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        raise NoteError("malformed", "the promise's time is not YYYY-MM-DDTHH:MM:SSZ") from None
    return origin, _root(leaf, "the leaf hash"), moment, _decimal(mmd, "the maximum merge delay")


# --- the entries (schema v1) and their replay into the figures ----------------------------------

SCHEMA = {
    "consultation.opened": ("consultation", "title", "opens_at", "closes_at"),
    "consultation.redated": ("opens_at", "closes_at"),
    "consultation.closed": ("closes_at",),
    "proposal.published": ("proposal", "code", "title", "scope", "department", "text_sha256"),
    "proposal.edited": ("proposal", "code", "title", "scope", "department", "text_sha256"),
    "proposal.status": ("proposal", "from", "to", "reason"),
    "vote.cast": ("participant", "proposal", "vote"),
    "vote.withdrawn": ("participant", "proposal", "vote"),
    "comment.made": ("participant", "proposal", "comment", "parent", "text_sha256"),
    "comment.hidden": ("comment", "by"),
    "comment.restored": ("comment", "by"),
}
SCOPES = ("national", "subnational")
STATUSES = ("received", "shortlisted", "selected", "not_selected")
RECEIPT_ACTIONS = {"vote": "vote.cast", "withdraw": "vote.withdrawn", "comment": "comment.made"}


def _time(pattern):
    pattern = re.compile(pattern)

    def check(value):
        if not isinstance(value, str) or not pattern.fullmatch(value):
            return False
        try:
            # A real date and time (no 30 February); faster than strptime, a million times.
            datetime(int(value[0:4]), int(value[5:7]), int(value[8:10]), int(value[11:13]), int(value[14:16]),
                     int(value[17:19]) if len(value) == 20 else 0)
        except ValueError:
            return False
        return True
    return check


def _text(value):
    return isinstance(value, str) and value != ""


def _identifier(value):
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= _SAFE_INTEGER


_MINUTE = _time(r"\d{4}-\d\d-\d\dT\d\d:\d\dZ")
_SECOND = _time(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
FIELD_RULES = {
    "consultation": _text, "title": _text, "code": _text, "opens_at": _SECOND, "closes_at": _SECOND,
    "scope": lambda v: v in SCOPES, "department": lambda v: v is None or _text(v),
    "text_sha256": lambda v: isinstance(v, str) and re.fullmatch(r"[0-9a-f]{64}", v) is not None,
    "from": lambda v: v in STATUSES, "to": lambda v: v in STATUSES,
    "reason": lambda v: isinstance(v, str) and v.strip() != "",
    "participant": lambda v: isinstance(v, str) and re.fullmatch(r"p-[0-9a-f]{20}", v) is not None,
    "parent": lambda v: v is None or _identifier(v), "by": lambda v: v in ("staff", "reports"),
    "proposal": _identifier, "vote": _identifier, "comment": _identifier,
}


def parse_entry(data):
    """Return the entry (dict) that the canonical bytes `data` hold; ValueError saying what is wrong."""
    entry = load_canonical(data)
    if not isinstance(entry, dict) or type(entry.get("v")) is not int or entry["v"] != 1:
        raise ValueError("not an entry of schema version 1")
    kind = entry.get("type")
    if kind not in SCHEMA:
        raise ValueError(f"unknown entry type {kind!r}")
    expected = {"v", "type", "at", *SCHEMA[kind]}
    if set(entry) != expected:
        raise ValueError(f"a {kind} entry has the fields {', '.join(sorted(expected))}")
    if not _MINUTE(entry["at"]):
        raise ValueError("its time is not YYYY-MM-DDTHH:MMZ")
    for name in SCHEMA[kind]:
        if not FIELD_RULES[name](entry[name]):
            raise ValueError(f"its {name} ({entry[name]!r}) is not valid")
    if kind in ("proposal.published", "proposal.edited") and (entry["scope"] == "national") != (entry["department"] is None):
        raise ValueError("a proposal has a department exactly when it is subnational")
    return entry


class Replay:
    """The consultation's state after each entry, and the figures it gives (the tally's definitions)."""

    def __init__(self):
        self.count = 0
        self.consultation = None
        self.window = None
        self.proposals = {}     # id -> {code, title, scope, department, status, reason, votes, comments}
        self.codes = {}         # current code -> proposal id
        self.codes_ever = {}    # proposal id -> every code it had
        self.active_votes = {}  # vote id -> (participant, proposal)
        self.used_votes = set()
        self.active_pairs = set()
        self.votes_by_participant = {}
        self.commenters = set()
        self.comments = {}      # id -> {proposal, parent, status, text_sha256}

    def apply(self, entry):
        """Apply the next entry; ValueError in plain words if the log cannot hold it here."""
        kind, index = entry["type"], self.count
        if (index == 0) != (kind == "consultation.opened"):
            raise ValueError("the log starts with consultation.opened, once")
        getattr(self, "_" + kind.replace(".", "_"))(entry)
        self.count += 1

    def _consultation_opened(self, entry):
        self.consultation = entry["consultation"]
        self.window = {"opens_at": entry["opens_at"], "closes_at": entry["closes_at"], "closed": False}

    def _consultation_redated(self, entry):
        self.window.update(opens_at=entry["opens_at"], closes_at=entry["closes_at"], closed=False)

    def _consultation_closed(self, entry):
        self.window.update(closes_at=entry["closes_at"], closed=True)

    def _proposal(self, entry):
        proposal = self.proposals.get(entry["proposal"])
        if proposal is None:
            raise ValueError(f"proposal {entry['proposal']} was never published")
        return proposal

    def _set_code(self, proposal_id, code):
        holder = self.codes.get(code)
        if holder is not None and holder != proposal_id:
            raise ValueError(f"the code {code} belongs to proposal {holder}")
        self.codes[code] = proposal_id
        self.codes_ever.setdefault(proposal_id, set()).add(code)

    def _proposal_published(self, entry):
        if entry["proposal"] in self.proposals:
            raise ValueError(f"proposal {entry['proposal']} was published already")
        self._set_code(entry["proposal"], entry["code"])
        self.proposals[entry["proposal"]] = {
            "code": entry["code"], "title": entry["title"], "scope": entry["scope"],
            "department": entry["department"], "status": "received", "reason": "", "votes": 0, "comments": 0,
        }

    def _proposal_edited(self, entry):
        proposal = self._proposal(entry)
        if proposal["code"] != entry["code"]:
            del self.codes[proposal["code"]]
        self._set_code(entry["proposal"], entry["code"])
        proposal.update(code=entry["code"], title=entry["title"], scope=entry["scope"], department=entry["department"])

    def _proposal_status(self, entry):
        proposal = self._proposal(entry)
        if entry["from"] != proposal["status"] or entry["from"] == entry["to"]:
            raise ValueError(f"proposal {proposal['code']} is {proposal['status']}, not {entry['from']}")
        proposal.update(status=entry["to"], reason=entry["reason"])

    def _vote_cast(self, entry):
        proposal = self._proposal(entry)
        pair = (entry["participant"], entry["proposal"])
        if entry["vote"] in self.used_votes:
            raise ValueError(f"vote {entry['vote']} was cast already")
        if pair in self.active_pairs:
            raise ValueError(f"{entry['participant']} already has an active vote for {proposal['code']}")
        self.used_votes.add(entry["vote"])
        self.active_votes[entry["vote"]] = pair
        self.active_pairs.add(pair)
        self.votes_by_participant[pair[0]] = self.votes_by_participant.get(pair[0], 0) + 1
        proposal["votes"] += 1

    def _vote_withdrawn(self, entry):
        pair = (entry["participant"], entry["proposal"])
        if self.active_votes.get(entry["vote"]) != pair:
            raise ValueError(f"vote {entry['vote']} of {pair[0]} for proposal {pair[1]} is not active")
        del self.active_votes[entry["vote"]]
        self.active_pairs.discard(pair)
        self.votes_by_participant[pair[0]] -= 1
        self.proposals[pair[1]]["votes"] -= 1

    def _comment_made(self, entry):
        proposal = self._proposal(entry)
        if entry["comment"] in self.comments:
            raise ValueError(f"comment {entry['comment']} was made already")
        parent = entry["parent"]
        if parent is not None and self.comments.get(parent, {}).get("proposal") != entry["proposal"]:
            raise ValueError(f"comment {entry['comment']} answers comment {parent}, not one on the same proposal")
        self.comments[entry["comment"]] = {"proposal": entry["proposal"], "parent": parent, "status": "published",
                                           "text_sha256": entry["text_sha256"]}
        self.commenters.add(entry["participant"])

    def _moderate(self, entry, before, after):
        comment = self.comments.get(entry["comment"])
        if comment is None or comment["status"] != before:
            raise ValueError(f"comment {entry['comment']} is not {before}")
        comment["status"] = after

    def visible(self, number):
        """Whether the public sees comment `number`: published, and a reply only while its comment is too."""
        comment = self.comments[number]
        if comment["status"] != "published":
            return False
        return comment["parent"] is None or self.comments[comment["parent"]]["status"] == "published"

    def _comment_hidden(self, entry):
        self._moderate(entry, "published", "hidden")

    def _comment_restored(self, entry):
        self._moderate(entry, "hidden", "published")

    def figures(self):
        """Return the figures, in the tally's keys and order, with the ranking."""
        def by_scope(selected):
            counts = {"total": 0, **{scope: 0 for scope in SCOPES}}
            for proposal in self.proposals.values():
                if selected(proposal):
                    counts["total"] += 1
                    counts[proposal["scope"]] += 1
            return counts

        voters = {participant for participant, n in self.votes_by_participant.items() if n > 0}
        # Per proposal too, only what the public sees: a reply under a hidden comment is hidden with it.
        for proposal in self.proposals.values():
            proposal["comments"] = 0
        published = 0
        for number, comment in self.comments.items():
            if self.visible(number):
                published += 1
                self.proposals[comment["proposal"]]["comments"] += 1
        ranking = sorted(self.proposals.values(), key=lambda p: (-p["votes"], -p["comments"], p["code"].encode("utf-8")))
        return {
            "consultation": self.consultation,
            "proposals": by_scope(lambda proposal: True),
            "participants": len(voters | self.commenters),
            "voters": len(voters),
            "commenters": len(self.commenters),
            "votes": len(self.active_votes),
            "comments": {"received": len(self.comments), "published": published,
                         "hidden": len(self.comments) - published},
            "selected": by_scope(lambda proposal: proposal["status"] == "selected"),
            "ranking": [{key: p[key] for key in ("code", "title", "scope", "department", "status", "votes", "comments")}
                        for p in ranking],
        }


def replay(entries):
    """Replay canonical entries (bytes each) and return the Replay; Mismatch at the first one that cannot be."""
    state = Replay()
    for index, data in enumerate(entries):
        try:
            entry = parse_entry(data)
            state.apply(entry)
        except ValueError as error:
            raise Mismatch(f"entry {index} of the log cannot be replayed: {error}") from None
    return state


def summary_figures(figures):
    """The figures as summary.csv names them: nested ones joined with '_' (comments_hidden)."""
    flat = {}
    for key, value in figures.items():
        if isinstance(value, dict):
            flat.update({f"{key}_{sub}": number for sub, number in value.items()})
        elif isinstance(value, int):
            flat[key] = value
    return flat


# --- reading the bundle -------------------------------------------------------------------------

_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """The cell a CSV export writes for a text: a `'` before a leading formula character."""
    return "'" + value if value[:1] in _TRIGGERS else value


class Bundle:
    """The ZIP archive, read member by member; a damaged member is a mismatch."""

    def __init__(self, path):
        try:
            self.archive = zipfile.ZipFile(path)
        except OSError as error:
            raise Unreadable(f"cannot read {path}: {error.strerror or error}") from None
        except zipfile.BadZipFile:
            raise Unreadable(f"{path} is not a ZIP archive (or it is cut short)") from None
        names = self.archive.namelist()
        if len(names) != len(set(names)):
            raise Mismatch("the bundle holds two files of the same name")
        self.names = set(names)

    def chunks(self, name):
        """Yield the bytes of member `name`."""
        try:
            with self.archive.open(name) as stream:
                while True:
                    chunk = stream.read(CHUNK)
                    if not chunk:
                        return
                    yield chunk
        except (zipfile.BadZipFile, EOFError, OSError, ValueError) as error:
            raise Mismatch(f"{name} is damaged in the bundle ({error})") from None

    def read(self, name):
        """Return the bytes of member `name`."""
        return b"".join(self.chunks(name))

    def text(self, name):
        """Return member `name` as UTF-8 text."""
        try:
            return self.read(name).decode("utf-8")
        except UnicodeDecodeError:
            raise Mismatch(f"{name} is not UTF-8 text") from None

    def lines(self, name):
        """Yield the lines of member `name` without their newline; each must end in one."""
        rest = b""
        for chunk in self.chunks(name):
            rest += chunk
            *complete, rest = rest.split(b"\n")
            yield from complete
        if rest:
            raise Mismatch(f"the last line of {name} does not end with a newline: the file is cut short")


def check_manifest(bundle):
    """Check every file against manifest.json; return it and its (origin, size, base64 root)."""
    if MANIFEST not in bundle.names:
        raise Mismatch("the bundle has no manifest.json")
    try:
        manifest = json.loads(bundle.read(MANIFEST).decode("utf-8"))
        files = {item["name"]: (item["size"], item["sha256"]) for item in manifest["files"]}
        if manifest["format"] != BUNDLE_FORMAT or len(files) != len(manifest["files"]):
            raise ValueError
        checkpoint = manifest["checkpoint"]
        checkpoint = (checkpoint["origin"], checkpoint["tree_size"], checkpoint["root_hash"])
    except (UnicodeDecodeError, ValueError, KeyError, TypeError):
        raise Mismatch(f"manifest.json is not a manifest of format {BUNDLE_FORMAT}") from None
    unlisted = sorted(bundle.names - {MANIFEST} - set(files))
    if unlisted:
        raise Mismatch(f"the bundle holds {unlisted[0]}, which manifest.json does not list")
    for name in REQUIRED:
        if name not in files:
            raise Mismatch(f"manifest.json does not list {name}, which every bundle holds")
    for name, (size, sha256) in sorted(files.items()):
        if name not in bundle.names:
            raise Mismatch(f"manifest.json lists {name}, which the bundle does not hold")
        digest, length = hashlib.sha256(), 0
        for chunk in bundle.chunks(name):
            digest.update(chunk)
            length += len(chunk)
        if length != size:
            raise Mismatch(f"{name} is {length} bytes; manifest.json says {size}")
        if digest.hexdigest() != sha256:
            raise Mismatch(f"{name} does not match its SHA-256 in manifest.json: the file was changed")
    return manifest, checkpoint


def _keys(bundle, key_arguments):
    if key_arguments:
        keys = []
        for argument in key_arguments:
            text = argument
            if os.path.exists(argument):
                try:
                    with open(argument, encoding="utf-8") as handle:
                        text = handle.read()
                except (OSError, UnicodeDecodeError) as error:
                    raise Unreadable(f"cannot read the key file {argument}: {error}") from None
            try:
                keys.append(parse_verifier_key(text))
            except NoteError as error:
                raise Unreadable(f"--key {argument}: {error}") from None
        return keys, "given with --key"
    try:
        return [parse_verifier_key(bundle.text(KEY))], f"taken from the bundle's {KEY}: compare it with the key the site publishes"
    except NoteError as error:
        raise Mismatch(f"{KEY} is not a verifier key: {error}") from None


def check_checkpoint(message, keys, what):
    """Return (origin, size, root) of a signed checkpoint once the log's key verifies it."""
    try:
        return parse_checkpoint(open_note(message, keys))
    except NoteError as error:
        if error.kind == "signature":
            raise Mismatch(f"{what}'s signature does not verify with the log's key: it was altered or forged ({error})") from None
        if error.kind == "unverified":
            raise Mismatch(f"{what} is not signed by the log's key") from None
        raise Mismatch(f"{what} is not a signed checkpoint: {error}") from None


def _csv(bundle, name, columns):
    rows = list(csv.reader(io.StringIO(bundle.text(name), newline="")))
    if not rows or rows[0] != columns:
        raise Mismatch(f"{name} does not have the columns {', '.join(columns)}")
    return rows[1:]


def _number(text, where):
    if not re.fullmatch(r"0|[1-9][0-9]*", text):
        raise Mismatch(f"{where} is not a whole number: {text!r}")
    return int(text)


def check_summary(bundle, figures):
    """Compare summary.csv with the figures, metric by metric."""
    expected = summary_figures(figures)
    seen = set()
    for row in _csv(bundle, SUMMARY, ["metric", "value"]):
        if len(row) != 2:
            raise Mismatch(f"{SUMMARY} has a row of {len(row)} cells")
        metric, value = row
        if metric in seen:
            raise Mismatch(f"{SUMMARY} lists {metric} twice")
        seen.add(metric)
        if metric not in expected:
            raise Mismatch(f"{SUMMARY} lists {metric}, a figure the log does not define")
        number = _number(value, f"{SUMMARY}'s {metric}")
        if number != expected[metric]:
            raise Mismatch(f"{SUMMARY} says {metric} = {number}; the log gives {expected[metric]}")
    for metric in expected:
        if metric not in seen:
            raise Mismatch(f"{SUMMARY} has no row for {metric}")


def check_proposals(bundle, state):
    """Compare proposals.csv with every proposal of the replay."""
    listed = set()
    for row in _csv(bundle, PROPOSALS, PROPOSAL_COLUMNS):
        if len(row) != len(PROPOSAL_COLUMNS):
            raise Mismatch(f"{PROPOSALS} has a row of {len(row)} cells")
        cells = dict(zip(PROPOSAL_COLUMNS, row))
        code = next((code for code in state.codes if neutralise(code) == cells["code"]), None)
        if code is None:
            raise Mismatch(f"{PROPOSALS} lists {cells['code']}, a proposal the log never published")
        if code in listed:
            raise Mismatch(f"{PROPOSALS} lists {code} twice")
        listed.add(code)
        proposal = state.proposals[state.codes[code]]
        expected = {"title": neutralise(proposal["title"]), "scope": proposal["scope"],
                    "department_code": proposal["department"] or "", "status": proposal["status"],
                    "status_reason": neutralise(proposal["reason"])}
        for column, value in expected.items():
            if cells[column] != value:
                raise Mismatch(f"{PROPOSALS} gives {code} the {column} {cells[column]!r}; the log gives {value!r}")
        for column in ("votes", "comments"):
            number = _number(cells[column], f"{PROPOSALS}'s {column} of {code}")
            if number != proposal[column]:
                raise Mismatch(f"{PROPOSALS} gives {code} {number} {column}; the log gives {proposal[column]}")
    left_out = sorted(set(state.codes) - listed)
    if left_out:
        raise Mismatch(f"{PROPOSALS} leaves out {left_out[0]}, which the log published")


def check_departments(bundle, figures):
    """Every participant has one department: the rows of participation_by_department.csv add up to the figures."""
    totals = {"participants": 0, "voters": 0, "commenters": 0}
    for row in _csv(bundle, DEPARTMENTS, DEPARTMENT_COLUMNS):
        if len(row) != len(DEPARTMENT_COLUMNS):
            raise Mismatch(f"{DEPARTMENTS} has a row of {len(row)} cells")
        for key, cell in zip(DEPARTMENT_COLUMNS[2:], row[2:]):
            totals[key] += _number(cell, f"{DEPARTMENTS}'s {key}")
    for key, total in totals.items():
        if total != figures[key]:
            raise Mismatch(f"{DEPARTMENTS} adds up to {total} {key}; the log gives {figures[key]}")


def check_comments(bundle, state):
    """Every comment the public sees has its text in comments.jsonl, and no other: each matches its hash."""
    published = {number for number in state.comments if state.visible(number)}
    previous = 0
    for number, line in enumerate(bundle.lines(COMMENTS), start=1):
        try:
            item = load_canonical(line)
            if not isinstance(item, dict) or set(item) != {"body", "comment", "parent", "proposal"}:
                raise ValueError("its fields are body, comment, parent and proposal")
            if not isinstance(item["body"], str) or not _identifier(item["comment"]):
                raise ValueError("its body is text and its comment an id")
        except ValueError as error:
            raise Mismatch(f"line {number} of {COMMENTS} is not a published comment: {error}") from None
        identifier = item["comment"]
        if identifier <= previous:
            raise Mismatch(f"{COMMENTS} is not in the order of comment ids at line {number}")
        previous = identifier
        comment = state.comments.get(identifier)
        if comment is None or not state.visible(identifier):
            raise Mismatch(f"{COMMENTS} publishes comment {identifier}, which the log does not show as published")
        if (item["proposal"], item["parent"]) != (comment["proposal"], comment["parent"]):
            raise Mismatch(f"{COMMENTS} puts comment {identifier} on another proposal or thread than the log")
        if hashlib.sha256(item["body"].encode("utf-8")).hexdigest() != comment["text_sha256"]:
            raise Mismatch(f"the text of comment {identifier} in {COMMENTS} is not the text the log recorded")
        published.discard(identifier)
    if published:
        raise Mismatch(f"the text of published comment {min(published)} is missing from {COMMENTS}")


def _read_input(path, what):
    try:
        with open(path, "rb") as handle:
            return handle.read().decode("utf-8")
    except OSError as error:
        raise Unreadable(f"cannot read the {what} {path}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise Unreadable(f"the {what} {path} is not UTF-8 text") from None


def load_receipt(path):
    """Return the receipt (dict) in the file at `path`; Unreadable if it is none."""
    try:
        receipt = json.loads(_read_input(path, "receipt"))
        fields = (receipt["consultation"], receipt["proposal"], receipt["action"], receipt["entry"], receipt["leaf_hash"])
        if not all(isinstance(value, str) for value in fields):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        raise Unreadable(f"{path} is not a receipt (JSON with consultation, proposal, action, entry and leaf_hash)") from None
    return receipt


def check_receipt(receipt, context):
    """Check a citizen's receipt against the log; return a sentence saying what holds."""
    entry = receipt["entry"].encode("utf-8")
    state, size = context["state"], context["size"]
    if receipt["consultation"] != state.consultation:
        raise Mismatch(f"the receipt is for the consultation {receipt['consultation']}; this bundle is {state.consultation}")
    try:
        item = parse_entry(entry)
    except ValueError as error:
        raise Mismatch(f"the receipt's entry is not a valid log entry: {error}") from None
    hashed = leaf_hash(entry)
    if receipt["leaf_hash"] != hashed.hex():
        raise Mismatch("the receipt's leaf_hash is not the hash of its entry")
    if RECEIPT_ACTIONS.get(receipt["action"]) != item["type"]:
        raise Mismatch(f"the receipt's action {receipt['action']!r} does not match its {item['type']} entry")
    if receipt.get("promise") is not None:
        try:
            origin, promised, at, mmd = parse_promise(open_note(str(receipt["promise"]), context["keys"]))
        except NoteError as error:
            raise Mismatch(f"the receipt's promise of inclusion does not hold: {error}") from None
        if origin != context["origin"] or promised != hashed:
            raise Mismatch("the receipt's promise is for another log or another entry")
    if receipt["proposal"] not in state.codes_ever.get(item["proposal"], ()):
        raise Mismatch(f"the receipt names proposal {receipt['proposal']}; its entry is about another one")
    index = receipt.get("leaf_index")
    if index is not None:
        if not _natural(index) or index >= size or context["leaf_hashes"][index] != hashed:
            raise Mismatch(f"entry {index} of the log is not the receipt's entry: it was removed or altered")
    else:
        index = context["found"]
        if index is None:
            raise Mismatch("the receipt's entry is not in the log (it may not be integrated yet: compare the "
                           "promise's time and delay with the bundle's)")
    proof = inclusion_path(context["leaf_hashes"], index, size)
    try:
        verify_inclusion(hashed, index, size, proof, context["root"])
    except ProofError as error:
        raise Mismatch(f"the inclusion proof of the receipt's entry does not hold: {error}") from None
    return (f"receipt: the {item['type']} entry is entry {index} of the log; its inclusion proof "
            f"({len(proof)} hashes) checks against the checkpoint's root")


def check_since(message, context):
    """Check that the log extends an older checkpoint (its signed note); return a sentence saying what holds."""
    origin, old_size, old_root = check_checkpoint(message, context["keys"], "the old checkpoint")
    size, root = context["size"], context["root"]
    if origin != context["origin"]:
        raise Mismatch(f"the old checkpoint is of the log {origin}, not {context['origin']}")
    if old_size > size:
        raise Mismatch(f"the old checkpoint has {old_size} entries, the bundle's log only {size}: entries were removed")
    if old_size == 0:
        if old_root != EMPTY_ROOT:
            raise Mismatch("the old checkpoint of an empty log has a root that is not the empty tree's")
        return "since: the old checkpoint is of the empty log, which every log extends"
    proof = consistency_path(context["leaf_hashes"], old_size, size)
    try:
        verify_consistency(old_size, size, proof, old_root, root)
    except ProofError:
        raise Mismatch(f"the log does not extend the old checkpoint: its first {old_size} entries are not the "
                       "ones the old checkpoint signed (entries were removed or rewritten)") from None
    return (f"since: the log extends the old checkpoint of {old_size} entries; the consistency proof "
            f"({len(proof)} hashes) checks")


def verify(bundle_path, receipt_path=None, since_path=None, key_arguments=()):
    """Run every check; return (report lines, figures). Raises Mismatch or Unreadable."""
    report = []
    # The other inputs are read first: one that cannot be read stops the run before the long checks.
    receipt = load_receipt(receipt_path) if receipt_path is not None else None
    old_checkpoint = _read_input(since_path, "old checkpoint") if since_path is not None else None
    bundle = Bundle(bundle_path)
    manifest, described = check_manifest(bundle)
    report.append(f"manifest.json: {len(manifest['files'])} files, every size and SHA-256 matches")
    keys, source = _keys(bundle, key_arguments)
    origin, size, root = check_checkpoint(bundle.text(CHECKPOINT), keys, "the checkpoint")
    report.append(f"checkpoint: signed by the log's key ({source}); {origin}, {size} entries")
    if described != (origin, size, base64.b64encode(root).decode("ascii")):
        raise Mismatch("manifest.json describes another checkpoint than checkpoint.txt")

    wanted = receipt["entry"].encode("utf-8") if receipt is not None else None
    # Proofs for a receipt or an old checkpoint need every leaf hash; the root alone does not.
    keep = receipt is not None or old_checkpoint is not None
    leaf_hashes, found, counted = [], None, Frontier()
    state, replay_error = Replay(), None
    for index, line in enumerate(bundle.lines(LEDGER)):
        hashed = leaf_hash(line)
        counted.append(hashed)
        if keep:
            leaf_hashes.append(hashed)
        if found is None and line == wanted:
            found = index
        if replay_error is None:
            try:
                state.apply(parse_entry(line))
            except ValueError as error:
                # Kept for later: a log that is not the signed one is the first thing to say.
                replay_error = f"entry {index} of the log cannot be replayed: {error}"
    if counted.n != size:
        raise Mismatch(f"{LEDGER} holds {counted.n} entries; the checkpoint signs {size}: the log was cut or extended")
    if counted.root() != root:
        raise Mismatch(f"the Merkle root of {LEDGER} is not the checkpoint's: an entry was changed, removed or added")
    if replay_error is not None:
        raise Mismatch(replay_error)
    report.append(f"{LEDGER}: {size} entries, canonical, whose Merkle root is the checkpoint's")
    if state.consultation is not None:
        if manifest.get("consultation") != state.consultation:
            raise Mismatch(f"manifest.json names the consultation {manifest.get('consultation')}; the log {state.consultation}")
        if not origin.endswith("/" + state.consultation):
            raise Mismatch(f"the checkpoint's origin {origin} is not the log of {state.consultation}")

    figures = state.figures()
    check_summary(bundle, figures)
    check_proposals(bundle, state)
    if DEPARTMENTS in bundle.names:
        check_departments(bundle, figures)
    check_comments(bundle, state)
    report.append(f"figures: {SUMMARY}, {PROPOSALS}, the comment texts"
                  + (f" and {DEPARTMENTS}" if DEPARTMENTS in bundle.names else "") + " agree with the replay of the log")
    context = {"state": state, "size": size, "root": root, "origin": origin, "keys": keys,
               "leaf_hashes": leaf_hashes, "found": found}
    if receipt is not None:
        report.append(check_receipt(receipt, context))
    if old_checkpoint is not None:
        report.append(check_since(old_checkpoint, context))
    result = {"tree_size": size, "root_hash": base64.b64encode(root).decode("ascii")}
    result.update(figures)
    return report, result


def main(argv=None):
    """The command line; returns the exit status."""
    parser = argparse.ArgumentParser(prog="verify.py", description="Check an aga_consulta open-data bundle.")
    parser.add_argument("bundle", help="the bundle, BUNDLE.zip")
    parser.add_argument("--receipt", help="a receipt (JSON) to find in the log")
    parser.add_argument("--since", metavar="OLD_CHECKPOINT", help="an older checkpoint the log must extend")
    parser.add_argument("--key", action="append", default=[],
                        help="the log's verifier key (name+hash+key, or a file holding it); repeatable")
    arguments = parser.parse_args(argv)
    try:
        report, figures = verify(arguments.bundle, arguments.receipt, arguments.since, arguments.key)
    except Unreadable as error:
        print(f"verify.py: {error}", file=sys.stderr)
        return 2
    except ImportError:
        print("verify.py needs the cryptography package: pip install cryptography", file=sys.stderr)
        return 2
    except Mismatch as error:
        print(f"MISMATCH: {error}")
        return 1
    for line in report:
        print(line)
    print(json.dumps(figures, ensure_ascii=False, separators=(",", ":")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
