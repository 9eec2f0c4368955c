"""A citizen's receipts: on /me, in /me/receipts.json, each downloadable, each verifiable."""
from aga_consulta.comments.services import add_comment
from aga_consulta.ledger import keys, services as ledger
from aga_consulta.transparency import merkle
from aga_consulta.transparency.note import open_promise
from aga_consulta.voting.services import cast_vote, withdraw_vote
from tests.helpers import login


def test_receipts_of_votes_withdrawals_and_comments(client, factory):
    consultation = factory.consultation(slug="con-recibos")
    proposal = factory.proposal(consultation, code="P-9")
    citizen = factory.user(email="recibos@example.co")
    other = factory.user()
    cast_vote(citizen, proposal)
    withdraw_vote(citizen, proposal)
    add_comment(citizen, proposal, "Mi comentario")
    cast_vote(other, proposal)
    login(client, "recibos@example.co")
    receipts = client.get("/me/receipts.json").get_json()
    assert [r["action"] for r in receipts] == ["comment", "withdraw", "vote"]
    for receipt in receipts:
        assert receipt["consultation"] == "con-recibos" and receipt["proposal"] == "P-9"
        assert receipt["leaf_hash"] == merkle.leaf_hash(receipt["entry"].encode()).hex()
        assert "leaf_index" not in receipt  # not integrated yet
        promise = open_promise(receipt["promise"], [keys.signer().verifier])
        assert promise.origin == keys.origin("con-recibos") and promise.leaf_hash.hex() == receipt["leaf_hash"]
    ledger.integrate(consultation.id)
    receipts = client.get("/me/receipts.json").get_json()
    assert sorted(r["leaf_index"] for r in receipts) == [2, 3, 4]
    page = client.get("/me").get_data(as_text=True)
    assert "Mis recibos" in page and "Entrada 2 del registro" in page
    link = page.split('href="/me/receipts/')[1].split('"')[0]
    download = client.get(f"/me/receipts/{link}")
    assert download.status_code == 200 and "attachment" in download.headers["Content-Disposition"]
    assert download.get_json() in receipts


def test_receipts_need_a_login_and_are_ones_own(client, factory):
    assert client.get("/me/receipts.json").status_code == 302
    consultation = factory.consultation()
    proposal = factory.proposal(consultation)
    cast_vote(factory.user(), proposal)
    factory.user(email="ajena@example.co")
    login(client, "ajena@example.co")
    assert client.get("/me/receipts.json").get_json() == []
    assert client.get("/me/receipts/1.json").status_code == 404
