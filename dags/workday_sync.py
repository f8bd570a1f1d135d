"""
### Workday sync (RaaS custom report)

Fetches the leadership workers report from Workday Report-as-a-Service (one JSON
report: workers with their job history group), as of the run's date and, after the
first run, only workers changed since the last one. Publishes `raw.hr__workers` and
`raw.hr__job_history` (the same contracts as the HR file drop).

- Owner: data engineering. Daily. Connection `workday_default`.
- When it fails: the log names the HTTP status and Workday's request id. 401: the
  integration user's password expired; 404: the report or owner in the connection's
  extra is wrong. Nothing of a failed run is published. Reproduce with
  `leadership sync workday`.
"""

from airflow.sdk import dag

from leadership.orchestration import sync_dag_args, sync_tasks


@dag(
    dag_id="workday_sync",
    schedule="@daily",
    tags=["sync", "hr", "workday"],
    doc_md=__doc__,
    **sync_dag_args(),
)
def workday_sync() -> None:
    sync_tasks([("workday", "hr")])


workday_sync()
