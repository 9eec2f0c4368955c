"""Surveys: the validated create, answering (one changeable response per citizen), results.

An answer is checked question by question before anything is written: a choice from another
question, too many choices, a scale value out of range or a required question left empty
refuses the whole response, with each problem named beside its question. The database holds
the same line (one response per survey and citizen; an answer's option belongs to its
question; one kind of value per answer).
"""
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from aga_consulta.accounts.permissions import ensure_admin, ensure_moderator, ensure_speaks_for_themselves
from aga_consulta.audit import record
from aga_consulta.consultations.services import ensure_account_can_take_part
from aga_consulta.errors import DomainError, ValidationFailed
from aga_consulta.extensions import db
from aga_consulta.surveys.models import CHOICE_KINDS, Answer, Option, Question, QuestionKind, Response, Survey
from aga_consulta.text import clean_text, one_line
from aga_consulta.timeutil import to_naive_utc, utcnow

TITLE_MAX = 200
QUESTION_MAX = 500
OPTION_MAX = 300
ANSWER_MAX = 5000
DESCRIPTION_MAX = 20000
#: A sane range for survey dates: anything else is a typing mistake (400, never a 500).
MIN_YEAR, MAX_YEAR = 2000, 2100
SCALE_BOUNDS = (-100, 100)


class SurveyClosed(DomainError):
    """The survey does not take responses now."""

    message = _l("La encuesta no está abierta: no se reciben ni se cambian respuestas en este momento.")


class AnswersInvalid(ValidationFailed):
    """Some answers break their question's rules; `errors` maps question ids to messages."""

    message = _l("Revisa las respuestas marcadas.")

    def __init__(self, errors):
        super().__init__()
        self.errors = errors


def _date(value):
    if not isinstance(value, datetime):
        raise ValidationFailed(_l("Indica la apertura y el cierre."))
    value = to_naive_utc(value)
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValidationFailed(_l("Las fechas deben estar entre los años %(min)d y %(max)d.", min=MIN_YEAR, max=MAX_YEAR))
    return value


def _question(position, spec):
    kind = spec.get("kind")
    if kind not in tuple(QuestionKind):
        raise ValidationFailed(_l("Tipo de pregunta desconocido."))
    text = one_line(spec.get("text"))
    if not 3 <= len(text) <= QUESTION_MAX:
        raise ValidationFailed(_l("Cada pregunta debe tener entre 3 y %(max)d caracteres.", max=QUESTION_MAX))
    labels = [one_line(label) for label in spec.get("options", ())]
    question = Question(position=position, kind=kind, text=text, required=bool(spec.get("required")))
    if kind in CHOICE_KINDS:
        if len(labels) < 2 or any(not 1 <= len(label) <= OPTION_MAX for label in labels):
            raise ValidationFailed(_l("Una pregunta de selección necesita al menos dos opciones de hasta %(max)d caracteres.", max=OPTION_MAX))
        question.options = [Option(position=n, label=label) for n, label in enumerate(labels, start=1)]
    elif labels:
        raise ValidationFailed(_l("Solo las preguntas de selección tienen opciones."))
    if kind == QuestionKind.MULTIPLE_CHOICE:
        max_choices = spec.get("max_choices")
        if not isinstance(max_choices, int) or not 1 <= max_choices <= len(labels):
            raise ValidationFailed(_l("El máximo de opciones debe estar entre 1 y el número de opciones."))
        question.max_choices = max_choices
    if kind == QuestionKind.SCALE:
        low, high = spec.get("scale_min", 1), spec.get("scale_max", 5)
        if not (isinstance(low, int) and isinstance(high, int) and SCALE_BOUNDS[0] <= low < high <= SCALE_BOUNDS[1]):
            raise ValidationFailed(_l("La escala necesita un mínimo menor que su máximo."))
        question.scale_min, question.scale_max = low, high
    return question


