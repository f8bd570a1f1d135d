"""The HR CSV drop through validation into PostgreSQL: published, quarantined, never lost."""

from __future__ import annotations

import collections
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from leadership.sync import BatchHeld, sync
from simulator.hr_drop import snapshot_rows, write_hr_drop
from simulator.institution import generate


@pytest.fixture(scope="module")
def institution():
    return generate()


def raw_fingerprint(sql, table: str) -> list[tuple]:
    return sql(f"select _record_hash, count(*) from raw.{table} group by 1 order by 1")


def test_malformed_rows_are_quarantined_with_their_reasons_and_good_rows_published(
    tmp_path: Path, warehouse_url: str, sql, institution
) -> None:
    drop = write_hr_drop(institution, tmp_path, plant_bad_rows=True)

    results = sync("hr_csv", path=tmp_path)

    assert [r.source_ref for r in results] == [
        "workers_2026-06-30.csv",
        "workers_2026-09-30.csv",
        "job_history_2026-06-30.csv",
        "job_history_2026-09-30.csv",
    ]
    for file_name in {p.file for p in drop.planted}:
        stream = "hr__workers" if file_name.startswith("workers") else "hr__job_history"
        quarantined = dict(
            sql(
                f"select q.row_number, q.reasons from quarantine.{stream} q"
                " join ops.batches b using (batch_id) where b.source_ref = %s".replace(
                    "using (batch_id)", "on b.batch_id = q._batch_id"
                ),
                (file_name,),
            )
        )
        planted = [p for p in drop.planted if p.file == file_name]
        assert sorted(quarantined) == sorted(p.row_number for p in planted)
        for p in planted:
            assert any(p.reason in reason for reason in quarantined[p.row_number]), (
                p,
                quarantined[p.row_number],
            )

    # every good row of the latest snapshot is in raw: the simulator's truth, counted
    workers, history = snapshot_rows(institution, institution.as_of)
    assert sql("select count(distinct worker_id) from raw.hr__workers")[0][0] == len(workers)
    assert sql(
        "select count(*) from"
        " (select distinct worker_id, effective_date from raw.hr__job_history) k"
    )[0][0] == len(history)
    # and no planted id slipped through
    assert sql("select count(*) from raw.hr__workers where worker_id like 'W9000%%'")[0][0] == 0


def test_every_batch_adds_up(tmp_path: Path, warehouse_url: str, sql, institution) -> None:
    write_hr_drop(institution, tmp_path, plant_bad_rows=True)
    sync("hr_csv", path=tmp_path)
    sync("hr_csv", path=tmp_path, full_refresh=True)

    rows = sql(
        "select b.batch_id, b.received, b.published, b.quarantined,"
        " (select count(*) from quarantine.hr__workers q where q._batch_id = b.batch_id)"
        " + (select count(*) from quarantine.hr__job_history q where q._batch_id = b.batch_id)"
        " from ops.batches b"
    )
    assert len(rows) == 8
    for batch_id, received, published, quarantined, stored in rows:
        assert received == published + quarantined, batch_id
        assert stored == quarantined, batch_id


def test_rerunning_every_window_leaves_raw_unchanged(
    tmp_path: Path, warehouse_url: str, sql, institution
) -> None:
    write_hr_drop(institution, tmp_path, plant_bad_rows=True)
    sync("hr_csv", path=tmp_path)
    before = {t: raw_fingerprint(sql, t) for t in ("hr__workers", "hr__job_history")}

    again = sync("hr_csv", path=tmp_path)
    replayed = sync("hr_csv", path=tmp_path, full_refresh=True)

    assert again == []  # bookmarks: nothing new
    assert [r.inserted for r in replayed] == [0, 0, 0, 0]
    assert {t: raw_fingerprint(sql, t) for t in before} == before


