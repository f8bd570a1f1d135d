"""The one way to reach the PostgreSQL warehouse.

``WAREHOUSE_URL`` (a PostgreSQL URL) names the warehouse. When it is unset, an
embedded PostgreSQL (the ``pgserver`` package) is started under ``.local/`` so a
fresh machine needs nothing installed. Everything else (the loader, dbt, the
quarterly jobs, the tests) gets its connection from here.

Migrations are ordered SQL files in ``leadership/migrations``; each is applied
once, in its own transaction, under an advisory lock, and recorded in
``ops.schema_migrations``.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import conninfo, sql
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import Connection

from leadership.config import local_dir

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
EMBEDDED_DATABASE = "leadership"
_MIGRATION_LOCK = 815_2026  # advisory lock key shared by every migrating process


class WarehouseError(RuntimeError):
    """The warehouse cannot be reached or prepared; the message says what to do."""


def warehouse_url() -> str:
    """The warehouse's libpq URL: ``WAREHOUSE_URL``, else the embedded server's."""
    configured = os.environ.get("WAREHOUSE_URL")
    if configured:
        return configured
    return embedded_url()


def embedded_url() -> str:
    """Start (or join) the embedded PostgreSQL under ``.local/pgdata``; return its URL."""
    try:
        import pgserver
    except ImportError as exc:  # pragma: no cover - pgserver is a hard dependency
        raise WarehouseError(
            "WAREHOUSE_URL is not set and the embedded PostgreSQL (pgserver) is not installed; "
            "set WAREHOUSE_URL=postgresql://user@host:5432/db or run `make demo` to install it"
        ) from exc
    pgdata = local_dir() / "pgdata"
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    server = pgserver.get_server(pgdata, cleanup_mode=None)
    url = server.get_uri(EMBEDDED_DATABASE)
    ensure_database(url)
    return url


def stop_embedded() -> bool:
    """Stop the embedded server if it runs; True when one was stopped."""
    pgdata = local_dir() / "pgdata"
    if not (pgdata / "postmaster.pid").exists():
        return False
    import pgserver

    server = pgserver.get_server(pgdata, cleanup_mode=None)
    server.cleanup_mode = "stop"
    server._cleanup()
    return True


def connection_params(url: str | None = None) -> dict[str, str]:
    """Host, port, user, password and database of a libpq URL (socket paths included)."""
    params = conninfo.conninfo_to_dict(url or warehouse_url())
    return {
        "host": str(params.get("host") or "localhost"),
        "port": str(params.get("port") or "5432"),
        "user": str(params.get("user") or os.environ.get("USER") or "postgres"),
        "password": str(params.get("password") or ""),
        "dbname": str(params.get("dbname") or "postgres"),
    }


def display_url(url: str | None = None) -> str:
    """The URL with any password replaced: safe for logs and summaries."""
    p = connection_params(url)
    where = p["host"] if p["host"].startswith("/") else f"{p['host']}:{p['port']}"
    return f"postgresql://{p['user']}{':***' if p['password'] else ''}@{where}/{p['dbname']}"


def ensure_database(url: str) -> None:
    """Create the URL's database when the server answers but the database is missing."""
    params = conninfo.conninfo_to_dict(url)
    dbname = params.get("dbname") or "postgres"
    admin = conninfo.make_conninfo(url, dbname="postgres")
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=10) as conn:
            exists = conn.execute(
                "select 1 from pg_database where datname = %s", [dbname]
            ).fetchone()
            if not exists:
                conn.execute(sql.SQL("create database {}").format(sql.Identifier(dbname)))
                log.info("created database %s", dbname)
    except psycopg.OperationalError as exc:
        raise WarehouseError(
            f"cannot reach the warehouse at {display_url(url)}: {_first_line(exc)}. "
            "Check WAREHOUSE_URL, or unset it to use the embedded PostgreSQL."
        ) from None


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def sqlalchemy_url(url: str) -> str:
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


_ENGINES: dict[str, Engine] = {}


def engine(url: str | None = None) -> Engine:
    """A pooled SQLAlchemy engine (psycopg 3 underneath) for the warehouse, one per URL."""
    url = url or warehouse_url()
    if url not in _ENGINES:
        _ENGINES[url] = create_engine(
            sqlalchemy_url(url), pool_pre_ping=True, pool_size=2, max_overflow=4
        )
    return _ENGINES[url]


