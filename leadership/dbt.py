"""Run dbt against the warehouse, with the profile's variables derived from WAREHOUSE_URL.

``dbt/profiles.yml`` reads ``DBT_PG_*`` variables; :func:`profile_env` builds them
from the one warehouse URL so that dbt, the loader and the quarterly jobs always
talk to the same database. ``leadership dbt ...`` and the tests call
:func:`run_dbt`; the warehouse_build DAG (Cosmos) uses :func:`profile_env` too.

dbt's target and log folders live under ``LEADERSHIP_HOME`` (``.local/dbt``), so two
homes (two test workers, a demo beside a build) never write over each other's
partial-parse state; only ``dbt parse`` writes ``dbt/target/manifest.json``, which
Cosmos renders the build DAG from.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from leadership.config import DBT_DIR, local_dir
from leadership.dbt_refresh import DAY_TAG, build_refresh
from leadership.dbt_worker import DbtWorker, WorkerStopped
from leadership.warehouse import connection_params, warehouse_url

PROFILE_NAME = "leadership"
TARGET_NAME = "warehouse"
MANIFEST = DBT_DIR / "target" / "manifest.json"
# What decides what a build writes: a change to any of these is a change of the marts.
PROJECT_PARTS = ("dbt_project.yml", "models", "macros", "seeds", "tests", "snapshots")
# How long ops.refresh_models and ops.dbt_invocations keep a record before a full build.
KEEP_RECORDS = timedelta(days=90)
# dbt stays up between this process's commands (leadership/dbt_worker.py): it parses the
# project once instead of once per command.
_WORKER = DbtWorker()


def work_dir() -> Path:
    """Where dbt keeps its target (compiled SQL, run results) and logs for this home."""
    return local_dir() / "dbt"


class DbtError(RuntimeError):
    """dbt failed; the message carries the end of its output and where the full log is."""


# dbt's sessions sort and hash a model's rows in memory up to this much per operation
# (PostgreSQL's default, 4MB, sent the readiness models' sorts to disk: a daily refresh's
# PostgreSQL time 6% less at 32MB, docs/benchmarks.md); LEADERSHIP_DBT_WORK_MEM changes it.
DBT_WORK_MEM = "32MB"
# Nor do they compile queries to machine code (JIT): at network scale the compiling cost
# the large models more than it saved (a daily refresh's build 54.7 s to 49.7 s, its
# PostgreSQL CPU a tenth less; docs/benchmarks.md); below jit_above_cost it never ran.
# PGOPTIONS="-c jit=on" turns it back on.
DBT_SESSION_SETTINGS = "-c jit=off"


def profile_env(url: str | None = None) -> dict[str, str]:
    """The environment dbt's profile reads, for the warehouse at ``url``.

    ``PGOPTIONS`` (read by libpq when dbt connects) carries dbt's session settings, before
    any the environment gives, so that those win.
    """
    params = connection_params(url or warehouse_url())
    work_mem = os.environ.get("LEADERSHIP_DBT_WORK_MEM") or DBT_WORK_MEM
    own = f"-c work_mem={work_mem} {DBT_SESSION_SETTINGS}"
    return {
        "PGOPTIONS": f"{own} {os.environ.get('PGOPTIONS', '')}".strip(),
        "DBT_PG_HOST": params["host"],
        "DBT_PG_PORT": params["port"],
        "DBT_PG_USER": params["user"],
        "DBT_ENV_SECRET_PG_PASSWORD": params["password"],
        "DBT_PG_DBNAME": params["dbname"],
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DO_NOT_TRACK": "1",
    }


def profile_env_if_configured() -> dict[str, str]:
    """Like :func:`profile_env`, but only when WAREHOUSE_URL is set (never starts a server).

    For DAG files, which must not do I/O when they are parsed.
    """
    url = os.environ.get("WAREHOUSE_URL")
    return profile_env(url) if url else {}


def run_dbt(
    args: Sequence[str],
    *,
    dbt_vars: dict[str, Any] | None = None,
    url: str | None = None,
    progress: Callable[[str], None] | None = None,
    connect: bool = True,
    every_line: bool = False,
    env: dict[str, str] | None = None,
) -> str:
    """Run ``dbt <args>`` in the project; return its output, raise DbtError on failure.

    ``connect=False`` is for commands that need no database (``parse``): the
    warehouse is then not looked up, so no embedded server is started.
    ``progress`` sees dbt's progress lines, or ``every_line`` of its output.
    ``env``: variables for this command only, on top of this process's environment.
    """
    command = [
        *args,
        "--project-dir",
        str(DBT_DIR),
        "--profiles-dir",
        str(DBT_DIR),
    ]
    if dbt_vars:
        command += ["--vars", json.dumps(dbt_vars)]
    if args and args[0] == "parse" and "--target-path" not in args:
        command += ["--target-path", str(MANIFEST.parent)]  # the manifest Cosmos reads
    # dbt needs no other system's connection: keep their secrets (and their size: a
    # connection extra can list thousands of mailboxes) out of its environment.
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW_CONN_")}
    env = {
        **inherited,
        **(profile_env(url) if connect else {"DO_NOT_TRACK": "1"}),
        "DBT_TARGET_PATH": str(work_dir() / "target"),
        "DBT_LOG_PATH": str(work_dir() / "logs"),
        **(env or {}),
    }
    lines: list[str] = []

    def take(line: str) -> None:
        lines.append(line)
        if progress and (every_line or _is_progress_line(line)):
            progress(line)

    try:
        returncode = _WORKER.run(
            command, env=env, project=project_fingerprint(), cwd=str(DBT_DIR), on_line=take
        )
    except WorkerStopped as stopped:
        returncode, lines = -1, [*lines, str(stopped)]
    if returncode != 0:
        tail = "\n".join(lines[-25:])
        raise DbtError(
            f"dbt {' '.join(args)} failed (exit {returncode}); last lines:\n{tail}\n"
            f"Full log: {work_dir() / 'logs' / 'dbt.log'}"
        )
    return "\n".join(lines)


def stop_dbt_worker() -> None:
    """End this process's dbt worker: the next command starts one and parses again."""
    _WORKER.stop()


