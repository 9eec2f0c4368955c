"""Proposal search that ignores accents and case (issue 16).

PostgreSQL: the unaccent extension, an immutable wrapper of it (an index expression must be
immutable, and unaccent() is only stable, since its dictionary could change), and a GIN index
on the Spanish text-search vector of a proposal's code, title, summary, body and proposer.
SQLite: an FTS5 table over the same columns (tokenizer unicode61 with diacritics removed), its
content read from `proposals` and kept in step by triggers.

aga_consulta/proposals/search.py queries both; it repeats the indexed expression, which must
stay identical for PostgreSQL to use the index.

Revision ID: 0026
Revises: 0024
Create Date: 2026-11-30 23:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0026'
down_revision = '0024'
branch_labels = None
depends_on = None

COLUMNS = ("code", "title", "summary", "body", "proposer")
# PostgreSQL's parser reads "S-04" as "s" and the number "-04": the code's hyphens become spaces,
# so that "s-04" typed (the words "s" and "04") finds it.
DOCUMENT = " || ' ' || ".join(["replace(code, '-', ' ')", *COLUMNS[1:]])


def _postgresql_upgrade():
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    # The extension's own schema, named in the wrapper: an immutable function must not depend
    # on the caller's search_path.
    schema = op.get_bind().scalar(sa.text(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace"
        " WHERE e.extname = 'unaccent'"))
    op.execute(
        "CREATE OR REPLACE FUNCTION aga_unaccent(text) RETURNS text"
        " LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT"
        f" AS $$ SELECT {schema}.unaccent('{schema}.unaccent'::regdictionary, $1) $$"
    )
    op.execute(
        "CREATE INDEX ix_proposals_search ON proposals"
        f" USING gin (to_tsvector('spanish'::regconfig, aga_unaccent({DOCUMENT})))"
    )


def _sqlite_upgrade():
    columns = ", ".join(COLUMNS)
    new = ", ".join(f"new.{name}" for name in COLUMNS)
    old = ", ".join(f"old.{name}" for name in COLUMNS)
    op.execute(
        f"CREATE VIRTUAL TABLE proposals_fts USING fts5({columns}, content='proposals', content_rowid='id',"
        " tokenize='unicode61 remove_diacritics 2')"
    )
    op.execute("INSERT INTO proposals_fts(proposals_fts) VALUES ('rebuild')")
    op.execute(
        "CREATE TRIGGER proposals_fts_insert AFTER INSERT ON proposals BEGIN"
        f" INSERT INTO proposals_fts(rowid, {columns}) VALUES (new.id, {new}); END"
    )
    op.execute(
        "CREATE TRIGGER proposals_fts_delete AFTER DELETE ON proposals BEGIN"
        f" INSERT INTO proposals_fts(proposals_fts, rowid, {columns}) VALUES ('delete', old.id, {old}); END"
    )
    op.execute(
        f"CREATE TRIGGER proposals_fts_update AFTER UPDATE OF {columns} ON proposals BEGIN"
        f" INSERT INTO proposals_fts(proposals_fts, rowid, {columns}) VALUES ('delete', old.id, {old});"
        f" INSERT INTO proposals_fts(rowid, {columns}) VALUES (new.id, {new}); END"
    )


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        _postgresql_upgrade()
    elif dialect == "sqlite":
        _sqlite_upgrade()


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_proposals_search")
        op.execute("DROP FUNCTION IF EXISTS aga_unaccent(text)")
        # The extension stays: another schema object may use it.
    elif dialect == "sqlite":
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS proposals_fts_{name}")
        op.execute("DROP TABLE IF EXISTS proposals_fts")
