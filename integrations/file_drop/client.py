"""Read dated CSV files for one feed from a drop location (the package docstring: the contract)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from integrations.common.schema import OVERFLOW_KEY, Extract, ExtractError, StreamContract
from integrations.contracts import contracts_for_feed
from integrations.file_drop.locations import DropLocation

_NAME = re.compile(r"^(?P<stream>[a-z][a-z0-9_]*)_(?P<day>\d{4}-\d{2}-\d{2})\.csv$")


@dataclass(frozen=True)
class DroppedFile:
    stream: str
    day: date
    name: str


class FileDrop:
    """The file-drop connector for one feed (``hr``, ``lms``, ...): source name ``<feed>_csv``."""

    def __init__(self, feed: str, location: DropLocation) -> None:
        self.feed = feed
        self.source = f"{feed}_csv"
        self.location = location

    def streams(self) -> list[StreamContract]:
        return contracts_for_feed(self.feed)

    def files(self, contract: StreamContract) -> list[DroppedFile]:
        found = []
        for name in self.location.list_names():
            match = _NAME.match(name)
            if match and match["stream"] == contract.name:
                try:
                    day = date.fromisoformat(match["day"])
                except ValueError:
                    continue
                found.append(DroppedFile(contract.name, day, name))
        return sorted(found, key=lambda f: (f.day, f.name))

    def extract(
        self, contract: StreamContract, bookmark: dict[str, Any] | None, *, full_refresh: bool
    ) -> Iterator[Extract]:
        last = None if full_refresh or not bookmark else bookmark.get("last_file_date")
        for dropped in self.files(contract):
            if last and dropped.day.isoformat() <= last:
                continue
            records = parse_csv(self.location.read_bytes(dropped.name), dropped.name)
            as_of = datetime.combine(dropped.day, time(), tzinfo=UTC)
            yield Extract(
                contract=contract,
                records=records,
                source_ref=dropped.name,
                bookmark={"last_file_date": dropped.day.isoformat(), "last_file": dropped.name},
                window_start=None,
                window_end=as_of,
            )


def parse_csv(data: bytes, name: str) -> list[dict[str, Any]]:
    """Rows of a CSV file as dicts; values beyond the header land under ``_overflow``."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ExtractError(
            f"{name} is not UTF-8 (byte {exc.start}: {data[exc.start : exc.start + 1]!r}); "
            "ask the sender to export UTF-8, or convert it with iconv before the next sync"
        ) from None
    reader = csv.DictReader(io.StringIO(text, newline=""), restkey=OVERFLOW_KEY)
    if reader.fieldnames is None:
        return []
    try:
        return [dict(row) for row in reader]
    except csv.Error as exc:
        raise ExtractError(f"{name} line {reader.line_num}: not valid CSV ({exc})") from None
