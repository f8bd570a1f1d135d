"""A dbt process that stays up for the life of the process that asked for it.

A ``dbt`` command as a new process spends about 2 s before its first node: the
interpreter, dbt's imports, reading the partial-parse state and writing the manifest
again. A refresh of what 1% of changed records reach runs in about the same time
again, so a process that builds several times (the quarterly cycle's builds, a
refresh after it, a test session) pays that cost once here: the worker keeps the
parsed project and hands it to every later command with the same project files,
variables and warehouse (``dbtRunner(manifest=...)``, dbt's documented way to reuse
a parse).

Being dbt's only in-process host, it also takes out of dbt what serves nobody in a
build: log events no one reads, a new database session per node, a macro context per
rename or drop, a type tester per statement's result (leadership/dbt_tuning.py); and it
runs each command with Python's cycle collector paused, the parsed project frozen out of
its sight (leadership/collector.py): the collector walked the parse again and again, a
fifth of the worker's CPU in a daily refresh.

It is a child process, not dbt imported into the caller: dbt reads its profile from
the environment and sets up logging for its whole process, and its output stays the
plain text the caller reads progress from. The worker reads one JSON request per
line on stdin (``args``, ``env``, ``project``: the project's fingerprint), writes
dbt's output, then a line ``DONE`` + the exit code (0 success, 1 failed nodes, 2 dbt
could not run). It ends when its stdin closes, which happens when the caller exits.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any

DONE = "\x1eleadership-dbt-worker-done "
# Commands that read the parsed project; anything else (parse, debug, deps, clean)
# runs as dbt would run it alone.
READS_MANIFEST = {"build", "run", "test", "seed", "compile", "show", "source", "docs", "ls", "list"}
# The options that change what a parse produces: the project, its profile and vars.
PARSE_OPTIONS = ("--project-dir", "--profiles-dir", "--vars", "--target")
# Variables only the compiled SQL reads, never what a parse records (refs, configs, tags):
# a command given a parse made with another value compiles with its own. The as-of day is
# read only through its macro (dbt/macros/as_of_date.sql; tests/test_style.py).
RUNTIME_VARS = ("as_of_date",)


class WorkerStopped(RuntimeError):
    """The dbt worker ended in the middle of a command (killed, or out of memory)."""


class DbtWorker:
    """The caller's side: starts the worker when first needed, one command at a time."""

    def __init__(self) -> None:
        self._process: Any = None
        self._lock = threading.Lock()
        # a forked child (a PDF renderer, a simulated vendor) must not share the parent's
        # worker: their commands would interleave on one pipe
        os.register_at_fork(after_in_child=self._forget)

    def run(
        self,
        args: Sequence[str],
        *,
        env: dict[str, str],
        project: str,
        cwd: str,
        on_line: Callable[[str], None],
    ) -> int:
        """Run ``dbt <args>`` in the worker; each output line goes to ``on_line``."""
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                self._process = subprocess.Popen(
                    [sys.executable, "-u", "-m", "leadership.dbt_worker"],
                    cwd=cwd,
                    env=env,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                    bufsize=1,
                )
            process = self._process
            try:
                process.stdin.write(
                    json.dumps({"args": list(args), "env": env, "project": project}) + "\n"
                )
                process.stdin.flush()
                for line in process.stdout:
                    if line.startswith(DONE):
                        return int(line[len(DONE) :])
                    on_line(line.rstrip("\n"))
            except BaseException:
                self.stop()  # mid-command (interrupted): its output would mix into the next
                raise
            self.stop()
            raise WorkerStopped(f"the dbt worker ended during `dbt {' '.join(args[:1])}`")

    def _forget(self) -> None:
        """In a forked child: leave the parent's worker to the parent, close our copy of
        its pipes (so that it still ends when the parent does), start our own if asked."""
        process, self._process = self._process, None
        self._lock = threading.Lock()
        if process is not None:
            for pipe in (process.stdin, process.stdout):
                with contextlib.suppress(OSError):
                    pipe.close()

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()


def _parse_key(args: Sequence[str], env: dict[str, str], project: str) -> tuple:
    options = tuple(
        (arg, _parse_vars(args[i + 1]) if arg == "--vars" else args[i + 1])
        for i, arg in enumerate(args[:-1])
        if arg in PARSE_OPTIONS
    )
    profile = tuple(sorted((k, v) for k, v in env.items() if k.startswith("DBT_")))
    return options, profile, project


def _parse_vars(text: str) -> str:
    """The ``--vars`` a parse depends on: all but RUNTIME_VARS (the next day's build, and
    every build of a backfill, reuse the parse of the day before)."""
    try:
        given = json.loads(text)
    except ValueError:
        return text
    if not isinstance(given, dict):
        return text
    return json.dumps({k: v for k, v in given.items() if k not in RUNTIME_VARS}, sort_keys=True)


def _invoke(args: list[str], env: dict[str, str], project: str, parsed: dict[tuple, Any]) -> int:
    from dbt.cli.main import dbtRunner

    os.environ.clear()
    os.environ.update(env)
    manifest = None
    if args and args[0] in READS_MANIFEST:
        key = _parse_key(args, env, project)
        if key not in parsed:
            options = [part for pair in key[0] for part in pair]
            result = dbtRunner().invoke(["parse", "--quiet", *options])
            if not result.success:
                return _exit_code(result)
            parsed.clear()  # one project at a time: a parse holds tens of MB
            gc.unfreeze()  # the parse before, if any, is the collector's again
            gc.collect()
            # the parse is kept for the worker's life: the collector need not walk it
            gc.freeze()
            parsed[key] = result.result
        manifest = parsed[key]
    return _exit_code(dbtRunner(manifest=manifest).invoke(args))


def _exit_code(result: Any) -> int:
    if result.success:
        return 0
    if result.exception is not None:
        print(f"dbt could not run: {result.exception}", flush=True)
        return 2
    return 1


def serve() -> None:
    """Answer requests on stdin until it closes; dbt and the DONE lines write to stdout."""
    from leadership.collector import collector_paused
    from leadership.dbt_tuning import tune_dbt

    tune_dbt()
    parsed: dict[tuple, Any] = {}
    for line in sys.stdin:
        request = json.loads(line)
        try:
            with collector_paused():
                code = _invoke(request["args"], request["env"], request["project"], parsed)
        except Exception as error:  # told to the caller; the worker stays up
            print(f"dbt could not run: {type(error).__name__}: {error}", flush=True)
            parsed.clear()
            gc.unfreeze()
            code = 2
        sys.stdout.flush()
        sys.stdout.write(f"{DONE}{code}\n")
        sys.stdout.flush()
        gc.collect()  # the command's garbage with cycles, while the caller goes on


if __name__ == "__main__":
    serve()
