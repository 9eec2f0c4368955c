"""gunicorn settings for production: `make serve`, or `gunicorn --config gunicorn.conf.py app:app`.

Everything comes from the environment (docs/deployment.md lists it):
WEB_CONCURRENCY (worker processes), GUNICORN_THREADS (threads per worker), HOST, PORT,
GUNICORN_TIMEOUT, GUNICORN_KEEPALIVE, GUNICORN_MAX_REQUESTS, GUNICORN_PRELOAD,
GUNICORN_ACCESS_LOG (a file, "-" for stdout, "off" for none), GUNICORN_LOG_LEVEL,
GUNICORN_CONTROL_SOCKET (a path: enables `gunicornc`; off by default).
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

_access_log = os.environ.get("GUNICORN_ACCESS_LOG", "-").strip()
accesslog = None if _access_log.lower() in {"", "off", "none"} else _access_log
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Common log format plus the request time in microseconds (`us=`), which the load
# benchmark reads as server time. %(h)s is the client as ProxyFix resolved it.
access_log_format = '%(h)s - - %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" us=%(D)s'
# Password-reset and confirmation tokens are part of their links' paths: redacted in the log.
logger_class = "aga_consulta.serving.RedactingLogger"


def post_fork(server, worker):
    """Give each worker its own database connections (none may cross the fork)."""
    application = server.app.wsgi() if preload_app else None
    sqlalchemy_ext = getattr(application, "extensions", {}).get("sqlalchemy")
    if sqlalchemy_ext is None:
        return
    with application.app_context():
        for engine in sqlalchemy_ext.engines.values():
            # close=False: the master's sockets stay open for the master; this process
            # only forgets them and opens its own.
            engine.dispose(close=False)


def post_worker_init(worker):
    """Start the worker's transparency sequencer now, not at its first request.

    A worker restarted on a quiet site would otherwise leave entries waiting past the
    maximum merge delay (aga_consulta/ledger/sequencer.py).
    """
    from aga_consulta.ledger.sequencer import start_in_worker

    start_in_worker(worker.wsgi)
