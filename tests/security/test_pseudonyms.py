"""Finding 7 of issue 11: the moderators' pseudonyms could be reversed. Public comments showed
a name with a time to the microsecond; comments.csv had the same time to the second beside a
pseudonym, and votes.csv used the same pseudonym: joining them named 102 commenters' votes."""
import csv
import io
import re
from datetime import timedelta

import pytest

from aga_consulta.comments.services import add_comment
from aga_consulta.extensions import db
from aga_consulta.timeutil import utcnow
from aga_consulta.voting.services import cast_vote
from tests.helpers import login
from tests.security.support import fetch

SECONDS = re.compile(r"\d{1,2}:\d{2}:\d{2}")


def _rows(client, url):
    response, body = fetch(client, url)
    assert response.status_code == 200, url
    return list(csv.DictReader(io.StringIO(body.decode(), newline="")))


@pytest.fixture
def world(app, factory):
    """Ana comments and votes in two consultations; others comment beside her."""
    first, second = factory.consultation(slug="primera"), factory.consultation(slug="segunda")
    proposal, other = factory.proposal(first, code="A-1"), factory.proposal(second, code="B-1")
    ana, beto = factory.user(name="Ana Torres"), factory.user(name="Beto Ruiz")
    at = utcnow().replace(second=0, microsecond=0) - timedelta(minutes=30)
    for minute, (author, body) in enumerate([(ana, "Primero"), (beto, "Segundo"), (ana, "Tercero")]):
        comment = add_comment(author, proposal, body)
        comment.created_at = at + timedelta(minutes=minute, seconds=17 + minute, microseconds=123456)
    db.session.commit()
    cast_vote(ana, proposal)
    cast_vote(ana, other)
    cast_vote(beto, other)
    moderator = app.test_client()
    login(moderator, factory.user(role="moderator").email)
    return {"proposal": proposal, "moderator": moderator}


def test_one_persons_pseudonyms_differ_between_exports_and_between_consultations(world):
    moderator = world["moderator"]
    votes = {row["participant"] for row in _rows(moderator, "/moderation/consultations/primera/export/votes.csv")}
    comments = {row["participant"] for row in _rows(moderator, "/moderation/consultations/primera/export/comments.csv")}
    people = {row["participant"] for row in _rows(moderator, "/moderation/consultations/primera/export/participants.csv")}
    elsewhere = {row["participant"] for row in _rows(moderator, "/moderation/consultations/segunda/export/votes.csv")}
    assert len(votes) == 1 and len(comments) == 2 and len(people) == 2 and len(elsewhere) == 2
    assert votes.isdisjoint(comments) and votes.isdisjoint(people) and comments.isdisjoint(people)
    assert votes.isdisjoint(elsewhere)


def test_pseudonyms_stay_stable_within_one_export_of_one_consultation(world):
    url = "/moderation/consultations/primera/export/comments.csv"
    assert _rows(world["moderator"], url) == _rows(world["moderator"], url)


def test_public_comment_times_carry_no_seconds(app, world):
    html = app.test_client().get(f"/proposals/{world['proposal'].id}").get_data(as_text=True)
    stamps = re.findall(r'<time datetime="([^"]+)">([^<]+)</time>', html)
    assert len(stamps) == 3
    for machine, shown in stamps:
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}Z", machine), machine
        assert not SECONDS.search(shown), shown
    english = app.test_client().get(f"/proposals/{world['proposal'].id}", headers={"Accept-Language": "en"})
    assert not SECONDS.search(english.get_data(as_text=True).split("<footer")[0])


def test_joining_public_comments_to_the_exports_names_no_vote(app, world):
    """The probe's join, replayed: public (name, time) -> comments.csv pseudonym -> votes.csv."""
    html = app.test_client().get(f"/proposals/{world['proposal'].id}").get_data(as_text=True)
    public = re.findall(r'<strong>([^<]+)</strong> · <time datetime="([^"]+)">', html)
    assert "Ana T." in {name for name, _ in public}
    comments = _rows(world["moderator"], "/moderation/consultations/primera/export/comments.csv")
    named = {}
    for name, stamp in public:
        for row in comments:
            if row["created_at"].startswith(stamp[:-1]):  # the same minute
                named.setdefault(row["participant"], set()).add(name)
    assert any("Ana T." in names for names in named.values())  # the comments file itself still joins
    votes = _rows(world["moderator"], "/moderation/consultations/primera/export/votes.csv")
    assert not {row["participant"] for row in votes} & set(named)
