"""HR leadership summaries: the passport summarised, per physician, as a JSON document and a PDF.

For HR's promotion files and its API, in ``hr-summaries/<quarter>/<physician_id>.json``
and ``.pdf``, for every active physician in a blueprint stage (resident, fellow,
early-career attending) or holding a mentorship role or FTE credit:

- passport stamps by stage (milestone, date, evidence) with each stage's progress;
- the Leadership Readiness Score trend (quarters up to the one reviewed);
- skill pods and their rubric scores (graded by the quarter's end);
- mentorship roles in force at the quarter's end (as mentor and as mentee);
- mentor FTE credits per academic year.

:func:`summaries` builds the documents (plain dicts); the JSON is that dict and the
PDF renders the same dict (:mod:`leadership.exports.hr_pdf`), so both carry one content.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import re
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from leadership.exports import marts
from leadership.exports.hr_pdf import render_pdf
from leadership.exports.outbox import Delivery, OutboxLocation

log = logging.getLogger(__name__)
SCHEMA = "leadership-summary/1"
PARALLEL_FROM = 300  # fewer PDFs render faster than worker processes start
MAX_PDF_WORKERS = 8
PDF_CHUNK = 50
STAGES = ["resident", "fellow", "early_career_attending"]
DIMENSIONS = [
    "strategic_insight", "financial_acumen", "team_leadership", "governance_experience",
    "mentorship_engagement",
]  # fmt: skip


def _grouped(sql: str, params: tuple[Any, ...], key: str = "physician_id") -> dict[str, list[dict]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in marts.records(sql, params):
        out[row.pop(key)].append({k: marts.plain(v) for k, v in row.items()})
    return out


def summaries(quarter: str, physician_ids: list[str] | None = None) -> list[dict[str, Any]]:
    """One summary document per physician (sorted by id), as of ``quarter``'s end."""
    marts.require(
        "marts.dim_physicians", "marts.fct_passport_stamps", "marts.fct_passport_progress",
        "marts.fct_readiness_scores", "marts.fct_mentor_fte_credits",
        "marts.fct_pod_rubric_scores", "marts.dim_pods", "marts.dim_milestones",
    )  # fmt: skip
    end = marts.quarter_end(quarter)
    in_force = "a.valid_from <= %s and (a.valid_to is null or a.valid_to > %s)"
    stamps = _grouped(
        "select s.physician_id, s.stage, s.milestone_code, m.milestone_title, m.dimension_label,"
        " s.stamped_at::date as stamped_on, s.evidence_source, s.evidence_id"
        " from marts.fct_passport_stamps as s"
        " join marts.dim_milestones as m on m.milestone_code = s.milestone_code"
        " where s.stamped_at::date <= %s order by s.physician_id, s.stamped_at, s.milestone_code",
        (end,),
    )
    progress = _grouped(
        "select physician_id, stage, milestones_total, milestones_stamped, progress_pct,"
        " is_current_stage from marts.fct_passport_progress order by physician_id, stage",
        (),
    )
    readiness = _grouped(
        "select resident_id as physician_id, quarter, lrs, readiness_status, is_flagged,"
        f" weakest_dimension, {', '.join(DIMENSIONS)} from marts.fct_readiness_scores"
        " where quarter <= %s order by resident_id, quarter",
        (quarter,),
    )
    pods = _grouped(
        "select r.physician_id, r.pod_code, p.pod_title, r.lrs_dimension, r.points,"
        " r.max_points, round(r.score_pct, 1) as score_pct, r.graded_at::date as graded_on"
        " from marts.fct_pod_rubric_scores as r"
        " join marts.dim_pods as p on p.pod_code = r.pod_code"
        " where r.graded_at::date <= %s order by r.physician_id, r.graded_at, r.submission_id",
        (end,),
    )
    as_mentor = _grouped(
        "select a.mentor_id as physician_id, a.tier, a.resident_id as mentee_id,"
        " p.full_name as mentee_name, a.valid_from as since from program.assignments as a"
        f" left join marts.dim_physicians as p on p.physician_id = a.resident_id where {in_force}"
        " order by a.mentor_id, a.tier, a.resident_id",
        (end, end),
    )
    as_mentee = _grouped(
        "select a.resident_id as physician_id, a.tier, a.mentor_id, p.full_name as mentor_name,"
        " a.valid_from as since from program.assignments as a"
        f" left join marts.dim_physicians as p on p.physician_id = a.mentor_id where {in_force}"
        " order by a.resident_id, a.tier",
        (end, end),
    )
    fte = _grouped(
        "select mentor_id as physician_id, academic_year, is_year_complete, residents_mentored,"
        " residents_mentored_full_year, fte_credit from marts.fct_mentor_fte_credits"
        " where academic_year_start <= %s order by mentor_id, academic_year",
        (end,),
    )
    people = marts.records(
        "select physician_id, full_name, email, department, specialty, program, current_role_code,"
        " current_title, current_pgy_level, blueprint_stage from marts.dim_physicians"
        " where is_active order by physician_id",
    )
    wanted = set(physician_ids) if physician_ids is not None else None
    out = []
    for person in people:
        pid = person["physician_id"]
        in_program = person["blueprint_stage"] in STAGES or pid in as_mentor or pid in fte
        if (wanted is not None and pid not in wanted) or (wanted is None and not in_program):
            continue
        out.append(
            {
                "schema": SCHEMA,
                "quarter": quarter,
                "as_of": end.isoformat(),
                "physician": {k: marts.plain(v) for k, v in person.items()},
                "passport": _passport(progress.get(pid, []), stamps.get(pid, [])),
                "readiness": readiness.get(pid, []),
                "pods": pods.get(pid, []),
                "mentorship": {
                    "as_mentor": as_mentor.get(pid, []),
                    "as_mentee": as_mentee.get(pid, []),
                },
                "fte_credits": fte.get(pid, []),
            }
        )
    return out


