"""``leadership bench pipeline``: the quarterly cycle phase by phase, and a daily refresh."""

from __future__ import annotations

import multiprocessing
import os
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from leadership.bench import (
    ChildPeaks,
    Say,
    machine,
    peak_memory_mib,
    restore_warehouse,
    scratch_warehouse,
)

APIS = ("canvas", "msgraph", "redcap")


def bench_pipeline(scale: str = "institution", runs: int = 1, say: Say = print) -> str:
    """The quarterly cycle without Airflow, timed per phase, then a daily 1% refresh.

    Each run starts from nothing in a scratch database beside the warehouse (dropped
    afterwards): sync every source from the simulator, validate and publish, ``dbt
    build``, matching, the assignment marts, the exports; then two daily refreshes, each
    with 1% of HR records changed: the next day's (a new quarter's first) and the day
    after's (within the quarter). With several runs every phase is the median.
    """
    watcher = ChildPeaks()
    cycles = []
    with watcher:
        for run in range(1, runs + 1):
            if runs > 1:
                say(f"run {run}/{runs}")
            cycles.append(_one_cycle(scale, say))
    people = cycles[0].people
    phases = _medians([c.phases for c in cycles])
    refresh = _medians([c.refresh for c in cycles])
    within = _medians([c.refresh_within for c in cycles])
    full = sum(p.seconds for p in phases)
    own = peak_memory_mib()
    medians = f"; medians of {runs} runs" if runs > 1 else ""
    totals = ", ".join(f"{sum(p.seconds for p in c.phases):.1f}" for c in cycles)
    lines = [
        f"`leadership bench pipeline --scale {scale} --runs {runs}` on {machine()}, "
        f"{date.today().isoformat()}; {people:,} physicians{medians}.",
        "",
        "| phase | seconds | simulated vendors' CPU seconds |",
        "|---|---|---|",
        *[f"| {p.name} | {p.seconds:.1f} | {p.vendor_cpu:.1f} |" for p in phases],
        f"| **full quarterly cycle** | **{full:.1f}** | |",
        *_refresh_rows("next day (a new quarter's first)", refresh, full),
        *_refresh_rows("a day within the quarter", within, full),
        "",
        "The simulated vendors' CPU is the time their process (Canvas, Graph and REDCap "
        "servers) spent on the bench's cores during the phase: part of the phase's seconds, "
        "where a real vendor's servers would be elsewhere.",
        "",
        *([f"Full cycles of the runs: {totals} s.", ""] if runs > 1 else []),
        *(
            [
                "Daily refreshes of the runs (next day; within the quarter): "
                + ", ".join(
                    f"{_share(c.refresh, c.phases)}; {_share(c.refresh_within, c.phases)}"
                    for c in cycles
                )
                + " of their own cycles.",
                "",
            ]
            if runs > 1
            else []
        ),
        f"Peak memory: {own:,.0f} MiB in this process (the simulated institution included); "
        f"the largest child process (dbt) {watcher.largest_mib:,.0f} MiB"
        f"{f' ({watcher.largest_name})' if watcher.largest_name else ''}.",
    ]
    return "\n".join(lines)


def _refresh_rows(day: str, refresh: list[Phase], full: float) -> list[str]:
    daily = sum(p.seconds for p in refresh)
    return [
        *[f"| {day}: {p.name} | {p.seconds:.1f} | {p.vendor_cpu:.1f} |" for p in refresh],
        f"| **daily refresh, {day}, 1% changed** | **{daily:.1f}** "
        f"({daily / full:.1%} of the cycle) | |",
    ]


def _share(refresh: list[Phase], phases: list[Phase]) -> str:
    return f"{sum(p.seconds for p in refresh) / sum(p.seconds for p in phases):.1%}"


@dataclass
class Phase:
    name: str
    seconds: float
    vendor_cpu: float  # CPU seconds of the simulated vendors' process during the phase


@dataclass
class Cycle:
    people: int
    phases: list[Phase]
    refresh: list[Phase]  # the next day's: a new quarter's first
    refresh_within: list[Phase]  # the day after: within the quarter


def _medians(runs: list[list[Phase]]) -> list[Phase]:
    return [
        Phase(
            phase.name,
            statistics.median(run[i].seconds for run in runs),
            statistics.median(run[i].vendor_cpu for run in runs),
        )
        for i, phase in enumerate(runs[0])
    ]


