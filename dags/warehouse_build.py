"""
### Warehouse build (dbt, rendered by Cosmos)

Runs the dbt project in `dbt/` (staging -> intermediate -> marts) whenever a sync
publishes new raw data. The marts describe the `as_of_date` param, else the day the run
was queued. `plan_build` picks one of two ways:

- `refresh`, when the marts were last built in full (or refreshed) by the same project
  and no dbt command failed since: one task building only what the streams with new
  record versions reach, and on a new day what the models that read the day reach,
  stopping where the data stops changing (tables whose inputs came out unchanged are
  kept; `ops.refresh_models` says which). It records the build itself.
- `dbt` otherwise (no build yet, a changed project, a failure since): one Airflow task per
  model and seed, then one task running every dbt test; `record_build` notes the day
  for the quarterly jobs. From the branch to `record_build` the run is noted in
  `ops.full_builds_running`: quarterly tasks wait (rescheduled) rather than read marts
  that are part old, part new.
- Pool `warehouse_builds`: the refresh takes every slot, Cosmos's tasks one each, so no
  quarterly task (every slot too) runs beside either.

- Owner: data engineering.
- Schedule: any `raw.*` Asset update (see the sync DAGs).
- `source_freshness` checks each feed against its cadence (HR, LMS and surveys: warn
  after 2 days, error after 7; calendar: warn after 12 hours, error after 2 days); it
  runs beside the build, so a stale feed alerts without blocking the marts.
- When it fails: the failing task is the failing model or test; its log has dbt's
  message. Reproduce outside Airflow with `leadership dbt build --select <model>`.
  If this DAG fails to import, run `leadership dbt parse` (Cosmos reads the manifest).
"""

from __future__ import annotations

from functools import reduce

from airflow.sdk import Param, dag, task
from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import (
    ExecutionMode,
    InvocationMode,
    LoadMode,
    TestBehavior,
    TestIndirectSelection,
)

from integrations.contracts import CONTRACTS
from leadership.config import DBT_DIR
from leadership.dbt import MANIFEST, PROFILE_NAME, TARGET_NAME, profile_env_if_configured
from leadership.orchestration import (
    ALONE_ON_THE_MARTS,
    BUILD_AS_OF_TEMPLATE,
    DEFAULT_ARGS,
    MARTS_POOL,
    START_DATE,
    build_as_of,
    build_branch,
    cosmos_select,
    marts_asset,
    note_full_build,
    raw_asset,
)

if not MANIFEST.exists():
    raise FileNotFoundError(
        f"dbt manifest {MANIFEST} is missing: run `leadership dbt parse` (make does it)"
    )

RAW_ASSETS = [raw_asset(contract) for contract in CONTRACTS.values()]


@dag(
    dag_id="warehouse_build",
    schedule=reduce(lambda a, b: a | b, RAW_ASSETS),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["dbt", "warehouse"],
    doc_md=__doc__,
    params={
        "as_of_date": Param(
            None,
            type=["null", "string"],
            format="date",
            description="The day the marts describe (YYYY-MM-DD)",
        ),
    },
)
def warehouse_build() -> None:
    @task
    def source_freshness() -> str:
        """dbt source freshness per feed; runs beside the build so staleness alerts, not blocks."""
        from leadership.dbt import source_freshness as check

        return check()

    @task(outlets=[marts_asset()])
    def record_build() -> str:
        """Note the day the marts now describe (quarterly jobs check it before reading)."""
        from airflow.sdk import get_current_context

        from leadership.dbt import record_build as note

        context = get_current_context()
        as_of = build_as_of(context)
        note(
            as_of,
            context["dag_run"].start_date,
            run_id=context["run_id"],
            selector=",".join(cosmos_select()) or None,
        )
        return f"marts describe {as_of}"

    @task.branch
    def plan_build() -> str:
        """`refresh` when only what the changed streams reach needs building, else `dbt`."""
        from airflow.sdk import get_current_context

        return build_branch(get_current_context())

    @task(outlets=[marts_asset()], **ALONE_ON_THE_MARTS)
    def refresh() -> str:
        """Build what the changed streams and the day reach; records the build."""
        from airflow.sdk import get_current_context

        from leadership.dbt import build_marts

        context = get_current_context()
        return build_marts(build_as_of(context), run_id=context["run_id"])[-2000:]

    source_freshness()
    plan = plan_build()
    plan >> refresh()
    (
        plan
        >> DbtTaskGroup(
            group_id="dbt",
            project_config=ProjectConfig(
                dbt_project_path=DBT_DIR, manifest_path=MANIFEST, install_dbt_deps=False
            ),
            profile_config=ProfileConfig(
                profile_name=PROFILE_NAME,
                target_name=TARGET_NAME,
                profiles_yml_filepath=DBT_DIR / "profiles.yml",
            ),
            execution_config=ExecutionConfig(
                execution_mode=ExecutionMode.LOCAL,
                invocation_mode=InvocationMode.DBT_RUNNER,
                # With part of the project selected, a test runs only when every model it
                # reads was built here (a relationships test to an unbuilt mart would fail).
                test_indirect_selection=TestIndirectSelection.CAUTIOUS,
            ),
            render_config=RenderConfig(
                load_method=LoadMode.DBT_MANIFEST,
                # LEADERSHIP_COSMOS_SELECT (dbt selector syntax, comma-separated) renders only
                # part of the project, e.g. to split the build across DAGs; unset: everything.
                select=cosmos_select(),
                # Tests run once, after every model: relationships tests span two models, and
                # a per-model test could run before its other parent exists.
                test_behavior=TestBehavior.AFTER_ALL,
                # Downstream DAGs are scheduled on the build as a whole, not per model; and
                # Cosmos' per-model Assets need a TCP host, which the embedded warehouse lacks.
                emit_datasets=False,
            ),
            operator_args={
                "env": profile_env_if_configured(),
                "vars": {"as_of_date": BUILD_AS_OF_TEMPLATE},
                "install_deps": False,
                # one slot each: models build side by side, never beside a quarterly task
                "pool": MARTS_POOL,
                "on_execute_callback": note_full_build,
            },
        )
        >> record_build()
    )


warehouse_build()