def create_survey(*, title, opens_at, closes_at, questions, description="", step=None, actor=None, now=None):
    """Create a survey with its questions and return it.

    `questions` is a list of dicts: kind, text, required, options (choice kinds), max_choices
    (multiple choice), scale_min and scale_max (scale). `step` is the process step it serves.
    `actor` is the admin creating it (audited); None for the reference seed and tests.

    :raises NotAllowed: the actor is not an admin.
    :raises ValidationFailed: a bad title, window or question.
    """
    if actor is not None:
        ensure_admin(actor)
    title = one_line(title)
    if not 3 <= len(title) <= TITLE_MAX:
        raise ValidationFailed(_l("El título debe tener entre 3 y %(max)d caracteres.", max=TITLE_MAX))
    description = clean_text(description)
    if len(description) > DESCRIPTION_MAX:
        raise ValidationFailed(_l("La descripción es demasiado larga (máximo %(max)d caracteres).", max=DESCRIPTION_MAX))
    opens_at, closes_at = _date(opens_at), _date(closes_at)
    if closes_at <= opens_at:
        raise ValidationFailed(_l("La fecha de cierre debe ser posterior a la de apertura."))
    if not questions:
        raise ValidationFailed(_l("Una encuesta necesita al menos una pregunta."))
    survey = Survey(title=title, description=description, opens_at=opens_at, closes_at=closes_at,
                    step_id=step.id if step is not None else None)
    survey.questions = [_question(n, spec) for n, spec in enumerate(questions, start=1)]
    db.session.add(survey)
    db.session.flush()
    if actor is not None:
        record(actor, "survey.create", "survey", survey.id, target_label=title,
               after={"title": title, "questions": len(questions)}, now=now)
    db.session.commit()
    return survey


class SurveyAnswered(DomainError):
    """The questions of a survey that has responses cannot change (the answers would lose their meaning)."""

    message = _l("La encuesta ya tiene respuestas: solo se pueden cambiar el título, la descripción y las fechas.")


def _validated_texts(title, description, opens_at, closes_at):
    title = one_line(title)
    if not 3 <= len(title) <= TITLE_MAX:
        raise ValidationFailed(_l("El título debe tener entre 3 y %(max)d caracteres.", max=TITLE_MAX))
    description = clean_text(description)
    if len(description) > DESCRIPTION_MAX:
        raise ValidationFailed(_l("La descripción es demasiado larga (máximo %(max)d caracteres).", max=DESCRIPTION_MAX))
    opens_at, closes_at = _date(opens_at), _date(closes_at)
    if closes_at <= opens_at:
        raise ValidationFailed(_l("La fecha de cierre debe ser posterior a la de apertura."))
    return {"title": title, "description": description, "opens_at": opens_at, "closes_at": closes_at}


def question_specs(survey):
    """Return the survey's questions as the dicts create_survey takes (to compare and to fill forms)."""
    return [{"kind": q.kind, "text": q.text, "required": q.required, "options": [o.label for o in q.options],
             **({"max_choices": q.max_choices} if q.kind == QuestionKind.MULTIPLE_CHOICE else {}),
             **({"scale_min": q.scale_min, "scale_max": q.scale_max} if q.kind == QuestionKind.SCALE else {})}
            for q in survey.questions]


def _normalised(specs):
    return [_question(n, spec) for n, spec in enumerate(specs, start=1)]


def _same_questions(survey, specs):
    def key(question):
        return (question.kind, question.text, question.required, [o.label for o in question.options],
                question.max_choices, question.scale_min, question.scale_max)
    return [key(q) for q in survey.questions] == [key(q) for q in _normalised(specs)]


def update_survey(actor, survey, *, title, opens_at, closes_at, questions, description="", now=None):
    """Change a survey's texts, window and (while nobody has answered) its questions; return whether it changed.

    :raises NotAllowed: the actor is not an admin.
    :raises ValidationFailed: a bad title, window or question.
    :raises SurveyAnswered: the questions differ and the survey already has responses.
    """
    ensure_admin(actor)
    fields = _validated_texts(title, description, opens_at, closes_at)
    if not questions:
        raise ValidationFailed(_l("Una encuesta necesita al menos una pregunta."))
    same = _same_questions(survey, questions)
    if not same and respondent_count(survey.id):
        raise SurveyAnswered()
    before = {name: getattr(survey, name) for name in fields if getattr(survey, name) != fields[name]}
    after = {name: fields[name] for name in before}
    if not same:
        before["questions"], after["questions"] = len(survey.questions), len(questions)
    if not before:
        return False
    for name, value in fields.items():
        setattr(survey, name, value)
    if not same:
        survey.questions.clear()
        db.session.flush()
        survey.questions = _normalised(questions)
    record(actor, "survey.update", "survey", survey.id, target_label=survey.title, before=before, after=after,
           now=now)
    db.session.commit()
    return True


