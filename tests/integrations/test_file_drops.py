"""CSV file drops for every feed, from a local folder and over SFTP (Airflow's SFTP provider).

Every feed's drop lands exactly the simulator's rows; a second sync reads only the
files dated after the bookmark; the HR drop read from a real SFTP server (asyncssh,
in this process) lands the same rows as from the local folder; an SFTP server that
cannot be reached or refuses the login stops the sync with a clear error and
publishes nothing.
"""

from __future__ import annotations

import json
import logging
import re
import socket
from datetime import date, datetime, timedelta
from typing import Any

import asyncssh
import pytest

import integrations.file_drop
from integrations.common.schema import ExtractError, StreamContract
from integrations.contracts import contracts_for_feed
from integrations.file_drop import LocalFolder, SftpFolder, drop_location
from leadership.sync import SyncError, sync
from simulator.file_drops import FEEDS, snapshot, write_feed_drop, write_file_drops
from simulator.hr_drop import default_drop_dates, write_hr_drop
from simulator.program import Program
from simulator.sftp_server import public_key_line
from tests.integrations.conftest import raw_content

SFTP_ENV = "AIRFLOW_CONN_SFTP_DEFAULT"


def as_stored(contract: StreamContract, row: dict[str, Any]) -> dict[str, Any]:
    """A simulator row with the types PostgreSQL gives back for the contract's columns."""
    out = {}
    for column in contract.columns:
        value = row.get(column.name)
        if value is None or value == "":
            out[column.name] = None
        elif column.type == "string":
            out[column.name] = str(value)
        elif column.type == "integer":
            out[column.name] = int(value)
        elif column.type == "number":
            out[column.name] = float(value)
        elif column.type == "date":
            out[column.name] = value if isinstance(value, date) else date.fromisoformat(value)
        elif column.type == "timestamp":
            out[column.name] = (
                value if isinstance(value, datetime) else datetime.fromisoformat(value)
            )
        elif column.type == "json":
            out[column.name] = json.loads(value) if isinstance(value, str) else value
        elif column.type == "boolean":
            out[column.name] = value if isinstance(value, bool) else value == "true"
        else:
            raise AssertionError(f"no comparison for {column.type}")
    return out


def current_rows(sql, contract: StreamContract) -> dict[tuple, dict[str, Any]]:
    """The latest version of every record in raw, by primary key."""
    columns, key = contract.column_names, ", ".join(contract.primary_key)
    rows = sql(
        f"select distinct on ({key}) {', '.join(columns)} from raw.{contract.qualified_name}"
        f" order by {key}, _as_of desc, _batch_id desc"
    )
    return {
        tuple(str(r[columns.index(k)]) for k in contract.primary_key): dict(
            zip(columns, r, strict=True)
        )
        for r in rows
    }


def expected_rows(program: Program, feed: str, day: date) -> dict[str, dict[tuple, dict]]:
    out = {}
    rows = snapshot(program, feed, day)
    for contract in contracts_for_feed(feed):
        stored = [as_stored(contract, r) for r in rows[contract.name]]
        out[contract.name] = {tuple(str(r[k]) for k in contract.primary_key): r for r in stored}
    return out


def assert_lands_exactly(sql, program: Program, feed: str, *, only: bool = True) -> None:
    """The latest snapshot's rows are current in raw (and nothing else, when ``only``)."""
    expected = expected_rows(program, feed, program.inst.as_of)
    for contract in contracts_for_feed(feed):
        landed = current_rows(sql, contract)
        if not only:  # keys of older snapshots stay (a drop never deletes)
            landed = {k: v for k, v in landed.items() if k in expected[contract.name]}
        assert len(landed) == len(expected[contract.name]), contract.qualified_name
        assert landed == expected[contract.name], contract.qualified_name


@pytest.mark.parametrize("feed", FEEDS)
def test_every_feed_lands_every_stream_exactly(tmp_path, tiny_program, warehouse_url, sql, feed):
    drop = write_feed_drop(tiny_program, feed, tmp_path / feed)

    results = sync(f"{feed}_csv", path=tmp_path / feed)

    assert sorted(r.source_ref for r in results) == sorted(p.name for p in drop.files)
    assert [r.quarantined for r in results] == [0] * len(results)
    assert_lands_exactly(sql, tiny_program, feed)


