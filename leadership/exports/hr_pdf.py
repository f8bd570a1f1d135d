"""The HR leadership summary as a PDF: one readable page or two per physician (reportlab).

It renders the document :func:`leadership.exports.hr_summary.summaries` builds, section
by section, so the PDF and the JSON never disagree. ``invariant=1`` keeps reportlab's
clock and random document id out of the file: the same document, the same bytes.
"""

from __future__ import annotations

import io
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import letter
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import inch
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Table, TableStyle
from reportlab.platypus.flowables import Flowable

STYLES = getSampleStyleSheet()
STYLES.add(ParagraphStyle("Cell", parent=STYLES["BodyText"], fontSize=8.5, leading=10))
STAGE_LABELS = {
    "resident": "Resident (exposure)",
    "fellow": "Fellow (depth)",
    "early_career_attending": "Early-career attending (execution)",
}
TIER_LABELS = {
    "peer": "Peer mentor",
    "attending": "Senior attending mentor",
    "chair_sponsor": "Chair sponsor",
}
GRID = TableStyle(
    [
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8.5),
        ("FONT", (0, 1), (-1, -1), "Helvetica", 8.5),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#dfe7f2")),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#b8c4d6")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
)


def render_pdf(doc: dict[str, Any]) -> bytes:
    """The PDF bytes of one summary document."""
    person = doc["physician"]
    buffer = io.BytesIO()
    pdf = SimpleDocTemplate(
        buffer,
        pagesize=letter,
        invariant=1,
        title=f"Leadership summary: {person['full_name']}, {doc['quarter']}",
        author="Leadership Passport Platform",
        leftMargin=0.7 * inch,
        rightMargin=0.7 * inch,
        topMargin=0.6 * inch,
        bottomMargin=0.6 * inch,
    )
    story: list[Flowable] = [*_header(doc)]
    for section in (
        _passport(doc["passport"]),
        _readiness(doc["readiness"]),
        _pods(doc["pods"]),
        *_mentorship(doc["mentorship"], doc["fte_credits"]),
    ):
        # a heading never ends a page: it stays with what follows it
        story += [KeepTogether(section[:2]), *section[2:]]
    pdf.build(story)
    return buffer.getvalue()


def _p(text: Any, style: str = "BodyText") -> Paragraph:
    escaped = str(text if text is not None else "").replace("&", "&amp;").replace("<", "&lt;")
    return Paragraph(escaped, STYLES[style])


def _table(header: list[str], rows: list[list[Any]], widths: list[float]) -> Table:
    cells = [header, *[[_cell(v) for v in row] for row in rows]]
    table = Table(cells, colWidths=[w * inch for w in widths], repeatRows=1, hAlign="LEFT")
    table.setStyle(GRID)
    return table


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    return value if isinstance(value, Flowable) else str(value)


def _header(doc: dict[str, Any]) -> list[Flowable]:
    p = doc["physician"]
    role = p["current_title"] or p["current_role_code"] or ""
    pgy = f", PGY-{p['current_pgy_level']}" if p.get("current_pgy_level") else ""
    pgy = "" if "PGY" in role else pgy
    where = ", ".join(x for x in (p["department"], p["specialty"], p["program"]) if x)
    return [
        _p(f"Leadership summary: {p['full_name']}", "Title"),
        _p(f"{p['physician_id']} \u00b7 {role}{pgy} \u00b7 {where}"),
        _p(
            f"Blueprint stage: {STAGE_LABELS.get(p['blueprint_stage'], p['blueprint_stage'])}. "
            f"Quarter {doc['quarter']}, as of {doc['as_of']}."
        ),
    ]


def _passport(stages: list[dict[str, Any]]) -> list[Flowable]:
    out: list[Flowable] = [_p("Leadership Passport stamps by stage", "Heading2")]
    for stage in stages:
        total, stamped = stage.get("milestones_total"), stage.get("milestones_stamped") or 0
        progress = f"{stamped} of {total} milestones" if total else "no milestones"
        out.append(_p(f"{STAGE_LABELS[stage['stage']]}: {progress}", "Heading4"))
        if stage["stamps"]:
            rows = [
                [
                    _p(s["milestone_title"], "Cell"),
                    s["dimension_label"],
                    s["stamped_on"],
                    s["evidence_source"],
                ]
                for s in stage["stamps"]
            ]
            out.append(
                _table(
                    ["Milestone", "Dimension", "Stamped", "Evidence"], rows, [3.4, 1.6, 0.9, 1.0]
                )
            )
        else:
            out.append(_p("No stamp yet."))
    return out


def _readiness(scores: list[dict[str, Any]]) -> list[Flowable]:
    out: list[Flowable] = [_p("Leadership Readiness Score trend", "Heading2")]
    if not scores:
        return [*out, _p("No readiness score: the LRS is computed for residents.")]
    scored = [(i, s["lrs"]) for i, s in enumerate(scores) if s["lrs"] is not None]
    if scored:
        out.append(_TrendChart([s["quarter"] for s in scores], scored))
    rows = [
        [
            s["quarter"],
            s["lrs"] if s["lrs"] is not None else "insufficient data",
            "coaching session" if s["is_flagged"] else "",
            (s["weakest_dimension"] or "").replace("_", " "),
        ]
        for s in scores
    ]
    out.append(
        _table(["Quarter", "LRS", "Flag (< 70)", "Weakest dimension"], rows, [0.9, 1.2, 1.3, 2.0])
    )
    return out


