"""Words for the committee: sides, roles and document categories."""
from flask_babel import lazy_gettext as _l

SECTOR_LABELS = {"government": _l("Gobierno"), "civil_society": _l("Sociedad civil")}
ROLE_LABELS = {
    "chair": _l("Presidencia"),
    "technical_secretariat": _l("Secretaría técnica"),
    "member": _l("Miembro"),
    "observer": _l("Observador"),
}
CATEGORY_LABELS = {
    "minutes": _l("Actas"),
    "rules": _l("Reglamento"),
    "reports": _l("Informes"),
    "plans": _l("Planes de acción"),
    "other": _l("Otros documentos"),
}
