"""The HR summary PDF's readiness trend chart: drawn where there is a score, absent where not.

The marts-backed contents of the summaries are checked in ``tests/dbt/test_exports.py``;
this renders the chart itself and looks at the pixels of the page.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pypdfium2 as pdfium

from leadership.exports.hr_pdf import render_pdf

LINE_RGB = (0x1F, 0x5F, 0xA8)  # the LRS line and its points
THRESHOLD_RGB = (0xFF, 0x00, 0x00)  # the dashed 70 line and its label
THIN = 200  # the dash is 0.6 pt wide: anti-aliased, it is pink more than red


def summary(lrs: list[float | None]) -> dict[str, Any]:
    return {
        "quarter": "2026Q3",
        "as_of": "2026-09-30",
        "physician": {
            "physician_id": "W100001",
            "full_name": "Ana Example",
            "current_title": "Resident",
            "current_role_code": "RES",
            "current_pgy_level": 2,
            "department": "Medicine",
            "specialty": "Cardiology",
            "program": "Internal Medicine",
            "blueprint_stage": "resident",
        },
        "passport": [
            {"stage": "resident", "milestones_total": 6, "milestones_stamped": 0, "stamps": []}
        ],
        "readiness": [
            {
                "quarter": f"2026Q{n}",
                "lrs": score,
                "is_flagged": score is None or score < 70,
                "weakest_dimension": "financial_acumen",
            }
            for n, score in enumerate(lrs, start=1)
        ],
        "pods": [],
        "mentorship": {"as_mentor": [], "as_mentee": []},
        "fte_credits": [],
    }


def pixels_of(pdf: bytes, rgb: tuple[int, int, int], shades: int = 12) -> np.ndarray:
    """(row, column) of the first page's pixels within ``shades`` of ``rgb`` (summed over
    the channels; a thin line is anti-aliased into lighter shades)."""
    document = pdfium.PdfDocument(pdf)
    try:
        image = np.asarray(document[0].render(scale=2).to_pil().convert("RGB"), dtype=int)
    finally:
        document.close()
    near = (np.abs(image - np.array(rgb)).sum(axis=2) <= shades).nonzero()
    return np.column_stack(near)


def test_the_trend_chart_puts_each_score_above_or_below_the_dashed_70() -> None:
    pdf = render_pdf(summary([55.0, None, 85.0]))
    line, threshold = pixels_of(pdf, LINE_RGB), pixels_of(pdf, THRESHOLD_RGB, THIN)
    assert len(line) > 50 and len(threshold) > 50
    # rows grow downwards: the 85 point stands above the dashed 70 line, the 55 point below
    threshold_row = np.median(threshold[:, 0])
    assert line[:, 0].min() < threshold_row < line[:, 0].max()
    left, right = line[line[:, 1] < np.median(line[:, 1])], line[line[:, 1] > np.median(line[:, 1])]
    assert np.median(left[:, 0]) > threshold_row > np.median(right[:, 0])  # 55 low, 85 high


def test_a_summary_without_any_score_has_no_chart_and_renders_the_same_bytes_again() -> None:
    pdf = render_pdf(summary([None, None]))
    assert len(pixels_of(pdf, LINE_RGB)) == 0 and len(pixels_of(pdf, THRESHOLD_RGB, THIN)) == 0
    assert render_pdf(summary([None, None])) == pdf
    assert render_pdf(summary([72.0])) == render_pdf(summary([72.0]))
