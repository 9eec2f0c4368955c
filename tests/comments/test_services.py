"""Comment services, without HTTP."""
import pytest

from aga_consulta.comments import services
from aga_consulta.comments.models import Comment, CommentReport
from aga_consulta.errors import ConsultationClosed, NotAllowed, ValidationFailed
from tests.helpers import count


@pytest.fixture
def setting(factory):
    consultation = factory.consultation()
    return factory.user(), factory.user(), factory.proposal(consultation), consultation


def test_comment_is_trimmed_and_published(setting):
    author, _, proposal, consultation = setting
    comment = services.add_comment(author, proposal, "   Buena propuesta  \r\n")
    assert comment.body == "Buena propuesta"
    assert comment.status == "published" and comment.consultation_id == consultation.id


@pytest.mark.parametrize("body", ["", "  ", "ab", "  ab  ", "x" * 2001, "hola\x00mundo"])
def test_bad_bodies_are_refused_and_nothing_is_stored(setting, body):
    author, _, proposal, _ = setting
    with pytest.raises(ValidationFailed):
        services.add_comment(author, proposal, body)
    assert count(Comment) == 0


def test_limits_are_inclusive(setting):
    author, _, proposal, _ = setting
    services.add_comment(author, proposal, "abc")
    services.add_comment(author, proposal, "x" * 2000)
    assert count(Comment) == 2


def test_reply_and_reply_to_reply_attach_to_the_top_level(setting):
    author, other, proposal, _ = setting
    top = services.add_comment(author, proposal, "Comentario principal")
    reply = services.add_comment(other, proposal, "Una respuesta", parent=top)
    nested = services.add_comment(author, proposal, "Respuesta a la respuesta", parent=reply)
    assert reply.parent_id == top.id and nested.parent_id == top.id


def test_reply_to_a_comment_on_another_proposal_is_refused(factory, setting):
    author, _, proposal, consultation = setting
    elsewhere = services.add_comment(author, factory.proposal(consultation), "En otra propuesta")
    with pytest.raises(ValidationFailed):
        services.add_comment(author, proposal, "Respuesta cruzada", parent=elsewhere)
    assert count(Comment) == 1


def test_database_refuses_a_cross_proposal_parent(factory, setting):
    """The composite foreign key keeps a reply on its parent's proposal."""
    from sqlalchemy.exc import IntegrityError

    from aga_consulta.extensions import db

    author, _, proposal, consultation = setting
    elsewhere = services.add_comment(author, factory.proposal(consultation), "En otra propuesta")
    db.session.add(Comment(proposal_id=proposal.id, consultation_id=consultation.id, user_id=author.id,
                           parent_id=elsewhere.id, body="cruzado"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    assert count(Comment) == 1


def test_comment_on_closed_consultation_is_refused(factory):
    author = factory.user()
    proposal = factory.proposal(factory.consultation(state="closed"))
    with pytest.raises(ConsultationClosed):
        services.add_comment(author, proposal, "Llego tarde")
    assert count(Comment) == 0


def test_report_once_per_citizen(setting):
    author, reporter, proposal, _ = setting
    comment = services.add_comment(author, proposal, "Comentario ofensivo")
    services.report_comment(reporter, comment, "Es ofensivo")
    with pytest.raises(services.AlreadyReported):
        services.report_comment(reporter, comment, "Otra vez")
    assert count(CommentReport) == 1


def test_cannot_report_own_comment_or_with_bad_reason(setting):
    author, reporter, proposal, _ = setting
    comment = services.add_comment(author, proposal, "Mi comentario")
    with pytest.raises(NotAllowed):
        services.report_comment(author, comment, "Me reporto")
    with pytest.raises(ValidationFailed):
        services.report_comment(reporter, comment, "no")
    assert count(CommentReport) == 0


def test_enough_distinct_reports_hide_the_comment_pending_review(factory, setting):
    author, _, proposal, _ = setting
    comment = services.add_comment(author, proposal, "Comentario ofensivo")
    for _ in range(2):
        services.report_comment(factory.reporter(), comment, "Ofensivo")
    assert comment.status == "published"
    services.report_comment(factory.reporter(), comment, "Ofensivo")
    assert comment.status == "hidden"
    assert "3 reportes" in comment.moderation_reason


def test_visible_thread_hides_hidden_comments_from_the_public(setting):
    author, other, proposal, _ = setting
    shown = services.add_comment(author, proposal, "Visible")
    hidden = services.add_comment(other, proposal, "Oculto")
    hidden.status = "hidden"
    public = [c.id for c, _ in services.visible_thread(proposal.id)]
    assert public == [shown.id]
    as_author = [c.id for c, _ in services.visible_thread(proposal.id, other)]
    assert as_author == [shown.id, hidden.id]


def test_a_hidden_comment_takes_its_replies_out_of_the_public_thread(factory, setting):
    author, other, proposal, _ = setting
    top = services.add_comment(author, proposal, "Principal")
    reply = services.add_comment(other, proposal, "Respuesta", parent=top)
    top.status = "hidden"
    assert services.visible_thread(proposal.id) == []
    assert not reply.is_visible
    # The hidden comment's author sees it, marked, but not the replies the public no longer sees.
    assert services.visible_thread(proposal.id, author) == [(top, [])]
    moderator = factory.user(role="moderator")
    assert services.visible_thread(proposal.id, moderator) == [(top, [reply])]
    with pytest.raises(ValidationFailed):
        services.add_comment(author, proposal, "Respondo", parent=reply)
    assert count(Comment) == 2