class VendorProcess:
    """The simulated vendor APIs served from a forked process, as a vendor's are elsewhere.

    In the bench's own process their work would share its interpreter lock with the
    syncs, one waiting for the other; a separate process still shares the machine's
    cores (the measurements include the vendors' work) but runs beside the platform.
    """

    def __init__(
        self,
        program: Any,
        sources: list[str],
        extra: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        context = multiprocessing.get_context("fork")  # the child shares the program
        self._pipe, child_end = context.Pipe()
        self._process = context.Process(
            target=_serve_vendors, args=(program, sources, extra or {}, child_end), daemon=True
        )
        self._process.start()
        if not self._pipe.poll(60):
            self._process.kill()
            raise RuntimeError("the simulator process did not start its servers within 60 s")
        self.connection_env: dict[str, str] = self._pipe.recv()

    def cpu_seconds(self) -> float:
        """CPU time (user and system, every thread) the vendors' process has used so far."""
        try:
            with open(f"/proc/{self._process.pid}/stat") as fh:
                # the fields after the command name, which is in parentheses
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:  # not Linux, or the process has ended: not measured
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self._pipe.send("stop")
        self._process.join(10)
        if self._process.is_alive():
            self._process.kill()


def _serve_vendors(
    program: Any, sources: list[str], extra: dict[str, dict[str, Any]], pipe: Any
) -> None:
    from simulator.servers import start_simulator

    simulator = start_simulator(program, sources)
    pipe.send(simulator.connection_env(**{"msgraph": {"mailboxes": None}, **extra}))
    pipe.recv()
    simulator.stop()


def _one_cycle(scale: str, say: Say) -> Cycle:
    import gc
    import tempfile
    from datetime import timedelta

    from leadership.dbt import build_marts, rebuild_assignment_marts, stop_dbt_worker
    from leadership.exports.outbox import LocalOutbox
    from leadership.exports.run import run_output
    from leadership.matching.quarterly import quarter_of, run_matching
    from leadership.sync import sync
    from simulator.file_drops import write_feed_drop
    from simulator.institution import generate
    from simulator.program import generate_program

    phases: list[Phase] = []
    refresh: list[Phase] = []
    refresh_within: list[Phase] = []
    simulator: VendorProcess | None = None

    def timed(into: list[Phase], name: str, work: Callable[[], Any]) -> Any:
        say(f"{name} ...")
        vendor_cpu = simulator.cpu_seconds() if simulator else 0.0
        started = time.perf_counter()
        result = work()
        seconds = time.perf_counter() - started
        vendor_cpu = (simulator.cpu_seconds() if simulator else 0.0) - vendor_cpu
        into.append(Phase(name, seconds, vendor_cpu))
        say(f"{name}: {seconds:.1f}s (simulated vendors' CPU {vendor_cpu:.1f}s)")
        return result

    # every run starts as a new process would: its first dbt command parses the project
    # (the later ones, the refresh's included, reuse that parse: leadership/dbt_worker.py)
    stop_dbt_worker()
    scratch, previous = scratch_warehouse("_bench_pipeline")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            program = timed(
                phases, "simulate the institution", lambda: generate_program(generate(scale=scale))
            )
            # The simulated institution lives as long as the bench: frozen out of the
            # collector's sight, it does not slow every later collection down as a vendor's
            # data would not slow the platform's process down.
            gc.freeze()
            inst = program.inst
            day = inst.as_of
            if quarter_of(day) == quarter_of(day + timedelta(days=1)):  # see the refreshes
                raise ValueError(f"the quarterly cycle runs on a quarter's last day, not {day}")
            hr = write_feed_drop(program, "hr", Path(tmp) / "hr")
            # At network scale the simulated REDCap re-reads 6.3 million survey rows for a
            # sync's first request (about 30 s, a simulator's cost: a real REDCap answers
            # from its database), longer than the connector's default read timeout.
            slow = {"redcap": {"timeout": 300}} if scale == "network" else {}
            simulator = VendorProcess(program, list(APIS), slow)
            # The mentors' mailboxes go to the Graph sync directly (before the first build
            # there is no directory in the marts): thousands of them in an environment
            # variable would be too large for any child process to start with.
            mailboxes = {p.worker_id: p.email for p in program.mentors}
            for key, value in simulator.connection_env.items():
                os.environ[key] = value
            options = {"msgraph": {"mailboxes": mailboxes}}
            try:
                timed(phases, "sync HR file drop", lambda: sync("hr_csv", path=hr.folder))
                for source in APIS:
                    timed(
                        phases,
                        f"sync {source}",
                        lambda s=source: sync(s, today=day, **options.get(s, {})),
                    )
                timed(phases, "dbt build", lambda: build_marts(day, force=True))
                quarter = quarter_of(day + timedelta(days=1))
                timed(phases, f"matching for {quarter}", lambda: run_matching(quarter))
                timed(
                    phases,
                    "dbt build of the assignment marts",
                    lambda: rebuild_assignment_marts(day),
                )
                reviewed = quarter_of(day)
                timed(
                    phases,
                    f"exports for {reviewed}",
                    lambda: run_output("all", reviewed, location=LocalOutbox(Path(tmp) / "outbox")),
                )
                # Two daily refreshes: the cycle's day ends a quarter, so the next day
                # starts one (the quarter's spine moves, a quarter's readiness begins);
                # the day after is any other day of the quarter.
                for days, into in ((1, refresh), (2, refresh_within)):
                    _daily_refresh(timed, into, hr.folder, day + timedelta(days=days), options)
            finally:
                simulator.stop()
    finally:
        restore_warehouse(scratch, previous)
    return Cycle(len(program.inst.people), phases, refresh, refresh_within)


def _daily_refresh(
    timed: Callable[..., Any],
    into: list[Phase],
    hr_folder: Path,
    today: date,
    options: dict[str, dict[str, Any]],
) -> None:
    """A day's syncs with 1% of HR records changed, then the build as of that day."""
    from leadership.dbt import build_marts
    from leadership.sync import sync
    from simulator.hr_drop import write_next_day_hr_drop

    changed = write_next_day_hr_drop(hr_folder, today)
    timed(
        into,
        f"sync HR file drop ({changed} workers changed)",
        lambda: sync("hr_csv", path=hr_folder, today=today),
    )
    for source in APIS:
        timed(
            into,
            f"sync {source} (incremental)",
            lambda s=source: sync(s, today=today, **options.get(s, {})),
        )
    # as the day's build runs: as of that day, so what reads the day is rebuilt too
    timed(
        into,
        "dbt build as of the day (what the changes and the day reach)",
        lambda: build_marts(today, run_id="bench refresh"),
    )
