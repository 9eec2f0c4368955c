"""A consultation knows its process: its page links there, and a practice one says so everywhere."""
from datetime import timedelta

from aga_consulta.processes.services import consultation_and_process, create_process, practice_consultation_ids
from aga_consulta.timeutil import utcnow

PRACTICE_NOTE = "Proceso de práctica."
HOME_NOTE = "Consulta de práctica: lo que hagas aquí no cuenta"


def practice(factory):
    """A practice process whose only step is an open consultation."""
    consultation = factory.consultation(slug="practica", title="Consulta para practicar")
    now = utcnow()
    create_process(slug="ensayo", title="Proceso para practicar", is_practice=True, steps=[
        {"kind": "consultation", "opens_at": now - timedelta(hours=1), "closes_at": now + timedelta(days=60),
         "consultation": consultation}])
    return consultation


def test_a_consultation_finds_its_process_and_only_practice_ones_are_listed(factory, process):
    real = process.steps[4].consultation
    trial = practice(factory)
    alone = factory.consultation(slug="suelta")
    # Its selection step points at the same consultation: still one process.
    assert consultation_and_process(real.slug)[1].slug == "plan-v"
    assert consultation_and_process(trial.slug)[1].slug == "ensayo"
    assert consultation_and_process(alone.slug) == (alone, None)
    assert consultation_and_process("no-existe") is None
    assert practice_consultation_ids() == {trial.id}


def test_the_pages_label_a_practice_consultation_and_link_its_process(client, factory, process):
    practice(factory)
    factory.consultation(slug="suelta", title="Consulta suelta")
    home = client.get("/").get_data(as_text=True)
    assert home.count(HOME_NOTE) == 1
    trial = client.get("/consultations/practica").get_data(as_text=True)
    assert PRACTICE_NOTE in trial and 'href="/processes/ensayo"' in trial
    real = client.get("/consultations/consulta-proceso").get_data(as_text=True)
    assert PRACTICE_NOTE not in real and 'href="/processes/plan-v"' in real
    alone = client.get("/consultations/suelta").get_data(as_text=True)
    assert PRACTICE_NOTE not in alone and 'href="/processes/' not in alone
    english = client.get("/consultations/practica", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Practice process." in english and "A step of the process:" in english
