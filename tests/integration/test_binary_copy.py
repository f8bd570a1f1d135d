"""The publish path's binary COPY: every contract type lands in raw as the value it was,
a re-sent batch adds nothing, and a table whose column type drifted from its contract
fails with a message that names it, publishing nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from integrations.common.schema import Extract
from leadership import warehouse
from leadership.copy_payload import ColumnTypeMismatch
from leadership.loading import publish
from leadership.normalise import normalise
from leadership.tables import raw_ddl
from leadership.validation import Validation
from tests.unit.things_contract import CONTRACT

RECORDS = [
    {"id": "a1", "day": "2026-10-01", "n": "3", "x": "2.5", "ok": "yes",
     "at": "2026-10-01T08:00:00+02:00", "doc": '{"b": 1, "a": [1, 2]}'},
    {"id": ' Zoë, "the" one\t\\ ', "day": None, "n": "-9007199254740993", "x": "-1e-300",
     "ok": "false", "at": "1969-07-20T20:17:40.123456Z", "doc": None, "new": "drift"},
    {"id": "a3", "day": "", "n": None, "x": None, "ok": None, "at": None, "doc": "[]"},
    {"id": "a4", "day": "1999-12-31", "n": 0, "x": 0.1, "ok": True,
     "at": "2000-01-01T00:00:00Z", "doc": '"text"'},
]  # fmt: skip


def _publish(records: list[dict]):
    extract = Extract(CONTRACT, records, "things.json")
    batch = normalise(CONTRACT, records)
    assert not batch.reasons
    return publish("test", extract, batch, Validation(reasons={}, suite=CONTRACT.name))


@pytest.fixture
def things_table(warehouse_url: str) -> str:
    with warehouse.transaction() as conn:
        for statement in raw_ddl(CONTRACT):
            conn.exec_driver_sql(statement)
    return f"raw.{CONTRACT.qualified_name}"


def test_every_type_lands_as_the_value_it_was(things_table: str, sql) -> None:
    result = _publish(RECORDS)

    assert (result.published, result.inserted) == (4, 4)
    rows = sql(f"select id, day, n, x, ok, at, doc, _extra from {things_table} order by id")
    assert rows == [
        ('Zoë, "the" one\t\\', None, -9007199254740993, -1e-300, False,
         datetime(1969, 7, 20, 20, 17, 40, 123456, tzinfo=UTC), None, {"new": "drift"}),
        ("a1", date(2026, 10, 1), 3, 2.5, True, datetime(2026, 10, 1, 6, tzinfo=UTC),
         {"a": [1, 2], "b": 1}, None),
        ("a3", None, None, None, None, None, [], None),
        ("a4", date(1999, 12, 31), 0, 0.1, True, datetime(2000, 1, 1, tzinfo=UTC), "text", None),
    ]  # fmt: skip
    # what PostgreSQL itself makes of each value's text form: the same
    mismatched = sql(
        f"select id from {things_table} where at is distinct from"
        " (case id when 'a1' then timestamptz '2026-10-01T08:00:00+02:00'"
        " when 'a4' then timestamptz '2000-01-01 00:00:00Z'"
        " when 'a3' then null else timestamptz '1969-07-20T20:17:40.123456Z' end)"
    )
    assert mismatched == []


def test_a_batch_sent_again_adds_no_version_and_a_changed_row_adds_one(
    things_table: str, sql
) -> None:
    _publish(RECORDS)
    again = _publish(RECORDS)
    changed = _publish([{**RECORDS[0], "x": "2.75"}, *RECORDS[1:]])

    assert (again.inserted, changed.inserted) == (0, 1)
    assert sql(f"select x from {things_table} where id = 'a1' order by _batch_id") == [
        (2.5,),
        (2.75,),
    ]


def test_a_column_whose_type_drifted_fails_by_name_and_publishes_nothing(
    things_table: str, sql
) -> None:
    sql(f"alter table {things_table} alter column n type numeric")

    with pytest.raises(ColumnTypeMismatch, match=r"raw\.t__things\.n is numeric"):
        _publish(RECORDS)

    assert sql(f"select count(*) from {things_table}") == [(0,)]
    assert sql("select count(*) from ops.batches") == [(0,)]
