"""The leaf index back on the entry, the queue table and its trigger gone: 0028 undone (issue 14).

0028 queued each new entry in `transparency_pending` (a trigger) and wrote leaf indexes to a
table of their own, so that integrating never rewrote an entry. Measured on the vote, it
cost more than it saved: the trigger and the queue's row took about 70 µs of PostgreSQL time
a vote, against two small index entries before, and the log's cost to the vote went from
5.9 % to 15.9 % in back-to-back runs of bench/log_cost.py (docs/performance.md). The
sequencer's cheaper batches did not make up for it, since votes outnumber integrations.

This migration is 0028's downgrade, and its downgrade is 0028's upgrade: one home for how
each shape is built and how the leaf indexes move between them.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-02 00:20:00.000000

"""
import importlib.util
from pathlib import Path

# revision identifiers, used by Alembic.
revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def _queue_migration():
    # Alembic's revision files are not an importable package (their names start with digits).
    path = Path(__file__).with_name("0028_transparency_queue.py")
    spec = importlib.util.spec_from_file_location("aga_migration_0028", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def upgrade():
    _queue_migration().downgrade()


def downgrade():
    _queue_migration().upgrade()
