"""The program-director dashboard on the simulated institution's marts.

Streamlit's AppTest drives the filters and every number shown is checked against
the marts, recomputed here with pandas from whole mart tables (not the app's SQL).
A second test serves the app with `leadership dashboard` and loads it in headless
Chromium: the page must render every section without a Streamlit exception; the
screenshot lands in the test's tmp_path and in .local/artifacts/dashboard.png.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from csv import reader
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pandas as pd
import psycopg
import pytest
import requests

from leadership.dashboard import queries
from leadership.dashboard.labels import metric_label, slice_label
from leadership.warehouse import WarehouseError, dispose
from tests.dbt.conftest import SimulatedWarehouse

APP = Path(queries.__file__).with_name("app.py")
CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / ".local" / "artifacts"
HEADERS = [
    "Leadership Readiness Score",
    "Residents below 70",
    "Five dimensions per cohort",
    "KPIs",
    "Mentor matching",
    "Equity audit",
    "Download",
]


def mart(url: str, table: str) -> pd.DataFrame:
    """A whole mart table, numeric columns as floats."""
    with psycopg.connect(url) as conn:
        cur = conn.execute(f"select * from marts.{table}")
        frame = pd.DataFrame(cur.fetchall(), columns=[c.name for c in cur.description])
    for column in frame.columns:
        if any(isinstance(v, Decimal) for v in frame[column]):
            frame[column] = pd.to_numeric(frame[column])
    return frame


@pytest.fixture(scope="module")
def marts(mentored_warehouse: SimulatedWarehouse) -> dict[str, pd.DataFrame]:
    url = mentored_warehouse.url
    return {
        t: mart(url, t) for t in ("fct_readiness_scores", "fct_current_assignments", "fct_kpis")
    }


def expected_residents(marts: dict, quarter: str, **filters: str) -> pd.DataFrame:
    scores = marts["fct_readiness_scores"]
    scores = scores[scores.quarter == quarter]
    for column in ("cohort", "specialty", "program"):
        if filters.get(column):
            scores = scores[scores[column] == filters[column]]
    if filters.get("tier"):
        assignments = marts["fct_current_assignments"]
        mentored = set(assignments.resident_id[assignments.tier == filters["tier"]])
        scores = scores[scores.resident_id.isin(mentored)]
    return scores


def check_screen(at, marts: dict, quarter: str, **filters: str) -> None:
    assert not at.exception, at.exception
    residents = expected_residents(marts, quarter, **filters)
    shown = {m.label: m.value for m in at.metric}
    assert shown["Residents scored"] == str(residents.lrs.notna().sum())
    assert shown["Flagged below 70"] == str(int(residents.is_flagged.sum()))
    insufficient = (residents.readiness_status == "insufficient_data").sum()
    assert shown["Insufficient data"] == str(insufficient)
    if residents.lrs.notna().any():
        assert float(shown["Mean LRS"]) == pytest.approx(residents.lrs.mean(), abs=0.051)

    flagged, cohorts, kpi_table = (d.value for d in at.dataframe[:3])
    want_flagged = residents[residents.is_flagged].sort_values(["lrs", "resident_id"])
    assert list(flagged.resident_id) == list(want_flagged.resident_id)
    assert list(flagged.weakest_dimension) == list(want_flagged.weakest_dimension)
    for row in flagged.itertuples():
        assert row.lrs < 70
        assert (
            row.weakest_score
            == want_flagged.set_index("resident_id").at[row.resident_id, row.weakest_dimension]
        )

    by_cohort = residents.groupby("cohort")
    assert list(cohorts.cohort) == sorted(by_cohort.groups)
    for row in cohorts.itertuples():
        group = by_cohort.get_group(row.cohort)
        assert row.residents == len(group)
        for dimension in queries.DIMENSIONS:
            assert getattr(row, dimension) == pytest.approx(group[dimension].mean(), abs=0.051)

    kpis = marts["fct_kpis"]
    kpis = kpis[kpis.quarter == quarter]
    slices = [("overall", "all")] + [
        (slice_type, filters[key])
        for key, slice_type in [
            ("cohort", "cohort"),
            ("specialty", "specialty"),
            ("program", "program"),
            ("tier", "mentor_tier"),
        ]
        if filters.get(key)
    ]
    expected_cells = 0
    for slice_type, value in slices:
        rows = kpis[(kpis.slice_type == slice_type) & (kpis.slice_value == value)]
        column = slice_label(slice_type, value)
        expected_cells += len(rows)
        for metric, number in zip(rows.metric, rows.value, strict=True):
            assert kpi_table.at[metric_label(metric), column] == pytest.approx(number), (
                metric,
                column,
            )
    assert kpi_table.notna().sum().sum() == expected_cells


def test_the_dashboard_reads_marts_only(mentored_warehouse: SimulatedWarehouse) -> None:
    url = mentored_warehouse.url
    assert len(queries.read("select * from marts.fct_kpis limit 1", url=url)) == 1
    with pytest.raises(WarehouseError, match="bi_reader"):
        queries.read("select * from ops.batches limit 1", url=url)


def test_a_login_outside_bi_reader_is_told_what_to_grant(
    mentored_warehouse: SimulatedWarehouse,
) -> None:
    role = f"dash_outsider_{uuid.uuid4().hex[:8]}"
    mentored_warehouse.execute(f"create role {role} login")
    parts = urlsplit(mentored_warehouse.url)
    where = f"{parts.hostname}:{parts.port or 5432}" if parts.hostname else ""
    outsider = urlunsplit(parts._replace(netloc=f"{role}@{where}"))
    try:
        with pytest.raises(WarehouseError, match=f"grant bi_reader to {role}"):
            queries.read("select 1 from marts.fct_kpis", url=outsider)
    finally:
        dispose(outsider)
        mentored_warehouse.execute(f"drop role {role}")


def test_the_filters_show_the_marts_numbers(
    mentored_warehouse: SimulatedWarehouse, marts: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("WAREHOUSE_URL", mentored_warehouse.url)
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert [h.value for h in at.header if h.value != "Filters"] == HEADERS
    quarters = sorted(marts["fct_readiness_scores"].quarter.unique(), reverse=True)
    assert at.selectbox(key="quarter").value == quarters[0]
    check_screen(at, marts, quarters[0])

    scores = marts["fct_readiness_scores"]
    busiest = scores[scores.quarter == quarters[1]].cohort.value_counts().index[0]
    at.selectbox(key="quarter").select(quarters[1]).run()
    at.selectbox(key="cohort").select(busiest).run()
    check_screen(at, marts, quarters[1], cohort=busiest)

    program = sorted(scores.program.dropna().unique())[0]
    specialty = scores[scores.program == program].specialty.iloc[0]
    at.selectbox(key="cohort").select("All").run()
    at.selectbox(key="program").select(program).run()
    at.selectbox(key="specialty").select(specialty).run()
    at.selectbox(key="tier").select("attending").run()
    check_screen(at, marts, quarters[1], program=program, specialty=specialty, tier="attending")

    matches = at.dataframe[3].value
    assignments = marts["fct_current_assignments"]
    assignments = assignments[(assignments.program == program) & (assignments.tier == "attending")]
    assert list(matches.tier) == ["attending"]
    assert matches.assignments.iloc[0] == len(assignments)
    assert matches.mean_score.iloc[0] == pytest.approx(assignments.score.mean(), abs=0.0006)

    labels = [b.label for b in at.get("download_button")]
    assert "Dean's office KPIs (CSV)" in labels, labels


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_the_served_dashboard_renders_in_chromium(
    mentored_warehouse: SimulatedWarehouse, tmp_path: Path
) -> None:
    if not CHROMIUM.exists():
        pytest.skip(
            "no /usr/bin/chromium: `make setup` installs Debian's chromium where apt exists"
        )
    pytest.importorskip("playwright.sync_api")
    shot, csv = serve_and_screenshot(mentored_warehouse.url, tmp_path)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(shot, ARTIFACTS / "dashboard.png")

    # the dean's office CSV is fct_kpis' rows for the quarter on screen (the newest)
    (quarter,) = mentored_warehouse.rows("select max(quarter) from marts.fct_readiness_scores")[0]
    assert csv.name == f"deans_office_kpis_{quarter}.csv"
    expected = mentored_warehouse.rows(
        "select quarter, metric, unit, slice_type, slice_value, numerator, denominator, value"
        " from marts.fct_kpis where quarter = %s and slice_type = 'overall'",
        [quarter],
    )
    with csv.open(newline="") as f:
        found = list(reader(f))
    assert found[0] == [
        *"quarter metric unit slice_type slice_value numerator denominator value".split()
    ]
    as_text = sorted(
        [*row[:5], *(str(Decimal(v).normalize()) for v in row[5:])] for row in expected
    )
    assert (
        sorted([*row[:5], *(str(Decimal(v).normalize()) for v in row[5:])] for row in found[1:])
        == as_text
    )


def test_the_cli_serves_the_dashboard() -> None:
    from leadership.cli import build_parser, cmd_dashboard

    args = build_parser().parse_args(["dashboard", "--port", "8600", "--address", "0.0.0.0"])
    assert (args.func, args.port, args.address) == (cmd_dashboard, 8600, "0.0.0.0")


def serve_and_screenshot(url: str, folder: Path) -> tuple[Path, Path]:
    """Serve the app as `leadership dashboard` does, load it in Chromium, check, screenshot.

    Returns the screenshot and the dean's office CSV downloaded from the page.
    """
    from playwright.sync_api import sync_playwright

    port, log, shot = free_port(), folder / "dashboard.log", folder / "dashboard.png"
    # serve() is what `leadership dashboard` runs; calling it directly skips the CLI's
    # imports of every other command (test_the_cli_serves_the_dashboard covers the wiring)
    serve = f"from leadership.dashboard import serve; serve(port={port})"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-c", serve],
            env={**os.environ, "WAREHOUSE_URL": url},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_healthy(port, server, log)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM))
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"http://127.0.0.1:{port}/")
            page.get_by_role("heading", name="Download").wait_for(timeout=60_000)
            # charts and tables load lazily (skeletons first): wait until all have drawn
            page.wait_for_function(RENDERED, timeout=90_000)
            screenshot_whole_page(page, shot)
            assert page.locator('[data-testid="stException"]').count() == 0
            for heading in ["Program-director dashboard", *HEADERS]:
                assert page.get_by_role("heading", name=heading).count() >= 1, heading
            with page.expect_download() as download:
                page.get_by_role("button", name="Dean's office KPIs (CSV)").click()
            csv = folder / download.value.suggested_filename
            download.value.save_as(csv)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=20)
    assert shot.stat().st_size > 50_000
    return shot, csv


RENDERED = """
    document.querySelectorAll(
        '[data-testid=stVegaLiteChart] canvas, [data-testid=stVegaLiteChart] svg').length >= 5
    && document.querySelectorAll('[data-testid=stDataFrame] canvas').length >= 5
    && document.querySelectorAll('[data-testid=stDownloadButton]').length == 5
