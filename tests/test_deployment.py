"""docker-compose.yml keeps the official Airflow 3 shape, wired to this project (no Docker)."""

from __future__ import annotations

import re

import yaml

from leadership.config import PROJECT_ROOT

AIRFLOW_SERVICES = {
    "airflow-apiserver": "api-server",
    "airflow-scheduler": "scheduler",
    "airflow-dag-processor": "dag-processor",
    "airflow-triggerer": "triggerer",
    "airflow-worker": "celery worker",
}


def compose() -> dict:
    return yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())


def test_every_airflow_3_component_is_a_service():
    services = compose()["services"]
    assert set(AIRFLOW_SERVICES) | {"airflow-init", "postgres", "redis", "simulator"} <= set(
        services
    )
    for name, command in AIRFLOW_SERVICES.items():
        service = services[name]
        assert service["command"] == command
        assert service["image"] == "leadership-passport:latest" and service["build"] == "."
        assert "healthcheck" in service, name
        assert (
            service["depends_on"]["airflow-init"]["condition"] == "service_completed_successfully"
        )
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_services_share_the_project_and_the_warehouse():
    services = compose()["services"]
    for name in [*AIRFLOW_SERVICES, "airflow-init", "simulator"]:
        env = services[name]["environment"]
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
        assert env["WAREHOUSE_URL"].startswith("postgresql://leadership:")
        assert env["AIRFLOW__CORE__DAGS_FOLDER"] == "/opt/leadership/dags"
        assert "./:/opt/leadership" in services[name]["volumes"]
        assert services[name]["env_file"] == ".env"
    init = " ".join(services["airflow-init"]["command"])
    for step in (
        "airflow db migrate",
        "airflow pools import",
        "leadership warehouse migrate",
        "leadership dbt parse",
    ):
        assert step in init
    assert "--serve" in services["simulator"]["command"]


def test_no_secret_is_written_into_the_compose_file_or_the_example():
    text = (PROJECT_ROOT / "docker-compose.yml").read_text()
    assert not re.search(r"password:\s*[^$\s{]", text, re.I)
    for line in (PROJECT_ROOT / ".env.example").read_text().splitlines():
        if line.startswith(("POSTGRES_PASSWORD=", "AIRFLOW_ADMIN_PASSWORD=")):
            assert line.endswith("change-me")
    assert (PROJECT_ROOT / ".env").exists() is False or ".env" in (
        PROJECT_ROOT / ".gitignore"
    ).read_text().split()


def test_the_image_installs_the_locked_versions():
    dockerfile = (PROJECT_ROOT / "Dockerfile").read_text()
    assert "FROM apache/airflow:3.3.2-python3.11" in dockerfile
    assert "-c /opt/leadership/constraints.txt" in dockerfile
    pins = (PROJECT_ROOT / "constraints.txt").read_text()
    assert "apache-airflow==3.3.2" in pins


def test_the_pools_the_dags_use_exist():
    import json

    from leadership.orchestration import MARTS_POOL, MARTS_POOL_SLOTS, SOURCE_POOLS

    pools = json.loads((PROJECT_ROOT / "pools.json").read_text())
    assert set(SOURCE_POOLS.values()) | {MARTS_POOL} <= set(pools)
    # the refresh and quarterly tasks take every slot: a pool of another size would let
    # a model task beside them, or never schedule them
    assert pools[MARTS_POOL]["slots"] == MARTS_POOL_SLOTS
