"""Run the project's DAGs with a local Airflow: metadata in SQLite under ``.local/airflow``.

``leadership demo`` and the end-to-end tests use this to run DAGs exactly as
Airflow runs them (``airflow dags test``: real task instances, XComs, Assets),
without a scheduler or a webserver. ``leadership airflow ...`` runs any Airflow
command against the same home, e.g. ``leadership airflow standalone`` for the UI.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from leadership.airflow_runner import RESULT
from leadership.config import DAGS_DIR, PROJECT_ROOT, local_dir

_RUNNING_TASK = re.compile(r"\[DAG TEST\] running task <TaskInstance: [\w-]+\.([\w.-]+) ")
_FINISHED = re.compile(r"DagRun Finished: dag_id=([\w-]+),.*? state=(\w+)")


class AirflowRunError(RuntimeError):
    """A DAG run did not succeed; the message names the log to read."""


@dataclass
class DagTestResult:
    dag_id: str
    state: str
    seconds: float
    tasks: list[str]
    log_path: Path


def airflow_home() -> Path:
    home = Path(os.environ.get("LEADERSHIP_AIRFLOW_HOME") or local_dir() / "airflow")
    home.mkdir(parents=True, exist_ok=True)
    return home


def airflow_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for Airflow commands: the local home, the project's DAGs, no examples."""
    home = airflow_home()
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_DIR),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "120",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
        "LEADERSHIP_HOME": str(local_dir()),
        # Nothing may leave the machine: no usage telemetry from Cosmos or dbt.
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        "DO_NOT_TRACK": "1",
        "SCARF_NO_ANALYTICS": "true",
        "AIRFLOW__USAGE_DATA_COLLECTION__ENABLED": "False",
        # OpenLineage is installed but off unless the caller turns it on (README).
        "AIRFLOW__OPENLINEAGE__DISABLED": os.environ.get("AIRFLOW__OPENLINEAGE__DISABLED", "True"),
        # Local runs fail fast; deployments keep the DAGs' retries.
        "LEADERSHIP_TASK_RETRIES": os.environ.get("LEADERSHIP_TASK_RETRIES", "0"),
        "PYTHONPATH": os.pathsep.join(
            p for p in (str(PROJECT_ROOT), os.environ.get("PYTHONPATH", "")) if p
        ),
    }
    env.update(extra or {})
    return env


def airflow_executable() -> str:
    candidate = Path(sys.executable).with_name("airflow")
    return str(candidate) if candidate.exists() else "airflow"


def run_airflow(
    args: Sequence[str],
    *,
    env: dict[str, str] | None = None,
    log_path: Path | None = None,
    on_line: Callable[[str], None] | None = None,
) -> int:
    """Run ``airflow <args>``; output goes to ``log_path`` (and ``on_line``), or the terminal."""
    command = [airflow_executable(), *args]
    environment = env or airflow_env()
    if log_path is None:
        return subprocess.call(command, env=environment)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with (
        log_path.open("w") as log,
        subprocess.Popen(
            command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        ) as proc,
    ):
        assert proc.stdout is not None
        for line in proc.stdout:
            log.write(line)
            if on_line:
                on_line(line)
    return proc.returncode


def ensure_metadata(env: dict[str, str], say: Callable[[str], None]) -> None:
    """Create or upgrade the SQLite metadata database when Airflow's version changed."""
    import airflow

    home = Path(env["AIRFLOW_HOME"])
    stamp = home / ".migrated-version"
    pools = PROJECT_ROOT / "pools.json"
    expected = f"{airflow.__version__} {hashlib.sha256(pools.read_bytes()).hexdigest()[:12]}"
    if stamp.exists() and stamp.read_text() == expected and (home / "airflow.db").exists():
        return
    say(f"preparing Airflow {airflow.__version__} metadata in {home} (first run only)")
    log = home / "logs" / "db-migrate.log"
    if run_airflow(["db", "migrate"], env=env, log_path=log) != 0:
        raise AirflowRunError(f"`airflow db migrate` failed; see {log}")
    log = home / "logs" / "pools-import.log"
    if run_airflow(["pools", "import", str(pools)], env=env, log_path=log) != 0:
        raise AirflowRunError(f"`airflow pools import` failed; see {log}")
    stamp.write_text(expected)


def reserialize(env: dict[str, str]) -> None:
    """Parse the DAG folder into the metadata DB (``dags test`` refuses unserialized DAGs)."""
    log = Path(env["AIRFLOW_HOME"]) / "logs" / "reserialize.log"
    if run_airflow(["dags", "reserialize"], env=env, log_path=log) != 0:
        raise AirflowRunError(f"`airflow dags reserialize` failed; see {log}")
    errors_log = Path(env["AIRFLOW_HOME"]) / "logs" / "import-errors.log"
    run_airflow(["dags", "list-import-errors", "-o", "json"], env=env, log_path=errors_log)
    text = errors_log.read_text()
    start = text.find("[")
    try:
        errors = json.loads(text[start:]) if start >= 0 else []
    except ValueError:
        errors = []
    if errors:
        first = errors[0]
        raise AirflowRunError(
            f"DAG import error in {first.get('filepath')}: {str(first.get('error')).strip()[-500:]}"
        )


