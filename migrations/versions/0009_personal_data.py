"""Personal data (Ley 1581 de 2012): the public name, the consented policy version, deleted accounts.

Existing accounts get:
- `public_name`: the default rule of accounts/names.py (first name and the initial of the
  first surname: "Ana María Torres Pérez" -> "Ana T."); a citizen whose default would carry a word
  reserved for staff ("Equipo M.") gets "Participante <id>" instead. Invisible and bidi
  control characters are removed from the legal name and from the public name.
- `consent_version` "0": they accepted the registration checkbox before the policy had a
  version; `consented_at` keeps when. The site asks them to read version 1.0 and accept it.
- `deleted_at` empty: no account was deleted by its holder before this revision.

The rules are copied here as they are at this revision, so that this migration gives the
same result whatever accounts/names.py becomes later.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 19:50:00.000000

"""
import re
import unicodedata

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

PRE_POLICY_VERSION = "0"
_PARTICLES = {"de", "del", "la", "las", "los", "y", "e", "da", "das", "do", "dos", "di", "du", "le", "van", "von", "der", "den", "ter"}
_RESERVED = re.compile(r"moderac|moderad|moderat|admin|oficial|official|equipo|soporte|support|\b(aga|staff|team)\b")


def _visible(text):
    text = unicodedata.normalize("NFC", text or "")
    kept = "".join(" " if c.isspace() else c for c in text if unicodedata.category(c) not in ("Cf", "Cc"))
    return " ".join(kept.split())


def _folded(text):
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()


def _public_name(user_id, name, role):
    words = name.split()
    if not words:
        return f"Participante {user_id}"
    first = words[0][:57]
    others = [word for word in words[1:] if _folded(word) not in _PARTICLES]
    surname = others[-2] if len(others) >= 3 else others[0] if others else ""
    initial = next((c for c in surname if c.isalpha()), "")
    public = f"{first} {initial.upper()}." if initial else first
    if len(public) < 2 or (role == "citizen" and _RESERVED.search(_folded(public))):
        return f"Participante {user_id}"
    return public


def upgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        # SQLite alters a column's NULL-ness by copying the table and dropping the old one;
        # with foreign keys on, dropping `users` would fail on the rows that point at it.
        # PRAGMA foreign_keys only takes effect outside a transaction.
        with op.get_context().autocommit_block():
            op.execute("PRAGMA foreign_keys=OFF")

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('public_name', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('consent_version', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('deleted_at', sa.DateTime(), nullable=True))

    users = sa.table(
        'users', sa.column('id', sa.Integer), sa.column('name', sa.String), sa.column('role', sa.String),
        sa.column('public_name', sa.String), sa.column('consent_version', sa.String),
    )
    bind = op.get_bind()
    rows = bind.execute(sa.select(users.c.id, users.c.name, users.c.role)).all()
    changes = []
    for user_id, name, role in rows:
        legal = _visible(name) or f"Participante {user_id}"
        changes.append({"uid": user_id, "legal": legal, "public": _public_name(user_id, legal, role)})
    if changes:
        bind.execute(
            users.update().where(users.c.id == sa.bindparam("uid"))
            .values(name=sa.bindparam("legal"), public_name=sa.bindparam("public")),
            changes,
        )
    bind.execute(users.update().values(consent_version=PRE_POLICY_VERSION))

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('public_name', existing_type=sa.String(length=60), nullable=False)
        batch_op.alter_column('consent_version', existing_type=sa.String(length=16), nullable=False)
        batch_op.create_check_constraint(op.f('ck_users_deleted_inactive'), 'deleted_at IS NULL OR NOT active')

    if sqlite:
        with op.get_context().autocommit_block():
            op.execute("PRAGMA foreign_keys=ON")


def downgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        with op.get_context().autocommit_block():
            op.execute("PRAGMA foreign_keys=OFF")
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_users_deleted_inactive'), type_='check')
        batch_op.drop_column('deleted_at')
        batch_op.drop_column('consent_version')
        batch_op.drop_column('public_name')
    if sqlite:
        with op.get_context().autocommit_block():
            op.execute("PRAGMA foreign_keys=ON")
