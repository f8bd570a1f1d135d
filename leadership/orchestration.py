"""What the DAG files share: default arguments, Asset names, and the Cosmos configuration.

DAG files stay thin wiring; anything they would repeat lives here. Nothing here
does I/O when imported: DAG files are parsed often and must parse fast.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pendulum

from integrations.common.schema import StreamContract

log = logging.getLogger(__name__)

OWNER = "data-engineering"
START_DATE = pendulum.datetime(2026, 1, 1, tz="UTC")


# LEADERSHIP_TASK_RETRIES lets local runs (the demo, tests) fail fast instead of
# waiting out exponential backoff; deployments keep the default.
def on_task_failure(context: Any) -> None:
    """Say what failed and where to look: in the task log, and in ``ops.alerts``."""
    ti = context.get("task_instance") or context.get("ti")
    dag_id = getattr(ti, "dag_id", None) or context.get("dag").dag_id
    task_id = getattr(ti, "task_id", None)
    run_id = context.get("run_id")
    error = context.get("exception")
    message = f"{dag_id}.{task_id} failed in run {run_id}: {error}"
    where = (
        f"Airflow: DAG {dag_id} > run {run_id} > task {task_id} > Logs; the DAG's docs "
        '("When it fails") say what to do; `leadership status` and '
        "`leadership quarantine list` show the batches"
    )
    logging.getLogger("leadership.alerts").error("%s. Where to look: %s", message, where)
    try:
        from leadership import warehouse

        with warehouse.transaction() as conn:
            conn.exec_driver_sql(
                "insert into ops.alerts (dag_id, task_id, run_id, try_number, message,"
                " where_to_look) values (%s, %s, %s, %s, %s, %s)",
                (dag_id, task_id, run_id, getattr(ti, "try_number", None), message[:4000], where),
            )
    except Exception as exc:  # an alert must never hide the failure it reports
        logging.getLogger("leadership.alerts").warning("could not record the alert: %s", exc)


DEFAULT_ARGS: dict[str, Any] = {
    "owner": OWNER,
    "on_failure_callback": on_task_failure,
    "retries": int(os.environ.get("LEADERSHIP_TASK_RETRIES", "3")),
    "retry_delay": timedelta(minutes=2),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=30),
}


def warehouse_asset_base() -> str:
    """``postgres://host:port/database`` for Asset URIs (from WAREHOUSE_URL; no connection made).

    An embedded warehouse (a socket path) or an unset URL gives ``localhost:5432/leadership``
    so Asset identities stay stable between runs.
    """
    url = os.environ.get("WAREHOUSE_URL", "")
    parts = urlsplit(url) if url else None
    host = parts.hostname if parts and parts.hostname else "localhost"
    port = parts.port if parts and parts.port else 5432
    database = parts.path.lstrip("/") if parts and parts.path.strip("/") else "leadership"
    return f"postgres://{host}:{port}/{database}"


def raw_asset_uri(contract: StreamContract) -> str:
    return f"{warehouse_asset_base()}/raw/{contract.qualified_name}"


def raw_asset(contract: StreamContract) -> Any:
    """The Airflow Asset a sync task publishes for one stream's raw table."""
    from airflow.sdk import Asset

    return Asset(name=f"raw.{contract.qualified_name}", uri=raw_asset_uri(contract))


QUARTERLY = "0 6 1 1,4,7,10 *"  # 06:00 UTC on the first day of each quarter
# Every quarterly DAG, in the order a quarter's work runs (matching, then reviews and exports).
QUARTERLY_DAGS: list[str] = [
    "quarterly_matching",
    "quarterly_readiness_review",
    "quarterly_oversight",
    "quarterly_exports",
]


@dataclass(frozen=True)
class QuarterWindow:
    """What a quarterly run works on: the quarter just completed and the one starting."""

    completed: str  # reviewed: readiness, oversight, exports
    starting: str  # matched: assignments valid from its first day
    as_of: date  # the last day of the completed quarter: the marts describe it


