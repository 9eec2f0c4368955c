"""The log's entries: one canonical JSON object per act that changes a figure (schema v1).

docs/transparency.md is the schema's description; `SCHEMA` is its table, which
verify.py holds a copy of (tests check that both agree). Every entry has `v` (1), `type`
and `at` (UTC, to the minute: exact times of citizens' acts could identify them), plus the
fields of its type. People appear only as `pseudonym`s, texts only as SHA-256 hashes,
proposals, comments and votes by their database ids (proposals' and comments' ids are
public already; a vote's id ties a withdrawal to its vote and keeps two votes of one
citizen on one proposal in one minute distinct entries).
"""
import hashlib
import hmac
import re
from datetime import datetime

from aga_consulta.timeutil import to_naive_utc
from aga_consulta.transparency import canonical
from aga_consulta.transparency.merkle import leaf_hash

VERSION = 1
SCOPES = ("national", "subnational")
STATUSES = ("received", "shortlisted", "selected", "not_selected")
#: Who hid a comment: a staff member, or the reports threshold (auto-hide).
HIDDEN_BY = ("staff", "reports")

#: Fields of each entry type, besides v, type and at.
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
#: The receipt's action for each entry type a citizen's act appends.
RECEIPT_ACTIONS = {"vote.cast": "vote", "vote.withdrawn": "withdraw", "comment.made": "comment"}

_PSEUDONYM_LABEL = b"aga_consulta/transparency/participant"
_SAFE_INTEGER = 2**53 - 1


def minute(at):
    """Return `at` (naive UTC or aware) as `YYYY-MM-DDTHH:MMZ`, the entries' time."""
    return to_naive_utc(at).strftime("%Y-%m-%dT%H:%MZ")


def second(at):
    """Return `at` (naive UTC or aware) as `YYYY-MM-DDTHH:MM:SSZ`, for public schedules."""
    return to_naive_utc(at).strftime("%Y-%m-%dT%H:%M:%SZ")


def text_sha256(text):
    """Return the hex SHA-256 of `text` as UTF-8: how an entry names a comment's body."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def proposal_text_sha256(title, summary, body):
    """Return the hex SHA-256 of the canonical JSON {"body", "summary", "title"} of a proposal."""
    return hashlib.sha256(canonical.dumps({"title": title, "summary": summary, "body": body})).hexdigest()


def pseudonym(key, consultation_id, user_id):
    """Return a citizen's pseudonym in one consultation's log: `p-` and 80 bits of an HMAC.

    Keyed per consultation, so that the logs of two consultations cannot be joined on it,
    and labelled, so that it never equals the pseudonym of the moderators' exports. The key
    must never change for a log that exists: its entries are fixed.
    """
    message = _PSEUDONYM_LABEL + b"\x00%d\x00%d" % (consultation_id, user_id)
    return "p-" + hmac.digest(key, message, "sha256")[:10].hex()


_FIELD_CHECKS = {
    "consultation": lambda v: isinstance(v, str) and v != "",
    "title": lambda v: isinstance(v, str) and v != "",
    "opens_at": lambda v: isinstance(v, str) and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", v),
    "closes_at": lambda v: isinstance(v, str) and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", v),
    "code": lambda v: isinstance(v, str) and v != "",
    "scope": lambda v: v in SCOPES,
    "department": lambda v: v is None or (isinstance(v, str) and v != ""),
    "text_sha256": lambda v: isinstance(v, str) and re.fullmatch(r"[0-9a-f]{64}", v),
    "from": lambda v: v in STATUSES,
    "to": lambda v: v in STATUSES,
    "reason": lambda v: isinstance(v, str) and v.strip() != "",
    "participant": lambda v: isinstance(v, str) and re.fullmatch(r"p-[0-9a-f]{20}", v),
    "parent": lambda v: v is None or _identifier(v),
    "by": lambda v: v in HIDDEN_BY,
}


def _identifier(value):
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= _SAFE_INTEGER


def entry(kind, at, **fields):
    """Return the canonical bytes of an entry of type `kind` at `at` (a datetime).

    :raises ValueError: an unknown type, a missing or extra field, or a value of the wrong form.
    """
    if kind not in SCHEMA:
        raise ValueError(f"no entry type {kind!r}")
    if set(fields) != set(SCHEMA[kind]):
        raise ValueError(f"a {kind} entry has the fields {', '.join(SCHEMA[kind])}")
    for name, value in fields.items():
        check = _FIELD_CHECKS.get(name, _identifier)
        if not check(value):
            raise ValueError(f"{kind}: {name} = {value!r} is not valid")
    if not isinstance(at, datetime):
        raise ValueError("an entry's time is a datetime")
    if kind.startswith("proposal.") and kind != "proposal.status" and (fields["scope"] == "national") != (fields["department"] is None):
        raise ValueError("a proposal has a department exactly when it is subnational")
    if kind == "proposal.status" and fields["from"] == fields["to"]:
        raise ValueError("a status change changes the status")
    return canonical.dumps({"v": VERSION, "type": kind, "at": minute(at), **fields})


def consultation_opened(at, *, consultation, title, opens_at, closes_at):
    """The log's first entry: the consultation (slug) announced with its window."""
    return entry("consultation.opened", at, consultation=consultation, title=title,
                 opens_at=second(opens_at), closes_at=second(closes_at))


