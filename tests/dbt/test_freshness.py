"""dbt source freshness per feed cadence, only for the feeds that have data."""

from __future__ import annotations

import pytest

from leadership.dbt import DbtError, source_freshness
from leadership.sync import sync
from simulator.hr_drop import write_hr_drop
from simulator.institution import generate


def test_fresh_feeds_pass_and_a_stale_one_fails_naming_itself(tmp_path, warehouse_url, sql):
    assert "nothing to check" in source_freshness()
    write_hr_drop(generate(scale="tiny"), tmp_path)
    sync("hr_csv", path=tmp_path)

    output = source_freshness()
    assert "freshness of hr.workers" in output and "PASS" in output
    assert "source lms" not in output  # no LMS data: not reported stale forever

    sql("update raw.hr__workers set _extracted_at = now() - interval '10 days'")
    with pytest.raises(DbtError) as stale:
        source_freshness()
    assert "hr.workers" in str(stale.value) and "ERROR STALE" in str(stale.value)
