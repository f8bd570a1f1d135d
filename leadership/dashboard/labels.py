"""What the dashboard calls the marts' codes (tiers, KPI metrics, column names).

Kept apart from the Streamlit script so the tests can read the same labels the
page shows without running the page.
"""

from __future__ import annotations

TIER_LABELS = {
    "peer": "Peer mentor",
    "attending": "Senior attending",
    "chair_sponsor": "Chair sponsor",
}
METRIC_LABELS = {
    "retention_rate": "Retention rate",
    "satisfaction_index": "Satisfaction index (0-100)",
    "satisfaction_mean_rating": "Mean mentorship rating (1-5)",
    "promotion_years_residency_to_fellowship": "Years, residency to fellowship",
    "promotion_years_fellowship_to_attending": "Years, fellowship to attending",
    "promotion_years_residency_to_attending": "Years, residency to attending",
    "promotion_years_attending_to_division_chief": "Years, attending to division chief",
    "promotion_years_attending_to_chair": "Years, attending to chair",
    **{f"mentorship_coverage_{t}": f"Coverage, {name.lower()}" for t, name in TIER_LABELS.items()},
}


def label(code: str) -> str:
    """A code as a heading: ``mentor_tier`` -> ``Mentor tier``."""
    return code.replace("_", " ").capitalize()


def metric_label(metric: str) -> str:
    return METRIC_LABELS.get(metric, label(metric))


def slice_label(slice_type: str, slice_value: str) -> str:
    """A KPI slice as a column heading: ``Cohort: entered 2024``."""
    if slice_type == "overall":
        return "Whole institution"
    return f"{label(slice_type)}: {slice_value}"
