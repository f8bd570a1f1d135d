"""Run several DAGs one after the other in one Python process, as ``airflow dags test`` does.

``airflow dags test`` pays Airflow's start-up (and Great Expectations' import) per DAG;
the demo and the end-to-end tests run a whole chain, so they start this module once:

    python -m leadership.airflow_runner '[{"dag_id": "hr_sync", "conf": {...}}, ...]'

A step may carry a ``logical_date`` (ISO 8601): the run then gets the data interval
the DAG's timetable gives that date, as a scheduled or backfilled run would.

Each DAG runs to completion with ``dag.test()`` (real task instances, XComs, Assets;
no scheduler). One line per DAG reports its state; the process stops at the first
DAG that does not succeed. The environment is the caller's (``local_airflow.airflow_env``).
"""

from __future__ import annotations

import json
import sys
import time

RESULT = "LEADERSHIP_DAG_RESULT "


def main(argv: list[str]) -> int:
    plan = json.loads(argv[1])
    from airflow.utils.cli import get_bagged_dag

    for step in plan:
        started = time.monotonic()
        dag = get_bagged_dag(None, step["dag_id"])
        options = {}
        if step.get("logical_date"):
            from datetime import datetime

            options["logical_date"] = datetime.fromisoformat(step["logical_date"])
        run = dag.test(run_conf=step.get("conf") or None, **options)
        state = str(getattr(run.state, "value", run.state)) if run else "unknown"
        print(
            RESULT
            + json.dumps(
                {
                    "dag_id": step["dag_id"],
                    "state": state,
                    "seconds": round(time.monotonic() - started, 1),
                }
            ),
            flush=True,
        )
        if state != "success":
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
