"""Lighthouse (mobile) on the public pages, and the consultation page's weight.

Builds a fresh SQLite database in a temporary folder, loads the reference data (`flask seed
reference`: the iv-plan-2020 consultation and the practice process demo), adds a citizen,
serves the app (development config) on 127.0.0.1:PORT, logs the citizen in for /me, then runs
Lighthouse's four categories in its default mobile mode (emulated phone, simulated slow 4G)
against Debian's Chromium on each page, and prints the scores, every audit that lost points,
and the bytes of the consultation page and its assets (Lighthouse's total-byte-weight).

    make lighthouse                      # or: .venv/bin/python tools/lighthouse.py [--port 5116]

Needs Chromium (CHROME_PATH, default /usr/bin/chromium) and Lighthouse from package.json
(`make browser-deps` installs both; LIGHTHOUSE names another binary). Reports go to
test-artifacts/lighthouse/ (one JSON per page). Exit status 1 when a score is below --min.
"""
import argparse
import http.cookiejar
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
OUT = ROOT / "test-artifacts" / "lighthouse"
EMAIL = "lighthouse@example.co"
PASSWORD = "una frase de prueba para lighthouse"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _run(args, env, **kwargs):
    return subprocess.run(args, env=env, cwd=ROOT, check=True, capture_output=True, text=True, **kwargs)


def prepare(env):
    """Migrate, seed the reference data and create the citizen whose /me is measured."""
    flask = [sys.executable, "-m", "flask", "--app", "app"]
    _run(flask + ["db", "upgrade"], env)
    _run(flask + ["seed", "reference"], env)
    _run(flask + ["users", "create", "--email", EMAIL, "--name", "Lucía Prueba", "--role", "citizen",
                  "--password-stdin"], env, input=PASSWORD + "\n")


def pages(base, opener):
    """The pages to measure: home, consultation, proposal, results, process, survey, plan, commitment, committee, /me."""
    html = opener.open(base + "/consultations/demo").read().decode()
    proposal = re.search(r'href="(/proposals/\d+)"', html).group(1)
    process = opener.open(base + "/processes/demo").read().decode()
    survey = re.search(r'href="(/surveys/\d+)"', process)
    found = {"home": "/", "consultation": "/consultations/demo", "consultation (reference)": "/consultations/iv-plan-2020",
             "proposal": proposal, "results": "/consultations/iv-plan-2020/results", "process": "/processes/iv-plan"}
    if survey:
        found["survey"] = survey.group(1)
    plan = opener.open(base + "/processes/iv-plan/plan").read().decode()
    found["plan"] = "/processes/iv-plan/plan"
    commitment = re.search(r'href="(/commitments/\d+)"', plan)
    if commitment:
        found["commitment"] = commitment.group(1)
    found["committee"] = "/committee"
    found["me"] = "/me"
    return found


def log_in(base):
    """An opener holding the citizen's session cookie, and that cookie as a header value."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    token = CSRF_RE.search(opener.open(base + "/auth/login").read().decode()).group(1)
    data = urllib.parse.urlencode({"csrf_token": token, "email": EMAIL, "password": PASSWORD}).encode()
    opener.open(base + "/auth/login", data)
    return opener, "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)


def lighthouse(binary, url, out, cookie, env):
    """Run Lighthouse on `url` (mobile) and return its JSON report."""
    args = [binary, url, "--quiet", "--output=json", f"--output-path={out}",
            "--only-categories=" + ",".join(CATEGORIES),
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu"]
    if cookie:
        args.append("--extra-headers=" + json.dumps({"Cookie": cookie}))
    subprocess.run(args, env=env, check=True, capture_output=True, text=True, timeout=300)
    return json.loads(Path(out).read_text())


def lost_points(report):
    """The audits that counted and did not pass: (category, audit id, title, display value)."""
    lost = []
    for name, category in report["categories"].items():
        for ref in category["auditRefs"]:
            audit = report["audits"][ref["id"]]
            if ref["weight"] > 0 and audit["score"] is not None and audit["score"] < 1:
                lost.append((name, audit["id"], audit["title"], audit.get("displayValue", "")))
    return lost


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=5116)
    parser.add_argument("--min", type=int, default=100, help="the lowest acceptable score (exit 1 below it)")
    options = parser.parse_args()
    binary = os.environ.get("LIGHTHOUSE") or str(ROOT / "node_modules" / ".bin" / "lighthouse")
    OUT.mkdir(parents=True, exist_ok=True)
    base = f"http://127.0.0.1:{options.port}"
    with tempfile.TemporaryDirectory() as directory:
        env = dict(os.environ, AGA_CONFIG="development", DATABASE_URL=f"sqlite:///{directory}/lighthouse.db",
                   MAIL_OUTBOX_DIR=f"{directory}/outbox", FLASK_APP="app",
                   CHROME_PATH=os.environ.get("CHROME_PATH", "/usr/bin/chromium"))
        env.pop("TEST_DATABASE_URL", None)
        prepare(env)
        server = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "run", "--port", str(options.port)],
                                  env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(base + "/healthz")
                    break
                except OSError:
                    time.sleep(0.2)
            opener, cookie = log_in(base)
            failed = False
            print(f"{'page':26} {'perf':>5} {'a11y':>5} {'best':>5} {'seo':>5}  bytes")
            for name, path in pages(base, opener).items():
                report = lighthouse(binary, base + path, OUT / f"{name.split()[0]}-{len(path)}.json",
                                    cookie if name == "me" else None, env)
                scores = [round(report["categories"][c]["score"] * 100) for c in CATEGORIES]
                weight = report["audits"]["total-byte-weight"]["numericValue"]
                print(f"{name:26} " + " ".join(f"{s:5d}" for s in scores) + f"  {weight:,.0f}  {path}")
                for category, audit, title, value in lost_points(report):
                    print(f"    lost in {category}: {audit}: {title} {value}")
                failed = failed or min(scores) < options.min
        finally:
            server.terminate()
            server.wait(timeout=10)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
