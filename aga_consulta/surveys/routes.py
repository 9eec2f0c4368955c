"""Survey pages: answering (login required), public results, and free-text answers for moderators."""
from flask import Blueprint, abort, flash, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from aga_consulta.accounts.permissions import SpeaksForAnInstitution, refuse_non_moderators, speaks_for_themselves
from aga_consulta.errors import DomainError
from aga_consulta.surveys import services
from aga_consulta.surveys.models import QuestionKind
from aga_consulta.web import MAX_ID, current_actor, or_404, refuse, results_limit, see_other

bp = Blueprint("surveys", __name__)


def _load(survey_id):
    if not 0 < survey_id <= MAX_ID:
        abort(404)
    return or_404(services.get_survey(survey_id))


def _form(survey, answers, errors, status=200):
    # An institution account reads the questions, and why it cannot answer (the service refuses it too).
    note = None if speaks_for_themselves(current_actor()) else SpeaksForAnInstitution.message
    return render_template("surveys/show.html", survey=survey, answers=answers, errors=errors,
                           kinds=QuestionKind, institution_note=note, answer_max=services.ANSWER_MAX), status


@bp.route("/surveys/<int:survey_id>", methods=["GET", "POST"])
@login_required
def show(survey_id):
    """Show the questionnaire with the citizen's current answers, or store the answers sent."""
    survey = _load(survey_id)
    actor = current_actor()
    if request.method == "GET":
        return _form(survey, services.own_answers(survey, actor), {})
    raw = {question.id: request.form.getlist(f"q{question.id}") for question in survey.questions}
    try:
        services.submit_response(actor, survey, raw)
    except services.AnswersInvalid as error:
        # The answers wait beside their errors; nothing was stored.
        return _form(survey, raw, error.errors, 400)
    except DomainError as error:
        return refuse(error, url_for(".show", survey_id=survey.id))
    flash(_("Tus respuestas quedaron guardadas. Puedes cambiarlas mientras la encuesta esté abierta."), "success")
    return see_other(".show", survey_id=survey.id)


@bp.route("/surveys/<int:survey_id>/results")
@results_limit
def results(survey_id):
    """Show each question's results as bar charts with their data tables."""
    survey = _load(survey_id)
    figures = services.results(survey)
    return render_template("surveys/results.html", survey=survey, figures=figures, kinds=QuestionKind,
                           bars=[_scale([n for _label, n in item["rows"]]) for item in figures["questions"]])


def _scale(values):
    largest = max(values, default=0)
    return [round(100 * value / largest, 1) if largest else 0 for value in values]


@bp.route("/surveys/<int:survey_id>/questions/<int:question_id>/answers")
def free_text(survey_id, question_id):
    """Let moderators read a free-text question's answers, without their authors."""
    refusal = refuse_non_moderators()
    if refusal is not None:
        return refusal
    survey = _load(survey_id)
    question = or_404(next((q for q in survey.questions if q.id == question_id
                            and q.kind == QuestionKind.FREE_TEXT), None))
    page = request.args.get("page", 1, type=int)
    answers = services.free_text_answers(current_actor(), question, page=max(1, min(page or 1, 100000)))
    return render_template("surveys/answers.html", survey=survey, question=question, answers=answers)
