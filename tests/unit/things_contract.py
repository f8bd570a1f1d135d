"""A made-up stream contract with one column of every contract type, for unit tests."""

from __future__ import annotations

from integrations.common.schema import StreamContract, columns

CONTRACT = StreamContract(
    feed="t",
    name="things",
    columns=columns(
        "id",
        ("day", "date"),
        ("n", "integer"),
        ("x", "number"),
        ("ok", "boolean"),
        ("at", "timestamp"),
        ("doc", "json"),
    ),
    primary_key=("id",),
)
