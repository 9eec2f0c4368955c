# Quickstart: `make run` serves the site on http://127.0.0.1:5000; `make test` runs the suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
export FLASK_APP := app

.PHONY: run test deps translations extract-messages serve clean-db bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the pinned requirements change.
$(VENV)/.deps-stamp: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

deps: $(VENV)/.deps-stamp

# Compile every catalogue (the core one and any a domain package ships).
translations: deps
	@for dir in $$(find aga_consulta -type d -name translations); do \
		$(BIN)/pybabel compile --statistics -d $$dir -D messages || exit 1; \
	done

run: deps translations
	$(BIN)/flask db upgrade
	$(BIN)/flask seed reference --if-empty
	$(BIN)/flask run --host $(HOST) --port $(PORT)

# The import contracts (.importlinter: layers, independent routes, no cycles) first: a
# broken contract fails in seconds, before the suite runs.
test: deps translations
	$(BIN)/lint-imports
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Production (docs/deployment.md): migrations, then gunicorn (gunicorn.conf.py) on
# $(HOST):$(PORT). Needs SECRET_KEY, DATABASE_URL (PostgreSQL) and RATELIMIT_STORAGE_URI
# (redis://...) in the environment; behind proxies PROXY_FIX_X_FOR (how many set
# X-Forwarded-For); optional WEB_CONCURRENCY, GUNICORN_THREADS.
serve: deps translations
	AGA_CONFIG=production $(BIN)/flask db upgrade
	AGA_CONFIG=production HOST=$(HOST) PORT=$(PORT) $(BIN)/gunicorn --config gunicorn.conf.py app:app

# Load benchmark (bench/load.py): gunicorn + PostgreSQL (database bench_load) + a private
# Redis, about four minutes; figures go to docs/performance.md by hand.
.PHONY: bench-load
bench-load: deps translations
	$(BIN)/python bench/load.py $(BENCH_ARGS)

# Throughput with wrk (bench/wrk_load.py): the ceiling app, the vote (log on and off), the list
# and proposal pages at 16 and 64 connections, PostgreSQL (database bench_wrk) then SQLite;
# BENCH_ARGS="--before <worktree of an older commit>" measures that code in the same rounds.
# wrk from Debian (installed with apt-get when absent). Figures go to docs/performance.md by hand.
.PHONY: bench-wrk
bench-wrk: deps translations
	@command -v wrk >/dev/null || { sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
		$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y wrk; }
	$(BIN)/python bench/wrk_load.py $(BENCH_ARGS)

# Tally and export benchmark (bench/tally_export.py): 200k citizens, 1M votes, 100k comments
# bulk-loaded into SQLite (bench/out/) and PostgreSQL (database bench_tally); times the
# tally and the 1M-row votes export; figures go to docs/performance.md by hand.
.PHONY: bench-tally
bench-tally: deps translations
	$(BIN)/python bench/tally_export.py $(BENCH_ARGS)

# Co-creation benchmark (bench/cocreation.py): the process page with the reference data, and
# survey results at 100,000 bulk-loaded respondents, on PostgreSQL (database
# bench_cocreation; --pg-url to change it). Figures go to docs/performance.md by hand.
.PHONY: bench-cocreation
bench-cocreation: deps translations
	$(BIN)/python bench/cocreation.py $(BENCH_ARGS)

# Plan benchmark (bench/plan.py): the reference plus 200 synthetic commitments and 5,000
# reports in SQLite (bench/out/); times the plan page and measures an upload's peak RSS.
.PHONY: bench-plan
bench-plan: deps translations
	$(BIN)/python bench/plan.py $(BENCH_ARGS)

# Transparency log benchmark (bench/transparency.py): the 1M-vote consultation of bench-tally
# bulk-loaded into PostgreSQL (database bench_transparency), its log built by migration 0024's
# backfill; times the sequencer, inclusion proofs at 1M+ entries, the bundle and verify.py.
# Figures go to docs/performance.md ("Transparency log") by hand.
.PHONY: bench-transparency
bench-transparency: deps translations
	$(BIN)/python bench/transparency.py $(BENCH_ARGS)

# What the transparency log costs the vote (bench/log_cost.py): the site with and without its
# entry, wrk rounds alternating, PostgreSQL (database bench_logcost); about six minutes with
# BENCH_ARGS="--rounds 6 --seconds 20 --citizens 512". Needs wrk (apt-get install wrk).
.PHONY: bench-log-cost
bench-log-cost: deps translations
	$(BIN)/python bench/log_cost.py $(BENCH_ARGS)

# Extract every user-facing string into messages.pot (maintainers: then translate the new
# ones in the English catalogue of the package they belong to; tests/core/test_i18n.py
# lists any string left without a translation).
extract-messages: deps
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o messages.pot .

# Browser tests (tests/browser, README "Browser tests"): Debian's Chromium, installed with
# apt-get when absent (through sudo when not root), and axe-core from package-lock.json.
# Playwright never downloads a browser. `make test` runs without them (those tests skip);
# .ci/run calls this target and sets AGA_REQUIRE_BROWSER=1, which turns a skip into a failure.
CHROMIUM ?= $(or $(AGA_CHROMIUM),/usr/bin/chromium)
.PHONY: browser-deps
browser-deps:
	@sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	apt_install() { $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y "$$@" \
		|| { $$sudo apt-get update && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y "$$@"; }; }; \
	if [ ! -x "$(CHROMIUM)" ]; then apt_install chromium || exit 1; fi; \
	if ! command -v npm >/dev/null; then apt_install nodejs npm || exit 1; fi
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund

# Lighthouse in mobile mode (tools/lighthouse.py): a fresh SQLite database with the reference
# data, served on 127.0.0.1:$(LIGHTHOUSE_PORT); home, consultation, proposal, results, process,
# survey, plan, commitment, committee and /me pages against Debian's Chromium; scores, lost
# audits and page weights printed,
# reports in test-artifacts/lighthouse/. Needs `make browser-deps` (Chromium, npm packages).
LIGHTHOUSE_PORT ?= 5116
.PHONY: lighthouse
lighthouse: deps translations
	CHROME_PATH=$(CHROMIUM) $(BIN)/python tools/lighthouse.py --port $(LIGHTHOUSE_PORT)
