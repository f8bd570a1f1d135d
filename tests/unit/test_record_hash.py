"""The record hash raw keeps per version: the same values hash the same, release after release.

A changed canonical text would make every stored version look changed on the next load,
so the hash is checked against its definition (md5 of the canonical texts joined by
the unit separator, ``\\N`` for missing), written out independently here.
"""

from __future__ import annotations

import hashlib

from leadership.copy_payload import canonical_texts, record_hashes
from leadership.normalise import normalise
from tests.unit.things_contract import CONTRACT

RECORDS = [
    {"id": "a1", "day": "2026-10-01", "n": "3", "x": "2.5", "ok": "yes",
     "at": "2026-10-01T08:00:00+02:00", "doc": '{"b": 1, "a": [1, 2]}'},
    {"id": " Zoë, \"the\" one ", "day": None, "n": "-12", "x": "1e3", "ok": "false",
     "at": "2026-10-01T08:00:00.123456Z", "doc": None},
    {"id": "a3", "day": "", "n": None, "x": None, "ok": None, "at": None, "doc": "[]"},
    {"id": "a4", "day": "2026-02-28", "n": 7, "x": 0.1, "ok": True,
     "at": "2026-03-01T00:00:00Z", "doc": '"text"'},
]  # fmt: skip

# The canonical text of each record's values, in contract order, then _extra (none here).
EXPECTED_TEXT = [
    ["a1", "2026-10-01", "3", "2.5", "true", "2026-10-01T06:00:00.000000Z",
     '{"a": [1, 2], "b": 1}', None],
    ['Zoë, "the" one', None, "-12", "1000.0", "false", "2026-10-01T08:00:00.123456Z",
     None, None],
    ["a3", None, None, None, None, None, "[]", None],
    ["a4", "2026-02-28", "7", "0.1", "true", "2026-03-01T00:00:00.000000Z", '"text"', None],
]  # fmt: skip


def _texts_and_hashes(records: list[dict]) -> list[list[str | None]]:
    """Each row's canonical texts, then its record hash."""
    batch = normalise(CONTRACT, records)
    assert not batch.reasons
    frame = batch.frame[[*CONTRACT.column_names, "_extra"]]
    texts = canonical_texts(frame, {c.name: c.type for c in CONTRACT.columns})
    columns = [t.to_pylist() for t in [*texts, record_hashes(texts)]]
    return [list(row) for row in zip(*columns, strict=True)]


def test_each_values_canonical_text_and_missing_as_null() -> None:
    for row, expected in zip(_texts_and_hashes(RECORDS), EXPECTED_TEXT, strict=True):
        assert row[:-1] == expected


def test_record_hash_is_md5_of_the_canonical_texts() -> None:
    for row, expected in zip(_texts_and_hashes(RECORDS), EXPECTED_TEXT, strict=True):
        canonical = "\x1f".join("\\N" if value is None else value for value in expected)
        assert row[-1] == hashlib.md5(canonical.encode()).hexdigest()


def test_same_values_from_other_source_types_hash_the_same() -> None:
    as_text = {"id": "a4", "day": "2026-02-28", "n": "7", "x": "0.1", "ok": "true",
               "at": "2026-03-01T00:00:00.000Z", "doc": '"text"'}  # fmt: skip
    rows = _texts_and_hashes([RECORDS[3], as_text])
    assert rows[0][-1] == rows[1][-1]
