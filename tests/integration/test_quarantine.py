"""Quarantine review: reference checks, held batches, release after the fix, Data Docs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from leadership import quarantine
from leadership.sync import BatchHeld, sync

WORKERS_HEADER = (
    "worker_id,first_name,last_name,email,department,specialty,program,hire_date,termination_date\n"
)
LOG_HEADER = "log_id,mentor_id,mentee_id,activity_type,activity_date,minutes,notes,submitted_at\n"


def worker(i: int) -> str:
    return f"W{i},Ada,Ng{i},ada{i}@example-health.org,Surgery,General Surgery,,2020-07-01,\n"


def leadership_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).with_name("leadership")), *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_an_unknown_mentor_waits_in_quarantine_until_hr_knows_them(tmp_path, warehouse_url, sql):
    hr, surveys = tmp_path / "hr", tmp_path / "surveys"
    hr.mkdir()
    surveys.mkdir()
    (hr / "workers_2026-09-01.csv").write_text(WORKERS_HEADER + worker(1))
    sync("hr_csv", path=hr)
    (surveys / "activity_logs_2026-09-30.csv").write_text(
        LOG_HEADER
        + "L1,W1,,leadership_exposure,2026-09-10,60,,2026-09-10T18:00:00Z\n"
        + "L2,W2,,leadership_exposure,2026-09-11,60,,2026-09-11T18:00:00Z\n"
    )
    (result,) = sync("surveys_csv", path=surveys)
    assert (result.published, result.quarantined) == (1, 1)
    (reasons,) = sql("select reasons from quarantine.surveys__activity_logs")[0]
    assert reasons == ["mentor_id: 'W2' is not a physician HR knows"]

    listed = leadership_cli("quarantine", "list")
    assert listed.returncode == 0 and f"{result.batch_id:>6}" in listed.stdout
    assert "is not a physician HR knows" in listed.stdout

    (hr / "workers_2026-09-02.csv").write_text(WORKERS_HEADER + worker(1) + worker(2))
    sync("hr_csv", path=hr)
    released = quarantine.release(result.batch_id)

    assert (released.published, released.quarantined) == (1, 0)
    assert sql("select log_id from raw.surveys__activity_logs order by 1") == [("L1",), ("L2",)]
    assert sql("select released_batch_id from quarantine.surveys__activity_logs") == [
        (released.batch_id,)
    ]
    assert quarantine.waiting() == []
    with pytest.raises(quarantine.QuarantineError, match="no rows waiting"):
        quarantine.release(result.batch_id)


def test_a_snapshot_far_smaller_than_the_last_is_held_then_accepted(tmp_path, warehouse_url, sql):
    (tmp_path / "workers_2026-09-01.csv").write_text(
        WORKERS_HEADER + "".join(worker(i) for i in range(100))
    )
    (tmp_path / "workers_2026-09-02.csv").write_text(
        WORKERS_HEADER + "".join(worker(i) for i in range(30))
    )

    with pytest.raises(BatchHeld) as held:
        sync("hr_csv", path=tmp_path)

    message = str(held.value)
    assert "row count 30 is outside the band around the previous full batch (50-210" in message
    assert "expect_table_row_count_to_be_between" in message
    assert "leadership quarantine release" in message
    (result,) = held.value.held
    assert sql(
        "select status, published, quarantined from ops.batches where batch_id = %s",
        (result.batch_id,),
    ) == [("held", 0, 30)]

    shown = leadership_cli("quarantine", "show", str(result.batch_id), "--limit", "2")
    assert "batch held: row count 30" in shown.stdout and "row 1:" in shown.stdout

    again = leadership_cli(
        "quarantine",
        "release",
        str(result.batch_id),
        "--accept-batch-checks",
        "--note",
        "30 workers moved to a new campus",
    )
    assert again.returncode == 0, again.stderr
    assert "published 30" in again.stdout
    assert sql("select status from ops.batches where batch_id = %s", (result.batch_id,)) == [
        ("released",)
    ]
    assert sql(
        "select release_note from ops.batches where released_from = %s", (result.batch_id,)
    ) == [("30 workers moved to a new campus",)]


def test_every_batch_records_what_each_expectation_said(tmp_path, warehouse_url, sql):
    (tmp_path / "workers_2026-09-01.csv").write_text(
        WORKERS_HEADER + worker(1) + "W2,Bo,Lee,not-an-email,Surgery,GS,,2020-07-01,\n"
    )
    sync("hr_csv", path=tmp_path)
    rows = dict(
        sql(
            "select expectation || ':' || coalesce(column_name, '') || ':' || level,"
            " unexpected_count from ops.validation_results"
        )
    )
    assert rows["expect_column_values_to_match_regex:email:row"] == 1
    assert rows["expect_column_values_to_not_be_null:worker_id:batch"] == 0


def test_data_docs_are_built_under_the_local_folder(tmp_path, warehouse_url, test_home):
    (tmp_path / "workers_2026-09-01.csv").write_text(WORKERS_HEADER + worker(1))
    sync("hr_csv", path=tmp_path)
    index = quarantine.build_docs()
    assert index.name == "index.html" and index.exists()
    assert str(index).startswith(str(test_home))
