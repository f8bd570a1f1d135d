"""Every DAG file imports cleanly and follows the house rules (tags, retries, docs, no cycles)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from leadership.config import DAGS_DIR

DAG_FILES = sorted(p for p in DAGS_DIR.glob("*.py") if not p.name.startswith("_"))


@pytest.fixture(scope="module")
def dagbag():
    from leadership import dbt

    if not dbt.MANIFEST.exists():
        dbt.parse()
    from airflow.dag_processing.dagbag import DagBag

    started = time.monotonic()
    bag = DagBag(dag_folder=str(DAGS_DIR))
    bag.parse_seconds = time.monotonic() - started
    return bag


def test_every_dag_file_imports_without_errors(dagbag) -> None:
    assert dagbag.import_errors == {}
    assert len(DAG_FILES) >= 2


def test_one_dag_per_file_named_after_the_file(dagbag) -> None:
    by_file = {Path(dag.fileloc).stem: dag_id for dag_id, dag in dagbag.dags.items()}
    assert sorted(by_file) == sorted(p.stem for p in DAG_FILES)
    for stem, dag_id in by_file.items():
        assert stem == dag_id


@pytest.mark.parametrize("dag_file", [p.stem for p in DAG_FILES])
def test_dag_has_tags_docs_owner_and_retries(dagbag, dag_file: str) -> None:
    dag = dagbag.dags[dag_file]
    assert dag.tags, f"{dag_file} has no tags"
    assert dag.doc_md and "When it fails" in dag.doc_md
    for task in dag.tasks:
        assert task.retries >= 1, f"{dag_file}.{task.task_id} has no retries"
        assert task.retry_exponential_backoff, f"{dag_file}.{task.task_id}"
        assert task.owner == "data-engineering"


@pytest.mark.parametrize("dag_file", [p.stem for p in DAG_FILES])
def test_no_cycles(dagbag, dag_file: str) -> None:
    dagbag.dags[dag_file].check_cycle()


def test_quarterly_tasks_and_the_build_take_turns_on_the_marts(dagbag) -> None:
    """A quarterly task reads the marts as of its quarter's end: no build may move them
    to another day while it runs (it takes every slot of the marts' pool, as the refresh
    does; Cosmos's model and test tasks take one each), each task builds them back first if
    one did since ``prepare_marts``, and waits while a Cosmos build is half-way
    (leadership.orchestration.marts_for_the_quarter).
    """
    from leadership.orchestration import MARTS_POOL, MARTS_POOL_SLOTS, note_full_build

    quarterly = [dag for dag in dagbag.dags.values() if "quarterly" in dag.tags]
    assert len(quarterly) == 4
    build = dagbag.dags["warehouse_build"]
    cosmos = [task for task in build.tasks if task.task_id.startswith("dbt.")]
    assert cosmos
    for task in cosmos:
        assert (task.pool, task.pool_slots) == (MARTS_POOL, 1), task.task_id
        assert note_full_build in task.on_execute_callback, task.task_id
    for dag in [*quarterly, build]:
        for task in dag.tasks:
            if dag.dag_id == "warehouse_build" and task.task_id != "refresh":
                continue  # the branch, freshness, record_build and Cosmos's tasks (above)
            assert (task.pool, task.pool_slots) == (MARTS_POOL, MARTS_POOL_SLOTS), (
                f"{dag.dag_id}.{task.task_id}"
            )
    source = "\n".join(
        (DAGS_DIR / f"{dag.dag_id}.py").read_text(encoding="utf-8") for dag in quarterly
    )
    readers = source.count("run_output(") + source.count("run_matching(")
    assert source.count("marts_for_the_quarter(context)") == readers


def test_every_sync_publishes_its_feeds_assets_and_the_build_listens(dagbag) -> None:
    from integrations.contracts import CONTRACTS

    build = dagbag.dags["warehouse_build"]
    scheduled_on = {asset.name for asset in build.timetable.asset_condition.objects}
    published: set[str] = set()
    for dag_id, dag in dagbag.dags.items():
        if "sync" in dag.tags:
            outlets = {o.name for t in dag.tasks for o in t.outlets}
            assert outlets, f"{dag_id} publishes no Asset"
            published |= outlets
    assert published == {f"raw.{name}" for name in CONTRACTS} == scheduled_on
    assert {o.name for t in dagbag.dags["hr_sync"].tasks for o in t.outlets} == {
        "raw.hr__workers",
        "raw.hr__job_history",
        "raw.hr__demographics",
    }


def test_warehouse_build_renders_every_dbt_model(dagbag) -> None:
    import json

    from leadership.dbt import MANIFEST

    manifest = json.loads(MANIFEST.read_text())
    models = {n["name"] for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    tasks = {t.task_id for t in dagbag.dags["warehouse_build"].tasks}
    for model in models:
        assert f"dbt.{model}_run" in tasks
    assert "dbt.dbt_test" in tasks and "record_build" in tasks


def test_dag_files_do_no_work_at_import(dagbag) -> None:
    # Parsing every file (Cosmos included) stays well inside Airflow's import timeout.
    assert dagbag.parse_seconds < 30


def test_openlineage_is_installed_and_off_unless_turned_on(monkeypatch) -> None:
    from airflow.providers.openlineage import conf

    from leadership.local_airflow import airflow_env

    monkeypatch.delenv("AIRFLOW__OPENLINEAGE__DISABLED", raising=False)
    assert airflow_env()["AIRFLOW__OPENLINEAGE__DISABLED"] == "True"
    monkeypatch.setenv("AIRFLOW__OPENLINEAGE__DISABLED", "True")
    if hasattr(conf.is_disabled, "cache_clear"):
        conf.is_disabled.cache_clear()
    assert conf.is_disabled() is True
