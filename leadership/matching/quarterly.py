"""The quarterly matching run: marts in, ``program.assignments`` (with history) out.

Reads the match-input marts (``marts.fct_resident_match_inputs``,
``marts.fct_mentor_candidates``) and the assignments in force, runs the engine
(keeping current pairs whose mentor is still eligible, unless a full re-match is
asked), and writes in one transaction:

- ``program.match_runs``: the run, its settings and a summary;
- ``program.assignments``: pairs that changed are closed (``valid_to``) and new pairs
  open on the quarter's first day; unchanged pairs are left alone, so re-running a
  quarter changes nothing;
- ``program.unmatched``: every resident and tier left without a mentor, with the reason;
- ``program.notifications``: one message per new pair scoring at least the notify
  threshold, addressed to the mentor (idempotent by key).
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from leadership import warehouse
from leadership.matching.engine import match
from leadership.matching.model import Assignment, Mentor, Resident, Settings, TierResult
from leadership.notifications import queue_notification

log = logging.getLogger(__name__)


class MatchingInputsMissing(RuntimeError):
    """The match-input marts are not built yet; the message says what to run."""


@dataclass
class MatchRunSummary:
    run_id: int
    quarter: str
    full_rematch: bool
    per_tier: dict[str, dict[str, Any]] = field(default_factory=dict)
    opened: int = 0
    closed: int = 0
    kept: int = 0
    notified: int = 0

    def lines(self) -> list[str]:
        out = [
            f"matching run {self.run_id} for {self.quarter}"
            f"{' (full re-match)' if self.full_rematch else ''}: {self.opened} new pair(s), "
            f"{self.kept} kept, {self.closed} closed, {self.notified} mentor notification(s)"
        ]
        for tier, info in self.per_tier.items():
            out.append(
                f"  {tier:<14} matched {info['matched']:>5} of {info['residents']:>5}"
                f"  mean score {info['mean_score']:.3f}  in {info['seconds']:.2f}s"
            )
        return out


def quarter_start(quarter: str) -> date:
    year, q = int(quarter[:4]), int(quarter[-1])
    if len(quarter) != 6 or quarter[4] != "Q" or q not in (1, 2, 3, 4):
        raise ValueError(f"{quarter!r} is not a quarter like 2026Q3")
    return date(year, 3 * (q - 1) + 1, 1)


def quarter_of(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def _tags(text: str | None) -> frozenset[str]:
    return frozenset(t.strip().lower() for t in (text or "").split(";") if t.strip())


def load_inputs() -> tuple[list[Resident], list[Mentor]]:
    with warehouse.transaction() as conn:
        present = conn.exec_driver_sql(
            "select to_regclass('marts.fct_resident_match_inputs') is not null"
            " and to_regclass('marts.fct_mentor_candidates') is not null"
        ).scalar()
        if not present:
            raise MatchingInputsMissing(
                "the match-input marts are missing: sync HR (and surveys, calendar) and run "
                "the warehouse build first (`leadership dbt build`)"
            )
        residents = [
            Resident(r[0], r[1] or "", r[2] or "", r[3] or "", r[4], _tags(r[5]))
            for r in conn.exec_driver_sql(
                "select resident_id, program, department, specialty, pgy_level, interests"
                " from marts.fct_resident_match_inputs order by resident_id"
            )
        ]
        mentors = [
            Mentor(
                m[0],
                m[1],
                m[2] or "",
                m[3] or "",
                m[4] or "",
                m[5],
                m[6],
                _tags(m[7]),
                float(m[8]) if m[8] is not None else None,
                float(m[9]) if m[9] is not None else None,
                int(m[10] or 0),
                int(m[11] or 0),
            )
            for m in conn.exec_driver_sql(
                "select mentor_id, tier, program, department, specialty, pgy_level, mentor_role,"
                " expertise, free_slots, past_rating, n_ratings, capacity"
                " from marts.fct_mentor_candidates order by mentor_id, tier"
            )
        ]
    return residents, mentors


def current_pairs() -> dict[tuple[str, str], tuple[int, str]]:
    """(resident, tier) -> (assignment id, mentor) for the assignments in force."""
    with warehouse.transaction() as conn:
        rows = conn.exec_driver_sql(
            "select resident_id, tier, assignment_id, mentor_id from program.assignments"
            " where valid_to is null"
        ).all()
    return {(r[0], r[1]): (r[2], r[3]) for r in rows}


class MatchingHistoryError(RuntimeError):
    """Matching for a quarter before one already matched would rewrite assignment history."""


def refuse_to_rewrite_history(quarter: str) -> None:
    with warehouse.transaction() as conn:
        later = conn.exec_driver_sql(
            "select max(quarter) from program.match_runs where quarter > %s", (quarter,)
        ).scalar()
    if later:
        raise MatchingHistoryError(
            f"mentors are already matched for {later}: matching {quarter} now would rewrite "
            f"the assignment history. Matching only moves forward; run {later} or a later "
            "quarter instead (readiness reviews and exports of past quarters backfill fine)"
        )


def run_matching(
    quarter: str | None = None,
    *,
    full_rematch: bool = False,
    settings: Settings | None = None,
) -> MatchRunSummary:
    """Match every tier for ``quarter`` (default: the current one) and write the results."""
    settings = settings or Settings()
    quarter = quarter or quarter_of(date.today())
    starts = quarter_start(quarter)
    refuse_to_rewrite_history(quarter)
    residents, mentors = load_inputs()
    current = current_pairs()
    keep = {} if full_rematch else {key: mentor for key, (_, mentor) in current.items()}
    results = match(residents, mentors, settings, keep=keep)
    return _write(quarter, starts, full_rematch, settings, results, current, residents)


def _write(
    quarter: str,
    starts: date,
    full_rematch: bool,
    settings: Settings,
    results: list[TierResult],
    current: dict[tuple[str, str], tuple[int, str]],
    residents: list[Resident],
) -> MatchRunSummary:
    with warehouse.transaction() as conn:
        run_id = conn.exec_driver_sql(
            "insert into program.match_runs (quarter, full_rematch, settings)"
            " values (%s, %s, %s) returning run_id",
            (quarter, full_rematch, json.dumps(asdict(settings))),
        ).scalar_one()
        summary = MatchRunSummary(run_id, quarter, full_rematch)
        for result in results:
            matched = result.matched
            summary.per_tier[result.tier] = {
                "residents": len(result.assignments),
                "matched": len(matched),
                "mean_score": (sum(a.score or 0 for a in matched) / len(matched))
                if matched
                else 0.0,
                "seconds": result.seconds,
            }
            for a in result.assignments:
                key = (a.resident_id, a.tier)
                existing = current.get(key)
                if existing and existing[1] == a.mentor_id:
                    summary.kept += 1
                    continue
                if existing:
                    _close(conn, existing[0], starts)
                    summary.closed += 1
                if a.mentor_id:
                    _open(conn, run_id, a, starts)
                    summary.opened += 1
                    if a.notify:
                        summary.notified += _notify(conn, quarter, a)
                else:
                    conn.exec_driver_sql(
                        "insert into program.unmatched (run_id, resident_id, tier, reason)"
                        " values (%s, %s, %s, %s)",
                        (run_id, a.resident_id, a.tier, a.reason),
                    )
        # residents who left the program: their pairs end too
        still_here = {r.person_id for r in residents}
        for (resident_id, _tier), (assignment_id, _mentor) in current.items():
            if resident_id not in still_here:
                _close(conn, assignment_id, starts)
                summary.closed += 1
        conn.exec_driver_sql(
            "update program.match_runs set finished_at = now(), summary = %s where run_id = %s",
            (
                json.dumps(
                    {
                        **summary.per_tier,
                        "opened": summary.opened,
                        "closed": summary.closed,
                        "kept": summary.kept,
                        "notified": summary.notified,
                    }
                ),
                run_id,
            ),
        )
    for line in summary.lines():
        log.info(line)
    return summary


def _close(conn: Any, assignment_id: int, starts: date) -> None:
    conn.exec_driver_sql(
        "update program.assignments set valid_to = greatest(valid_from, %s)"
        " where assignment_id = %s",
        (starts, assignment_id),
    )


def _open(conn: Any, run_id: int, a: Assignment, starts: date) -> None:
    conn.exec_driver_sql(
        "insert into program.assignments (run_id, resident_id, tier, mentor_id, score, interest,"
        " availability, past_success, notify, valid_from)"
        " values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (
            run_id,
            a.resident_id,
            a.tier,
            a.mentor_id,
            a.score,
            a.interest,
            a.availability,
            a.past_success,
            a.notify,
            starts,
        ),
    )


def _notify(conn: Any, quarter: str, a: Assignment) -> int:
    tier = a.tier.replace("_", " ")
    body = (
        f"You have been matched as {tier} mentor with resident {a.resident_id} for {quarter}. "
        f"Match score {a.score:.2f} (shared interests {a.interest:.2f}, availability "
        f"{a.availability:.0f}, past mentees' satisfaction {a.past_success:.2f})."
    )
    return queue_notification(
        conn,
        kind="mentor_match",
        quarter=quarter,
        recipient_id=a.mentor_id,
        subject=f"New {tier} mentee for {quarter}",
        body=body,
        payload={k: v for k, v in asdict(a).items() if k != "kept"},
        dedupe_key=f"mentor_match:{quarter}:{a.tier}:{a.resident_id}:{a.mentor_id}",
    )
