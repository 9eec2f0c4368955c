"""accounts/names.py: the reserved words of staff names and the checks registration applies."""
import pytest

from aga_consulta.accounts.models import User
from aga_consulta.accounts.names import InvalidName, checked_name, is_reserved
from aga_consulta.accounts.services import register_citizen
from tests.helpers import PASSWORD, count

RESERVED = [
    "Equipo de Moderación (oficial)", "Moderación", "MODERACION", "moderador", "Ana Moderadora",
    "Administración", "admin", "Sysadmin", "El Oficial", "Cuenta Oficial", "Equipo AGA", "AGA",
    "Soporte técnico", "Support", "Staff", "Team Colombia", "Mod", "a.g.a", "A G A", "a-d-m-i-n",
    "ＡＤＭＩＮ", "Аdmin",  # fullwidth; Cyrillic А
    "M0derador", "Adm1n", "Mode ración", "Equi po", "Soporte\u200b",
]
ALLOWED = [
    "Ana Torres", "María José Zuloaga", "Agatha Arteaga", "Braga", "Vega", "Modesto Ramírez",
    "Oficina Luna",  # "ofici" alone is not "oficial"
    "Adán Mínguez", "Equis", "Teófilo Am", "Mónica Déaga", "José A. G. Gómez",
]


@pytest.mark.parametrize("name", RESERVED)
def test_staff_sounding_names_are_reserved(name):
    assert is_reserved(name)


@pytest.mark.parametrize("name", ALLOWED)
def test_ordinary_names_are_not(name):
    assert not is_reserved(name)


def test_a_citizen_may_not_register_a_reserved_name_and_nothing_is_stored():
    with pytest.raises(InvalidName) as refused:
        register_citizen(name="Equipo de Moderación (oficial)", email="eq@example.co", password=PASSWORD,
                         department_code="11", accepted_terms=True)
    assert refused.value.field == "name"
    assert "reservado" in str(refused.value.message)
    assert count(User) == 0


@pytest.mark.parametrize("role", ["moderator", "admin"])
def test_staff_may(role):
    user = register_citizen(name="Equipo de Moderación", email=f"{role}@example.co", password=PASSWORD,
                            department_code="11", accepted_terms=True, role=role)
    assert user.name == "Equipo de Moderación"


def test_the_name_is_stored_cleaned():
    user = register_citizen(name="  Ana\u202e \u2066Torres\u2069\u200b ", email="ana@example.co", password=PASSWORD,
                            department_code="11", accepted_terms=True)
    assert user.name == "Ana Torres"


@pytest.mark.parametrize("name, fragment", [
    ("\u200b\u200b\u200b", "entre 2 y 120"), ("A\u202e", "entre 2 y 120"), ("12345", "letras"), ("--", "letras"),
    ("x" * 121, "entre 2 y 120"),
])
def test_names_left_empty_short_or_without_letters_are_refused(name, fragment):
    with pytest.raises(InvalidName) as refused:
        checked_name(name)
    assert fragment in str(refused.value.message)
