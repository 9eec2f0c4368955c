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
