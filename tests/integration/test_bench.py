"""``leadership bench load`` measures on a scratch database and leaves the warehouse alone."""

from __future__ import annotations

import psycopg

from leadership.bench import bench_load


def test_bench_load_reports_every_path_and_drops_its_scratch_database(warehouse_url, sql):
    report = bench_load(rows=3000, runs=1, say=lambda _: None)

    rows = [line for line in report.splitlines() if line.startswith("| ") and "rows/s" not in line]
    assert len(rows) == 5
    assert {r.split("|")[1].split("(")[0].strip() for r in rows} == {
        "publish path",
        "full path",
        "psql \\copy",
        "psql \\copy of the publish path's payload",
        "pandas to_sql",
    }
    assert "the publish path runs at" in report  # against psql loading the same rows
    with psycopg.connect(warehouse_url) as conn:
        names = conn.execute("select datname from pg_database").fetchall()
    assert not any(name.endswith("_bench_load") for (name,) in names)
    assert sql("select count(*) from ops.batches") == [(0,)]


def test_bench_profile_writes_where_the_time_went(tmp_path, capsys):
    from leadership.cli import main

    profile = tmp_path / "profiles" / "validate.txt"
    bench = ["bench", "validate", "--runs", "1", "--profile"]
    assert main([*bench, str(profile), "--rows", "2000"]) == 0

    out = capsys.readouterr().out
    assert "| validate (GX checkpoint" in out  # the report itself, as without --profile
    text = profile.read_text(encoding="utf-8")
    # pyinstrument's call tree of this process, down to the platform's own functions
    assert "bench_validate" in text and "leadership/validation.py" in text
    html = tmp_path / "validate.html"
    assert main([*bench, str(html), "--rows", "500"]) == 0
    assert html.read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html")
