"""A real SFTP server (asyncssh 2.x) serving a local folder, for tests and the demo.

It runs in a background thread with its own event loop, listens on 127.0.0.1 on a
free port, logs in one user by password, serves ``root`` as ``/`` (asyncssh's
``chroot``) and records every file it opens for reading (``opened``, paths as the
client saw them), so tests can check which files a sync read.
:meth:`connection` is the Airflow connection (``AIRFLOW_CONN_SFTP_DEFAULT`` JSON)
that reaches it, pinned to its generated host key.
"""

from __future__ import annotations

import asyncio
import posixpath
import threading
from pathlib import Path
from typing import Any

import asyncssh


class SftpDropServer:
    def __init__(
        self, root: Path, username: str = "drop", password: str = "drop-pass-5678"
    ) -> None:
        self.root = Path(root).resolve()
        self.username = username
        self.password = password
        self.opened: list[str] = []
        self.host_key = asyncssh.generate_private_key("ssh-ed25519")
        self.port = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._acceptor: asyncssh.SSHAcceptor | None = None

    def start(self) -> SftpDropServer:
        self._thread.start()
        server = self

        class Login(asyncssh.SSHServer):
            def begin_auth(self, username: str) -> bool:
                return True

            def password_auth_supported(self) -> bool:
                return True

            def validate_password(self, username: str, password: str) -> bool:
                return username == server.username and password == server.password

        class Folder(asyncssh.SFTPServer):
            def __init__(self, chan: asyncssh.SSHServerChannel) -> None:
                super().__init__(chan, chroot=bytes(server.root))

            def open(self, path: bytes, pflags: int, attrs: asyncssh.SFTPAttrs) -> object:
                server.opened.append(posixpath.normpath(posixpath.join("/", path.decode())))
                return super().open(path, pflags, attrs)

        async def listen() -> asyncssh.SSHAcceptor:
            return await asyncssh.listen(
                "127.0.0.1",
                0,
                server_host_keys=[self.host_key],
                server_factory=Login,
                sftp_factory=Folder,
            )

        self._acceptor = asyncio.run_coroutine_threadsafe(listen(), self._loop).result(10)
        self.port = self._acceptor.get_port()
        return self

    def stop(self) -> None:
        if self._acceptor is not None:
            acceptor = self._acceptor

            async def close() -> None:
                acceptor.close()
                await acceptor.wait_closed()

            asyncio.run_coroutine_threadsafe(close(), self._loop).result(10)
            self._acceptor = None
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
        self._loop.close()

    def public_host_key(self) -> str:
        return public_key_line(self.host_key)

    def connection(self, remote_root: str = "/", **extra: Any) -> dict[str, Any]:
        return {
            "conn_type": "sftp",
            "host": "127.0.0.1",
            "port": self.port,
            "login": self.username,
            "password": self.password,
            "extra": {
                "remote_root": remote_root,
                "host_key": self.public_host_key(),
                "look_for_keys": False,
                "conn_timeout": 5,
                **extra,
            },
        }


def public_key_line(key: asyncssh.SSHKey) -> str:
    """``<type> <base64>``, as Airflow's SSH connections take it (extra ``host_key``)."""
    return " ".join(key.export_public_key("openssh").decode().split()[:2])
