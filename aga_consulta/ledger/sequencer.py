"""The site's own sequencer: integrate after a response once an entry has waited long enough.

Run after the response has been sent (`call_on_close`), in whichever worker served it, so no
citizen waits for it and no extra process or thread has to be kept alive; it is checked at
most once per half MMD per process, so a busy site pays one query per interval, not per
request. A quiet site may have no request within the MMD: `flask transparency integrate`
from cron covers that. Any failure is logged and never reaches the response.
"""
import logging
import threading
import time

from sqlalchemy.exc import OperationalError

from aga_consulta.ledger import keys, services

log = logging.getLogger(__name__)
_state = {"next_check": 0.0}
_lock = threading.Lock()


def _due():
    with _lock:
        now = time.monotonic()
        if now < _state["next_check"]:
            return False
        _state["next_check"] = now + max(keys.mmd() / 2, 1)
        return True


def register(app):
    """Attach the after-response integration to `app` (unless TRANSPARENCY_AUTO_INTEGRATE is off)."""
    if not app.config.get("TRANSPARENCY_AUTO_INTEGRATE", True):
        return

    def run():
        try:
            with app.app_context():
                services.integrate_if_due()
        except OperationalError as error:
            # The database is away (the error pages say so already): one line, no traceback.
            log.warning("the transparency sequencer could not reach the database: %s", error.__class__.__name__)
        except Exception:  # noqa: BLE001 - the sequencer never breaks a response
            log.exception("the transparency sequencer failed; the next run carries on")

    @app.after_request
    def integrate_later(response):
        try:
            with app.app_context():
                due = _due()
        except Exception:  # noqa: BLE001
            return response
        if due:
            response.call_on_close(run)
        return response
