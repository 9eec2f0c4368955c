"""The proposal listing service: live counts, filters, sorts and pages, without HTTP."""
from aga_consulta.comments.services import add_comment
from aga_consulta.extensions import db
from aga_consulta.portal.services import list_proposals
from aga_consulta.voting.services import cast_vote, withdraw_vote


def _codes(rows):
    return [row[0].code for row in rows]


def test_counts_are_active_votes_and_published_comments(factory):
    consultation = factory.consultation()
    first = factory.proposal(consultation, code="A-1")
    second = factory.proposal(consultation, code="A-2")
    voters = [factory.user() for _ in range(3)]
    for citizen in voters:
        cast_vote(citizen, first)
    withdraw_vote(voters[0], first)
    cast_vote(voters[0], second)
    add_comment(voters[1], second, "Un comentario visible")
    hidden = add_comment(voters[2], second, "Un comentario que se oculta")
    hidden.status = "hidden"
    db.session.commit()
    # Another consultation's activity never shows here.
    other = factory.proposal(factory.consultation(), code="A-1")
    cast_vote(voters[1], other)

    rows, total = list_proposals(consultation)
    assert total == 2
    assert [(row[0].code, row[1], row[2]) for row in rows] == [("A-1", 2, 0), ("A-2", 1, 1)]


def test_sort_by_votes_breaks_ties_by_comments_then_code(factory):
    consultation = factory.consultation()
    proposals = [factory.proposal(consultation, code=code) for code in ("C-3", "C-1", "C-2")]
    citizen = factory.user()
    add_comment(citizen, proposals[0], "Empata en votos y gana por comentarios")
    assert _codes(list_proposals(consultation, sort="votes")[0]) == ["C-3", "C-1", "C-2"]
    cast_vote(citizen, proposals[2])
    assert _codes(list_proposals(consultation, sort="votes")[0]) == ["C-2", "C-3", "C-1"]


def test_filters_combine(factory):
    consultation = factory.consultation()
    factory.proposal(consultation, code="N-1", theme="datos")
    factory.proposal(consultation, code="S-1", scope="subnational", department="76", theme="datos")
    factory.proposal(consultation, code="S-2", scope="subnational", department="76", theme="agua")
    rows, total = list_proposals(consultation, scope="subnational", department="76", theme="datos")
    assert (_codes(rows), total) == (["S-1"], 1)
    assert list_proposals(consultation, scope="national", department="76") == ([], 0)


def test_random_pages_partition_the_proposals_and_depend_on_the_seed(factory):
    consultation = factory.consultation()
    codes = {f"R-{i:02d}" for i in range(25)}
    for code in sorted(codes):
        factory.proposal(consultation, code=code)

    def pages(seed):
        return [_codes(list_proposals(consultation, sort="random", seed=seed, page=page, per_page=10)[0])
                for page in (1, 2, 3)]

    first = pages("visitante-1")
    assert [len(page) for page in first] == [10, 10, 5]
    assert set().union(*map(set, first)) == codes
    assert pages("visitante-1") == first
    assert pages("visitante-2") != first
    assert list_proposals(consultation, sort="random", seed="x", page=4, per_page=10) == ([], 25)
