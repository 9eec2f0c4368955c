"""`make test` ends by naming the groups of tests it skipped and the command that runs each."""
from types import SimpleNamespace

from tests.conftest import skip_summary


def _skipped(nodeid, reason):
    return SimpleNamespace(nodeid=nodeid, when="setup", longrepr=(nodeid, 1, f"Skipped: {reason}"))


def test_each_group_is_counted_once_with_its_command():
    lines = skip_summary([
        _skipped("tests/browser/test_keyboard.py::test_vote", "Chromium not found at /usr/bin/chromium"),
        _skipped("tests/browser/test_citizen_journey.py::test_journey[es-360]", "axe-core missing: run make browser-deps"),
        _skipped("tests/load/test_faults.py::test_cut", "cuts a PostgreSQL connection (CI's second pass)"),
        _skipped("tests/load/test_two_instances.py::test_shared", "needs Redis: run with RATELIMIT_STORAGE_URI=redis://..."),
        _skipped("tests/security/test_faults.py::test_lock", "a SQLite write lock (the PostgreSQL variant terminates a backend)"),
        _skipped("tests/x.py::test_y", "something else"),
    ])
    assert lines[0].startswith("   2 browser tests") and "make browser-deps" in lines[0]
    assert lines[1].startswith("   1 PostgreSQL tests") and "TEST_DATABASE_URL=postgresql+psycopg://" in lines[1]
    assert lines[2].startswith("   1 Redis tests") and "RATELIMIT_STORAGE_URI=redis://" in lines[2]
    # A SQLite-only test's reason names the PostgreSQL variant too: the database named first counts.
    assert lines[3].startswith("   1 SQLite tests") and "without TEST_DATABASE_URL" in lines[3]
    assert lines[4] == "   1 other: something else"
    assert len(lines) == 5


def test_nothing_skipped_says_nothing():
    assert skip_summary([]) == []
