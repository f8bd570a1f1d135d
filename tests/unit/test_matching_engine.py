"""The matching engine against independent exact solvers, on random instances (hypothesis)."""

from __future__ import annotations

import itertools
import math
import random
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from leadership.matching import Mentor, Resident, Settings, engine, match, match_tier
from leadership.matching.scoring import score_tier

TAGS = ["strategy", "finance", "quality", "education", "research", "equity"]
PROGRAMS = ["IM", "SURG"]
DEPTS = ["Medicine", "Surgery"]


@st.composite
def instances(draw, max_residents=9, max_mentors=6):
    seed = draw(st.integers(0, 10**6))
    rng = random.Random(seed)
    n_res = draw(st.integers(1, max_residents))
    n_men = draw(st.integers(1, max_mentors))
    tier = draw(st.sampled_from(["peer", "attending", "chair_sponsor"]))
    residents = []
    for i in range(n_res):
        k = rng.randrange(2)
        residents.append(
            Resident(
                f"R{i}",
                PROGRAMS[k],
                DEPTS[k],
                "s",
                rng.randint(1, 3),
                frozenset(rng.sample(TAGS, rng.randint(0, 3))),
            )
        )
    mentors = []
    for j in range(n_men):
        k = rng.randrange(2)
        role = {
            "peer": "resident",
            "attending": "attending",
            "chair_sponsor": rng.choice(["chair", "vice_chair"]),
        }[tier]
        rated = rng.random() < 0.6
        # some mentors are also on the resident list (peer mentors are residents)
        person_id = f"R{j}" if j < n_res and rng.random() < 0.3 else f"M{j}"
        mentors.append(
            Mentor(
                person_id,
                tier,
                PROGRAMS[k],
                DEPTS[k],
                "s",
                rng.choice([2, 3]) if tier == "peer" else None,
                role,
                frozenset(rng.sample(TAGS, rng.randint(0, 3))),
                rng.choice([None, 0, 2, 3, 8]),
                round(rng.uniform(1, 5), 2) if rated else None,
                rng.randint(1, 6) if rated else 0,
                rng.randint(0, 3),
            )
        )
    return tier, residents, mentors


def eligibility(tier, residents, mentors) -> np.ndarray:
    """DESIGN.md's eligibility rules pair by pair, written independently of the engine's classes."""
    ok = np.zeros((len(residents), len(mentors)), dtype=bool)
    for i, r in enumerate(residents):
        for j, m in enumerate(mentors):
            if r.person_id == m.person_id:
                continue
            if tier == "peer":
                ok[i, j] = (
                    m.role == "resident"
                    and m.pgy_level in (2, 3)
                    and m.program == r.program
                    and m.pgy_level > (r.pgy_level or 0)
                )
            elif tier == "chair_sponsor":
                ok[i, j] = m.role in ("chair", "vice_chair") and m.department == r.department
            else:
                ok[i, j] = m.role == "attending"
    return ok


def independent_optimum(tier, residents, mentors) -> tuple[int, float]:
    """Max matched, then max total score, by a MILP over pair variables (HiGHS)."""
    residents = sorted(residents, key=lambda r: r.person_id)
    mentors = sorted(mentors, key=lambda m: m.person_id)
    scores = score_tier(tier, residents, mentors, Settings())
    ok = eligibility(tier, residents, mentors)
    pairs = [(i, j) for i in range(len(residents)) for j in range(len(mentors)) if ok[i, j]]
    if not pairs:
        return 0, 0.0

    def solve(objective, extra=None):
        a_rows = np.zeros((len(residents) + len(mentors), len(pairs)))
        for k, (i, j) in enumerate(pairs):
            a_rows[i, k] = 1
            a_rows[len(residents) + j, k] = 1
        upper = [1] * len(residents) + [m.capacity for m in mentors]
        constraints = [LinearConstraint(a_rows, -np.inf, upper)]
        if extra is not None:
            constraints.append(extra)
        result = milp(
            -np.array(objective),
            constraints=constraints,
            integrality=np.ones(len(pairs)),
            bounds=Bounds(0, 1),
        )
        return result.x

    x = solve([1.0] * len(pairs))
    best_count = round(x.sum())
    values = [scores.score(i, j) for i, j in pairs]
    x = solve(values, LinearConstraint(np.ones((1, len(pairs))), best_count, best_count))
    chosen = [k for k in range(len(pairs)) if x[k] > 0.5]
    return len(chosen), sum(values[k] for k in chosen)


