"""The log of a consultation recorded before the log existed, rebuilt from its rows in time order.

Pure: the caller reads the rows (the migration with SQL on the tables as they stood, the
`flask transparency backfill` command with the app's tables) and this module turns them into
entries. Rows are objects with attributes named like the columns.
"""
import hashlib
import hmac

from aga_consulta.transparency import entries

_PSEUDONYM_KEY_LABEL = b"aga_consulta/transparency/pseudonym"

# Acts of the same instant keep the order in which they can happen: the consultation, its
# proposals, their statuses, then citizens' acts, and moderation last. A withdrawal ranks with
# the acts by its vote's id (then after its own cast): a vote withdrawn and cast again in
# the same instant is withdrawn first.
_OPENED, _PUBLISHED, _STATUS, _ACT, _HIDDEN = range(5)


def pseudonym_key(configured, secret_key):
    """Return the key of the log's pseudonyms: `configured` (TRANSPARENCY_PSEUDONYM_KEY), else derived from `secret_key`."""
    if configured:
        return configured.encode()
    return hmac.new(str(secret_key).encode(), _PSEUDONYM_KEY_LABEL, hashlib.sha256).digest()


def acts(consultation, proposals, decisions, votes, comments, key):
    """Return [(at, entry bytes, participant or None)] of every recorded act of a consultation, in time order.

    `key` is the pseudonym key. The tables keep only a comment's latest moderation and a
    proposal's latest text: a comment hidden now is logged as hidden at that moderation
    (restorations before it are not in the log), a proposal as published with its current text.
    """
    cid = consultation.id
    found = []
    for p in proposals:
        found.append((p.created_at, _PUBLISHED, p.id, 0, entries.proposal_published(
            p.created_at, proposal=p.id, code=p.code, title=p.title, scope=p.scope,
            department=p.department_code or None,
            text_sha256=entries.proposal_text_sha256(p.title, p.summary or "", p.body or "")), None))
    for d in decisions:
        found.append((d.created_at, _STATUS, d.id, 0, entries.proposal_status(
            d.created_at, proposal=d.proposal_id, from_status=d.from_status, to_status=d.to_status,
            reason=d.reason), None))
    for v in votes:
        who = entries.pseudonym(key, cid, v.user_id)
        found.append((v.cast_at, _ACT, v.id, 0, entries.vote_cast(
            v.cast_at, participant=who, proposal=v.proposal_id, vote=v.id), who))
        if v.withdrawn_at is not None:
            found.append((v.withdrawn_at, _ACT, v.id, 1, entries.vote_withdrawn(
                v.withdrawn_at, participant=who, proposal=v.proposal_id, vote=v.id), who))
    for m in comments:
        who = entries.pseudonym(key, cid, m.user_id)
        found.append((m.created_at, _ACT, m.id, 0, entries.comment_made(
            m.created_at, participant=who, proposal=m.proposal_id, comment=m.id, parent=m.parent_id,
            text_sha256=entries.text_sha256(m.body)), who))
        if m.status == "hidden":
            at = m.moderated_at or m.auto_hidden_at or m.created_at
            by = "reports" if m.auto_hidden_at is not None else "staff"
            found.append((at, _HIDDEN, m.id, 0, entries.comment_hidden(at, comment=m.id, by=by), None))
    found.sort(key=lambda act: act[:4])
    # The log opens with the consultation, dated no later than its first act: a consultation
    # loaded after the fact (a reconstruction) may hold acts older than its row.
    opened_at = min([consultation.created_at] + [act[0] for act in found[:1]])
    found.insert(0, (opened_at, _OPENED, 0, 0, entries.consultation_opened(
        opened_at, consultation=consultation.slug, title=consultation.title,
        opens_at=consultation.opens_at, closes_at=consultation.closes_at), None))
    return [(at, item, who) for at, _, _, _, item, who in found]
