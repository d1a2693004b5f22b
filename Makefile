# Everything installs into .venv from the pinned lock file; only Python >= 3.11 and make are needed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install run examples test bench demo lock clean

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/vagval serve

examples: $(STAMP)
	$(BIN)/vagval examples

# The dashboard's browser tests drive Debian's Chromium; scripts/install-chromium.sh installs it where it can (as
# root with apt-get) and otherwise says how (the browser tests then skip, unless VAGVAL_REQUIRE_BROWSER is set).
test: $(STAMP)
	bash scripts/install-chromium.sh
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python bench/engine.py
	$(BIN)/python bench/api.py
	$(BIN)/python bench/stats.py

demo: $(STAMP)
	$(BIN)/vagval demo-data --n 300

# Regenerate the lock file after changing dependencies in pyproject.toml.
lock:
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements.lock
	$(BIN)/uv pip compile pyproject.toml --python-version 3.11 -o requirements-prod.lock

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