def get_survey(survey_id):
    """Return the survey with its questions and options loaded, or None."""
    return db.session.scalar(
        select(Survey).options(selectinload(Survey.questions).selectinload(Question.options))
        .where(Survey.id == survey_id)
    )


def survey_of_step(step_id):
    """Return the survey of a process step, or None."""
    return db.session.scalar(select(Survey).where(Survey.step_id == step_id))


def _int(value):
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def answer_problems(survey, raw):
    """Check raw answers against the survey's questions; return (answers, errors).

    `raw` maps question ids to lists of submitted strings (a form's getlist). `answers` is a
    list of Answer-field dicts; `errors` maps question ids to messages (empty when valid).
    """
    answers, errors = [], {}
    for question in survey.questions:
        values = [value for value in (raw.get(question.id) or []) if str(value).strip()]
        if not values:
            if question.required:
                errors[question.id] = _l("Esta pregunta es obligatoria.")
            continue
        if question.kind in CHOICE_KINDS:
            own = {option.id for option in question.options}
            chosen = [_int(value) for value in values]
            if any(option_id not in own for option_id in chosen):
                errors[question.id] = _l("Elige entre las opciones de esta pregunta.")
            elif len(set(chosen)) != len(chosen):
                errors[question.id] = _l("Cada opción se elige una sola vez.")
            elif question.kind == QuestionKind.SINGLE_CHOICE and len(chosen) > 1:
                errors[question.id] = _l("Elige una sola opción.")
            elif question.kind == QuestionKind.MULTIPLE_CHOICE and len(chosen) > question.max_choices:
                errors[question.id] = _l("Elige como máximo %(max)d opciones.", max=question.max_choices)
            else:
                answers += [{"question_id": question.id, "option_id": option_id} for option_id in chosen]
        elif question.kind == QuestionKind.SCALE:
            value = _int(values[0]) if len(values) == 1 else None
            if value is None or not question.scale_min <= value <= question.scale_max:
                errors[question.id] = _l("Elige un valor entre %(min)d y %(max)d.", min=question.scale_min,
                                         max=question.scale_max)
            else:
                answers.append({"question_id": question.id, "scale_value": value})
        else:
            try:
                text = clean_text(values[0]) if len(values) == 1 else None
            except ValidationFailed as error:
                errors[question.id] = error.message
                continue
            if text is None or len(text) > ANSWER_MAX:
                errors[question.id] = _l("La respuesta admite hasta %(max)d caracteres.", max=ANSWER_MAX)
            else:
                answers.append({"question_id": question.id, "text": text})
    return answers, errors


def submit_response(citizen, survey, raw, now=None):
    """Store the citizen's response, replacing an earlier one; return the Response.

    Answering again while the survey is open replaces the answers; the citizen stays one
    respondent, and sending the same answers twice leaves the same single response.

    :raises NotAllowed: the account is deactivated.
    :raises EmailNotConfirmed: confirmation is required and the e-mail is not confirmed yet.
    :raises SpeaksForAnInstitution: the account is an institution's.
    :raises SurveyClosed: outside the survey's window.
    :raises AnswersInvalid: an answer breaks its question's rules (nothing is stored).
    """
    now = now or utcnow()
    ensure_account_can_take_part(citizen)
    ensure_speaks_for_themselves(citizen)
    if not survey.is_open(now):
        raise SurveyClosed()
    answers, errors = answer_problems(survey, raw)
    if errors:
        raise AnswersInvalid(errors)
    response = _own_response(survey.id, citizen.id, now)
    db.session.execute(delete(Answer).where(Answer.response_id == response.id))
    db.session.add_all([Answer(response_id=response.id, **fields) for fields in answers])
    response.updated_at = now
    db.session.commit()
    return response


