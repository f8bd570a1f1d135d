"""The quarterly outputs on the simulated institution, checked against the marts.

Every output runs once for the last simulated quarter into one outbox, then again into
a second: the files are opened as their readers would (openpyxl, pypdf, json, csv) and
compared with the marts for the planted residents, and the second run must reproduce
the first byte for byte. The warehouse is a private copy of ``mentored_warehouse``
(the readiness review writes flags and notifications).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader

from leadership.config import PROJECT_ROOT
from leadership.exports.accreditation import SECTIONS, slug
from leadership.exports.outbox import LocalOutbox, period_timestamp
from leadership.exports.run import run_output
from tests.dbt.conftest import SimulatedWarehouse


@dataclass
class Exported:
    wh: SimulatedWarehouse
    quarter: str
    first: Path
    second: Path
    lines: list[str]
    rerun_lines: list[str]

    def file(self, name: str) -> Path:
        return self.first / name

    def csv(self, name: str) -> list[dict[str, str]]:
        return list(csv.DictReader(io.StringIO(self.file(name).read_text())))


@pytest.fixture(scope="module")
def exported(make_database, mentored_warehouse, tmp_path_factory) -> Exported:
    url = make_database(template_url=mentored_warehouse.url)
    wh = SimulatedWarehouse(url, mentored_warehouse.program, mentored_warehouse.drops)
    quarter = wh.program.quarters[-1]
    first, second = tmp_path_factory.mktemp("outbox"), tmp_path_factory.mktemp("outbox-rerun")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WAREHOUSE_URL", url)
        year = int(quarter[:4])
        lines = run_output("all", quarter, annual=year, location=LocalOutbox(first))
        rerun = run_output("all", quarter, annual=year, location=LocalOutbox(second))
    return Exported(wh, quarter, first, second, lines, rerun)


def planted(wh: SimulatedWarehouse, lrs: float | None) -> str:
    (resident,) = [rid for rid, value in wh.program.planted_lrs.items() if value == lrs]
    return resident


# --- delivery: names, manifests, the same bytes on a re-run -------------------------------


def test_rerunning_the_quarter_reproduces_every_file_and_checksum(exported) -> None:
    manifests = sorted(exported.first.rglob("manifest.json"))
    folders = {str(m.parent.relative_to(exported.first)) for m in manifests}
    q = exported.quarter
    year = q[:4]
    assert folders == {
        f"readiness/{q}", f"oversight/{q}", f"accreditation/{q}", f"accreditation/{year}",
        f"hr-summaries/{q}", f"kpis/{q}", f"fte/{q}",
    }  # fmt: skip
    for manifest in manifests:
        again = exported.second / manifest.relative_to(exported.first)
        assert manifest.read_bytes() == again.read_bytes(), manifest
        listed = json.loads(manifest.read_text())["files"]
        on_disk = {p.name for p in manifest.parent.iterdir()} - {"manifest.json"}
        assert {f["name"] for f in listed} == on_disk
        for entry in listed:
            data = (manifest.parent / entry["name"]).read_bytes()
            assert entry["sha256"] == hashlib.sha256(data).hexdigest()
            assert entry["bytes"] == len(data)
            assert data == (again.parent / entry["name"]).read_bytes()
    assert "0 new notification(s)" in exported.rerun_lines[0]


# --- readiness review ----------------------------------------------------------------------


def test_readiness_review_flags_below_70_with_the_weakest_dimension_and_its_pods(exported):
    wh, q = exported.wh, exported.quarter
    flags = {
        r[0]: r[1:]
        for r in wh.rows(
            "select resident_id, lrs, weakest_dimension, suggested_pods, status"
            " from program.coaching_flags where quarter = %s",
            (q,),
        )
    }
    expected = {
        r[0]
        for r in wh.rows(
            "select resident_id from marts.fct_readiness_scores where quarter = %s and is_flagged",
            (q,),
        )
    }
    assert set(flags) == expected and len(expected) > 5
    low, at_70, unscored = planted(wh, 69.9), planted(wh, 70.0), planted(wh, None)
    # three dimensions tie at 69.9: the first in the seed's order is the weakest
    assert flags[low] == (Decimal("69.9"), "strategic_insight", "strategic_thinking", "open")
    assert at_70 not in flags and unscored not in flags
    listed = {r["resident_id"]: r for r in exported.csv(f"readiness/{q}/coaching_flags.csv")}
    assert set(listed) == expected
    assert listed[low]["suggested_pod_titles"] == "Strategic Thinking"
    assert listed[low]["lrs"] == "69.9"
    (insufficient,) = exported.csv(f"readiness/{q}/insufficient_data.csv")
    assert (insufficient["resident_id"], insufficient["dimensions_present"]) == (unscored, "2")


def test_the_attending_mentor_and_program_director_are_told(exported) -> None:
    wh, q = exported.wh, exported.quarter
    low, unscored = planted(wh, 69.9), planted(wh, None)
    (mentor,) = wh.rows(
        "select mentor_id from program.assignments where resident_id = %s and tier = 'attending'"
        " and valid_from <= '2026-09-30' and (valid_to is null or valid_to > '2026-09-30')",
        (low,),
    )[0]
    (program,) = wh.rows(
        "select program from marts.dim_physicians where physician_id = %s", (low,)
    )[0]
    told = wh.rows(
        "select recipient_id, subject, body, payload ->> 'recipient_role'"
        " from program.notifications where kind = 'coaching_flag' and quarter = %s"
        " and payload ->> 'resident_id' = %s"
        " order by 1",
        (q, low),
    )
    assert sorted((r[0], r[3]) for r in told) == sorted(
        [(mentor, "attending_mentor"), (f"program_director:{program}", "program_director")]
    )
    assert all("69.9" in body and "Strategic Thinking" in body for _, _, body, _ in told)
    flagged = wh.rows("select count(*) from program.coaching_flags where quarter = %s", (q,))[0][0]
    (notes,) = wh.rows(
        "select count(*) from program.notifications where kind = 'coaching_flag' and quarter = %s",
        (q,),
    )[0]
    assert flagged * 1 < notes <= flagged * 2  # each flag: the director, and the mentor if any
    (lists,) = wh.rows(
        "select body from program.notifications where kind = 'readiness_insufficient_data'"
        " and recipient_id = %s",
        (f"program_director:{program}",),
    )[0]
    assert unscored in lists


# --- oversight, dean's KPIs, FTE credits ---------------------------------------------------


def test_oversight_lists_match_the_marts(exported) -> None:
    wh, q = exported.wh, exported.quarter
    listed = exported.csv(f"oversight/{q}/mentors_without_exposure_log.csv")
    expected = wh.rows(
        "select mentor_id, exposure_logs from marts.fct_mentor_exposure_compliance"
        " where quarter = %s and not is_compliant",
        (q,),
    )
    assert sorted(r["mentor_id"] for r in listed) == sorted(m for m, _ in expected)
    assert listed and all(r["exposure_logs"] == "0" for r in listed)
    overdue = exported.csv(f"oversight/{q}/overdue_deliverables.csv")
    days = {
        r[0]: r[1]
        for r in wh.rows("select deliverable_id, days_overdue from marts.fct_overdue_deliverables")
    }
    assert {r["deliverable_id"]: int(r["days_overdue"]) for r in overdue} == days
    assert [int(r["days_overdue"]) for r in overdue] == sorted(days.values(), reverse=True)


def test_deans_kpi_and_fte_csvs_match_the_marts(exported) -> None:
    wh, q = exported.wh, exported.quarter
    kpis = exported.csv(f"kpis/{q}/deans_kpis.csv")
    expected = {
        (r[0], r[1], r[2], r[3]): r[4]
        for r in wh.rows(
            "select quarter, metric, slice_type, slice_value, value from marts.fct_kpis"
        )
    }
    assert {(r["quarter"], r["metric"], r["slice_type"], r["slice_value"]) for r in kpis} == set(
        expected
    )
    for r in kpis:
        value = expected[(r["quarter"], r["metric"], r["slice_type"], r["slice_value"])]
        assert (Decimal(r["value"]) if r["value"] else None) == value
    credits = exported.csv(f"fte/{q}/mentor_fte_credits.csv")
    mart = {
        (r[0], r[1]): r[2]
        for r in wh.rows(
            "select mentor_id, academic_year, fte_credit from marts.fct_mentor_fte_credits"
        )
    }
    assert {(r["mentor_id"], r["academic_year"]): Decimal(r["fte_credit"]) for r in credits} == mart


# --- accreditation -------------------------------------------------------------------------


def test_accreditation_workbook_documents_every_field_and_matches_the_marts(exported) -> None:
    wh, q = exported.wh, exported.quarter
    program = wh.rows(
        "select program from marts.dim_physicians where physician_id = %s", (planted(wh, 69.9),)
    )[0][0]
    wb = openpyxl.load_workbook(exported.file(f"accreditation/{q}/{slug(program)}.xlsx"))
    assert wb.sheetnames == ["README", *[s.title for s in SECTIONS]]
    assert wb.properties.created == wb.properties.modified == period_timestamp(q)
    readme = {(r[0], r[1]): r[2] for r in wb["README"].iter_rows(min_row=2, values_only=True)}
    for section in SECTIONS:
        header = [c.value for c in wb[section.title][1]]
        assert header == section.columns
        for field in header:
            assert readme.get((section.title, field)), (section.title, field)

    def sheet(title: str) -> list[dict]:
        rows = list(wb[title].iter_rows(values_only=True))
        return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]

    (summary,) = sheet("Summary")
    cols = ["residents_in_program", "pod_enrollments", "pod_completions", "milestones_stamped",
            "qi_projects", "peer_mentors", "attending_mentors", "chair_sponsors"]  # fmt: skip
    mart = wh.rows(
        f"select {', '.join(cols)} from marts.fct_accreditation_program_quarters"
        " where program = %s and quarter = %s",
        (program, q),
    )[0]
    assert [summary[c] for c in cols] == list(mart)
    assert summary["pod_completions"] > 0
    activities = wh.rows(
        "select activity_category, activity_code, activity_count, residents_reached, mentors"
        " from marts.fct_accreditation_activities where program = %s and quarter = %s",
        (program, q),
    )
    pods = {
        (r["activity_category"], r["activity_code"]): r["activity_count"]
        for r in sheet("Skill pods")
    }
    assert pods == {(c, a): n for c, a, n, _, _ in activities if c.startswith("skill_pod")}
    tiers = {r["activity_code"]: r["mentors"] for r in sheet("Mentors by tier")}
    assert tiers == {a: m for c, a, _, _, m in activities if c == "mentorship"}
    assert tiers["attending"] == summary["attending_mentors"]
    (coverage,) = sheet("Coverage")
    assert coverage["attending_coverage_pct"] == summary["attending_coverage_pct"]
    detail = exported.csv(f"accreditation/{q}/{slug(program)}.csv")
    assert len(detail) == len(activities)
    assert {(r["activity_category"], r["activity_code"]) for r in detail} == {
        (c, a) for c, a, *_ in activities
    }


def test_the_annual_bundle_holds_the_years_quarters_for_every_program(exported) -> None:
    wh, year = exported.wh, exported.quarter[:4]
    programs = {
        r[0]
        for r in wh.rows(
            "select distinct program from marts.fct_accreditation_program_quarters"
            " where quarter like %s",
            (f"{year}Q%",),
        )
    }
    folder = exported.file(f"accreditation/{year}")
    with zipfile.ZipFile(folder / f"accreditation_{year}.zip") as bundle:
        names = {Path(n).name for n in bundle.namelist()}
        assert {i.date_time for i in bundle.infolist()} == {period_timestamp(year).timetuple()[:6]}
    assert names == {f"{slug(p)}.{ext}" for p in programs for ext in ("xlsx", "csv")} | {
        "programs_summary.csv"
    }
    quarters = {r["quarter"] for r in exported.csv(f"accreditation/{year}/programs_summary.csv")}
    expected = {r[0] for r in wh.rows(
        "select distinct quarter from marts.fct_accreditation_program_quarters"
        " where quarter like %s",
        (f"{year}Q%",),
    )}  # fmt: skip
    assert quarters == expected and len(quarters) >= 3


# --- HR leadership summaries ---------------------------------------------------------------


def test_hr_summary_json_and_pdf_carry_the_passport_for_the_planted_resident(
    exported, tmp_path
) -> None:
    wh, q = exported.wh, exported.quarter
    low = planted(wh, 69.9)
    doc = json.loads(exported.file(f"hr-summaries/{q}/{low}.json").read_text())
    assert doc["physician"]["physician_id"] == low and doc["quarter"] == q
    last = doc["readiness"][-1]
    assert (last["quarter"], last["lrs"], last["is_flagged"]) == (q, 69.9, True)
    assert sorted(p["pod_code"] for p in doc["pods"]) == [
        "financial_stewardship", "governance", "strategic_thinking",
    ]  # fmt: skip
    assert {p["score_pct"] for p in doc["pods"]} == {69.9}
    mentors = {m["tier"]: m["mentor_id"] for m in doc["mentorship"]["as_mentee"]}
    (attending,) = wh.rows(
        "select mentor_id from program.assignments where resident_id = %s and tier = 'attending'"
        " and valid_to is null",
        (low,),
    )[0]
    assert mentors["attending"] == attending
    pdf = exported.file(f"hr-summaries/{q}/{low}.pdf")
    text = " ".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert doc["physician"]["full_name"] in text and "69.9" in text
    assert "Strategic Thinking" in text and "coaching session" in text
    save_png(pdf, tmp_path / f"hr-summary-{low}.png")


def test_hr_summary_of_a_mentor_shows_the_fte_credits_of_the_mart(exported, tmp_path) -> None:
    wh, q = exported.wh, exported.quarter
    mentor, year, full, credit = wh.rows(
        "select mentor_id, academic_year, residents_mentored_full_year, fte_credit"
        " from marts.fct_mentor_fte_credits where fte_credit > 0"
        " order by fte_credit desc, mentor_id limit 1"
    )[0]
    doc = json.loads(exported.file(f"hr-summaries/{q}/{mentor}.json").read_text())
    found = {c["academic_year"]: c for c in doc["fte_credits"]}
    assert found[year]["residents_mentored_full_year"] == full
    assert Decimal(str(found[year]["fte_credit"])) == credit
    stamps = wh.rows(
        "select count(*) from marts.fct_passport_stamps where physician_id = %s", (mentor,)
    )[0][0]
    assert sum(len(s["stamps"]) for s in doc["passport"]) == stamps
    mentees = wh.rows(
        "select count(*) from program.assignments where mentor_id = %s and valid_to is null",
        (mentor,),
    )[0][0]
    assert len(doc["mentorship"]["as_mentor"]) == mentees > 0
    pdf = exported.file(f"hr-summaries/{q}/{mentor}.pdf")
    text = " ".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert f"{credit:.2f}" in text and year in text and "Mentor FTE credits" in text
    save_png(pdf, tmp_path / f"hr-summary-{mentor}.png")


def save_png(pdf: Path, target: Path) -> None:
    """Render the PDF's pages into one PNG (under tmp_path, copied to .local/artifacts/)."""
    import pypdfium2 as pdfium
    from PIL import Image

    document = pdfium.PdfDocument(str(pdf))
    try:
        pages = [document[i].render(scale=1.5).to_pil() for i in range(len(document))]
    finally:
        document.close()
    sheet = Image.new("RGB", (max(p.width for p in pages), sum(p.height for p in pages)), "white")
    top = 0
    for page in pages:
        sheet.paste(page, (0, top))
        top += page.height
    sheet.save(target)
    artifacts = PROJECT_ROOT / ".local" / "artifacts"
    artifacts.mkdir(parents=True, exist_ok=True)
    shutil.copy(target, artifacts / target.name)
    assert target.stat().st_size > 10_000


def test_pdfs_rendered_on_every_core_are_the_same_bytes(exported, monkeypatch) -> None:
    from leadership.exports import hr_summary

    q = exported.quarter
    monkeypatch.setenv("WAREHOUSE_URL", exported.wh.url)
    documents = hr_summary.summaries(q)[:6]
    monkeypatch.setattr(hr_summary, "PARALLEL_FROM", 2)
    monkeypatch.setattr(hr_summary, "PDF_CHUNK", 2)
    monkeypatch.setattr(hr_summary.os, "cpu_count", lambda: 2)
    rendered = hr_summary.render_pdfs(documents)
    for document, pdf in zip(documents, rendered, strict=True):
        name = document["physician"]["physician_id"]
        assert pdf == exported.file(f"hr-summaries/{q}/{name}.pdf").read_bytes()
