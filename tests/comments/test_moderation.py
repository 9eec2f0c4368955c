"""Comment moderation: hiding, restoring, the queue and auto-hide, without HTTP."""
import json
from datetime import timedelta

import pytest

from aga_consulta.comments.models import Comment, CommentReport
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
        reporters = [factory.reporter() for _ in range(4)]
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
        reporters = [factory.reporter() for _ in range(6)]
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
        reporter = factory.reporter(email=f"en{n}@example.co")
        other = app.test_client()
        login(other, reporter.email)
        other.post(f"/comments/{comment.id}/report", data={"reason": "Offensive"}, headers={"Accept-Language": "en"})
    db.session.expire_all()
    assert "Oculto automáticamente tras 3 reportes" in db.session.get(Comment, comment.id).moderation_reason


class TestWhichReportsCount:
    """report_counts: each sign judged at the time of the report, or of the reported comment."""

    @pytest.fixture
    def comment(self, factory):
        return add_comment(factory.user(), factory.proposal(factory.consultation()), "Comentario reportado")

    def _report(self, comment, reporter, at):
        report_comment(reporter, comment, "Ofensivo", now=at)
        db.session.expire_all()
        return db.session.scalar(db.select(CommentReport).where(CommentReport.user_id == reporter.id))

    @pytest.mark.parametrize("age, counts", [(timedelta(hours=72), True), (timedelta(hours=72) - timedelta(seconds=1), False)])
    def test_an_account_counts_from_the_minimum_age_on(self, comment, factory, age, counts):
        reporter = factory.user()
        at = comment.created_at + timedelta(minutes=1)
        reporter.created_at = at - age
        db.session.commit()
        report = self._report(comment, reporter, at)
        assert comment_moderation.report_counts(report, timedelta(hours=72)) is counts

    def test_an_e_mail_counts_if_confirmed_by_the_time_of_the_report(self, comment, factory):
        on_time, late = factory.user(), factory.user()
        at = comment.created_at + timedelta(minutes=1)
        on_time.email_confirmed_at, late.email_confirmed_at = at, at + timedelta(seconds=1)
        db.session.commit()
        assert comment_moderation.report_counts(self._report(comment, on_time, at), timedelta(hours=72))
        assert not comment_moderation.report_counts(self._report(comment, late, at), timedelta(hours=72))

    def test_participation_counts_only_before_the_comment_was_posted(self, comment, factory):
        before, same_time = factory.user(), factory.user()
        before.first_participated_at = comment.created_at - timedelta(seconds=1)
        same_time.first_participated_at = comment.created_at
        db.session.commit()
        at = comment.created_at + timedelta(minutes=1)
        assert comment_moderation.report_counts(self._report(comment, before, at), timedelta(hours=72))
        assert not comment_moderation.report_counts(self._report(comment, same_time, at), timedelta(hours=72))

    def test_a_minimum_age_of_zero_lets_every_report_count(self, app, comment, factory):
        app.config["REPORT_TRUST_MIN_ACCOUNT_AGE"] = timedelta(0)
        try:
            for _ in range(3):
                report_comment(factory.user(), comment, "Ofensivo")
        finally:
            app.config["REPORT_TRUST_MIN_ACCOUNT_AGE"] = timedelta(hours=72)
        assert comment.status == "hidden"

    def test_the_queue_lists_every_report_and_marks_those_that_do_not_count(self, comment, factory):
        fresh, trusted = factory.user(), factory.reporter()
        for reporter in (fresh, trusted):
            report_comment(reporter, comment, "Ofensivo")
        (item,) = comment_moderation.comment_queue(min_account_age=timedelta(hours=72)).items
        assert item.pending and {r.user_id for r in item.reports} == {fresh.id, trusted.id}
        assert {r.user_id for r in item.reports if r.id in item.uncounted} == {fresh.id}
        assert comment_moderation.comment_queue().items[0].uncounted == frozenset()
