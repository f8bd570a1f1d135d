"""``leadership bench validate`` and ``bench load``: GX validation, and the publish path
against psql ``\\copy`` and pandas ``to_sql``, on the same survey rows."""

from __future__ import annotations

import statistics
import time
from datetime import date
from typing import Any

from leadership.bench import Say, machine, median_time, restore_warehouse, scratch_warehouse

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
    from leadership.collector import collector_paused
    from leadership.normalise import normalise
    from leadership.validation import context, validate

    contract = get_contract("surveys__confidence_answers")
    say(f"generating {rows:,} confidence answers ...")
    records = confidence_records(rows)
    context()  # load GX once, outside the timing
    say("normalising ...")
    with collector_paused():  # as a sync runs both (leadership.sync)
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
    from sqlalchemy.exc import DBAPIError

    from integrations.common.schema import Extract
    from integrations.contracts import get_contract
    from leadership import warehouse
    from leadership.collector import collector_paused
    from leadership.copy_payload import SIGNATURE, TRAILER, binary_rows
    from leadership.loading import COPY_CHUNK_ROWS, column_types, publish
    from leadership.normalise import normalise
    from leadership.sync import validate_and_publish
    from leadership.tables import raw_index_ddl, raw_table
    from leadership.validation import Validation, context

    contract = get_contract("surveys__confidence_answers")
    psql = _psql()
    records = confidence_records(rows, bad_every=0)
    columns = contract.column_names
    frame = pd.DataFrame.from_records(records, columns=columns)
    scratch, previous = scratch_warehouse("_bench_load")
    say(f"scratch database {warehouse.display_url(scratch)}; {rows:,} rows ...")
    timings: dict[str, float] = {}
    try:
        context()  # load GX once, outside the timing
        table = raw_table(contract)
        with warehouse.transaction(scratch) as conn:
            conn.exec_driver_sql(
                "create table if not exists public.copy_target as"
                f" select {', '.join(columns)} from {table} with no data"
            )
        # raw's shape for psql to load the publish path's own payload into, made again for
        # each run (without its indexes): the batch columns as defaults, as the publish
        # path sets them for a first load; its indexes as raw's, built after the COPY
        raw_shape = (
            "drop table if exists public.raw_shape;"
            f" create table public.raw_shape (like {table} including defaults);"
            " alter table public.raw_shape alter _batch_id set default 1,"
            " alter _extracted_at set default now(), alter _as_of set default now(),"
            " alter _source_system set default 'bench'"
        )
        shape_indexes = [
            ddl.replace(f"on {table} ", "on public.raw_shape ") for ddl in raw_index_ddl(contract)
        ]

        def reset() -> None:
            with warehouse.transaction(scratch) as conn:
                conn.exec_driver_sql(
                    f"truncate {table}, public.copy_target; drop table if exists public.to_sql"
                )
                conn.exec_driver_sql(raw_shape)
            # Each contender starts with the server's dirty pages written out, not
            # flushing the run before's while it loads.
            try:
                with warehouse.transaction(scratch) as conn:
                    conn.exec_driver_sql("checkpoint")
            except DBAPIError:  # a role without pg_checkpoint: no checkpoint, same for all
                pass

        # both as a sync runs them: with the cycle collector paused (leadership.sync)
        def publish_path() -> None:
            with collector_paused():
                extract = Extract(contract, records, "bench")
                batch = normalise(contract, records)
                publish("bench", extract, batch, Validation(reasons={}, suite=contract.name))

        def full_path() -> None:
            with collector_paused():
                validate_and_publish(
                    "bench", Extract(contract, records, "bench"), today=date(2026, 10, 1)
                )

        with tempfile.TemporaryDirectory() as tmp:
            csv_path = Path(tmp) / "answers.csv"
            frame.to_csv(csv_path, index=False)
            # the publish path's payload (its binary rows with their record hash), built once
            payload_path = Path(tmp) / "payload.bin"
            typed = normalise(contract, records).frame[[*columns, "_extra"]]
            types = {c.name: c.type for c in contract.columns}
            with warehouse.transaction(scratch) as conn:
                payload_types = column_types(conn, table, [*columns, "_extra", "_record_hash"])
            with payload_path.open("wb") as out:
                out.write(SIGNATURE)
                for start in range(0, len(typed), COPY_CHUNK_ROWS):
                    chunk = typed.iloc[start : start + COPY_CHUNK_ROWS]
                    out.write(binary_rows(chunk, types, payload_types, table))
                out.write(TRAILER)
            shape_script = Path(tmp) / "raw_shape.sql"
            shape_script.write_text(
                "\\copy public.raw_shape ("
                + ", ".join([*columns, "_extra", "_record_hash"])
                + f") from '{payload_path}' with (format binary)\n"
                + "".join(f"{ddl};\n" for ddl in shape_indexes)
                + "analyze public.raw_shape;\n",
                encoding="utf-8",
            )

            def psql_copy() -> None:
                subprocess.run(
                    [psql, scratch, "-q", "-v", "ON_ERROR_STOP=1", "-c",
                     f"\\copy public.copy_target ({', '.join(columns)}) from "
                     f"'{csv_path}' with (format csv, header)"],
                    check=True, capture_output=True,
                )  # fmt: skip

            def psql_copy_payload() -> None:
                subprocess.run(
                    [psql, scratch, "-q", "-1", "-v", "ON_ERROR_STOP=1", "-f", str(shape_script)],
                    check=True, capture_output=True,
                )  # fmt: skip

            def pandas_to_sql() -> None:
                frame.to_sql("to_sql", warehouse.engine(scratch), schema="public", index=False)

            contenders = [
                ("publish path (normalise + COPY + versioning)", publish_path),
                ("full path (normalise + GX validation + publish)", full_path),
                ("psql \\copy (CSV file into a bare table)", psql_copy),
                (PAYLOAD_CONTENDER, psql_copy_payload),
                ("pandas to_sql (default settings)", pandas_to_sql),
            ]
            # Round by round, every contender once per round, so a slower minute of the
            # machine falls on all of them alike.
            times: dict[str, list[float]] = {name: [] for name, _ in contenders}
            for run in range(runs):
                for name, load in contenders:
                    reset()
                    say(f"run {run + 1}/{runs}: {name} ...")
                    started = time.perf_counter()
                    load()
                    times[name].append(time.perf_counter() - started)
            timings = {name: statistics.median(seconds) for name, seconds in times.items()}
    finally:
        restore_warehouse(scratch, previous)

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
    publish_s = timings["publish path (normalise + COPY + versioning)"]
    payload_s = timings[PAYLOAD_CONTENDER]
    lines += [
        "",
        f"psql loading the publish path's own rows into raw's shape takes {payload_s:.2f} s: "
        f"the most a client costing nothing could reach is {copy_s / payload_s:.2f}x of the "
        f"bare \\copy; the publish path runs at {payload_s / publish_s:.2f}x of psql "
        "loading the same versioned rows.",
    ]
    return "\n".join(lines)


PAYLOAD_CONTENDER = (
    "psql \\copy of the publish path's payload (raw's shape; indexes and statistics after)"
)


def _psql() -> str:
    from leadership.warehouse import psql_executable

    found = psql_executable()
    if not found:
        raise SystemExit("bench load needs psql (Debian: apt-get install postgresql-client)")
    return found
