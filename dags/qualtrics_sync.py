"""
### Qualtrics sync (surveys and program forms)

Starts a response export per survey, polls it, downloads the zip, and maps question
ids to the survey items; after the first run only responses recorded since the last
one. Publishes `raw.surveys__*`.

- Owner: data engineering. Daily. Connection `qualtrics_default` (`extra.surveys`).
- Use this DAG or `redcap_sync`, whichever system the institution runs.
- When it fails: a `failed` export or a 4xx is named in the log with Qualtrics'
  request id. Nothing of a failed run is published. Reproduce with
  `leadership sync qualtrics`.
"""

from airflow.sdk import dag

from leadership.orchestration import sync_dag_args, sync_tasks


@dag(
    dag_id="qualtrics_sync",
    schedule="@daily",
    tags=["sync", "surveys", "qualtrics"],
    doc_md=__doc__,
    **sync_dag_args(),
)
def qualtrics_sync() -> None:
    sync_tasks([("qualtrics", "surveys")])


qualtrics_sync()
