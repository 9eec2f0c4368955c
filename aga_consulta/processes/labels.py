"""The words for a process's vocabulary (step kinds, states, results-sheet metrics)."""
from flask_babel import lazy_gettext as _l

STEP_LABELS = {
    "thematic_survey": _l("Consulta temática"),
    "workshops": _l("Talleres de co-creación por mesa temática"),
    "expert_sessions": _l("Conversaciones técnicas con personas expertas"),
    "call_for_proposals": _l("Convocatoria de propuestas de compromisos"),
    "consultation": _l("Consulta para retroalimentar y priorizar"),
    "selection": _l("Selección de compromisos"),
    "all": _l("Todo el proceso"),
}

STATE_LABELS = {"upcoming": _l("Próxima"), "open": _l("Abierta"), "closed": _l("Cerrada")}

METRIC_LABELS = {
    ("thematic_survey", "respondents"): _l("Personas que respondieron la encuesta"),
    ("workshops", "sessions"): _l("Talleres realizados"),
    ("workshops", "participants"): _l("Personas en los talleres"),
    ("expert_sessions", "sessions"): _l("Sesiones con personas expertas"),
    ("expert_sessions", "participants"): _l("Personas expertas"),
    ("call_for_proposals", "national"): _l("Propuestas nacionales recibidas"),
    ("call_for_proposals", "subnational"): _l("Propuestas subnacionales recibidas"),
    ("consultation", "participants"): _l("Personas que votaron y/o comentaron"),
    ("consultation", "comments"): _l("Comentarios recibidos"),
    ("selection", "total"): _l("Propuestas seleccionadas"),
    ("selection", "national"): _l("Seleccionadas nacionales"),
    ("selection", "subnational"): _l("Seleccionadas subnacionales"),
    ("all", "distinct_people"): _l("Personas distintas en todo el proceso"),
}
