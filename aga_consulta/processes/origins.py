"""Where a proposal came from (OGP Standard 4, the reasoned response), and setting it.

A proposal answers themes of its process's thematic survey (options of its choice
questions) and may have grown from the notes of workshops or expert sessions of the same
process; the institution that submitted it comes from the call (`calls`), or else is the
proposer the proposal names. Moderators set the links; each change is audited.
"""
from sqlalchemy import delete, exists, select

from flask_babel import lazy_gettext as _l

from aga_consulta.accounts.permissions import ensure_moderator
from aga_consulta.audit import record
from aga_consulta.calls.services import submission_for_proposal
from aga_consulta.errors import ValidationFailed
from aga_consulta.events.models import Event, EventOutcome
from aga_consulta.extensions import db
from aga_consulta.processes.models import Process, Step, StepKind
from aga_consulta.proposals.models import Proposal
from aga_consulta.surveys.models import CHOICE_KINDS, Option, Question, Survey, ThemeLink


def process_of(proposal):
    """Return the process whose consultation (or selection) step holds the proposal's consultation, or None."""
    return db.session.scalar(
        select(Process).join(Step, Step.process_id == Process.id)
        .where(Step.consultation_id == proposal.consultation_id).order_by(Process.id).limit(1)
    )


def candidates(proposal):
    """Return what a moderator may link the proposal to: {"events": [Event], "options": [(Question, Option)]}."""
    process = process_of(proposal)
    if process is None:
        return {"events": [], "options": []}
    step_ids = select(Step.id).where(Step.process_id == process.id)
    events = list(db.session.scalars(
        select(Event).where(Event.step_id.in_(step_ids)).order_by(Event.starts_at, Event.id)))
    options = db.session.execute(
        select(Question, Option).join(Option, Option.question_id == Question.id)
        .join(Survey, Survey.id == Question.survey_id)
        .join(Step, Step.id == Survey.step_id)
        .where(Step.process_id == process.id, Step.kind == StepKind.THEMATIC_SURVEY,
               Question.kind.in_([kind.value for kind in CHOICE_KINDS]))
        .order_by(Question.position, Option.position)
    ).all()
    return {"events": events, "options": [tuple(row) for row in options]}


def origin_columns():
    """(has survey themes, has workshops) of Proposal as EXISTS columns, for a page's statement."""
    return (exists().where(ThemeLink.proposal_id == Proposal.id).label("has_themes"),
            exists().where(EventOutcome.proposal_id == Proposal.id).label("has_events"))


#: `origins(submission=...)` not given: read it (None is a real answer, "no submission").
_UNREAD = object()


def origins(proposal, *, themes=True, events=True, submission=_UNREAD):
    """Return where the proposal came from: {"themes": [(Question, Option)], "events": [Event], "submission"}.

    A caller that already knows there are no themes or no workshops (`origin_columns`), or
    has read the submission, says so and saves those queries.
    """
    found_themes = db.session.execute(
        select(Question, Option).join(Option, Option.question_id == Question.id)
        .join(ThemeLink, ThemeLink.option_id == Option.id)
        .where(ThemeLink.proposal_id == proposal.id).order_by(Question.position, Option.position)
    ).all() if themes else []
    found_events = list(db.session.scalars(
        select(Event).join(EventOutcome, EventOutcome.event_id == Event.id)
        .where(EventOutcome.proposal_id == proposal.id).order_by(Event.starts_at, Event.id))) if events else []
    return {"themes": [tuple(row) for row in found_themes], "events": found_events,
            "submission": submission_for_proposal(proposal.id) if submission is _UNREAD else submission}


def _ids(values):
    ids = set()
    for value in values or ():
        text = str(value).strip()
        if not text.isdigit() or len(text) > 9:
            raise ValidationFailed(_l("Elige entre los temas y talleres del proceso."))
        ids.add(int(text))
    return ids


def set_origins(actor, proposal, *, event_ids, option_ids, now=None):
    """Replace the proposal's links to workshops and survey themes; return whether they changed (audited).

    Only events and choice options of the proposal's own process are accepted.

    :raises NotAllowed: the actor is not a moderator or admin.
    :raises ValidationFailed: an id that is not one of the process's events or survey themes.
    """
    ensure_moderator(actor)
    event_ids, option_ids = _ids(event_ids), _ids(option_ids)
    offered = candidates(proposal)
    if not event_ids <= {event.id for event in offered["events"]} or \
            not option_ids <= {option.id for _question, option in offered["options"]}:
        raise ValidationFailed(_l("Elige entre los temas y talleres del proceso."))
    current = origins(proposal)
    before = {"events": sorted(event.id for event in current["events"]),
              "themes": sorted(option.id for _question, option in current["themes"])}
    after = {"events": sorted(event_ids), "themes": sorted(option_ids)}
    if before == after:
        return False
    db.session.execute(delete(EventOutcome).where(EventOutcome.proposal_id == proposal.id))
    db.session.execute(delete(ThemeLink).where(ThemeLink.proposal_id == proposal.id))
    db.session.add_all([EventOutcome(event_id=event_id, proposal_id=proposal.id) for event_id in after["events"]])
    db.session.add_all([ThemeLink(option_id=option_id, proposal_id=proposal.id) for option_id in after["themes"]])
    record(actor, "proposal.origins", "proposal", proposal.id, target_label=proposal.code,
           before={key: ",".join(map(str, value)) for key, value in before.items()},
           after={key: ",".join(map(str, value)) for key, value in after.items()}, now=now)
    db.session.commit()
    return True
