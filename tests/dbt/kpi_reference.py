"""The KPI and oversight numbers computed without dbt: pandas over the raw tables.

Reads raw.hr__workers, raw.hr__job_history, raw.surveys__* and program.assignments,
keeps the latest version of each record itself, and computes every number the KPI and
oversight marts publish, by other means (day sets instead of islands, Python loops
instead of joins). The tests compare the marts with these, per quarter and slice.

Definitions (the marts' descriptions say the same in words): a quarter's end is its
last day, or as_of for the quarter in progress; an assignment is valid on day d when
valid_from <= d < valid_to (valid_to null: still current); slice attributes are the
physician's at the quarter's end.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd
import psycopg

from simulator.program import last_quarters, quarter_bounds

FACULTY_ROLES = {"attending", "division_chief", "vice_chair", "chair"}
TRAINEE_ROLES = {"resident", "fellow"}
TIERS = ("peer", "attending", "chair_sponsor")
DAYS_PER_YEAR = 365.25

Key = tuple
Measure = tuple[float, float, float]  # numerator, denominator, value


def read(url: str, query: str) -> pd.DataFrame:
    with psycopg.connect(url) as conn:
        cur = conn.execute(query)
        return pd.DataFrame(cur.fetchall(), columns=[c.name for c in cur.description])


def latest(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """The latest version per key, as staging should keep it."""
    ordered = frame.sort_values(["_as_of", "_batch_id"], ascending=False)
    return ordered.drop_duplicates(keys).reset_index(drop=True)


def _day(value: object) -> date | None:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return None
    return value.date() if hasattr(value, "date") and callable(value.date) else value


@dataclass(frozen=True)
class Quarter:
    label: str
    start: date
    end: date
    observed: date  # the quarter's end, or as_of while it is in progress


@dataclass
class Reference:
    as_of: date
    quarters: list[Quarter]
    workers: pd.DataFrame
    jobs: pd.DataFrame
    ratings: pd.DataFrame
    logs: pd.DataFrame
    assignments: pd.DataFrame
    physician_quarters: pd.DataFrame

    # ---------------------------------------------------------------- building blocks

    def valid_during(self, quarter: Quarter) -> pd.DataFrame:
        a = self.assignments
        return a[
            a.valid_from.map(lambda d: d <= quarter.observed)
            & a.valid_to.map(lambda d: d is None or d > quarter.start)
        ]

    def valid_on(self, day: date) -> pd.DataFrame:
        a = self.assignments
        return a[
            a.valid_from.map(lambda d: d <= day) & a.valid_to.map(lambda d: d is None or d > day)
        ]

    def at(self, quarter: Quarter) -> pd.DataFrame:
        pq = self.physician_quarters
        return pq[pq.quarter == quarter.label]

    # ---------------------------------------------------------------- KPIs

    def retention(self) -> dict[Key, Measure]:
        out: dict[Key, list[int]] = defaultdict(lambda: [0, 0])
        for q in self.quarters:
            pq = self.at(q)
            tiers = self.valid_during(q).groupby("resident_id").tier.agg(set).to_dict()
            for row in pq[pq.active_at_start].itertuples():
                slices = [("overall", "all"), ("cohort", row.cohort), ("specialty", row.specialty)]
                slices += [("mentor_tier", t) for t in tiers.get(row.physician_id, ())]
                for slice_type, value in slices:
                    counts = out[(q.label, slice_type, value)]
                    counts[0] += int(row.active_at_end)
                    counts[1] += 1
        return {k: (n, d, n / d) for k, (n, d) in out.items()}

    def coverage(self) -> dict[Key, Measure]:
        out: dict[Key, list[int]] = defaultdict(lambda: [0, 0])
        for q in self.quarters:
            pq = self.at(q)
            valid = self.valid_on(q.observed)
            covered = {t: set(valid[valid.tier == t].resident_id) for t in TIERS}
            for row in pq[(pq.role_code == "resident") & pq.active_at_end].itertuples():
                slices = [("overall", "all"), ("cohort", row.cohort), ("specialty", row.specialty)]
                if row.program is not None:
                    slices.append(("program", row.program))
                for tier in TIERS:
                    for slice_type, value in slices:
                        counts = out[(q.label, tier, slice_type, value)]
                        counts[0] += int(row.physician_id in covered[tier])
                        counts[1] += 1
        return {k: (n, d, n / d) for k, (n, d) in out.items()}

    def satisfaction(self) -> dict[Key, tuple[float, float, float, float]]:
        """(quarter, slice_type, slice_value) -> (index points, ratings, index, mean rating)."""
        labels = {q.label for q in self.quarters}
        cutoff = pd.Timestamp(self.as_of + timedelta(days=1), tz="UTC")
        ratings = self.ratings[
            self.ratings.quarter.isin(labels)
            & self.ratings.rating.notna()
            & (self.ratings.submitted_at < cutoff)
        ]
        attributes = self.physician_quarters.set_index(["physician_id", "quarter"])
        out: dict[Key, list[float]] = defaultdict(lambda: [0.0, 0, 0.0])
        for row in ratings.itertuples():
            key = (row.respondent_id, row.quarter)
            cohort, specialty = (
                attributes.loc[key, ["cohort", "specialty"]]
                if key in attributes.index
                else ("unknown", "unknown")
            )
            for slice_type, value in [
                ("overall", "all"),
                ("mentor_tier", row.tier),
                ("specialty", specialty),
                ("cohort", cohort),
            ]:
                acc = out[(row.quarter, slice_type, value)]
                acc[0] += (row.rating - 1) / 4 * 100
                acc[1] += 1
                acc[2] += row.rating
        return {k: (p, n, p / n, s / n) for k, (p, n, s) in out.items()}

    def promotions(self) -> pd.DataFrame:
        """One row per physician and completed career step, as of as_of."""
        jobs = self.jobs[self.jobs.effective_date.map(lambda d: d <= self.as_of)]
        jobs = jobs[jobs.worker_id.isin(set(self.workers.worker_id))]
        first = {
            "residency": _first_day(jobs, {"resident"}),
            "fellowship": _first_day(jobs, {"fellow"}),
            "attending": _first_day(jobs, FACULTY_ROLES),
            "division_chief": _first_day(jobs, {"division_chief"}),
            "chair": _first_day(jobs, {"chair"}),
        }
        steps = [
            ("residency_to_fellowship", "residency", "fellowship"),
            ("fellowship_to_attending", "fellowship", "attending"),
            ("residency_to_attending", "residency", "attending"),
            ("attending_to_division_chief", "attending", "division_chief"),
            ("attending_to_chair", "attending", "chair"),
        ]
        rows = []
        for step, start, end in steps:
            for worker_id, promoted_on in first[end].items():
                from_date = first[start].get(worker_id)
                if from_date is not None and promoted_on >= from_date:
                    rows.append(
                        {
                            "physician_id": worker_id,
                            "promotion_step": step,
                            "from_date": from_date,
                            "promoted_on": promoted_on,
                            "days_between": (promoted_on - from_date).days,
                        }
                    )
        return pd.DataFrame(rows)

    def promotion_velocity(self) -> dict[Key, Measure]:
        promotions = self.promotions()
        attributes = self.physician_quarters.set_index(["physician_id", "quarter"])
        a = self.assignments
        out: dict[Key, list[float]] = defaultdict(lambda: [0, 0])
        for q in self.quarters:
            done = promotions[promotions.promoted_on.map(lambda d, q=q: d <= q.observed)]
            for row in done.itertuples():
                key = (row.physician_id, q.label)
                cohort, specialty = (
                    attributes.loc[key, ["cohort", "specialty"]]
                    if key in attributes.index
                    else ("unknown", "unknown")
                )
                before = a[
                    (a.resident_id == row.physician_id)
                    & a.valid_from.map(lambda d, p=row.promoted_on: d <= p and d <= self.as_of)
                ]
                slices = [("overall", "all"), ("cohort", cohort), ("specialty", specialty)]
                slices += [("mentor_tier", t) for t in sorted(set(before.tier))]
                for slice_type, value in slices:
                    acc = out[(q.label, row.promotion_step, slice_type, value)]
                    acc[0] += row.days_between
                    acc[1] += 1
        return {
            k: (days / DAYS_PER_YEAR, n, days / DAYS_PER_YEAR / n) for k, (days, n) in out.items()
        }

    # ---------------------------------------------------------------- oversight

    def exposure_compliance(self) -> dict[tuple[str, str], int]:
        """(mentor_id, quarter) -> leadership_exposure entries, for each mentor assigned then."""
        logs = self.logs[self.logs.activity_type == "leadership_exposure"]
        out = {}
        for q in self.quarters:
            in_quarter = logs[logs.activity_date.map(lambda d, q=q: q.start <= d <= q.observed)]
            counts = in_quarter.groupby("mentor_id").size().to_dict()
            for mentor_id in set(self.valid_during(q).mentor_id):
                out[(mentor_id, q.label)] = counts.get(mentor_id, 0)
        return out

    def fte_credits(self, credit: float = 0.05) -> dict[tuple[str, str], tuple[int, int, float]]:
        """(mentor_id, academic year) -> (residents mentored, for the full year, FTE credit).

        By day sets: every day each pair was assigned (up to as_of), then whether a year's
        days are all, or any, in the set.
        """
        horizon = self.as_of + timedelta(days=1)
        covered: dict[tuple[str, str], set[int]] = defaultdict(set)
        for row in self.assignments.itertuples():
            if row.valid_from > self.as_of:
                continue
            until = min(row.valid_to or horizon, horizon)
            covered[(row.mentor_id, row.resident_id)].update(
                range(row.valid_from.toordinal(), until.toordinal())
            )
        if not covered:
            return {}
        first = min(min(days) for days in covered.values())
        first_day = date.fromordinal(first)
        year = first_day.year - (first_day.month < 7)
        out: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
        while date(year, 7, 1) <= self.as_of:
            days = set(range(date(year, 7, 1).toordinal(), date(year + 1, 7, 1).toordinal()))
            label = f"{year}-{year + 1}"
            for (mentor_id, _resident), pair_days in covered.items():
                if days & pair_days:
                    out[(mentor_id, label)][0] += 1
                    out[(mentor_id, label)][1] += int(days <= pair_days)
            year += 1
        return {k: (m, f, f * credit) for k, (m, f) in out.items()}

    # ---------------------------------------------------------------- accreditation

    def program_mentors(self) -> dict[tuple[str, str, str], int]:
        """(program, quarter, tier) -> distinct mentors of the program's residents that quarter."""
        out = {}
        for q in self.quarters:
            pq = self.at(q)
            members = pq[pq.is_trainee & pq.program.notna() & pq.active_during]
            program_of = dict(zip(members.physician_id, members.program, strict=True))
            valid = self.valid_during(q)
            valid = valid[valid.resident_id.isin(program_of)]
            for (program, tier), group in valid.assign(
                program=valid.resident_id.map(program_of)
            ).groupby(["program", "tier"]):
                out[(program, q.label, tier)] = group.mentor_id.nunique()
        return out


