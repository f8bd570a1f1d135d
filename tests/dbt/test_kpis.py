"""KPI marts on the simulated institution with a mentor-assignment history.

Every KPI in fct_kpis (and the per-metric marts) equals an independent pandas
computation over the raw tables and program.assignments (tests/dbt/kpi_reference.py),
per quarter and slice. The warehouse is built once (the mentored_warehouse fixture);
`dbt build` failing there fails every test here.
"""

from __future__ import annotations

import json
from decimal import Decimal

import psycopg
import pytest

from leadership.dbt import run_dbt
from tests.dbt.conftest import SimulatedWarehouse
from tests.dbt.kpi_reference import Reference, load


@pytest.fixture(scope="module")
def reference(mentored_warehouse: SimulatedWarehouse) -> Reference:
    return load(mentored_warehouse.url, mentored_warehouse.program.inst.as_of)


@pytest.fixture(scope="module")
def kpis(mentored_warehouse: SimulatedWarehouse) -> dict[tuple, tuple[float, float, float]]:
    """fct_kpis as {(metric, quarter, slice_type, slice_value): (numerator, denominator, value)}."""
    return {
        (metric, quarter, slice_type, slice_value): (float(num), float(den), float(value))
        for metric, quarter, slice_type, slice_value, num, den, value in mentored_warehouse.rows(
            "select metric, quarter, slice_type, slice_value, numerator, denominator, value"
            " from marts.fct_kpis"
        )
    }


def metric_rows(kpis: dict, prefix: str, *, split: bool = False) -> dict[tuple, tuple]:
    """The rows of one metric (or, with split, a metric family keyed by its suffix)."""
    out = {}
    for (metric, quarter, slice_type, slice_value), measure in kpis.items():
        if split and metric.startswith(prefix):
            out[(quarter, metric.removeprefix(prefix), slice_type, slice_value)] = measure
        elif metric == prefix:
            out[(quarter, slice_type, slice_value)] = measure
    return out


def assert_same(found: dict, expected: dict, tolerances: tuple[float, ...]) -> None:
    assert set(found) == set(expected), (
        f"missing {sorted(set(expected) - set(found))[:5]}, "
        f"unexpected {sorted(set(found) - set(expected))[:5]}"
    )
    for key, wanted in expected.items():
        for got, want, tolerance in zip(found[key], wanted, tolerances, strict=False):
            assert got == pytest.approx(want, abs=tolerance), (key, found[key], wanted)


def test_the_assignment_history_has_what_the_marts_must_handle(mentored_warehouse) -> None:
    (closed, current, rewritten, quarters) = mentored_warehouse.rows(
        "select count(*) filter (where valid_to is not null), count(*) filter (where valid_to"
        " is null), count(*) filter (where kept_from is not null), count(distinct run_id)"
        " from program.assignments"
    )[0]
    assert closed > 100 and current > 100 and rewritten > 50 and quarters >= 8


def test_the_build_made_every_mart_with_its_contract(mentored_warehouse) -> None:
    """The fixture's `dbt build` passed (models, contracts, data tests); spot-check the types."""
    columns = {
        (table, column): data_type
        for table, column, data_type in mentored_warehouse.rows(
            "select table_name, column_name, data_type from information_schema.columns"
            " where table_schema = 'marts'"
        )
    }
    assert columns[("fct_kpis", "value")] == "numeric"
    assert columns[("fct_kpis", "kpi_id")] == "text"
    assert columns[("fct_retention", "physicians_retained")] == "bigint"
    assert columns[("fct_promotions", "days_between")] == "integer"
    assert columns[("fct_mentor_exposure_compliance", "is_compliant")] == "boolean"
    assert columns[("fct_overdue_deliverables", "days_overdue")] == "integer"
    assert columns[("fct_mentor_fte_credits", "fte_credit")] == "numeric"
    assert columns[("fct_accreditation_program_quarters", "quarter_start")] == "date"
    assert columns[("fct_accreditation_activities", "residents_reached")] == "bigint"


def test_retention_matches_pandas(kpis, reference, mentored_warehouse) -> None:
    expected = reference.retention()
    assert_same(metric_rows(kpis, "retention_rate"), expected, (0, 0, 1e-4))
    mart = {
        (q, st, sv): (retained, active, float(rate))
        for q, st, sv, retained, active, rate in mentored_warehouse.rows(
            "select quarter, slice_type, slice_value, physicians_retained,"
            " physicians_active_at_start, retention_rate from marts.fct_retention"
        )
    }
    assert_same(mart, expected, (0, 0, 1e-4))
    slice_types = {key[1] for key in expected}
    assert slice_types == {"overall", "cohort", "specialty", "mentor_tier"}
    assert any(n < d for n, d, _ in expected.values()), "nobody left: the test proves little"