ChainStep = tuple[str, dict[str, object] | None] | tuple[str, dict[str, object] | None, str]


def run_chain(
    steps: Sequence[ChainStep],
    *,
    env: dict[str, str],
    say: Callable[[str], None],
    log_name: str = "chain",
) -> list[DagTestResult]:
    """Run DAGs in order in one process (leadership.airflow_runner); raise unless all succeed.

    A step is ``(dag_id, conf)`` or ``(dag_id, conf, logical_date)``; with a logical date
    the run covers the data interval the DAG's timetable gives it (a backfilled run).
    """
    log_path = local_dir() / "logs" / f"{log_name}.log"
    plan = json.dumps(
        [
            {"dag_id": s[0], "conf": s[1], "logical_date": s[2] if len(s) > 2 else None}
            for s in steps
        ]
    )
    results: list[DagTestResult] = []
    tasks: list[str] = []
    started = time.monotonic()

    def on_line(line: str) -> None:
        running = _RUNNING_TASK.search(line)
        if running:
            tasks.append(running.group(1))
            say(f"    task {running.group(1)}")
        if line.startswith(RESULT):
            info = json.loads(line[len(RESULT) :])
            results.append(
                DagTestResult(info["dag_id"], info["state"], info["seconds"], list(tasks), log_path)
            )
            tasks.clear()
            say(f"  {info['dag_id']}: {info['state']} in {info['seconds']:.0f}s")

    command = [sys.executable, "-m", "leadership.airflow_runner", plan]
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with (
        log_path.open("w") as log,
        subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        ) as proc,
    ):
        assert proc.stdout is not None
        for line in proc.stdout:
            log.write(line)
            on_line(line)
    failed = [r for r in results if r.state != "success"]
    if proc.returncode != 0 or failed or len(results) != len(steps):
        where = (
            failed[0].dag_id
            if failed
            else (steps[len(results)][0] if len(results) < len(steps) else "?")
        )
        raise AirflowRunError(
            f"the chain stopped at DAG {where} after {time.monotonic() - started:.0f}s; read "
            f"{log_path} (search for 'ERROR') to see which task failed and why"
        )
    return results


def dags_test(
    dag_id: str,
    *,
    conf: dict[str, object] | None = None,
    env: dict[str, str],
    say: Callable[[str], None],
) -> DagTestResult:
    """Run one DAG to completion with ``airflow dags test``; raise unless it succeeded."""
    log_path = local_dir() / "logs" / f"{dag_id}.log"
    args = ["dags", "test", dag_id]
    if conf:
        args += ["-c", json.dumps(conf)]
    tasks: list[str] = []
    state = "unknown"

    def on_line(line: str) -> None:
        nonlocal state
        running = _RUNNING_TASK.search(line)
        if running:
            tasks.append(running.group(1))
            say(f"    task {running.group(1)}")
        finished = _FINISHED.search(line)
        if finished and finished.group(1) == dag_id:
            state = finished.group(2)

    started = time.monotonic()
    code = run_airflow(args, env=env, log_path=log_path, on_line=on_line)
    seconds = time.monotonic() - started
    if code != 0 or state != "success":
        raise AirflowRunError(
            f"DAG {dag_id} ended {state} (exit {code}) after {seconds:.0f}s; "
            f"read {log_path} (search for 'ERROR') to see which task failed and why"
        )
    return DagTestResult(dag_id, state, seconds, tasks, log_path)


def quarter_logical_date(quarter: str) -> str:
    """When the scheduled run that reviews ``quarter`` fires: 06:00 UTC on the next quarter's
    first day. Its data interval is then exactly ``quarter`` (orchestration.QUARTERLY)."""
    year, q = int(quarter[:4]), int(quarter[-1])
    year, month = (year + 1, 1) if q == 4 else (year, 3 * q + 1)
    return f"{year:04d}-{month:02d}-01T06:00:00+00:00"


def backfill_quarters(
    quarters: Sequence[str], *, env: dict[str, str], say: Callable[[str], None]
) -> list[DagTestResult]:
    """Run every quarterly DAG for each past quarter, oldest first, as Airflow's backfill would.

    On a server the same is ``airflow backfill create --dag-id <dag> --from-date ...``;
    locally each run is a ``dag.test()`` with the scheduled run's logical date, so the
    DAGs find their quarter in the data interval, not in a parameter.
    """
    from leadership.orchestration import QUARTERLY_DAGS

    steps: list[ChainStep] = [
        (dag_id, None, quarter_logical_date(quarter))
        for quarter in sorted(quarters)
        for dag_id in QUARTERLY_DAGS
    ]
    return run_chain(steps, env=env, say=say, log_name="backfill")
