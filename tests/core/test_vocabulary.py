"""The vocabulary (statuses, scopes, roles, comment states) is one set of enums, and the
migrated database refuses anything outside them."""
import re

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from aga_consulta.accounts.models import Role
from aga_consulta.comments.models import CommentStatus
from aga_consulta.committee.models import DocumentCategory, MemberRole
from aga_consulta.committee.models import Sector as CommitteeSector
from aga_consulta.extensions import db
from aga_consulta.proposals.models import ProposalStatus, Scope

#: (table, column, enum) of every CHECK generated from an enum.
GENERATED = [
    ("proposals", "scope", Scope),
    ("proposals", "status", ProposalStatus),
    ("proposal_decisions", "from_status", ProposalStatus),
    ("proposal_decisions", "to_status", ProposalStatus),
    ("users", "role", Role),
    ("comments", "status", CommentStatus),
    ("committee_members", "sector", CommitteeSector),
    ("committee_members", "role", MemberRole),
    ("committee_documents", "category", DocumentCategory),
]


def _listed(sql, column):
    # SQLite keeps "role IN ('a', 'b')"; PostgreSQL answers "(role)::text = ANY (ARRAY['a'::...])".
    if not re.search(rf"\b{column}\b", sql) or not re.search(r"\bIN\s*\(|= ANY", sql):
        return None
    return re.findall(r"'([^']*)'", sql)


@pytest.mark.parametrize("table, column, enum", GENERATED, ids=lambda v: getattr(v, "__name__", v))
def test_the_migrated_check_lists_exactly_the_enum(app, table, column, enum):
    """Changing an enum without a migration fails here (the models' CHECK would drift from the database's)."""
    checks = inspect(db.engine).get_check_constraints(table)
    found = [_listed(check["sqltext"], column) for check in checks if _listed(check["sqltext"], column)]
    assert found == [[member.value for member in enum]]


def test_the_database_refuses_a_status_outside_the_enum(factory):
    proposal = factory.proposal(factory.consultation())
    with pytest.raises(IntegrityError):
        db.session.execute(text("UPDATE proposals SET status = 'archived' WHERE id = :id"), {"id": proposal.id})
        db.session.flush()
    db.session.rollback()
    for status in ProposalStatus:
        db.session.execute(text("UPDATE proposals SET status = :s WHERE id = :id"), {"s": status.value, "id": proposal.id})
    db.session.rollback()


def test_enum_members_are_the_stored_strings():
    assert Role.ADMIN == "admin" and f"{ProposalStatus.NOT_SELECTED}" == "not_selected"
    assert [str(scope) for scope in Scope] == ["national", "subnational"]
