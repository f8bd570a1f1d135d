"""``leadership simulate --serve``: the synthetic institution as a long-running service.

Writes every feed's file drop, then serves every vendor API on fixed ports (the
compose file's ``simulator`` service), and prints the Airflow connections that point
at them, ready for ``.env``.
"""

from __future__ import annotations

import contextlib
import json
import signal
import threading
from collections.abc import Callable
from pathlib import Path

from simulator.file_drops import write_file_drops
from simulator.institution import Institution
from simulator.program import generate_program
from simulator.servers import SERVERS


def serve_forever(
    inst: Institution,
    drops: Path,
    *,
    host: str = "127.0.0.1",
    public_host: str | None = None,
    base_port: int = 8801,
    say: Callable[[str], None] = print,
) -> int:
    program = generate_program(inst)
    write_file_drops(program, drops, plant_bad_rows=True)
    say(f"file drops for every feed in {drops}")
    servers = []
    for offset, (source, factory) in enumerate(sorted(SERVERS.items())):
        server = factory(program)
        server.start(host=host, port=base_port + offset)
        if public_host:
            server.url = f"http://{public_host}:{base_port + offset}"
        servers.append(server)
        conn = json.dumps(server.connection())  # type: ignore[attr-defined]
        say(f"{source:<10} {server.url}")
        say(f"  AIRFLOW_CONN_{server.conn_id.upper()}={conn}")  # type: ignore[attr-defined]
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    for server in servers:
        server.stop()
    return 0
