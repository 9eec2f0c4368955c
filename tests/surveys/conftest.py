"""A survey with one question of each kind."""
from datetime import timedelta

import pytest

from aga_consulta.surveys.services import create_survey
from aga_consulta.timeutil import utcnow

QUESTIONS = [
    {"kind": "single_choice", "text": "¿Qué tema es el más urgente?", "required": True,
     "options": ["Datos abiertos", "Anticorrupción", "Ambiente"]},
    {"kind": "multiple_choice", "text": "¿Qué otros temas le interesan?", "max_choices": 2,
     "options": ["Justicia", "Contratación", "Trámites"]},
    {"kind": "scale", "text": "¿Qué tanto confía en las entidades públicas?", "scale_min": 1, "scale_max": 5},
    {"kind": "free_text", "text": "¿Qué problema debería resolver el plan?"},
]


def build_survey(state="open", questions=QUESTIONS, step=None):
    """A survey open now, already closed, or upcoming."""
    now = utcnow()
    windows = {"open": (now - timedelta(days=1), now + timedelta(days=1)),
               "closed": (now - timedelta(days=10), now - timedelta(days=1)),
               "upcoming": (now + timedelta(days=1), now + timedelta(days=5))}
    opens_at, closes_at = windows[state]
    return create_survey(title="Consulta temática", opens_at=opens_at, closes_at=closes_at, questions=questions,
                         step=step)


@pytest.fixture
def survey():
    """An open survey with a question of each kind."""
    return build_survey()


def good_answers(survey, free_text="Que los datos del presupuesto sean abiertos."):
    """Valid raw answers: the first option, two choices, a 4, and a text."""
    single, multiple, scale, text = survey.questions
    return {single.id: [str(single.options[0].id)],
            multiple.id: [str(multiple.options[0].id), str(multiple.options[2].id)],
            scale.id: ["4"], text.id: [free_text]}