def test_lms_rows_match_the_program_json_columns_included(
    tmp_path, tiny_program, warehouse_url, sql
):
    write_feed_drop(tiny_program, "lms", tmp_path)
    sync("lms_csv", path=tmp_path)

    assert sql("select count(distinct course_id) from raw.lms__courses")[0][0] == len(
        tiny_program.courses
    )
    assert sql("select count(distinct submission_id) from raw.lms__submissions")[0][0] == len(
        tiny_program.submissions
    )
    graded = next(s for s in tiny_program.submissions if s.rubric_assessment)
    assert sql(
        "select assignment_id, course_id, user_id, score, workflow_state, submitted_at,"
        " graded_at, rubric_assessment from raw.lms__submissions where submission_id = %s"
        " order by _as_of desc limit 1",
        (str(graded.submission_id),),
    ) == [
        (
            str(graded.assignment_id),
            str(graded.course_id),
            str(graded.user_id),
            graded.score,
            "graded",
            graded.submitted_at,
            graded.graded_at,
            graded.rubric_assessment,
        )
    ]
    assignment = tiny_program.assignments[-1]
    assert sql(
        "select name, points_possible, rubric, due_at from raw.lms__assignments"
        " where assignment_id = %s",
        (str(assignment.assignment_id),),
    ) == [(assignment.name, assignment.points_possible, assignment.rubric, assignment.due_at)]
    enrollment = tiny_program.enrollments[-1]
    assert sql(
        "select sis_user_id, enrollment_state, requirement_completed_count, completed_at"
        " from raw.lms__enrollments where enrollment_id = %s order by _as_of desc limit 1",
        (str(enrollment.enrollment_id),),
    ) == [
        (
            enrollment.sis_user_id,
            enrollment.state,
            enrollment.requirement_completed_count,
            enrollment.completed_at,
        )
    ]


def test_surveys_and_calendar_rows_match_the_program(tmp_path, tiny_program, warehouse_url, sql):
    write_file_drops(tiny_program, tmp_path, feeds=("surveys", "calendar"))
    sync("surveys_csv", path=tmp_path / "surveys")
    sync("calendar_csv", path=tmp_path / "calendar")

    for stream in ("confidence_answers", "activity_logs", "contract_deliverables"):
        assert sql(f"select count(*) from raw.surveys__{stream}")[0][0] >= len(
            tiny_program.survey_rows(stream)
        )
    log = tiny_program.survey_rows("activity_logs")[0].fields
    assert sql(
        "select mentor_id, mentee_id, activity_type, activity_date, minutes, submitted_at"
        " from raw.surveys__activity_logs where log_id = %s",
        (log["log_id"],),
    ) == [
        (
            log["mentor_id"],
            log["mentee_id"],
            log["activity_type"],
            log["activity_date"],
            log["minutes"],
            log["submitted_at"],
        )
    ]
    as_of = tiny_program.inst.as_of
    monday = as_of - timedelta(days=as_of.weekday())
    weeks = sql("select distinct week_start from raw.calendar__free_slots order by 1")
    assert [w[0] for w in weeks] == [monday + timedelta(weeks=k) for k in range(6)]
    mentors = sql("select count(distinct mentor_id) from raw.calendar__free_slots")[0][0]
    assert mentors == len(tiny_program.calendars)
    # a mentor's weekly clinic (4 or 8 hours, every week) is never free time
    mentor_id, events = next(iter(tiny_program.calendars.items()))
    clinic_hours = (events[0].end - events[0].start).seconds // 3600
    rows = sql(
        "select free_slots, busy_minutes, working_slots from raw.calendar__free_slots"
        " where mentor_id = %s",
        (mentor_id,),
    )
    assert all(free <= 50 - clinic_hours and busy >= clinic_hours * 60 for free, busy, _ in rows)
    assert {r[2] for r in rows} == {50}


@pytest.mark.parametrize("feed", FEEDS)
def test_the_second_sync_reads_only_files_newer_than_the_bookmark(
    tmp_path, tiny_program, warehouse_url, sql, feed
):
    earlier, latest = default_drop_dates(tiny_program.inst)
    first = write_feed_drop(tiny_program, feed, tmp_path, drop_dates=[earlier])
    assert {r.source_ref for r in sync(f"{feed}_csv", path=tmp_path)} == {
        p.name for p in first.files
    }
    second = write_feed_drop(tiny_program, feed, tmp_path, drop_dates=[latest])
    for path in first.files:  # were they read again, the sync would fail on them
        path.write_bytes(b"\xff\xfe not a CSV any more")

    results = sync(f"{feed}_csv", path=tmp_path)

    assert {r.source_ref for r in results} == {p.name for p in second.files}
    # the calendar's earlier drop covers earlier weeks: those rows stay
    assert_lands_exactly(sql, tiny_program, feed, only=feed != "calendar")
    assert sync(f"{feed}_csv", path=tmp_path) == []


def test_without_path_or_connection_the_local_drop_root_is_used(tmp_path, monkeypatch):
    monkeypatch.delenv(SFTP_ENV, raising=False)
    location = drop_location("surveys", default_root=tmp_path)
    assert isinstance(location, LocalFolder) and location.root == tmp_path / "surveys"


def test_the_package_docstring_lists_every_contract_column_in_order():
    text = " ".join((integrations.file_drop.__doc__ or "").split())
    for feed in FEEDS:
        for contract in contracts_for_feed(feed):
            entry = text.split(f"- {contract.name}: ", 1)[1]
            positions = [entry.find(column) for column in contract.column_names]
            assert -1 not in positions and positions == sorted(positions), contract.name


