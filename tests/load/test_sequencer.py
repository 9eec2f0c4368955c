"""The site integrates its log by itself, beside the requests, within the maximum merge delay."""
import time

from sqlalchemy import func, select

from aga_consulta.extensions import db
from aga_consulta.ledger import services as ledger
from aga_consulta.ledger.models import TransparencyEntry
from tests.load.browser import Browser
from tests.load.conftest import server_errors, start_site


def test_a_vote_is_integrated_within_the_mmd_with_no_request_after_it(app, database_url, log_dir, factory):
    citizen = factory.user()
    consultation = factory.consultation()
    proposal_id = factory.proposal(consultation).id
    site = start_site(log_dir, database_url, "sequencer", workers=1, threads=1,
                      extra_env={"TRANSPARENCY_AUTO_INTEGRATE": "1", "TRANSPARENCY_MMD": "2"})
    try:
        browser = Browser(site.url)
        assert browser.login(citizen.email).status_code == 302
        token = browser.token(f"/proposals/{proposal_id}")
        assert browser.post(f"/proposals/{proposal_id}/vote", {"csrf_token": token}).status_code == 303
        # No request from here on: the worker's own thread must integrate (opened,
        # published, the vote) within the MMD of 2 s; 30 s leaves room for a slow machine.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            db.session.rollback()
            latest = ledger.latest_checkpoint(consultation.id)
            if latest is not None and latest.size == 3:
                break
            time.sleep(0.2)
        assert latest is not None and latest.size == 3
        assert db.session.execute(ledger.pending_entries(consultation.id)).all() == []
        # The run began within three quarters of the MMD after the vote (1.5 s here), give or
        # take a loaded machine's scheduling: the MMD plus 2 s of slack catches a sequencer
        # that waits for anything but its own clock.
        voted_at = db.session.scalar(select(func.max(TransparencyEntry.created_at)).where(
            TransparencyEntry.consultation_id == consultation.id))
        assert (latest.created_at - voted_at).total_seconds() < 2 + 2
        assert "the transparency sequencer integrated" in site.log_text()
    finally:
        site.stop()
    assert not server_errors(site)


def test_every_worker_starts_its_sequencer_when_it_boots(app, database_url, log_dir):
    # Not at its first request: a worker restarted on a quiet site must still integrate.
    site = start_site(log_dir, database_url, "sequencer-boot", workers=2, threads=1,
                      extra_env={"TRANSPARENCY_AUTO_INTEGRATE": "1"})
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and site.log_text().count("the transparency sequencer started") < 2:
            time.sleep(0.2)
        started = site.log_text().count("the transparency sequencer started")
    finally:
        site.stop()
    # Two workers, one served the readiness check: both started at boot, and once each.
    assert started == 2
