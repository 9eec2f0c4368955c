"""Integrating never rewrites an entry: a queue of waiting entries and a table of leaves (issue 14).

The sequencer used to set `leaf_index` on the entry's own row. That column was indexed, so
every integration wrote a new version of a wide row (the entry's bytes) with three new index
entries, about 780 bytes of WAL per vote, on the cores the vote uses. Now:

- `transparency_pending` (consultation, entry) holds what waits. A trigger on the entries'
  insert writes it, so no writer can forget it; the sequencer deletes it.
- `transparency_leaves` (consultation, leaf index, entry) is what the sequencer writes, a
  narrow row; entries are append-only.

The existing leaf indexes move to the new table and the entries not integrated yet are
queued; `leaf_index`, its unique constraint, its check and the partial index of waiting
entries go. PostgreSQL fires its trigger once per statement over the inserted rows (a
transition table), SQLite once per row.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-01 11:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None

ENTRIES = 'transparency_entries'
TRIGGER = 'transparency_entries_queue'
FUNCTION = 'transparency_entries_queue'
ENTRY_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def _create_trigger():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(
            f"CREATE FUNCTION {FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "INSERT INTO transparency_pending (consultation_id, entry_id) SELECT consultation_id, id FROM inserted; "
            "RETURN NULL; END $$"
        )
        op.execute(f"CREATE TRIGGER {TRIGGER} AFTER INSERT ON {ENTRIES} REFERENCING NEW TABLE AS inserted "
                   f"FOR EACH STATEMENT EXECUTE FUNCTION {FUNCTION}()")
    else:
        op.execute(f"CREATE TRIGGER {TRIGGER} AFTER INSERT ON {ENTRIES} FOR EACH ROW BEGIN "
                   "INSERT INTO transparency_pending (consultation_id, entry_id) VALUES (NEW.consultation_id, NEW.id); "
                   "END")


def _drop_trigger():
    op.execute(f"DROP TRIGGER {TRIGGER}" + (f" ON {ENTRIES}" if op.get_bind().dialect.name == 'postgresql' else ""))
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f"DROP FUNCTION {FUNCTION}()")


def _leaves_table():
    op.create_table(
        'transparency_leaves',
        sa.Column('consultation_id', sa.Integer(), nullable=False),
        sa.Column('leaf_index', sa.BigInteger(), nullable=False),
        sa.Column('entry_id', ENTRY_ID, nullable=False),
        sa.CheckConstraint('leaf_index >= 0', name=op.f('ck_transparency_leaves_leaf_index_natural')),
        sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'],
                                name=op.f('fk_transparency_leaves_consultation_id_consultations'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['entry_id'], ['transparency_entries.id'],
                                name=op.f('fk_transparency_leaves_entry_id_transparency_entries'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('consultation_id', 'leaf_index', name=op.f('pk_transparency_leaves')),
        sa.UniqueConstraint('entry_id', name=op.f('uq_transparency_leaves_entry_id')),
    )


# The leaf indexes wait in a plain table while the entries change: SQLite rebuilds that table
# (drop and rename), and with foreign keys on, dropping it would cascade to the rows of the
# new tables, which refer to it.
STAGE = 'transparency_leaves_stage'


def upgrade():
    op.execute(f"CREATE TABLE {STAGE} AS SELECT consultation_id, leaf_index, id AS entry_id FROM {ENTRIES}")
    op.drop_index('ix_transparency_entries_waiting', table_name=ENTRIES)
    # SQLite cannot drop a column under a constraint: batch mode rebuilds the table there (and
    # its remaining indexes); PostgreSQL drops them in place.
    with op.batch_alter_table(ENTRIES) as batch:
        batch.drop_constraint('uq_transparency_entries_leaf', type_='unique')
        batch.drop_constraint(op.f('ck_transparency_entries_leaf_index_natural'), type_='check')
        batch.drop_column('leaf_index')
    op.create_table(
        'transparency_pending',
        sa.Column('consultation_id', sa.Integer(), nullable=False),
        sa.Column('entry_id', ENTRY_ID, nullable=False),
        sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'],
                                name=op.f('fk_transparency_pending_consultation_id_consultations'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['entry_id'], ['transparency_entries.id'],
                                name=op.f('fk_transparency_pending_entry_id_transparency_entries'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('consultation_id', 'entry_id', name=op.f('pk_transparency_pending')),
    )
    op.execute("INSERT INTO transparency_pending (consultation_id, entry_id) "
               f"SELECT consultation_id, entry_id FROM {STAGE} WHERE leaf_index IS NULL")
    _leaves_table()
    op.execute("INSERT INTO transparency_leaves (consultation_id, leaf_index, entry_id) "
               f"SELECT consultation_id, leaf_index, entry_id FROM {STAGE} WHERE leaf_index IS NOT NULL")
    op.drop_table(STAGE)
    _create_trigger()


def downgrade():
    _drop_trigger()
    op.execute(f"CREATE TABLE {STAGE} AS SELECT consultation_id, leaf_index, entry_id FROM transparency_leaves")
    op.drop_table('transparency_leaves')
    op.drop_table('transparency_pending')
    with op.batch_alter_table(ENTRIES) as batch:
        batch.add_column(sa.Column('leaf_index', sa.BigInteger(), nullable=True))
        batch.create_check_constraint(op.f('ck_transparency_entries_leaf_index_natural'),
                                      'leaf_index IS NULL OR leaf_index >= 0')
        batch.create_unique_constraint('uq_transparency_entries_leaf', ['consultation_id', 'leaf_index'])
    # Indexed first: the UPDATE looks up each entry's leaf, and without it a million-entry log
    # would scan the stage once per entry. Only the integrated ones: the others stay NULL.
    op.create_index(f"ix_{STAGE}_entry", STAGE, ["entry_id"])
    op.execute(f"UPDATE {ENTRIES} SET leaf_index = (SELECT leaf_index FROM {STAGE} WHERE {STAGE}.entry_id = {ENTRIES}.id) "
               f"WHERE id IN (SELECT entry_id FROM {STAGE})")
    op.drop_table(STAGE)
    op.create_index('ix_transparency_entries_waiting', ENTRIES, ['consultation_id', 'id'],
                    postgresql_where=sa.text('leaf_index IS NULL'), sqlite_where=sa.text('leaf_index IS NULL'))
