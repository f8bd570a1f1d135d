"""
### File-drop sync (LMS, calendar and survey CSV files)

For institutions that send flat files instead of API access: reads the dated CSV
files of the `lms`, `calendar` and `surveys` feeds (a local folder, or SFTP through
`sftp_default`) newer than each stream's bookmark and publishes them like the API
syncs do. HR files have their own DAG, `hr_sync`.

- Owner: data engineering. Daily.
- When it fails: the task names the feed and the file; fix or re-send the file and
  clear the task. Reproduce with `leadership sync lms-csv` (or calendar-csv, surveys-csv).
"""

from airflow.sdk import dag

from leadership.orchestration import sync_dag_args, sync_tasks


@dag(
    dag_id="file_drop_sync",
    schedule="@daily",
    tags=["sync", "file-drop"],
    doc_md=__doc__,
    **sync_dag_args(),
)
def file_drop_sync() -> None:
    sync_tasks([("lms_csv", "lms"), ("calendar_csv", "calendar"), ("surveys_csv", "surveys")])


file_drop_sync()