def _passport(progress: list[dict[str, Any]], stamps: list[dict[str, Any]]) -> list[dict]:
    by_stage = {p["stage"]: p for p in progress}
    return [
        {
            "stage": stage,
            **{k: v for k, v in by_stage.get(stage, {}).items() if k != "stage"},
            "stamps": [
                {k: v for k, v in s.items() if k != "stage"} for s in stamps if s["stage"] == stage
            ],
        }
        for stage in STAGES
    ]


def json_bytes(document: dict[str, Any]) -> bytes:
    return (json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def render_pdfs(documents: list[dict[str, Any]]) -> list[bytes]:
    """Every document's PDF, in order. Rendering is CPU work: an institution's thousands
    of summaries are spread over every core (each PDF's bytes are the same either way)."""
    workers = min(os.cpu_count() or 1, MAX_PDF_WORKERS)
    if len(documents) < PARALLEL_FROM or workers < 2:
        return [render_pdf(document) for document in documents]
    # spawn: a clean interpreter per worker, safe inside Airflow's task processes too
    context = multiprocessing.get_context("spawn")
    try:
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            return list(pool.map(render_pdf, documents, chunksize=PDF_CHUNK))
    except (OSError, BrokenProcessPool) as exc:  # e.g. an environment too large to exec
        log.warning("PDF worker processes failed (%s); rendering in this process", exc)
        return [render_pdf(document) for document in documents]


def hr_delivery(quarter: str, physician_ids: list[str] | None = None) -> Delivery:
    delivery = Delivery("hr-summaries", quarter)
    documents = summaries(quarter, physician_ids)
    for document, pdf in zip(documents, render_pdfs(documents), strict=True):
        name = re.sub(r"[^A-Za-z0-9_.-]", "_", document["physician"]["physician_id"])
        delivery.add(f"{name}.json", json_bytes(document), 1)
        delivery.add(f"{name}.pdf", pdf, 1)
    return delivery


def run_hr_summaries(
    quarter: str, *, location: OutboxLocation | None = None, physician_ids: list[str] | None = None
) -> dict[str, Any]:
    return hr_delivery(quarter, physician_ids).write(location)
