"""A warehouse holding the whole simulated institution (every feed), built by dbt once."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from leadership.dbt import ASSIGNMENT_MARTS, run_dbt
from leadership.sync import sync
from simulator.file_drops import write_file_drops
from simulator.institution import generate
from simulator.program import Program, generate_program

FEED_SOURCES = {
    "hr": "hr_csv",
    "lms": "lms_csv",
    "calendar": "calendar_csv",
    "surveys": "surveys_csv",
}


@dataclass
class SimulatedWarehouse:
    url: str
    program: Program
    drops: Path

    def rows(self, query: str, params: tuple | list | None = None) -> list[tuple]:
        with psycopg.connect(self.url) as conn:
            return conn.execute(query, params).fetchall()

    def execute(self, query: str, params: tuple | list | None = None) -> None:
        with psycopg.connect(self.url) as conn:
            conn.execute(query, params)

    def build(self, *args: str) -> str:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("WAREHOUSE_URL", self.url)
            return run_dbt(
                ["build", *args], dbt_vars={"as_of_date": self.program.inst.as_of.isoformat()}
            )


def load_simulated(url: str, program: Program, drops: Path) -> None:
    """Write every feed's file drop and sync it (file drops: no servers needed)."""
    write_file_drops(program, drops)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WAREHOUSE_URL", url)
        for feed, source in FEED_SOURCES.items():
            sync(source, path=drops / feed, today=program.inst.as_of)


@pytest.fixture
def fresh_copy(new_database, simulated_warehouse) -> SimulatedWarehouse:
    """A private copy of the simulated warehouse, for tests that write (seconds to make)."""
    url = new_database(template_url=simulated_warehouse.url)
    return SimulatedWarehouse(url, simulated_warehouse.program, simulated_warehouse.drops)


@pytest.fixture(scope="session")
def simulated_warehouse(make_database, tmp_path_factory) -> Iterator[SimulatedWarehouse]:
    """The small simulated institution, every feed synced, `dbt build` run (once per session).

    Tests that add data (program assignments, say) rebuild what they need and must not
    remove what others rely on.
    """
    url = make_database()
    program = generate_program(generate(scale="small"))
    drops = tmp_path_factory.mktemp("drops")
    load_simulated(url, program, drops)
    warehouse = SimulatedWarehouse(url, program, drops)
    warehouse.build()
    yield warehouse


@pytest.fixture(scope="session")
def mentored_warehouse(make_database, simulated_warehouse) -> SimulatedWarehouse:
    """The simulated institution plus a mentor-assignment history, `dbt build` run once.

    program.assignments stays empty until the matching job exists, so the rows it
    would write (tests/dbt/assignments.py) go in before the build. Shared by the KPI,
    oversight and accreditation tests, which only read.
    """
    from tests.dbt.assignments import insert_assignments, plan_assignments

    base = simulated_warehouse
    url = make_database(template_url=base.url)
    insert_assignments(url, *plan_assignments(base.program))
    warehouse = SimulatedWarehouse(url, base.program, base.drops)
    warehouse.build("--select", ASSIGNMENT_MARTS)  # the rest is built already, as of the same day
    return warehouse
