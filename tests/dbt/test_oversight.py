"""Oversight marts: exposure-log compliance and FTE credits against pandas over the raw
tables and program.assignments, overdue deliverables against the simulator's truth."""

from __future__ import annotations

from datetime import date

import pytest

from tests.dbt.conftest import SimulatedWarehouse
from tests.dbt.kpi_reference import Reference, load


@pytest.fixture(scope="module")
def reference(mentored_warehouse: SimulatedWarehouse) -> Reference:
    return load(mentored_warehouse.url, mentored_warehouse.program.inst.as_of)


def test_exposure_compliance_matches_pandas(mentored_warehouse, reference) -> None:
    rows = mentored_warehouse.rows(
        "select mentor_id, quarter, exposure_logs, is_compliant, is_quarter_complete"
        " from marts.fct_mentor_exposure_compliance"
    )
    expected = reference.exposure_compliance()
    assert {(m, q): n for m, q, n, _, _ in rows} == expected
    assert all(compliant == (n >= 1) for _, _, n, compliant, _ in rows)
    assert all(complete for *_, complete in rows)  # as_of is the last quarter's last day
    compliant = [c for *_, c, _ in rows]
    assert any(compliant) and not all(compliant)


def test_peer_mentors_without_logs_are_on_the_review_list(mentored_warehouse) -> None:
    """The simulator's residents log nothing, so every peer-only mentor is non-compliant."""
    (peer_only_compliant,) = mentored_warehouse.rows(
        "select count(*) filter (where is_compliant) from marts.fct_mentor_exposure_compliance"
        " where tiers = 'peer'"
    )[0]
    assert peer_only_compliant == 0


def test_fte_credits_match_pandas_day_sets(mentored_warehouse, reference) -> None:
    found = {
        (mentor_id, year): (mentored, full, float(credit))
        for mentor_id, year, mentored, full, credit in mentored_warehouse.rows(
            "select mentor_id, academic_year, residents_mentored, residents_mentored_full_year,"
            " fte_credit from marts.fct_mentor_fte_credits"
        )
    }
    expected = reference.fte_credits(credit=0.05)
    assert set(found) == set(expected)
    for key, (mentored, full, credit) in expected.items():
        assert found[key][:2] == (mentored, full), key
        assert found[key][2] == pytest.approx(credit, abs=1e-9), key
    years = {year for _, year in expected}
    assert years == {"2024-2025", "2025-2026", "2026-2027"}
    assert sum(full for _, full, _ in expected.values()) > 50


def test_a_pair_kept_across_refreshes_counts_as_one_full_year(mentored_warehouse) -> None:
    """A pair closed and re-opened the same day (kept_from) is one uninterrupted mentorship."""
    mentor_id, resident_id = mentored_warehouse.rows(
        "select kept.mentor_id, kept.resident_id from program.assignments as kept"
        " inner join program.assignments as original on kept.kept_from = original.assignment_id"
        " where original.valid_from <= '2025-07-01' and kept.valid_from > '2025-07-01'"
        " and coalesce(kept.valid_to, '2026-07-01') >= '2026-07-01'"
        " and not exists (select 1 from program.assignments as other"
        "   where other.mentor_id = kept.mentor_id and other.resident_id <> kept.resident_id)"
        " order by 1, 2 limit 1"
    )[0]
    (full, credit) = mentored_warehouse.rows(
        "select residents_mentored_full_year, fte_credit from marts.fct_mentor_fte_credits"
        " where mentor_id = %s and academic_year = '2025-2026'",
        (mentor_id,),
    )[0]
    assert (full, float(credit)) == (1, 0.05), (mentor_id, resident_id)


def test_the_year_in_progress_earns_no_credit_yet(mentored_warehouse) -> None:
    rows = mentored_warehouse.rows(
        "select is_year_complete, residents_mentored_full_year, fte_credit, academic_year_end"
        " from marts.fct_mentor_fte_credits where academic_year = '2026-2027'"
    )
    assert rows and all(
        (complete, full, credit, end) == (False, 0, 0, date(2027, 6, 30))
        for complete, full, credit, end in rows
    )


def test_overdue_deliverables_match_the_simulator(mentored_warehouse) -> None:
    program = mentored_warehouse.program
    as_of = program.inst.as_of
    contracts = {r.fields["contract_id"]: r.fields for r in program.survey_rows("mentor_contracts")}
    expected = {}
    for record in program.survey_rows("contract_deliverables"):
        d = record.fields
        contract = contracts[d["contract_id"]]
        completed = d["completed_on"]
        if (
            d["due_date"] < as_of
            and (completed is None or completed > as_of)
            and contract["status"] not in ("draft", "terminated")
        ):
            expected[d["deliverable_id"]] = (
                (as_of - d["due_date"]).days,
                d["contract_id"],
                contract["mentor_id"],
                contract["mentee_id"],
            )
    found = {
        deliverable_id: rest
        for deliverable_id, *rest in mentored_warehouse.rows(
            "select deliverable_id, days_overdue, contract_id, mentor_id, mentee_id"
            " from marts.fct_overdue_deliverables"
        )
    }
    assert {k: tuple(v) for k, v in found.items()} == expected
    assert len(expected) > 5
    assert all(days >= 1 for days, *_ in expected.values())
