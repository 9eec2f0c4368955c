"""The log's public endpoints, as the contract states them."""
import base64

from aga_consulta.ledger import keys, services as ledger
from aga_consulta.transparency import merkle
from aga_consulta.transparency.note import open_checkpoint
from aga_consulta.voting.services import cast_vote


def published(factory, votes=3):
    consultation = factory.consultation(slug="consulta-abierta")
    proposal = factory.proposal(consultation)
    for _ in range(votes):
        cast_vote(factory.user(), proposal)
    ledger.integrate(consultation.id)
    return consultation


def test_checkpoint_entries_and_proofs(client, factory):
    consultation = published(factory)
    response = client.get("/transparency/consulta-abierta/checkpoint")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    checkpoint = open_checkpoint(response.get_data(as_text=True), [keys.signer().verifier])
    assert checkpoint.size == 5
    listed = client.get("/transparency/consulta-abierta/entries?start=0&end=5").get_json()
    assert len(listed) == 5 and all(isinstance(item, str) for item in listed)
    proof = client.get("/transparency/consulta-abierta/proof/inclusion?index=2&size=5").get_json()
    assert (proof["leaf_index"], proof["tree_size"]) == (2, 5)
    merkle.verify_inclusion(merkle.leaf_hash(listed[2].encode()), 2, 5,
                            [bytes.fromhex(h) for h in proof["hashes"]], checkpoint.root_hash)
    consistency = client.get("/transparency/consulta-abierta/proof/consistency?first=2&second=5").get_json()
    assert consistency["first"] == 2 and consistency["second"] == 5 and consistency["hashes"]
    key = client.get("/transparency/key")
    assert key.get_data(as_text=True).strip() == str(keys.signer().verifier)
    script = client.get("/transparency/verify.py")
    assert script.status_code == 200 and b"def main(" in script.data
    results = client.get(f"/consultations/{consultation.slug}/results").get_data(as_text=True)
    assert base64.b64encode(checkpoint.root_hash).decode() in results and ">5</strong>" in results


def test_malformed_parameters_are_400_never_500(client, factory):
    published(factory)
    cases = {
        "proof/inclusion?index=-1&size=5": "index debe ser un número entero no negativo.",
        "proof/inclusion?index=5&size=5": "index debe ser menor que size.",
        "proof/inclusion?index=a&size=5": "index debe ser un número entero no negativo.",
        "proof/inclusion?index=1.5&size=5": "index debe ser un número entero no negativo.",
        "proof/inclusion?index=0&size=6": "size pasa del tamaño del árbol publicado (5).",
        "proof/inclusion?size=5": "index debe ser un número entero no negativo.",
        "proof/inclusion?index=0&size=0": "index debe ser menor que size.",
        "proof/consistency?first=3&second=2": "first no puede ser mayor que second.",
        "proof/consistency?first=0&second=2": "first debe ser mayor que 0: no hay prueba desde el árbol vacío.",
        "proof/consistency?first=1&second=9": "second pasa del tamaño del árbol publicado (5).",
        "proof/consistency?first=x&second=2": "first debe ser un número entero no negativo.",
        "proof/consistency?first=1&second=-2": "second debe ser un número entero no negativo.",
        "entries?start=0&end=6": "end pasa del tamaño del árbol publicado (5).",
        "entries?start=3&end=3": "start debe ser menor que end.",
        "entries?start=-1&end=2": "start debe ser un número entero no negativo.",
        "entries?start=0": "end debe ser un número entero no negativo.",
        "entries?start=0&end=99999999999999999999999": "end debe ser un número entero no negativo.",
        "entries?start=%EF%BC%91&end=2": "start debe ser un número entero no negativo.",  # a full-width digit
    }
    for query, message in cases.items():
        response = client.get(f"/transparency/consulta-abierta/{query}")
        assert response.status_code == 400, query
        assert response.get_json() == {"error": message, "status": 400}, query
    english = client.get("/transparency/consulta-abierta/proof/consistency?first=3&second=2",
                         headers={"Accept-Language": "en"})
    assert english.get_json()["error"] == "first cannot be greater than second."



def test_a_size_past_the_published_tree_names_the_parameter_in_english_too(client, factory):
    published(factory)
    for query, name in [("proof/inclusion?index=0&size=6", "size"), ("proof/consistency?first=1&second=9", "second"),
                        ("entries?start=0&end=6", "end")]:
        english = client.get(f"/transparency/consulta-abierta/{query}", headers={"Accept-Language": "en"})
        assert english.status_code == 400
        assert english.get_json() == {"error": f"{name} is past the published tree size (5).", "status": 400}

def test_unknown_log_is_404(client):
    assert client.get("/transparency/no-existe/checkpoint").status_code == 404


def test_how_to_verify_in_both_languages(client):
    spanish = client.get("/transparency/how-to-verify").get_data(as_text=True)
    assert "¿Cómo verificar?" in spanish and "verify.py" in spanish
    english = client.get("/transparency/how-to-verify", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "How to verify?" in english