def _own_response(survey_id, user_id, now):
    # Locked on PostgreSQL, so that two submits of one citizen replace answers one at a time.
    query = select(Response).where(Response.survey_id == survey_id, Response.user_id == user_id).with_for_update()
    response = db.session.scalar(query)
    if response is not None:
        return response
    try:
        with db.session.begin_nested():
            response = Response(survey_id=survey_id, user_id=user_id, created_at=now, updated_at=now)
            db.session.add(response)
    except IntegrityError:
        # A double submit inserted it first: the unique constraint keeps one respondent.
        response = db.session.scalar(query)
    return response


def own_answers(survey, citizen):
    """Return {question_id: [values as strings]} of the citizen's current response (empty if none)."""
    rows = db.session.execute(
        select(Answer.question_id, Answer.option_id, Answer.scale_value, Answer.text)
        .join(Response, Response.id == Answer.response_id)
        .where(Response.survey_id == survey.id, Response.user_id == citizen.id)
    )
    answers = {}
    for question_id, option_id, scale_value, text in rows:
        value = option_id if option_id is not None else scale_value if scale_value is not None else text
        answers.setdefault(question_id, []).append(str(value))
    return answers


def respondent_count(survey_id):
    """Return the number of citizens who answered the survey (one response each)."""
    return db.session.scalar(select(func.count()).select_from(Response).where(Response.survey_id == survey_id))


def results(survey):
    """Return the survey's results: respondents, and per question its rows (label, responses) and answered count.

    Choice questions list every option (zero included); a scale lists every value; a free-text
    question gives only how many answered (moderators read the texts).
    """
    counts = {}
    counted = [q.id for q in survey.questions if q.kind != QuestionKind.FREE_TEXT]
    for question_id, option_id, scale_value, n in db.session.execute(
        select(Answer.question_id, Answer.option_id, Answer.scale_value, func.count())
        .where(Answer.question_id.in_(counted))
        .group_by(Answer.question_id, Answer.option_id, Answer.scale_value)
    ) if counted else ():
        counts[(question_id, option_id if option_id is not None else scale_value)] = int(n)
    # A single choice or a scale has one answer per respondent: its answered count is the sum
    # of its rows above. Only multiple choice and free text need a pass of their own.
    answered = {}
    for question in survey.questions:
        if question.kind in (QuestionKind.SINGLE_CHOICE, QuestionKind.SCALE):
            answered[question.id] = sum(n for (question_id, _value), n in counts.items() if question_id == question.id)
    others = [q.id for q in survey.questions if q.kind in (QuestionKind.MULTIPLE_CHOICE, QuestionKind.FREE_TEXT)]
    if others:
        answered.update(db.session.execute(
            select(Answer.question_id, func.count(func.distinct(Answer.response_id)))
            .where(Answer.question_id.in_(others)).group_by(Answer.question_id)
        ).all())
    questions = []
    for question in survey.questions:
        if question.kind in CHOICE_KINDS:
            rows = [(option.label, counts.get((question.id, option.id), 0)) for option in question.options]
        elif question.kind == QuestionKind.SCALE:
            rows = [(str(value), counts.get((question.id, value), 0))
                    for value in range(question.scale_min, question.scale_max + 1)]
        else:
            rows = []
        questions.append({"question": question, "rows": rows, "answered": int(answered.get(question.id, 0))})
    return {"respondents": respondent_count(survey.id), "questions": questions}


def csv_rows(survey):
    """Return the public CSV's rows (question, option, responses): aggregates, no personal data."""
    rows = []
    for item in results(survey)["questions"]:
        question = item["question"]
        if question.kind == QuestionKind.FREE_TEXT:
            rows.append((question.text, "", item["answered"]))
        rows += [(question.text, label, n) for label, n in item["rows"]]
    return rows


def free_text_answers(actor, question, page=1, per_page=50):
    """Return a page of a free-text question's answers (Answer rows, newest first) for a moderator.

    The page shows the texts without their authors: reading them needs no name.

    :raises NotAllowed: the actor is not a moderator or admin.
    """
    ensure_moderator(actor)
    return db.paginate(
        select(Answer).where(Answer.question_id == question.id, Answer.text.is_not(None)).order_by(Answer.id.desc()),
        page=page, per_page=per_page, error_out=False,
    )
