"""From Graph's scheduleInformation entries to ``calendar__free_slots`` records."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from integrations.common.calendar import Busy, free_slot_rows, resolve_timezone, unknown_rows

SOURCE = "msgraph"
# availabilityView digits: 0 free, 1 tentative, 2 busy, 3 oof, 4 working elsewhere
BUSY_DIGITS = frozenset("123")
FREE_DIGITS = frozenset("04")
_NOT_FREE_RUN = re.compile("[^" + "".join(sorted(FREE_DIGITS)) + "]+")
KNOWN_FIELDS = {"scheduleId", "availabilityView", "scheduleItems", "workingHours", "error"}


def view_to_busy(view: str, start: datetime, interval_minutes: int) -> list[Busy]:
    """Busy intervals from an availability view whose first digit starts at ``start`` (UTC).

    A digit Graph has not documented counts as busy: a slot offered wrongly costs more than
    one held back (and the caller notes it).
    """
    step = timedelta(minutes=interval_minutes)
    return [
        Busy(start + run.start() * step, start + run.end() * step)
        for run in _NOT_FREE_RUN.finditer(view)
    ]


@dataclass
class Window:
    weeks: list[date]
    start: datetime  # UTC
    end: datetime
    interval_minutes: int

    @property
    def digits(self) -> int:
        return int((self.end - self.start) / timedelta(minutes=self.interval_minutes))


@dataclass
class Outcome:
    """What one getSchedule answer gave: rows, and what went wrong for whom."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)  # mentor_id -> responseCode
    missing: list[str] = field(default_factory=list)  # mentors with no entry at all
    problems: list[str] = field(default_factory=list)
    fallback_zone: list[str] = field(default_factory=list)  # mentors read in the default zone

    def add(self, other: Outcome) -> None:
        self.rows += other.rows
        self.errors.update(other.errors)
        self.missing += [m for m in other.missing if m not in self.missing]
        self.problems += [p for p in other.problems if p not in self.problems]
        self.fallback_zone += [m for m in other.fallback_zone if m not in self.fallback_zone]

    def notes(self, default_zone: str) -> list[str]:
        """What the batch message says about mailboxes that gave no (or doubtful) rows."""
        notes = []
        if self.errors:
            notes.append(
                f"{len(self.errors)} mentor mailbox(es) could not be read and are skipped this "
                "sync: " + _listed([f"{m} ({self.errors[m]})" for m in sorted(self.errors)])
            )
        missing = sorted(set(self.missing) - set(self.errors))
        if missing:
            notes.append("getSchedule returned no schedule for " + _listed(missing))
        if self.fallback_zone:
            notes.append(
                f"{len(self.fallback_zone)} mailbox(es) have no working-hours time zone we "
                f"know; counted in {default_zone}: {_listed(sorted(self.fallback_zone))}"
            )
        return notes + [f"getSchedule: {p}" for p in self.problems]


def _listed(items: list[str], limit: int = 10) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def map_entries(
    entries: Sequence[Any],
    requested: dict[str, list[str]],
    window: Window,
    default_zone: tzinfo,
) -> Outcome:
    """Rows for the mentors of one batch (``requested``: lowercased email -> mentor ids)."""
    outcome = Outcome()
    answered: set[str] = set()
    for position, entry in enumerate(entries):
        if not isinstance(entry, dict):
            outcome.problems.append(f"entry {position} is not an object")
            continue
        extra = {
            k: v for k, v in entry.items() if k not in KNOWN_FIELDS and not k.startswith("@odata")
        }
        schedule_id = entry.get("scheduleId")
        context: dict[str, Any] = {}
        if schedule_id:
            email = str(schedule_id).strip().lower()
            found = requested.get(email)
            if found is None:
                outcome.problems.append(
                    f"an entry for a mailbox nobody asked for (entry {position})"
                )
                continue
            answered.add(email)
            mentors: list[str | None] = list(found)
        else:
            # Graph does not promise the answer's order: a schedule without its id cannot
            # be given to a mentor, so its rows go to quarantine rather than to a guess.
            mentors = [None]
            context["_problem"] = f"getSchedule entry {position} has no scheduleId"
        names = [m or f"entry {position} (no scheduleId)" for m in mentors]
        error = entry.get("error")
        if error:
            code = error.get("responseCode") if isinstance(error, dict) else None
            for mentor, name in zip(mentors, names, strict=True):
                if mentor is None:
                    outcome.problems.append(f"{name}: {code or 'error'}")
                else:
                    outcome.errors[mentor] = str(code or "error")
            continue
        view = entry.get("availabilityView")
        problem = None
        if not isinstance(view, str) or not view:
            problem = "the entry has no availabilityView"
        elif len(view) < window.digits:
            problem = f"availabilityView has {len(view)} digits, {window.digits} expected"
        elif set(view) - BUSY_DIGITS - FREE_DIGITS:
            outcome.problems.append(
                f"{', '.join(names)}: undocumented availabilityView digits "
                f"{''.join(sorted(set(view) - BUSY_DIGITS - FREE_DIGITS))} counted as busy"
            )
        zone_name = ((entry.get("workingHours") or {}).get("timeZone") or {}).get("name")
        zone = resolve_timezone(zone_name)
        if zone is None:
            zone = default_zone
            outcome.fallback_zone += names
        for mentor in mentors:
            if problem:
                rows = unknown_rows(mentor, window.weeks, SOURCE, _problem=problem)
            else:
                busy = view_to_busy(view[: window.digits], window.start, window.interval_minutes)
                rows = free_slot_rows(mentor, window.weeks, zone, busy, SOURCE)
            outcome.rows += [{**row, **context, **extra} for row in rows]
    for email, asked in requested.items():
        if email not in answered:
            outcome.missing += asked
    return outcome
