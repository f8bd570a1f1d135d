"""What connectors make of the values vendors send: repeated records, REDCap's timestamps."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest

from integrations.common.schema import drop_exact_duplicates
from integrations.redcap.streams import TIMESTAMP_FORMAT, FormMapper

# A page served twice repeats records: each identical record is kept once, in order.


def test_identical_records_are_kept_once_in_order():
    page = [{"record_id": "R1", "answer": "4"}, {"record_id": "R2", "answer": None}]
    assert drop_exact_duplicates([*page, *page, {"answer": "4", "record_id": "R1"}]) == page


def test_records_equal_only_in_python_are_not_duplicates():
    # 1, 1.0 and True are equal in Python; as sent by a vendor they are different values
    records = [{"a": 1}, {"a": True}, {"a": 1.0}, {"a": "1"}, {"a": 1}, {"a": True}]
    assert drop_exact_duplicates(records) == [{"a": 1}, {"a": True}, {"a": 1.0}, {"a": "1"}]


def test_records_sharing_a_key_but_differing_are_all_kept():
    records = [{"id": "R1", "answer": "4"}, {"id": "R1", "answer": "5"}]
    assert drop_exact_duplicates(records) == records  # validation decides, not the connector


def test_nested_values_compare_by_content():
    records = [{"a": [1, {"x": 2}]}, {"a": [1, {"x": 2}]}, {"a": [1, {"x": 3}]}]
    assert drop_exact_duplicates(records) == [records[0], records[2]]


@pytest.mark.parametrize(
    "value",
    [
        "2026-01-05 10:00:00",
        "2028-02-29 23:59:59",
        "2026-02-29 10:00:00",  # not a leap year
        "2026-13-01 00:00:00",
        "2026-01-05 24:00:00",
        "2026-01-05 10:00:60",
        "2026-1-5 9:00:00",  # unpadded: strptime's reading
        "2026-01-05T10:00:00",
        "2026-01-05 10:00+01",
        "[not completed]",
        "",
    ],
)
def test_redcap_timestamps_read_as_the_documented_format_says(value):
    # REDCap writes "YYYY-MM-DD HH:MM:SS" in the server's zone; anything else is left as
    # sent, for validation to quarantine with the value quoted
    zone = ZoneInfo("America/Chicago")
    mapper = SimpleNamespace(tz=zone)
    try:
        expected = datetime.strptime(value, TIMESTAMP_FORMAT).replace(tzinfo=zone).isoformat()
    except ValueError:
        expected = None if value in ("", "[not completed]") else value
    assert FormMapper.timestamp(mapper, value) == expected
