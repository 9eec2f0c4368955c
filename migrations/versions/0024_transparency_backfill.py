"""Backfill the transparency log of every consultation recorded before the log existed.

For each consultation without an entry, its acts (opened, proposals published, status
changes, votes cast and withdrawn, comments made and hidden) are rebuilt from its rows in
the order they happened and appended as entries not integrated yet; the sequencer (the
site by itself within the MMD, or `flask transparency integrate`) gives them their leaf
indexes and signs the checkpoint, so the migration needs no signer key. Consultations that
have entries already are left alone, so running it again appends nothing.

The tables are read with SQL as they stand at this revision, never through the app's
models; the entries come from the pure modules of aga_consulta.transparency. Pseudonyms
need the app's pseudonym key (TRANSPARENCY_PSEUDONYM_KEY, else derived from SECRET_KEY),
read from the Flask app that runs the migration.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-11 10:00:00.000000

"""
import json

from alembic import op
import sqlalchemy as sa

from aga_consulta.transparency import history
from aga_consulta.transparency.merkle import leaf_hash


# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

# The columns this revision reads, as they stand at it.
consultations = sa.table(
    'consultations', sa.column('id', sa.Integer), sa.column('slug', sa.String), sa.column('title', sa.String),
    sa.column('opens_at', sa.DateTime), sa.column('closes_at', sa.DateTime), sa.column('created_at', sa.DateTime),
)
proposals = sa.table(
    'proposals', sa.column('id', sa.Integer), sa.column('consultation_id', sa.Integer),
    sa.column('code', sa.String), sa.column('title', sa.String), sa.column('summary', sa.Text),
    sa.column('body', sa.Text), sa.column('scope', sa.String), sa.column('department_code', sa.String),
    sa.column('created_at', sa.DateTime),
)
decisions = sa.table(
    'proposal_decisions', sa.column('id', sa.Integer), sa.column('consultation_id', sa.Integer),
    sa.column('proposal_id', sa.Integer), sa.column('from_status', sa.String), sa.column('to_status', sa.String),
    sa.column('reason', sa.Text), sa.column('created_at', sa.DateTime),
)
votes = sa.table(
    'votes', sa.column('id', sa.Integer), sa.column('consultation_id', sa.Integer),
    sa.column('user_id', sa.Integer), sa.column('proposal_id', sa.Integer),
    sa.column('cast_at', sa.DateTime), sa.column('withdrawn_at', sa.DateTime),
)
comments = sa.table(
    'comments', sa.column('id', sa.Integer), sa.column('consultation_id', sa.Integer),
    sa.column('user_id', sa.Integer), sa.column('proposal_id', sa.Integer), sa.column('parent_id', sa.Integer),
    sa.column('body', sa.Text), sa.column('status', sa.String), sa.column('moderated_at', sa.DateTime),
    sa.column('auto_hidden_at', sa.DateTime), sa.column('created_at', sa.DateTime),
)
transparency_entries = sa.table(
    'transparency_entries', sa.column('consultation_id', sa.Integer), sa.column('entry', sa.LargeBinary),
    sa.column('leaf_hash', sa.LargeBinary), sa.column('kind', sa.String), sa.column('participant', sa.String),
    sa.column('created_at', sa.DateTime),
)

#: Entries inserted per statement.
CHUNK = 5000


def _rows(connection, table, consultation_id):
    return connection.execute(sa.select(table).where(table.c.consultation_id == consultation_id)).all()


def backfill(connection, key):
    """Append the rebuilt log of every consultation that has no entry; return {consultation_id: entries}."""
    logged = set(connection.scalars(sa.select(transparency_entries.c.consultation_id).distinct()))
    done = {}
    for consultation in connection.execute(sa.select(consultations).order_by(consultations.c.id)).all():
        if consultation.id in logged:
            continue
        found = history.acts(
            consultation, _rows(connection, proposals, consultation.id), _rows(connection, decisions, consultation.id),
            _rows(connection, votes, consultation.id), _rows(connection, comments, consultation.id), key,
        )
        # Inserted in time order, a chunk at a time (a national consultation has a million
        # acts): the sequencer integrates by id, so the ids keep that order.
        for start in range(0, len(found), CHUNK):
            connection.execute(transparency_entries.insert(), [
                {"consultation_id": consultation.id, "entry": item, "leaf_hash": leaf_hash(item),
                 "kind": json.loads(item)["type"], "participant": who, "created_at": at}
                for at, item, who in found[start:start + CHUNK]
            ])
        done[consultation.id] = len(found)
    return done


def _pseudonym_key():
    from flask import current_app

    config = current_app.config
    return history.pseudonym_key(config.get("TRANSPARENCY_PSEUDONYM_KEY"), config["SECRET_KEY"])


def upgrade():
    backfill(op.get_bind(), _pseudonym_key())


def downgrade():
    # The backfilled entries cannot be told from the ones written since: the log stays.
    pass
