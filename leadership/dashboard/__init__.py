"""The program-director dashboard: a Streamlit app over the marts, read as ``bi_reader``.

``leadership dashboard`` calls :func:`serve`, which checks the warehouse can be read
the way the app reads it (fail here with one clear line, not in the browser), then
becomes ``streamlit run app.py``. The queries live in ``queries.py``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import NoReturn

APP = Path(__file__).with_name("app.py")


def serve(port: int = 8501, address: str = "127.0.0.1", url: str | None = None) -> NoReturn:
    """Check the marts can be read, then replace this process with the Streamlit server."""
    from leadership import warehouse
    from leadership.dashboard import queries

    url = url or warehouse.warehouse_url()
    queries.options(url)  # raises WarehouseError saying what to do when the marts are unreadable
    warehouse.dispose(url)  # the app opens its own connections
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.port",
        str(port),
        "--server.address",
        address,
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "viewer",
    ]
    print(f"dashboard on http://{address}:{port} (Ctrl-C stops it)", flush=True)
    # become Streamlit: signals (Ctrl-C, a service manager's SIGTERM) reach the server itself
    os.execve(sys.executable, command, {**os.environ, "WAREHOUSE_URL": url})
