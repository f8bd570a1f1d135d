"""The matching engine's inputs, settings and results (the shapes of R.csv, M.csv and A.csv)."""

from __future__ import annotations

from dataclasses import dataclass, field

TIERS = ("peer", "attending", "chair_sponsor")
MENTOR_ROLES = ("resident", "attending", "chair", "vice_chair")


@dataclass(frozen=True)
class Resident:
    person_id: str
    program: str
    department: str
    specialty: str
    pgy_level: int | None
    interests: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Mentor:
    person_id: str
    tier: str
    program: str
    department: str
    specialty: str
    pgy_level: int | None
    role: str
    expertise: frozenset[str] = frozenset()
    free_slots: float | None = None
    past_rating: float | None = None
    n_ratings: int = 0
    capacity: int = 1


@dataclass(frozen=True)
class Settings:
    """The blueprint's values are the defaults; every one is configuration."""

    interest_weight: float = 0.5
    availability_weight: float = 0.3
    past_success_weight: float = 0.2
    availability_threshold: float = 2.0  # available when free_slots > threshold
    prior_strength: float = 3.0  # k in the past-success shrinkage
    neutral_prior: float = 3.0  # the tier's prior when no mentor is rated
    notify_threshold: float = 0.80
    tiers: tuple[str, ...] = TIERS


@dataclass(frozen=True)
class Assignment:
    """One row of A.csv: a resident and tier, matched (mentor_id set) or not (reason set)."""

    resident_id: str
    tier: str
    mentor_id: str | None
    score: float | None = None
    interest: float | None = None
    availability: float | None = None
    past_success: float | None = None
    notify: bool = False
    reason: str = ""
    kept: bool = False  # an existing pair kept by the quarterly refresh


@dataclass
class TierResult:
    tier: str
    assignments: list[Assignment] = field(default_factory=list)
    seconds: float = 0.0
    exact_total: float = 0.0  # the total score before rounding for display

    @property
    def matched(self) -> list[Assignment]:
        return [a for a in self.assignments if a.mentor_id]

    @property
    def total_score(self) -> float:
        return sum(a.score or 0.0 for a in self.matched)
