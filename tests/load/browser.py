"""A minimal browser for tests against a running server: cookies, CSRF tokens from pages."""
import re
import threading

import httpx

from tests.helpers import PASSWORD

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
VOTES_RE = re.compile(r'id="vote-heading">(\d+) voto')


class Browser:
    """One person's browser: a cookie jar, tokens read from the forms, redirects not followed.

    It asks for JSON, as a script does: a refused vote answers its status (409) rather than
    the 303 back to the page that a person's browser gets.
    """

    def __init__(self, base_url, cookies=None, keepalive=True, headers=None):
        limits = httpx.Limits(max_keepalive_connections=None if keepalive else 0)
        self.base_url = base_url
        self.http = httpx.Client(
            base_url=base_url, cookies=httpx.Cookies(cookies) if cookies else None,
            follow_redirects=False, timeout=30, limits=limits,
            headers={"Accept": "application/json", **(headers or {})},
        )

    def close(self):
        self.http.close()

    def get(self, path):
        return self.http.get(path)

    def post(self, path, data=None, headers=None):
        return self.http.post(path, data=data or {}, headers=headers)

    def token(self, path):
        """Load `path` and return the CSRF token of its first form."""
        response = self.get(path)
        match = CSRF_RE.search(response.text)
        assert match, f"no CSRF token on {path} ({response.status_code})"
        return match.group(1)

    def login(self, email, password=PASSWORD):
        """Log in through the form, as a person would; return the response."""
        token = self.token("/auth/login")
        return self.post("/auth/login", {"csrf_token": token, "email": email, "password": password})

    def tab(self, base_url=None):
        """Another tab (or another instance's URL) sharing this browser's cookies."""
        return Browser(base_url or self.base_url, cookies=self.http.cookies)

    def votes_shown(self, proposal_id):
        """The vote count the proposal page shows."""
        response = self.get(f"/proposals/{proposal_id}")
        assert response.status_code == 200, response.status_code
        return int(VOTES_RE.search(response.text).group(1))


def fire_at_once(requests):
    """Run every callable of `requests` in its own thread, released together; return results.

    A result is the callable's return value, or the exception's class name.
    """
    barrier = threading.Barrier(len(requests))
    results = [None] * len(requests)

    def run(index, request):
        barrier.wait(30)
        try:
            results[index] = request()
        except Exception as error:  # noqa: BLE001  the outcome is what the test asserts
            results[index] = type(error).__name__

    threads = [threading.Thread(target=run, args=(i, r)) for i, r in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results
