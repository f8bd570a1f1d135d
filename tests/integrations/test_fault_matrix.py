"""Every connector x every fault: exact rows after retries, or a clear failure, nothing published.

For each source the simulator serves, a clean sync gives the baseline raw content.
Then each fault is switched on, first for two requests (transient: the sync must
finish with exactly the baseline rows) and then for every request (persistent:
the sync may finish with exactly the baseline rows, or fail with a clear message
and publish nothing; a re-run once the fault is gone must reach the baseline).
"""

from __future__ import annotations

import psycopg
import pytest

from leadership.sync import SyncError, sync
from simulator.servers import SERVERS
from simulator.servers.base import TRANSPORT_FAULTS
from tests.integrations.conftest import raw_content, serve

FAULTS = [*TRANSPORT_FAULTS, "duplicate_page"]
FEEDS = {
    "canvas": "lms",
    "workday": "hr",
    "msgraph": "calendar",
    "ics": "calendar",
    "redcap": "surveys",
    "qualtrics": "surveys",
}


@pytest.fixture(scope="module")
def baselines(tiny_program, make_database) -> dict[str, dict[str, list[str]]]:
    out = {}
    mp = pytest.MonkeyPatch()
    try:
        for source in SERVERS:
            url = make_database()
            mp.setenv("WAREHOUSE_URL", url)
            gen = serve(tiny_program, mp, [source])
            next(gen)
            try:
                sync(source)
            finally:
                gen.close()
            out[source] = raw_content(url, FEEDS[source])
            assert any(out[source].values()), f"{source}: the clean sync published nothing"
    finally:
        mp.undo()
    return out


def batches(url: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute("select count(*) from ops.batches").fetchone()[0]


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("source", sorted(SERVERS))
def test_transient_fault_gives_exactly_the_clean_rows(
    source, fault, tiny_program, baselines, warehouse_url, monkeypatch
):
    gen = serve(tiny_program, monkeypatch, [source])
    simulator = next(gen)
    try:
        simulator.servers[source].inject(fault, times=2, delay=1.5)
        sync(source)
    finally:
        gen.close()
    assert raw_content(warehouse_url, FEEDS[source]) == baselines[source]


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("source", sorted(SERVERS))
def test_persistent_fault_fails_clearly_or_still_gets_it_right(
    source, fault, tiny_program, baselines, warehouse_url, monkeypatch
):
    gen = serve(tiny_program, monkeypatch, [source])
    simulator = next(gen)
    try:
        simulator.servers[source].inject(fault, times=None, delay=1.5)
        try:
            sync(source)
            failed = None
        except SyncError as exc:
            failed = str(exc)
        if failed is not None:
            assert source in failed and "nothing was published" in failed
            assert "Traceback" not in failed
            assert batches(warehouse_url) == 0
            simulator.servers[source].clear()
            sync(source)
    finally:
        gen.close()
    assert raw_content(warehouse_url, FEEDS[source]) == baselines[source]
