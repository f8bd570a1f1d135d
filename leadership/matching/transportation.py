"""Large components of one tier, solved on classes of interchangeable people.

A component whose slot-expanded matrix would not fit in memory (network scale: every
one of 100,000 residents eligible for every one of 111,000 attendings) is solved
here with the same optimum as the dense path in ``leadership.matching.engine``:
residents who share an eligibility key and interest tags are interchangeable, and so
are mentors who share a key and expertise, up to their own bonus (availability and
past success). Only class-by-class quantities are ever built.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import OptimizeResult, linprog
from scipy.sparse import csr_array, csr_matrix, vstack
from scipy.sparse.csgraph import maximum_flow

from leadership.matching.scoring import SCORE_DECIMALS, TierScores

# HiGHS's optimality tolerances are absolute (1e-7): scores are scaled up so that
# they resolve score differences far below the 1e-9 rounding.
OBJECTIVE_SCALE = 1e6


def solve_on_classes(
    scores: TierScores, rows: list[int], groups: list[tuple[int, np.ndarray]]
) -> dict[int, int]:
    """The same optimum for a component too large for a dense matrix, solved on classes.

    Residents of one class are interchangeable, and so are the slots of one mentor
    class up to their bonus, so the assignment is a transportation problem: how many
    residents of class g go to mentor class h (x), and which of h's slots are used
    (y, best first). Its constraint matrix is totally unimodular, so the basic optimum
    HiGHS's dual simplex returns is integral. The most residents that can be matched
    come from a maximum flow through the classes; the best total score among
    assignments of that size from HiGHS; it is dealt out to people in id order, best
    slots first.
    """
    rows_array = np.asarray(rows)
    row_class = scores.resident_class[rows_array]
    resident_classes, first_row, counts = np.unique(
        row_class, return_index=True, return_counts=True
    )
    in_class_order = rows_array[np.argsort(row_class, kind="stable")]
    members = dict(
        zip(
            resident_classes.tolist(),
            [part.tolist() for part in np.split(in_class_order, np.cumsum(counts)[:-1])],
            strict=True,
        )
    )
    representative_row = rows_array[first_row]
    representative_col = np.array([slots[0] for _, slots in groups])
    links = scores.eligible_block(representative_row, representative_col)
    pair_g, pair_h = np.nonzero(links)
    n_pairs = pair_g.size
    if n_pairs == 0:
        return {}
    interest = scores.interest_block(representative_row, representative_col)
    class_value = np.where(
        links, np.round(scores.interest_weight * interest, SCORE_DECIMALS), -np.inf
    )
    best_for_all = _everyone_gets_their_best(
        class_value, [members[g] for g in resident_classes.tolist()], groups, scores.mentor_bonus
    )
    if best_for_all is not None:
        return best_for_all
    # y: runs of slots with the same bonus (one mentor's capacity at least) in one variable
    run_class, run_bonus, run_size = [], [], []
    for b, (_, slots) in enumerate(groups):
        bonus = scores.mentor_bonus[slots]
        starts = np.flatnonzero(np.r_[True, bonus[1:] != bonus[:-1]])
        sizes = np.diff(np.r_[starts, slots.size])
        run_class.extend([b] * starts.size)
        run_bonus.extend(bonus[starts].tolist())
        run_size.extend(sizes.tolist())
    n_runs = len(run_size)
    n_res, n_men = len(resident_classes), len(groups)
    per_resident_class = csr_array(
        (np.ones(n_pairs), (pair_g, np.arange(n_pairs))), shape=(n_res, n_pairs + n_runs)
    )
    # per mentor class: residents sent there = slots used
    per_mentor_class = csr_array(
        (
            np.r_[np.ones(n_pairs), -np.ones(n_runs)],
            (np.r_[pair_h, run_class], np.r_[np.arange(n_pairs), n_pairs + np.arange(n_runs)]),
        ),
        shape=(n_men, n_pairs + n_runs),
    )
    pairs_only = np.r_[np.ones(n_pairs), np.zeros(n_runs)]
    slots_per_class = np.array([slots.size for _, slots in groups])
    bounds = np.c_[
        np.zeros(n_pairs + n_runs),
        np.r_[np.minimum(counts[pair_g], slots_per_class[pair_h]), run_size],
    ]
    matched = _most_matched(counts, slots_per_class, pair_g, pair_h)
    value = np.r_[class_value[pair_g, pair_h], np.round(run_bonus, SCORE_DECIMALS)]
    best = linprog(
        -value * OBJECTIVE_SCALE,
        A_ub=per_resident_class,
        b_ub=counts,
        A_eq=vstack([per_mentor_class, csr_array(pairs_only[None, :])]),
        b_eq=np.r_[np.zeros(n_men), matched],
        bounds=bounds,
        method="highs-ds",
    )
    _check_solved(best, "the best total score")
    taken = np.round(best.x[:n_pairs]).astype(np.int64)
    next_resident = dict.fromkeys(members, 0)
    next_slot = [0] * n_men
    chosen: dict[int, int] = {}
    for k in np.flatnonzero(taken).tolist():
        g, b = int(resident_classes[pair_g[k]]), int(pair_h[k])
        for _ in range(int(taken[k])):
            chosen[members[g][next_resident[g]]] = int(groups[b][1][next_slot[b]])
            next_resident[g] += 1
            next_slot[b] += 1
    return chosen


def _most_matched(
    counts: np.ndarray, slots_per_class: np.ndarray, pair_g: np.ndarray, pair_h: np.ndarray
) -> int:
    """How many residents can be matched at most: a maximum flow through the classes."""
    n_res, n_men = counts.size, slots_per_class.size
    source, sink = n_res + n_men, n_res + n_men + 1
    tails = np.r_[np.full(n_res, source), pair_g, n_res + np.arange(n_men)]
    heads = np.r_[np.arange(n_res), n_res + pair_h, np.full(n_men, sink)]
    capacity = np.r_[counts, counts[pair_g], slots_per_class].astype(np.int32)
    graph = csr_matrix((capacity, (tails, heads)), shape=(sink + 1, sink + 1))
    return int(maximum_flow(graph, source, sink).flow_value)


def _everyone_gets_their_best(
    class_value: np.ndarray,
    members: list[list[int]],
    groups: list[tuple[int, np.ndarray]],
    mentor_bonus: np.ndarray,
) -> dict[int, int] | None:
    """Each resident in turn takes the best slot left; kept only if that was their best at all.

    When every resident gets a slot worth as much as the best slot they are eligible
    for, the assignment matches everyone and reaches the sum of the residents' own
    upper bounds: no assignment can do better, so it is optimal without a solver. That
    is the usual case when mentors' capacity far exceeds demand (a network's
    attendings); otherwise None, and the transportation problem decides.
    """
    bonuses = [np.round(mentor_bonus[slots], SCORE_DECIMALS) for _, slots in groups]
    next_bonus = np.array([b[0] for b in bonuses])
    taken = [0] * len(groups)
    bound = (class_value + next_bonus).max(axis=1)
    chosen: dict[int, int] = {}
    for g, rows in enumerate(members):
        for row in rows:
            value = class_value[g] + next_bonus
            h = int(np.argmax(value))
            if not np.isfinite(value[h]) or value[h] < bound[g]:
                return None
            chosen[row] = int(groups[h][1][taken[h]])
            taken[h] += 1
            next_bonus[h] = bonuses[h][taken[h]] if taken[h] < bonuses[h].size else -np.inf
    return chosen


def _check_solved(result: OptimizeResult, goal: str) -> None:
    """A basic optimum of a totally unimodular problem is integral; anything else is a bug."""
    if not result.success or np.abs(result.x - np.round(result.x)).max() > 1e-6:
        raise RuntimeError(
            f"the matching solver (HiGHS) could not find {goal} as whole numbers: "
            f"{result.message}; report this with the match input files"
        )
