"""Pair scores and hard eligibility for one tier, kept per class of interchangeable people.

    interest      = |R & M| / sqrt(|R| * |M|) over interest and expertise tags (0 if either empty)
    availability  = 1 if free_slots > threshold else 0 (no calendar data: 0)
    past_success  = ((n * r + k * prior) / (n + k)) / 5, prior = the tier's rating mean over
                    rated mentors (sum n*r / sum n), or the neutral prior when none is rated
    score         = 0.5 * interest + 0.3 * availability + 0.2 * past_success

Eligibility (hard): peer mentors are PGY-2 or PGY-3 residents of the resident's program
and more senior; attending mentors are attendings; chair sponsors are chairs or vice
chairs of the resident's department; nobody mentors themselves.

Why factors: a pair's eligibility depends only on the resident's and the mentor's
eligibility keys (program and PGY level, department, role), and its interest only on
the resident's interest tags and the mentor's expertise. Both are kept as small
key-by-key and tag-set-by-tag-set matrices instead of one residents-by-mentors matrix,
which at network scale (100,000 residents, 110,000 attendings) would need tens of
GiB. People sharing both an eligibility key and a tag set form a class: they are
interchangeable, which the engine uses for large components. A person listed both as
a resident and as a mentor of the tier, whose keys would make them eligible to mentor
themselves, gets keys of their own so that this one pair can be forbidden (a peer
mentor is also a resident, but never more senior than themselves, so this is rare).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from leadership.matching.model import Mentor, Resident, Settings

PEER_MENTOR_PGY = (2, 3)
# Scores are rounded to this many decimals before solving, so float noise never decides.
SCORE_DECIMALS = 9
CHAIR_ROLES = ("chair", "vice_chair")


@dataclass
class TierScores:
    tier: str
    resident_key: np.ndarray  # int [residents]: eligibility key
    mentor_key: np.ndarray  # int [mentors]
    key_eligible: np.ndarray  # bool [resident keys, mentor keys]
    resident_tags: np.ndarray  # int [residents]: interest tag set
    mentor_tags: np.ndarray  # int [mentors]: expertise tag set
    tag_interest: np.ndarray  # float [resident tag sets, mentor tag sets]
    availability: np.ndarray  # float [mentors]
    past_success: np.ndarray  # float [mentors]
    mentor_bonus: np.ndarray  # availability and past-success part of the score [mentors]
    interest_weight: float
    resident_class: np.ndarray  # int [residents]: (key, tags) class, numbered in row order
    mentor_class: np.ndarray  # int [mentors]
    mentor_groups: list[list[int]]  # the mentors of each mentor class, ascending

    def eligible_block(
        self, rows: Sequence[int] | np.ndarray, cols: Sequence[int] | np.ndarray
    ) -> np.ndarray:
        """Eligibility of every pair of ``rows`` x ``cols`` (residents x mentors)."""
        return self.key_eligible[
            np.ix_(self.resident_key[np.asarray(rows)], self.mentor_key[np.asarray(cols)])
        ]

    def interest_block(
        self, rows: Sequence[int] | np.ndarray, cols: Sequence[int] | np.ndarray
    ) -> np.ndarray:
        return self.tag_interest[
            np.ix_(self.resident_tags[np.asarray(rows)], self.mentor_tags[np.asarray(cols)])
        ]

    def score_block(
        self, rows: Sequence[int] | np.ndarray, cols: Sequence[int] | np.ndarray
    ) -> np.ndarray:
        """Scores of every pair of ``rows`` x ``cols``, whether eligible or not."""
        cols = np.asarray(cols)
        return self.interest_weight * self.interest_block(rows, cols) + self.mentor_bonus[cols]

    def is_eligible(self, row: int, col: int) -> bool:
        return bool(self.key_eligible[self.resident_key[row], self.mentor_key[col]])

    def interest(self, row: int, col: int) -> float:
        return float(self.tag_interest[self.resident_tags[row], self.mentor_tags[col]])

    def score(self, row: int, col: int) -> float:
        return float(self.interest_weight * self.interest(row, col) + self.mentor_bonus[col])

    def eligible_mentor_count(self, row: int) -> int:
        return int(self._mentors_per_key[self.key_eligible[self.resident_key[row]]].sum())

    @cached_property
    def _mentors_per_key(self) -> np.ndarray:
        return np.bincount(self.mentor_key, minlength=self.key_eligible.shape[1])

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


def _key_eligibility(tier: str, resident_keys: list[tuple], mentor_keys: list[tuple]):
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


def _numbered(keys: Sequence[Hashable]) -> tuple[np.ndarray, list[Hashable]]:
    """A number per item (numbered by first appearance) and each number's key."""
    number: dict[Hashable, int] = {}
    labels = np.array([number.setdefault(k, len(number)) for k in keys], dtype=np.int64)
    return labels, list(number)