def test_a_changed_record_becomes_a_new_version_and_a_revert_is_seen(
    tmp_path: Path, warehouse_url: str, sql
) -> None:
    header = (
        "worker_id,first_name,last_name,email,department,specialty,program,hire_date,"
        "termination_date\n"
    )
    row = "W1,Ada,Ng,ada@example-health.org,Surgery,General Surgery,,2020-07-01,{term}\n"
    for day, term in (("2026-01-01", ""), ("2026-02-01", "2026-01-31"), ("2026-03-01", "")):
        (tmp_path / f"workers_{day}.csv").write_text(header + row.format(term=term))

    results = sync("hr_csv", path=tmp_path, streams=["workers"])

    assert [r.inserted for r in results] == [1, 1, 1]
    versions = sql("select termination_date from raw.hr__workers order by _as_of")
    assert [v[0] for v in versions] == [None, date(2026, 1, 31), None]


def test_unknown_columns_are_kept_and_reported_missing_required_ones_quarantine(
    tmp_path: Path, warehouse_url: str, sql
) -> None:
    (tmp_path / "workers_2026-01-01.csv").write_text(
        "worker_id,first_name,last_name,email,department,specialty,program,badge_number\n"
        "W1,Ada,Ng,ada@example-health.org,Surgery,General Surgery,,B-17\n"
    )

    with pytest.raises(BatchHeld) as held:
        sync("hr_csv", path=tmp_path, streams=["workers"])

    (result,) = held.value.held
    assert (result.published, result.quarantined, result.status) == (0, 1, "held")
    assert "hire_date is missing in 100.0% of rows" in result.message
    assert "unknown columns kept in _extra: badge_number" in result.message
    assert "columns missing from the source: hire_date, termination_date" in result.message
    (reasons,) = sql("select reasons from quarantine.hr__workers")[0]
    assert reasons[1:] == ["hire_date: missing"]
    (record,) = sql("select record from quarantine.hr__workers")[0]
    assert record["badge_number"] == "B-17"


def test_extra_fields_land_in_raw_extra(tmp_path: Path, warehouse_url: str, sql) -> None:
    (tmp_path / "workers_2026-01-01.csv").write_text(
        "worker_id,first_name,last_name,email,department,specialty,program,hire_date,"
        "termination_date,badge_number\n"
        "W1,Ada,Ng,ada@example-health.org,Surgery,General Surgery,,2020-07-01,,B-17\n"
    )
    sync("hr_csv", path=tmp_path, streams=["workers"])
    assert sql("select _extra from raw.hr__workers") == [({"badge_number": "B-17"},)]


def test_a_file_that_is_not_utf8_is_held_whole_and_nothing_is_lost(
    tmp_path: Path, warehouse_url: str, sql
) -> None:
    (tmp_path / "workers_2026-01-01.csv").write_bytes(
        "worker_id,last_name\nW1,M\xfcller\n".encode("latin-1")
    )

    with pytest.raises(BatchHeld, match=r"not UTF-8.*iconv"):
        sync("hr_csv", path=tmp_path, streams=["workers"])

    assert sql("select status, received, published, quarantined from ops.batches") == [
        ("held", 1, 0, 1)
    ]
    assert sql("select count(*) from raw.hr__workers")[0][0] == 0
    (record,) = sql("select record from quarantine.hr__workers")[0]
    assert record["last_name"] == "M\u00fcller"  # read as Windows-1252: every byte kept


def test_quarantined_injection_strings_are_stored_as_data(
    tmp_path: Path, warehouse_url: str, sql
) -> None:
    evil = "'; drop table raw.hr__workers; --"
    (tmp_path / "workers_2026-01-01.csv").write_text(
        "worker_id,first_name,last_name,email,department,specialty,program,hire_date,termination_date\n"
        f'"{evil}",Ada,Ng,ada@example-health.org,Surgery,GS,,2020-07-01,\n'
    )
    (result,) = sync("hr_csv", path=tmp_path, streams=["workers"])
    assert result.quarantined == 1
    assert sql("select record->>'worker_id' from quarantine.hr__workers") == [(evil,)]
    assert sql("select count(*) from raw.hr__workers")[0][0] == 0  # the table still exists


