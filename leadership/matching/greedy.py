"""The blueprint's greedy pick, kept as the baseline the exact engine is measured against.

Residents in id order each take their best-scoring eligible mentor with capacity left.
Fast and simple, but neither maximum in matches nor in total score.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from leadership.matching.model import Mentor, Resident, Settings
from leadership.matching.scoring import score_tier


def greedy_tier(
    tier: str,
    residents: Sequence[Resident],
    mentors: Sequence[Mentor],
    settings: Settings | None = None,
) -> tuple[int, float]:
    """Matched count and total score of the greedy pick."""
    settings = settings or Settings()
    residents = sorted(residents, key=lambda r: r.person_id)
    mentors = sorted(mentors, key=lambda m: m.person_id)
    scores = score_tier(tier, residents, mentors, settings)
    left = np.array([m.capacity for m in mentors], dtype=np.int64)
    everyone = np.arange(len(mentors))
    matched, total = 0, 0.0
    for i in range(len(residents)):
        eligible = scores.eligible_block([i], everyone)[0]
        score = scores.score_block([i], everyone)[0]
        options = np.where(eligible & (left > 0), score, -np.inf)
        j = int(np.argmax(options))
        if np.isfinite(options[j]):
            left[j] -= 1
            matched += 1
            total += float(score[j])
    return matched, total
