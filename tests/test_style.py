"""House style is enforced by the suite, not by memory: ruff for Python, sqlfluff for dbt."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from leadership.config import PROJECT_ROOT

BIN = Path(sys.executable).parent


def test_python_is_ruff_clean() -> None:
    result = subprocess.run(
        [str(BIN / "ruff"), "check", "."], cwd=PROJECT_ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout


def test_dbt_sql_is_sqlfluff_clean() -> None:
    result = subprocess.run(
        [str(BIN / "sqlfluff"), "lint", "dbt/models", "--nocolor"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-4000:]


def test_models_read_the_day_only_through_the_as_of_date_macro() -> None:
    """A build as of a new day refreshes the models tagged ``reads_as_of_date``, which the
    ``as_of_date()`` macro tags (dbt/macros/as_of_date.sql): a model reading the clock or the
    var another way would keep yesterday's rows."""
    import re

    clock = re.compile(
        r"current_date|current_timestamp|localtimestamp|\bnow\(\)|run_started_at"
        r"|var\(\s*['\"]as_of_date",
        re.IGNORECASE,
    )
    dbt_dir = PROJECT_ROOT / "dbt"
    found = [
        f"{path.relative_to(dbt_dir)}: {match.group(0)}"
        for folder in ("models", "macros")
        for path in sorted((dbt_dir / folder).rglob("*.sql"))
        if path.name not in ("as_of_date.sql", "record_invocation.sql")  # bookkeeping
        for match in clock.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_outputs_and_dashboard_read_marts_not_dbt_internals() -> None:
    """Quarterly outputs and the dashboard read ``marts`` (and write ``program``): staging
    and intermediate relations are dbt's internals, without contracts, and bi_reader
    cannot see them."""
    internal = re.compile(r"\b(?:staging|intermediate|raw|restricted)\.[a-z_]+")
    found = [
        f"{path.relative_to(PROJECT_ROOT)}: {match.group(0)}"
        for folder in ("leadership/exports", "leadership/dashboard")
        for path in sorted((PROJECT_ROOT / folder).rglob("*.py"))
        for match in internal.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == []
