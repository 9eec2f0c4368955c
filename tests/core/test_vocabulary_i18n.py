"""English that is English: vocabulary stored as data is translated; people's own texts stay as written."""
from aga_consulta.i18n import DATA_VOCABULARY, vocabulary
from aga_consulta.seed import catalogue, cocreation
from tests.helpers import login


def test_every_seeded_theme_is_in_the_vocabulary(app):
    listed = {str(word._args[0]) for word in DATA_VOCABULARY}
    assert set(catalogue.THEMES.values()) <= listed
    assert set(cocreation.THEMES) <= listed


def test_vocabulary_is_translated_and_anything_else_kept(app):
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert vocabulary("Datos abiertos") == "Open data"
        assert vocabulary("Contratación pública") == "Public procurement"
        assert vocabulary("Un tema que alguien escribió") == "Un tema que alguien escribió"
        assert vocabulary("") == "" and vocabulary(None) is None
    with app.test_request_context("/"):
        from flask_babel import refresh

        refresh()  # the locale is cached on the app context the two requests share
        assert vocabulary("Datos abiertos") == "Datos abiertos"


def test_proposal_page_in_english_translates_theme_status_and_scope_but_not_the_title(client, factory):
    proposal = factory.proposal(factory.consultation(), code="N-07", title="Datos abiertos de contratación",
                                theme="datos-abiertos")
    proposal.theme.name = "Datos abiertos"
    from aga_consulta.extensions import db
    db.session.commit()
    client.post("/language", data={"lang": "en"})
    html = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "Open data" in html
    assert "Datos abiertos de contratación" in html  # the title, as its author wrote it
    assert "National" in html


def test_me_in_english_shows_statuses_in_english(client, factory):
    from aga_consulta.voting.services import cast_vote

    ana = factory.user(email="ana@example.co")
    cast_vote(ana, factory.proposal(factory.consultation(), code="N-01"))
    login(client, "ana@example.co")
    client.post("/language", data={"lang": "en"})
    html = client.get("/me").get_data(as_text=True)
    assert "Status: Received" in html and "Recibida" not in html


def test_the_list_page_in_english_translates_themes_departments_statuses_and_scopes(client, factory):
    consultation = factory.consultation(slug="lista-en")
    factory.proposal(consultation, code="SN-01", scope="subnational", department="11", theme="datos-abiertos",
                     title="Datos abiertos distritales")
    factory.proposal(consultation, code="N-01", theme="contratacion-publica", title="Contratación pública abierta")
    from aga_consulta.extensions import db
    from aga_consulta.proposals.models import Theme

    for theme in db.session.query(Theme):
        theme.name = {"datos-abiertos": "Datos abiertos", "contratacion-publica": "Contratación pública"}[theme.slug]
    db.session.commit()
    spanish = client.get("/consultations/lista-en").get_data(as_text=True)
    assert "Subnacional · Bogotá D.C." in spanish and "Datos abiertos" in spanish
    client.post("/language", data={"lang": "en"})
    english = client.get("/consultations/lista-en").get_data(as_text=True)
    assert "Subnational · Bogotá, Capital District" in english and " · Open data" in english
    assert " · Public procurement" in english and "Received" in english and "National" in english
    # The filters offer the same words, and the titles stay as their authors wrote them.
    assert '<option value="datos-abiertos">Open data</option>' in english
    assert '<option value="11">Bogotá, Capital District</option>' in english
    assert "Datos abiertos distritales" in english and "Contratación pública abierta" in english
    assert "Recibida" not in english and "Subnacional" not in english


def test_department_choices_follow_the_reader(client):
    assert '<option value="88">San Andrés, Providencia y Santa Catalina</option>' in client.get(
        "/auth/register").get_data(as_text=True)
    client.post("/language", data={"lang": "en"})
    english = client.get("/auth/register").get_data(as_text=True)
    assert '<option value="88">San Andrés, Providencia and Santa Catalina</option>' in english
    assert '<option value="05">Antioquia</option>' in english
