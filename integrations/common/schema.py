"""The types a stream contract is made of, and what a connector hands to the platform.

A contract is the platform's definition of a stream (columns, types, primary key):
every connector for a feed (Workday or the CSV drop for HR, say) maps its vendor's
shape onto the same contract, so validation, loading and dbt see one shape.
"""

from __future__ import annotations

import json
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import msgspec

ColumnType = Literal["string", "integer", "number", "date", "timestamp", "boolean", "json"]

# Where a connector puts values it could not name (a CSV row longer than its header):
# the platform quarantines such rows rather than guess which column they belong to.
OVERFLOW_KEY = "_overflow"

POSTGRES_TYPES: dict[str, str] = {
    "string": "text",
    "integer": "bigint",
    "number": "double precision",
    "date": "date",
    "timestamp": "timestamptz",
    "boolean": "boolean",
    "json": "jsonb",
}


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType = "string"
    description: str = ""

    @property
    def postgres_type(self) -> str:
        return POSTGRES_TYPES[self.type]


@dataclass(frozen=True)
class StreamContract:
    """One stream of one feed: ``hr`` / ``workers`` lands in ``raw.hr__workers``."""

    feed: str
    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    description: str = ""
    replication_key: str | None = None

    @property
    def qualified_name(self) -> str:
        return f"{self.feed}__{self.name}"

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.qualified_name} has no column {name!r}")


@dataclass
class Extract:
    """One batch worth of records from one stream, as the source said them.

    ``records`` are dicts keyed by contract column names (values still as the
    source gave them: strings from a CSV, JSON scalars from an API); keys that
    are not in the contract are kept and reported as schema drift.
    ``bookmark`` is the incremental state to save *with* this batch, never before.
    ``problem`` says why the batch as a whole cannot be trusted (a file that is not
    UTF-8, not CSV, ...): the platform then holds it, every record quarantined with
    that reason, nothing published, nothing lost.
    ``fingerprints_key`` names the bookmark entry in which a connector without a
    "changed since" keeps fingerprints of what it read, to leave out next time what is
    read the same again. A batch with a quarantined row (or held) saves the bookmark
    without that entry: the next sync sends everything again, so that a row quarantined
    for a reason fixed elsewhere since (a physician HR had not sent yet) comes back.
    """

    contract: StreamContract
    records: list[Mapping[str, Any]]
    source_ref: str
    bookmark: dict[str, Any] | None = None
    window_start: datetime | None = None
    window_end: datetime | None = None
    notes: list[str] = field(default_factory=list)
    problem: str | None = None
    fingerprints_key: str | None = None


def left_out_since(previous: Mapping[str, Any] | None, left_out: int) -> datetime | None:
    """The window start of a snapshot that left out what read the same as last time.

    Such a batch is not the whole snapshot (no row-count band against the last one): it
    covers what changed since the last sync, whose moment the bookmark keeps as
    ``as_of``. None when nothing was left out, or there was no last sync.
    """
    if not left_out or not previous or not previous.get("as_of"):
        return None
    return datetime.fromisoformat(previous["as_of"])


class ExtractError(RuntimeError):
    """A source could not be read; the message says which and what to do next."""


def drop_exact_duplicates(records: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Records in order, each identical record once (a page served twice repeats them).

    Records that share a key but differ are all kept: which one is right is for
    validation to decide (it quarantines them), not for the connector to guess.
    """
    # Records are first compared as sorted items, which Python hashes without writing
    # anything out; only records equal that way (duplicates, or ``1`` against ``True``)
    # are compared as JSON, which tells every type apart. Most records are never dumped.
    kept: dict[Hashable, list[Mapping[str, Any]]] = {}
    out = []
    for record in records:
        key = tuple(sorted(record.items()))
        try:
            same = kept.setdefault(key, [])
        except TypeError:  # a list or dict among the values: compare as JSON
            same = kept.setdefault(_as_json(record), [])
        if same:
            text = _as_json(record)
            if any(_as_json(other) == text for other in same):
                continue
        same.append(record)
        out.append(record)
    return out


# sorted-key JSON by msgspec: a tenth of json.dumps' time for a record
_SORTED_JSON = msgspec.json.Encoder(order="sorted", enc_hook=str)


def sorted_json(value: Any) -> bytes:
    """``value`` as JSON with every object's keys sorted (other types as ``str``): the same
    content gives the same bytes, for a connector's fingerprints of what it read."""
    return _SORTED_JSON.encode(value)


def _as_json(record: Mapping[str, Any]) -> str:
    return json.dumps(record, sort_keys=True, default=str)


def columns(*specs: str | tuple[str, ColumnType]) -> tuple[Column, ...]:
    """Shorthand: ``columns("worker_id", ("hire_date", "date"))``."""
    out = []
    for spec in specs:
        if isinstance(spec, str):
            out.append(Column(spec))
        else:
            out.append(Column(*spec))
    return tuple(out)


def ensure_unique_names(contracts: Iterable[StreamContract]) -> dict[str, StreamContract]:
    registry: dict[str, StreamContract] = {}
    for contract in contracts:
        if contract.qualified_name in registry:
            raise ValueError(f"duplicate stream contract {contract.qualified_name}")
        registry[contract.qualified_name] = contract
    return registry
