"""
### Quarterly mentor matching

At the start of each quarter: matches every resident with a peer mentor, a senior
attending mentor and a department chair sponsor for the quarter starting, from the
match-input marts (exact, capacity-aware, deterministic; see `leadership.matching`).
Current pairs whose mentor is still eligible are kept unless `full_rematch` is set.
Writes `program.assignments` (with history), `program.unmatched` (with reasons) and
mentor notifications (`program.notifications`), then rebuilds the assignment marts
(current assignments, coverage, FTE credits, equity audit).

- Owner: data engineering, for the program directors. Quarterly; or trigger with
  `quarter` = the quarter just completed (matching is for the one after it).
- When it fails: "match-input marts are missing" means the warehouse build has not run;
  run `warehouse_build` first. Re-running a quarter changes nothing that is already right.
  A backfill of a quarter before the last one matched skips matching (history only
  moves forward) and leaves the assignments as they are.
  Reproduce with `leadership match --quarter 2026Q4`.
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
ARGS["params"]["full_rematch"] = Param(
    False, type="boolean", description="Re-match everyone, keep no pair"
)


@dag(dag_id="quarterly_matching", tags=["quarterly", "matching"], doc_md=__doc__, **ARGS)
def quarterly_matching() -> None:
    @task(**ALONE_ON_THE_MARTS)
    def match_mentors() -> list[str]:
        from airflow.sdk import get_current_context
        from airflow.sdk.exceptions import AirflowSkipException

        from leadership.matching.quarterly import MatchingHistoryError, run_matching

        context = get_current_context()
        window = quarter_window(context)
        marts_for_the_quarter(context)  # a build since prepare_marts may have moved them
        try:
            summary = run_matching(
                window.starting, full_rematch=bool(context["params"].get("full_rematch"))
            )
        except MatchingHistoryError as refused:  # a backfill of a quarter long matched
            raise AirflowSkipException(str(refused)) from None
        return summary.lines()

    @task(**ALONE_ON_THE_MARTS)
    def rebuild_assignment_marts() -> str:
        from airflow.sdk import get_current_context

        from leadership.dbt import rebuild_assignment_marts

        context = get_current_context()
        output = rebuild_assignment_marts(quarter_window(context).as_of, run_id=context["run_id"])
        return output[-2000:]

    prepare_marts() >> match_mentors() >> rebuild_assignment_marts()


quarterly_matching()
