"""The site's own sequencer: one loop integrates the logs once an entry has waited.

Under gunicorn the loop runs in one process of its own beside the workers (gunicorn's dirty
worker, aga_consulta/ledger/dirty.py), so that a run never competes with a request for a
worker's interpreter; `GUNICORN_SEQUENCER=threads` runs it in a thread per worker instead,
started when the worker boots (gunicorn.conf.py's `post_worker_init`). Under any other server
the thread starts with the process's first request; never in gunicorn's master. It
wakes every quarter MMD and integrates once an entry has waited half the MMD, so an entry is
integrated within three quarters of the MMD plus the run, and an idle site pays one small
query per wake-up. It runs beside the requests, not in them: no sync worker is held while
the sequencer waits on the database, as it was when the run followed a response
(`call_on_close`). Several processes each run one: the log's lock makes them take turns,
and the one that comes second finds nothing left. A process killed mid-run loses nothing
(a batch is one transaction). Entries written where no server runs (a command, a
migration) wait for a server or for `flask transparency integrate` from cron. Any failure
is logged and the next wake-up carries on.
"""
import logging
import os
import threading
import time
import weakref

from sqlalchemy.exc import OperationalError

from aga_consulta.ledger import keys, services

log = logging.getLogger(__name__)
_lock = threading.Lock()
#: Where an app records the process whose thread runs for it (a forked child has none yet);
#: `register` puts it there (None) when the app integrates by itself.
EXTENSION = "transparency_sequencer_pid"
#: What EXTENSION holds in a process whose app leaves the runs to another process.
ELSEWHERE = "elsewhere"


def run_once(app):
    """Integrate every log if an entry has waited half the MMD; log what it cost. Never raises."""
    started = time.perf_counter()
    try:
        with app.app_context():
            done = services.integrate_if_due()
    except OperationalError as error:
        # The database is away (the error pages say so already): one line, no traceback.
        log.warning("the transparency sequencer could not reach the database: %s", error.__class__.__name__)
        return None
    except Exception:  # noqa: BLE001 - the sequencer never stops; the next wake-up carries on
        log.exception("the transparency sequencer failed; the next run carries on")
        return None
    if done is not None:
        # What a run costs, for operators and for bench/log_cost.py (which reads this line).
        log.info("the transparency sequencer integrated %d entries of %d logs in %.1f ms",
                 sum(done.values()), len(done), (time.perf_counter() - started) * 1000)
    return done


def interval_of(app):
    """Return how often a sequencer wakes: a quarter MMD (due at half, a quarter left for the run)."""
    with app.app_context():
        return max(keys.mmd() / 4, 0.25)


def _loop(app_ref, interval, runs=None, stop=None, until=None):
    # A weak reference: an app that is gone (a test's) ends its thread instead of keeping it.
    stop = stop or threading.Event()
    while runs is None or runs > 0:
        if stop.wait(interval) or (until is not None and until()):
            return
        app = app_ref()
        if app is None:
            return
        run_once(app)
        del app
        runs = None if runs is None else runs - 1


def watch(app, runs=None):
    """Run the sequencer in this process, waking every quarter MMD, for `runs` wake-ups (None: forever)."""
    interval = interval_of(app)
    log.info("the transparency sequencer runs in process %d, waking every %.2f s", os.getpid(), interval)
    _loop(weakref.ref(app), interval, runs)


def integrates_by_itself(app):
    """Return whether `app` integrates its logs by itself (TRANSPARENCY_AUTO_INTEGRATE, see `register`)."""
    return EXTENSION in getattr(app, "extensions", {})


def ensure_running(app, stop=None, until=None):
    """Start this process's sequencer thread unless it runs already; return it if started now, else None.

    `stop`: a threading.Event that ends the thread once set; `until`: a callable asked after
    each wake-up, that ends the thread when it returns true.
    """
    pid = os.getpid()
    with _lock:
        if app.extensions.get(EXTENSION) == pid:
            return None
        interval = interval_of(app)
        thread = threading.Thread(target=_loop, args=(weakref.ref(app), interval),
                                  kwargs={"stop": stop, "until": until},
                                  name="transparency-sequencer", daemon=True)
        thread.start()
        app.extensions[EXTENSION] = pid
    log.info("the transparency sequencer started in process %d, waking every %.2f s", pid, interval)
    return thread


def start_in_worker(application):
    """Start the thread in a gunicorn worker if its app integrates by itself (`register`); ignore any other app."""
    if integrates_by_itself(application):
        ensure_running(application)


def leave_to_another_process(application):
    """Keep this process from starting a thread for `application`: another process runs the loop."""
    if integrates_by_itself(application):
        application.extensions[EXTENSION] = ELSEWHERE


def register(app):
    """Start the sequencer thread with the first request (unless TRANSPARENCY_AUTO_INTEGRATE is off)."""
    if not app.config.get("TRANSPARENCY_AUTO_INTEGRATE", True):
        return
    app.extensions[EXTENSION] = None  # on, no thread yet

    @app.before_request
    def start_sequencer():
        # One or two comparisons per request once the thread runs (or runs elsewhere).
        state = app.extensions.get(EXTENSION)
        if state != os.getpid() and state != ELSEWHERE:
            ensure_running(app)
