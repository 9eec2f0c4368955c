"""Colombia's departments with their DIVIPOLA codes (DANE)."""
from flask_babel import LazyString

from aga_consulta.i18n import vocabulary

DEPARTMENTS = {
    "05": "Antioquia",
    "08": "Atlántico",
    "11": "Bogotá D.C.",
    "13": "Bolívar",
    "15": "Boyacá",
    "17": "Caldas",
    "18": "Caquetá",
    "19": "Cauca",
    "20": "Cesar",
    "23": "Córdoba",
    "25": "Cundinamarca",
    "27": "Chocó",
    "41": "Huila",
    "44": "La Guajira",
    "47": "Magdalena",
    "50": "Meta",
    "52": "Nariño",
    "54": "Norte de Santander",
    "63": "Quindío",
    "66": "Risaralda",
    "68": "Santander",
    "70": "Sucre",
    "73": "Tolima",
    "76": "Valle del Cauca",
    "81": "Arauca",
    "85": "Casanare",
    "86": "Putumayo",
    "88": "San Andrés, Providencia y Santa Catalina",
    "91": "Amazonas",
    "94": "Guainía",
    "95": "Guaviare",
    "97": "Vaupés",
    "99": "Vichada",
}


def department_choices():
    """Return (code, name) pairs sorted by name, for select fields; the name in the reader's language.

    Forms build their choices once, at import: each name is translated when a page shows it.
    """
    return [(code, LazyString(vocabulary, name)) for code, name in sorted(DEPARTMENTS.items(), key=lambda item: item[1])]
