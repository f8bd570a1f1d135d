"""Exact, capacity-aware matching per tier: most residents matched, then the best total score.

The assignment is solved exactly on the slot-expanded matrix (each mentor repeated
``capacity`` times) with SciPy's Hungarian-type solver (``linear_sum_assignment``):

- a matched pair is worth ``BIG + score`` with ``BIG`` larger than any total score, so
  the optimum first maximises the number of residents matched, then the total score;
- ineligible pairs are forbidden; "unmatched" columns (worth 0) exist only when not
  every resident can be matched (checked first with a maximum bipartite matching);
- a mentor's slots are interchangeable, so within a class of mentors identical for
  every resident (same eligibility key and expertise), only the best-scoring slots
  that could ever be used are kept: a pruning that cannot change the optimum;
- a component too large for a dense matrix (network scale: 100,000 residents, all
  of them eligible for every attending) is solved on classes of interchangeable
  residents and mentors as a transportation problem (HiGHS), with the same optimum;
- scores are rounded to 1e-9 before solving, so float noise never decides, and rows
  and columns are ordered by id, so ties fall the same way whatever the input order.

``BIG`` and the rounding are exact in float64 at these magnitudes (checked in tests
against an independent MILP solver).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components, maximum_bipartite_matching

from leadership.matching.model import Assignment, Mentor, Resident, Settings, TierResult
from leadership.matching.scoring import SCORE_DECIMALS, TierScores, score_tier
from leadership.matching.transportation import solve_on_classes

# Above this many resident x slot cells (400 MB of float64) a component is
# solved on classes (``leadership.matching.transportation``), not as one dense matrix.
DENSE_CELLS = 50_000_000


def match(
    residents: Sequence[Resident],
    mentors: Sequence[Mentor],
    settings: Settings | None = None,
    *,
    keep: Mapping[tuple[str, str], str] | None = None,
) -> list[TierResult]:
    """Match every tier in ``settings.tiers``.

    ``keep``: current pairs ``(resident_id, tier) -> mentor_id`` to keep when the
    mentor is still eligible and has capacity (the quarterly refresh); omit it for a
    full re-match.
    """
    settings = settings or Settings()
    by_tier: dict[str, list[Mentor]] = {tier: [] for tier in settings.tiers}
    for mentor in mentors:
        if mentor.tier in by_tier:
            by_tier[mentor.tier].append(mentor)
    results = []
    for tier in settings.tiers:
        kept = {r: m for (r, t), m in (keep or {}).items() if t == tier}
        results.append(match_tier(tier, residents, by_tier[tier], settings, keep=kept))
    return results


def match_tier(
    tier: str,
    residents: Sequence[Resident],
    mentors: Sequence[Mentor],
    settings: Settings | None = None,
    *,
    keep: Mapping[str, str] | None = None,
) -> TierResult:
    """One tier: exact maximum-cardinality, maximum-score assignment with capacities."""
    started = time.perf_counter()
    settings = settings or Settings()
    residents = sorted(residents, key=lambda r: r.person_id)
    mentors = sorted(mentors, key=lambda m: m.person_id)
    _check_unique(residents, mentors, tier)
    scores = score_tier(tier, residents, mentors, settings)
    capacity = np.array([max(0, m.capacity) for m in mentors], dtype=np.int64)

    assignments: dict[int, Assignment] = {}
    kept_rows = _keep_current_pairs(
        scores, residents, mentors, capacity, keep or {}, tier, settings, assignments
    )
    has_candidate = scores.key_eligible.any(axis=1)[scores.resident_key]
    open_rows = [i for i in range(len(residents)) if i not in kept_rows and has_candidate[i]]
    chosen: dict[int, int] = {}
    for rows, cols in _components(scores, open_rows, capacity):
        chosen.update(_solve(scores, rows, cols, capacity))
    for row, col in chosen.items():
        assignments[row] = _assignment(scores, residents, mentors, row, col, tier, settings)
    for i, resident in enumerate(residents):
        if i not in assignments:
            assignments[i] = Assignment(
                resident.person_id,
                tier,
                None,
                reason=_unmatched_reason(scores, i, tier, resident),
            )
    result = TierResult(tier, [assignments[i] for i in range(len(residents))])
    col_of = {m.person_id: j for j, m in enumerate(mentors)}
    result.exact_total = float(
        sum(scores.score(i, col_of[a.mentor_id]) for i, a in assignments.items() if a.mentor_id)
    )
    result.seconds = time.perf_counter() - started
    return result


def _check_unique(residents: Sequence[Resident], mentors: Sequence[Mentor], tier: str) -> None:
    for label, ids in (
        ("resident", [r.person_id for r in residents]),
        (f"{tier} mentor", [m.person_id for m in mentors]),
    ):
        if len(set(ids)) != len(ids):
            duplicate = next(i for i in ids if ids.count(i) > 1)
            raise ValueError(f"{label} {duplicate} appears more than once")


def _keep_current_pairs(
    scores: TierScores,
    residents: Sequence[Resident],
    mentors: Sequence[Mentor],
    capacity: np.ndarray,
    keep: Mapping[str, str],
    tier: str,
    settings: Settings,
    assignments: dict[int, Assignment],
) -> set[int]:
    """Keep existing pairs whose mentor is still eligible; they use up the mentor's capacity."""
    row_of = {r.person_id: i for i, r in enumerate(residents)}
    col_of = {m.person_id: j for j, m in enumerate(mentors)}
    kept: set[int] = set()
    for resident_id in sorted(keep):
        i, j = row_of.get(resident_id), col_of.get(keep[resident_id])
        if i is None or j is None or not scores.is_eligible(i, j) or capacity[j] <= 0:
            continue
        capacity[j] -= 1
        kept.add(i)
        base = _assignment(scores, residents, mentors, i, j, tier, settings)
        assignments[i] = Assignment(**{**base.__dict__, "notify": False, "kept": True})
    return kept


