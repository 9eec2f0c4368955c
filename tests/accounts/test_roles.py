"""Staff roles, without HTTP."""
import json

import pytest

from aga_consulta.errors import NotAllowed, ValidationFailed
from aga_consulta.extensions import db
from aga_consulta.accounts import roles
from tests.helpers import audit_entries as entries

class TestRoles:
    def test_admin_grants_and_revokes_with_audit(self, factory, admin):
        person = factory.user(email="futura@example.co")
        roles.grant_role(admin, person, "moderator", reason="Se une al comité")
        assert person.role == "moderator"
        roles.revoke_moderator(admin, person)
        assert person.role == "citizen"
        grant, revoke = entries("user.role")
        assert (json.loads(grant.before), json.loads(grant.after)) == ({"role": "citizen"}, {"role": "moderator"})
        assert grant.target_label == "futura@example.co" and grant.reason == "Se une al comité"
        assert json.loads(revoke.after) == {"role": "citizen"}
        with pytest.raises(ValidationFailed):
            roles.revoke_moderator(admin, person)

    def test_moderator_cannot_grant(self, factory, moderator):
        person = factory.user()
        with pytest.raises(NotAllowed):
            roles.grant_role(moderator, person, "moderator")
        with pytest.raises(NotAllowed):
            roles.grant_role(moderator, moderator, "admin")
        assert person.role == "citizen" and entries() == []

    def test_last_admin_cannot_step_down_but_one_of_two_can(self, factory, admin):
        with pytest.raises(roles.LastAdmin):
            roles.grant_role(admin, admin, "moderator")
        assert admin.role == "admin"
        other = factory.user(role="admin")
        roles.grant_role(admin, admin, "citizen")
        assert admin.role == "citizen"
        with pytest.raises(NotAllowed):
            roles.grant_role(admin, other, "citizen")

    def test_unknown_or_unchanged_role(self, factory, admin):
        person = factory.user()
        with pytest.raises(ValidationFailed):
            roles.grant_role(admin, person, "superuser")
        with pytest.raises(roles.RoleUnchanged):
            roles.grant_role(admin, person, "citizen")
        assert entries() == []


def test_command_line_role_changes_are_audited_as_the_system(runner):
    from aga_consulta.accounts.models import User

    result = runner.invoke(args=["users", "create", "--email", "jefa@example.co", "--name", "Jefa", "--role", "admin",
                                 "--password-stdin"], input="una frase larga para la jefa\n")
    assert result.exit_code == 0, result.output
    runner.invoke(args=["users", "create", "--email", "cita@example.co", "--name", "Cita", "--password-stdin"],
                  input="una frase larga para la ciudadana\n")
    assert runner.invoke(args=["users", "set-role", "cita@example.co", "moderator"]).exit_code == 0
    assert runner.invoke(args=["users", "set-role", "cita@example.co", "moderator"]).exit_code == 0  # no change
    created, changed = entries("user.role")
    assert (created.actor_id, created.actor_role, created.target_label) == (None, "system", "jefa@example.co")
    assert json.loads(created.after) == {"role": "admin"} and created.before is None
    assert json.loads(changed.before) == {"role": "citizen"} and json.loads(changed.after) == {"role": "moderator"}
    assert db.session.scalar(db.select(User).where(User.email == "cita@example.co")).role == "moderator"
    # The operator vouched for both addresses: no confirmation mail to wait for.
    assert all(user.email_confirmed_at is not None for user in db.session.scalars(db.select(User)))