class _TrendChart(Flowable):
    """A small line chart of LRS by quarter with the 70 threshold dashed.

    Drawn with the canvas's own lines and circles: reportlab's chart widgets validate
    every attribute they set, which took more than half of each summary's rendering
    time, and a network's quarter renders hundreds of thousands of summaries.
    """

    LINE = colors.HexColor("#1f5fa8")
    TICKS = (0, 25, 50, 70, 100)

    def __init__(self, quarters: list[str], points: list[tuple[int, float]]) -> None:
        super().__init__()
        self.quarters, self.points = quarters, points
        self.width, self.height = 5.5 * inch, 1.6 * inch
        self.left, self.bottom = 40.0, 22.0
        self.plot_width, self.plot_height = self.width - 60, self.height - 34

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def _x(self, position: float) -> float:  # quarters sit at 0 .. n-1, half a step inside
        return self.left + self.plot_width * (position + 0.5) / len(self.quarters)

    def _y(self, lrs: float) -> float:
        return self.bottom + self.plot_height * lrs / 100

    def draw(self) -> None:
        canvas, right = self.canv, self.left + self.plot_width
        canvas.saveState()
        canvas.setLineWidth(1)
        canvas.setStrokeColor(colors.black)
        canvas.line(self.left, self.bottom, right, self.bottom)
        canvas.line(self.left, self.bottom, self.left, self._y(100))
        canvas.setFont("Helvetica", 7)
        for tick in self.TICKS:
            canvas.line(self.left - 5, self._y(tick), self.left, self._y(tick))
            canvas.drawRightString(self.left - 7, self._y(tick) - 2.5, str(tick))
        for position, quarter in enumerate(self.quarters):
            canvas.line(self._x(position), self.bottom, self._x(position), self.bottom - 5)
            canvas.drawCentredString(self._x(position), self.bottom - 13, quarter)
        canvas.saveState()  # the threshold under the scores: a point at 69.9 stays visible
        canvas.setStrokeColor(colors.red)
        canvas.setFillColor(colors.red)
        canvas.setLineWidth(0.6)
        canvas.setDash([3, 2])
        canvas.line(self.left, self._y(70), right, self._y(70))
        canvas.drawString(right + 3, self._y(70) - 3, "70")
        canvas.restoreState()
        canvas.setStrokeColor(self.LINE)
        canvas.setFillColor(self.LINE)
        (first_x, first_lrs), *rest = self.points
        path = canvas.beginPath()
        path.moveTo(self._x(first_x), self._y(first_lrs))
        for position, lrs in rest:
            path.lineTo(self._x(position), self._y(lrs))
        canvas.drawPath(path, stroke=1, fill=0)
        for position, lrs in self.points:
            canvas.circle(self._x(position), self._y(lrs), 2, stroke=0, fill=1)
        canvas.restoreState()


def _pods(pods: list[dict[str, Any]]) -> list[Flowable]:
    out: list[Flowable] = [_p("Skill pods and rubric scores", "Heading2")]
    if not pods:
        return [*out, _p("No graded skill pod yet.")]
    rows = [
        [
            p["pod_title"],
            (p["lrs_dimension"] or "").replace("_", " "),
            f"{p['points']} / {p['max_points']}",
            p["score_pct"],
            p["graded_on"],
        ]
        for p in pods
    ]
    return [
        *out,
        _table(
            ["Pod", "Dimension", "Rubric points", "Score %", "Graded"],
            rows,
            [2.6, 1.5, 1.0, 0.7, 0.9],
        ),
    ]


def _mentorship(
    roles: dict[str, list[dict[str, Any]]], credits: list[dict[str, Any]]
) -> tuple[list[Flowable], list[Flowable]]:
    out: list[Flowable] = [_p("Mentorship roles", "Heading2")]
    rows = [
        [
            "Mentor",
            TIER_LABELS.get(r["tier"], r["tier"]),
            f"{r['mentee_name']} ({r['mentee_id']})",
            r["since"],
        ]
        for r in roles["as_mentor"]
    ] + [
        [
            "Mentee",
            TIER_LABELS.get(r["tier"], r["tier"]),
            f"{r['mentor_name']} ({r['mentor_id']})",
            r["since"],
        ]
        for r in roles["as_mentee"]
    ]
    if rows:
        out.append(_table(["Role", "Tier", "With", "Since"], rows, [0.8, 1.8, 3.0, 0.9]))
    else:
        out.append(_p("No mentorship assignment in force."))
    fte: list[Flowable] = [_p("Mentor FTE credits", "Heading2")]
    if not credits:
        return out, [
            *fte,
            _p("No FTE credit (0.05 FTE per resident mentored for a full academic year)."),
        ]
    rows = [
        [
            c["academic_year"],
            c["residents_mentored"],
            c["residents_mentored_full_year"],
            f"{c['fte_credit']:.2f}",
            "complete" if c["is_year_complete"] else "in progress",
        ]
        for c in credits
    ]
    return out, [
        *fte,
        _table(
            ["Academic year", "Residents mentored", "Full year", "FTE credit", "Year"],
            rows,
            [1.2, 1.4, 0.9, 0.9, 1.0],
        ),
    ]