def load(url: str, as_of: date, history_quarters: int = 4) -> Reference:
    """Read the raw tables and program.assignments; derive each physician's quarters."""
    workers = latest(read(url, "select * from raw.hr__workers"), ["worker_id"])
    jobs = latest(read(url, "select * from raw.hr__job_history"), ["worker_id", "effective_date"])
    ratings = latest(read(url, "select * from raw.surveys__satisfaction_ratings"), ["response_id"])
    logs = latest(read(url, "select * from raw.surveys__activity_logs"), ["log_id"])
    assignments = read(url, "select * from program.assignments")
    for frame, columns in [
        (workers, ["hire_date", "termination_date"]),
        (jobs, ["effective_date"]),
        (logs, ["activity_date"]),
        (assignments, ["valid_from", "valid_to"]),
    ]:
        for column in columns:
            frame[column] = frame[column].astype(object).map(_day)
    quarters = []
    for label in last_quarters(as_of, history_quarters):
        start, end = quarter_bounds(label)
        quarters.append(Quarter(label, start, end, min(end, as_of)))
    return Reference(
        as_of=as_of,
        quarters=quarters,
        workers=workers,
        jobs=jobs,
        ratings=ratings,
        logs=logs,
        assignments=assignments,
        physician_quarters=_physician_quarters(workers, jobs, quarters),
    )


