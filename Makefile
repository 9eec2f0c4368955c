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

test: deps translations
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Extract every user-facing string into messages.pot (maintainers: then translate the new
# ones in the English catalogue of the package they belong to; tests/core/test_i18n.py
# lists any string left without a translation).
extract-messages: deps
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o messages.pot .
