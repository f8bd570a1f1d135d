"""A refresh rebuilds only what the changed streams reach, and leaves the marts current."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta

import pytest

from leadership.dbt import build_marts, marts_describe, record_build, work_dir
from leadership.sync import sync


@pytest.fixture
def built(fresh_copy, monkeypatch):
    """The simulated warehouse, its fixture's full build recorded as one (as of as_of)."""
    monkeypatch.setenv("WAREHOUSE_URL", fresh_copy.url)
    as_of = fresh_copy.program.inst.as_of
    record_build(as_of, datetime.now(UTC))
    return fresh_copy


def _drop_changed_interests(wh, folder, day) -> tuple[str, int]:
    """A next-day career-interests file: the same answers, one mentor's capacity changed."""
    latest = sorted((wh.drops / "surveys").glob("career_interests_*.csv"))[-1]
    with latest.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    mentor = next(r for r in rows if r["respondent_role"] == "mentor" and r["capacity"])
    mentor["capacity"] = str(int(mentor["capacity"]) + 4)
    folder.mkdir()
    with (folder / f"career_interests_{day.isoformat()}.csv").open(
        "w", newline="", encoding="utf-8"
    ) as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return mentor["respondent_id"], int(mentor["capacity"])


def _models_run() -> set[str]:
    results = json.loads((work_dir() / "target" / "run_results.json").read_text())
    return {
        r["unique_id"].split(".")[-1]
        for r in results["results"]
        if r["unique_id"].startswith("model.")
    }


def test_refresh_builds_what_the_changed_stream_reaches(built, tmp_path):
    wh = built
    as_of = wh.program.inst.as_of
    mentor, capacity = _drop_changed_interests(wh, tmp_path / "surveys", as_of + timedelta(days=1))
    sync("surveys_csv", path=tmp_path / "surveys", today=as_of + timedelta(days=1))
    assert not marts_describe(as_of)

    build_marts(as_of)

    assert wh.rows("select refreshed from ops.mart_builds order by build_id desc limit 1") == [
        ("source:surveys.career_interests+",)
    ]
    models = _models_run()
    assert {"stg_surveys__career_interests", "fct_mentor_candidates"} <= models
    assert "dim_physicians" not in models and "fct_readiness_scores" not in models
    capacities = dict(
        wh.rows(
            "select tier, capacity from marts.fct_mentor_candidates where mentor_id = %s",
            (mentor,),
        )
    )
    assert capacities and set(capacities.values()) == {capacity}
    assert marts_describe(as_of)
    assert "already describe" in build_marts(as_of)


def test_batches_that_change_nothing_need_no_build(built, tmp_path):
    wh = built
    as_of = wh.program.inst.as_of
    latest = sorted((wh.drops / "surveys").glob("career_interests_*.csv"))[-1]
    (tmp_path / "surveys").mkdir()
    same = tmp_path / "surveys" / f"career_interests_{(as_of + timedelta(days=1)).isoformat()}.csv"
    same.write_bytes(latest.read_bytes())
    sync("surveys_csv", path=tmp_path / "surveys", today=as_of + timedelta(days=1))

    assert "no record changed" in build_marts(as_of)
    assert marts_describe(as_of)
    assert wh.rows("select refreshed from ops.mart_builds order by build_id desc limit 1") == [
        ("",)
    ]
