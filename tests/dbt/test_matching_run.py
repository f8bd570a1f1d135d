"""The quarterly matching run on the simulated institution: rules kept, history, idempotence."""

from __future__ import annotations

import psycopg
import pytest

from leadership.matching.quarterly import run_matching


@pytest.fixture
def matched(fresh_copy, monkeypatch):
    monkeypatch.setenv("WAREHOUSE_URL", fresh_copy.url)
    summary = run_matching("2026Q3")
    return fresh_copy, summary


def current(wh) -> dict[tuple[str, str], str]:
    return {
        (r[0], r[1]): r[2]
        for r in wh.rows(
            "select resident_id, tier, mentor_id from program.assignments where valid_to is null"
        )
    }


def test_every_resident_and_tier_is_matched_or_told_why(matched):
    wh, summary = matched
    residents = {r[0] for r in wh.rows("select resident_id from marts.fct_resident_match_inputs")}
    pairs = current(wh)
    unmatched = {
        (r[0], r[1]): r[2]
        for r in wh.rows(
            "select resident_id, tier, reason from program.unmatched where run_id = %s",
            (summary.run_id,),
        )
    }
    for resident in residents:
        for tier in ("peer", "attending", "chair_sponsor"):
            assert ((resident, tier) in pairs) != ((resident, tier) in unmatched)
    assert all(reason for reason in unmatched.values())
    assert summary.per_tier["attending"]["matched"] == len(residents)


def test_capacities_and_eligibility_hold_in_the_warehouse(matched):
    wh, _ = matched
    over = wh.rows(
        "select a.mentor_id, a.tier, count(*), max(c.capacity) from program.assignments a"
        " join marts.fct_mentor_candidates c on c.mentor_id = a.mentor_id and c.tier = a.tier"
        " where a.valid_to is null group by 1, 2 having count(*) > max(c.capacity)"
    )
    assert over == []
    wrong = wh.rows(
        "select a.resident_id, a.tier, a.mentor_id from program.assignments a"
        " join marts.fct_resident_match_inputs r on r.resident_id = a.resident_id"
        " join marts.fct_mentor_candidates m on m.mentor_id = a.mentor_id and m.tier = a.tier"
        " where (a.tier = 'peer' and (m.program <> r.program or m.pgy_level <= r.pgy_level))"
        " or (a.tier = 'chair_sponsor' and m.department <> r.department)"
        " or a.resident_id = a.mentor_id"
    )
    assert wrong == []


def test_mentors_are_notified_once_for_strong_matches(matched, monkeypatch):
    wh, summary = matched
    strong = wh.rows("select count(*) from program.assignments where notify and valid_to is null")
    sent = wh.rows(
        "select count(*), count(distinct recipient_id) from program.notifications"
        " where kind = 'mentor_match'"
    )
    assert sent[0][0] == strong[0][0] == summary.notified > 0
    again = run_matching("2026Q3", full_rematch=True)
    assert again.opened == 0 and again.closed == 0 and again.notified == 0
    assert wh.rows("select count(*) from program.notifications")[0][0] == sent[0][0]


def test_rerunning_a_quarter_changes_nothing(matched):
    wh, summary = matched
    before = wh.rows("select * from program.assignments order by assignment_id")
    again = run_matching("2026Q3")
    assert (again.opened, again.closed, again.kept) == (
        0,
        0,
        sum(info["matched"] for info in summary.per_tier.values()),
    )
    assert wh.rows("select * from program.assignments order by assignment_id") == before


def test_next_quarter_keeps_pairs_and_replaces_a_departed_mentor(matched):
    wh, _ = matched
    before = current(wh)
    (gone,) = wh.rows(
        "select mentor_id from program.assignments where tier = 'attending'"
        " and valid_to is null order by mentor_id limit 1"
    )[0]
    wh.execute("delete from marts.fct_mentor_candidates where mentor_id = %s", (gone,))
    summary = run_matching("2026Q4")
    after = current(wh)
    moved = {k for k, m in before.items() if m == gone and k[1] == "attending"}
    assert moved and all(after[k] != gone for k in moved)
    assert {k: m for k, m in after.items() if k not in moved} == {
        k: m for k, m in before.items() if k not in moved
    }
    closed = wh.rows(
        "select valid_from, valid_to from program.assignments where mentor_id = %s"
        " and tier = 'attending'",
        (gone,),
    )
    assert {c[1].isoformat() for c in closed} == {"2026-10-01"}
    assert summary.closed == len(moved) and summary.opened == len(moved)


def test_demographics_change_no_assignment(matched):
    wh, _ = matched
    before = current(wh)
    wh.execute(
        "update raw.hr__demographics set gender = 'undisclosed', race_ethnicity = 'white',"
        " underrepresented_in_medicine = not underrepresented_in_medicine"
    )
    wh.build("--select", "stg_hr__demographics+")
    run_matching("2026Q3", full_rematch=True)
    assert current(wh) == before


def test_marts_show_the_run_and_the_equity_audit(matched):
    wh, _ = matched
    wh.build("--select", "stg_program__assignments+")
    assert wh.rows("select count(*) from marts.fct_current_assignments")[0][0] == len(current(wh))
    audit = wh.rows(
        "select tier, attribute, group_value, match_rate, impact_ratio,"
        " four_fifths_flag, is_suppressed from marts.fct_equity_audit"
        " where quarter = '2026Q3'"
    )
    assert {a[1] for a in audit} == {
        "gender",
        "race_ethnicity",
        "underrepresented_in_medicine",
        "first_generation",
    }
    for _, _, _, rate, ratio, flag, suppressed in audit:
        if suppressed:
            assert rate is None and not flag
        else:
            assert 0 <= rate <= 1 and (ratio is None or flag == (ratio < 0.8))
    with psycopg.connect(wh.url) as conn:
        conn.execute("set role bi_reader")
        assert conn.execute("select count(*) from marts.fct_equity_audit").fetchone()[0] > 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("select * from restricted.stg_hr__demographics")


def test_matching_an_earlier_quarter_is_refused_and_changes_nothing(matched):
    from leadership.matching.quarterly import MatchingHistoryError

    wh, _ = matched
    before = wh.rows("select * from program.assignments order by assignment_id")
    with pytest.raises(MatchingHistoryError, match="already matched for 2026Q3"):
        run_matching("2026Q2")
    assert wh.rows("select * from program.assignments order by assignment_id") == before
