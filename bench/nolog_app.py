"""The site with the vote's log entry switched off, for bench/wrk_load.py only.

The transparency log's target (issue 14) is that the entry costs a vote at most 10 % of its
throughput; this process serves the same code without that one INSERT so that one run can
measure both. Never served to anyone.
"""
from aga_consulta.voting import services

services.LOG_VOTES = False

from app import app  # noqa: E402,F401
