"""
### HR sync (CSV file drop)

Reads the dated HR files (`workers_<date>.csv`, `job_history_<date>.csv`) newer than
each stream's bookmark, validates them with the Great Expectations suites in
`expectations/`, and publishes each file as one batch to `raw.hr__*`; failing rows
go to `quarantine.hr__*` with their reasons. Each task updates its stream's Asset,
which schedules `warehouse_build`.

- Owner: data engineering.
- Drop folder: the `drop_dir` param, else `<remote_root>/hr` over SFTP when the
  `sftp_default` connection's extra has `remote_root`, else `$LEADERSHIP_DROP_DIR/hr`.
- When it fails: the task log says which file and why. Unreadable files leave a row in
  `ops.sync_failures`; fix the file (or ask HR to re-send) and clear the task.
  The same sync runs outside Airflow: `leadership sync hr-csv --path DIR`.
"""

from __future__ import annotations

from airflow.sdk import Param, dag, task

from integrations.contracts import contracts_for_feed
from leadership.orchestration import DEFAULT_ARGS, START_DATE, raw_asset

SOURCE = "hr_csv"


@dag(
    dag_id="hr_sync",
    schedule="@daily",
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["sync", "hr"],
    doc_md=__doc__,
    params={
        "drop_dir": Param(None, type=["null", "string"], description="Folder of HR CSV files"),
        "full_refresh": Param(False, type="boolean", description="Re-read every file"),
    },
)
def hr_sync() -> None:
    for contract in contracts_for_feed("hr"):

        @task(task_id=f"sync_{contract.name}", outlets=[raw_asset(contract)])
        def sync_stream(stream: str) -> list[str]:
            from airflow.sdk import get_current_context

            from leadership.sync import sync

            context = get_current_context()
            params, run_id = context["params"], context["run_id"]
            results = sync(
                SOURCE,
                streams=[stream],
                path=params.get("drop_dir"),
                full_refresh=bool(params.get("full_refresh")),
                run_id=run_id,
            )
            return [result.summary() for result in results]

        sync_stream(stream=contract.name)


hr_sync()
