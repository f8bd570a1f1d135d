"""What every connector offers the platform: its streams, and extracts per stream.

Kept to a Protocol so connectors stay plain classes (client + streams) and the
platform's sync loop (``leadership.sync``) drives all of them the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

from integrations.common.schema import Extract, StreamContract


class Connector(Protocol):
    source: str

    def streams(self) -> list[StreamContract]:
        """The contracts this connector can fill."""
        ...

    def extract(
        self, contract: StreamContract, bookmark: dict[str, Any] | None, *, full_refresh: bool
    ) -> Iterator[Extract]:
        """Batches newer than ``bookmark`` (all of them when ``full_refresh``), oldest first."""
        ...
