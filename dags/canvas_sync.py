"""
### Canvas sync (skill pods)

Reads the skill-pod courses of the pods sub-account from Canvas, with their
enrollments, assignments (rubrics) and submissions (rubric assessments; after the
first run only submissions graded or submitted since the last one). Publishes
`raw.lms__*`.

- Owner: data engineering. Daily. Connection `canvas_default`.
- When it fails: the log names the endpoint, the HTTP status and Canvas's request id.
  403 "Rate Limit Exceeded" is retried with backoff; a plain 403/401 means the token
  lost access. Nothing of a failed run is published. Reproduce with `leadership sync canvas`.
"""

from airflow.sdk import dag

from leadership.orchestration import sync_dag_args, sync_tasks


@dag(
    dag_id="canvas_sync",
    schedule="@daily",
    tags=["sync", "lms", "canvas"],
    doc_md=__doc__,
    **sync_dag_args(),
)
def canvas_sync() -> None:
    sync_tasks([("canvas", "lms")])


canvas_sync()