def _forget_engines() -> None:
    """In a forked child (the bench's simulated vendors, a worker): leave the parent's
    pooled connections to the parent (their sockets are shared); the child opens its own."""
    for found in _ENGINES.values():
        found.dispose(close=False)
    _ENGINES.clear()


os.register_at_fork(after_in_child=_forget_engines)


def dispose(url: str | None = None) -> None:
    """Close the pooled connections to ``url`` (all URLs when None), e.g. before dropping it."""
    for key in [url] if url else list(_ENGINES):
        found = _ENGINES.pop(key, None)
        if found is not None:
            found.dispose()


@contextmanager
def transaction(url: str | None = None) -> Iterator[Connection]:
    """A connection inside one transaction: committed on success, rolled back on error."""
    try:
        with engine(url).begin() as conn:
            yield conn
    except psycopg.OperationalError as exc:  # pragma: no cover - depends on the network
        raise WarehouseError(f"warehouse connection failed: {_first_line(exc)}") from None


def raw_cursor(conn: Connection) -> psycopg.Cursor[Any]:
    """The psycopg cursor under a SQLAlchemy connection, for COPY."""
    return conn.connection.driver_connection.cursor()  # type: ignore[union-attr]


def migrations() -> list[Path]:
    files = sorted(MIGRATIONS_DIR.glob("[0-9][0-9][0-9][0-9]_*.sql"))
    versions = [f.name[:4] for f in files]
    if len(set(versions)) != len(versions):
        raise WarehouseError(f"two migrations share a version number in {MIGRATIONS_DIR}")
    return files


def migrate(url: str | None = None) -> list[str]:
    """Apply every pending migration, then create the stream tables; return what was applied."""
    url = url or warehouse_url()
    ensure_database(url)
    applied: list[str] = []
    with transaction(url) as conn:
        conn.exec_driver_sql(f"select pg_advisory_xact_lock({_MIGRATION_LOCK})")
        conn.exec_driver_sql("create schema if not exists ops")
        conn.exec_driver_sql(
            "create table if not exists ops.schema_migrations ("
            " version text primary key, name text not null, checksum text not null,"
            " applied_at timestamptz not null default now())"
        )
        done = dict(
            conn.exec_driver_sql("select version, checksum from ops.schema_migrations").all()
        )
        for path in migrations():
            version, body = path.name[:4], path.read_text()
            checksum = hashlib.sha256(body.encode()).hexdigest()
            if version in done:
                if done[version] != checksum:
                    log.warning("migration %s changed after it was applied; not re-run", path.name)
                continue
            log.info("applying migration %s", path.name)
            cursor = raw_cursor(conn)
            cursor.execute(body)  # type: ignore[arg-type]
            conn.exec_driver_sql(
                "insert into ops.schema_migrations (version, name, checksum) values (%s, %s, %s)",
                (version, path.stem, checksum),
            )
            applied.append(path.name)
        from leadership.tables import ensure_stream_tables

        ensure_stream_tables(conn)
    return applied


def ping(url: str | None = None, timeout: int = 3) -> bool:
    """True when a server answers at the URL."""
    try:
        with psycopg.connect(url or warehouse_url(), connect_timeout=timeout) as conn:
            conn.execute("select 1")
        return True
    except psycopg.OperationalError:
        return False


def psql_executable() -> str | None:
    """The machine's psql, else the one bundled with the embedded PostgreSQL."""
    found = shutil.which("psql")
    if found:
        return found
    try:
        import pgserver
    except ImportError:
        return None
    candidate = Path(pgserver.__file__).parent / "pginstall" / "bin" / "psql"
    return str(candidate) if candidate.exists() else None


def with_database(url: str, dbname: str) -> str:
    """The same server and credentials, another database."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{dbname}"))


def drop_database(url: str) -> None:
    """Close our connections to ``url``'s database and drop it (scratch databases only)."""
    dispose(url)
    dbname = conninfo.conninfo_to_dict(url).get("dbname")
    admin = conninfo.make_conninfo(url, dbname="postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        drop = sql.SQL("drop database if exists {} with (force)")
        conn.execute(drop.format(sql.Identifier(dbname)))
