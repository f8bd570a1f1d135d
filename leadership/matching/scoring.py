"""Pair scores and hard eligibility for one tier, kept per class of interchangeable people.

    interest      = |R & M| / sqrt(|R| * |M|) over interest and expertise tags (0 if either empty)
    availability  = 1 if free_slots > threshold else 0 (no calendar data: 0)
    past_success  = ((n * r + k * prior) / (n + k)) / 5, prior = the tier's rating mean over
                    rated mentors (sum n*r / sum n), or the neutral prior when none is rated
    score         = 0.5 * interest + 0.3 * availability + 0.2 * past_success

Eligibility (hard): peer mentors are PGY-2 or PGY-3 residents of the resident's program
and more senior; attending mentors are attendings; chair sponsors are chairs or vice
chairs of the resident's department; nobody mentors themselves.

Why classes: a pair's eligibility and interest depend only on the resident's
eligibility key and interest tags and on the mentor's eligibility key and expertise.
Residents sharing both form a class, and so do mentors; the tier is then described by
two small class-by-class matrices instead of a residents-by-mentors one, which at
network scale (100,000 residents, 110,000 attendings) would need tens of GiB. A
person listed both as a resident and as a mentor of the tier, whose classes would
make them eligible to mentor themselves, gets classes of their own so that this one
pair can be forbidden (a peer mentor is also a resident, but never more senior than
themselves, so this is rare).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from leadership.matching.model import Mentor, Resident, Settings

PEER_MENTOR_PGY = (2, 3)
CHAIR_ROLES = ("chair", "vice_chair")


@dataclass
class TierScores:
    tier: str
    resident_class: np.ndarray  # int [residents]
    mentor_class: np.ndarray  # int [mentors]
    class_eligible: np.ndarray  # bool [resident classes, mentor classes]
    class_interest: np.ndarray  # float [resident classes, mentor classes]
    availability: np.ndarray  # float [mentors]
    past_success: np.ndarray  # float [mentors]
    mentor_bonus: np.ndarray  # availability and past-success part of the score [mentors]
    interest_weight: float
    mentor_groups: list[list[int]]  # the mentors of each mentor class, ascending

    def eligible_block(self, rows: Sequence[int] | np.ndarray, cols: Sequence[int] | np.ndarray):
        """Eligibility of every pair of ``rows`` x ``cols`` (residents x mentors)."""
        return self.class_eligible[
            np.ix_(self.resident_class[np.asarray(rows)], self.mentor_class[np.asarray(cols)])
        ]

    def interest_block(self, rows: Sequence[int] | np.ndarray, cols: Sequence[int] | np.ndarray):
        return self.class_interest[
            np.ix_(self.resident_class[np.asarray(rows)], self.mentor_class[np.asarray(cols)])
        ]

    def score_block(self, rows: Sequence[int] | np.ndarray, cols: Sequence[int] | np.ndarray):
        """Scores of every pair of ``rows`` x ``cols``, whether eligible or not."""
        cols = np.asarray(cols)
        return self.interest_weight * self.interest_block(rows, cols) + self.mentor_bonus[cols]

    def is_eligible(self, row: int, col: int) -> bool:
        return bool(self.class_eligible[self.resident_class[row], self.mentor_class[col]])

    def score(self, row: int, col: int) -> float:
        interest = self.class_interest[self.resident_class[row], self.mentor_class[col]]
        return float(self.interest_weight * interest + self.mentor_bonus[col])

    def interest(self, row: int, col: int) -> float:
        return float(self.class_interest[self.resident_class[row], self.mentor_class[col]])

    def eligible_mentor_count(self, row: int) -> int:
        return int(self._class_sizes[self.class_eligible[self.resident_class[row]]].sum())

    @cached_property
    def _class_sizes(self) -> np.ndarray:
        return np.array([len(g) for g in self.mentor_groups], dtype=np.int64)

    def no_candidate_reason(self, resident: Resident) -> str:
        if self.tier == "peer":
            return (
                f"no PGY-2 or PGY-3 resident of {resident.program or 'the same program'} is "
                f"more senior than this PGY-{resident.pgy_level or '?'} resident"
            )
        if self.tier == "chair_sponsor":
            return f"no chair or vice chair of {resident.department or 'the department'} is listed"
        return "no attending mentor is listed"


def interest_matrix(
    interests: Sequence[frozenset[str]], expertise: Sequence[frozenset[str]]
) -> np.ndarray:
    vocabulary = sorted({t for tags in interests for t in tags} | {t for e in expertise for t in e})
    index = {tag: k for k, tag in enumerate(vocabulary)}
    resident_tags = np.zeros((len(interests), len(vocabulary)), dtype=np.float64)
    mentor_tags = np.zeros((len(expertise), len(vocabulary)), dtype=np.float64)
    for i, tags in enumerate(interests):
        resident_tags[i, [index[t] for t in tags]] = 1.0
    for j, tags in enumerate(expertise):
        mentor_tags[j, [index[t] for t in tags]] = 1.0
    overlap = resident_tags @ mentor_tags.T
    sizes = np.sqrt(np.outer(resident_tags.sum(axis=1), mentor_tags.sum(axis=1)))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(sizes > 0, overlap / np.where(sizes > 0, sizes, 1.0), 0.0)


def past_success(mentors: Sequence[Mentor], settings: Settings) -> np.ndarray:
    rated = [
        (m.n_ratings, m.past_rating)
        for m in mentors
        if m.n_ratings > 0 and m.past_rating is not None
    ]
    total = sum(n for n, _ in rated)
    prior = sum(n * r for n, r in rated) / total if total else settings.neutral_prior
    k = settings.prior_strength
    values = []
    for m in mentors:
        n = m.n_ratings if m.past_rating is not None else 0
        r = m.past_rating if m.past_rating is not None else 0.0
        values.append(((n * r + k * prior) / (n + k)) / 5 if (n + k) > 0 else prior / 5)
    return np.array(values, dtype=np.float64)


def _resident_key(tier: str, resident: Resident) -> tuple:
    """What a resident's eligibility depends on, per tier."""
    if tier == "peer":
        return (resident.program, resident.pgy_level or 0)
    if tier == "chair_sponsor":
        return (resident.department,)
    if tier == "attending":
        return ()
    raise ValueError(f"unknown tier {tier!r}; tiers are peer, attending, chair_sponsor")


