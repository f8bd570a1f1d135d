"""Local servers that speak each vendor's API over the simulated institution.

``start_simulator(program)`` starts one server per vendor on free ports and
returns their Airflow connections (``AIRFLOW_CONN_<ID>`` values), so the very
same connectors and DAGs that talk to a hospital's systems talk to these.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from simulator.program import Program
from simulator.servers.base import SimServer
from simulator.servers.canvas import CanvasServer
from simulator.servers.ics import IcsServer
from simulator.servers.msgraph import MsGraphServer
from simulator.servers.qualtrics import QualtricsServer
from simulator.servers.redcap import RedcapServer
from simulator.servers.workday import WorkdayServer

# source name (as `leadership sync <source>` knows it) -> server factory
SERVERS: dict[str, Callable[[Program], SimServer]] = {
    "canvas": CanvasServer,
    "workday": WorkdayServer,
    "redcap": RedcapServer,
    "qualtrics": QualtricsServer,
    "msgraph": MsGraphServer,
    "ics": IcsServer,
}


@dataclass
class RunningSimulator:
    servers: dict[str, SimServer] = field(default_factory=dict)

    def connection_env(self, **extra_by_source: dict[str, Any]) -> dict[str, str]:
        """``AIRFLOW_CONN_<ID>`` for every server; ``extra_by_source`` tweaks their extras."""
        env = {}
        for source, server in self.servers.items():
            conn = server.connection()  # type: ignore[attr-defined]
            conn["extra"] = {**conn.get("extra", {}), **extra_by_source.get(source, {})}
            env[f"AIRFLOW_CONN_{server.conn_id.upper()}"] = json.dumps(conn)  # type: ignore[attr-defined]
        return env

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()

    def __enter__(self) -> RunningSimulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_simulator(
    program: Program, sources: list[str] | None = None, host: str = "127.0.0.1"
) -> RunningSimulator:
    running = RunningSimulator()
    for source, factory in SERVERS.items():
        if sources is None or source in sources:
            server = factory(program)
            server.start(host=host)
            running.servers[source] = server
    return running