def _is_progress_line(line: str) -> bool:
    return (
        (" of " in line and ("OK " in line or "ERROR" in line or "FAIL" in line or "PASS" in line))
        or "Completed" in line
        or "Done." in line
    )


def source_freshness(progress: Callable[[str], None] | None = None) -> str:
    """``dbt source freshness`` for the streams that have published data.

    Streams an institution does not use (no batch yet) are left out instead of being
    reported stale forever. Raises DbtError when a feed is past its error threshold.
    """
    from leadership import warehouse

    with warehouse.transaction() as conn:
        streams = conn.exec_driver_sql(
            "select distinct feed, stream from ops.batches where published > 0 order by 1, 2"
        ).all()
    if not streams:
        return "no feed has published data yet: nothing to check"
    return run_dbt(
        ["source", "freshness", "--select", *[f"source:{f}.{s}" for f, s in streams]],
        progress=progress,
    )


def record_build(
    as_of: date,
    started_at: datetime,
    *,
    selector: str | None = None,
    run_id: str | None = None,
    refreshed: str | None = None,
) -> None:
    """Note that the marts were built as of ``as_of`` (quarterly jobs read this).

    ``selector``: a partial build (the assignment marts); ``refreshed``: what a refresh
    built, which leaves every mart current like a full build (``selector`` stays null).
    A build of every mart (a full build or a refresh: the daily build is one) also
    forgets the refreshes' and dbt commands' records from more than KEEP_RECORDS before
    it: nothing before such a build decides a refresh after it. The run that built is no
    longer among the full builds running (``note_full_build_running``).
    """
    from leadership import warehouse

    with warehouse.transaction() as conn:
        conn.exec_driver_sql(
            "insert into ops.mart_builds"
            " (as_of_date, started_at, selector, run_id, refreshed, project)"
            " values (%s, %s, %s, %s, %s, %s)",
            (as_of, started_at, selector, run_id, refreshed, project_fingerprint()),
        )
        if run_id is not None:
            conn.exec_driver_sql(_FORGET_FULL_BUILD, (run_id,))
        if selector is None:
            before = started_at - KEEP_RECORDS
            conn.exec_driver_sql("delete from ops.refresh_models where recorded_at < %s", (before,))
            conn.exec_driver_sql("delete from ops.dbt_invocations where started_at < %s", (before,))


# A run's note in ops.full_builds_running goes when it records its build, or failed.
_FORGET_FULL_BUILD = "delete from ops.full_builds_running where run_id = %s"


