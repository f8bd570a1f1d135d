"""Where the platform keeps things on disk, and the settings read from the environment.

One module so that every path (the embedded warehouse, Airflow's metadata, the
outbox, logs) is derived the same way by the CLI, the DAGs and the tests.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_DIR = PROJECT_ROOT / "dbt"
DAGS_DIR = PROJECT_ROOT / "dags"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"


def local_dir() -> Path:
    """The working directory for local state (`.local/` unless LEADERSHIP_HOME says otherwise)."""
    path = Path(os.environ.get("LEADERSHIP_HOME") or PROJECT_ROOT / ".local")
    path.mkdir(parents=True, exist_ok=True)
    return path


def drop_dir() -> Path:
    """Root folder of the CSV file drops (one sub-folder per feed, e.g. ``hr/``)."""
    configured = os.environ.get("LEADERSHIP_DROP_DIR")
    return Path(configured) if configured else local_dir() / "drops"