def _components(
    scores: TierScores, rows: list[int], capacity: np.ndarray
) -> list[tuple[list[int], list[int]]]:
    """Independent sub-problems: connected components of the eligibility graph.

    Peer mentors never cross programs and chair sponsors never cross departments, so
    those tiers split into many small assignment problems; solving them one by one
    gives the same optimum, much faster. The graph is built on eligibility keys.
    """
    cols = np.flatnonzero(capacity > 0)
    if not rows or not cols.size:
        return []
    row_key = scores.resident_key[rows]
    col_key = scores.mentor_key[cols]
    row_keys, col_keys = np.unique(row_key), np.unique(col_key)
    links = scores.key_eligible[np.ix_(row_keys, col_keys)]
    g, h = np.nonzero(links)
    size = len(row_keys) + len(col_keys)
    graph = coo_matrix((np.ones(g.size), (g, len(row_keys) + h)), shape=(size, size))
    _, labels = connected_components(graph, directed=False)
    row_label = labels[np.searchsorted(row_keys, row_key)]
    col_label = labels[len(row_keys) + np.searchsorted(col_keys, col_key)]
    parts: dict[int, tuple[list[int], list[int]]] = {}
    for i, label in zip(rows, row_label.tolist(), strict=True):
        parts.setdefault(label, ([], []))[0].append(i)
    for j, label in zip(cols.tolist(), col_label.tolist(), strict=True):
        parts.setdefault(label, ([], []))[1].append(j)
    return [(r, c) for r, c in parts.values() if r and c]


