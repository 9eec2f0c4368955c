"""Appending entries, the sequencer, proofs and checkpoints of the consultations' logs.

Writers call `append_entry` inside their own transaction: the entry commits with the act or
not at all, and no lock beyond the writer's own is taken. The sequencer (`integrate`) later
gives the committed entries their leaf indexes, in id order, under a per-consultation lock.
"""
import logging
from datetime import timedelta

from sqlalchemy import (DateTime, Integer, LargeBinary, String, Text, bindparam, cast, func, insert, literal, select,
                        text, tuple_, update)

from aga_consulta.extensions import db
from aga_consulta.ledger import keys
from aga_consulta.ledger.models import WINDOW_KINDS, TransparencyCheckpoint, TransparencyEntry, TransparencyNode
from aga_consulta.timeutil import utcnow
from aga_consulta.transparency import canonical, entries, merkle
from aga_consulta.transparency.note import Checkpoint, Promise, add_signature, sign_checkpoint, sign_promise

log = logging.getLogger(__name__)

#: Most entries integrated per transaction: a batch's nodes and updates stay bounded.
BATCH = 20000
#: Most entries one request to the entries endpoint returns.
MAX_ENTRIES_PER_REQUEST = 1000


def participant(consultation_id, user_id):
    """Return a citizen's pseudonym in one consultation's log."""
    return entries.pseudonym(keys.pseudonym_key(), consultation_id, user_id)


def entry_values(consultation_id, entry_bytes, *, participant=None, at=None):
    """Return the column values of an entry's row: the bytes, their leaf hash and the copied fields."""
    return {
        "consultation_id": consultation_id, "entry": entry_bytes, "leaf_hash": merkle.leaf_hash(entry_bytes),
        "kind": canonical.loads(entry_bytes)["type"], "participant": participant, "created_at": at or utcnow(),
    }


def append_entry(consultation_id, entry_bytes, *, participant=None, at=None):
    """Add an entry to the session's transaction (committed with the act) and return its row."""
    row = TransparencyEntry(**entry_values(consultation_id, entry_bytes, participant=participant, at=at))
    db.session.add(row)
    return row


def insert_entry(consultation_id, entry_bytes, *, participant=None, at=None):
    """Write an entry in the session's transaction with one Core INSERT (no ORM object, no flush)."""
    # The values go as parameters of one statement, compiled once: an INSERT built with
    # .values() each time cost more than running it (the vote's entry on SQLite).
    db.session.execute(insert(TransparencyEntry.__table__),
                       entry_values(consultation_id, entry_bytes, participant=participant, at=at))


#: Stands for the id an entry names before the database has given it (a valid identifier,
#: larger than any INTEGER id, so it cannot occur elsewhere in the entry).
_ID_PLACEHOLDER = 2**53 - 1


def insert_entry_for_new_row(rows):
    """Return an INSERT ... SELECT writing one entry per row of `rows` (a CTE with an `id` column).

    PostgreSQL only: `rows` is typically an INSERT ... RETURNING id, and this statement is
    put beside it in the same WITH, so the act and its entry take one round trip. The
    entry's values are parameters (`new_row_entry_params`), so the statement can be built
    once and reused. The database puts the new row's id into the entry's canonical bytes and
    hashes them exactly as `merkle.leaf_hash` does (tests compare both).
    """
    entry = (bindparam("entry_prefix", type_=LargeBinary).op("||", return_type=LargeBinary)(
        func.convert_to(cast(rows.c.id, Text), "UTF8", type_=LargeBinary))
        .op("||", return_type=LargeBinary)(bindparam("entry_suffix", type_=LargeBinary)))
    leaf = func.sha256(literal(b"\x00", LargeBinary).op("||", return_type=LargeBinary)(entry), type_=LargeBinary)
    columns = ("consultation_id", "entry", "leaf_hash", "kind", "participant", "created_at")
    return insert(TransparencyEntry).from_select(columns, select(
        bindparam("entry_consultation_id", type_=Integer), entry, leaf, bindparam("entry_kind", type_=String),
        bindparam("entry_participant", type_=String), bindparam("entry_at", type_=DateTime),
    ).select_from(rows))