# --- SFTP -----------------------------------------------------------------------------


def use_connection(monkeypatch, connection: dict[str, Any]) -> None:
    monkeypatch.setenv(SFTP_ENV, json.dumps(connection))


def test_hr_over_sftp_lands_the_same_rows_as_the_local_folder(
    tmp_path, tiny_program, sftp_server, new_database, monkeypatch, warehouse_url
):
    write_file_drops(tiny_program, sftp_server.root, feeds=("hr",))
    local_url = new_database()
    monkeypatch.setenv("WAREHOUSE_URL", local_url)
    sync("hr_csv", path=sftp_server.root / "hr")
    monkeypatch.setenv("WAREHOUSE_URL", warehouse_url)
    use_connection(monkeypatch, sftp_server.connection(remote_root="/"))

    results = sync("hr_csv")  # no path: the sftp_default connection's remote_root

    assert sorted(sftp_server.opened) == sorted(f"/hr/{r.source_ref}" for r in results)
    # two dated snapshots of workers and job history, and the demographics file
    assert len(results) == 5 and all(r.quarantined == 0 for r in results)
    assert raw_content(warehouse_url, "hr") == raw_content(local_url, "hr")

    sftp_server.opened.clear()
    assert sync("hr_csv") == []
    assert sftp_server.opened == []  # listed, nothing read
    later = tiny_program.inst.as_of + timedelta(days=1)
    write_hr_drop(tiny_program.inst, sftp_server.root / "hr", drop_dates=[later])
    again = sync("hr_csv")
    assert sorted(sftp_server.opened) == [
        f"/hr/job_history_{later}.csv",
        f"/hr/workers_{later}.csv",
    ]
    assert {r.source_ref for r in again} == {p.removeprefix("/hr/") for p in sftp_server.opened}


def test_location_sftp_with_a_path_reads_that_remote_folder(
    tiny_program, sftp_server, monkeypatch, warehouse_url, sql
):
    write_file_drops(tiny_program, sftp_server.root / "exports", feeds=("calendar",))
    connection = sftp_server.connection()
    del connection["extra"]["remote_root"]
    use_connection(monkeypatch, connection)

    (result,) = sync("calendar_csv", location="sftp", path="/exports/calendar")

    assert result.source_ref == f"free_slots_{tiny_program.inst.as_of}.csv"
    assert_lands_exactly(sql, tiny_program, "calendar")
    with pytest.raises(ExtractError, match=r"names no remote folder: set extra\.remote_root"):
        sync("calendar_csv", location="sftp")


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("problem", ["unreachable", "wrong_password", "wrong_host_key"])
def test_an_sftp_failure_is_clear_and_publishes_nothing(
    tiny_program, sftp_server, monkeypatch, warehouse_url, sql, caplog, problem
):
    write_file_drops(tiny_program, sftp_server.root, feeds=("hr",))
    connection = sftp_server.connection(conn_retry_attempts=1, conn_timeout=2)
    secret = "correct-horse-battery-staple"
    if problem == "unreachable":
        connection["port"] = unused_port()
        connection["password"] = secret
        expected = r"the server did not answer .*check host and port"
    elif problem == "wrong_password":
        connection["password"] = secret
        expected = r"refused the login; check the connection's login and password"
    else:
        impostor = asyncssh.generate_private_key("ssh-ed25519")
        connection["extra"]["host_key"] = public_key_line(impostor)
        connection["password"] = secret = sftp_server.password
        expected = r"does not match.*set the connection's host_key extra"
    use_connection(monkeypatch, connection)
    caplog.set_level(logging.DEBUG)

    with pytest.raises(SyncError) as failure:
        sync("hr_csv")

    message = str(failure.value)
    assert re.search(
        r"could not list sftp://127\.0\.0\.1:\d+/hr \(connection sftp_default\)", message
    )
    assert re.search(expected, message), message
    assert "nothing was published" in message
    assert sql("select count(*) from ops.batches")[0][0] == 0
    assert sql("select count(*) from ops.bookmarks")[0][0] == 0
    assert sql("select count(*) from ops.sync_failures")[0][0] == 1
    assert secret not in message and secret not in caplog.text
    assert sftp_server.opened == []


def test_sftp_folder_describes_itself_without_secrets(sftp_server):
    from integrations.common.connection import parse_connection

    conn = parse_connection("sftp_default", json.dumps(sftp_server.connection("/drops")))
    folder = SftpFolder.for_feed(conn, "lms")
    assert folder.remote_dir == "/drops/lms"
    assert sftp_server.password not in folder.describe()
    assert (
        folder.describe()
        == f"sftp://127.0.0.1:{sftp_server.port}/drops/lms (connection sftp_default)"
    )
