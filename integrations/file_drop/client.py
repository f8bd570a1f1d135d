"""Read dated CSV files for one feed from a drop location (the package docstring: the contract)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from integrations.common.schema import OVERFLOW_KEY, Extract, StreamContract
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

    def files(self, contract: StreamContract) -> tuple[list[DroppedFile], list[str]]:
        """This stream's dated files, oldest first, and names that look like its files but
        break the naming contract (a bad date, another extension): those are held, not
        skipped, so nothing a sender dropped goes unseen."""
        found, misnamed = [], []
        others = {c.name for c in self.streams()} - {contract.name}
        for name in self.location.list_names():
            match = _NAME.match(name)
            if match and match["stream"] in others:
                continue  # another stream's file
            if match and match["stream"] == contract.name:
                try:
                    found.append(DroppedFile(contract.name, date.fromisoformat(match["day"]), name))
                except ValueError:
                    misnamed.append(name)  # e.g. workers_2026-13-01.csv
            elif name.startswith(f"{contract.name}_"):
                misnamed.append(name)  # e.g. workers_2026-09-30.txt
        return sorted(found, key=lambda f: (f.day, f.name)), sorted(misnamed)

    def extract(
        self, contract: StreamContract, bookmark: dict[str, Any] | None, *, full_refresh: bool
    ) -> Iterator[Extract]:
        state = {} if full_refresh or not bookmark else dict(bookmark)
        last = state.get("last_file_date")
        rejected = set(state.get("rejected", []))
        found, misnamed = self.files(contract)
        for name in misnamed:
            if name in rejected:
                continue
            rejected.add(name)
            records, problem = parse_csv(self.location.read_bytes(name), name)
            yield Extract(
                contract=contract,
                records=records or [{"_file": name}],
                source_ref=name,
                bookmark={**state, "rejected": sorted(rejected)},
                problem=(
                    f"{name} does not follow the naming contract "
                    f"{contract.name}_YYYY-MM-DD.csv (a valid date, .csv); rename it and "
                    "drop it again" + (f"; also {problem}" if problem else "")
                ),
            )
        for dropped in found:
            if last and dropped.day.isoformat() <= last:
                continue
            records, problem = parse_csv(self.location.read_bytes(dropped.name), dropped.name)
            last = dropped.day.isoformat()
            state = {**state, "last_file_date": last, "last_file": dropped.name}
            if rejected:
                state["rejected"] = sorted(rejected)
            yield Extract(
                contract=contract,
                records=records,
                source_ref=dropped.name,
                bookmark=dict(state),
                window_start=None,
                window_end=datetime.combine(dropped.day, time(), tzinfo=UTC),
                problem=problem,
            )


# A field this long is kept and quarantined with a reason, not refused by the CSV reader.
csv.field_size_limit(256 * 1024 * 1024)


def parse_csv(data: bytes, name: str) -> tuple[list[dict[str, Any]], str | None]:
    """Rows of a CSV file as dicts, and why the file as a whole cannot be trusted (if so).

    Values beyond the header land under ``_overflow``. A file that is not UTF-8 is read
    as Windows-1252 (every byte survives) and held; a file the CSV reader cannot parse
    is kept line by line and held. Nothing is dropped.
    """
    if not data.strip():
        return [], f"{name} is empty: not even a header row; ask the sender to re-export it"
    problem = None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        text = data.decode("cp1252", errors="replace")
        problem = (
            f"{name} is not UTF-8 (byte {exc.start}: {data[exc.start : exc.start + 1]!r}); "
            "ask the sender to export UTF-8 (or convert it with iconv) and drop it again"
        )
    if "\x00" in text:
        return _lines(text), "; ".join(
            filter(
                None,
                [problem, f"{name} contains NUL bytes: it is not a UTF-8 text CSV file (UTF-16?)"],
            )
        )
    reader = csv.DictReader(io.StringIO(text, newline=""), restkey=OVERFLOW_KEY)
    try:
        header = reader.fieldnames or []
        repeated = sorted({c for c in header if header.count(c) > 1})
        if repeated:
            return _lines(text), (
                f"{name}: the header repeats column(s) {', '.join(repeated)}; which value "
                "is meant is unknown"
            )
        return [dict(row) for row in reader], problem
    except csv.Error as exc:
        return _lines(text), f"{name} line {reader.line_num}: not valid CSV ({exc})"


def _lines(text: str) -> list[dict[str, Any]]:
    return [{"_line_number": n, "_line": line} for n, line in enumerate(text.splitlines(), start=1)]
