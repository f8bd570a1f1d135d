# The two commands: `make demo` and `make test`. Both create .venv when missing and
# install the locked versions (constraints.txt); nothing else needs installing.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)-pyc
UV_VERSION := 0.13.9

.PHONY: demo test lint lock setup clean chromium

setup: $(STAMP) dbt/target/manifest.json chromium

# The dashboard's browser test drives Debian's chromium (never a downloaded browser).
# Without apt (or the rights to use it) setup goes on and that one test skips.
chromium:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif ! command -v apt-get >/dev/null 2>&1; then \
		echo "note: no apt-get here; install chromium at /usr/bin/chromium for the dashboard's browser test (it skips meanwhile)"; \
	else \
		if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO="sudo -n"; fi; \
		{ $$SUDO apt-get update -q && $$SUDO apt-get install -y -q --no-install-recommends chromium; } \
			|| echo "note: could not install chromium with apt-get; the dashboard's browser test skips"; \
	fi

# compileall writes the .pyc files once: every process (dbt, each Airflow task, the
# CLI) then starts without recompiling its imports, also where PYTHONDONTWRITEBYTECODE
# is set (about 5 s per process otherwise).
$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv==$(UV_VERSION)
	$(BIN)/uv pip install --quiet --python $(BIN)/python -c constraints.txt -e '.[dev]'
	$(BIN)/python -m compileall -q -j 0 $(VENV)/lib >/dev/null || true
	@rm -f $(VENV)/.installed-*
	@touch $@

# Cosmos renders the warehouse_build DAG from dbt's manifest.
dbt/target/manifest.json: $(STAMP) $(shell find dbt/models dbt/macros dbt/seeds -type f 2>/dev/null) dbt/dbt_project.yml
	$(BIN)/leadership dbt parse --quiet

demo: setup
	$(BIN)/leadership demo

test: setup
	$(BIN)/pytest -n 3 --dist loadgroup

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint dbt/models

# Regenerate the lock after changing pyproject.toml's dependencies.
lock:
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 -o constraints.txt

clean:
	rm -rf .local dbt/target dbt/logs .pytest_cache
