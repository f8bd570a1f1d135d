"""The tiered mentor-matching engine (DESIGN.md, Matching engine).

For each tier (peer, attending, chair_sponsor) every resident-mentor pair gets

    score = 0.5 * interest + 0.3 * availability + 0.2 * past_success

(weights, availability threshold, k and capacities are :class:`Settings`); hard
eligibility rules decide which pairs may exist; and the engine finds, exactly, the
assignment that matches as many residents as possible and, among those, has the
highest total score. Same input, same output; every assignment carries its component
scores, every unmatched resident a reason. Demographics are never an input.
"""

from leadership.matching.engine import match, match_tier
from leadership.matching.model import Assignment, Mentor, Resident, Settings, TierResult

__all__ = ["Assignment", "Mentor", "Resident", "Settings", "TierResult", "match", "match_tier"]