def _solve(
    scores: TierScores, rows: list[int], cols: list[int], capacity: np.ndarray
) -> dict[int, int]:
    """Row -> mentor column for the optimal assignment of ``rows`` to mentors ``cols``."""
    if not rows or not cols:
        return {}
    groups = _useful_slots(scores, rows, cols, capacity)
    if not groups:
        return {}
    if len(rows) * sum(slots.size for _, slots in groups) > DENSE_CELLS:
        return solve_on_classes(scores, rows, groups)
    slot_cols = np.sort(np.concatenate([slots for _, slots in groups]), kind="stable")
    eligible = scores.eligible_block(rows, slot_cols)
    value = scores.score_block(rows, slot_cols)
    np.round(value, SCORE_DECIMALS, out=value)
    value += float(len(rows) + 1)
    value[~eligible] = -np.inf
    if _can_match_everyone(eligible):
        matrix = value
    else:
        # one "unmatched" column per row, worth 0: rows left there stay unmatched
        matrix = np.hstack([value, np.zeros((len(rows), len(rows)))])
    row_idx, col_idx = linear_sum_assignment(matrix, maximize=True)
    chosen = {}
    for r, c in zip(row_idx, col_idx, strict=True):
        if c < slot_cols.size and eligible[r, c]:
            chosen[rows[r]] = int(slot_cols[c])
    return chosen


def _can_match_everyone(eligible: np.ndarray) -> bool:
    """Whether some assignment matches every row (then no "unmatched" columns are needed)."""
    rows, cols = eligible.shape
    if rows > cols:
        return False
    if eligible.sum(axis=1).min() >= rows:
        return True  # Hall's condition holds trivially: every row has rows-many options
    matching = maximum_bipartite_matching(csr_matrix(eligible), perm_type="column")
    return bool((matching >= 0).all())


def _useful_slots(
    scores: TierScores, rows: list[int], cols: list[int], capacity: np.ndarray
) -> list[tuple[int, np.ndarray]]:
    """Per mentor class, its mentors' slots best first, without slots that can never be used.

    Mentors of one class score the same for every resident except for their own
    availability and past success; the optimum only ever uses a class's best slots,
    and never more of them than there are residents eligible for the class.
    """
    in_part = np.zeros(capacity.size, dtype=bool)
    in_part[cols] = True
    row_counts = np.bincount(scores.resident_key[rows], minlength=scores.key_eligible.shape[0])
    eligible_rows = row_counts @ scores.key_eligible  # per mentor key
    groups: list[tuple[int, np.ndarray]] = []
    for h in np.unique(scores.mentor_class[cols]).tolist():
        key = scores.mentor_key[scores.mentor_groups[h][0]]
        limit = min(int(eligible_rows[key]), len(rows))
        if limit == 0:
            continue
        members = [j for j in scores.mentor_groups[h] if capacity[j] > 0 and in_part[j]]
        ordered = sorted(members, key=lambda j: (-scores.mentor_bonus[j], j))
        slots: list[int] = []
        for j in ordered:
            take = min(int(capacity[j]), limit - len(slots))
            slots.extend([j] * take)
            if len(slots) >= limit:
                break
        if slots:
            groups.append((h, np.array(slots, dtype=np.int64)))
    return groups


def _assignment(
    scores: TierScores,
    residents: Sequence[Resident],
    mentors: Sequence[Mentor],
    row: int,
    col: int,
    tier: str,
    settings: Settings,
) -> Assignment:
    score = scores.score(row, col)
    return Assignment(
        resident_id=residents[row].person_id,
        tier=tier,
        mentor_id=mentors[col].person_id,
        score=round(score, 4),
        interest=round(scores.interest(row, col), 4),
        availability=round(float(scores.availability[col]), 4),
        past_success=round(float(scores.past_success[col]), 4),
        notify=score >= settings.notify_threshold - 1e-12,
    )


def _unmatched_reason(scores: TierScores, row: int, tier: str, resident: Resident) -> str:
    eligible = scores.eligible_mentor_count(row)
    if eligible == 0:
        return scores.no_candidate_reason(resident)
    return (
        f"all {eligible} eligible {tier.replace('_', ' ')} mentor(s) are at capacity "
        "with residents whose match adds more"
    )


def tier_totals(results: Iterable[TierResult]) -> dict[str, tuple[int, float]]:
    """Matched count and total score per tier (benchmarks and tests compare these)."""
    return {r.tier: (len(r.matched), round(r.total_score, 6)) for r in results}
