"""``leadership bench ...``: measured speed, each against the obvious alternative in the same run.

- ``bench match``: the exact engine per tier vs SciPy's ``linear_sum_assignment`` on the
  whole slot-expanded matrix (the obvious exact alternative) and vs the blueprint's
  greedy pick; time, matched residents and total score.
- ``bench validate``: normalising and validating a survey batch of N rows with its
  Great Expectations suite.
- ``bench load``: the publish path, and the full path with validation, vs psql
  ``\\copy`` and pandas ``to_sql`` on the same rows.
- ``bench pipeline``: the quarterly cycle, phase by phase, and a daily 1% refresh; peak
  memory of the bench's process and of its largest child (dbt).

Results are printed as Markdown for docs/benchmarks.md, with the machine they ran on.
``--profile PATH`` also profiles the bench's own process with pyinstrument (where a
target is missed, the profile says where its time goes).
This package and the demo are the only parts of ``leadership`` that import ``simulator``.
"""

from __future__ import annotations

import contextlib
import os
import platform
import statistics
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

Say = Callable[[str], None]


def machine() -> str:
    cpus = os.cpu_count()
    try:
        with open("/proc/meminfo") as fh:
            kb = int(fh.readline().split()[1])
        memory = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        memory = ""
    return f"{platform.machine()}, {cpus} CPUs{memory}, Python {platform.python_version()}"


@contextlib.contextmanager
def profiled(path: Path | None, say: Say = print) -> Iterator[None]:
    """Profile what runs inside with pyinstrument, into ``path``: HTML, or text for ``.txt``.

    Only this process is sampled: dbt, PostgreSQL and the simulated vendors run in
    others, and show here as the time spent waiting for them.
    """
    if path is None:
        yield
        return
    try:
        from pyinstrument import Profiler
    except ImportError:
        raise SystemExit(
            "--profile needs pyinstrument, a development dependency: `make setup` installs it"
        ) from None
    path.parent.mkdir(parents=True, exist_ok=True)
    profiler = Profiler()
    profiler.start()
    try:
        yield
    finally:
        profiler.stop()
        text = path.suffix == ".txt"
        path.write_text(
            profiler.output_text(unicode=True) if text else profiler.output_html(),
            encoding="utf-8",
        )
        say(f"profile of this process written to {path}")


def median_time(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def scratch_warehouse(suffix: str) -> tuple[str, str | None]:
    """A scratch database beside the warehouse, set as WAREHOUSE_URL: (url, previous value)."""
    from psycopg import conninfo

    from leadership import warehouse

    base = warehouse.warehouse_url()
    name = (conninfo.conninfo_to_dict(base).get("dbname") or "postgres") + suffix
    scratch = warehouse.with_database(base, name)
    warehouse.drop_database(scratch)
    previous = os.environ.get("WAREHOUSE_URL")
    os.environ["WAREHOUSE_URL"] = scratch
    warehouse.migrate(scratch)
    return scratch, previous


def restore_warehouse(scratch: str, previous: str | None) -> None:
    from leadership import warehouse

    if previous is None:
        os.environ.pop("WAREHOUSE_URL", None)
    else:
        os.environ["WAREHOUSE_URL"] = previous
    warehouse.drop_database(scratch)


def peak_memory_mib() -> float:
    """Peak resident memory of this process, in MiB.

    Not its children's: Linux starts a forked child's peak at its parent's resident
    size, so ``RUSAGE_CHILDREN`` would only repeat this number.
    """
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class ChildPeaks:
    """The largest peak resident memory among this process's descendants (dbt, PDF workers).

    Sampled from ``/proc`` while the block runs: each process's ``VmHWM`` is its own peak
    since its ``exec`` (unlike ``RUSAGE_CHILDREN``, see :func:`peak_memory_mib`), read
    every ``interval`` seconds, so a child that lives less than that may be missed.
    """

    def __init__(self, interval: float = 0.2) -> None:
        self.interval = interval
        self.largest_mib = 0.0
        self.largest_name = ""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="child-peaks", daemon=True)

    def __enter__(self) -> ChildPeaks:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _watch(self) -> None:
        own = _cmdline("self")
        if own is None:
            return  # no /proc (not Linux): children are not measured
        while not self._stop.wait(self.interval):
            for _pid, name, kib in _descendants(os.getpid()):
                # a fork that never ran another program (the simulated vendors' process)
                # reports this process's peak, not one of its own
                if name != own and kib / 1024 > self.largest_mib:
                    self.largest_mib, self.largest_name = kib / 1024, _short_command(name)


def _cmdline(pid: int | str) -> str | None:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return None


def _descendants(root: int) -> list[tuple[int, str, int]]:
    """(pid, command, VmHWM in KiB) of every live descendant of ``root`` (Linux only).

    Walks ``/proc/<pid>/task/<tid>/children`` down from ``root``: a few files per sample,
    not a scan of every process on the machine.
    """
    found: list[tuple[int, str, int]] = []
    frontier = [root]
    while frontier:
        pid = frontier.pop()
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for task in tasks:
            try:
                with open(f"/proc/{pid}/task/{task}/children") as fh:
                    children = [int(c) for c in fh.read().split()]
            except (OSError, ValueError):
                continue
            for child in children:
                frontier.append(child)
                try:
                    with open(f"/proc/{child}/status") as fh:
                        peak = next((ln.split()[1] for ln in fh if ln.startswith("VmHWM:")), "0")
                except (OSError, IndexError):
                    continue
                command = _cmdline(child)
                if command is not None:
                    found.append((child, command, int(peak) if peak.isdigit() else 0))
    return found


def _short_command(command: str) -> str:
    words = command.split()
    return " ".join(os.path.basename(w) for w in words[:3])


def __getattr__(name: str) -> Any:
    """``bench.bench_match`` etc. without importing SciPy or pandas until asked."""
    from importlib import import_module

    homes = {
        "bench_match": "match",
        "bench_validate": "load",
        "bench_load": "load",
        "bench_pipeline": "pipeline",
    }
    if name in homes:
        return getattr(import_module(f"leadership.bench.{homes[name]}"), name)
    raise AttributeError(name)
