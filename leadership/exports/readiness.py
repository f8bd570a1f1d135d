"""The quarterly readiness review: coaching flags, the insufficient-data list, and who is told.

For the quarter under review, from ``marts.fct_readiness_scores``:

- every resident with an LRS below 70 (``is_flagged``) gets a row in
  ``program.coaching_flags`` naming the weakest dimension and the skill pods that
  train it (the ``pods`` seed); the resident's attending mentor (the attending-tier
  assignment in force on the quarter's last day) and the program director are told
  in the notification outbox;
- residents with fewer than three scored dimensions are listed apart ("insufficient
  data", never flagged as if they scored 0) and their program director is told once
  per program;
- both lists go to the file outbox (``readiness/<quarter>/``) for the program office.

Program directors are not people in HR's feed; their messages are addressed to the
role, ``program_director:<program>``, which the mail relay resolves.
Re-running a quarter updates the flags in place (a resident no longer flagged loses an
open flag) and queues no message twice (dedupe keys).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from leadership import warehouse
from leadership.exports import marts
from leadership.exports.outbox import Delivery, OutboxLocation
from leadership.notifications import queue_notification
from leadership.spreadsheet import csv_bytes

DIMENSIONS = [
    "strategic_insight",
    "financial_acumen",
    "team_leadership",
    "governance_experience",
    "mentorship_engagement",
]
FLAG_COLUMNS = [
    "quarter", "resident_id", "resident_name", "program", "lrs", "weakest_dimension",
    "weakest_dimension_label", "weakest_dimension_score", "suggested_pods",
    "suggested_pod_titles", "attending_mentor_id", "attending_mentor_name", *DIMENSIONS,
]  # fmt: skip
INSUFFICIENT_COLUMNS = [
    "quarter", "resident_id", "resident_name", "program", "dimensions_present",
    "attending_mentor_id", "attending_mentor_name", *DIMENSIONS,
]  # fmt: skip


def program_director(program: str | None) -> str:
    """The outbox address of a program's director (a role, resolved by the mail relay)."""
    return f"program_director:{program or 'unknown'}"


@dataclass
class ReadinessReview:
    quarter: str
    flagged: list[dict[str, Any]] = field(default_factory=list)
    insufficient: list[dict[str, Any]] = field(default_factory=list)
    notified: int = 0
    delivered: dict[str, Any] = field(default_factory=dict)

    def lines(self) -> list[str]:
        return [
            f"readiness review {self.quarter}: {len(self.flagged)} coaching flag(s) (LRS < 70), "
            f"{len(self.insufficient)} resident(s) with insufficient data, "
            f"{self.notified} new notification(s); files in {self.delivered.get('location')}"
            f"/readiness/{self.quarter}"
        ]


def _residents(quarter: str, where: str) -> list[dict[str, Any]]:
    end = marts.quarter_end(quarter)
    return marts.records(
        "select s.quarter, s.resident_id, p.full_name as resident_name, s.program, s.lrs,"
        " s.dimensions_present, s.weakest_dimension, "
        + ", ".join(f"s.{d}" for d in DIMENSIONS)
        + ", a.mentor_id as attending_mentor_id, m.full_name as attending_mentor_name"
        " from marts.fct_readiness_scores as s"
        " left join marts.dim_physicians as p on p.physician_id = s.resident_id"
        " left join program.assignments as a on a.resident_id = s.resident_id"
        "  and a.tier = 'attending' and a.valid_from <= %s"
        "  and (a.valid_to is null or a.valid_to > %s)"
        " left join marts.dim_physicians as m on m.physician_id = a.mentor_id"
        f" where s.quarter = %s and {where} order by s.resident_id",
        (end, end, quarter),
    )


def _pods_by_dimension() -> tuple[dict[str, str], dict[str, list[tuple[str, str]]]]:
    labels = dict(
        marts.query("select lrs_dimension, dimension_label from marts.dim_lrs_dimensions")[1]
    )
    pods: dict[str, list[tuple[str, str]]] = {}
    for code, title, dimension in marts.query(
        "select pod_code, pod_title, lrs_dimension from marts.dim_pods order by pod_code"
    )[1]:
        pods.setdefault(dimension, []).append((code, title))
    return labels, pods


