"""
### Microsoft Graph calendar sync (mentor free slots)

Asks Graph `getSchedule` for the mentors' free/busy time over the coming weeks (at
most 20 mailboxes per call) and publishes free one-hour working slots per mentor and
week to `raw.calendar__free_slots`, which the matching engine's availability reads.

- Owner: data engineering. Every 4 hours. Connection `msgraph_default`.
- Mentors: the connection's `extra.mailboxes`, else the mentors in `marts.dim_physicians`
  (so the HR sync and the warehouse build must have run once).
- When it fails: 401/403 means the app registration lost `Calendars.Read`; 429 is
  retried after Retry-After. A mailbox Graph cannot read is skipped and named in the
  batch message. Reproduce with `leadership sync msgraph`.
"""

from airflow.sdk import dag

from leadership.orchestration import sync_dag_args, sync_tasks


@dag(
    dag_id="msgraph_sync",
    schedule="0 */4 * * *",
    tags=["sync", "calendar", "msgraph"],
    doc_md=__doc__,
    **sync_dag_args(),
)
def msgraph_sync() -> None:
    sync_tasks([("msgraph", "calendar")])


msgraph_sync()
