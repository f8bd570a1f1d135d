"""
### REDCap sync (surveys and program forms)

Exports the program's REDCap instruments (confidence survey, mentorship
satisfaction, mentor activity logs, mentor contracts and deliverables, career
interests) in record batches; after the first run only records created or modified
since the last one. Publishes `raw.surveys__*`.

- Owner: data engineering. Daily. Connection `redcap_default`.
- Use this DAG or `qualtrics_sync`, whichever system the institution runs.
- When it fails: REDCap's `{"error": ...}` message is in the log; 500/504 on large
  exports means the batch size in the connection's extra is too big. Nothing of a
  failed run is published. Reproduce with `leadership sync redcap`.
"""

from airflow.sdk import dag

from leadership.orchestration import sync_dag_args, sync_tasks


@dag(
    dag_id="redcap_sync",
    schedule="@daily",
    tags=["sync", "surveys", "redcap"],
    doc_md=__doc__,
    **sync_dag_args(),
)
def redcap_sync() -> None:
    sync_tasks([("redcap", "surveys")])


redcap_sync()
