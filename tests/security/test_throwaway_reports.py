"""Issue 11, finding 2: accounts made for the purpose cannot hide a comment by reporting it.

The probe registered three accounts from one address and reported comment 23: it disappeared
at once. A report counts toward auto-hide only when its account could not have been minted for
the attack: an e-mail confirmed before the report, an account old enough when it reports
(REPORT_TRUST_MIN_ACCOUNT_AGE_HOURS), or a vote or comment made before the reported comment was
posted. Every report is still stored and reaches the moderators' queue.
"""
from datetime import timedelta

import pytest

from aga_consulta.comments.models import Comment, CommentReport
from aga_consulta.comments.services import add_comment, report_comment
from aga_consulta.extensions import db
from aga_consulta.timeutil import utcnow
from aga_consulta.voting.services import cast_vote
from tests.helpers import audit_entries, count, login

BODY = "Una crítica que a alguien no le gustó 2c7e"
NOT_COUNTED = "no cuenta para el ocultamiento automático"


@pytest.fixture
def scene(factory):
    """An open consultation, a comment posted a minute from now, and the times around it."""
    consultation = factory.consultation(slug="plan")
    proposal = factory.proposal(consultation, code="F-1")
    other = factory.proposal(consultation, code="F-2")
    start = utcnow()
    return {"consultation": consultation, "proposal": proposal, "other": other, "author": factory.user(),
            "before": start, "posted": start + timedelta(minutes=1), "after": start + timedelta(minutes=2)}


def _post(scene):
    return add_comment(scene["author"], scene["proposal"], BODY, now=scene["posted"])


def _report_all(scene, comment, reporters, reason="Me parece ofensivo"):
    for n, reporter in enumerate(reporters):
        report_comment(reporter, comment, reason, now=scene["after"] + timedelta(seconds=n))
    db.session.expire_all()
    return db.session.get(Comment, comment.id)


def _trusted(kind, factory, scene):
    """A reporter whose report counts, by one sign only."""
    if kind == "confirmed e-mail":
        return factory.reporter()
    user = factory.user()
    if kind == "old account":
        user.created_at = utcnow() - timedelta(hours=73)
        db.session.commit()
    elif kind == "voted before the comment":
        cast_vote(user, scene["other"], now=scene["before"])
    elif kind == "commented before the comment":
        add_comment(user, scene["other"], "Mi primer comentario", now=scene["before"])
    return user


TRUST = ("confirmed e-mail", "old account", "voted before the comment", "commented before the comment")


def test_three_fresh_accounts_leave_the_comment_published_and_in_the_queue(app, factory, scene, moderator):
    comment = _post(scene)
    throwaways = [factory.user(email=f"desechable{n}@example.co") for n in range(3)]
    comment = _report_all(scene, comment, throwaways)

    assert comment.status == "published" and comment.auto_hidden_at is None
    assert count(CommentReport) == 3 and audit_entries("comment.auto_hide") == []
    assert BODY in app.test_client().get(f"/proposals/{scene['proposal'].id}").get_data(as_text=True)
    staff = app.test_client()
    login(staff, moderator.email)
    queue = staff.get("/moderation/comments").get_data(as_text=True)
    assert BODY in queue and "3 reportes" in queue and "Reportes sin revisar" in queue
    assert queue.count(NOT_COUNTED) == 3


def test_fresh_accounts_that_vote_just_before_reporting_still_do_not_count(factory, scene):
    comment = _post(scene)
    throwaways = [factory.user() for _ in range(3)]
    for user in throwaways:
        cast_vote(user, scene["other"], now=scene["after"])
    comment = _report_all(scene, comment, throwaways)
    assert comment.status == "published" and audit_entries("comment.auto_hide") == []


@pytest.mark.parametrize("kind", TRUST)
def test_three_reports_that_count_hide_the_comment_once_logged_by_the_system(factory, scene, kind):
    reporters = [_trusted(kind, factory, scene) for _ in range(3)]
    comment = _report_all(scene, _post(scene), reporters)
    assert comment.status == "hidden" and comment.auto_hidden_at is not None
    (entry,) = audit_entries("comment.auto_hide")
    assert (entry.target_id, entry.actor_id) == (comment.id, None)


def test_mixed_reports_hide_only_when_three_of_them_count(app, factory, scene, moderator):
    comment = _post(scene)
    comment = _report_all(scene, comment, [_trusted("confirmed e-mail", factory, scene),
                                           _trusted("old account", factory, scene),
                                           factory.user(), factory.user()])
    assert comment.status == "published" and audit_entries("comment.auto_hide") == []
    comment = _report_all(scene, comment, [_trusted("voted before the comment", factory, scene)])
    assert comment.status == "hidden" and "3 reportes" in comment.moderation_reason
    assert len(audit_entries("comment.auto_hide")) == 1 and count(CommentReport) == 5
    staff = app.test_client()
    login(staff, moderator.email)
    queue = staff.get("/moderation/comments").get_data(as_text=True)
    assert "5 reportes" in queue and queue.count(NOT_COUNTED) == 2


def test_what_an_account_does_after_its_report_does_not_make_the_report_count(factory, scene):
    comment = _post(scene)
    throwaways = [factory.user() for _ in range(2)]
    comment = _report_all(scene, comment, throwaways)
    for user in throwaways:
        user.email_confirmed_at = scene["after"] + timedelta(minutes=5)
    db.session.commit()
    comment = _report_all(scene, comment, [factory.reporter()])
    assert comment.status == "published" and audit_entries("comment.auto_hide") == []
