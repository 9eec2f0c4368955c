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

translations: deps
	$(BIN)/pybabel compile --use-fuzzy -d aga_consulta/translations -D messages >/dev/null 2>&1 || \
		$(BIN)/pybabel compile -d aga_consulta/translations -D messages

run: deps translations
	$(BIN)/flask db upgrade
	$(BIN)/flask seed reference --if-empty
	$(BIN)/flask run --host $(HOST) --port $(PORT)

test: deps translations
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Re-extract user-facing strings and merge them into the catalogues (maintainers).
extract-messages: deps
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o aga_consulta/translations/messages.pot .
	$(BIN)/pybabel update -i aga_consulta/translations/messages.pot -d aga_consulta/translations --no-fuzzy-matching
