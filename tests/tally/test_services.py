"""The tally on small hand-built datasets whose answers are known."""
from datetime import timedelta

import pytest

from aga_consulta.comments.services import add_comment
from aga_consulta.comments.moderation import hide_comment
from aga_consulta.proposals.workflow import change_status
from aga_consulta.tally.services import compute_tally, participation_over_time
from aga_consulta.timeutil import utcnow
from aga_consulta.voting.services import cast_vote, withdraw_vote


@pytest.fixture
def consultation(factory):
    return factory.consultation(slug="pequena")


def test_empty_consultation_has_zero_everywhere(factory, consultation):
    tally = compute_tally(consultation)
    assert tally == {
        "consultation": "pequena",
        "proposals": {"total": 0, "national": 0, "subnational": 0},
        "participants": 0, "voters": 0, "commenters": 0, "votes": 0,
        "comments": {"received": 0, "published": 0, "hidden": 0},
        "selected": {"total": 0, "national": 0, "subnational": 0},
        "ranking": [], "by_department": [],
    }
    assert participation_over_time(consultation) == []


def test_a_citizen_who_votes_and_comments_counts_once(factory, consultation):
    proposal = factory.proposal(consultation)
    other = factory.proposal(consultation)
    citizen = factory.user()
    cast_vote(citizen, proposal)
    cast_vote(citizen, other)
    add_comment(citizen, proposal, "Me parece una buena idea.")
    add_comment(citizen, other, "Esta también.")
    tally = compute_tally(consultation)
    assert (tally["participants"], tally["voters"], tally["commenters"]) == (1, 1, 1)
    assert tally["votes"] == 2 and tally["comments"]["received"] == 2


def test_withdrawn_votes_do_not_count(factory, consultation):
    proposal = factory.proposal(consultation)
    keeps, withdraws = factory.user(), factory.user()
    cast_vote(keeps, proposal)
    cast_vote(withdraws, proposal)
    withdraw_vote(withdraws, proposal)
    # Voting again after a withdrawal is one active vote, not two.
    cast_vote(keeps, factory.proposal(consultation))
    withdraw_vote(keeps, proposal)
    cast_vote(keeps, proposal)
    tally = compute_tally(consultation)
    assert tally["votes"] == 2
    assert (tally["participants"], tally["voters"]) == (1, 1)
    assert {row["code"]: row["votes"] for row in tally["ranking"]}[proposal.code] == 1


def test_hidden_comments_count_as_received_not_published(factory, consultation):
    proposal = factory.proposal(consultation)
    moderator = factory.user(role="moderator")
    author, other = factory.user(), factory.user()
    hidden = add_comment(author, proposal, "Un comentario ofensivo.")
    add_comment(other, proposal, "Un comentario correcto.")
    hide_comment(moderator, hidden, "Lenguaje ofensivo.")
    tally = compute_tally(consultation)
    assert tally["comments"] == {"received": 2, "published": 1, "hidden": 1}
    # The author of a hidden comment still took part.
    assert (tally["participants"], tally["commenters"]) == (2, 2)
    # Public per-proposal counts leave hidden comments out.
    assert tally["ranking"][0]["comments"] == 1


def test_replies_count_as_comments(factory, consultation):
    proposal = factory.proposal(consultation)
    author, replier = factory.user(), factory.user()
    parent = add_comment(author, proposal, "Pregunta: ¿cuánto cuesta?")
    add_comment(replier, proposal, "Respuesta: poco.", parent=parent)
    add_comment(author, proposal, "Gracias.", parent=parent)
    tally = compute_tally(consultation)
    assert tally["comments"]["received"] == 3
    assert (tally["participants"], tally["commenters"], tally["voters"]) == (2, 2, 0)


def test_registered_citizens_who_did_nothing_are_not_participants(factory, consultation):
    proposal = factory.proposal(consultation)
    factory.user(), factory.user(department="05")
    active = factory.user()
    cast_vote(active, proposal)
    tally = compute_tally(consultation)
    assert tally["participants"] == 1
    assert [row["code"] for row in tally["by_department"]] == ["11"]


