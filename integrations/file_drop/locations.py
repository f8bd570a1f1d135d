"""Where a feed's drop files live: a local folder, or a folder on an SFTP server.

Both offer the same three calls (``describe``, ``list_names``, ``read_bytes``), so
the connector does not care which one it reads. :func:`drop_location` picks one
from the sync options and the ``sftp_default`` connection.

The SFTP folder uses Airflow's SFTP provider (``apache-airflow-providers-sftp``,
``airflow.providers.sftp.hooks.sftp.SFTPHook``; read in the installed 7.0.0 source
and the provider's published module source, airflow.apache.org/docs/
apache-airflow-providers-sftp/5.3.x/_modules/airflow/providers/sftp/hooks/sftp.html):

- the hook (an ``SSHHook``) reads host, port, login, password or key and the host-key
  settings (``host_key``, ``no_host_key_check``, ``key_file``, ``private_key``,
  ``conn_timeout``, ``look_for_keys``) from the connection itself;
- ``retrieve_file`` takes a file-like buffer only in recent providers (Airflow 1.10's
  hook took paths only); ``list_directory_with_attr`` gives paramiko attributes, so
  sub-folders are skipped; each call opens and closes its own managed connection;
- ``conn_retry_attempts`` is a constructor argument (default 3, 3-5 s apart), not an
  extra: it is passed from the extra of the same name when set.

The provider imports Airflow (seconds), so it is imported only when an SFTP folder
is read.
"""

from __future__ import annotations

import io
import os
import posixpath
import stat
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from integrations.common.connection import ConnectionSettings, get_connection
from integrations.common.schema import ExtractError

SFTP_CONN_ID = "sftp_default"


class DropLocation(Protocol):
    def describe(self) -> str:
        """Where the files are, for messages (never with a secret)."""
        ...

    def list_names(self) -> list[str]:
        """The file names in the folder, sorted."""
        ...

    def read_bytes(self, name: str) -> bytes:
        """One file's content."""
        ...


class LocalFolder:
    """A drop location on the local file system."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def describe(self) -> str:
        return str(self.root)

    def list_names(self) -> list[str]:
        if not self.root.is_dir():
            raise ExtractError(
                f"the drop folder {self.root} does not exist; create it or pass --path DIR"
            )
        return sorted(p.name for p in self.root.iterdir() if p.is_file())

    def read_bytes(self, name: str) -> bytes:
        return (self.root / name).read_bytes()


class SftpFolder:
    """A drop location on an SFTP server, read through Airflow's ``SFTPHook``."""

    def __init__(self, conn: ConnectionSettings, remote_dir: str) -> None:
        self.conn = conn
        self.remote_dir = remote_dir
        self._hook: Any = None

    @classmethod
    def for_feed(
        cls, conn: ConnectionSettings, feed: str, path: str | Path | None = None
    ) -> SftpFolder:
        """The feed's folder: ``path`` when given, else ``<extra.remote_root>/<feed>``."""
        if path:
            return cls(conn, str(path))
        root = conn.extra.get("remote_root")
        if not root:
            raise ExtractError(
                f"connection {conn.conn_id} names no remote folder: set extra.remote_root "
                f"(the drop root, one sub-folder per feed) in AIRFLOW_CONN_{conn.conn_id.upper()} "
                "or in Airflow, or pass --path REMOTE_DIR"
            )
        return cls(conn, posixpath.join(str(root), feed))

    def describe(self) -> str:
        port = f":{self.conn.port}" if self.conn.port else ""
        return f"sftp://{self.conn.host}{port}{self.remote_dir} (connection {self.conn.conn_id})"

    def list_names(self) -> list[str]:
        with self._errors("list"):
            try:
                entries = self.hook().list_directory_with_attr(self.remote_dir)
            except FileNotFoundError:
                raise ExtractError(
                    f"the drop folder {self.describe()} does not exist; create it on the server "
                    "or fix extra.remote_root / --path"
                ) from None
        return sorted(e.filename for e in entries if stat.S_ISREG(e.st_mode or 0))

    def read_bytes(self, name: str) -> bytes:
        buffer = io.BytesIO()
        with self._errors(f"read {name} from"):
            self.hook().retrieve_file(posixpath.join(self.remote_dir, name), buffer)
        return buffer.getvalue()

    def hook(self) -> Any:
        if self._hook is None:
            try:
                from airflow.providers.sftp.hooks.sftp import SFTPHook
            except ImportError:
                raise ExtractError(
                    "reading a drop over SFTP needs apache-airflow-providers-sftp; install it "
                    "or point the sync at a local folder with --path DIR"
                ) from None
            attempts = self.conn.extra.get("conn_retry_attempts")
            options = {"conn_retry_attempts": int(attempts)} if attempts else {}
            with self._errors("connect to"):
                self._hook = SFTPHook(ssh_conn_id=self.conn.conn_id, **options)
        return self._hook

    @contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        """Turn the hook's and paramiko's exceptions into one clear ExtractError."""
        try:
            yield
        except ExtractError:
            raise
        except Exception as exc:
            raise ExtractError(
                f"could not {doing} {self.describe()}: {explain_sftp_error(exc)}"
            ) from None


def explain_sftp_error(exc: Exception) -> str:
    """What went wrong and what to check, without the exception's arguments' secrets."""
    name = type(exc).__name__
    text = str(exc) or name
    if name == "AuthenticationException":
        return "the server refused the login; check the connection's login and password or key"
    if "host key" in text.lower() or "known_hosts" in text:
        return f"{text}; set the connection's host_key extra to the server's public key"
    if name == "NoValidConnectionsError" or isinstance(exc, (ConnectionError, TimeoutError)):
        return f"the server did not answer ({text}); check host and port and that it is up"
    if isinstance(exc, PermissionError):
        return f"permission denied ({text}); ask the sender to grant the login read access"
    return f"{name}: {text}"


def defined_connection(conn_id: str) -> ConnectionSettings | None:
    """The connection if one is defined; Airflow is asked only when it is already loaded.

    Outside Airflow (the CLI), importing it just to find no connection costs seconds,
    so only ``AIRFLOW_CONN_<ID>`` counts there.
    """
    if os.environ.get(f"AIRFLOW_CONN_{conn_id.upper()}"):
        return get_connection(conn_id)  # a malformed value is an error, not "no connection"
    if "airflow.sdk" not in sys.modules:
        return None
    try:
        return get_connection(conn_id)
    except ExtractError:
        return None


def drop_location(
    feed: str,
    *,
    default_root: Path,
    path: str | Path | None = None,
    location: str | None = None,
    conn_id: str = SFTP_CONN_ID,
) -> DropLocation:
    """The feed's drop folder, from the sync options.

    - ``location="sftp"``: the SFTP connection ``conn_id``; the folder is ``path``
      or ``<extra.remote_root>/<feed>``;
    - ``path`` (``--path DIR``) or ``location="local"``: a local folder, ``path`` or
      ``<default_root>/<feed>``;
    - neither: SFTP when ``conn_id`` is defined with ``extra.remote_root``, else
      the local ``<default_root>/<feed>``.
    """
    kind = (location or "").strip().lower()
    if kind not in ("", "local", "sftp"):
        raise ExtractError(f"unknown drop location {location!r}; use local or sftp")
    if kind == "sftp":
        return SftpFolder.for_feed(get_connection(conn_id), feed, path)
    if path:
        return LocalFolder(Path(path))
    if kind == "":
        conn = defined_connection(conn_id)
        if conn is not None and conn.extra.get("remote_root"):
            return SftpFolder.for_feed(conn, feed)
    return LocalFolder(Path(default_root) / feed)
