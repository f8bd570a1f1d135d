"""The ``leadership`` command: one entry point for the demo, syncs, dbt, Airflow and the warehouse.

Every command calls the same functions the DAGs call. Errors the platform
anticipates print one line saying what went wrong and what to do, not a traceback.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

from leadership import __version__


def _say(message: str) -> None:
    print(message, flush=True)


def cmd_demo(args: argparse.Namespace) -> int:
    from leadership.demo import run_demo

    run_demo(scale=args.scale, seed=args.seed, through_airflow=not args.no_airflow, say=_say)
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    from leadership.sync import sync

    results = sync(
        args.source,
        streams=args.stream or None,
        full_refresh=args.full_refresh,
        path=args.path,
        progress=_say,
        **({"location": args.location} if args.location else {}),
    )
    received = sum(r.received for r in results)
    quarantined = sum(r.quarantined for r in results)
    _say(
        f"{len(results)} batch(es): received {received}, published {received - quarantined}, "
        f"quarantined {quarantined}"
    )
    return 0


def cmd_dbt(args: argparse.Namespace) -> int:
    from leadership.dbt import run_dbt

    dbt_args = [a for a in args.dbt_args if a != "--"] or ["build"]
    offline = dbt_args[0] in {"parse", "ls", "list", "clean", "deps"}
    run_dbt(dbt_args, progress=print, connect=not offline, every_line=True)
    return 0


def cmd_airflow(args: argparse.Namespace) -> int:
    from leadership import warehouse
    from leadership.local_airflow import airflow_env, run_airflow

    extra = {"WAREHOUSE_URL": warehouse.warehouse_url()}
    return run_airflow([a for a in args.airflow_args if a != "--"], env=airflow_env(extra))


def cmd_backfill(args: argparse.Namespace) -> int:
    from leadership import warehouse
    from leadership.local_airflow import (
        airflow_env,
        backfill_quarters,
        ensure_metadata,
        reserialize,
    )

    env = airflow_env({"WAREHOUSE_URL": warehouse.warehouse_url()})
    ensure_metadata(env, _progress)
    reserialize(env)
    results = backfill_quarters(args.quarters, env=env, say=_say)
    _say(f"backfilled {', '.join(sorted(args.quarters))}: {len(results)} DAG runs succeeded")
    return 0


def cmd_warehouse(args: argparse.Namespace) -> int:
    from leadership import warehouse

    if args.action == "stop":
        _say("embedded warehouse stopped" if warehouse.stop_embedded() else "nothing to stop")
        return 0
    url = warehouse.warehouse_url()
    if args.action == "url":
        _say(url if args.show_secret else warehouse.display_url(url))
    elif args.action == "migrate":
        applied = warehouse.migrate(url)
        _say(f"{len(applied)} migration(s) applied: {', '.join(applied) or 'none pending'}")
    elif args.action == "psql":
        psql = warehouse.psql_executable()
        if not psql:
            _say("error: no psql found; install PostgreSQL's client")
            return 1
        os.execv(psql, [psql, url])
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from leadership import warehouse

    with warehouse.transaction() as conn:
        rows = conn.exec_driver_sql(
            "select batch_id, source, feed || '__' || stream, coalesce(source_ref, ''), status,"
            " received, published, quarantined, inserted, started_at"
            " from ops.batches order by batch_id desc limit %s",
            (args.limit,),
        ).all()
    if not rows:
        _say("no batches yet: run `leadership sync <source>` or `leadership demo`")
        return 0
    _say(
        f"{'batch':>6} {'source':<10} {'stream':<20} {'what':<28} {'status':<9} "
        f"{'received':>8} {'published':>9} {'quarant.':>8} {'new':>6}  started"
    )
    for r in rows:
        _say(
            f"{r[0]:>6} {r[1]:<10} {r[2]:<20} {r[3][:28]:<28} {r[4]:<9} {r[5]:>8} {r[6]:>9} "
            f"{r[7]:>8} {r[8]:>6}  {r[9]:%Y-%m-%d %H:%M}"
        )
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    from simulator.hr_drop import write_hr_drop
    from simulator.institution import DEFAULT_SEED, generate

    inst = generate(seed=args.seed or DEFAULT_SEED, scale=args.scale)
    if args.serve:
        from simulator.serve import serve_forever

        return serve_forever(
            inst,
            Path(args.out),
            host=args.host,
            public_host=args.public_host,
            base_port=args.base_port,
            say=_say,
        )
    if args.all_feeds:
        from simulator.file_drops import write_file_drops
        from simulator.program import generate_program

        drops = write_file_drops(
            generate_program(inst), Path(args.out), plant_bad_rows=args.plant_bad_rows
        )
        files = [path for drop in drops.values() for path in drop.files]
    else:
        files = write_hr_drop(inst, Path(args.out), plant_bad_rows=args.plant_bad_rows).files
    for path in files:
        _say(str(path))
    return 0


def cmd_dashboard(args: argparse.Namespace) -> int:
    from leadership.dashboard import serve

    return serve(port=args.port, address=args.address)


def cmd_expectations(args: argparse.Namespace) -> int:
    from integrations.contracts import CONTRACTS
    from leadership.validation import scaffold

    changes = scaffold(list(CONTRACTS.values()))
    _say("\n".join(changes) if changes else "the GX project is up to date")
    return 0


def cmd_match(args: argparse.Namespace) -> int:
    from leadership.matching import match
    from leadership.matching.files import read_mentors, read_residents, write_assignments

    if args.residents or args.mentors or args.out:
        if not (args.residents and args.mentors and args.out):
            raise SystemExit("error: file mode needs --residents R.csv --mentors M.csv --out A.csv")
        residents, mentors = read_residents(args.residents), read_mentors(args.mentors)
        results = match(residents, mentors)
        write_assignments(args.out, [a for r in results for a in r.assignments])
        for r in results:
            _say(
                f"{r.tier:<14} matched {len(r.matched):>5} of {len(r.assignments):>5}, "
                f"total score {r.exact_total:.4f} ({r.seconds:.2f}s)"
            )
        _say(f"wrote {args.out}")
        return 0
    from leadership.matching.quarterly import run_matching

    summary = run_matching(args.quarter, full_rematch=args.full_rematch)
    for line in summary.lines():
        _say(line)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from datetime import date

    from leadership.exports.outbox import outbox_location
    from leadership.exports.run import run_output
    from leadership.matching.quarterly import quarter_of, quarter_start

    quarter = args.quarter or _previous_quarter(quarter_of(date.today()))
    try:
        quarter_start(quarter)
    except ValueError as exc:
        raise SystemExit(f"error: --quarter {exc}") from None
    if not args.no_build:
        from leadership.dbt import build_marts
        from leadership.exports.marts import quarter_end

        _say(build_marts(quarter_end(quarter), progress=_progress).splitlines()[-1])
    location = outbox_location(args.location, args.out)
    for line in run_output(args.output, quarter, annual=args.annual, location=location):
        _say(line)
    return 0


def _previous_quarter(quarter: str) -> str:
    year, q = int(quarter[:4]), int(quarter[-1])
    return f"{year - (q == 1)}Q{4 if q == 1 else q - 1}"


def cmd_bench(args: argparse.Namespace) -> int:
    from leadership import bench

    with bench.profiled(args.profile, say=_progress):
        if args.what == "match":
            report = bench.bench_match(args.scale, runs=args.runs, say=_progress)
        elif args.what == "validate":
            report = bench.bench_validate(args.rows, runs=args.runs, say=_progress)
        elif args.what == "load":
            report = bench.bench_load(args.rows, runs=args.runs, say=_progress)
        else:
            report = bench.bench_pipeline(args.scale, runs=args.runs, say=_progress)
    _say(report)
    return 0


def _progress(message: str) -> None:
    print(f"  .. {message}", file=sys.stderr, flush=True)


def cmd_quarantine(args: argparse.Namespace) -> int:
    import json

    from leadership import quarantine
    from leadership.spreadsheet import terminal_safe

    if args.action == "list":
        found = quarantine.waiting(limit=args.limit)
        if not found:
            _say("nothing waits in quarantine")
            return 0
        _say(
            f"{'batch':>6} {'status':<9} {'source':<12} {'stream':<30} {'waiting':>7}  first reason"
        )
        for w in found:
            _say(
                f"{w.batch_id:>6} {w.status:<9} {w.source:<12} {w.stream:<30} {w.waiting:>7}  "
                f"{terminal_safe(w.first_reason or '')[:90]}"
            )
        _say(
            "\n`leadership quarantine show BATCH` for the rows; "
            "`leadership quarantine release BATCH` after the fix."
        )
    elif args.action == "show":
        _require_batch(args)
        info = quarantine.batch(args.batch)
        _say(
            f"batch {info['batch_id']}: {info['feed']}__{info['stream']} from {info['source']} "
            f"({info['source_ref']}), {info['status']}; received {info['received']}, "
            f"published {info['published']}, quarantined {info['quarantined']}"
        )
        if info["message"]:
            _say(f"message: {terminal_safe(info['message'])}")
        for row in quarantine.rows(args.batch, limit=args.limit, unreleased_only=False):
            state = (
                f" (released into batch {row['released_batch_id']})" if row["released_at"] else ""
            )
            _say(f"\nrow {row['row_number']}{state}:")
            for reason in row["reasons"]:
                _say(f"  - {terminal_safe(reason)}")
            _say(f"  record: {terminal_safe(json.dumps(row['record'], ensure_ascii=False))[:400]}")
    elif args.action == "release":
        _require_batch(args)
        result = quarantine.release(
            args.batch, accept_batch_checks=args.accept_batch_checks, note=args.note
        )
        _say(result.summary())
        if result.quarantined:
            _say(
                f"{result.quarantined} row(s) still fail: "
                f"`leadership quarantine show {result.batch_id}`"
            )
    elif args.action == "docs":
        _say(f"Data Docs: {quarantine.build_docs()}")
    return 0


def _require_batch(args: argparse.Namespace) -> None:
    if args.batch is None:
        raise SystemExit(f"error: `leadership quarantine {args.action}` needs a batch id")


def _quarter(text: str) -> str:
    if not re.fullmatch(r"\d{4}Q[1-4]", text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a quarter like 2026Q3")
    return text


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="leadership", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"leadership {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log at INFO level")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("demo", help="run the simulated institution end to end through Airflow")
    p.add_argument("--scale", default="small", choices=["small", "institution", "network"])
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--no-airflow", action="store_true", help="call the jobs directly, no Airflow")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("sync", help="sync one source into the warehouse (no Airflow needed)")
    p.add_argument("source", help="e.g. hr-csv")
    p.add_argument("--path", help="folder of a file drop (on the SFTP server with --location sftp)")
    p.add_argument(
        "--location", choices=["local", "sftp"], help="where a file drop is (default: see README)"
    )
    p.add_argument("--stream", action="append", help="only this stream (repeatable)")
    p.add_argument("--full-refresh", action="store_true", help="ignore bookmarks, re-read all")
    p.set_defaults(func=cmd_sync)

    p = sub.add_parser(
        "dbt", help="run dbt with the warehouse's profile, e.g. `leadership dbt build`"
    )
    p.add_argument("dbt_args", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_dbt)

    p = sub.add_parser("airflow", help="run an Airflow command against the local Airflow home")
    p.add_argument("airflow_args", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_airflow)

    p = sub.add_parser(
        "backfill", help="run the quarterly DAGs for past quarters in the local Airflow"
    )
    p.add_argument("quarters", nargs="+", type=_quarter, help="e.g. 2026Q1 2026Q2")
    p.set_defaults(func=cmd_backfill)

    p = sub.add_parser("warehouse", help="the warehouse: url, migrate, psql, stop (embedded)")
    p.add_argument("action", choices=["url", "migrate", "psql", "stop"])
    p.add_argument("--show-secret", action="store_true", help="print the URL with its password")
    p.set_defaults(func=cmd_warehouse)

    p = sub.add_parser("status", help="recent batches")
    p.add_argument("--limit", type=int, default=20)
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("simulate", help="write the simulated HR drop (--all-feeds: every feed)")
    p.add_argument("--out", required=True)
    p.add_argument("--scale", default="small", choices=["small", "institution", "network"])
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--plant-bad-rows", action="store_true")
    p.add_argument(
        "--all-feeds", action="store_true", help="every feed's drop, in OUT/<feed>/ (hr, lms, ...)"
    )
    p.add_argument(
        "--serve",
        action="store_true",
        help="also serve every vendor API on fixed ports until stopped",
    )
    p.add_argument("--host", default="127.0.0.1", help="--serve: the address to listen on")
    p.add_argument("--public-host", help="--serve: the host name clients use (compose: simulator)")
    p.add_argument("--base-port", type=int, default=8801, help="--serve: the first port")
    p.set_defaults(func=cmd_simulate)

    p = sub.add_parser(
        "match", help="mentor matching: files in and out, or the quarterly run on the warehouse"
    )
    p.add_argument("--residents", help="R.csv (file mode)")
    p.add_argument("--mentors", help="M.csv (file mode)")
    p.add_argument("--out", help="A.csv to write (file mode)")
    p.add_argument("--quarter", help="warehouse mode: the quarter to match, e.g. 2026Q4")
    p.add_argument(
        "--full-rematch", action="store_true", help="warehouse mode: do not keep current pairs"
    )
    p.set_defaults(func=cmd_match)

    p = sub.add_parser(
        "export", help="quarterly outputs: readiness review, oversight lists, extracts, summaries"
    )
    p.add_argument(
        "output",
        choices=["readiness", "oversight", "accreditation", "hr-summaries", "kpis", "fte", "all"],
    )
    p.add_argument("--quarter", help="the completed quarter, e.g. 2026Q3 (default: the last one)")
    p.add_argument(
        "--annual", type=int, metavar="YEAR", help="accreditation: also the year's bundle"
    )
    p.add_argument(
        "--location", choices=["local", "sftp"], help="where the outbox is (default: see README)"
    )
    p.add_argument("--out", help="the outbox folder (remote with --location sftp)")
    p.add_argument(
        "--no-build", action="store_true", help="use the marts as they are (no dbt build first)"
    )
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("bench", help="measure speed against the obvious alternative")
    p.add_argument("what", choices=["match", "validate", "load", "pipeline"])
    p.add_argument("--scale", default="institution", choices=["small", "institution", "network"])
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument(
        "--profile",
        type=Path,
        metavar="PATH",
        help="also profile this process with pyinstrument into PATH (HTML; text if .txt)",
    )
    p.set_defaults(func=cmd_bench)

    p = sub.add_parser("quarantine", help="inspect and release quarantined rows and held batches")
    p.add_argument("action", choices=["list", "show", "release", "docs"])
    p.add_argument("batch", nargs="?", type=int, help="batch id (show, release)")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument(
        "--accept-batch-checks",
        action="store_true",
        help="release: the batch is right as it is; skip batch-level expectations",
    )
    p.add_argument("--note", help="release: why (kept in ops.batches.release_note)")
    p.set_defaults(func=cmd_quarantine)

    p = sub.add_parser(
        "dashboard", help="serve the program-director dashboard (Streamlit, reads the marts)"
    )
    p.add_argument("--port", type=int, default=8501)
    p.add_argument(
        "--address", default="127.0.0.1", help="address to listen on (0.0.0.0: every interface)"
    )
    p.set_defaults(func=cmd_dashboard)

    p = sub.add_parser("expectations", help="GX project upkeep")
    p.add_argument("action", choices=["scaffold"])
    p.set_defaults(func=cmd_expectations)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # pgserver asks platformdirs for a runtime dir; the fallback it warns about is fine.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    from integrations.common.schema import ExtractError
    from leadership.dbt import DbtError
    from leadership.exports.marts import MartsMissing
    from leadership.exports.outbox import OutboxError
    from leadership.local_airflow import AirflowRunError
    from leadership.matching.files import MatchInputError
    from leadership.matching.quarterly import MatchingHistoryError, MatchingInputsMissing
    from leadership.quarantine import QuarantineError
    from leadership.sync import SyncError
    from leadership.validation import ValidationSetupError
    from leadership.warehouse import WarehouseError

    try:
        return int(args.func(args) or 0)
    except (
        SyncError,
        ExtractError,
        DbtError,
        AirflowRunError,
        ValidationSetupError,
        WarehouseError,
        QuarantineError,
        MatchInputError,
        MatchingInputsMissing,
        MatchingHistoryError,
        MartsMissing,
        OutboxError,
    ) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
