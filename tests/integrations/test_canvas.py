"""Canvas: every LMS stream lands; the second sync asks only for what changed; drift is kept."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from integrations.common.connection import get_connection
from integrations.common.schema import ExtractError
from leadership.sync import BatchHeld, sync
from tests.integrations.conftest import raw_content


def test_full_sync_lands_every_stream_exactly(tiny_simulator, tiny_program, warehouse_url, sql):
    results = sync("canvas")

    assert {r.stream: r.quarantined for r in results} == {
        "lms__courses": 0,
        "lms__enrollments": 0,
        "lms__assignments": 0,
        "lms__submissions": 0,
    }
    assert sql("select count(*) from raw.lms__courses")[0][0] == len(tiny_program.courses)
    assert sql("select count(*) from raw.lms__enrollments")[0][0] == len(tiny_program.enrollments)
    assert sql("select count(*) from raw.lms__submissions")[0][0] == len(tiny_program.submissions)
    graded = next(s for s in tiny_program.submissions if s.rubric_assessment)
    (assessment, score) = sql(
        "select rubric_assessment, score from raw.lms__submissions where submission_id = %s",
        (str(graded.submission_id),),
    )[0]
    assert assessment == graded.rubric_assessment and score == graded.score
    enrollment = tiny_program.enrollments[0]
    assert sql(
        "select sis_user_id, requirement_completed_count from raw.lms__enrollments"
        " where enrollment_id = %s",
        (str(enrollment.enrollment_id),),
    ) == [(enrollment.sis_user_id, enrollment.requirement_completed_count)]
    (rubric,) = sql("select rubric from raw.lms__assignments limit 1")[0]
    assert {"id", "points", "description"} <= set(rubric[0])


def test_pages_are_followed_whatever_the_page_size(
    tiny_simulator, tiny_program, warehouse_url, sql, monkeypatch
):
    conn = json.loads(tiny_simulator.connection_env()["AIRFLOW_CONN_CANVAS_DEFAULT"])
    conn["extra"]["per_page"] = 3
    monkeypatch.setenv("AIRFLOW_CONN_CANVAS_DEFAULT", json.dumps(conn))
    sync("canvas", streams=["enrollments"])
    server = tiny_simulator.servers["canvas"]
    assert any("bookmark:" in (r.arg("page") or "") for r in server.requests)
    assert sql("select count(*) from raw.lms__enrollments")[0][0] == len(tiny_program.enrollments)


def test_the_second_sync_asks_only_for_new_or_changed_submissions(
    tiny_simulator, tiny_program, warehouse_url, sql
):
    sync("canvas", streams=["submissions"])
    server = tiny_simulator.servers["canvas"]
    first = [r for r in server.requests if r.path.endswith("/students/submissions")]
    assert all(r.arg("graded_since") is None and r.arg("submitted_since") is None for r in first)
    (bookmark,) = sql("select value from ops.bookmarks where source = 'canvas'")[0]
    server.clear()

    regraded = next(s for s in tiny_program.submissions if s.graded_at)
    original = (regraded.score, regraded.graded_at)
    try:
        regraded.graded_at = datetime.now(UTC).replace(microsecond=0)  # graded again, now
        regraded.score = 0.0
        (result,) = sync("canvas", streams=["submissions"])
    finally:
        regraded.score, regraded.graded_at = original

    again = [r for r in server.requests if r.path.endswith("/students/submissions")]
    assert again and all(
        r.arg("graded_since") == bookmark["since"] or r.arg("submitted_since") == bookmark["since"]
        for r in again
    )
    assert result.received == 1 and result.inserted == 1
    assert (
        sql(
            "select count(*) from raw.lms__submissions where submission_id = %s",
            (str(regraded.submission_id),),
        )[0][0]
        == 2
    )


def test_added_fields_are_kept_and_reported(tiny_simulator, warehouse_url, sql):
    tiny_simulator.servers["canvas"].inject("drift_added", times=None)
    results = sync("canvas", streams=["courses"])
    assert "unknown columns kept in _extra: blueprint_restricted_by_default" in results[0].message
    assert (
        sql(
            "select count(*) from raw.lms__courses where _extra ? 'blueprint_restricted_by_default'"
        )[0][0]
        == results[0].received
    )


@pytest.mark.parametrize("drift", ["drift_renamed", "drift_missing"])
def test_a_missing_required_field_quarantines_with_the_reason(
    tiny_simulator, warehouse_url, sql, drift
):
    tiny_simulator.servers["canvas"].inject(drift, times=None)
    with pytest.raises(BatchHeld) as held:
        sync("canvas", streams=["submissions"])
    (result,) = held.value.held
    assert result.published == 0 and result.quarantined == result.received > 0
    assert "assignment_id is missing in 100.0% of rows" in str(held.value)
    assert "leadership quarantine release" in str(held.value)
    for (reasons,) in sql("select reasons from quarantine.lms__submissions"):
        assert reasons[0].startswith("batch held: assignment_id is missing")
        assert reasons[1:] == ["assignment_id: missing"]


def test_connection_works_as_an_airflow_uri_too(
    tiny_simulator, tiny_program, warehouse_url, sql, monkeypatch
):
    server = tiny_simulator.servers["canvas"]
    host, port = server.url.removeprefix("http://").split(":")
    monkeypatch.setenv(
        "AIRFLOW_CONN_CANVAS_DEFAULT",
        f"http://:{server.token}@{host}:{port}/?account_id=42&timeout=2",
    )
    assert get_connection("canvas_default").base_url() == server.url
    sync("canvas", streams=["courses"])
    assert sql("select count(*) from raw.lms__courses")[0][0] == len(tiny_program.courses)


def test_raw_content_fingerprint_ignores_when(tiny_simulator, warehouse_url):
    sync("canvas", streams=["courses"])
    before = raw_content(warehouse_url, "lms")
    sync("canvas", streams=["courses"], full_refresh=True)
    assert raw_content(warehouse_url, "lms") == before


def test_courses_read_one_at_a_time_or_several_at_once_land_the_same_rows(
    tiny_simulator, new_database, monkeypatch
):
    conn = json.loads(tiny_simulator.connection_env()["AIRFLOW_CONN_CANVAS_DEFAULT"])
    contents = []
    for concurrent in (1, 4):
        conn["extra"]["concurrent_requests"] = concurrent
        monkeypatch.setenv("AIRFLOW_CONN_CANVAS_DEFAULT", json.dumps(conn))
        url = new_database()
        monkeypatch.setenv("WAREHOUSE_URL", url)
        sync("canvas")
        contents.append(raw_content(url, "lms"))
    assert contents[0] == contents[1]
    assert all(contents[0].values())


def test_a_concurrency_beyond_the_limit_is_refused_with_the_setting_named(
    tiny_simulator, warehouse_url, monkeypatch
):
    conn = json.loads(tiny_simulator.connection_env()["AIRFLOW_CONN_CANVAS_DEFAULT"])
    conn["extra"]["concurrent_requests"] = 50
    monkeypatch.setenv("AIRFLOW_CONN_CANVAS_DEFAULT", json.dumps(conn))
    with pytest.raises(ExtractError, match=r"extra\.concurrent_requests must be 1 to 8"):
        sync("canvas", streams=["courses"])


def test_courses_whose_listing_did_not_change_are_not_sent_again(
    tiny_simulator, tiny_program, warehouse_url, sql
):
    (first,) = sync("canvas", streams=["enrollments"])
    (unchanged,) = sync("canvas", streams=["enrollments"])
    courses = len({e.course_id for e in tiny_program.enrollments})
    assert first.received == len(tiny_program.enrollments)
    assert unchanged.received == 0 and unchanged.status == "published"
    assert f"{courses} of {courses} courses' enrollments unchanged" in unchanged.message

    enrollment = next(
        e for e in tiny_program.enrollments if e.requirement_completed_count < e.requirement_count
    )
    same_course = [e for e in tiny_program.enrollments if e.course_id == enrollment.course_id]
    enrollment.requirement_completed_count += 1
    try:
        (changed,) = sync("canvas", streams=["enrollments"])
    finally:
        enrollment.requirement_completed_count -= 1
    assert changed.received == len(same_course)  # that course's enrollments, no other's
    assert changed.inserted == 1
    assert sql(
        "select requirement_completed_count from raw.lms__enrollments where enrollment_id = %s"
        " order by _as_of desc, _batch_id desc limit 1",
        (str(enrollment.enrollment_id),),
    ) == [(enrollment.requirement_completed_count + 1,)]

    (again,) = sync("canvas", streams=["enrollments"], full_refresh=True)
    assert again.received == len(tiny_program.enrollments)


def test_after_a_quarantined_row_every_course_is_sent_again(
    tiny_simulator, tiny_program, warehouse_url, sql
):
    enrollment = next(
        e for e in tiny_program.enrollments if e.requirement_completed_count == e.requirement_count
    )
    enrollment.requirement_completed_count += 1  # more completed than required: quarantined
    try:
        (bad,) = sync("canvas", streams=["enrollments"])
    finally:
        enrollment.requirement_completed_count -= 1
    assert bad.quarantined == 1 and "the next sync sends every record again" in bad.message
    # fixed upstream: the next sync sends every course again, so the row comes back too
    (fixed,) = sync("canvas", streams=["enrollments"])
    assert fixed.received == len(tiny_program.enrollments) and fixed.quarantined == 0
    assert sql(
        "select count(*) from raw.lms__enrollments where enrollment_id = %s",
        (str(enrollment.enrollment_id),),
    ) == [(1,)]
    (unchanged,) = sync("canvas", streams=["enrollments"])
    assert unchanged.received == 0
