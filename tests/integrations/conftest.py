"""Fixtures for connector tests: the simulated institution served by local vendor APIs."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from simulator.institution import generate
from simulator.program import Program, generate_program
from simulator.servers import RunningSimulator, start_simulator

# Short timeouts and quick retries so fault tests run in seconds, not minutes.
FAST_RETRIES = {
    "timeout": 1,
    "connect_timeout": 1,
    "max_attempts": 4,
    "backoff_base": 0.05,
    "backoff_max": 0.3,
}
RAW_META = ("_batch_id", "_extracted_at", "_as_of", "_source_system")


@pytest.fixture(scope="session")
def tiny_program() -> Program:
    return generate_program(generate(scale="tiny"))


@pytest.fixture(scope="session")
def small_program() -> Program:
    return generate_program(generate(scale="small"))


def serve(
    program: Program, monkeypatch: pytest.MonkeyPatch, sources: list[str] | None = None
) -> Iterator[RunningSimulator]:
    running = start_simulator(program, sources)
    env = running.connection_env(**{source: FAST_RETRIES for source in running.servers})
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def tiny_simulator(tiny_program, monkeypatch) -> Iterator[RunningSimulator]:
    yield from serve(tiny_program, monkeypatch)


@pytest.fixture
def small_simulator(small_program, monkeypatch) -> Iterator[RunningSimulator]:
    yield from serve(small_program, monkeypatch)


def raw_content(url: str, feed: str) -> dict[str, list[str]]:
    """Per raw table of a feed: the sorted record hashes (what the sources said, not when)."""
    with psycopg.connect(url) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "select table_name from information_schema.tables where table_schema = 'raw'"
                " and table_name like %s order by 1",
                (f"{feed}\\_\\_%",),
            )
        ]
        return {
            t: [r[0] for r in conn.execute(f"select _record_hash from raw.{t} order by 1")]
            for t in tables
        }
