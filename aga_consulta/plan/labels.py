"""The words for the plan's vocabulary (completion levels, milestone states, report statuses)."""
from flask_babel import lazy_gettext as _l

LEVEL_LABELS = {
    "not_started": _l("No iniciado"),
    "limited": _l("Limitado"),
    "substantial": _l("Sustancial"),
    "complete": _l("Completo"),
}

MILESTONE_LABELS = {
    "pending": _l("Pendiente"),
    "in_progress": _l("En curso"),
    "complete": _l("Cumplido"),
}

REPORT_LABELS = {
    "submitted": _l("En revisión"),
    "published": _l("Publicado"),
    "returned": _l("Devuelto"),
}

OGP_VALUE_LABELS = {
    "transparency": _l("Acceso a la información / transparencia"),
    "participation": _l("Participación cívica"),
    "accountability": _l("Rendición de cuentas pública"),
    "technology": _l("Tecnología e innovación para la apertura"),
}
