"""A corpus of malformed inputs across the streams: each ends quarantined with reasons or held.

No traceback, nothing lost (every row received is published or quarantined with its
reasons), and injection strings stored as inert data. Each case runs on its own copy
of a small warehouse that knows five physicians, one contract and one assignment, so
reference checks have something to check against.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import psycopg
import pytest

from integrations.common.schema import Extract
from integrations.contracts import get_contract
from leadership.sync import BatchHeld, sync, validate_and_publish

W = "worker_id,first_name,last_name,email,department,specialty,program,hire_date,termination_date"
J = "worker_id,effective_date,role,pgy_level,department,specialty,program,title"
C = "response_id,respondent_id,quarter,item_id,answer,submitted_at"
L = "log_id,mentor_id,mentee_id,activity_type,activity_date,minutes,notes,submitted_at"
S = "response_id,respondent_id,mentor_id,tier,quarter,rating,comments,submitted_at"
D = "deliverable_id,contract_id,description,due_date,completed_on,submitted_at"
E = (
    "enrollment_id,course_id,user_id,sis_user_id,enrollment_type,enrollment_state,"
    "requirement_count,requirement_completed_count,completed_at,updated_at"
)
A = "assignment_id,course_id,name,points_possible,rubric,due_at,updated_at"
SUB = (
    "submission_id,assignment_id,course_id,user_id,score,workflow_state,submitted_at,"
    "graded_at,rubric_assessment"
)
F = "mentor_id,week_start,free_slots,busy_minutes,working_slots,calendar_source"

HYPERLINK = '=HYPERLINK("http://evil.example/steal","Open record")'
DROP_TABLE = "'; drop table raw.hr__workers; --"


def worker(i: int, **change: str) -> str:
    row = {
        "worker_id": f"W{i}",
        "first_name": "Ada",
        "last_name": f"Ng{i}",
        "email": f"ada{i}@example-health.org",
        "department": "Surgery",
        "specialty": "General Surgery",
        "program": "",
        "hire_date": "2020-07-01",
        "termination_date": "",
    }
    row.update(change)
    return ",".join(_csv(v) for v in row.values())


def _csv(value: str) -> str:
    return f'"{value.replace(chr(34), chr(34) * 2)}"' if any(c in value for c in ',"\n') else value


def role(i: int, **change: str) -> str:
    row = {
        "worker_id": f"W{i}",
        "effective_date": "2024-07-01",
        "role": "resident",
        "pgy_level": "2",
        "department": "Surgery",
        "specialty": "General Surgery",
        "program": "General Surgery Residency",
        "title": "Resident",
    }
    row.update(change)
    return ",".join(row.values())


def text(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


@dataclass
class Case:
    id: str
    feed: str
    stream: str
    content: bytes
    outcome: str  # quarantined | held | published
    expect: list[str] = field(default_factory=list)  # fragments of reasons / the message
    received: int | None = None  # rows the batch must account for
    file_name: str | None = None
    inert: str | None = None  # a string that must be stored exactly as sent


GOOD = [worker(i) for i in range(1, 4)]
PAD = 40  # good rows added to "quarantined" cases so batch-level checks stay quiet


def good_rows(feed: str, stream: str) -> list[str]:
    """Valid rows of a stream (referencing the base warehouse's W1-W5, C1 and A1)."""
    ks = range(101, 101 + PAD)
    rows = {
        "workers": [worker(k) for k in ks],
        "job_history": [role(k) for k in ks],
        "confidence_answers": [f"R{k},W1,2026Q3,si_1,3,2026-09-20T12:00:00Z" for k in ks],
        "activity_logs": [f"L{k},W1,W2,meeting,2026-09-10,30,,2026-09-10T18:00:00Z" for k in ks],
        "satisfaction_ratings": [
            f"S{k},W2,W1,attending,2026Q3,4,,2026-09-20T12:00:00Z" for k in ks
        ],
        "contract_deliverables": [f"D{k},C1,Plan,2026-09-01,,2026-09-01T10:00:00Z" for k in ks],
        "enrollments": [
            f"E{k},1,{5000 + k},W1,StudentEnrollment,active,4,2,,2026-09-01T10:00:00Z" for k in ks
        ],
        "assignments": [
            f'A{k},1,Capstone,10,"[{{""id"": ""c1"", ""points"": 5}}]",'
            "2026-09-01T10:00:00Z,2026-09-01T10:00:00Z"
            for k in ks
        ],
        "submissions": [
            f"S{k},A1,1,5001,3,graded,2026-09-01T10:00:00Z,2026-09-02T10:00:00Z,"
            '"{""c1"": {""points"": 2}}"'
            for k in ks
        ],
        "free_slots": [
            f"W{k % 5 + 1},{date.fromordinal(date(2026, 1, 5).toordinal() + 7 * k)},"
            "10,100,50,msgraph"
            for k in ks
        ],
    }
    return rows[stream]


CASES = [
    Case(
        "latin1_encoding",
        "hr",
        "workers",
        (W + "\nW1,Ada,M\xfcller,a@x.org,Surgery,GS,,2020-07-01,\n").encode("latin-1"),
        "held",
        ["is not UTF-8", "iconv"],
        1,
    ),
    Case(
        "utf16_encoding",
        "hr",
        "workers",
        (W + "\n" + GOOD[0] + "\n").encode("utf-16"),
        "held",
        ["is not UTF-8"],
    ),
    Case("utf8_bom_is_fine", "hr", "workers", b"\xef\xbb\xbf" + text(W, *GOOD), "published", [], 3),
    Case(
        "bom_and_bad_date",
        "hr",
        "workers",
        b"\xef\xbb\xbf" + text(W, worker(1, hire_date="2026-13-01")),
        "quarantined",
        ["hire_date: '2026-13-01' is not a date"],
        1,
    ),
    Case(
        "semicolon_delimiter",
        "hr",
        "workers",
        text(W.replace(",", ";"), *[g.replace(",", ";") for g in GOOD]),
        "held",
        ["worker_id is missing in 100.0% of rows"],
        3,
    ),
    Case(
        "tab_delimiter",
        "hr",
        "workers",
        text(W.replace(",", "\t"), *[g.replace(",", "\t") for g in GOOD]),
        "held",
        ["is missing in 100.0% of rows"],
        3,
    ),
    Case(
        "extra_column",
        "hr",
        "workers",
        text(W + ",badge", *[g + ",B-1" for g in GOOD]),
        "published",
        ["unknown columns kept in _extra: badge"],
        3,
    ),
    Case(
        "missing_required_column",
        "hr",
        "workers",
        text(
            W.replace(",hire_date", ""),
            *[",".join(g.split(",")[:7] + g.split(",")[8:]) for g in GOOD],
        ),
        "held",
        ["hire_date is missing in 100.0% of rows", "columns missing from the source: hire_date"],
        3,
    ),
    Case(
        "missing_optional_column",
        "hr",
        "workers",
        text(W.rsplit(",", 1)[0], *[g.rsplit(",", 1)[0] for g in GOOD]),
        "published",
        ["columns missing from the source: termination_date"],
        3,
    ),
    Case(
        "too_many_values",
        "hr",
        "workers",
        text(W, GOOD[0] + ",surprise"),
        "quarantined",
        ["more value(s) than the header"],
        1,
    ),
    Case(
        "too_few_values",
        "hr",
        "workers",
        text(W, *GOOD, "W9,Bo,Lee"),
        "quarantined",
        ["hire_date: missing"],
        4,
    ),
    Case(
        "duplicate_id",
        "hr",
        "workers",
        text(W, *GOOD, worker(1, first_name="Eve")),
        "quarantined",
        ["appears more than once"],
        4,
    ),
    Case(
        "duplicated_export",
        "hr",
        "workers",
        text(W, *[worker(i) for i in range(1, 11)], *[worker(i) for i in range(1, 5)]),
        "held",
        ["rows repeat a worker_id"],
        14,
    ),
    Case(
        "future_hire_date",
        "hr",
        "workers",
        text(W, worker(1, hire_date="2099-01-01")),
        "quarantined",
        ["hire_date: '2099-01-01' is in the future"],
        1,
    ),
    Case(
        "termination_before_hire",
        "hr",
        "workers",
        text(W, worker(1, termination_date="2019-01-01")),
        "quarantined",
        ["is before the hire date"],
        1,
    ),
    Case(
        "us_date_format",
        "hr",
        "workers",
        text(W, worker(1, hire_date="07/01/2020")),
        "quarantined",
        ["hire_date: '07/01/2020' is not a date (YYYY-MM-DD)"],
        1,
    ),
    Case(
        "impossible_date",
        "hr",
        "workers",
        text(W, worker(1, hire_date="2021-02-30")),
        "quarantined",
        ["hire_date: '2021-02-30' is not a date"],
        1,
    ),
    Case(
        "malformed_email",
        "hr",
        "workers",
        text(W, worker(1, email="ada@@nowhere")),
        "quarantined",
        ["email: 'ada@@nowhere' is not a well-formed email"],
        1,
    ),
    Case("empty_file", "hr", "workers", b"", "held", ["is empty"], 0),
    Case(
        "megabyte_field",
        "hr",
        "workers",
        text(W, worker(1, first_name="x" * 1_048_576)),
        "quarantined",
        ["first_name:", "at most 10,000 characters"],
        1,
    ),
    Case(
        "hyperlink_formula",
        "hr",
        "workers",
        text(W, worker(1, first_name=HYPERLINK)),
        "published",
        [],
        1,
        inert=HYPERLINK,
    ),
    Case(
        "sql_in_a_name",
        "hr",
        "workers",
        text(W, worker(1, last_name=DROP_TABLE)),
        "published",
        [],
        1,
        inert=DROP_TABLE,
    ),
    Case(
        "sql_in_the_id",
        "hr",
        "workers",
        text(W, worker(1, worker_id=DROP_TABLE)),
        "quarantined",
        ["is not a well-formed id"],
        1,
        inert=DROP_TABLE,
    ),
    Case(
        "nul_bytes",
        "hr",
        "workers",
        text(W, GOOD[0]).replace(b"Ada", b"A\x00da"),
        "held",
        ["NUL bytes"],
        2,
    ),
    Case(
        "unterminated_quote",
        "hr",
        "workers",
        text(W, '"W1,Ada,Ng,a@x.org,Surgery,GS,,2020-07-01,'),
        "held",
        ["is missing in 100.0% of rows"],
        1,
    ),
    Case(
        "whitespace_id",
        "hr",
        "workers",
        text(W, worker(1, worker_id="   ")),
        "quarantined",
        ["worker_id: missing"],
        1,
    ),
    Case(
        "crlf_line_endings",
        "hr",
        "workers",
        text(W, *GOOD).replace(b"\n", b"\r\n"),
        "published",
        [],
        3,
    ),
    Case(
        "repeated_header_column",
        "hr",
        "workers",
        text(W + ",last_name", GOOD[0] + ",Other"),
        "held",
        ["repeats column(s) last_name"],
        2,
    ),
    Case(
        "misnamed_file",
        "hr",
        "workers",
        text(W, *GOOD),
        "held",
        ["does not follow the naming contract"],
        3,
        file_name="workers_2026-13-01.csv",
    ),
    Case(
        "pgy_out_of_range",
        "hr",
        "job_history",
        text(J, role(1, pgy_level="9")),
        "quarantined",
        ["pgy_level: '9' is not a PGY level"],
        1,
    ),
    Case(
        "pgy_as_text",
        "hr",
        "job_history",
        text(J, role(1, pgy_level="PGY-2")),
        "quarantined",
        ["pgy_level: 'PGY-2' is not a whole number"],
        1,
    ),
    Case(
        "unknown_role",
        "hr",
        "job_history",
        text(J, role(1, role="intern")),
        "quarantined",
        ["role: 'intern' is not a known role code"],
        1,
    ),
    Case(
        "resident_without_pgy",
        "hr",
        "job_history",
        text(J, role(1, pgy_level="")),
        "quarantined",
        ["pgy_level: missing for a trainee"],
        1,
    ),
    Case(
        "likert_out_of_range",
        "surveys",
        "confidence_answers",
        text(C, "R1,W1,2026Q3,si_1,7,2026-09-20T12:00:00Z"),
        "quarantined",
        ["answer: '7' is not on the 1-5 Likert scale"],
        1,
    ),
    Case(
        "likert_as_word",
        "surveys",
        "confidence_answers",
        text(C, "R1,W1,2026Q3,si_1,four,2026-09-20T12:00:00Z"),
        "quarantined",
        ["answer: 'four' is not a whole number"],
        1,
    ),
    Case(
        "unknown_survey_item",
        "surveys",
        "confidence_answers",
        text(C, "R1,W1,2026Q3,xx_9,3,2026-09-20T12:00:00Z"),
        "quarantined",
        ["item_id: 'xx_9' is not a confidence-survey item"],
        1,
    ),
    Case(
        "badly_written_quarter",
        "surveys",
        "confidence_answers",
        text(C, "R1,W1,2026-Q3,si_1,3,2026-09-20T12:00:00Z"),
        "quarantined",
        ["quarter: '2026-Q3' is not a quarter like 2026Q3"],
        1,
    ),
    Case(
        "unknown_respondent",
        "surveys",
        "confidence_answers",
        text(C, "R1,W777,2026Q3,si_1,3,2026-09-20T12:00:00Z"),
        "quarantined",
        ["respondent_id: 'W777' is not a physician HR knows"],
        1,
    ),
    Case(
        "not_a_timestamp",
        "surveys",
        "confidence_answers",
        text(C, "R1,W1,2026Q3,si_1,3,yesterday"),
        "quarantined",
        ["submitted_at: 'yesterday' is not an ISO 8601 timestamp"],
        1,
    ),
    Case(
        "negative_minutes",
        "surveys",
        "activity_logs",
        text(L, "L1,W1,W2,meeting,2026-09-10,-30,,2026-09-10T18:00:00Z"),
        "quarantined",
        ["minutes: '-30' is not within one day"],
        1,
    ),
    Case(
        "activity_in_the_future",
        "surveys",
        "activity_logs",
        text(L, "L1,W1,W2,meeting,2099-09-10,30,,2026-09-10T18:00:00Z"),
        "quarantined",
        ["activity_date: '2099-09-10' is in the future"],
        1,
    ),
    Case(
        "unknown_activity_type",
        "surveys",
        "activity_logs",
        text(L, "L1,W1,W2,golf,2026-09-10,30,,2026-09-10T18:00:00Z"),
        "quarantined",
        ["activity_type: 'golf' is not a known activity type"],
        1,
    ),
    Case(
        "rating_zero",
        "surveys",
        "satisfaction_ratings",
        text(S, "S1,W2,W1,attending,2026Q3,0,,2026-09-20T12:00:00Z"),
        "quarantined",
        ["rating: '0' is not on the 1-5 scale"],
        1,
    ),
    Case(
        "unknown_tier",
        "surveys",
        "satisfaction_ratings",
        text(S, "S1,W2,W1,buddy,2026Q3,4,,2026-09-20T12:00:00Z"),
        "quarantined",
        ["tier: 'buddy' is not a mentor tier"],
        1,
    ),
    Case(
        "deliverable_of_unknown_contract",
        "surveys",
        "contract_deliverables",
        text(D, "D1,C404,Plan,2026-09-01,,2026-09-01T10:00:00Z"),
        "quarantined",
        ["contract_id: 'C404' is not a known mentorship contract"],
        1,
    ),
    Case(
        "completed_more_than_required",
        "lms",
        "enrollments",
        text(E, "E1,1,5001,W1,StudentEnrollment,active,4,6,,2026-09-01T10:00:00Z"),
        "quarantined",
        ["more requirements completed than exist"],
        1,
    ),
    Case(
        "enrollment_without_sis_id",
        "lms",
        "enrollments",
        text(E, "E1,1,5001,,StudentEnrollment,active,4,2,,2026-09-01T10:00:00Z"),
        "quarantined",
        ["sis_user_id: missing"],
        1,
    ),
    Case(
        "rubric_not_json",
        "lms",
        "assignments",
        text(
            A,
            'A2,1,Capstone,10,"[{""id"": ""c1"", points: 5}",2026-09-01T10:00:00Z,'
            "2026-09-01T10:00:00Z",
        ),
        "quarantined",
        ["rubric:", "is not valid JSON"],
        1,
    ),
    Case(
        "negative_score",
        "lms",
        "submissions",
        text(
            SUB,
            "S1,A1,1,5001,-3,graded,2026-09-01T10:00:00Z,2026-09-02T10:00:00Z,"
            '"{""c1"": {""points"": 2}}"',
        ),
        "quarantined",
        ["score: '-3' is negative"],
        1,
    ),
    Case(
        "rubric_points_above_maximum",
        "lms",
        "submissions",
        text(
            SUB,
            "S1,A1,1,5001,9,graded,2026-09-01T10:00:00Z,2026-09-02T10:00:00Z,"
            '"{""c1"": {""points"": 9}}"',
        ),
        "quarantined",
        ["rubric_assessment: 9 points for criterion 'c1', outside 0-5"],
        1,
    ),
    Case(
        "free_slots_out_of_range",
        "calendar",
        "free_slots",
        text(F, "W1,2026-09-28,60,0,50,msgraph"),
        "quarantined",
        ["free_slots: '60' is outside 0-50"],
        1,
    ),
    Case(
        "duplicate_week",
        "calendar",
        "free_slots",
        text(F, "W1,2026-09-28,10,100,50,msgraph", "W1,2026-09-28,12,90,50,msgraph"),
        "quarantined",
        ["appears more than once"],
        2,
    ),
    Case(
        "unknown_calendar_source",
        "calendar",
        "free_slots",
        text(F, "W1,2026-09-28,10,100,50,outlook"),
        "quarantined",
        ["calendar_source: 'outlook' is not a known calendar source"],
        1,
    ),
]


@pytest.fixture(scope="module")
def base_url(make_database) -> str:
    """A warehouse knowing physicians W1-W5, contract C1 and assignment A1 (rubric c1 <= 5)."""
    url = make_database()
    mp = pytest.MonkeyPatch()
    mp.setenv("WAREHOUSE_URL", url)
    try:
        seed = [
            (
                "hr__workers",
                [dict(zip(W.split(","), worker(i).split(","), strict=True)) for i in range(1, 6)],
            ),
            (
                "surveys__mentor_contracts",
                [
                    {
                        "contract_id": "C1",
                        "mentor_id": "W1",
                        "mentee_id": "W2",
                        "tier": "attending",
                        "signed_on": "2026-01-10",
                        "start_date": "2026-01-10",
                        "end_date": "2027-01-10",
                        "status": "active",
                        "submitted_at": "2026-01-10T10:00:00Z",
                    }
                ],
            ),
            (
                "lms__assignments",
                [
                    {
                        "assignment_id": "A1",
                        "course_id": "1",
                        "name": "Capstone",
                        "points_possible": "5",
                        "rubric": '[{"id": "c1", "points": 5}]',
                        "due_at": "2026-09-01T10:00:00Z",
                        "updated_at": "2026-09-01T10:00:00Z",
                    }
                ],
            ),
        ]
        for stream, records in seed:
            validate_and_publish(
                "test_seed", Extract(get_contract(stream), records, "seed"), today=date(2026, 10, 1)
            )
    finally:
        mp.undo()
    return url


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_malformed_input_is_quarantined_or_held_never_lost(
    case, base_url, new_database, tmp_path, monkeypatch
):
    url = new_database(template_url=base_url)
    monkeypatch.setenv("WAREHOUSE_URL", url)
    folder = tmp_path / case.feed
    folder.mkdir()
    content = case.content
    if case.outcome == "quarantined":
        content += ("\n".join(good_rows(case.feed, case.stream)) + "\n").encode()
    (folder / (case.file_name or f"{case.stream}_2026-09-30.csv")).write_bytes(content)

    try:
        results = sync(
            f"{case.feed}_csv", path=folder, streams=[case.stream], today=date(2026, 10, 1)
        )
        held = None
    except BatchHeld as exc:
        results, held = exc.held, str(exc)

    (result,) = results
    with psycopg.connect(url) as conn:
        batch = conn.execute(
            "select status, received, published, quarantined, coalesce(message, '')"
            " from ops.batches where batch_id = %s",
            (result.batch_id,),
        ).fetchone()
        reasons = [
            r
            for (rs,) in conn.execute(
                f"select reasons from quarantine.{case.feed}__{case.stream} where _batch_id = %s",
                (result.batch_id,),
            )
            for r in rs
        ]
        stored = conn.execute(
            f"select count(*) from quarantine.{case.feed}__{case.stream} where _batch_id = %s",
            (result.batch_id,),
        ).fetchone()[0]
        raw_rows = conn.execute(
            f"select count(*) from raw.{case.feed}__{case.stream} where _batch_id = %s",
            (result.batch_id,),
        ).fetchone()[0]
        dump = (
            conn.execute(
                "select coalesce(string_agg(t::text, ' '), '')"
                f" from raw.{case.feed}__{case.stream} t"
            ).fetchone()[0]
            + conn.execute(
                f"select coalesce(string_agg(record::text, ' '), '') from"
                f" quarantine.{case.feed}__{case.stream}"
            ).fetchone()[0]
        )
    status, received, published, quarantined, message = batch

    # nothing lost: every row received is published (a new version or unchanged) or in quarantine
    assert received == published + quarantined and stored == quarantined
    assert raw_rows <= published
    if case.received is not None:
        assert received == case.received + (PAD if case.outcome == "quarantined" else 0)
    if case.outcome == "held":
        assert status == "held" and published == 0 and held is not None
        assert "leadership quarantine release" in held
        for fragment in case.expect:
            assert fragment in message or any(fragment in r for r in reasons), (fragment, message)
    elif case.outcome == "quarantined":
        assert status == "published" and quarantined >= 1 and held is None
        for fragment in case.expect:
            assert any(fragment in r for r in reasons), (fragment, reasons)
    else:
        assert status == "published" and quarantined == 0 and published == received
        for fragment in case.expect:
            assert fragment in message
    if case.inert:
        assert case.inert in dump.replace('""', '"')
        with psycopg.connect(url) as conn:  # and the table the string talks about is still there
            assert conn.execute("select count(*) from raw.hr__workers").fetchone()[0] >= 5


def test_the_corpus_is_broad():
    assert len(CASES) >= 40
    assert {(c.feed, c.stream) for c in CASES} >= {
        ("hr", "workers"),
        ("hr", "job_history"),
        ("surveys", "confidence_answers"),
        ("surveys", "activity_logs"),
        ("lms", "submissions"),
        ("calendar", "free_slots"),
    }
    assert Path(__file__).exists()
