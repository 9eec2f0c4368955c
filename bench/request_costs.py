"""Per-request cost of the vote and the two public pages, in-process: SQL statements and CPU.

Counts are exact and repeatable on any machine, so a change that adds a query shows at once;
CPU medians (process time, which another process on the same core disturbs less than wall
time) are for comparing two checkouts run alternately, never against a fixed number.

    .venv/bin/python bench/request_costs.py [LABEL]     # from the checkout to measure
"""
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.getcwd())

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import event  # noqa: E402

from aga_consulta import create_app  # noqa: E402
from aga_consulta.extensions import db  # noqa: E402

PROPOSALS = 300
CITIZENS = 50
VOTES_EACH = 20


def main(label):
    """Build a consultation in a fresh SQLite file, then time each kind of request."""
    with tempfile.TemporaryDirectory() as directory:
        app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{directory}/costs.db"})  # the login throttle needs the limiter on (testing sets high limits)
        with app.app_context():
            upgrade()
            from tests.helpers import Factory, login

            factory = Factory()
            consultation = factory.consultation(slug="costs")
            proposal_ids = [factory.proposal(consultation).id for _ in range(PROPOSALS)]
            emails = [factory.user().email for _ in range(CITIZENS)]
            statements = [0]
            event.listen(db.engine, "before_cursor_execute",
                         lambda *args, **kwargs: statements.__setitem__(0, statements[0] + 1))
            client = app.test_client()
            samples = {"vote": [], "proposal page": [], "consultation page": []}
            for email in emails:
                login(client, email)
                for name, requests in (
                    ("vote", [("post", f"/proposals/{pid}/vote") for pid in proposal_ids[:VOTES_EACH]]),
                    ("proposal page", [("get", f"/proposals/{pid}") for pid in proposal_ids[:3]]),
                    ("consultation page", [("get", "/consultations/costs")] * 3),
                ):
                    for method, url in requests:
                        before, started = statements[0], time.process_time()
                        status = getattr(client, method)(url).status_code
                        assert status in (200, 303), (url, status)
                        samples[name].append((statements[0] - before, time.process_time() - started))
                client.post("/auth/logout")
    for name, rows in samples.items():
        print(f"{label} {name}: {statistics.median(q for q, _ in rows):.0f} statements, "
              f"CPU median {statistics.median(t for _, t in rows) * 1000:.2f} ms over {len(rows)} requests")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "this checkout")
