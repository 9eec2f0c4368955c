"""The audit log: one append-only row per moderator, admin or system action."""
import json

from aga_consulta.extensions import check_in, db
from aga_consulta.timeutil import utcnow

#: Every action the audit log may record; the database refuses any other.
AUDIT_ACTIONS = (
    "proposal.status",
    "proposal.create",
    "proposal.update",
    "proposal.import",
    "comment.hide",
    "comment.restore",
    "comment.auto_hide",
    "consultation.create",
    "consultation.update",
    "user.role",
    "export.download",
    "process.create",
    "survey.create",
    "event.create",
    "event.attendance",
    "event.import",
    "event.notes",
    "call.return",
    "call.accept",
    "call.reject",
    "committee.member_add",
    "committee.member_update",
    "committee.meeting_add",
    "committee.meeting_update",
    "committee.document_add",
    "committee.document_remove",
    "process.update",
    "survey.update",
    "event.update",
    "proposal.origins",
    "plan.publish",
    "commitment.create",
    "commitment.update",
    "milestone.create",
    "milestone.update",
    "report.submit",
    "report.publish",
    "report.return",
)

#: Who may appear as the actor of an audit entry ("system": the application itself;
#: "institution": an institution account reporting progress on a commitment it leads).
ACTOR_ROLES = ("moderator", "admin", "institution", "system")


class AuditLogEntry(db.Model):
    """One moderator, admin or system action: who, what, on which target, before, after, why, when.

    Append-only: no code path updates or deletes a row, and database triggers (created by
    the migration) refuse UPDATE and DELETE.
    """

    __tablename__ = "audit_log"
    __table_args__ = (
        check_in("action", AUDIT_ACTIONS, name="action_valid"),
        check_in("actor_role", ACTOR_ROLES, name="actor_role_valid"),
        # Only the system acts without a person behind it.
        db.CheckConstraint(
            "(actor_role = 'system' AND actor_id IS NULL) OR (actor_role <> 'system' AND actor_id IS NOT NULL)",
            name="actor_matches_role",
        ),
        db.CheckConstraint("target_type <> ''", name="target_type_not_empty"),
        db.Index("ix_audit_log_target", "target_type", "target_id"),
    )

    id = db.Column(db.Integer, primary_key=True)
    actor_id = db.Column(db.Integer, db.ForeignKey("users.id"), index=True)
    #: The actor's role when acting (roles change; the log keeps what it was).
    actor_role = db.Column(db.String(16), nullable=False)
    action = db.Column(db.String(40), nullable=False, index=True)
    target_type = db.Column(db.String(40), nullable=False)
    target_id = db.Column(db.Integer)
    #: A readable name of the target when the action happened (proposal code, e-mail...).
    target_label = db.Column(db.String(250), nullable=False, default="", server_default="")
    #: JSON text of the changed fields before and after the action.
    before = db.Column(db.Text)
    after = db.Column(db.Text)
    reason = db.Column(db.Text)
    created_at = db.Column(db.DateTime, nullable=False, default=utcnow, index=True)

    actor = db.relationship("User", lazy="joined")

    @property
    def changes(self):
        """Return [(field, before, after)] for every field whose value differs."""
        before = json.loads(self.before) if self.before else {}
        after = json.loads(self.after) if self.after else {}
        return [(key, before.get(key), after.get(key)) for key in sorted(set(before) | set(after))
                if before.get(key) != after.get(key)]

    def __repr__(self):
        return f"<AuditLogEntry {self.id} {self.action}>"
