"""Casting source values to a contract: what passes, what becomes a reason."""

from __future__ import annotations

import datetime as dt

from leadership.normalise import normalise
from tests.unit.things_contract import CONTRACT


def test_good_values_are_typed() -> None:
    batch = normalise(
        CONTRACT,
        [
            {
                "id": " a1 ",
                "day": "2026-10-01",
                "n": "3",
                "x": "2.5",
                "ok": "Yes",
                "at": "2026-10-01T08:00:00Z",
                "doc": '{"k": 1}',
            }
        ],
    )
    row = batch.frame.iloc[0]
    assert row["id"] == "a1"
    assert row["day"].date() == dt.date(2026, 10, 1)
    assert row["n"] == 3 and row["x"] == 2.5 and bool(row["ok"]) is True
    assert row["at"].isoformat() == "2026-10-01T08:00:00+00:00"
    assert row["doc"] == {"k": 1}
    assert batch.reasons == {}


def test_workday_dates_with_offsets_are_dates() -> None:
    batch = normalise(CONTRACT, [{"id": "a", "day": "2026-10-01-07:00"}])
    assert batch.frame.iloc[0]["day"].date() == dt.date(2026, 10, 1)
    assert batch.reasons == {}


def test_each_bad_value_gives_a_reason_quoting_it() -> None:
    batch = normalise(
        CONTRACT,
        [
            {
                "id": "a",
                "day": "2025-13-45",
                "n": "PGY-2",
                "x": "lots",
                "ok": "maybe",
                "at": "yesterday",
                "doc": "{not json",
            },
        ],
    )
    reasons = batch.reasons[0]
    assert "day: '2025-13-45' is not a date (YYYY-MM-DD)" in reasons
    assert "n: 'PGY-2' is not a whole number" in reasons
    assert "x: 'lots' is not a number" in reasons
    assert "ok: 'maybe' is not true or false" in reasons
    assert "at: 'yesterday' is not an ISO 8601 timestamp" in reasons
    assert "doc: '{not json' is not valid JSON" in reasons
    assert len(reasons) == 6


def test_fractional_integer_is_rejected_not_rounded() -> None:
    batch = normalise(CONTRACT, [{"id": "a", "n": "2.5"}, {"id": "b", "n": "2.0"}])
    assert batch.reasons == {0: ["n: '2.5' is not a whole number"]}
    assert batch.frame.iloc[1]["n"] == 2


def test_empty_strings_are_missing_not_errors() -> None:
    batch = normalise(CONTRACT, [{"id": "a", "day": "", "n": "  "}])
    assert batch.reasons == {}
    assert batch.frame["day"].isna().all() and batch.frame["n"].isna().all()


def test_unknown_columns_are_kept_and_missing_ones_reported() -> None:
    batch = normalise(CONTRACT, [{"id": "a", "badge": "B-7"}, {"id": "b", "badge": ""}])
    assert batch.extra_columns == ["badge"]
    assert "day" in batch.missing_columns
    assert batch.frame["_extra"].tolist() == ['{"badge": "B-7"}', None]


def test_an_empty_batch_reports_no_missing_columns() -> None:
    batch = normalise(CONTRACT, [])
    assert batch.missing_columns == [] and batch.extra_columns == []


def test_values_beyond_the_header_are_a_reason() -> None:
    batch = normalise(CONTRACT, [{"id": "a", "_overflow": ["x", "y"]}])
    assert batch.reasons == {0: ["row has 2 more value(s) than the header has columns"]}


def test_long_values_are_shortened_in_reasons() -> None:
    batch = normalise(CONTRACT, [{"id": "a", "day": "9" * 5000}])
    (reason,) = batch.reasons[0]
    assert len(reason) < 120 and reason.endswith("is not a date (YYYY-MM-DD)")


def test_json_scalars_and_rows_with_different_keys() -> None:
    """API rows mix types and keys: numbers and booleans become text where the contract
    wants text, missing markers (None, NaN, pandas NA) are missing, and a key only some
    rows carry is kept for those rows."""
    import pandas as pd

    rows = [
        {"id": 7, "n": 3.0, "ok": True, "note": pd.NA},
        {"id": "\u00a0b\u00a0", "x": float("nan"), "doc": {"k": [1, 2]}, "note": "seen"},
        {"id": None, "ok": "no", "n": "", "note": None},
    ]
    batch = normalise(CONTRACT, rows)
    assert batch.frame["id"].tolist()[:2] == ["7", "b"] and pd.isna(batch.frame["id"].iloc[2])
    assert batch.frame["n"].tolist()[:1] == [3] and pd.isna(batch.frame["n"].iloc[2])
    assert [bool(v) for v in batch.frame["ok"].iloc[[0, 2]]] == [True, False]
    assert batch.frame["doc"].iloc[1] == {"k": [1, 2]}
    assert batch.frame["_extra"].tolist() == [None, '{"note": "seen"}', None]
    assert batch.extra_columns == ["note"] and batch.reasons == {}