def test_another_consultations_activity_never_leaks_in(factory, consultation):
    other = factory.consultation(slug="otra")
    here, there = factory.proposal(consultation), factory.proposal(other, scope="subnational", department="05")
    citizen, outsider = factory.user(), factory.user(department="05")
    cast_vote(citizen, here)
    cast_vote(citizen, there)
    cast_vote(outsider, there)
    add_comment(outsider, there, "Solo en la otra consulta.")
    moderator = factory.user(role="moderator")
    change_status(moderator, there, "shortlisted", "Cumple los requisitos.")
    change_status(moderator, there, "selected", "Muy apoyada.")
    tally = compute_tally(consultation)
    assert (tally["participants"], tally["votes"], tally["comments"]["received"]) == (1, 1, 0)
    assert tally["proposals"] == {"total": 1, "national": 1, "subnational": 0}
    assert tally["selected"]["total"] == 0
    assert [row["code"] for row in tally["ranking"]] == [here.code]
    assert tally["by_department"] == [
        {"code": "11", "name": "Bogotá D.C.", "participants": 1, "voters": 1, "commenters": 0}
    ]
    elsewhere = compute_tally(other)
    assert (elsewhere["participants"], elsewhere["votes"], elsewhere["comments"]["received"]) == (2, 2, 1)
    assert elsewhere["selected"] == {"total": 1, "national": 0, "subnational": 1}


def test_ranking_orders_by_votes_then_comments_then_code(factory, consultation):
    b = factory.proposal(consultation, code="B")
    a = factory.proposal(consultation, code="A")
    c = factory.proposal(consultation, code="C", scope="subnational", department="52")
    d = factory.proposal(consultation, code="D")
    citizens = [factory.user() for _ in range(3)]
    for citizen in citizens:
        cast_vote(citizen, c)
    cast_vote(citizens[0], a)
    cast_vote(citizens[1], b)
    add_comment(citizens[2], b, "Un comentario que desempata.")
    tally = compute_tally(consultation)
    assert [(r["code"], r["votes"], r["comments"]) for r in tally["ranking"]] == [
        ("C", 3, 0), ("B", 1, 1), ("A", 1, 0), ("D", 0, 0),
    ]
    first = tally["ranking"][0]
    assert (first["scope"], first["department"], first["status"], first["title"]) == (
        "subnational", "52", "received", c.title,
    )
    assert d.code == tally["ranking"][-1]["code"]


def test_by_department_sums_to_the_totals(factory, consultation):
    proposal = factory.proposal(consultation)
    people = {"05": 3, "76": 2, "11": 1}
    for code, n in people.items():
        for i in range(n):
            citizen = factory.user(department=code)
            if i % 2 == 0:
                cast_vote(citizen, proposal)
            else:
                add_comment(citizen, proposal, "Comentario de prueba.")
    both = factory.user(department="76")
    cast_vote(both, proposal)
    add_comment(both, proposal, "Voto y comento.")
    tally = compute_tally(consultation)
    rows = tally["by_department"]
    assert [(r["code"], r["participants"], r["voters"], r["commenters"]) for r in rows] == [
        ("05", 3, 2, 1), ("76", 3, 2, 2), ("11", 1, 1, 0),
    ]
    assert rows[0]["name"] == "Antioquia"
    assert sum(r["participants"] for r in rows) == tally["participants"] == 7
    assert sum(r["voters"] for r in rows) == tally["voters"] == 5
    assert sum(r["commenters"] for r in rows) == tally["commenters"] == 3


def test_participation_over_time_counts_each_participant_on_their_first_day(factory):
    consultation = factory.consultation(slug="semana")
    consultation.opens_at = utcnow() - timedelta(days=5)
    proposal = factory.proposal(consultation)
    # Noon in Bogotá (17:00 UTC); the second day has nobody new.
    day0 = (consultation.opens_at + timedelta(days=1)).replace(hour=17, minute=0, second=0, microsecond=0)
    first, second = factory.user(), factory.user()
    cast_vote(first, proposal, now=day0)
    add_comment(first, proposal, "Vuelvo dos días después.", now=day0 + timedelta(days=2))
    add_comment(second, proposal, "Llego el tercer día.", now=day0 + timedelta(days=2))
    # 03:00 UTC is still the previous evening in Bogotá.
    late = factory.user()
    cast_vote(late, proposal, now=day0 + timedelta(days=3, hours=10))
    series = participation_over_time(consultation)
    # The first citizen's comment two days later does not count them again.
    assert [(row["new"], row["cumulative"]) for row in series] == [(1, 1), (0, 1), (1, 2), (1, 3)]
    assert series[0]["day"] == day0.date()
    assert series[-1]["day"] == day0.date() + timedelta(days=3)


def test_code_tie_break_is_byte_order_on_every_database(factory, consultation):
    # A language collation on PostgreSQL would sort "N-10" after "N1" and "b1" before "C2".
    for code in ("b1", "N1", "N-10", "C2"):
        factory.proposal(consultation, code=code)
    assert [row["code"] for row in compute_tally(consultation)["ranking"]] == ["C2", "N-10", "N1", "b1"]
