"""
### HR sync (CSV file drop)

Reads the dated HR files (`workers_<date>.csv`, `job_history_<date>.csv`) newer than
each stream's bookmark, validates them with the Great Expectations suites in
`expectations/`, and publishes each file as one batch to `raw.hr__*`; failing rows
go to `quarantine.hr__*` with their reasons. Updates the `raw.hr__*` Assets, which
schedule `warehouse_build`.

- Owner: data engineering. Daily.
- Drop folder: the `path` param, else `<remote_root>/hr` over SFTP when the
  `sftp_default` connection's extra has `remote_root`, else `$LEADERSHIP_DROP_DIR/hr`.
- When it fails: the task log says which file and why; unreadable files also leave a
  row in `ops.sync_failures`. Nothing of a failed run is published. Fix the file (or
  ask HR to re-send) and clear the task. Reproduce with `leadership sync hr-csv`.
"""

from airflow.sdk import dag

from leadership.orchestration import sync_dag_args, sync_tasks


@dag(
    dag_id="hr_sync",
    schedule="@daily",
    tags=["sync", "hr", "file-drop"],
    doc_md=__doc__,
    **sync_dag_args(),
)
def hr_sync() -> None:
    sync_tasks([("hr_csv", "hr")])


hr_sync()
