"""The ceiling of the load benchmark: a bare Flask route that inserts one row.

Run by bench/load.py under the same gunicorn.conf.py settings as the site, against its own
table (`bench_ceiling`) in the benchmark database, with the same driver and engine options
(SQLAlchemy pool, psycopg). Whatever the vote path costs beyond this is the app's own.
"""
import os
import threading

from flask import Flask
from sqlalchemy import create_engine, text

app = Flask(__name__)
_engine = None
_engine_lock = threading.Lock()


def engine():
    """The process's engine, created on first use (after gunicorn forked the worker)."""
    global _engine
    with _engine_lock:
        if _engine is None:
            url = os.environ["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1)
            _engine = create_engine(url, pool_pre_ping=True)
        return _engine


@app.post("/insert")
def insert():
    """Insert one row and say so."""
    with engine().begin() as conn:
        conn.execute(text("INSERT INTO bench_ceiling (worker) VALUES (:worker)"), {"worker": os.getpid()})
    return "ok\n", 200, {"Content-Type": "text/plain"}
