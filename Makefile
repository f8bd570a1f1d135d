# The two commands: `make demo` and `make test`. Both create .venv when missing and
# install the locked versions (constraints.txt); nothing else needs installing.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)
UV_VERSION := 0.13.9

.PHONY: demo test lint lock setup clean

setup: $(STAMP) dbt/target/manifest.json

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv==$(UV_VERSION)
	$(BIN)/uv pip install --quiet --python $(BIN)/python -c constraints.txt -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

# Cosmos renders the warehouse_build DAG from dbt's manifest.
dbt/target/manifest.json: $(STAMP) $(shell find dbt/models dbt/macros dbt/seeds -type f 2>/dev/null) dbt/dbt_project.yml
	$(BIN)/leadership dbt parse --quiet

demo: setup
	$(BIN)/leadership demo

test: setup
	$(BIN)/pytest -n 2 --dist loadgroup

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/sqlfluff lint dbt/models

# Regenerate the lock after changing pyproject.toml's dependencies.
lock:
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 -o constraints.txt

clean:
	rm -rf .local dbt/target dbt/logs .pytest_cache
