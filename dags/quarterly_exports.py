"""
### Quarterly exports

At the start of each quarter, for the quarter just completed, the files that leave the
platform, each in the outbox under a folder carrying the quarter, with a manifest
(files, row counts, sha256):

- `accreditation/<quarter>/<program>.xlsx` and `.csv` (GME office, DIO), and with
  `annual_bundle` the calendar year's bundle `accreditation/<year>/` for the self-study;
- `hr-summaries/<quarter>/<physician_id>.pdf` and `.json` (HR);
- `kpis/<quarter>/deans_kpis.csv` (dean's office);
- `fte/<quarter>/mentor_fte_credits.csv` (HR, promotion files).

- Owner: data engineering, for HR, the dean's office and the GME office. Quarterly; or
  trigger with `quarter` = the quarter to export (e.g. 2026Q3).
- When it fails: "not built" means the warehouse build has not run: run
  `warehouse_build` first. An outbox error names the folder or SFTP connection
  (`sftp_default`, extra `outbox_root`) to check. Each export is its own task: clear
  only the failed one. Re-running a quarter writes the same bytes. Reproduce with
  `leadership export all --quarter 2026Q3`.
"""

from airflow.sdk import Param, dag, task

from leadership.orchestration import (
    ALONE_ON_THE_MARTS,
    marts_for_the_quarter,
    prepare_marts,
    quarter_window,
    quarterly_dag_args,
)

ARGS = quarterly_dag_args()
ARGS["params"]["annual_bundle"] = Param(
    False, type="boolean", description="Also write the accreditation bundle of the quarter's year"
)


@dag(dag_id="quarterly_exports", tags=["quarterly", "exports"], doc_md=__doc__, **ARGS)
def quarterly_exports() -> None:
    @task(**ALONE_ON_THE_MARTS)  # no build moves the marts while they are read
    def export(output: str) -> list[str]:
        from airflow.sdk import get_current_context

        from leadership.exports.run import run_output

        context = get_current_context()
        marts_for_the_quarter(context)  # a build since prepare_marts may have moved them
        quarter = quarter_window(context).completed
        annual = int(quarter[:4]) if context["params"].get("annual_bundle") else None
        return run_output(output, quarter, annual=annual if output == "accreditation" else None)

    marts = prepare_marts()
    for output in ("accreditation", "hr-summaries", "kpis", "fte"):
        marts >> export.override(task_id=f"export_{output.replace('-', '_')}")(output)


quarterly_exports()