def test_cli_sync_reports_counts_and_errors_without_a_traceback(
    tmp_path: Path, warehouse_url: str, institution
) -> None:
    write_hr_drop(institution, tmp_path / "hr", plant_bad_rows=True)
    leadership = str(Path(sys.executable).with_name("leadership"))

    ok = subprocess.run(
        [leadership, "sync", "hr-csv", "--path", str(tmp_path / "hr")],
        capture_output=True,
        text=True,
        check=False,
    )
    missing = subprocess.run(
        [leadership, "sync", "hr-csv", "--path", str(tmp_path / "nowhere")],
        capture_output=True,
        text=True,
        check=False,
    )

    assert ok.returncode == 0, ok.stderr
    assert "4 batch(es): received 1548, published 1538, quarantined 10" in ok.stdout
    assert missing.returncode == 1
    assert "does not exist; create it or pass --path DIR" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_quarantine_counts_match_per_stream(
    tmp_path: Path, warehouse_url: str, sql, institution
) -> None:
    drop = write_hr_drop(institution, tmp_path, plant_bad_rows=True)
    sync("hr_csv", path=tmp_path)
    expected = collections.Counter(
        "hr__workers" if p.file.startswith("workers") else "hr__job_history" for p in drop.planted
    )
    for stream, count in expected.items():
        assert sql(f"select count(*) from quarantine.{stream}")[0][0] == count


def test_a_load_that_changes_a_table_much_leaves_the_planner_statistics(
    tmp_path: Path, warehouse_url: str, sql
) -> None:
    # dbt builds right after a sync; without statistics PostgreSQL plans the staging
    # joins on guesses (nested loops that took minutes at network scale)
    header = (
        "worker_id,first_name,last_name,email,department,specialty,program,hire_date,"
        "termination_date\n"
    )
    row = "W{i},Ada,Ng,ada{i}@example-health.org,Surgery,General Surgery,,2020-07-01,\n"
    rows = [row.format(i=i) for i in range(500)]
    (tmp_path / "workers_2026-01-01.csv").write_text(header + "".join(rows))
    sync("hr_csv", path=tmp_path, streams=["workers"])

    def analysed() -> tuple[float, int]:
        ((tuples, count),) = sql(
            "select c.reltuples, s.analyze_count from pg_class c"
            " join pg_stat_user_tables s on s.relid = c.oid"
            " where c.oid = 'raw.hr__workers'::regclass"
        )
        return tuples, count

    assert analysed() == (500, 1)
    assert sql(
        "select n_distinct from pg_stats where tablename = 'hr__workers' and attname = 'worker_id'"
    ) == [(-1,)]

    rows[7] = rows[7].replace("Surgery,General", "Medicine,General")  # one row in 500
    (tmp_path / "workers_2026-01-02.csv").write_text(header + "".join(rows))
    sync("hr_csv", path=tmp_path, streams=["workers"])
    assert analysed() == (500, 1)  # not worth a new sample

    (tmp_path / "workers_2026-01-03.csv").write_text(
        header + "".join(rows) + "".join(row.format(i=i) for i in range(500, 600))
    )
    sync("hr_csv", path=tmp_path, streams=["workers"])
    assert analysed() == (601, 2)


def test_a_first_load_stamps_every_row_with_its_batch_and_leaves_no_defaults(
    tmp_path: Path, warehouse_url: str, sql, institution
) -> None:
    write_hr_drop(institution, tmp_path)
    results = sync("hr_csv", path=tmp_path)

    first = results[0]  # workers' first file: straight into the empty raw table
    stamped = sql(
        "select _batch_id, _source_system, _as_of is not null, _extracted_at is not null,"
        " count(*) from raw.hr__workers where _batch_id = %s group by 1, 2, 3, 4",
        (first.batch_id,),
    )
    assert stamped == [(first.batch_id, "hr_csv", True, True, first.inserted)]
    # the batch's values were column defaults only while its transaction lasted
    defaults = sql(
        "select a.attname from pg_attrdef d join pg_attribute a"
        " on a.attrelid = d.adrelid and a.attnum = d.adnum"
        " where d.adrelid = 'raw.hr__workers'::regclass"
    )
    assert defaults == []
