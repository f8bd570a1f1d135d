"""What the DAG files share: default arguments, Asset names, and the Cosmos configuration.

DAG files stay thin wiring; anything they would repeat lives here. Nothing here
does I/O when imported: DAG files are parsed often and must parse fast.
"""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pendulum

from integrations.common.schema import StreamContract

OWNER = "data-engineering"
START_DATE = pendulum.datetime(2026, 1, 1, tz="UTC")

# LEADERSHIP_TASK_RETRIES lets local runs (the demo, tests) fail fast instead of
# waiting out exponential backoff; deployments keep the default.
DEFAULT_ARGS: dict[str, Any] = {
    "owner": OWNER,
    "retries": int(os.environ.get("LEADERSHIP_TASK_RETRIES", "3")),
    "retry_delay": timedelta(minutes=2),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=30),
}


def warehouse_asset_base() -> str:
    """``postgres://host:port/database`` for Asset URIs (from WAREHOUSE_URL; no connection made).

    An embedded warehouse (a socket path) or an unset URL gives ``localhost:5432/leadership``
    so Asset identities stay stable between runs.
    """
    url = os.environ.get("WAREHOUSE_URL", "")
    parts = urlsplit(url) if url else None
    host = parts.hostname if parts and parts.hostname else "localhost"
    port = parts.port if parts and parts.port else 5432
    database = parts.path.lstrip("/") if parts and parts.path.strip("/") else "leadership"
    return f"postgres://{host}:{port}/{database}"


def raw_asset_uri(contract: StreamContract) -> str:
    return f"{warehouse_asset_base()}/raw/{contract.qualified_name}"


def raw_asset(contract: StreamContract) -> Any:
    """The Airflow Asset a sync task publishes for one stream's raw table."""
    from airflow.sdk import Asset

    return Asset(name=f"raw.{contract.qualified_name}", uri=raw_asset_uri(contract))
