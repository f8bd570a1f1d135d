"""
### ICS calendar sync (mentor free slots)

Reads each mentor's ICS feed (recurrences, exceptions, time zones) and publishes free
one-hour working slots per mentor and week to `raw.calendar__free_slots`. Feeds that
did not change (ETag) are not downloaded again.

- Owner: data engineering. Every 4 hours. Connection `ics_default` (`extra.feeds`).
- When it fails: a broken feed is skipped and named in the batch message (that
  mentor's calendar needs fixing); the task fails only when no feed can be read.
  Reproduce with `leadership sync ics`.
"""

from airflow.sdk import dag

from leadership.orchestration import sync_dag_args, sync_tasks


@dag(
    dag_id="ics_sync",
    schedule="0 */4 * * *",
    tags=["sync", "calendar", "ics"],
    doc_md=__doc__,
    **sync_dag_args(),
)
def ics_sync() -> None:
    sync_tasks([("ics", "calendar")])


ics_sync()
