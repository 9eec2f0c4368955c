"""accounts/names.py: the reserved words of staff names, the default public name, and the
checks registration applies."""
import pytest

from aga_consulta.accounts.models import User
from aga_consulta.accounts.names import InvalidName, checked_names, default_public_name, is_reserved
from aga_consulta.accounts.services import register_citizen
from tests.helpers import PASSWORD, count

RESERVED = [
    "Equipo de Moderación (oficial)", "Moderación", "MODERACION", "moderador", "Ana Moderadora",
    "Administración", "admin", "Sysadmin", "El Oficial", "Cuenta Oficial", "Equipo AGA", "AGA",
    "Soporte técnico", "Support", "Staff", "Team Colombia", "Participante eliminado", "a.g.a", "A G A", "a-d-m-i-n",
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
        checked_names(name, "")
    assert fragment in str(refused.value.message)


@pytest.mark.parametrize("name, public", [
    ("Ana Torres", "Ana T."), ("Ana Torres Pérez", "Ana T."), ("Ana de la Torre", "Ana T."), ("Pedro van der Berg", "Pedro B."),
    ("juan del valle", "juan V."), ("Madonna", "Madonna"), ("Ana  \u202eÑuñez", "Ana Ñ."), ("Li 'o", "Li O."),
    ("Ana 123", "Ana"),
])
def test_the_default_public_name_is_the_first_name_and_the_surnames_initial(name, public):
    assert default_public_name(name) == public


def test_an_empty_public_name_gets_the_default_and_a_chosen_one_is_kept_cleaned():
    assert checked_names("Ana Torres", "") == ("Ana Torres", "Ana T.")
    assert checked_names("Ana Torres", None) == ("Ana Torres", "Ana T.")
    assert checked_names("Ana Torres", " La\u200b Profe\u202e ") == ("Ana Torres", "La Profe")


@pytest.mark.parametrize("public, fragment", [
    ("Moderación", "reservado"), ("Equipo AGA", "reservado"), ("x" * 61, "entre 2 y 60"), ("A\u200b", "entre 2 y 60"),
    ("!!", "letras"),
])
def test_a_bad_public_name_is_refused_on_its_own_field(public, fragment):
    with pytest.raises(InvalidName) as refused:
        checked_names("Ana Torres", public)
    assert refused.value.field == "public_name"
    assert fragment in str(refused.value.message)


def test_registration_stores_both_names_and_the_policy_version():
    from aga_consulta.accounts.consent import POLICY_VERSION

    user = register_citizen(name="Ana Torres Pérez", public_name="", email="ana@example.co", password=PASSWORD,
                            department_code="11", accepted_terms=True)
    assert (user.name, user.public_name, user.shown_name) == ("Ana Torres Pérez", "Ana T.", "Ana T.")
    assert user.consent_version == POLICY_VERSION and user.consented_at == user.created_at


@pytest.mark.parametrize("name, public", [
    ("Ana María Torres Pérez", "Ana T."), ("Juan Pablo de la Torre Gómez", "Juan T."), ("Ana María Torres", "Ana M."),
])
def test_with_two_given_names_the_initial_is_the_first_surnames(name, public):
    assert default_public_name(name) == public