def _first_day(jobs: pd.DataFrame, roles: set[str]) -> pd.Series:
    """Per worker, the first day in one of ``roles``."""
    return jobs[jobs.role.isin(roles)].groupby("worker_id").effective_date.min()


def _blank(value: object) -> bool:
    return value is None or value == "" or (isinstance(value, float) and pd.isna(value))


def _physician_quarters(
    workers: pd.DataFrame, jobs: pd.DataFrame, quarters: list[Quarter]
) -> pd.DataFrame:
    residency = _first_day(jobs, {"resident"})
    attending = _first_day(jobs, FACULTY_ROLES)
    by_worker = {w.worker_id: w for w in workers.itertuples()}
    rows = []
    for q in quarters:
        known = jobs[jobs.effective_date.map(lambda d, e=q.end: d <= e)]
        at_end = known.sort_values("effective_date").groupby("worker_id").tail(1)
        for job in at_end.itertuples():
            worker = by_worker.get(job.worker_id)
            if worker is None:
                continue
            program = next((p for p in (job.program, worker.program) if not _blank(p)), None)
            specialty = next((s for s in (job.specialty, worker.specialty) if s is not None), None)
            if job.worker_id in residency:
                cohort = f"entered {residency[job.worker_id].year}"
            elif job.worker_id in attending:
                cohort = f"faculty since {attending[job.worker_id].year}"
            else:
                cohort = "unknown"
            hired, left = worker.hire_date, worker.termination_date
            rows.append(
                {
                    "physician_id": job.worker_id,
                    "quarter": q.label,
                    "role_code": job.role,
                    "is_trainee": job.role in TRAINEE_ROLES,
                    "program": program,
                    "specialty": "unknown" if specialty is None else specialty,
                    "cohort": cohort,
                    "active_at_start": hired <= q.start and (left is None or left > q.start),
                    "active_at_end": hired <= q.observed and (left is None or left > q.observed),
                    "active_during": hired <= q.observed and (left is None or left > q.start),
                }
            )
    return pd.DataFrame(rows)
