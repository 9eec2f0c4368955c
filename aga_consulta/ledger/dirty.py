"""The sequencer as gunicorn's dirty app: the loop in one process of its own beside the workers.

gunicorn starts, supervises and stops that process (gunicorn.conf.py: `dirty_workers`,
`dirty_apps`). A run there never holds a web worker's interpreter while requests wait,
which a thread in each worker did (docs/performance.md, "The sequencer in gunicorn's dirty
worker"). No request is ever sent to it: it only runs the loop. The modules it needs are
imported in `init`, in the dirty worker, so that gunicorn's master imports none of them.
"""
import logging
import os
import signal
import threading

from gunicorn.dirty.app import DirtyApp

log = logging.getLogger(__name__)
#: How long `close` waits for a run under way (below gunicorn's dirty_graceful_timeout, 30 s).
CLOSE_WAIT = 20


class SequencerApp(DirtyApp):
    """Runs the site's sequencer loop in the dirty worker; answers no action."""

    def __init__(self):
        self.stop = threading.Event()
        self.thread = None
        self.parent = None

    def init(self):
        """Start the loop if the site integrates by itself (TRANSPARENCY_AUTO_INTEGRATE)."""
        from gunicorn.util import import_app

        from aga_consulta.ledger import sequencer
        from aga_consulta.serving import forget_inherited_connections

        # The app the server serves (gunicorn.conf.py's `on_starting` names it); with
        # preload_app it was built in gunicorn's master and this is the same object, forked.
        # Another app (a benchmark's) has no sequencer, and this process then idles.
        application = import_app(os.environ.get("AGA_WSGI_APP", "app:app"))
        forget_inherited_connections(application)
        if not sequencer.integrates_by_itself(application):
            log.info("the transparency sequencer is off (TRANSPARENCY_AUTO_INTEGRATE): nothing to run")
            return
        self.application = application  # the loop holds only a weak reference
        self.parent = os.getppid()
        self.thread = sequencer.ensure_running(application, stop=self.stop, until=self.orphaned)

    def orphaned(self):
        """Return whether gunicorn's dirty arbiter is gone; if so, shut this process down."""
        # gunicorn's dirty workers do not watch their parent: killed, it would leave this
        # loop running beside the one its successor starts, and past the server's stop.
        if os.getppid() == self.parent:
            return False
        log.warning("the transparency sequencer's parent is gone: process %d stops", os.getpid())
        os.kill(os.getpid(), signal.SIGTERM)  # the dirty worker's own graceful shutdown
        return True

    def __call__(self, action, *args, **kwargs):
        """Refuse every action: the process is there for its loop, not for requests."""
        raise ValueError(f"the sequencer's process takes no action ({action!r})")

    def close(self):
        """End the loop at shutdown, letting a run under way finish (a batch is one transaction)."""
        self.stop.set()
        if self.thread is not None and self.thread is not threading.current_thread():
            self.thread.join(CLOSE_WAIT)
