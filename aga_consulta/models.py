"""Import every model so that SQLAlchemy's metadata (and Alembic) sees the whole schema."""
from aga_consulta.accounts.models import User  # noqa: F401
from aga_consulta.comments.models import Comment, CommentReport  # noqa: F401
from aga_consulta.consultations.models import Consultation  # noqa: F401
from aga_consulta.audit.models import AuditLogEntry  # noqa: F401
from aga_consulta.proposals.models import Proposal, StatusDecision, Theme  # noqa: F401
from aga_consulta.territory.models import Department  # noqa: F401
from aga_consulta.voting.models import Vote  # noqa: F401
from aga_consulta.processes.models import Process, Step  # noqa: F401
from aga_consulta.surveys.models import Answer, Option, Question, Response, Survey, ThemeLink  # noqa: F401
from aga_consulta.events.models import Attendance, Event, EventOutcome, Registration  # noqa: F401
from aga_consulta.ledger.models import TransparencyCheckpoint, TransparencyEntry, TransparencyNode  # noqa: F401
from aga_consulta.calls.models import Milestone, Submission  # noqa: F401
from aga_consulta.committee.models import Document, Meeting, Member  # noqa: F401
from aga_consulta.plan.models import Commitment, Evidence, Plan, PlanMilestone, ProgressReport, ReportMilestoneState  # noqa: F401
