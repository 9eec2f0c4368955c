"""Comment moderation: hiding, restoring, the queue and auto-hide, without HTTP."""
import json

import pytest

from aga_consulta.comments.models import Comment
from aga_consulta.comments.services import add_comment, report_comment
from aga_consulta.errors import NotAllowed, ValidationFailed
from aga_consulta.extensions import db
from aga_consulta.comments import moderation as comment_moderation
from tests.helpers import audit_entries as entries

class TestCommentModeration:
    @pytest.fixture
    def comment(self, factory):
        author = factory.user(name="Autora")
        return add_comment(author, factory.proposal(factory.consultation()), "Un comentario grosero")

    def test_hide_then_restore_with_reasons_and_audit(self, comment, moderator):
        comment_moderation.hide_comment(moderator, comment, "Lenguaje ofensivo")
        assert comment.status == "hidden" and comment.moderation_reason == "Lenguaje ofensivo"
        assert comment.moderated_at is not None
        with pytest.raises(comment_moderation.NothingToModerate):
            comment_moderation.hide_comment(moderator, comment, "Otra vez")
        comment_moderation.restore_comment(moderator, comment, "Revisado: no infringe las normas")
        assert comment.status == "published"
        with pytest.raises(comment_moderation.NothingToModerate):
            comment_moderation.restore_comment(moderator, comment, "Otra vez")
        hide, restore = entries()
        assert hide.action == "comment.hide" and restore.action == "comment.restore"
        assert json.loads(hide.before)["status"] == "published" and json.loads(hide.after)["status"] == "hidden"
        assert json.loads(restore.after) == {"status": "published", "moderation_reason": "Revisado: no infringe las normas",
                                             "pending_review": False}
        assert hide.reason == "Lenguaje ofensivo"

    def test_hide_needs_role_and_reason(self, comment, factory, moderator):
        with pytest.raises(NotAllowed):
            comment_moderation.hide_comment(factory.user(), comment, "Lenguaje ofensivo")
        with pytest.raises(ValidationFailed):
            comment_moderation.hide_comment(moderator, comment, "  ")
        db.session.expire_all()
        assert db.session.get(Comment, comment.id).status == "published"
        assert entries() == []

    def test_auto_hide_is_pending_review_logged_by_the_system(self, app, comment, factory, moderator):
        reporters = [factory.user() for _ in range(4)]
        for reporter in reporters[:2]:
            report_comment(reporter, comment, "Ofensivo")
        assert comment.status == "published"
        report_comment(reporters[2], comment, "Ofensivo")
        assert comment.status == "hidden" and comment.auto_hidden_at is not None
        assert "3 reportes" in comment.moderation_reason
        (entry,) = entries()
        assert (entry.action, entry.actor_id, entry.actor_role) == ("comment.auto_hide", None, "system")
        queue = comment_moderation.comment_queue()
        items, total = queue.items, queue.total
        assert total == 1 and items[0].pending and len(items[0].reports) == 3
        # The moderator confirms: no longer pending, now hidden by a person.
        comment_moderation.hide_comment(moderator, comment, "Confirmado: insulta a otra persona")
        assert comment.auto_hidden_at is None
        assert comment_moderation.comment_queue().total == 0
        assert comment_moderation.comment_queue(pending_only=False).total == 1

    def test_restore_does_not_rehide_on_the_same_reports(self, app, comment, factory, moderator):
        reporters = [factory.user() for _ in range(6)]
        for reporter in reporters[:3]:
            report_comment(reporter, comment, "Ofensivo")
        assert comment.status == "hidden"
        comment_moderation.restore_comment(moderator, comment, "Es una crítica legítima")
        assert comment.status == "published" and comment.auto_hidden_at is None
        assert comment_moderation.comment_queue().total == 0
        report_comment(reporters[3], comment, "Sigue siendo ofensivo")
        assert comment.status == "published"  # one new report is below the threshold
        assert comment_moderation.comment_queue().total == 1  # but it is back in the queue
        report_comment(reporters[4], comment, "Ofensivo")
        report_comment(reporters[5], comment, "Ofensivo")
        assert comment.status == "hidden"  # three new reports since the review

    def test_keep_published_clears_pending_reports(self, comment, factory, moderator):
        report_comment(factory.user(), comment, "No me gusta")
        assert comment_moderation.comment_queue().total == 1
        comment_moderation.restore_comment(moderator, comment, "No infringe las normas")
        assert comment.status == "published"
        assert comment_moderation.comment_queue().total == 0


def test_auto_hide_reason_is_stored_in_spanish_whatever_the_reporters_language(app, client, factory):
    from tests.helpers import login

    author = factory.user()
    comment = add_comment(author, factory.proposal(factory.consultation()), "Comentario reportado")
    for n in range(3):
        reporter = factory.user(email=f"en{n}@example.co")
        other = app.test_client()
        login(other, reporter.email)
        other.post(f"/comments/{comment.id}/report", data={"reason": "Offensive"}, headers={"Accept-Language": "en"})
    db.session.expire_all()
    assert "Oculto automáticamente tras 3 reportes" in db.session.get(Comment, comment.id).moderation_reason
