"""Words for events: kinds and sectors."""
from flask_babel import lazy_gettext as _l

KIND_LABELS = {"workshop": _l("Taller de co-creación"), "expert_session": _l("Conversación técnica con personas expertas")}
SECTOR_LABELS = {
    "public_sector": _l("Sector público"),
    "civil_society": _l("Sociedad civil"),
    "academia": _l("Academia"),
    "private_sector": _l("Sector privado"),
    "other": _l("Otro"),
}
