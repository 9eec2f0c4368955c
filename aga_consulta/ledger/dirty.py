"""The sequencer as gunicorn's dirty app: the loop in one process of its own beside the workers.

gunicorn starts, supervises and stops that process (gunicorn.conf.py: `dirty_workers`,
`dirty_apps`). A run there never holds a web worker's interpreter while requests wait,
which a thread in each worker did (docs/performance.md, "The sequencer in a process of its
own"). No request is ever sent to it: it only runs the loop.
"""
import logging
import os
import threading

from gunicorn.dirty.app import DirtyApp
from gunicorn.util import import_app

from aga_consulta.ledger import sequencer
from aga_consulta.serving import forget_inherited_connections

log = logging.getLogger(__name__)


class SequencerApp(DirtyApp):
    """Runs the site's sequencer loop in the dirty worker; answers no action."""

    workers = 1  # one loop is enough: a second would only wait for the log's lock

    def __init__(self):
        self.stop = threading.Event()

    def init(self):
        """Start the loop if the site integrates by itself (TRANSPARENCY_AUTO_INTEGRATE)."""
        # With preload_app the app was built in gunicorn's master: the same object, forked.
        # The app the server serves (gunicorn.conf.py's `on_starting` names it): another
        # app (a benchmark's) has no sequencer, and this process then idles.
        application = import_app(os.environ.get("AGA_WSGI_APP", "app:app"))
        forget_inherited_connections(application)
        if not sequencer.integrates_by_itself(application):
            log.info("the transparency sequencer is off (TRANSPARENCY_AUTO_INTEGRATE): nothing to run")
            return
        self.application = application  # the loop holds only a weak reference
        sequencer.ensure_running(application, stop=self.stop)

    def __call__(self, action, *args, **kwargs):
        """Refuse every action: the process is there for its loop, not for requests."""
        raise ValueError(f"the sequencer's process takes no action ({action!r})")

    def close(self):
        """End the loop at shutdown (a run under way finishes; a batch is one transaction)."""
        self.stop.set()
