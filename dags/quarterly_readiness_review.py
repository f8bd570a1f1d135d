"""
### Quarterly readiness review

At the start of each quarter, for the quarter just completed: every resident with a
Leadership Readiness Score below 70 gets a coaching flag (`program.coaching_flags`,
naming the weakest dimension and the skill pods that train it), and the resident's
attending mentor and program director are told in the notification outbox
(`program.notifications`). Residents with insufficient data (fewer than three scored
dimensions) are listed apart. Both lists go to the file outbox,
`readiness/<quarter>/coaching_flags.csv` and `insufficient_data.csv`, with a manifest.

- Owner: data engineering, for the program directors. Quarterly; or trigger with
  `quarter` = the quarter to review (e.g. 2026Q3).
- When it fails: "not built" means the warehouse build has not run: run
  `warehouse_build` first. An outbox error names the folder or SFTP connection
  (`sftp_default`, extra `outbox_root`) to check. Re-running a quarter updates the
  flags in place and sends no message twice. Reproduce with
  `leadership export readiness --quarter 2026Q3`.
"""

from airflow.sdk import dag, task

from leadership.orchestration import (
    ALONE_ON_THE_MARTS,
    marts_for_the_quarter,
    prepare_marts,
    quarter_window,
    quarterly_dag_args,
)


@dag(
    dag_id="quarterly_readiness_review",
    tags=["quarterly", "readiness"],
    doc_md=__doc__,
    **quarterly_dag_args(),
)
def quarterly_readiness_review() -> None:
    @task(**ALONE_ON_THE_MARTS)  # writes program.* like matching: one quarterly job at a time
    def review_readiness() -> list[str]:
        from airflow.sdk import get_current_context

        from leadership.exports.run import run_output

        context = get_current_context()
        marts_for_the_quarter(context)  # a build since prepare_marts may have moved them
        return run_output("readiness", quarter_window(context).completed)

    prepare_marts() >> review_readiness()


quarterly_readiness_review()