def new_row_entry_params(make_entry, consultation_id, *, participant=None, at=None):
    """Return the parameters of `insert_entry_for_new_row` for the entry `make_entry(id)` of the new row.

    `make_entry` is called once, with a placeholder id, and the bytes are split around it.
    """
    template = make_entry(_ID_PLACEHOLDER)
    prefix, found, suffix = template.partition(b"%d" % _ID_PLACEHOLDER)
    if not found or b"%d" % _ID_PLACEHOLDER in suffix:
        raise ValueError("the entry must name the new row's id exactly once")
    return {"entry_prefix": prefix, "entry_suffix": suffix, "entry_consultation_id": consultation_id,
            "entry_kind": canonical.loads(template)["type"], "entry_participant": participant,
            "entry_at": at or utcnow()}


#: The first key of the sequencer's advisory locks (the second is the consultation's id):
#: "log" in ASCII, so that no other advisory lock of the database can mean the same.
LOG_LOCK_NAMESPACE = 0x6C6F67


def _lock_log(consultation_id):
    # PostgreSQL: a transaction-level advisory lock per log serialises its sequencers and
    # nothing else. It used to be FOR NO KEY UPDATE on the consultation's row, which the
    # writers' foreign keys (FOR KEY SHARE) do not wait for; yet with the site's own sequencer
    # on, the vote lost 16-22 % of its throughput to the log, and 8 % with this lock
    # (bench/log_cost.py, docs/performance.md); likely each key-share lock taken while a
    # run held the row became a multixact.
    # SQLite: the first write of the transaction takes the database's write lock (an UPDATE
    # that matches nothing still does), and every read below then sees the committed state.
    consultations = db.metadata.tables["consultations"]
    if db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(update(TransparencyCheckpoint).where(TransparencyCheckpoint.id == -1).values(size=0))
    else:
        db.session.execute(select(func.pg_advisory_xact_lock(LOG_LOCK_NAMESPACE, consultation_id)))
    return db.session.execute(
        select(consultations.c.slug, consultations.c.closes_at).where(consultations.c.id == consultation_id)
    ).one_or_none()


def tree_size(consultation_id):
    """Return the size of the latest checkpoint of the consultation's log (0 before any)."""
    return db.session.scalar(
        select(func.coalesce(func.max(TransparencyCheckpoint.size), 0))
        .where(TransparencyCheckpoint.consultation_id == consultation_id)
    )


#: Inner nodes are stored at every STORED_LEVELS-th level only (4, 8, 12...); a node between
#: two stored levels is computed from at most 2**(STORED_LEVELS-1) nodes of the level below
#: it that is stored (or from the entries' leaf hashes). A batch then writes one node for
#: about fifteen entries instead of one per entry (what most of a run's database time went
#: to), while a proof reads at most eight times the rows, still O(log n). Logs written
#: before kept every level: the levels in between are simply no longer read.
STORED_LEVELS = 4


def _stored_below(level, index):
    """Return the stored level under node (level, index) and the range of its nodes there that make it."""
    base = level - level % STORED_LEVELS
    span = 1 << (level - base)
    return base, range(index * span, (index + 1) * span)


def _node_reader(consultation_id, wanted):
    """Return hash_at(level, index) over the tree's nodes `wanted`, read in a query or two."""
    found = {}
    needed = {(base, position) for level, index in wanted
              for base, positions in [_stored_below(level, index)] for position in positions}
    # The leaves (level 0) are the entries' own leaf hashes, never stored twice (`_store`).
    leaves = sorted(index for level, index in needed if level == 0)
    inner = sorted((level, index) for level, index in needed if level > 0)
    for start in range(0, len(leaves), 500):
        rows = db.session.execute(
            select(TransparencyEntry.leaf_index, TransparencyEntry.leaf_hash).where(
                TransparencyEntry.consultation_id == consultation_id,
                TransparencyEntry.leaf_index.in_(leaves[start:start + 500]),
            )
        )
        found.update({(0, index): hashed for index, hashed in rows})
    for start in range(0, len(inner), 500):
        rows = db.session.execute(
            select(TransparencyNode.level, TransparencyNode.index, TransparencyNode.hash).where(
                TransparencyNode.consultation_id == consultation_id,
                tuple_(TransparencyNode.level, TransparencyNode.index).in_(inner[start:start + 500]),
            )
        )
        found.update({(level, index): hashed for level, index, hashed in rows})

    def hash_at(level, index):
        base, positions = _stored_below(level, index)
        try:
            hashes = [found[(base, position)] for position in positions]
        except KeyError:
            raise LookupError(f"node ({level}, {index}) of log {consultation_id} is not stored") from None
        while len(hashes) > 1:  # a perfect subtree: pair up, level by level
            hashes = [merkle.node_hash(hashes[i], hashes[i + 1]) for i in range(0, len(hashes), 2)]
        return hashes[0]
    return hash_at