def test_mentorship_coverage_matches_pandas(kpis, reference, mentored_warehouse) -> None:
    expected = reference.coverage()
    assert_same(metric_rows(kpis, "mentorship_coverage_", split=True), expected, (0, 0, 1e-4))
    rates = {v for _, _, v in expected.values()}
    assert any(0 < rate < 1 for rate in rates) and max(rates) == 1  # neither trivial case
    # every tier appears for every slice, uncovered ones with 0
    (tiers_per_slice,) = mentored_warehouse.rows(
        "select distinct count(*) from marts.fct_mentorship_coverage"
        " group by quarter, slice_type, slice_value"
    )[0]
    assert tiers_per_slice == 3


def test_satisfaction_index_matches_pandas(kpis, reference) -> None:
    expected = reference.satisfaction()
    assert_same(
        metric_rows(kpis, "satisfaction_index"),
        {key: (points, n, index) for key, (points, n, index, _) in expected.items()},
        (1e-6, 0, 0.006),
    )
    assert_same(
        metric_rows(kpis, "satisfaction_mean_rating"),
        {key: (mean * n, n, mean) for key, (_, n, _, mean) in expected.items()},
        (1e-6, 0, 0.006),
    )


def test_promotion_velocity_matches_pandas(kpis, reference) -> None:
    expected = reference.promotion_velocity()
    assert_same(metric_rows(kpis, "promotion_years_", split=True), expected, (1e-4, 0, 0.006))
    steps = {key[1] for key in expected}
    assert {"residency_to_fellowship", "attending_to_chair", "attending_to_division_chief"} <= steps


def test_promotions_per_physician_match_hr(reference, mentored_warehouse) -> None:
    expected = {
        (r.physician_id, r.promotion_step): (r.from_date, r.promoted_on, r.days_between)
        for r in reference.promotions().itertuples()
    }
    found = {
        (physician_id, step): (from_date, promoted_on, days)
        for physician_id, step, from_date, promoted_on, days, years in mentored_warehouse.rows(
            "select physician_id, promotion_step, from_date, promoted_on, days_between,"
            " years_between from marts.fct_promotions"
        )
        if years == round(Decimal(days) / Decimal("365.25"), 2)
    }
    assert found == expected


def test_the_simulator_chairs_are_promoted_from_attending(reference, mentored_warehouse) -> None:
    """Independent of pandas: every simulated chair's years to chair, from the simulator's truth."""
    inst = mentored_warehouse.program.inst
    truth = {}
    for person in inst.people:
        chair = next((r for r in person.history if r.role == "chair"), None)
        if chair and chair.effective_date <= inst.as_of:
            truth[person.worker_id] = (chair.effective_date - person.attending_since()).days
    found = dict(
        mentored_warehouse.rows(
            "select physician_id, days_between from marts.fct_promotions"
            " where promotion_step = 'attending_to_chair'"
        )
    )
    assert found == truth and len(truth) == 8


def test_every_kpi_value_is_its_numerator_over_its_denominator(kpis) -> None:
    for key, (numerator, denominator, value) in kpis.items():
        assert denominator > 0, key
        assert value == pytest.approx(numerator / denominator, abs=0.006), key


def test_bi_reader_reads_the_kpi_oversight_and_accreditation_marts(mentored_warehouse) -> None:
    with psycopg.connect(mentored_warehouse.url) as conn:
        conn.execute("set role bi_reader")
        for table in [
            "fct_kpis",
            "fct_mentor_exposure_compliance",
            "fct_overdue_deliverables",
            "fct_mentor_fte_credits",
            "fct_accreditation_activities",
            "fct_accreditation_program_quarters",
        ]:
            (count,) = conn.execute(f"select count(*) from marts.{table}").fetchone()
            assert count > 0, table


def test_docs_generate_and_exposures(mentored_warehouse, monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("WAREHOUSE_URL", mentored_warehouse.url)
    output = run_dbt(["docs", "generate", "--target-path", str(tmp_path)])
    assert "Catalog written" in output
    listed = run_dbt(
        ["ls", "--resource-type", "exposure", "--output", "name", "--target-path", str(tmp_path)],
        connect=False,
    )
    for exposure in [
        "program_director_dashboard",
        "deans_kpi_csv",
        "accreditation_extract",
        "hr_leadership_summaries",
        "mentor_fte_credits_csv",
    ]:
        assert exposure in listed
    # Exports and the dashboard read marts only (DESIGN.md): every exposure's models are
    # marts, which bi_reader and the contracts cover, never staging or intermediate views.
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    outside_marts = {
        exposure["name"]: node
        for exposure in manifest["exposures"].values()
        for node in exposure["depends_on"]["nodes"]
        if manifest["nodes"][node]["schema"] != "marts"
    }
    assert outside_marts == {}
