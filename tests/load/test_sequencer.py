"""The site integrates its log by itself, beside the requests, within the maximum merge delay."""
import os
import re
import signal
import time
from pathlib import Path

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
        # By the sequencer's own process: no worker started a thread.
        assert len(sequencer_pids(site)) == 1
        assert not set(sequencer_pids(site)) & set(site.worker_pids())
    finally:
        site.stop()
    assert not server_errors(site)


def sequencer_pids(site):
    """The processes where the site's log says a sequencer started, in order."""
    return [int(pid) for pid in re.findall(r"the transparency sequencer started in process (\d+)", site.log_text())]


def wait_for_starts(site, count, timeout=30):
    """Wait until `count` sequencers have started (or the timeout); return their pids."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and len(sequencer_pids(site)) < count:
        time.sleep(0.2)
    return sequencer_pids(site)


def test_the_sequencer_runs_in_one_process_that_gunicorn_restarts(app, database_url, log_dir):
    site = start_site(log_dir, database_url, "sequencer-process", workers=2, threads=1,
                      extra_env={"TRANSPARENCY_AUTO_INTEGRATE": "1"})
    try:
        (first,) = wait_for_starts(site, 1)
        # Not a web worker (they are the master's children; the sequencer is its grandchild).
        assert first not in site.worker_pids()
        os.kill(first, signal.SIGKILL)
        wait_for_starts(site, 2)
        time.sleep(1)  # a worker that wrongly started a thread would have said so by now
        pids = sequencer_pids(site)
        workers = site.worker_pids()
    finally:
        site.stop()
    # Killed, it came back as another process; the workers never started one of their own.
    assert len(pids) == 2 and pids[1] != first
    assert len(workers) == 2 and not set(pids) & set(workers)
    assert not server_errors(site)


def running(pid):
    """Whether a process runs (neither gone nor a zombie waiting to be reaped)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


def test_a_sequencer_whose_arbiter_is_killed_stops_and_one_other_takes_over(app, database_url, log_dir):
    site = start_site(log_dir, database_url, "sequencer-orphan", workers=1, threads=1,
                      extra_env={"TRANSPARENCY_AUTO_INTEGRATE": "1", "TRANSPARENCY_MMD": "2"})
    try:
        (first,) = wait_for_starts(site, 1)
        (arbiter,) = [pid for pid in site.dirty_pids() if pid != first]
        os.kill(arbiter, signal.SIGKILL)
        # gunicorn starts another arbiter and sequencer; the orphan sees its parent gone at
        # its next wake-up (half a second here) and shuts itself down.
        pids = wait_for_starts(site, 2)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and running(first):
            time.sleep(0.2)
        alive = [pid for pid in pids if running(pid)]
    finally:
        site.stop()
    assert len(pids) == 2 and alive == [pids[1]]
    assert f"the transparency sequencer's parent is gone: process {first} stops" in site.log_text()


def test_the_sequencer_process_idles_when_the_site_does_not_integrate(app, database_url, log_dir):
    site = start_site(log_dir, database_url, "sequencer-off", workers=1, threads=1,
                      extra_env={"TRANSPARENCY_AUTO_INTEGRATE": "0"})
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and "the transparency sequencer is off" not in site.log_text():
            time.sleep(0.2)
    finally:
        site.stop()
    assert "the transparency sequencer is off" in site.log_text()
    assert sequencer_pids(site) == []


def test_with_threads_every_worker_starts_its_sequencer_when_it_boots(app, database_url, log_dir):
    # Not at its first request: a worker restarted on a quiet site must still integrate.
    site = start_site(log_dir, database_url, "sequencer-threads", workers=2, threads=1,
                      extra_env={"TRANSPARENCY_AUTO_INTEGRATE": "1", "GUNICORN_SEQUENCER": "threads"})
    try:
        wait_for_starts(site, 2)
        time.sleep(1)  # a third start (the readiness check's worker again) would show by now
        pids = sequencer_pids(site)
        workers = site.worker_pids()
    finally:
        site.stop()
    # Two workers, one served the readiness check: both started at boot, and once each.
    assert len(pids) == 2 and set(pids) == set(workers)


def test_an_unknown_sequencer_mode_stops_the_server_with_a_message(app, database_url, log_dir):
    site = start_site(log_dir, database_url, "sequencer-bad", workers=1, threads=1, ready=False,
                      extra_env={"GUNICORN_SEQUENCER": "cron"})
    try:
        assert site.proc.wait(timeout=30) != 0
    finally:
        site.stop()
    assert "GUNICORN_SEQUENCER must be 'process' or 'threads', not 'cron'" in site.log_text()