def _closing_due(consultation_id, closes_at, now):
    """Return the window's end if the log must now say the consultation closed, else None.

    Written once the end has passed, unless the latest window entry (opened, re-dated or
    closed), in log order, already says so; a later re-dating re-opens the question.
    """
    if closes_at is None or now < closes_at:
        return None
    if db.session.get_bind().dialect.name != "sqlite":
        # The rare path: lock the consultation's row, so that a re-dating in flight (its UPDATE
        # holds the row) is waited for and then seen, and one that starts later waits for this
        # batch: a consultation extended at the last moment is never logged as closed.
        # SQLite already holds the database's write lock.
        consultations = db.metadata.tables["consultations"]
        closes_at = db.session.scalar(
            select(consultations.c.closes_at).where(consultations.c.id == consultation_id)
            .with_for_update(key_share=True)
        )
        if closes_at is None or now < closes_at:
            return None
    latest = db.session.scalar(
        select(TransparencyEntry.kind).where(
            TransparencyEntry.consultation_id == consultation_id,
            TransparencyEntry.kind.in_(WINDOW_KINDS),
        )
        # Log order: the integrated by leaf index, then the waiting ones, which the sequencer
        # appends after them by id (an entry can take its id before one it commits after).
        .order_by(TransparencyEntry.leaf_index.is_(None).desc(), TransparencyEntry.leaf_index.desc(),
                  TransparencyEntry.id.desc())
        .limit(1)
    )
    return closes_at if latest is not None and latest != "consultation.closed" else None


def _store(consultation_id, nodes, entry_ids, size):
    """Store a batch's new inner nodes, and give the entries `entry_ids` (in order) the leaf indexes from `size` on."""
    # Level 0 is left out: a leaf's hash is its entry's `leaf_hash`, found by leaf index.
    # Storing it again was half the rows a batch wrote (and a vote's share of the sequencer).
    # Of the levels above, every STORED_LEVELS-th (`_node_reader` computes the others).
    nodes = [node for node in nodes if node[0] > 0 and node[0] % STORED_LEVELS == 0]
    if db.session.get_bind().dialect.name == "postgresql":
        # One statement each over arrays: a row at a time, a million-entry backlog would
        # spend most of its time in round trips.
        db.session.execute(text(
            'INSERT INTO transparency_nodes (consultation_id, level, "index", hash) '
            "SELECT :consultation_id, * FROM unnest(CAST(:levels AS smallint[]), CAST(:indexes AS bigint[]), "
            "CAST(:hashes AS bytea[]))"
        ), {"consultation_id": consultation_id, "levels": [n[0] for n in nodes], "indexes": [n[1] for n in nodes],
            "hashes": [n[2] for n in nodes]})
        db.session.execute(text(
            "UPDATE transparency_entries SET leaf_index = :size + batch.position - 1 "
            "FROM unnest(CAST(:ids AS bigint[])) WITH ORDINALITY AS batch(id, position) "
            "WHERE transparency_entries.id = batch.id"
        ), {"size": size, "ids": entry_ids})
        return
    if nodes:
        db.session.execute(
            TransparencyNode.__table__.insert(),
            [{"consultation_id": consultation_id, "level": level, "index": index, "hash": hashed}
             for level, index, hashed in nodes],
        )
    db.session.execute(
        TransparencyEntry.__table__.update()
        .where(TransparencyEntry.__table__.c.id == bindparam("entry_id"))
        .values(leaf_index=bindparam("new_index")),
        [{"entry_id": entry_id, "new_index": size + offset} for offset, entry_id in enumerate(entry_ids)],
    )


