"""Raw and quarantine tables, derived from the stream contracts.

A contract change (a new column) becomes ``alter table ... add column`` here, so
the tables always match the contracts without a hand-written migration per stream.
"""

from __future__ import annotations

import hashlib

from sqlalchemy.engine import Connection

from integrations.common.schema import StreamContract
from integrations.contracts import CONTRACTS

RAW_META_COLUMNS = (
    ("_batch_id", "bigint not null"),
    ("_extracted_at", "timestamptz not null"),
    (
        "_as_of",
        "timestamptz not null",
    ),  # when the source's statement was true (drop date, window end)
    ("_record_hash", "text not null"),
    ("_source_system", "text not null"),
    ("_extra", "jsonb"),
)


def raw_table(contract: StreamContract) -> str:
    return f"raw.{contract.qualified_name}"


def quarantine_table(contract: StreamContract) -> str:
    return f"quarantine.{contract.qualified_name}"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def raw_ddl(contract: StreamContract) -> list[str]:
    cols = [f"{_quote(c.name)} {c.postgres_type}" for c in contract.columns]
    cols += [f"{name} {ddl}" for name, ddl in RAW_META_COLUMNS]
    table = raw_table(contract)
    key = ", ".join(_quote(k) for k in contract.primary_key)
    statements = [
        f"create table if not exists {table} ({', '.join(cols)})",
        *(
            f"alter table {table} add column if not exists {_quote(c.name)} {c.postgres_type}"
            for c in contract.columns
        ),
        *raw_index_ddl(contract),
        f"comment on table {table} is "
        f"'{contract.description.replace(chr(39), chr(39) * 2)} Primary key: {key}.'",
    ]
    return statements


def _raw_index_columns(contract: StreamContract) -> dict[str, str]:
    """Index name -> its method and columns: the version lookup by key, and rows by batch.

    Batch ids only grow as rows are appended, so a block-range (BRIN) index finds a
    batch's rows at a sliver of a b-tree's size and build time.
    """
    key = ", ".join(_quote(k) for k in contract.primary_key)
    return {
        f"{contract.qualified_name}__key_idx": f"({key}, _as_of desc, _batch_id desc)",
        f"{contract.qualified_name}__batch_brin": "using brin (_batch_id)",
    }


def _retired_raw_indexes(contract: StreamContract) -> list[str]:
    """Indexes earlier releases built on the raw table (dropped when the tables are ensured)."""
    return [f"raw.{contract.qualified_name}__batch_idx"]


def raw_indexes(contract: StreamContract) -> list[str]:
    """The raw table's index names (schema-qualified)."""
    return [f"raw.{name}" for name in _raw_index_columns(contract)]


def raw_index_ddl(contract: StreamContract) -> list[str]:
    """The statements that create the raw table's indexes."""
    table = raw_table(contract)
    return [
        f"create index if not exists {name} on {table} {columns}"
        for name, columns in _raw_index_columns(contract).items()
    ]


def quarantine_ddl(contract: StreamContract) -> list[str]:
    table = quarantine_table(contract)
    return [
        f"""create table if not exists {table} (
            quarantine_id     bigserial primary key,
            _batch_id         bigint not null references ops.batches (batch_id),
            row_number        integer not null,
            record            jsonb not null,
            reasons           jsonb not null,
            quarantined_at    timestamptz not null default now(),
            released_at       timestamptz,
            released_batch_id bigint references ops.batches (batch_id)
        )""",
        f"create index if not exists {contract.qualified_name}__q_batch_idx on {table} (_batch_id)",
    ]


def ensure_stream_tables(conn: Connection) -> bool:
    """Create or extend ``raw.<stream>`` and ``quarantine.<stream>`` for every contract.

    Only when the contracts changed since the tables were last made to match them
    (``ops.stream_tables``) or a table is missing: True when the statements ran.
    """
    statements = [
        statement
        for contract in CONTRACTS.values()
        for statement in [
            *(f"drop index if exists {name}" for name in _retired_raw_indexes(contract)),
            *raw_ddl(contract),
            *quarantine_ddl(contract),
        ]
    ]
    fingerprint = hashlib.sha256("\n".join(statements).encode()).hexdigest()
    tables = [t for c in CONTRACTS.values() for t in (raw_table(c), quarantine_table(c))]
    matched, present = conn.exec_driver_sql(
        "select (select count(*) from ops.stream_tables where contracts_fingerprint = %s),"
        " (select count(*) from unnest(cast(%s as text[])) as t (name)"
        "  where to_regclass(t.name) is not null)",
        (fingerprint, tables),
    ).one()
    if matched and present == len(tables):
        return False
    for statement in statements:
        conn.exec_driver_sql(statement)
    conn.exec_driver_sql("delete from ops.stream_tables")
    conn.exec_driver_sql(
        "insert into ops.stream_tables (contracts_fingerprint) values (%s)", (fingerprint,)
    )
    return True