def _eligibility_keys(
    tier: str, residents: Sequence[Resident], mentors: Sequence[Mentor], own: set[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Key per resident, key per mentor, and the key eligibility; people in ``own`` get
    keys of their own, and the pair of a person's two keys is not eligible."""
    resident_key, resident_keys = _numbered(
        [(_resident_key(tier, r), r.person_id if r.person_id in own else None) for r in residents]
    )
    mentor_key, mentor_keys = _numbered(
        [(_mentor_key(tier, m), m.person_id if m.person_id in own else None) for m in mentors]
    )
    eligible = _key_eligibility(tier, [k[0] for k in resident_keys], [k[0] for k in mentor_keys])
    mentor_key_of = {k[1]: h for h, k in enumerate(mentor_keys) if k[1] is not None}
    for g, (_, person) in enumerate(resident_keys):
        if person is not None:  # nobody mentors themselves
            eligible[g, mentor_key_of[person]] = False
    return resident_key, mentor_key, eligible


def score_tier(
    tier: str, residents: Sequence[Resident], mentors: Sequence[Mentor], settings: Settings
) -> TierScores:
    mentor_ids = {m.person_id for m in mentors}
    both = {r.person_id for r in residents if r.person_id in mentor_ids}
    resident_key, mentor_key, eligible = _eligibility_keys(tier, residents, mentors, set())
    if both:
        row_of = {r.person_id: i for i, r in enumerate(residents) if r.person_id in both}
        col_of = {m.person_id: j for j, m in enumerate(mentors) if m.person_id in both}
        own = {p for p in both if eligible[resident_key[row_of[p]], mentor_key[col_of[p]]]}
        if own:
            resident_key, mentor_key, eligible = _eligibility_keys(tier, residents, mentors, own)
    resident_tags, resident_tag_sets = _numbered([r.interests for r in residents])
    mentor_tags, mentor_tag_sets = _numbered([m.expertise for m in mentors])
    interest = interest_matrix(resident_tag_sets, mentor_tag_sets)  # type: ignore[arg-type]
    free = np.array([m.free_slots if m.free_slots is not None else -np.inf for m in mentors])
    availability = (free > settings.availability_threshold).astype(np.float64)
    success = past_success(mentors, settings)
    bonus = settings.availability_weight * availability + settings.past_success_weight * success
    resident_class, _ = _numbered(
        list(zip(resident_key.tolist(), resident_tags.tolist(), strict=True))
    )
    mentor_class, mentor_classes = _numbered(
        list(zip(mentor_key.tolist(), mentor_tags.tolist(), strict=True))
    )
    groups: list[list[int]] = [[] for _ in mentor_classes]
    for j, h in enumerate(mentor_class.tolist()):
        groups[h].append(j)
    return TierScores(
        tier,
        resident_key,
        mentor_key,
        eligible,
        resident_tags,
        mentor_tags,
        interest,
        availability,
        success,
        bonus,
        settings.interest_weight,
        resident_class,
        mentor_class,
        groups,
    )