def quarter_window(context: Any) -> QuarterWindow:
    """From the run's params (``quarter``: the completed quarter) or its data interval.

    A scheduled run at the start of 2026Q4 reviews 2026Q3 and matches for 2026Q4;
    a manual run with ``quarter=2026Q2`` reviews 2026Q2 and matches for 2026Q3.
    """
    params = context.get("params") or {}
    if params.get("quarter"):
        completed = str(params["quarter"])
        year, q = int(completed[:4]), int(completed[-1])
        first = date(year, 3 * (q - 1) + 1, 1)
    else:
        start = context.get("data_interval_start") or context.get("logical_date")
        first = date(start.year, 3 * ((start.month - 1) // 3) + 1, 1)
    next_first = date(first.year + (first.month == 10), (first.month + 3 - 1) % 12 + 1, 1)
    return QuarterWindow(
        completed=f"{first.year}Q{(first.month - 1) // 3 + 1}",
        starting=f"{next_first.year}Q{(next_first.month - 1) // 3 + 1}",
        as_of=next_first - timedelta(days=1),
    )


def quarterly_dag_args() -> dict[str, Any]:
    """The ``@dag`` arguments every quarterly DAG shares."""
    from airflow.sdk import Param
    from airflow.timetables.interval import CronDataIntervalTimetable

    return {
        # A data-interval timetable: the run at the start of 2026Q4 covers 2026Q3
        # (data_interval_start), so backfills and re-runs know their quarter.
        "schedule": CronDataIntervalTimetable(QUARTERLY, timezone="UTC"),
        "start_date": START_DATE,
        "catchup": False,
        "max_active_runs": 1,
        "default_args": DEFAULT_ARGS,
        "params": {
            "quarter": Param(
                None,
                type=["null", "string"],
                pattern=r"^\d{4}Q[1-4]$",
                description="The completed quarter to review, e.g. 2026Q3",
            ),
        },
    }


# The day the warehouse build describes: the `as_of_date` param, else the day the run was queued.
BUILD_AS_OF_TEMPLATE = "{{ params.as_of_date or dag_run.run_after.strftime('%Y-%m-%d') }}"


def build_as_of(context: Any) -> date:
    """The same day as BUILD_AS_OF_TEMPLATE, from a task's context."""
    given = (context.get("params") or {}).get("as_of_date")
    return date.fromisoformat(given) if given else context["dag_run"].run_after.date()


def build_branch(context: Any) -> str:
    """Which way warehouse_build goes: ``refresh`` or the Cosmos task group ``dbt``.

    A refresh (``leadership.dbt.build_marts``: only what the changed streams reach, and
    on a new day what reads the day, kept where the data stops changing) when the marts
    were last built whole by the same project and nothing failed since
    (``changed_since_last_build``); every model otherwise, and always when the DAG
    renders part of the project.

    The Cosmos way is noted in ``ops.full_builds_running`` until the run's ``record_build``:
    its tasks replace the marts one model at a time, and quarterly tasks wait for it to end
    (``wait_for_full_builds``).
    """
    from leadership.dbt import changed_since_last_build, note_full_build_running

    as_of = build_as_of(context)
    if not cosmos_select() and changed_since_last_build(as_of) is not None:
        return "refresh"
    note_full_build_running(context["run_id"], as_of)
    return "dbt"


def cosmos_select() -> list[str]:
    """The dbt nodes warehouse_build renders (LEADERSHIP_COSMOS_SELECT; empty: all of them)."""
    return [
        s.strip() for s in os.environ.get("LEADERSHIP_COSMOS_SELECT", "").split(",") if s.strip()
    ]


def marts_asset() -> Any:
    """Updated by every warehouse build: the marts as the quarterly jobs read them."""
    from airflow.sdk import Asset

    return Asset(name="marts", uri=f"{warehouse_asset_base()}/marts/all")


def sync_dag_args() -> dict[str, Any]:
    """The ``@dag`` arguments every sync DAG shares (schedule, id, tags and docs are its own)."""
    from airflow.sdk import Param

    return {
        "start_date": START_DATE,
        "catchup": False,
        "max_active_runs": 1,
        "default_args": DEFAULT_ARGS,
        "params": {
            "full_refresh": Param(False, type="boolean", description="Ignore bookmarks"),
            "path": Param(
                None,
                type=["null", "string"],
                description="File drops only: read this folder instead",
            ),
        },
    }


# The marts' pool (pools.json) works as a readers-writer lock: a Cosmos build's model
# tasks take a slot each and run side by side; the refresh and every quarterly task take
# every slot, so each runs alone, with no model task beside it.
MARTS_POOL = "warehouse_builds"
MARTS_POOL_SLOTS = 4
ALONE_ON_THE_MARTS: dict[str, Any] = {"pool": MARTS_POOL, "pool_slots": MARTS_POOL_SLOTS}

# Pools keep each vendor within its rate limits across DAGs (pools.json defines them).
SOURCE_POOLS = {
    "workday": "workday_api",
    "canvas": "canvas_api",
    "msgraph": "msgraph_api",
    "ics": "ics_feeds",
    "redcap": "redcap_api",
    "qualtrics": "qualtrics_api",
    "hr_csv": "file_drops",
    "lms_csv": "file_drops",
    "calendar_csv": "file_drops",
    "surveys_csv": "file_drops",
}


def sync_tasks(sources: list[tuple[str, str]]) -> None:
    """One task per (source, feed) pair, each publishing its feed's raw Assets.

    A task runs ``leadership.sync.sync(source)`` for every stream of the feed: the
    source is extracted in full before anything is published, so a failed task
    publishes nothing and its retry starts from the same bookmarks.
    """
    from airflow.sdk import task

    from integrations.contracts import contracts_for_feed

    for source, feed in sources:
        outlets = [raw_asset(contract) for contract in contracts_for_feed(feed)]

        @task(
            task_id=f"sync_{source}", outlets=outlets, pool=SOURCE_POOLS.get(source, "default_pool")
        )
        def run_sync(source: str) -> list[str]:
            from airflow.sdk import get_current_context
            from airflow.sdk.exceptions import AirflowFailException

            from leadership.sync import BatchHeld, sync

            context = get_current_context()
            params = context["params"]
            options = {"path": params["path"]} if params.get("path") else {}
            try:
                results = sync(
                    source,
                    full_refresh=bool(params.get("full_refresh")),
                    run_id=context["run_id"],
                    **options,
                )
            except BatchHeld as held:
                # A held batch waits for a person; retrying would only hold it again.
                raise AirflowFailException(str(held)) from None
            return [result.summary() for result in results]

        run_sync(source=source)


def prepare_marts() -> Any:
    """The first task of every quarterly DAG: the marts as of the completed quarter's end.

    Built only when they do not already describe that day (``dbt.build_marts``), so the
    quarterly DAGs of one quarter share one build, and a backfilled quarter reads marts
    of its own quarter's end. Call it inside a DAG: ``marts = prepare_marts()``.
    """
    from airflow.sdk import task

    @task(task_id="prepare_marts", **ALONE_ON_THE_MARTS)
    def build() -> str:
        """Marts as of the completed quarter's end (built only if they are not already)."""
        from airflow.sdk import get_current_context

        return marts_for_the_quarter(get_current_context())[-2000:]

    return build()


def note_full_build(context: Any) -> None:
    """Every Cosmos task of warehouse_build notes its run as a full build running, as the
    branch did: a failed run's task cleared and run again, after a quarterly task found
    the run failed and forgot it, holds the quarterly tasks off again (its callback on
    execute; a failure to note it is logged, not fatal)."""
    from leadership.dbt import note_full_build_running

    note_full_build_running(context["run_id"], build_as_of(context))


# How long a quarterly task waits before it looks again at a full build running, and how
# long a full build's run may go without starting a task before it counts as stuck.
FULL_BUILD_POLL = timedelta(minutes=5)
FULL_BUILD_PATIENCE = timedelta(hours=6)


def wait_for_full_builds(context: Any) -> None:
    """Reschedule the task while a warehouse_build run builds every model through Cosmos.

    Such a run replaces the marts one Airflow task at a time: between two of its tasks the
    marts are part old, part new, and a quarterly task that read them, or built them as of
    its own day, would leave them so. The task gives its pool slot back and looks again
    in FULL_BUILD_POLL (rescheduled, not failed: no retry is spent). A noted run that
    ended without recording its build (it failed) is forgotten. One whose tasks have not
    moved for FULL_BUILD_PATIENCE (none started since) is stuck: the task fails and says
    which run to look at, rather than wait for ever.
    """
    from airflow.sdk.exceptions import AirflowRescheduleException

    from leadership.dbt import forget_full_build, full_builds_running

    for run_id, as_of, noted_at in full_builds_running():
        try:
            state = context["ti"].get_dagrun_state(dag_id="warehouse_build", run_id=run_id)
        except Exception as exc:
            raise RuntimeError(
                f"could not look up warehouse_build run {run_id!r}, noted in"
                f" ops.full_builds_running as building every model ({exc}); if that run no"
                " longer exists, delete its row there and clear this task"
            ) from exc
        if str(state) in ("queued", "running"):
            if datetime.now(UTC) - noted_at > FULL_BUILD_PATIENCE:
                since = noted_at.astimezone(UTC)
                raise RuntimeError(
                    f"warehouse_build run {run_id!r} has been building every model as of"
                    f" {as_of} with no task started since {since:%Y-%m-%d %H:%M} UTC:"
                    " look at its running task in Airflow (stuck, or waiting for a slot of"
                    " the warehouse_builds pool); this task runs once that run ends"
                )
            log.info(
                "warehouse_build run %s is building every model as of %s; this task waits"
                " for it and looks again in %s",
                run_id,
                as_of,
                FULL_BUILD_POLL,
            )
            raise AirflowRescheduleException(datetime.now(UTC) + FULL_BUILD_POLL)
        forget_full_build(run_id)


def marts_for_the_quarter(context: Any) -> str:
    """The marts as of the completed quarter's end, built first when they are not.

    Every quarterly task that reads the marts calls it first, not only ``prepare_marts``:
    ``warehouse_build`` runs whenever a sync publishes, as of its own day, and may have
    moved the marts to that day since. Those tasks run in the ``warehouse_builds`` pool,
    so no build moves them while the task reads them, and none starts while a build of
    every model through Cosmos is half-way (``wait_for_full_builds``).
    """
    from leadership.dbt import build_marts

    wait_for_full_builds(context)
    return build_marts(quarter_window(context).as_of, run_id=context["run_id"])