def check_rules_and_optimum(tier, residents, mentors, result) -> None:
    ok = eligibility(
        tier,
        sorted(residents, key=lambda r: r.person_id),
        sorted(mentors, key=lambda m: m.person_id),
    )
    res_index = {r.person_id: i for i, r in enumerate(sorted(residents, key=lambda r: r.person_id))}
    men_index = {m.person_id: j for j, m in enumerate(sorted(mentors, key=lambda m: m.person_id))}
    load: dict[str, int] = {}
    for a in result.matched:
        assert ok[res_index[a.resident_id], men_index[a.mentor_id]], a
        load[a.mentor_id] = load.get(a.mentor_id, 0) + 1
    for m in mentors:
        assert load.get(m.person_id, 0) <= m.capacity
    assert len({a.resident_id for a in result.assignments}) == len(residents)
    assert all(a.reason for a in result.assignments if not a.mentor_id)

    count, total = independent_optimum(tier, residents, mentors)
    assert len(result.matched) == count
    assert math.isclose(result.exact_total, total, abs_tol=1e-6)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_engine_is_optimal_and_never_breaks_a_rule(instance):
    tier, residents, mentors = instance
    check_rules_and_optimum(tier, residents, mentors, match_tier(tier, residents, mentors))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(max_residents=14, max_mentors=8))
def test_components_too_large_for_a_dense_matrix_get_the_same_optimum(instance):
    """The class solver (network scale) forced on every component, against the same oracle."""
    tier, residents, mentors = instance
    with mock.patch.object(engine, "DENSE_CELLS", 0):
        result = match_tier(tier, residents, mentors)
    check_rules_and_optimum(tier, residents, mentors, result)


@settings(max_examples=60, deadline=None)
@given(instances(), st.randoms(use_true_random=False), st.sampled_from([engine.DENSE_CELLS, 0]))
def test_same_input_same_output_whatever_the_order(instance, shuffler, dense_cells):
    tier, residents, mentors = instance
    with mock.patch.object(engine, "DENSE_CELLS", dense_cells):
        first = match_tier(tier, residents, mentors)
        residents, mentors = list(residents), list(mentors)
        shuffler.shuffle(residents)
        shuffler.shuffle(mentors)
        again = match_tier(tier, residents, mentors)
    assert first.assignments == again.assignments


def brute_force(tier, residents, mentors) -> tuple[int, float]:
    """Every feasible assignment, tried: tiny instances only."""
    residents = sorted(residents, key=lambda r: r.person_id)
    mentors = sorted(mentors, key=lambda m: m.person_id)
    scores = score_tier(tier, residents, mentors, Settings())
    options = [
        [None] + [j for j in range(len(mentors)) if scores.is_eligible(i, j)]
        for i in range(len(residents))
    ]
    best = (0, 0.0)
    for choice in itertools.product(*options):
        used = [c for c in choice if c is not None]
        if any(used.count(j) > mentors[j].capacity for j in set(used)):
            continue
        value = (len(used), sum(scores.score(i, c) for i, c in enumerate(choice) if c is not None))
        if value[0] > best[0] or (value[0] == best[0] and value[1] > best[1] + 1e-12):
            best = value
    return best


@settings(max_examples=80, deadline=None)
@given(instances(max_residents=5, max_mentors=3))
def test_engine_agrees_with_brute_force(instance):
    tier, residents, mentors = instance
    result = match_tier(tier, residents, mentors)
    count, total = brute_force(tier, residents, mentors)
    assert (len(result.matched), round(result.exact_total, 9)) == (count, round(total, 9))


def test_the_blueprint_formula_and_the_notify_threshold():
    resident = Resident("R1", "IM", "Medicine", "s", 1, frozenset({"strategy", "finance"}))
    rated = Mentor(
        "M1",
        "attending",
        "",
        "Medicine",
        "s",
        None,
        "attending",
        frozenset({"strategy", "finance"}),
        5,
        5.0,
        7,
        2,
    )
    unrated = Mentor(
        "M2",
        "attending",
        "",
        "Medicine",
        "s",
        None,
        "attending",
        frozenset({"quality"}),
        1,
        None,
        0,
        2,
    )
    (result,) = match([resident], [rated, unrated], Settings(tiers=("attending",)))
    (a,) = result.assignments
    prior = 5.0  # the tier's only rated mentor: sum n*r / sum n
    past = ((7 * 5.0 + 3 * prior) / (7 + 3)) / 5
    assert (a.mentor_id, a.interest, a.availability, a.past_success) == ("M1", 1.0, 1.0, past)
    assert a.score == pytest.approx(0.5 + 0.3 + 0.2 * past, abs=1e-4) and a.notify


