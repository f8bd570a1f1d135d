"""From Graph's scheduleInformation entries to ``calendar__free_slots`` records."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from functools import lru_cache
from math import ceil, floor
from typing import Any

import numpy as np

from integrations.common.calendar import free_slot_row, resolve_timezone, slot_seconds, unknown_rows
from integrations.common.schema import sorted_json

SOURCE = "msgraph"
# Bumped whenever the way rows are made from an entry changes, so that the fingerprints
# of the syncs before no longer match and every mailbox's rows are made again.
ROWS_VERSION = 1
# availabilityView digits: 0 free, 1 tentative, 2 busy, 3 oof, 4 working elsewhere
BUSY_DIGITS = frozenset("123")
FREE_DIGITS = frozenset("04")
# whether a view's character (as a byte) is busy: every byte but the free digits'
_BUSY_BYTE = np.ones(256, dtype=bool)
_BUSY_BYTE[[ord(digit) for digit in FREE_DIGITS]] = False
_UNDOCUMENTED_DIGIT = re.compile("[^" + "".join(sorted(BUSY_DIGITS | FREE_DIGITS)) + "]")
KNOWN_FIELDS = {"scheduleId", "availabilityView", "scheduleItems", "workingHours", "error"}


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
    # email -> fingerprint of what its rows are made of, for every mailbox read cleanly
    fingerprints: dict[str, str] = field(default_factory=dict)
    unchanged: int = 0  # mailboxes whose fingerprint was the one given: no rows made

    def add(self, other: Outcome) -> None:
        self.rows += other.rows
        self.fingerprints.update(other.fingerprints)
        self.unchanged += other.unchanged
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


def view_free_slot_rows(
    mentor_id: str | None, view: str, window: Window, zone: tzinfo
) -> list[dict[str, Any]]:
    """``calendar__free_slots`` records for one mailbox's availability view, one per week.

    A working slot is free when no digit it overlaps is busy; its busy minutes are the
    seconds of busy digits inside it. A digit Graph has not documented counts as busy: a
    slot offered wrongly costs more than one held back (and the caller notes it). The
    digits are read as one array per view, not slot by slot: a Graph sync reads
    thousands of mailboxes' views of 3,500 digits each.
    """
    free, busy_minutes, slots = _views_free_slots([view], window, zone)
    return [
        free_slot_row(mentor_id, week, int(free[0, i]), int(busy_minutes[0, i]), slots, SOURCE)
        for i, week in enumerate(window.weeks)
    ]


def _views_free_slots(
    views: Sequence[str], window: Window, zone: tzinfo
) -> tuple[np.ndarray, np.ndarray, int]:
    """Free slots and busy minutes per view and week (two arrays of views x weeks), and
    the working slots per week, for views of at least ``window.digits`` characters.

    All the views of one answer and zone at once: numpy's work per call, not per view.
    """
    index, seconds = _slot_overlaps(
        tuple(window.weeks), zone, window.start.timestamp(), window.interval_minutes, window.digits
    )
    # one byte per character, whatever the character: positions stay those of the view
    text = "".join(view[: window.digits] for view in views)
    digits = np.frombuffer(text.encode("ascii", "replace"), dtype=np.uint8)
    busy = _BUSY_BYTE[digits].reshape(len(views), window.digits)
    covered = np.where(busy[:, index], seconds, 0).reshape(
        len(views), len(window.weeks), -1, index.shape[1]
    )
    free = (covered.max(axis=3) == 0).sum(axis=2)
    busy_minutes = covered.sum(axis=(2, 3)) // 60
    return free, busy_minutes, covered.shape[2]


@lru_cache(maxsize=1024)
def _slot_overlaps(
    weeks: tuple[date, ...], zone: tzinfo, start: float, interval_minutes: int, digits: int
) -> tuple[np.ndarray, np.ndarray]:
    """For every working slot of ``weeks``, in order: the view digits it overlaps and by how
    many seconds (a row per slot, padded with zero seconds).

    Digit ``i`` covers ``[start + i * step, start + (i + 1) * step)``. A slot can cover
    part of a digit: a zone whose offset is not a multiple of the interval (Nepal's
    +05:45 read in 30-minute digits). Every mailbox of a zone shares a window's slots.
    """
    step = interval_minutes * 60
    pieces = []
    for week in weeks:
        for slot_start, slot_end in zip(*slot_seconds(week, zone), strict=True):
            first = max(0, floor((slot_start - start) / step))
            last = min(digits, ceil((slot_end - start) / step))
            overlaps = [
                (i, min(slot_end, start + (i + 1) * step) - max(slot_start, start + i * step))
                for i in range(first, last)
            ]
            pieces.append([(i, int(s)) for i, s in overlaps if s > 0])
    width = max([1, *(len(p) for p in pieces)])
    index = np.zeros((len(pieces), width), dtype=np.intp)
    seconds = np.zeros((len(pieces), width), dtype=np.int64)
    for row, piece in enumerate(pieces):
        for column, (digit, overlap) in enumerate(piece):
            index[row, column] = digit
            seconds[row, column] = overlap
    return index, seconds


def _listed(items: list[str], limit: int = 10) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def map_entries(
    entries: Sequence[Any],
    requested: dict[str, list[str]],
    window: Window,
    default_zone: tzinfo,
    known: Mapping[str, str] | None = None,
) -> Outcome:
    """Rows for the mentors of one batch (``requested``: lowercased email -> mentor ids).

    ``known``: email -> the fingerprint of the mailbox's entry in the last sync of this
    window. A mailbox whose entry has the same fingerprint again gives no rows (they
    would be the rows raw holds already); it is counted as unchanged.
    """
    outcome = Outcome()
    answered: set[str] = set()
    readable: list[_Readable] = []
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
        elif _UNDOCUMENTED_DIGIT.search(view):
            outcome.problems.append(
                f"{', '.join(names)}: undocumented availabilityView digits "
                f"{''.join(sorted(set(view) - BUSY_DIGITS - FREE_DIGITS))} counted as busy"
            )
        zone_name = ((entry.get("workingHours") or {}).get("timeZone") or {}).get("name")
        zone = resolve_timezone(zone_name)
        if zone is None:
            zone = default_zone
            outcome.fallback_zone += names
        if schedule_id and not problem:
            email = str(schedule_id).strip().lower()
            made_of = _fingerprint(mentors, view[: window.digits], zone, extra)
            outcome.fingerprints[email] = made_of
            if known and known.get(email) == made_of:
                outcome.unchanged += 1
                continue
        readable.append(_Readable(mentors, view, problem, zone, {**context, **extra}))
    counts = _counts_by_entry(readable, window)
    for position, item in enumerate(readable):
        for mentor in item.mentors:
            if item.problem:
                rows = unknown_rows(mentor, window.weeks, SOURCE, _problem=item.problem)
            else:
                free, busy_minutes, slots = counts[position]
                rows = [
                    free_slot_row(mentor, week, free[i], busy_minutes[i], slots, SOURCE)
                    for i, week in enumerate(window.weeks)
                ]
            outcome.rows += [{**row, **item.context} for row in rows]
    for email, asked in requested.items():
        if email not in answered:
            outcome.missing += asked
    return outcome


def _fingerprint(mentors: list[Any], view: str, zone: tzinfo, extra: dict[str, Any]) -> str:
    """Everything a mailbox's rows for one window are made of, hashed (64 bits: it is only
    ever compared with the same mailbox's previous one)."""
    made_of = sorted_json([ROWS_VERSION, sorted(map(str, mentors)), str(zone), extra, view])
    return hashlib.blake2b(made_of, digest_size=8).hexdigest()


@dataclass
class _Readable:
    """An entry that gives rows: its mentors, view (or the problem with it), zone, context."""

    mentors: list[str | None]
    view: Any
    problem: str | None
    zone: tzinfo
    context: dict[str, Any]


def _counts_by_entry(
    readable: list[_Readable], window: Window
) -> dict[int, tuple[list[int], list[int], int]]:
    """Per readable entry (by position): free slots and busy minutes per week, and the
    working slots per week; the views of one zone computed together."""
    by_zone: dict[tzinfo, list[int]] = {}
    for position, item in enumerate(readable):
        if item.problem is None:
            by_zone.setdefault(item.zone, []).append(position)
    counts = {}
    for zone, positions in by_zone.items():
        free, busy_minutes, slots = _views_free_slots(
            [readable[p].view for p in positions], window, zone
        )
        for p, entry_free, entry_busy in zip(
            positions, free.tolist(), busy_minutes.tolist(), strict=True
        ):
            counts[p] = (entry_free, entry_busy, slots)
    return counts