def note_full_build_running(run_id: str, as_of: date) -> None:
    """A warehouse_build run starts to build every model through Cosmos, task by task.

    Until its ``record_build`` the marts are part old, part new: quarterly tasks wait
    (``leadership.orchestration.wait_for_full_builds``).
    """
    from leadership import warehouse

    with warehouse.transaction() as conn:
        conn.exec_driver_sql(
            "insert into ops.full_builds_running (run_id, as_of_date) values (%s, %s)"
            " on conflict (run_id) do update set as_of_date = excluded.as_of_date,"
            " started_at = now()",
            (run_id, as_of),
        )


def full_builds_running() -> list[tuple[str, date, datetime]]:
    """The warehouse_build runs noted as building every model: (run id, as-of day, when
    the run's branch or latest Cosmos task noted it)."""
    from leadership import warehouse

    with warehouse.transaction() as conn:
        rows = conn.exec_driver_sql(
            "select run_id, as_of_date, started_at from ops.full_builds_running order by started_at"
        ).all()
    return [(row.run_id, row.as_of_date, row.started_at) for row in rows]


def forget_full_build(run_id: str) -> None:
    """A noted full build whose run ended without ``record_build`` (it failed)."""
    from leadership import warehouse

    with warehouse.transaction() as conn:
        conn.exec_driver_sql(_FORGET_FULL_BUILD, (run_id,))


def project_fingerprint(root: Path = DBT_DIR) -> str:
    """A digest of the dbt project's models, macros, seeds and tests (names and contents).

    Kept with every build: marts built by another version of the project (a changed
    model, a new LRS weight in a seed) do not describe a day, whatever arrived since.
    """
    digest = hashlib.sha256()
    for part in PROJECT_PARTS:
        path = root / part
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if file.is_file():
                digest.update(file.relative_to(root).as_posix().encode() + b"\0")
                digest.update(hashlib.sha256(file.read_bytes()).digest())
    return digest.hexdigest()


ASSIGNMENT_MARTS = "stg_program__assignments+"
# What a build as of another day than the last one may change (dbt/macros/as_of_date.sql)
DAY_READERS = f"tag:{DAY_TAG}+"


def marts_describe(as_of: date) -> bool:
    """True when the marts describe ``as_of`` with everything published and matched since.

    That is: the last full build was as of ``as_of``, by this version of the dbt project,
    and started after the last batch, and the assignment marts were rebuilt (by that
    build or a later one of ASSIGNMENT_MARTS, as of the same day) after the last
    matching run.
    """
    from leadership import warehouse

    with warehouse.transaction() as conn:
        return bool(
            conn.exec_driver_sql(
                "with last_full as ("
                "   select * from ops.mart_builds where selector is null"
                "   order by build_id desc limit 1)"
                " select exists (select 1 from last_full f"
                " where f.as_of_date = %(as_of)s and f.project = %(project)s"
                " and f.started_at >= coalesce("
                "   (select max(finished_at) from ops.batches), '-infinity')"
                " and coalesce((select max(finished_at) from program.match_runs), '-infinity')"
                "   <= (select max(b.started_at) from ops.mart_builds b"
                "       where b.build_id >= f.build_id and b.as_of_date = %(as_of)s"
                "       and (b.selector is null or b.selector = %(assignments)s)))",
                {
                    "as_of": as_of,
                    "assignments": ASSIGNMENT_MARTS,
                    "project": project_fingerprint(),
                },
            ).scalar()
        )


def changed_since_last_build(as_of: date) -> list[str] | None:
    """The dbt selection a refresh as of ``as_of`` needs, or None when it needs a full build.

    A refresh is enough when the last build that left every mart current was by the same
    version of the dbt project, no partial build since was as of a third day and no dbt
    command since failed: then only what is downstream of the streams with new record
    versions since it started (and of ``program.assignments``, after a matching run) can
    differ, and, when that build was as of another day, what is downstream of the models
    that read the day (``DAY_READERS``: the next day's build, every day).
    """
    from leadership import warehouse

    with warehouse.transaction() as conn:
        last = conn.exec_driver_sql(
            "select build_id, as_of_date, started_at, project from ops.mart_builds"
            " where selector is null order by build_id desc limit 1"
        ).first()
        if last is None or last.project != project_fingerprint():
            return None
        # A partial build as of a third day, or a dbt command that failed or stopped
        # half-way, since the last full build: its marts may not follow from each other.
        untrusted = conn.exec_driver_sql(
            "select exists (select from ops.mart_builds where build_id > %(build)s"
            "   and as_of_date not in (%(as_of)s, %(last)s))"
            " or exists (select from ops.dbt_invocations where started_at >= %(started)s"
            "   and succeeded is not true)",
            {
                "build": last.build_id,
                "as_of": as_of,
                "last": last.as_of_date,
                "started": last.started_at,
            },
        ).scalar()
        if untrusted:
            return None
        streams = conn.exec_driver_sql(
            "select distinct feed, stream from ops.batches"
            " where inserted > 0 and finished_at >= %s order by 1, 2",
            (last.started_at,),
        ).all()
        matched_since = conn.exec_driver_sql(
            "select coalesce((select max(finished_at) from program.match_runs), '-infinity')"
            " > (select max(started_at) from ops.mart_builds"
            "    where build_id >= %s and (selector is null or selector = %s))",
            (last.build_id, ASSIGNMENT_MARTS),
        ).scalar()
    selection = [f"source:{feed}.{stream}+" for feed, stream in streams]
    selection += [ASSIGNMENT_MARTS] if matched_since else []
    return selection + ([DAY_READERS] if last.as_of_date != as_of else [])