def test_continuity_keeps_eligible_pairs_and_replaces_the_rest():
    residents = [
        Resident(f"R{i}", "IM", "Medicine", "s", 1, frozenset({"finance"})) for i in range(3)
    ]
    mentors = [
        Mentor(
            "A",
            "attending",
            "",
            "Medicine",
            "s",
            None,
            "attending",
            frozenset({"quality"}),
            5,
            None,
            0,
            3,
        ),
        Mentor(
            "B",
            "attending",
            "",
            "Medicine",
            "s",
            None,
            "attending",
            frozenset({"finance"}),
            5,
            None,
            0,
            3,
        ),
    ]
    keep = {("R0", "attending"): "A", ("R1", "attending"): "GONE"}
    (result,) = match(residents, mentors, Settings(tiers=("attending",)), keep=keep)
    by_resident = {a.resident_id: a for a in result.assignments}
    assert by_resident["R0"].mentor_id == "A" and by_resident["R0"].kept
    assert by_resident["R1"].mentor_id == "B" and not by_resident["R1"].kept
    (fresh,) = match(residents, mentors, Settings(tiers=("attending",)))
    assert {a.mentor_id for a in fresh.assignments} == {"B"}


def test_unmatched_residents_carry_the_reason():
    residents = [
        Resident("R1", "IM", "Medicine", "s", 3, frozenset()),
        Resident("R2", "IM", "Medicine", "s", 1, frozenset()),
        Resident("R3", "IM", "Medicine", "s", 1, frozenset()),
    ]
    mentors = [
        Mentor("P1", "peer", "IM", "Medicine", "s", 2, "resident", frozenset(), 5, None, 0, 1)
    ]
    (result,) = match(residents, mentors, Settings(tiers=("peer",)))
    reasons = {a.resident_id: a.reason for a in result.assignments if not a.mentor_id}
    assert "more senior than this PGY-3" in reasons["R1"]
    assert list(reasons) == ["R1", "R3"]  # the tie between R2 and R3 falls to the lower id
    assert "at capacity" in reasons["R3"]


@pytest.mark.parametrize("tier", ["peer", "attending", "chair_sponsor"])
def test_a_large_component_gets_the_same_answer_from_both_solvers(tier):
    """Hundreds of residents, too few slots: the class solver equals the dense one exactly."""
    rng = random.Random(tier)
    residents = [
        Resident(
            f"R{i:04d}",
            PROGRAMS[i % 2],
            DEPTS[i % 2],
            "s",
            1 + i % 3,
            frozenset(rng.sample(TAGS, rng.randint(1, 3))),
        )
        for i in range(600)
    ]
    role = {"peer": "resident", "attending": "attending", "chair_sponsor": "chair"}[tier]
    mentors = [
        Mentor(
            f"M{j:04d}",
            tier,
            PROGRAMS[j % 2],
            DEPTS[j % 2],
            "s",
            2 + j % 2 if tier == "peer" else None,
            role,
            frozenset(rng.sample(TAGS, rng.randint(1, 3))),
            rng.choice([None, 1, 3, 8]),
            rng.choice([None, 2.5, 3.0, 4.2, 5.0]),
            rng.randint(1, 4),
            rng.randint(0, 3),
        )
        for j in range(150)
    ]
    dense = match_tier(tier, residents, mentors)
    with mock.patch.object(engine, "DENSE_CELLS", 0):
        by_class = match_tier(tier, residents, mentors)
    assert 0 < len(dense.matched) < len(residents)
    assert len(by_class.matched) == len(dense.matched)
    assert by_class.exact_total == pytest.approx(dense.exact_total, abs=1e-6)
    load: dict[str, int] = {}
    for a in by_class.matched:
        load[a.mentor_id] = load.get(a.mentor_id, 0) + 1
    assert all(load.get(m.person_id, 0) <= m.capacity for m in mentors)
