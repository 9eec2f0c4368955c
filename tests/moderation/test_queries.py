"""The dashboard's read-only queries, without HTTP."""


from aga_consulta.comments.services import add_comment
from aga_consulta.moderation import queries
from aga_consulta.proposals import workflow
from tests.helpers import REASON

def test_dashboard_table_filters_and_whitelisted_sorts(factory, moderator):
    consultation = factory.consultation()
    a = factory.proposal(consultation, code="A", scope="subnational", department="76", theme="agua")
    b = factory.proposal(consultation, code="B", scope="national")
    c = factory.proposal(consultation, code="C", scope="subnational", department="05")
    workflow.change_status(moderator, c, "shortlisted", REASON)
    voter = factory.user()
    from aga_consulta.voting.services import cast_vote

    cast_vote(voter, b)
    add_comment(voter, a, "Comentario uno")
    add_comment(voter, a, "Comentario dos")
    codes = lambda rows: [row[0].code for row in rows]  # noqa: E731
    assert codes(queries.dashboard_proposals(consultation, sort="votes")) == ["B", "A", "C"]
    assert codes(queries.dashboard_proposals(consultation, sort="comments")) == ["A", "B", "C"]
    assert codes(queries.dashboard_proposals(consultation, sort="status")) == ["C", "B", "A"]
    assert codes(queries.dashboard_proposals(consultation, sort="status", descending=False)) == ["B", "A", "C"]
    assert codes(queries.dashboard_proposals(consultation, sort="code; DROP TABLE users")) == ["B", "A", "C"]
    assert codes(queries.dashboard_proposals(consultation, scope="subnational")) == ["A", "C"]
    assert codes(queries.dashboard_proposals(consultation, department="05")) == ["C"]
    assert codes(queries.dashboard_proposals(consultation, theme="agua")) == ["A"]
    assert codes(queries.dashboard_proposals(consultation, status="shortlisted")) == ["C"]