"""


def screenshot_whole_page(page, path: Path) -> None:
    """Streamlit scrolls inside its main block: grow the viewport to fit it, then shoot."""
    height = 0
    for _ in range(5):
        page.wait_for_timeout(700)  # let charts and tables paint at this size
        needed = page.evaluate(
            "Math.max(...Array.from(document.querySelectorAll("
            "'[data-testid=stMain], [data-testid=stAppViewContainer]'), e => e.scrollHeight))"
        )
        if needed <= height:
            break
        height = needed
        page.set_viewport_size({"width": 1400, "height": height + 40})
    page.screenshot(path=str(path), full_page=True)


def wait_until_healthy(
    port: int, server: subprocess.Popen, log: Path, seconds: float = 120
) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            output = log.read_text(errors="replace")[-2000:]
            pytest.fail(f"`leadership dashboard` exited {server.returncode}:\n{output}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).ok:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.3)
    pytest.fail(f"the dashboard did not answer on port {port} within {seconds} s")


def test_the_readme_lists_the_documented_marts() -> None:
    """The README's table list for BI tools is the dbt yml's, so it cannot drift."""
    import yaml

    root = Path(__file__).resolve().parents[2]
    documented = {
        model["name"]: [column["name"] for column in model["columns"]]
        for path in sorted((root / "dbt/models/marts").glob("*/_*.yml"))
        for model in yaml.safe_load(path.read_text())["models"]
    }
    readme = (root / "README.md").read_text()
    listed = {}
    for line in readme.split("| table | grain | columns |", 1)[1].splitlines()[2:]:
        if not line.startswith("| `"):
            break
        name, _grain, columns = (cell.strip() for cell in line.strip("|").split(" | "))
        listed[name.strip("`")] = columns.split(", ")
    assert listed == documented