def _mentor_key(tier: str, mentor: Mentor) -> tuple:
    """What a mentor's eligibility depends on, per tier (the first item: may mentor at all)."""
    if tier == "peer":
        ok = mentor.role == "resident" and (mentor.pgy_level or 0) in PEER_MENTOR_PGY
        return (ok, mentor.program, mentor.pgy_level or 0)
    if tier == "chair_sponsor":
        return (mentor.role in CHAIR_ROLES, mentor.department)
    return (mentor.role == "attending",)


def _class_eligibility(tier: str, resident_keys: list[tuple], mentor_keys: list[tuple]):
    ok = np.array([k[0] for k in mentor_keys], dtype=bool)[None, :]
    if tier == "peer":
        res_program = np.array([k[0] for k in resident_keys], dtype=object)
        res_pgy = np.array([k[1] for k in resident_keys])
        men_program = np.array([k[1] for k in mentor_keys], dtype=object)
        men_pgy = np.array([k[2] for k in mentor_keys])
        return (
            ok
            & (res_program[:, None] == men_program[None, :])
            & (men_pgy[None, :] > res_pgy[:, None])
        )
    if tier == "chair_sponsor":
        res_dept = np.array([k[0] for k in resident_keys], dtype=object)
        men_dept = np.array([k[1] for k in mentor_keys], dtype=object)
        return ok & (res_dept[:, None] == men_dept[None, :])
    return np.repeat(ok, len(resident_keys), axis=0)


def _classes(keys: Sequence[Hashable]) -> tuple[np.ndarray, list[Hashable]]:
    """Class number per item (numbered by first appearance) and each class's key."""
    number: dict[Hashable, int] = {}
    labels = np.array([number.setdefault(k, len(number)) for k in keys], dtype=np.int64)
    return labels, list(number)


def _tier_classes(
    tier: str, residents: Sequence[Resident], mentors: Sequence[Mentor], *, split: set[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Class per resident, class per mentor, and the class eligibility (people in ``split``
    get a class of their own)."""
    resident_class, resident_keys = _classes(
        [
            (_resident_key(tier, r), r.interests, r.person_id if r.person_id in split else None)
            for r in residents
        ]
    )
    mentor_class, mentor_keys = _classes(
        [
            (_mentor_key(tier, m), m.expertise, m.person_id if m.person_id in split else None)
            for m in mentors
        ]
    )
    eligible = _class_eligibility(tier, [k[0] for k in resident_keys], [k[0] for k in mentor_keys])
    return resident_class, mentor_class, eligible


def _first_of_each_class(labels: np.ndarray, values: Sequence[frozenset[str]]) -> list:
    first: dict[int, frozenset[str]] = {}
    for label, value in zip(labels.tolist(), values, strict=True):
        first.setdefault(label, value)
    return [first[k] for k in range(len(first))]


def score_tier(
    tier: str, residents: Sequence[Resident], mentors: Sequence[Mentor], settings: Settings
) -> TierScores:
    mentor_ids = {m.person_id for m in mentors}
    both = {r.person_id for r in residents if r.person_id in mentor_ids}
    classes = _tier_classes(tier, residents, mentors, split=set())
    resident_class, mentor_class, eligible = classes
    row_of = {r.person_id: i for i, r in enumerate(residents) if r.person_id in both}
    col_of = {m.person_id: j for j, m in enumerate(mentors) if m.person_id in both}
    own = {p for p in both if eligible[resident_class[row_of[p]], mentor_class[col_of[p]]]}
    if own:
        resident_class, mentor_class, eligible = _tier_classes(tier, residents, mentors, split=own)
        for p in own:
            eligible[resident_class[row_of[p]], mentor_class[col_of[p]]] = False
    resident_tags = _first_of_each_class(resident_class, [r.interests for r in residents])
    mentor_tags = _first_of_each_class(mentor_class, [m.expertise for m in mentors])
    interest = interest_matrix(resident_tags, mentor_tags)
    free = np.array([m.free_slots if m.free_slots is not None else -np.inf for m in mentors])
    availability = (free > settings.availability_threshold).astype(np.float64)
    success = past_success(mentors, settings)
    bonus = settings.availability_weight * availability + settings.past_success_weight * success
    groups: list[list[int]] = [[] for _ in range(len(mentor_tags))]
    for j, h in enumerate(mentor_class):
        groups[h].append(j)
    return TierScores(
        tier,
        resident_class,
        mentor_class,
        eligible,
        interest,
        availability,
        success,
        bonus,
        settings.interest_weight,
        groups,
    )