def consultation_redated(at, *, opens_at, closes_at):
    """The consultation's window changed."""
    return entry("consultation.redated", at, opens_at=second(opens_at), closes_at=second(closes_at))


def consultation_closed(at, *, closes_at):
    """The consultation's window ended at `closes_at`."""
    return entry("consultation.closed", at, closes_at=second(closes_at))


def proposal_published(at, *, proposal, code, title, scope, department, text_sha256):
    """A proposal added to the consultation (status received)."""
    return entry("proposal.published", at, proposal=proposal, code=code, title=title, scope=scope,
                 department=department, text_sha256=text_sha256)


def proposal_edited(at, *, proposal, code, title, scope, department, text_sha256):
    """A proposal's public fields after an edit (all of them, changed or not)."""
    return entry("proposal.edited", at, proposal=proposal, code=code, title=title, scope=scope,
                 department=department, text_sha256=text_sha256)


def proposal_status(at, *, proposal, from_status, to_status, reason):
    """A proposal's new status, with the public reason."""
    return entry("proposal.status", at, proposal=proposal, reason=reason, **{"from": from_status, "to": to_status})


def vote_cast(at, *, participant, proposal, vote):
    """A citizen's vote (id `vote`) for a proposal."""
    return entry("vote.cast", at, participant=participant, proposal=proposal, vote=vote)


def vote_withdrawn(at, *, participant, proposal, vote):
    """The citizen withdrew the vote `vote`."""
    return entry("vote.withdrawn", at, participant=participant, proposal=proposal, vote=vote)


def comment_made(at, *, participant, proposal, comment, parent, text_sha256):
    """A comment (or a reply to `parent`), its text as SHA-256."""
    return entry("comment.made", at, participant=participant, proposal=proposal, comment=comment,
                 parent=parent, text_sha256=text_sha256)


def comment_hidden(at, *, comment, by):
    """A comment hidden by staff (`staff`) or by the reports threshold (`reports`)."""
    return entry("comment.hidden", at, comment=comment, by=by)


def comment_restored(at, *, comment):
    """A hidden comment published again by staff."""
    return entry("comment.restored", at, comment=comment, by="staff")


def comment_line(*, comment, proposal, parent, body):
    """Return one line of the bundle's comments.jsonl (newline included): a published comment's text."""
    return canonical.dumps({"comment": comment, "proposal": proposal, "parent": parent, "body": body}) + b"\n"


def receipt(*, consultation, proposal_code, entry_bytes, promise, leaf_index=None):
    """Return a citizen's receipt (the contract's /me/receipts.json item) for a vote, withdrawal or comment.

    `promise` is the signed promise note; `leaf_index` is added once the sequencer has
    integrated the entry.
    """
    kind = canonical.loads(entry_bytes)["type"]
    if kind not in RECEIPT_ACTIONS:
        raise ValueError(f"no receipt for a {kind} entry")
    item = {
        "consultation": consultation,
        "proposal": proposal_code,
        "action": RECEIPT_ACTIONS[kind],
        "entry": entry_bytes.decode("utf-8"),
        "leaf_hash": leaf_hash(entry_bytes).hex(),
        "promise": promise,
    }
    if leaf_index is not None:
        item["leaf_index"] = leaf_index
    return item