def review_readiness(quarter: str, *, location: OutboxLocation | None = None) -> ReadinessReview:
    """Flag, list and notify for ``quarter``; deliver both lists; return what was done."""
    marts.require(
        "marts.fct_readiness_scores", "marts.dim_physicians", "marts.dim_pods",
        "marts.dim_lrs_dimensions",
    )  # fmt: skip
    labels, pods = _pods_by_dimension()
    review = ReadinessReview(quarter)
    review.flagged = _residents(quarter, "s.is_flagged")
    review.insufficient = _residents(quarter, "s.readiness_status = 'insufficient_data'")
    for row in review.flagged:
        weakest = row["weakest_dimension"]
        row["weakest_dimension_label"] = labels.get(weakest, weakest)
        row["weakest_dimension_score"] = row.get(weakest)
        row["suggested_pods"] = ";".join(code for code, _ in pods.get(weakest, []))
        row["suggested_pod_titles"] = "; ".join(title for _, title in pods.get(weakest, []))
    with warehouse.transaction() as conn:
        _write_flags(conn, quarter, review.flagged)
        review.notified = sum(_notify_flag(conn, quarter, row) for row in review.flagged)
        review.notified += _notify_insufficient(conn, quarter, review.insufficient)
    delivery = Delivery("readiness", quarter)
    for name, columns, rows in (
        ("coaching_flags.csv", FLAG_COLUMNS, review.flagged),
        ("insufficient_data.csv", INSUFFICIENT_COLUMNS, review.insufficient),
    ):
        delivery.add(
            name, csv_bytes(columns, ([r.get(c) for c in columns] for r in rows)), len(rows)
        )
    review.delivered = delivery.write(location)
    return review


def _write_flags(conn: Any, quarter: str, flagged: list[dict[str, Any]]) -> None:
    for row in flagged:
        conn.exec_driver_sql(
            "insert into program.coaching_flags (quarter, resident_id, lrs, weakest_dimension,"
            " suggested_pods) values (%s, %s, %s, %s, %s)"
            " on conflict (quarter, resident_id) do update set lrs = excluded.lrs,"
            " weakest_dimension = excluded.weakest_dimension,"
            " suggested_pods = excluded.suggested_pods",
            (
                quarter,
                row["resident_id"],
                row["lrs"],
                row["weakest_dimension"],
                row["suggested_pods"],
            ),
        )
    conn.exec_driver_sql(
        "delete from program.coaching_flags where quarter = %s and status = 'open'"
        " and not (resident_id = any(%s))",
        (quarter, [row["resident_id"] for row in flagged]),
    )


def _notify_flag(conn: Any, quarter: str, row: dict[str, Any]) -> int:
    resident = f"{row['resident_name'] or row['resident_id']} ({row['resident_id']})"
    pods = row["suggested_pod_titles"]
    training = (
        f"Skill pods that train it: {pods}."
        if pods
        else "No skill pod trains it: plan mentor meetings and on-time contract deliverables."
    )
    body = (
        f"{resident}, {row['program']}, has a Leadership Readiness Score of {row['lrs']} for "
        f"{quarter} (below 70): a coaching session is due. Weakest dimension: "
        f"{row['weakest_dimension_label']} ({row['weakest_dimension_score']}). {training}"
    )
    payload = {k: marts.plain(row.get(k)) for k in FLAG_COLUMNS}
    recipients = [(program_director(row["program"]), "program_director")]
    if row["attending_mentor_id"]:
        recipients.insert(0, (row["attending_mentor_id"], "attending_mentor"))
    return sum(
        queue_notification(
            conn,
            kind="coaching_flag",
            quarter=quarter,
            recipient_id=recipient,
            subject=f"Coaching session due: {resident}, {quarter}",
            body=body,
            payload={**payload, "recipient_role": role},
            dedupe_key=f"coaching_flag:{quarter}:{row['resident_id']}:{role}:{recipient}",
        )
        for recipient, role in recipients
    )


def _notify_insufficient(conn: Any, quarter: str, rows: list[dict[str, Any]]) -> int:
    by_program: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_program.setdefault(row["program"] or "unknown", []).append(row)
    sent = 0
    for program, residents in sorted(by_program.items()):
        names = ", ".join(
            f"{r['resident_name'] or r['resident_id']} ({r['resident_id']})" for r in residents
        )
        sent += queue_notification(
            conn,
            kind="readiness_insufficient_data",
            quarter=quarter,
            recipient_id=program_director(program),
            subject=f"{len(residents)} resident(s) without enough readiness data, {quarter}",
            body=(
                f"These {program} residents have fewer than three scored readiness dimensions "
                f"for {quarter}, so no LRS (not a score of 0): {names}. Check their surveys "
                "and skill-pod work."
            ),
            payload={"program": program, "residents": [r["resident_id"] for r in residents]},
            dedupe_key=f"readiness_insufficient_data:{quarter}:{program}",
        )
    return sent
