"""Test fixtures: every test that touches data talks to a real PostgreSQL.

The server is ``WAREHOUSE_URL``'s when set, else the local one on 127.0.0.1:5432
when it answers, else an embedded one (pgserver) started for the session. Each
test that needs a warehouse gets its own fresh database, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
import pytest

warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")

LOCAL_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def with_database(url: str, dbname: str) -> str:
    from leadership.warehouse import with_database as same_server

    return same_server(url, dbname)


@pytest.fixture(scope="session")
def test_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """LEADERSHIP_HOME for the whole session: nothing the tests write lands in the checkout."""
    home = tmp_path_factory.mktemp("leadership-home")
    os.environ["LEADERSHIP_HOME"] = str(home)
    return home


@pytest.fixture(scope="session")
def server_url(test_home: Path) -> Iterator[str]:
    """A PostgreSQL server URL (its ``postgres`` database) for creating test databases."""
    configured = os.environ.get("WAREHOUSE_URL")
    if configured:
        yield with_database(configured, "postgres")
        return
    try:
        with psycopg.connect(LOCAL_SERVER, connect_timeout=3):
            pass
        yield LOCAL_SERVER
        return
    except psycopg.OperationalError:
        pass
    import pgserver

    server = pgserver.get_server(test_home / "pgdata", cleanup_mode="stop")
    yield server.get_uri("postgres")


@pytest.fixture(scope="session")
def make_database(server_url: str) -> Iterator[Callable[..., str]]:
    """A factory of fresh, migrated warehouse databases, dropped at the end of the session.

    Session fixtures use this one; a test's own databases come from ``new_database``,
    dropped when the test ends, so the server never runs out of connections.
    """
    from leadership import warehouse

    created: list[str] = []
    migrated: list[str] = []  # one migrated database, copied for every fresh one

    def make(template_url: str | None = None) -> str:
        """A fresh migrated database, or a copy of ``template_url`` (PostgreSQL's TEMPLATE)."""
        name = f"lpp_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        url = with_database(server_url, name)
        if template_url is None and not migrated:
            warehouse.migrate(url)
            warehouse.dispose(url)
            migrated.append(url)
            created.append(url)
            return make(url)  # the first one stays pristine: a template for the rest
        warehouse.dispose(template_url or migrated[0])
        template = urlsplit(template_url or migrated[0]).path.lstrip("/")
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(f'create database "{name}" template "{template}"')
        created.append(url)
        return url

    yield make
    for url in created:
        warehouse.drop_database(url)


@pytest.fixture
def new_database(make_database: Callable[..., str]) -> Iterator[Callable[..., str]]:
    """Like ``make_database``, but each database is dropped as soon as the test ends."""
    from leadership import warehouse

    mine: list[str] = []

    def make(template_url: str | None = None) -> str:
        url = make_database(template_url)
        mine.append(url)
        return url

    yield make
    for url in mine:
        warehouse.drop_database(url)


@pytest.fixture
def warehouse_url(new_database: Callable[..., str], monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh migrated database, set as WAREHOUSE_URL for the test."""
    url = new_database()
    monkeypatch.setenv("WAREHOUSE_URL", url)
    return url


@pytest.fixture
def sql(warehouse_url: str) -> Callable[..., list[tuple]]:
    """Run a query on the test warehouse and return its rows."""

    def run(query: str, params: tuple | list | None = None) -> list[tuple]:
        with psycopg.connect(warehouse_url) as conn:
            cur = conn.execute(query, params)
            return cur.fetchall() if cur.description else []

    return run


@pytest.hookimpl(trylast=True)  # after pytest-xdist's own hook, which no longer takes effect
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Keep the tests that share the dbt-built warehouse on one xdist worker and the
    end-to-end chain on another (``make test``: three workers, ``--dist loadgroup``).

    xdist 3.8 names a test's group by appending ``@group`` to ``item._nodeid``; pytest 9
    keeps the id in ``item._id`` instead, so xdist's own rename is lost and every worker
    would build the simulated warehouse itself. This does xdist's rename on pytest 9.
    """
    if not getattr(config.option, "loadgroup", False) or not hasattr(config, "workerinput"):
        return
    from _pytest.nodeid import NodeId

    # The two long serial runs first, the chain before the rest: the worker that takes
    # the chain starts with it, at full priority (pytest_runtest_setup).
    items.sort(key=lambda item: ("e2e" not in item.path.parts, "dbt" not in item.path.parts))

    for item in items:
        parts = item.path.parts
        if "dbt" in parts and "tests" in parts:
            group = "simulated_warehouse"
        elif "e2e" in parts:
            group = "e2e"
        else:
            continue
        if "@" not in item.nodeid:
            item._id = NodeId.parse(f"{item.nodeid}@{group}")


_NICENESS = 10


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Under xdist, every test but the end-to-end chain runs at a lower CPU priority.

    The chain is the suite's longest test and runs on one worker from the start; on
    two cores the other workers would otherwise slow it down as much as it slows them,
    and the suite would last as long as the starved chain. A worker lowers its own
    priority (and its children's: dbt, Airflow) once, for good.
    """
    if not os.environ.get("PYTEST_XDIST_WORKER") or "e2e" in item.path.parts:
        return
    if os.getpriority(os.PRIO_PROCESS, 0) < _NICENESS:
        os.nice(_NICENESS - os.getpriority(os.PRIO_PROCESS, 0))


@pytest.fixture
def sftp_server(tmp_path: Path) -> Iterator[Any]:
    """A local SFTP server (the simulator's) serving ``tmp_path/remote``; stopped after."""
    from simulator.sftp_server import SftpDropServer

    root = tmp_path / "remote"
    root.mkdir()
    server = SftpDropServer(root).start()
    try:
        yield server
    finally:
        server.stop()
