"""gunicorn settings for production: `make serve`, or `gunicorn --config gunicorn.conf.py app:app`.

Everything comes from the environment (docs/deployment.md lists it):
WEB_CONCURRENCY (worker processes), GUNICORN_THREADS (threads per worker), HOST, PORT,
GUNICORN_TIMEOUT, GUNICORN_KEEPALIVE, GUNICORN_MAX_REQUESTS, GUNICORN_PRELOAD,
GUNICORN_ACCESS_LOG (a file, "-" for stdout, "off" for none), GUNICORN_LOG_LEVEL,
GUNICORN_CONTROL_SOCKET (a path: enables `gunicornc`; off by default), GUNICORN_SEQUENCER
("process", the default, or "threads").
"""
import multiprocessing
import os


def _int(name, default):
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


def _bool(name, default):
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


wsgi_app = "app:app"
bind = f"{os.environ.get('HOST', '127.0.0.1')}:{_int('PORT', 8000)}"
# One name per instance on a host: gunicorn keeps its dirty arbiter's pid in a file named
# after it, and a starting instance kills the process that file names as an orphan.
proc_name = f"aga_consulta-{bind}"

# Each worker is a process with its own interpreter (and GIL); its threads overlap the
# waits on PostgreSQL and Redis. Measured on 2 cores (docs/performance.md, "Load"): two
# workers per core with four threads each kept both cores busy without queueing.
workers = _int("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count())
threads = _int("GUNICORN_THREADS", 4)
worker_class = "gthread"

# A request that takes longer than this is a bug or a hung dependency: the worker is
# replaced (its in-flight transaction is rolled back by the database, never half-written).
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
# Behind a load balancer keep this above the balancer's idle timeout for upstream
# connections, or the balancer hits connections gunicorn just closed.
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Optional recycling of workers (0: never) against slow leaks; jitter avoids all at once.
max_requests = _int("GUNICORN_MAX_REQUESTS", 0)
max_requests_jitter = max_requests // 10

# Preload: the app is built once in the master, so that a broken configuration (say, a
# missing SECRET_KEY) stops the server at start, and a killed worker is replaced by a fork
# in milliseconds instead of a fresh import. `post_fork` below makes that safe.
preload_app = _bool("GUNICORN_PRELOAD", True)

# The heartbeat file lives in memory: a slow or full disk must not get workers killed.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"

# gunicorn's control socket has one default path per user: several instances on one host
# would take it from each other. Off unless a path is given.
_control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "").strip()
control_socket_disable = not _control_socket
if _control_socket:
    control_socket = _control_socket

# Where the transparency sequencer runs when the site integrates by itself
# (TRANSPARENCY_AUTO_INTEGRATE): "process", one process of its own that gunicorn starts,
# supervises and stops (a dirty worker: aga_consulta/ledger/dirty.py), or "threads", a
# thread in each worker, where a run competes with the requests for the interpreter (what
# each costs the vote: docs/performance.md, "The sequencer in gunicorn's dirty worker").
_sequencer = os.environ.get("GUNICORN_SEQUENCER", "").strip().lower() or "process"
if _sequencer not in {"process", "threads"}:
    raise SystemExit(f"GUNICORN_SEQUENCER must be 'process' or 'threads', not {_sequencer!r}")
if _sequencer == "process":
    dirty_workers = 1
    # ":1": one process loads it (a second would only wait for the log's lock), and gunicorn's
    # master need not import the class to learn that.
    dirty_apps = ["aga_consulta.ledger.dirty:SequencerApp:1"]

_access_log = os.environ.get("GUNICORN_ACCESS_LOG", "-").strip()
accesslog = None if _access_log.lower() in {"", "off", "none"} else _access_log
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Common log format plus the request time in microseconds (`us=`), which the load
# benchmark reads as server time. %(h)s is the client as ProxyFix resolved it.
access_log_format = '%(h)s - - %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" us=%(D)s'
# Password-reset and confirmation tokens are part of their links' paths: redacted in the log.
logger_class = "aga_consulta.serving.RedactingLogger"


def on_starting(server):
    """Tell the sequencer's process (forked later, by gunicorn) which app this server serves."""
    # The dirty app gets no handle on the server; the environment crosses the fork.
    os.environ["AGA_WSGI_APP"] = server.app.app_uri


def post_fork(server, worker):
    """Give each worker its own database connections (none may cross the fork)."""
    if preload_app:
        from aga_consulta.serving import forget_inherited_connections

        forget_inherited_connections(server.app.wsgi())


def post_worker_init(worker):
    """Leave the transparency sequencer to its process, or start the worker's thread now.

    Now, not at its first request: a worker restarted on a quiet site would otherwise leave
    entries waiting past the maximum merge delay (aga_consulta/ledger/sequencer.py).
    """
    from aga_consulta.ledger import sequencer

    if _sequencer == "process":
        sequencer.leave_to_another_process(worker.wsgi)
    else:
        sequencer.start_in_worker(worker.wsgi)
