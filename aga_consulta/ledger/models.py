"""The stored log: entries as committed, the Merkle tree's nodes, signed checkpoints."""
from aga_consulta.extensions import db
from aga_consulta.timeutil import utcnow

#: The entries about a consultation's window; the sequencer writes the closing after the latest.
WINDOW_KINDS = ("consultation.opened", "consultation.redated", "consultation.closed")
WINDOW_CONDITION = f"kind IN ({', '.join(repr(kind) for kind in WINDOW_KINDS)})"


class TransparencyEntry(db.Model):
    """One entry of a consultation's log; `leaf_index` is set when the sequencer integrates it."""

    __tablename__ = "transparency_entries"
    __table_args__ = (
        db.UniqueConstraint("consultation_id", "leaf_index", name="uq_transparency_entries_leaf"),
        db.CheckConstraint("leaf_index IS NULL OR leaf_index >= 0", name="leaf_index_natural"),
        # The sequencer's query: a consultation's entries not integrated yet, by id. Partial,
        # so that it holds only what waits: a full index made every run walk every entry
        # integrated before (and every row version they left, until VACUUM), growing per run.
        db.Index("ix_transparency_entries_waiting", "consultation_id", "id",
                 postgresql_where=db.text("leaf_index IS NULL"), sqlite_where=db.text("leaf_index IS NULL")),
        # The latest window entry of a log (is its closing due?): a handful of rows among the votes.
        db.Index("ix_transparency_entries_window", "consultation_id", "id",
                 postgresql_where=db.text(WINDOW_CONDITION), sqlite_where=db.text(WINDOW_CONDITION)),
        # A citizen's receipts: their pseudonym in one consultation.
        db.Index("ix_transparency_entries_participant", "consultation_id", "participant"),
    )

    #: From the database's sequence: commit order within a consultation is close to id order,
    #: and the sequencer integrates by id.
    id = db.Column(db.BigInteger().with_variant(db.Integer, "sqlite"), primary_key=True, autoincrement=True)
    consultation_id = db.Column(
        db.Integer, db.ForeignKey("consultations.id", ondelete="CASCADE"), nullable=False
    )
    #: The canonical JSON bytes, exactly as hashed.
    entry = db.Column(db.LargeBinary, nullable=False)
    leaf_hash = db.Column(db.LargeBinary(32), nullable=False)
    #: The entry's type, and the pseudonym of a citizen's act: copies of fields of `entry`,
    #: so that receipts and the closing entry are found without parsing every entry.
    kind = db.Column(db.String(32), nullable=False)
    participant = db.Column(db.String(24))
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
    leaf_index = db.Column(db.BigInteger)


class TransparencyNode(db.Model):
    """A node of a log's tree: the root of leaves index*2^level .. (index+1)*2^level - 1."""

    __tablename__ = "transparency_nodes"

    consultation_id = db.Column(
        db.Integer, db.ForeignKey("consultations.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    level = db.Column(db.SmallInteger, primary_key=True, autoincrement=False)
    index = db.Column(db.BigInteger, primary_key=True, autoincrement=False)
    hash = db.Column(db.LargeBinary(32), nullable=False)


class TransparencyCheckpoint(db.Model):
    """A signed checkpoint of a log (the latest is the one published)."""

    __tablename__ = "transparency_checkpoints"
    __table_args__ = (
        db.UniqueConstraint("consultation_id", "size", name="uq_transparency_checkpoints_size"),
        db.CheckConstraint("size >= 0", name="size_natural"),
    )

    id = db.Column(db.Integer, primary_key=True)
    consultation_id = db.Column(
        db.Integer, db.ForeignKey("consultations.id", ondelete="CASCADE"), nullable=False
    )
    size = db.Column(db.BigInteger, nullable=False)
    root_hash = db.Column(db.LargeBinary(32), nullable=False)
    note = db.Column(db.Text, nullable=False)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow)
