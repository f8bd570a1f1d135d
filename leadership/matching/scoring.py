"""Pair scores and hard eligibility for one tier, as whole matrices (numpy).

    interest      = |R & M| / sqrt(|R| * |M|) over interest and expertise tags (0 if either empty)
    availability  = 1 if free_slots > threshold else 0 (no calendar data: 0)
    past_success  = ((n * r + k * prior) / (n + k)) / 5, prior = the tier's rating mean over
                    rated mentors (sum n*r / sum n), or the neutral prior when none is rated
    score         = 0.5 * interest + 0.3 * availability + 0.2 * past_success

Eligibility (hard): peer mentors are PGY-2 or PGY-3 residents of the resident's program
and more senior; attending mentors are attendings; chair sponsors are chairs or vice
chairs of the resident's department; nobody mentors themselves.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from leadership.matching.model import Mentor, Resident, Settings

PEER_MENTOR_PGY = (2, 3)


@dataclass
class TierScores:
    tier: str
    eligible: np.ndarray  # bool [residents, mentors]
    interest: np.ndarray  # float [residents, mentors]
    availability: np.ndarray  # float [mentors]
    past_success: np.ndarray  # float [mentors]
    mentor_bonus: np.ndarray  # availability and past-success part of the score [mentors]
    score: np.ndarray  # float [residents, mentors]
    mentor_groups: list[list[int]]  # mentors interchangeable for every resident

    def no_candidate_reason(self, resident: Resident) -> str:
        if self.tier == "peer":
            return (
                f"no PGY-2 or PGY-3 resident of {resident.program or 'the same program'} is "
                f"more senior than this PGY-{resident.pgy_level or '?'} resident"
            )
        if self.tier == "chair_sponsor":
            return f"no chair or vice chair of {resident.department or 'the department'} is listed"
        return "no attending mentor is listed"


def interest_matrix(residents: Sequence[Resident], mentors: Sequence[Mentor]) -> np.ndarray:
    vocabulary = sorted(
        {t for r in residents for t in r.interests} | {t for m in mentors for t in m.expertise}
    )
    index = {tag: k for k, tag in enumerate(vocabulary)}
    resident_tags = np.zeros((len(residents), len(vocabulary)), dtype=np.float64)
    mentor_tags = np.zeros((len(mentors), len(vocabulary)), dtype=np.float64)
    for i, r in enumerate(residents):
        resident_tags[i, [index[t] for t in r.interests]] = 1.0
    for j, m in enumerate(mentors):
        mentor_tags[j, [index[t] for t in m.expertise]] = 1.0
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


def eligibility(tier: str, residents: Sequence[Resident], mentors: Sequence[Mentor]) -> np.ndarray:
    res_ids = np.array([r.person_id for r in residents], dtype=object)
    men_ids = np.array([m.person_id for m in mentors], dtype=object)
    not_self = res_ids[:, None] != men_ids[None, :]
    roles = np.array([m.role for m in mentors], dtype=object)
    if tier == "peer":
        res_program = np.array([r.program for r in residents], dtype=object)
        men_program = np.array([m.program for m in mentors], dtype=object)
        res_pgy = np.array([r.pgy_level or 0 for r in residents])
        men_pgy = np.array([m.pgy_level or 0 for m in mentors])
        mentor_ok = (roles == "resident") & np.isin(men_pgy, PEER_MENTOR_PGY)
        return (
            mentor_ok[None, :]
            & (res_program[:, None] == men_program[None, :])
            & (men_pgy[None, :] > res_pgy[:, None])
            & not_self
        )
    if tier == "chair_sponsor":
        res_dept = np.array([r.department for r in residents], dtype=object)
        men_dept = np.array([m.department for m in mentors], dtype=object)
        mentor_ok = np.isin(roles, ("chair", "vice_chair"))
        return mentor_ok[None, :] & (res_dept[:, None] == men_dept[None, :]) & not_self
    if tier == "attending":
        return (roles == "attending")[None, :] & not_self
    raise ValueError(f"unknown tier {tier!r}; tiers are peer, attending, chair_sponsor")


def score_tier(
    tier: str, residents: Sequence[Resident], mentors: Sequence[Mentor], settings: Settings
) -> TierScores:
    interest = interest_matrix(residents, mentors)
    free = np.array([m.free_slots if m.free_slots is not None else -np.inf for m in mentors])
    availability = (free > settings.availability_threshold).astype(np.float64)
    success = past_success(mentors, settings)
    bonus = settings.availability_weight * availability + settings.past_success_weight * success
    score = settings.interest_weight * interest + bonus[None, :]
    eligible = eligibility(tier, residents, mentors)
    groups: dict[tuple, list[int]] = defaultdict(list)
    for j, mentor in enumerate(mentors):
        groups[(mentor.expertise, eligible[:, j].tobytes())].append(j)
    return TierScores(
        tier, eligible, interest, availability, success, bonus, score, list(groups.values())
    )
