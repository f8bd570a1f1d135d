"""A refresh rebuilds only what the changed streams reach, and leaves the marts current.

It stops where the data stops changing (dbt/macros/early_cutoff.sql and
leadership/dbt_refresh.py): the marts after a refresh must be exactly what a full build
gives, row for row.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta

import pytest

from leadership import dbt as dbt_module
from leadership.dbt import KEEP_RECORDS, DbtError, build_marts, marts_describe, record_build
from leadership.sync import sync


@pytest.fixture
def built(fresh_copy, monkeypatch):
    """The simulated warehouse, its fixture's full build recorded as one (as of as_of)."""
    monkeypatch.setenv("WAREHOUSE_URL", fresh_copy.url)
    as_of = fresh_copy.program.inst.as_of
    record_build(as_of, datetime.now(UTC))
    return fresh_copy


def _next_day_drop(wh, feed: str, stream: str, folder, day, change):
    """The feed's latest ``stream`` file again, dated ``day``, after ``change(rows)``.

    Returns what ``change`` returns (what the test then looks for in the marts).
    """
    latest = sorted((wh.drops / feed).glob(f"{stream}_*.csv"))[-1]
    with latest.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    changed = change(rows)
    folder.mkdir()
    with (folder / f"{stream}_{day.isoformat()}.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return changed


def _drop_changed_interests(wh, folder, day) -> tuple[str, int]:
    """A next-day career-interests file: the same answers, one mentor's capacity changed."""

    def one_capacity(rows):
        mentor = next(r for r in rows if r["respondent_role"] == "mentor" and r["capacity"])
        mentor["capacity"] = str(int(mentor["capacity"]) + 4)
        return mentor["respondent_id"], int(mentor["capacity"])

    return _next_day_drop(wh, "surveys", "career_interests", folder, day, one_capacity)


def _outcomes(wh, since: datetime) -> dict[str, str]:
    """What the refresh's dbt commands since ``since`` did with each table."""
    return {
        model.split(".")[-1]: outcome
        for model, outcome in wh.rows(
            "select model, outcome from ops.refresh_models where recorded_at >= %s", (since,)
        )
    }


def _tables(wh) -> dict[str, tuple[int, str]]:
    """Every table and view of the staging, intermediate and mart schemas: row count and a
    digest of its rows (a view re-created by a refresh must come back, with the same rows)."""
    names = wh.rows(
        "select schemaname || '.' || tablename from pg_tables"
        " where schemaname in ('intermediate', 'marts', 'restricted')"
        " union all select schemaname || '.' || viewname from pg_views"
        " where schemaname in ('staging', 'intermediate', 'marts', 'restricted') order by 1"
    )
    return {
        name: wh.rows(
            f"select count(*), coalesce(sum(hashtextextended(t::text, 0)::numeric), 0)::text"
            f" from {name} t"
        )[0]
        for (name,) in names
    }


def _oids(wh, names: tuple[str, ...]) -> dict[str, int]:
    return {name: wh.rows("select %s::regclass::oid", (name,))[0][0] for name in names}


def _drop_changed_emails(wh, folder, day) -> list[str]:
    """A next-day HR workers file in which every tenth worker has a new email address."""

    def every_tenth(rows):
        for row in rows[::10]:
            row["email"] = row["email"].replace("@", ".new@")
        return [row["worker_id"] for row in rows[::10]]

    return _next_day_drop(wh, "hr", "workers", folder, day, every_tenth)


def test_refresh_builds_what_the_changed_stream_reaches(built, tmp_path):
    wh = built
    as_of = wh.program.inst.as_of
    mentor, capacity = _drop_changed_interests(wh, tmp_path / "surveys", as_of + timedelta(days=1))
    sync("surveys_csv", path=tmp_path / "surveys", today=as_of + timedelta(days=1))
    assert not marts_describe(as_of)
    started = datetime.now(UTC)

    output = build_marts(as_of)

    assert wh.rows("select refreshed from ops.mart_builds order by build_id desc limit 1") == [
        ("source:surveys.career_interests+",)
    ]
    outcomes = _outcomes(wh, started)
    assert outcomes["fct_mentor_candidates"] == "rebuilt"
    assert "dim_physicians" not in outcomes and "fct_readiness_scores" not in outcomes
    assert "refresh: " in output and "kept as they were" in output
    capacities = dict(
        wh.rows(
            "select tier, capacity from marts.fct_mentor_candidates where mentor_id = %s",
            (mentor,),
        )
    )
    assert capacities and set(capacities.values()) == {capacity}
    assert marts_describe(as_of)
    assert "already describe" in build_marts(as_of)
    refreshed = _tables(wh)
    build_marts(as_of, force=True)
    assert _tables(wh) == refreshed  # exactly what a full build gives


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


def test_a_refresh_stops_where_the_data_stops_changing(built, tmp_path):
    wh = built
    as_of = wh.program.inst.as_of
    changed = _drop_changed_emails(wh, tmp_path / "hr", as_of + timedelta(days=1))
    sync("hr_csv", path=tmp_path / "hr", today=as_of + timedelta(days=1))
    started = datetime.now(UTC)

    output = build_marts(as_of)

    outcomes = _outcomes(wh, started)
    # the new addresses reach dim_physicians and what reads it ...
    assert outcomes["dim_physicians"] == "changed"
    assert outcomes["fct_mentor_candidates"] == "rebuilt"
    emails = dict(
        wh.rows(
            "select physician_id, email from marts.dim_physicians where physician_id = any(%s)",
            (changed,),
        )
    )
    assert emails and all(".new@" in e for e in emails.values())
    # ... not the quarters and readiness built from the same workers' other fields
    assert outcomes["int_physician_quarters"] == "unchanged"
    assert "int_readiness_components" not in outcomes and "fct_readiness_scores" not in outcomes
    assert "kept as they were" in output
    refreshed = _tables(wh)

    build_marts(as_of, force=True)

    assert _tables(wh) == refreshed  # exactly what a full build gives


def test_a_failed_dbt_command_makes_the_next_build_a_full_one(built, tmp_path):
    wh = built
    as_of = wh.program.inst.as_of
    assert wh.rows("select count(*) from ops.dbt_invocations where succeeded is not true") == [(0,)]
    # a model that fails its test (as a build stopped there would leave it)
    wh.execute(
        "update marts.fct_passport_stamps set milestone_code = 'nobody'"
        " where stamp_id in"
        " (select stamp_id from marts.fct_passport_stamps limit 1)"
    )
    with pytest.raises(DbtError):
        wh.build(
            "--select",
            "relationships_fct_passport_stamps_milestone_code__milestone_code__ref_dim_milestones_",
        )
    last = wh.rows(
        "select command, succeeded from ops.dbt_invocations order by started_at desc limit 1"
    )
    assert last == [("build", False)]
    _drop_changed_interests(wh, tmp_path / "surveys", as_of + timedelta(days=1))
    sync("surveys_csv", path=tmp_path / "surveys", today=as_of + timedelta(days=1))

    build_marts(as_of)

    assert wh.rows("select refreshed from ops.mart_builds order by build_id desc limit 1") == [
        (None,)
    ]
    assert wh.rows(
        "select count(*) from marts.fct_passport_stamps where milestone_code = 'nobody'"
    ) == [(0,)]


def test_a_refresh_through_an_incremental_mart_gives_what_a_full_build_gives(built, tmp_path):
    wh = built
    as_of = wh.program.inst.as_of
    day = as_of + timedelta(days=1)

    def one_busy_hour(rows):
        row = next(r for r in rows if int(r["free_slots"]) > 0)
        row["free_slots"] = str(int(row["free_slots"]) - 1)
        row["busy_minutes"] = str(int(row["busy_minutes"]) + 60)
        return row

    row = _next_day_drop(wh, "calendar", "free_slots", tmp_path / "calendar", day, one_busy_hour)
    sync("calendar_csv", path=tmp_path / "calendar", today=day)
    started = datetime.now(UTC)

    build_marts(as_of)

    assert _outcomes(wh, started)["fct_free_slots"] == "rebuilt"
    assert wh.rows(
        "select free_slots from marts.fct_free_slots where mentor_id = %s and week_start = %s",
        (row["mentor_id"], row["week_start"]),
    ) == [(int(row["free_slots"]),)]
    refreshed = _tables(wh)
    build_marts(as_of, force=True)
    assert _tables(wh) == refreshed


def test_a_corrected_survey_answer_sums_its_response_again(built, tmp_path):
    """A confidence answer corrected upstream reaches the readiness scores through the
    incremental response sums: its response, and only it, is summed again, the sums are
    what summing every answer from scratch gives, and the marts what a full build gives."""
    wh = built
    as_of = wh.program.inst.as_of
    day = as_of + timedelta(days=1)

    def one_low_answer_raised(rows):
        row = next(r for r in rows if r["answer"] in ("1", "2"))
        row["answer"] = "5"
        return row["response_id"]

    response = _next_day_drop(
        wh, "surveys", "confidence_answers", tmp_path / "surveys", day, one_low_answer_raised
    )
    sums = "select response_id, lrs_dimension, score_sum, batch_id"
    before = wh.rows(f"{sums} from intermediate.int_confidence_responses order by 1, 2")
    sync("surveys_csv", path=tmp_path / "surveys", today=day)
    started = datetime.now(UTC)

    build_marts(as_of)

    assert _outcomes(wh, started)["int_confidence_responses"] == "rebuilt"
    after = wh.rows(f"{sums} from intermediate.int_confidence_responses order by 1, 2")
    moved = set(after) - set(before)
    assert moved and {r[0] for r in moved} == {response}
    assert len(after) == len(before)
    from_scratch = (
        "select response_id, lrs_dimension, resident_id, quarter,"
        " sum((answer - 1) / 4.0 * 100), count(answer), count(*)"
        " from marts.fct_confidence_answers group by 1, 2, 3, 4"
    )
    kept = (
        "select response_id, lrs_dimension, resident_id, quarter, score_sum, scored, answers"
        " from intermediate.int_confidence_responses"
    )
    assert wh.rows(f"({from_scratch}) except all ({kept})") == []
    assert wh.rows(f"({kept}) except all ({from_scratch})") == []
    refreshed = _tables(wh)
    build_marts(as_of, force=True)
    assert _tables(wh) == refreshed


def test_warehouse_build_refreshes_only_when_the_marts_can_be_trusted(built, monkeypatch):
    from leadership.orchestration import build_branch

    wh = built
    as_of = wh.program.inst.as_of
    context = {"params": {"as_of_date": as_of.isoformat()}, "run_id": "r1"}
    assert build_branch(context) == "refresh"
    # another day: a refresh too, of what reads the day
    next_day = {"params": {"as_of_date": (as_of + timedelta(days=1)).isoformat()}, "run_id": "r2"}
    assert build_branch(next_day) == "refresh"
    # unless a partial build since was as of a third day: every model
    record_build(as_of - timedelta(days=5), datetime.now(UTC), selector="dim_physicians+")
    assert build_branch(next_day) == "dbt"
    assert build_branch(context) == "dbt"
    wh.execute("delete from ops.mart_builds where selector = 'dim_physicians+'")
    # a part of the project rendered: Cosmos builds what it renders
    monkeypatch.setenv("LEADERSHIP_COSMOS_SELECT", "dim_physicians")
    assert build_branch(context) == "dbt"
    monkeypatch.delenv("LEADERSHIP_COSMOS_SELECT")
    # a dbt command that stopped half-way since the last full build
    wh.execute("insert into ops.dbt_invocations (invocation_id, command) values ('x', 'run')")
    assert build_branch(context) == "dbt"
    # each way to Cosmos is noted as a full build running, until its run records its build
    assert wh.rows("select run_id, as_of_date from ops.full_builds_running order by 1") == [
        ("r1", as_of),
        ("r2", as_of + timedelta(days=1)),
    ]
    record_build(as_of, datetime.now(UTC), run_id="r1")
    assert wh.rows("select run_id from ops.full_builds_running") == [("r2",)]


class _RunStates:
    """A task instance's look-up of other DAG runs' states (the Task SDK's get_dagrun_state)."""

    def __init__(self, states: dict[str, str]) -> None:
        self.states = states
        self.asked: list[tuple[str, str]] = []

    def get_dagrun_state(self, dag_id: str, run_id: str) -> str:
        self.asked.append((dag_id, run_id))
        if run_id not in self.states:
            raise LookupError(f"DagRun {run_id} not found")
        return self.states[run_id]


def test_quarterly_tasks_wait_while_cosmos_builds_every_model(built):
    """Between two of a Cosmos build's model tasks the marts are part old, part new: a
    quarterly task reads nothing and builds nothing then; it is rescheduled, and goes on
    once the run has ended (its marker forgotten if the run failed)."""
    from airflow.sdk.exceptions import AirflowRescheduleException

    from leadership.dbt import note_full_build_running
    from leadership.orchestration import (
        marts_for_the_quarter,
        note_full_build,
        wait_for_full_builds,
    )

    wh = built
    as_of = wh.program.inst.as_of
    note_full_build_running("cosmos-run", as_of)
    builds = wh.rows("select count(*) from ops.mart_builds")
    running = _RunStates({"cosmos-run": "running"})
    context = {"ti": running, "run_id": "quarterly", "params": {"quarter": "2026Q3"}}
    with pytest.raises(AirflowRescheduleException) as waited:
        marts_for_the_quarter(context)
    assert waited.value.reschedule_date > datetime.now(UTC)
    assert running.asked == [("warehouse_build", "cosmos-run")]
    assert wh.rows("select count(*) from ops.mart_builds") == builds  # nothing built
    # the run failed: its marker is forgotten and the task goes on
    wait_for_full_builds({"ti": _RunStates({"cosmos-run": "failed"})})
    assert wh.rows("select count(*) from ops.full_builds_running") == [(0,)]
    # one of its tasks cleared and run again notes it again (Cosmos tasks' on_execute_callback)
    note_full_build({"run_id": "cosmos-run", "params": {"as_of_date": as_of.isoformat()}})
    with pytest.raises(AirflowRescheduleException):
        wait_for_full_builds({"ti": running})
    wait_for_full_builds({"ti": _RunStates({"cosmos-run": "success"})})
    # a run whose tasks have not moved for hours is stuck: the task fails and says so
    note_full_build_running("cosmos-run", as_of)
    wh.execute(
        "update ops.full_builds_running set started_at = now() - interval '7 hours'"
        " where run_id = 'cosmos-run'"
    )
    with pytest.raises(RuntimeError, match=r"no task started since .* look at its running"):
        wait_for_full_builds({"ti": running})
    wh.execute("delete from ops.full_builds_running")
    # a noted run Airflow does not know: a clear error that says what to do
    note_full_build_running("gone", as_of)
    with pytest.raises(RuntimeError, match="delete its row there and clear this task"):
        wait_for_full_builds({"ti": _RunStates({})})


@pytest.mark.parametrize("refreshed", [None, "tag:reads_as_of_date+"])
def test_a_build_of_every_mart_forgets_records_older_than_it_needs(built, refreshed):
    """A full build or a refresh (the daily builds are refreshes), not a partial build."""
    wh = built
    as_of = wh.program.inst.as_of
    old = datetime.now(UTC) - KEEP_RECORDS - timedelta(days=1)
    wh.execute(
        "insert into ops.dbt_invocations (invocation_id, command, started_at, succeeded)"
        " values ('old', 'run', %s, false)",
        (old,),
    )
    wh.execute(
        "insert into ops.refresh_models (refresh_id, model, outcome, recorded_at)"
        " values ('old', 'model.leadership.dim_physicians', 'kept', %s)",
        (old,),
    )

    record_build(as_of, datetime.now(UTC), selector="stg_program__assignments+")
    assert wh.rows("select count(*) from ops.dbt_invocations where invocation_id = 'old'") == [(1,)]

    record_build(as_of, datetime.now(UTC), refreshed=refreshed)

    assert wh.rows("select count(*) from ops.dbt_invocations where invocation_id = 'old'") == [(0,)]
    assert wh.rows("select count(*) from ops.refresh_models where refresh_id = 'old'") == [(0,)]


def test_a_full_build_records_what_the_next_refresh_compares_with(built):
    """A full build records the digest of every table the next refresh refreshes in place
    and compares (so that refresh does not read each one whole first): row count and
    digest of the rows now in the table, under its OID; a mart, built beside and swapped
    in by every refresh, gets none."""
    wh = built
    build_marts(wh.program.inst.as_of, force=True)
    recorded = {
        table: (count, digest)
        for table, count, digest in wh.rows(
            "select c.oid::regclass::text, r.row_count, r.digest from ops.refresh_models r"
            " join pg_class c on c.oid = r.relation_oid where r.outcome = 'rebuilt'"
            " and r.digest is not null"
        )
    }
    assert "intermediate.int_readiness_components" in recorded
    assert not any(table.startswith("marts.") for table in recorded)
    for table, (count, digest) in recorded.items():
        assert wh.rows(
            f"select count(*), coalesce(sum(hash_record_extended(t, 0)), 0)::text from {table} t"
        ) == [(count, digest)], table


def test_the_next_days_build_refreshes_what_reads_the_day(built, tmp_path):
    """A build as of a new day (the daily build's case) is a refresh too: the models that
    read the day and what they reach are rebuilt, and the marts come out exactly as a full
    build as of that day gives them, across a quarter's end and within a quarter."""
    wh = built
    as_of = wh.program.inst.as_of  # a quarter's last day: the next one starts a quarter
    next_day = as_of + timedelta(days=1)
    changed = _drop_changed_emails(wh, tmp_path / "hr", next_day)
    sync("hr_csv", path=tmp_path / "hr", today=next_day)
    started = datetime.now(UTC)

    output = build_marts(next_day)

    assert "refresh as of a new day" in output
    (selection,) = wh.rows("select refreshed from ops.mart_builds order by build_id desc limit 1")
    assert selection == ("source:hr.workers+ tag:reads_as_of_date+",)
    outcomes = _outcomes(wh, started)
    assert outcomes["int_quarters"] == "changed"  # a view with the day in its definition
    assert outcomes["fct_readiness_scores"] in ("changed", "rebuilt")  # a new quarter began
    # an incremental mart of survey answers reads neither the workers nor the day
    assert "fct_confidence_answers" not in outcomes
    quarters = wh.rows("select max(quarter) from intermediate.int_quarters")
    assert quarters == [("2026Q4",)]
    emails = wh.rows(
        "select email from marts.dim_physicians where physician_id = any(%s)", (changed,)
    )
    assert emails and all(".new@" in e for (e,) in emails)
    assert marts_describe(next_day)
    # the intermediate tables were refreshed in place, and, a new quarter having begun,
    # their quarter columns' statistics gathered again: the planner knows the new quarter
    for table in ("int_physician_quarters", "int_readiness_components"):
        assert wh.rows(
            "select most_common_vals::text::text[] @> array['2026Q4'] from pg_stats"
            " where schemaname = 'intermediate' and tablename = %s and attname = 'quarter'",
            (table,),
        ) == [(True,)], table
    refreshed = _tables(wh)
    build_marts(next_day, force=True)
    assert _tables(wh) == refreshed  # exactly what a full build as of the new day gives

    # the day after, nothing new arrived: only the day moves, within the quarter
    day_after = next_day + timedelta(days=1)
    started = datetime.now(UTC)
    output = build_marts(day_after)
    assert "refresh as of a new day" in output
    outcomes = _outcomes(wh, started)
    assert "unchanged" in outcomes.values()  # the cutoff stops where the day changes nothing
    refreshed = _tables(wh)
    build_marts(day_after, force=True)
    assert _tables(wh) == refreshed

    # two daily refreshes in a row: the second compares each table it rebuilds with the
    # digest the first recorded for that very table (its OID), not with a second read
    tables = ("intermediate.int_readiness_components", "marts.dim_physicians")
    before = _oids(wh, tables)
    started = datetime.now(UTC)
    build_marts(day_after + timedelta(days=1))
    # both rebuilt (both read the day): the intermediate table in place, keeping its OID,
    # its key and its statistics; the mart, which dashboards read during a refresh, built
    # beside and swapped in
    outcomes = _outcomes(wh, started)
    assert outcomes["int_readiness_components"] in ("changed", "unchanged")
    assert outcomes["dim_physicians"] == "changed"
    after = _oids(wh, tables)
    assert after[tables[0]] == before[tables[0]]
    assert after[tables[1]] != before[tables[1]]
    assert wh.rows(
        "select pg_get_constraintdef(oid) from pg_constraint"
        " where conrelid = 'intermediate.int_readiness_components'::regclass and contype = 'p'"
    ) == [("PRIMARY KEY (resident_id, quarter, lrs_dimension, component)",)]
    recorded = wh.rows(
        "select r.model, r.row_count, r.digest, c.oid::regclass::text from ops.refresh_models r"
        " join pg_class c on c.oid = r.relation_oid where r.digest is not null"
        " and r.recorded_at >= (select max(started_at) from ops.mart_builds)"
    )
    assert len(recorded) >= 5
    for model, row_count, digest, relation in recorded:
        assert wh.rows(
            f"select count(*), coalesce(sum(hash_record_extended(t, 0)), 0)::text"
            f" from {relation} as t"
        ) == [(row_count, digest)], model
    started = datetime.now(UTC)
    build_marts(day_after + timedelta(days=2))
    assert "unchanged" in _outcomes(wh, started).values()
    refreshed = _tables(wh)
    build_marts(day_after + timedelta(days=2), force=True)
    assert _tables(wh) == refreshed


def test_only_intermediate_tables_within_the_bound_are_refreshed_in_place(built, monkeypatch):
    """Above ``refresh_in_place_max_rows`` a table is built beside and swapped in (a new OID);
    at most that many rows, it keeps its OID (dbt/macros/early_cutoff.sql)."""
    wh = built
    sizes = dict(
        wh.rows(
            "select c.oid::regclass::text, c.reltuples from pg_class c"
            " join pg_namespace n on n.oid = c.relnamespace"
            " where n.nspname = 'intermediate' and c.relkind = 'r' and c.reltuples >= 0"
        )
    )
    bound = sorted(sizes.values())[len(sizes) // 2]
    before = _oids(wh, tuple(sizes))
    real = dbt_module.build_refresh

    def with_bound(selection, dbt_vars, *args, **kwargs):
        return real(selection, {**dbt_vars, "refresh_in_place_max_rows": bound}, *args, **kwargs)

    monkeypatch.setattr(dbt_module, "build_refresh", with_bound)
    started = datetime.now(UTC)

    build_marts(wh.program.inst.as_of + timedelta(days=1))  # the day reaches them all

    outcomes = _outcomes(wh, started)
    after = _oids(wh, tuple(sizes))
    rebuilt = [t for t in sizes if outcomes.get(t.split(".")[1]) in ("changed", "unchanged")]
    in_place = {t for t in rebuilt if after[t] == before[t]}
    assert in_place == {t for t in rebuilt if sizes[t] <= bound}
    assert in_place and len(in_place) < len(rebuilt)


def test_an_in_place_refresh_that_fails_leaves_the_table_as_it_was(built):
    """The truncate, the insert and the key come and go in one transaction: a refresh that
    fails half-way (here a check the new quarter's rows break) rolls all of it back."""
    wh = built
    table = "intermediate.int_physician_quarters"
    wh.execute(f"alter table {table} add constraint no_new_quarter check (quarter < '2026Q4')")
    before = _tables(wh)[table]
    (oid,) = _oids(wh, (table,)).values()

    with pytest.raises(DbtError, match="no_new_quarter"):
        build_marts(wh.program.inst.as_of + timedelta(days=1))

    assert _tables(wh)[table] == before
    assert _oids(wh, (table,)) == {table: oid}
    assert wh.rows(
        f"select count(*) from pg_constraint where conrelid = '{table}'::regclass and contype = 'p'"
    ) == [(1,)]