def pending_entries(consultation_id, limit=None):
    """Return the query of a log's first `limit` (default BATCH) entries not integrated yet (id, leaf hash), by id."""
    return (
        select(TransparencyEntry.id, TransparencyEntry.leaf_hash)
        .where(TransparencyEntry.consultation_id == consultation_id, TransparencyEntry.leaf_index.is_(None))
        .order_by(TransparencyEntry.id).limit(BATCH if limit is None else limit)
    )


def integrate(consultation_id, now=None):
    """Integrate the committed entries of one log not integrated yet; return how many.

    Each batch is one transaction: the nodes, the leaf indexes and the signed checkpoint
    commit together, so a run killed mid-batch leaves nothing and the next carries on; two
    runs serialise on the log's lock and the second finds nothing left to do.
    """
    now = now or utcnow()
    done = 0
    db.session.commit()  # the lock must be this transaction's first statement
    while True:
        locked = _lock_log(consultation_id)
        if locked is None:
            db.session.rollback()
            return done
        slug, closes_at = locked
        closed_at = _closing_due(consultation_id, closes_at, now) if done == 0 else None
        if closed_at is not None:
            append_entry(consultation_id, entries.consultation_closed(closed_at, closes_at=closed_at), at=now)
            db.session.flush()
        pending = db.session.execute(pending_entries(consultation_id)).all()
        if not pending:
            db.session.rollback()
            return done
        size = tree_size(consultation_id)
        hash_at = _node_reader(consultation_id, merkle.plan_nodes(merkle.root_plan(size)))
        nodes, root_hash = merkle.append_leaves(hash_at, size, [row.leaf_hash for row in pending])
        _store(consultation_id, nodes, [row.id for row in pending], size)
        new_size = size + len(pending)
        note = sign_checkpoint(Checkpoint(keys.origin(slug), new_size, root_hash), keys.signer())
        db.session.add(TransparencyCheckpoint(
            consultation_id=consultation_id, size=new_size, root_hash=root_hash, note=note, created_at=now,
        ))
        db.session.commit()
        done += len(pending)
        if len(pending) < BATCH:
            return done


def sign_latest_with_current_key():
    """Add the current key's signature to each log's latest checkpoint that lacks it; return how many.

    After a key rotation a log that receives no new entry (a closed consultation) would keep
    a checkpoint only the old key signed, and its bundle, which carries the current key,
    could not be checked. The old signature stays beside the new one.
    """
    current = keys.signer()
    signed = 0
    for consultation_id in consultation_ids():
        latest = latest_checkpoint(consultation_id)
        if latest is None:
            continue
        note = add_signature(latest.note, current)
        if note != latest.note:
            latest.note = note
            signed += 1
    db.session.commit()
    return signed


def consultation_ids():
    """Return the ids of every consultation."""
    consultations = db.metadata.tables["consultations"]
    return list(db.session.scalars(select(consultations.c.id).order_by(consultations.c.id)))


def integrate_all(now=None):
    """Run the sequencer once over every consultation; return {consultation_id: entries integrated}."""
    return {cid: integrate(cid, now=now) for cid in consultation_ids()}


def oldest_pending_query():
    """Return the query of when the oldest entry not integrated yet was written (None: nothing waits)."""
    return select(func.min(TransparencyEntry.created_at)).where(TransparencyEntry.leaf_index.is_(None))


def oldest_pending_at():
    """Return when the oldest entry not integrated yet was written, or None."""
    return db.session.scalar(oldest_pending_query())


def integrate_if_due(now=None):
    """Integrate every log when an entry has waited half the MMD or more; return {log id: entries} or None.

    The site's thread (ledger/sequencer.py) asks every quarter MMD, which leaves a quarter for
    the run itself.
    """
    now = now or utcnow()
    oldest = oldest_pending_at()
    db.session.rollback()
    if oldest is None or now - oldest < timedelta(seconds=keys.mmd() / 2):
        return None
    return integrate_all(now=now)


