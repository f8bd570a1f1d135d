"""House style is enforced by the suite, not by memory: ruff for Python, sqlfluff for dbt."""

from __future__ import annotations

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
