"""``leadership bench ...``: measured speed, each against the obvious alternative in the same run.

- ``bench match``: the exact engine per tier vs SciPy's ``linear_sum_assignment`` on the
  whole slot-expanded matrix (the obvious exact alternative) and vs the blueprint's
  greedy pick; time, matched residents and total score.
- ``bench validate``: normalising and validating a survey batch of N rows with its
  Great Expectations suite.

Results are printed as Markdown for docs/benchmarks.md, with the machine they ran on.
This is the one module of ``leadership`` besides the demo that imports ``simulator``.
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable
from datetime import date
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

from leadership.matching.engine import match_tier
from leadership.matching.greedy import greedy_tier
from leadership.matching.model import Mentor, Resident, Settings
from leadership.matching.scoring import score_tier

Say = Callable[[str], None]


def machine() -> str:
    cpus = os.cpu_count()
    try:
        with open("/proc/meminfo") as fh:
            kb = int(fh.readline().split()[1])
        memory = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        memory = ""
    return f"{platform.machine()}, {cpus} CPUs{memory}, Python {platform.python_version()}"


def median_time(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


# -- matching -----------------------------------------------------------------------------


def matching_instance(
    scale: str, attending_capacity: int = 3
) -> tuple[list[Resident], list[Mentor]]:
    """Residents and mentors of the simulated institution, as the marts would give them."""
    from simulator.institution import generate
    from simulator.program import generate_program

    program = generate_program(generate(scale=scale))
    inst = program.inst
    day = inst.as_of
    tags: dict[tuple[str, str], frozenset[str]] = {}
    capacity: dict[str, int] = {}
    for record in program.survey_rows("career_interests"):
        f = record.fields
        tags[str(f["respondent_id"]), str(f["respondent_role"])] = frozenset(
            str(f["tags"]).split(";")
        )
        if f["capacity"] is not None:
            capacity[str(f["respondent_id"])] = int(f["capacity"])  # type: ignore[arg-type]
    ratings: dict[tuple[str, str], list[int]] = {}
    for record in program.survey_rows("satisfaction_ratings"):
        f = record.fields
        ratings.setdefault((str(f["mentor_id"]), str(f["tier"])), []).append(int(f["rating"]))
    rng = np.random.default_rng(7)
    residents, mentors = [], []
    for p in inst.people:
        role = p.role_on(day)
        if role is None or (p.termination_date and p.termination_date <= day):
            continue
        if role.role == "resident":
            residents.append(
                Resident(
                    p.worker_id,
                    role.program,
                    p.department,
                    p.specialty,
                    role.pgy_level,
                    tags.get((p.worker_id, "mentee"), frozenset()),
                )
            )
        tiers = []
        if role.role == "resident" and role.pgy_level in (2, 3):
            tiers.append(("peer", "resident", 1))
        if role.role in ("attending", "division_chief"):
            tiers.append(("attending", "attending", attending_capacity))
        if role.role in ("chair", "vice_chair"):
            tiers.append(("chair_sponsor", role.role, 5))
        for tier, mentor_role, default in tiers:
            given = ratings.get((p.worker_id, tier), [])
            mentors.append(
                Mentor(
                    p.worker_id,
                    tier,
                    role.program,
                    p.department,
                    p.specialty,
                    role.pgy_level if tier == "peer" else None,
                    mentor_role,
                    tags.get((p.worker_id, "mentor"), frozenset()),
                    float(rng.integers(0, 12)),
                    float(np.mean(given)) if given else None,
                    len(given),
                    default if tier != "peer" else capacity.get(p.worker_id, default),
                )
            )
    return residents, mentors


def lsa_on_expanded(
    tier: str, residents: list[Resident], mentors: list[Mentor], settings: Settings
) -> tuple[int, float]:
    """The obvious exact alternative: one LSA over every mentor slot, unmatched columns added."""
    residents = sorted(residents, key=lambda r: r.person_id)
    mentors = sorted(mentors, key=lambda m: m.person_id)
    scores = score_tier(tier, residents, mentors, settings)
    columns = np.repeat(np.arange(len(mentors)), [m.capacity for m in mentors])
    eligible = scores.eligible[:, columns]
    big = float(len(residents) + 1)
    value = np.where(eligible, big + scores.score[:, columns], -np.inf)
    value = np.hstack([value, np.zeros((len(residents), len(residents)))])
    rows, cols = linear_sum_assignment(value, maximize=True)
    matched = [
        (r, c) for r, c in zip(rows, cols, strict=True) if c < columns.size and eligible[r, c]
    ]
    return len(matched), float(sum(scores.score[r, columns[c]] for r, c in matched))


def bench_match(scale: str = "institution", runs: int = 3, say: Say = print) -> str:
    say(f"building the {scale} instance from the simulator ...")
    residents, mentors = matching_instance(scale)
    settings = Settings()
    lines = [
        f"`leadership bench match --scale {scale} --runs {runs}` on {machine()}, "
        f"{date.today().isoformat()}; medians of {runs} runs.",
        "",
        f"{len(residents)} residents; mentors: "
        + ", ".join(f"{t} {sum(m.tier == t for m in mentors)}" for t in settings.tiers),
        "",
        "| tier | engine (s) | LSA on slot-expanded (s) | ratio | engine matched / score "
        "| LSA matched / score | greedy (s) | greedy matched / score | greedy gap |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for tier in settings.tiers:
        tier_mentors = [m for m in mentors if m.tier == tier]
        say(f"{tier}: engine ...")
        engine_s, result = median_time(
            lambda t=tier, m=tier_mentors: match_tier(t, residents, m), runs
        )
        say(f"{tier}: LSA on the slot-expanded matrix ...")
        lsa_s, (lsa_n, lsa_total) = median_time(
            lambda t=tier, m=tier_mentors: lsa_on_expanded(t, residents, m, settings), runs
        )
        say(f"{tier}: greedy ...")
        greedy_s, (g_n, g_total) = median_time(
            lambda t=tier, m=tier_mentors: greedy_tier(t, residents, m, settings), runs
        )
        gap = (result.exact_total - g_total) / result.exact_total * 100 if result.exact_total else 0
        lines.append(
            f"| {tier} | {engine_s:.2f} | {lsa_s:.2f} | {lsa_s / engine_s:.1f}x faster "
            f"| {len(result.matched)} / {result.exact_total:.3f} | {lsa_n} / {lsa_total:.3f} "
            f"| {greedy_s:.2f} | {g_n} / {g_total:.3f} | {gap:.2f}% lower score"
            + (f", {len(result.matched) - g_n} fewer matched" if g_n < len(result.matched) else "")
            + " |"
        )
    return "\n".join(lines)


# -- validation ---------------------------------------------------------------------------


CONFIDENCE_ITEMS = [
    "si_1", "si_2", "si_3", "fa_1", "fa_2", "fa_3", "tl_1", "tl_2", "tl_3",
    "ge_1", "ge_2", "me_1", "me_2",
]  # fmt: skip


def confidence_records(rows: int, bad_every: int = 1000) -> list[dict[str, Any]]:
    """``rows`` quarterly confidence answers as a survey export gives them (text values)."""
    records = [
        {
            "response_id": f"CONF-2026Q3-{i // 13:07d}",
            "respondent_id": f"W{100000 + i // 13 % 5000}",
            "quarter": "2026Q3",
            "item_id": CONFIDENCE_ITEMS[i % 13],
            "answer": str(1 + i % 5),
            "submitted_at": "2026-09-20T12:00:00Z",
        }
        for i in range(rows)
    ]
    if bad_every:
        for k in range(0, rows, bad_every):
            records[k]["answer"] = "7"  # one bad answer in ``bad_every``
    return records


def bench_validate(rows: int = 1_000_000, runs: int = 1, say: Say = print) -> str:
    from integrations.contracts import get_contract
    from leadership.normalise import normalise
    from leadership.validation import context, validate

    contract = get_contract("surveys__confidence_answers")
    say(f"generating {rows:,} confidence answers ...")
    records = confidence_records(rows)
    context()  # load GX once, outside the timing
    say("normalising ...")
    normalise_s, batch = median_time(lambda: normalise(contract, records), runs)
    say("validating with the GX suite ...")
    validate_s, checked = median_time(
        lambda: validate(contract, batch, today=date(2026, 10, 1)), runs
    )
    total_s = normalise_s + validate_s
    return "\n".join(
        [
            f"`leadership bench validate --rows {rows}` on {machine()}, {date.today().isoformat()}"
            f"{f'; medians of {runs} runs' if runs > 1 else ''}.",
            "",
            "| step | seconds | rows/s |",
            "|---|---|---|",
            f"| normalise (cast to the contract) | {normalise_s:.1f} | {rows / normalise_s:,.0f} |",
            f"| validate (GX checkpoint, {len(checked.outcomes)} expectations) | {validate_s:.1f} "
            f"| {rows / validate_s:,.0f} |",
            f"| total | {total_s:.1f} | {rows / total_s:,.0f} |",
            "",
            f"{len(checked.failed_rows):,} rows failed (the planted 1 in 1,000), each with its "
            "reason.",
        ]
    )


# -- loading ------------------------------------------------------------------------------


def bench_load(rows: int = 1_000_000, runs: int = 3, say: Say = print) -> str:
    """The publish path vs psql ``\\copy`` and pandas ``to_sql``, on a scratch database.

    Every contender loads the same confidence-answer rows into an empty table per run;
    the scratch database (``<warehouse>_bench``) is dropped afterwards, so the
    warehouse itself is never touched.
    """
    import subprocess
    import tempfile
    from pathlib import Path

    import pandas as pd
    from psycopg import conninfo

    from integrations.common.schema import Extract
    from integrations.contracts import get_contract
    from leadership import warehouse
    from leadership.loading import publish
    from leadership.normalise import normalise
    from leadership.sync import validate_and_publish
    from leadership.tables import raw_table
    from leadership.validation import Validation, context

    contract = get_contract("surveys__confidence_answers")
    base = warehouse.warehouse_url()
    scratch_name = (conninfo.conninfo_to_dict(base).get("dbname") or "postgres") + "_bench"
    scratch = warehouse.with_database(base, scratch_name)
    psql = _psql()
    say(f"scratch database {warehouse.display_url(scratch)}; generating {rows:,} rows ...")
    records = confidence_records(rows, bad_every=0)
    columns = contract.column_names
    frame = pd.DataFrame.from_records(records, columns=columns)
    previous = os.environ.get("WAREHOUSE_URL")
    os.environ["WAREHOUSE_URL"] = scratch
    timings: dict[str, float] = {}
    try:
        warehouse.migrate(scratch)
        context()  # load GX once, outside the timing
        table = raw_table(contract)
        with warehouse.transaction(scratch) as conn:
            conn.exec_driver_sql(
                "create table if not exists public.copy_target as"
                f" select {', '.join(columns)} from {table} with no data"
            )

        def reset() -> None:
            with warehouse.transaction(scratch) as conn:
                conn.exec_driver_sql(
                    f"truncate {table}, public.copy_target; drop table if exists public.to_sql"
                )

        def publish_path() -> None:
            extract = Extract(contract, records, "bench")
            batch = normalise(contract, records)
            publish("bench", extract, batch, Validation(reasons={}, suite=contract.name))

        def full_path() -> None:
            validate_and_publish(
                "bench", Extract(contract, records, "bench"), today=date(2026, 10, 1)
            )

        with tempfile.TemporaryDirectory() as tmp:
            csv_path = Path(tmp) / "answers.csv"
            frame.to_csv(csv_path, index=False)

            def psql_copy() -> None:
                subprocess.run(
                    [psql, scratch, "-q", "-v", "ON_ERROR_STOP=1", "-c",
                     f"\\copy public.copy_target ({', '.join(columns)}) from "
                     f"'{csv_path}' with (format csv, header)"],
                    check=True, capture_output=True,
                )  # fmt: skip

            def pandas_to_sql() -> None:
                frame.to_sql("to_sql", warehouse.engine(scratch), schema="public", index=False)

            contenders = [
                ("publish path (normalise + COPY + versioning)", publish_path),
                ("full path (normalise + GX validation + publish)", full_path),
                ("psql \\copy (CSV file into a bare table)", psql_copy),
                ("pandas to_sql (default settings)", pandas_to_sql),
            ]
            for name, load in contenders:
                times = []
                for run in range(runs):
                    reset()
                    say(f"{name}: run {run + 1}/{runs} ...")
                    started = time.perf_counter()
                    load()
                    times.append(time.perf_counter() - started)
                timings[name] = statistics.median(times)
    finally:
        if previous is None:
            os.environ.pop("WAREHOUSE_URL", None)
        else:
            os.environ["WAREHOUSE_URL"] = previous
        warehouse.drop_database(scratch)

    copy_s = timings["psql \\copy (CSV file into a bare table)"]
    lines = [
        f"`leadership bench load --rows {rows} --runs {runs}` on {machine()}, "
        f"{date.today().isoformat()}; medians of {runs} runs, each into an empty table.",
        "",
        "| path | seconds | rows/s | vs psql \\copy |",
        "|---|---|---|---|",
    ]
    for name, seconds in timings.items():
        lines.append(
            f"| {name} | {seconds:.2f} | {rows / seconds:,.0f} | {copy_s / seconds:.2f}x |"
        )
    return "\n".join(lines)


def _psql() -> str:
    from leadership.warehouse import psql_executable

    found = psql_executable()
    if not found:
        raise SystemExit("bench load needs psql (Debian: apt-get install postgresql-client)")
    return found