def latest_checkpoint(consultation_id):
    """Return the latest TransparencyCheckpoint of the log, or None."""
    return db.session.scalar(
        select(TransparencyCheckpoint).where(TransparencyCheckpoint.consultation_id == consultation_id)
        .order_by(TransparencyCheckpoint.size.desc()).limit(1)
    )


def entries_range(consultation_id, start, end):
    """Return the canonical bytes of the integrated entries start .. end-1 (fewer past the tree)."""
    return list(db.session.scalars(
        select(TransparencyEntry.entry).where(
            TransparencyEntry.consultation_id == consultation_id,
            TransparencyEntry.leaf_index >= start, TransparencyEntry.leaf_index < end,
        ).order_by(TransparencyEntry.leaf_index)
    ))


def iter_log(consultation_id, size, chunk=5000):
    """Yield the canonical bytes of entries 0 .. size-1 in order, a chunk at a time."""
    for start in range(0, size, chunk):
        yield from entries_range(consultation_id, start, min(size, start + chunk))


def _prove(consultation_id, plan):
    return [h.hex() for h in merkle.assemble(plan, _node_reader(consultation_id, merkle.plan_nodes(plan)))]


def inclusion_proof(consultation_id, index, size, published=None):
    """Return the RFC 9162 inclusion proof (hex hashes) of leaf `index` in the tree of `size`.

    `published` is the published tree's size when the caller has read it already.

    :raises ValueError: the index or size is out of the published tree.
    """
    if size > (tree_size(consultation_id) if published is None else published):
        raise ValueError("the tree size is larger than the published tree")
    return _prove(consultation_id, merkle.inclusion_plan(index, size))


def consistency_proof(consultation_id, first, second, published=None):
    """Return the RFC 9162 consistency proof (hex hashes) from the tree of `first` to that of `second`.

    `published` is the published tree's size when the caller has read it already.

    :raises ValueError: the sizes are out of order or out of the published tree.
    """
    if second > (tree_size(consultation_id) if published is None else published):
        raise ValueError("the second size is larger than the published tree")
    if first == second:
        merkle.consistency_plan(first, second)  # refuses 0
        return []
    return _prove(consultation_id, merkle.consistency_plan(first, second))


def promise(slug, entry_row):
    """Return the signed promise of inclusion of a stored entry (deterministic: Ed25519)."""
    at = entry_row.created_at.replace(microsecond=0)
    return sign_promise(Promise(keys.origin(slug), entry_row.leaf_hash, at, keys.mmd()), keys.signer())


def receipts(user_id, consultations, proposal_codes):
    """Return a citizen's receipts (contract items), newest first.

    `consultations` is {id: slug} of the consultations to look in; `proposal_codes` maps
    proposal id to code. The pseudonym is computed per consultation, so nothing links a
    receipt to the account in the database.
    """
    items = []
    for consultation_id, slug in consultations.items():
        rows = db.session.scalars(
            select(TransparencyEntry).where(
                TransparencyEntry.consultation_id == consultation_id,
                TransparencyEntry.participant == participant(consultation_id, user_id),
                TransparencyEntry.kind.in_(tuple(entries.RECEIPT_ACTIONS)),
            ).order_by(TransparencyEntry.id.desc())
        )
        for row in rows:
            proposal_id = canonical.loads(row.entry)["proposal"]
            item = entries.receipt(
                consultation=slug, proposal_code=proposal_codes.get(proposal_id, str(proposal_id)),
                entry_bytes=row.entry, promise=promise(slug, row), leaf_index=row.leaf_index,
            )
            item["id"] = row.id
            items.append((row.created_at, row.id, item))
    items.sort(key=lambda t: (t[0], t[1]), reverse=True)
    return [item for _, _, item in items]


def log_by_slug(slug):
    """Return (id, slug, size) of the consultation whose log is named by `slug` (size: its published tree), or None."""
    if not slug or len(slug) > 80:
        return None
    consultations = db.metadata.tables["consultations"]
    size = (select(func.coalesce(func.max(TransparencyCheckpoint.size), 0))
            .where(TransparencyCheckpoint.consultation_id == consultations.c.id).scalar_subquery())
    return db.session.execute(
        select(consultations.c.id, consultations.c.slug, size.label("size")).where(consultations.c.slug == slug)
    ).one_or_none()
