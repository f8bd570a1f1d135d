"""`leadership match --residents R.csv --mentors M.csv --out A.csv`: columns, errors."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

R_HEADER = "person_id,program,department,specialty,pgy_level,interests\n"
M_HEADER = (
    "person_id,tier,program,department,specialty,pgy_level,role,expertise,free_slots,"
    "past_rating,n_ratings,capacity\n"
)


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).with_name("leadership")), "match", *args],
        capture_output=True,
        text=True,
        check=False,
    )


def test_files_in_assignments_out_with_the_documented_columns(tmp_path):
    (tmp_path / "R.csv").write_text(
        R_HEADER
        + "R1,IM,Medicine,Cardiology,1,strategy;finance\n"
        + "R2,IM,Medicine,Cardiology,3,quality\n"
    )
    (tmp_path / "M.csv").write_text(
        M_HEADER
        + "P1,peer,IM,Medicine,Cardiology,2,resident,finance,5,4.5,2,1\n"
        + "A1,attending,,Medicine,Cardiology,,attending,strategy;finance,6,5,4,3\n"
        + "C1,chair_sponsor,,Medicine,Cardiology,,chair,quality,1,,0,5\n"
    )
    done = run(
        "--residents",
        str(tmp_path / "R.csv"),
        "--mentors",
        str(tmp_path / "M.csv"),
        "--out",
        str(tmp_path / "out" / "A.csv"),
    )
    assert done.returncode == 0, done.stderr
    with (tmp_path / "out" / "A.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == [
        "resident_id",
        "tier",
        "mentor_id",
        "score",
        "interest",
        "availability",
        "past_success",
        "notify",
        "reason",
    ]
    by_key = {(r["resident_id"], r["tier"]): r for r in rows}
    assert len(rows) == 6  # one row per resident and tier
    assert by_key["R1", "peer"]["mentor_id"] == "P1"
    assert by_key["R1", "attending"] | {"score": "x"} == {
        "resident_id": "R1",
        "tier": "attending",
        "mentor_id": "A1",
        "score": "x",
        "interest": "1.0000",
        "availability": "1.0000",
        "past_success": "1.0000",
        "notify": "true",
        "reason": "",
    }
    assert (
        by_key["R2", "peer"]["mentor_id"] == "" and "more senior" in by_key["R2", "peer"]["reason"]
    )
    assert by_key["R2", "chair_sponsor"]["mentor_id"] == "C1"


def test_bad_files_name_the_file_the_line_and_the_column(tmp_path):
    (tmp_path / "R.csv").write_text(
        R_HEADER
        + "R1,IM,Medicine,Cardiology,PGY-2,x\n"
        + ",IM,Medicine,Cardiology,1,x\n"
        + "R1,IM,Medicine,Cardiology,1,x\n"
    )
    (tmp_path / "M.csv").write_text(M_HEADER + "A1,mentor,,Medicine,C,,boss,x,lots,7,2,\n")
    done = run(
        "--residents",
        str(tmp_path / "R.csv"),
        "--mentors",
        str(tmp_path / "M.csv"),
        "--out",
        str(tmp_path / "A.csv"),
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "R.csv line 2, column pgy_level: 'PGY-2' is not a whole number" in done.stderr
    assert "R.csv line 3, column person_id: missing" in done.stderr
    assert "R.csv line 4, column person_id: 'R1' already on line 2" in done.stderr
    assert not (tmp_path / "A.csv").exists()


def test_mentor_file_errors_are_all_reported_at_once(tmp_path):
    (tmp_path / "R.csv").write_text(R_HEADER + "R1,IM,Medicine,Cardiology,1,x\n")
    (tmp_path / "M.csv").write_text(M_HEADER + "A1,mentor,,Medicine,C,,boss,x,lots,7,2,\n")
    done = run(
        "--residents",
        str(tmp_path / "R.csv"),
        "--mentors",
        str(tmp_path / "M.csv"),
        "--out",
        str(tmp_path / "A.csv"),
    )
    for fragment in (
        "M.csv line 2, column tier: 'mentor' is not one of",
        "M.csv line 2, column role: 'boss' is not one of",
        "M.csv line 2, column free_slots: 'lots' is not a number",
        "M.csv line 2, column past_rating: 7 is outside 1-5",
        "M.csv line 2, column capacity: missing",
    ):
        assert fragment in done.stderr


def test_a_missing_column_says_which_and_what_the_header_should_be(tmp_path):
    (tmp_path / "R.csv").write_text("person_id,program\nR1,IM\n")
    (tmp_path / "M.csv").write_text(M_HEADER)
    done = run(
        "--residents",
        str(tmp_path / "R.csv"),
        "--mentors",
        str(tmp_path / "M.csv"),
        "--out",
        str(tmp_path / "A.csv"),
    )
    assert (
        "R.csv line 1: missing column(s) department, specialty, pgy_level, interests" in done.stderr
    )
