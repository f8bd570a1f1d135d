"""Where the quarterly files go: a local folder by default, an SFTP folder in production.

A :class:`Delivery` gathers one output's files for one quarter (``accreditation/2026Q3/
...``), then writes them and a ``manifest.json`` (every file's name, row count, size
and sha256) to an outbox location. Nothing in a delivery depends on when it ran, so
re-running a quarter reproduces the same bytes and the same manifest.

Locations, as for the file drops (:mod:`integrations.file_drop.locations`):

- ``LocalOutbox``: ``$LEADERSHIP_OUTBOX`` or ``.local/outbox`` (or ``--out DIR``);
- ``SftpOutbox``: the Airflow connection ``sftp_default`` whose extra names
  ``outbox_root``, written through Airflow's ``SFTPHook`` (imported only when used).
  It is chosen when that connection is defined with ``outbox_root``, or asked for.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import posixpath
import zipfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from integrations.common.connection import ConnectionSettings, get_connection
from integrations.file_drop.locations import SFTP_CONN_ID, defined_connection, explain_sftp_error
from leadership.config import local_dir

MANIFEST = "manifest.json"


class OutboxError(RuntimeError):
    """The outbox cannot be written; the message says what to check."""


def outbox_dir() -> Path:
    """The local outbox folder: ``$LEADERSHIP_OUTBOX``, else ``.local/outbox``."""
    return Path(os.environ.get("LEADERSHIP_OUTBOX") or local_dir() / "outbox")


def period_timestamp(period: str) -> datetime:
    """A fixed moment for a period's files (2026Q3: its last day; 2026: Dec 31), noon, naive.

    Stands in for 'created' and 'modified' inside the files, so no run's clock gets in.
    """
    year = int(period[:4])
    month = 3 * int(period[-1]) if len(period) == 6 else 12
    day = 31 if month in (3, 12) else 30
    return datetime(year, month, day, 12, 0, 0)


def fixed_zip(entries: list[tuple[str, bytes]], moment: datetime) -> bytes:
    """A zip whose entries carry ``moment`` as their date: the same input, the same bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=moment.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def renormalise_zip(data: bytes, moment: datetime) -> bytes:
    """Rewrite a zip (an XLSX) with fixed entry dates, keeping the entries' order."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        entries = [(info.filename, archive.read(info)) for info in archive.infolist()]
    return fixed_zip(entries, moment)


@dataclass
class OutFile:
    name: str  # relative to the delivery's folder
    data: bytes
    rows: int | None  # data rows (CSV rows, sheet rows, 1 for a document)

    def entry(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "rows": self.rows,
            "bytes": len(self.data),
            "sha256": hashlib.sha256(self.data).hexdigest(),
        }


@dataclass
class Delivery:
    """One output's files for one period, written under ``<output>/<period>/``."""

    output: str  # e.g. accreditation
    period: str  # e.g. 2026Q3, or 2026 for an annual bundle
    files: list[OutFile] = field(default_factory=list)
    # the names added so far: a set, since a network's HR summaries are 295,000 files
    _names: set[str] = field(default_factory=set, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._names = {f.name for f in self.files}

    @property
    def folder(self) -> str:
        return f"{self.output}/{self.period}"

    def add(self, name: str, data: bytes, rows: int | None) -> None:
        if name in self._names:
            raise ValueError(f"{self.folder}/{name} is added twice")
        self._names.add(name)
        self.files.append(OutFile(name, data, rows))

    def manifest(self) -> dict[str, Any]:
        return {
            "output": self.output,
            "period": self.period,
            "files": [f.entry() for f in sorted(self.files, key=lambda f: f.name)],
        }

    def manifest_bytes(self) -> bytes:
        return (json.dumps(self.manifest(), indent=2, sort_keys=True) + "\n").encode()

    def write(self, location: OutboxLocation | None = None) -> dict[str, Any]:
        """Write every file, then the manifest (last: its presence means complete)."""
        location = location or outbox_location()
        with location.session():
            for f in sorted(self.files, key=lambda f: f.name):
                location.write_bytes(f"{self.folder}/{f.name}", f.data)
            location.write_bytes(f"{self.folder}/{MANIFEST}", self.manifest_bytes())
        return {"location": location.describe(), **self.manifest()}


class OutboxLocation(Protocol):
    def describe(self) -> str:
        """Where the files go, for messages (never with a secret)."""
        ...

    def write_bytes(self, name: str, data: bytes) -> None:
        """Write one file (``name`` relative to the outbox root, '/'-separated)."""
        ...

    def session(self) -> AbstractContextManager[Any]:
        """Around a delivery's writes (one SFTP connection for all of them)."""
        ...


class LocalOutbox:
    """An outbox folder on the local file system."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def describe(self) -> str:
        return str(self.root)

    def session(self) -> AbstractContextManager[Any]:
        return nullcontext()

    def write_bytes(self, name: str, data: bytes) -> None:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial")
        partial.write_bytes(data)
        partial.replace(path)


class SftpOutbox:
    """An outbox folder on an SFTP server, written through Airflow's ``SFTPHook``."""

    def __init__(self, conn: ConnectionSettings, remote_root: str) -> None:
        self.conn = conn
        self.remote_root = remote_root
        self._hook: Any = None
        self._made: set[str] = set()

    @classmethod
    def from_connection(cls, conn: ConnectionSettings, path: str | None = None) -> SftpOutbox:
        root = path or conn.extra.get("outbox_root")
        if not root:
            raise OutboxError(
                f"connection {conn.conn_id} names no outbox folder: set extra.outbox_root in "
                f"AIRFLOW_CONN_{conn.conn_id.upper()} or in Airflow, or pass --out REMOTE_DIR"
            )
        return cls(conn, str(root))

    def describe(self) -> str:
        port = f":{self.conn.port}" if self.conn.port else ""
        return f"sftp://{self.conn.host}{port}{self.remote_root} (connection {self.conn.conn_id})"

    @contextmanager
    def session(self) -> Iterator[None]:
        """One SSH connection for every file of a delivery (the hook's managed connection)."""
        with self._errors("connect to"), self.hook().get_managed_conn():
            yield

    def write_bytes(self, name: str, data: bytes) -> None:
        remote = posixpath.join(self.remote_root, name)
        with self._errors(f"write {name} to"):
            hook = self.hook()
            folder = posixpath.dirname(remote)
            if folder not in self._made:
                hook.create_directory(folder)
                self._made.add(folder)
            hook.store_file(remote, io.BytesIO(data))

    @contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        """The hook's and paramiko's exceptions as one OutboxError saying what to check."""
        try:
            yield
        except OutboxError:
            raise
        except Exception as exc:
            raise OutboxError(
                f"could not {doing} {self.describe()}: {explain_sftp_error(exc)}"
            ) from None

    def hook(self) -> Any:
        if self._hook is None:
            try:
                from airflow.providers.sftp.hooks.sftp import SFTPHook
            except ImportError:
                raise OutboxError(
                    "delivering over SFTP needs apache-airflow-providers-sftp; install it or "
                    "write to a local folder with --location local"
                ) from None
            attempts = self.conn.extra.get("conn_retry_attempts")
            options = {"conn_retry_attempts": int(attempts)} if attempts else {}
            self._hook = SFTPHook(ssh_conn_id=self.conn.conn_id, **options)
        return self._hook


def outbox_location(
    location: str | None = None, path: str | Path | None = None, conn_id: str = SFTP_CONN_ID
) -> OutboxLocation:
    """The outbox: ``location`` local or sftp, else SFTP when ``conn_id`` has an outbox_root.

    ``path`` is the local folder (local) or the remote folder (sftp).
    """
    kind = (location or "").strip().lower()
    if kind not in ("", "local", "sftp"):
        raise OutboxError(f"unknown outbox location {location!r}; use local or sftp")
    if kind == "sftp":
        return SftpOutbox.from_connection(get_connection(conn_id), str(path) if path else None)
    if kind == "" and not path:
        conn = defined_connection(conn_id)
        if conn is not None and conn.extra.get("outbox_root"):
            return SftpOutbox.from_connection(conn)
    return LocalOutbox(Path(path) if path else outbox_dir())
