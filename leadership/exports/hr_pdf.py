"""The HR leadership summary as a PDF: one readable page or two per physician (reportlab).

It renders the document :func:`leadership.exports.hr_summary.summaries` builds, section
by section, so the PDF and the JSON never disagree. ``invariant=1`` keeps reportlab's
clock and random document id out of the file: the same document, the same bytes.
"""

from __future__ import annotations

import io
from typing import Any

from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, Line, String
from reportlab.graphics.widgets.markers import makeMarker
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
        out.append(_trend_chart([s["quarter"] for s in scores], scored))
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


def _trend_chart(quarters: list[str], points: list[tuple[int, float]]) -> Drawing:
    """A small line chart of LRS by quarter with the 70 threshold dashed."""
    width, height = 5.5 * inch, 1.6 * inch
    drawing = Drawing(width, height)
    plot = LinePlot()
    plot.x, plot.y, plot.width, plot.height = 40, 22, width - 60, height - 34
    plot.data = [points]
    plot.lines[0].strokeColor = colors.HexColor("#1f5fa8")
    plot.lines[0].symbol = makeMarker("FilledCircle", size=4)
    plot.xValueAxis.valueMin, plot.xValueAxis.valueMax = -0.5, len(quarters) - 0.5
    plot.xValueAxis.valueSteps = list(range(len(quarters)))
    plot.xValueAxis.labelTextFormat = lambda v: quarters[round(v)] if 0 <= v < len(quarters) else ""
    plot.xValueAxis.labels.fontSize = 7
    plot.yValueAxis.valueMin, plot.yValueAxis.valueMax = 0, 100
    plot.yValueAxis.valueSteps = [0, 25, 50, 70, 100]
    plot.yValueAxis.labels.fontSize = 7
    drawing.add(plot)
    y70 = plot.y + plot.height * 0.70
    drawing.add(
        Line(
            plot.x,
            y70,
            plot.x + plot.width,
            y70,
            strokeColor=colors.red,
            strokeDashArray=[3, 2],
            strokeWidth=0.6,
        )
    )
    drawing.add(String(plot.x + plot.width + 3, y70 - 3, "70", fontSize=7, fillColor=colors.red))
    return drawing


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
