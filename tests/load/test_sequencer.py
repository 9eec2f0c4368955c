"""The site integrates its log by itself, beside the requests, within the maximum merge delay."""
import time

from aga_consulta.extensions import db
from aga_consulta.ledger import services as ledger
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
        assert "the transparency sequencer integrated" in site.log_text()
    finally:
        site.stop()
    assert not server_errors(site)
