"""Python's cycle collector paused around work that makes many objects and few cycles.

Both a sync and a dbt command allocate heavily (decoded JSON and records; dbt's node
contexts and result tables) while large structures stay alive around them (a sync's
extracts; the dbt worker's parsed project), and the collector, triggered by allocations,
walks every live object again and again: a third of a Microsoft Graph sync's CPU time,
a fifth of the dbt worker's in a daily refresh (docs/benchmarks.md). Reference counting
frees what forms no cycle; garbage with cycles made meanwhile waits for the first
collection after.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cycle collector off for the duration, back on after (if it was on).

    Also a decorator.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
