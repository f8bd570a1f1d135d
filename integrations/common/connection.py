"""Connection settings in Airflow's shape, so the same connection works in a DAG and the CLI.

A connection (``canvas_default``, ``workday_default``, ...) has a type, host, login,
password, port, schema and a JSON ``extra``. It comes from an environment variable
``AIRFLOW_CONN_<ID>`` in either of Airflow's two formats (URI or JSON), parsed here
the way Airflow parses them, or, inside an Airflow task, from Airflow itself
(metadata database or secrets backend). ``repr`` never shows the password.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from integrations.common.schema import ExtractError


class ConnectionMissing(ExtractError):
    """No connection with that id; the message says how to define one."""


@dataclass(frozen=True)
class ConnectionSettings:
    conn_id: str
    conn_type: str = ""
    host: str = ""
    login: str = ""
    password: str = field(default="", repr=False)
    port: int | None = None
    schema: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def base_url(self, default_scheme: str = "https") -> str:
        """``scheme://host[:port][/schema]``; a host that already has a scheme is kept as is."""
        if self.host.startswith(("http://", "https://")):
            base = self.host.rstrip("/")
        else:
            scheme = self.conn_type if self.conn_type in ("http", "https") else default_scheme
            base = f"{scheme}://{self.host}"
            if self.port:
                base += f":{self.port}"
        if self.schema:
            base += "/" + self.schema.strip("/")
        return base

    def http_options(self) -> dict[str, Any]:
        """Timeout and retry policy for HttpClient, from the extra (with safe defaults).

        extra keys: ``timeout`` (read timeout, seconds), ``connect_timeout``,
        ``max_attempts``, ``backoff_base``, ``backoff_max``, ``max_retry_after``.
        """
        from integrations.common.http import RetryPolicy

        extra = self.extra
        return {
            "timeout": (float(extra.get("connect_timeout", 5)), float(extra.get("timeout", 30))),
            "retry": RetryPolicy(
                max_attempts=int(extra.get("max_attempts", 5)),
                backoff_base=float(extra.get("backoff_base", 0.5)),
                backoff_max=float(extra.get("backoff_max", 30)),
                max_retry_after=float(extra.get("max_retry_after", 120)),
            ),
        }

    def require(self, *names: str) -> None:
        """Raise a clear error when the connection lacks a field or an extra key."""
        fields = {"host", "login", "password", "port", "schema"}
        missing = [n for n in names if not (getattr(self, n) if n in fields else self.extra.get(n))]
        if missing:
            raise ConnectionMissing(
                f"connection {self.conn_id} lacks {', '.join(missing)}; set it in Airflow or in "
                f"AIRFLOW_CONN_{self.conn_id.upper()}"
            )


def parse_connection(conn_id: str, value: str) -> ConnectionSettings:
    """Parse Airflow's JSON or URI connection format."""
    value = value.strip()
    if value.startswith("{"):
        data = json.loads(value)
        extra = data.get("extra") or {}
        if isinstance(extra, str):
            extra = json.loads(extra) if extra.strip() else {}
        return ConnectionSettings(
            conn_id=conn_id,
            conn_type=str(data.get("conn_type") or ""),
            host=str(data.get("host") or ""),
            login=str(data.get("login") or ""),
            password=str(data.get("password") or ""),
            port=int(data["port"]) if data.get("port") else None,
            schema=str(data.get("schema") or ""),
            extra=dict(extra),
        )
    parts = urlsplit(value)
    conn_type = parts.scheme.replace("-", "_")
    query = parse_qsl(parts.query, keep_blank_values=True)
    if len(query) == 1 and query[0][0] == "__extra__":
        extra = json.loads(query[0][1])
    else:
        extra = dict(query)
    host = unquote(parts.hostname or "")
    return ConnectionSettings(
        conn_id=conn_id,
        conn_type=conn_type,
        host=host,
        login=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        port=parts.port,
        schema=unquote(parts.path.lstrip("/")),
        extra=extra,
    )


def get_connection(conn_id: str) -> ConnectionSettings:
    """The connection from ``AIRFLOW_CONN_<ID>``, else from Airflow (inside a task)."""
    value = os.environ.get(f"AIRFLOW_CONN_{conn_id.upper()}")
    if value:
        try:
            return parse_connection(conn_id, value)
        except (ValueError, json.JSONDecodeError) as exc:
            raise ConnectionMissing(
                f"AIRFLOW_CONN_{conn_id.upper()} is not a valid Airflow connection "
                f"(URI or JSON): {type(exc).__name__}"
            ) from None
    try:
        from airflow.sdk import Connection

        found = Connection.get(conn_id)
    except Exception:
        found = None
    if found is None:
        raise ConnectionMissing(
            f"no connection {conn_id}: define it in Airflow, or set AIRFLOW_CONN_{conn_id.upper()} "
            "to a connection URI or JSON (see README, Sources)"
        )
    return ConnectionSettings(
        conn_id=conn_id,
        conn_type=found.conn_type or "",
        host=found.host or "",
        login=found.login or "",
        password=found.password or "",
        port=found.port,
        schema=found.schema or "",
        extra=dict(found.extra_dejson or {}),
    )
