"""
### Quarterly oversight review list

At the start of each quarter, for the quarter just completed: the program director's
review list of mentors with no leadership-exposure log in the quarter, and of the
mentorship-contract deliverables overdue at its end, as
`oversight/<quarter>/mentors_without_exposure_log.csv` and `overdue_deliverables.csv`
in the outbox (a local folder, or SFTP in production), with a manifest.

- Owner: data engineering, for the program directors. Quarterly; or trigger with
  `quarter` = the quarter to review (e.g. 2026Q3).
- When it fails: "not built" means the warehouse build has not run: run
  `warehouse_build` first. An outbox error names the folder or SFTP connection to
  check. Re-running a quarter writes the same bytes. Reproduce with
  `leadership export oversight --quarter 2026Q3`.
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
    dag_id="quarterly_oversight",
    tags=["quarterly", "oversight"],
    doc_md=__doc__,
    **quarterly_dag_args(),
)
def quarterly_oversight() -> None:
    @task(**ALONE_ON_THE_MARTS)  # no build moves the marts while they are read
    def review_list() -> list[str]:
        from airflow.sdk import get_current_context

        from leadership.exports.run import run_output

        context = get_current_context()
        marts_for_the_quarter(context)  # a build since prepare_marts may have moved them
        return run_output("oversight", quarter_window(context).completed)

    prepare_marts() >> review_list()


quarterly_oversight()