def rebuild_assignment_marts(as_of: date, *, run_id: str | None = None) -> str:
    """After a matching run: rebuild what reads ``program.assignments``, as of ``as_of``."""
    started = datetime.now(UTC)
    output = run_dbt(
        ["build", "--select", ASSIGNMENT_MARTS], dbt_vars={"as_of_date": as_of.isoformat()}
    )
    record_build(as_of, started, selector=ASSIGNMENT_MARTS, run_id=run_id)
    return output


def build_marts(
    as_of: date,
    *,
    force: bool = False,
    run_id: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> str:
    """``dbt build`` as of ``as_of``, unless the marts already describe that day.

    Quarterly jobs call this first, so a backfilled quarter reads marts of its own
    quarter's end, and a re-run does not rebuild what is already right. After new
    batches only what they reach is rebuilt; after a change to the dbt project
    (``project_fingerprint``) everything is.
    """
    from leadership.matching.quarterly import quarter_of

    if not force and marts_describe(as_of):
        return f"the marts already describe {as_of}; nothing arrived since: not rebuilt"
    refresh = None if force else changed_since_last_build(as_of)
    started = datetime.now(UTC)
    if refresh == []:  # batches arrived, but none changed a record: the marts stand
        record_build(as_of, started, run_id=run_id, refreshed="")
        return f"no record changed since the marts were built as of {as_of}: not rebuilt"
    dbt_vars = {"as_of_date": as_of.isoformat()}
    if refresh:
        output, summary = build_refresh(
            refresh,
            dbt_vars,
            run_dbt,
            _refresh_outcomes,
            _missing_relations,
            progress,
            new_day=DAY_READERS in refresh,
            new_quarter=quarter_of(as_of) != quarter_of(_last_build_day() or as_of),
        )
        output += "\n" + summary
        if progress:
            progress(summary)
    else:
        output = run_dbt(["build"], dbt_vars=dbt_vars, progress=progress)
    record_build(as_of, started, run_id=run_id, refreshed=" ".join(refresh) if refresh else None)
    return output


def _last_build_day() -> date | None:
    """The day the last build that left every mart current describes."""
    from leadership import warehouse

    with warehouse.transaction() as conn:
        return conn.exec_driver_sql(
            "select as_of_date from ops.mart_builds where selector is null"
            " order by build_id desc limit 1"
        ).scalar()


def _missing_relations(relations: list[str]) -> set[str]:
    """Which of ``relations`` (``"schema"."name"``) the warehouse does not have."""
    from leadership import warehouse

    if not relations:
        return set()
    with warehouse.transaction() as conn:
        return set(
            conn.exec_driver_sql(
                "select relation from unnest(cast(%s as text[])) as relation"
                " where to_regclass(relation) is null",
                (relations,),
            ).scalars()
        )


def _refresh_outcomes(refresh_id: str) -> dict[str, str]:
    """What a refresh did with each table it reached so far (ops.refresh_models)."""
    from leadership import warehouse

    with warehouse.transaction() as conn:
        return dict(
            conn.exec_driver_sql(
                "select model, outcome from ops.refresh_models where refresh_id = %s",
                (refresh_id,),
            ).all()
        )


def parse() -> Path:
    """Write ``dbt/target/manifest.json`` (Cosmos renders the build DAG from it)."""
    run_dbt(["parse", "--quiet"], connect=False)
    return MANIFEST
