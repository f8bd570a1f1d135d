"""Calls to a vendor a few at a time, answers in the order asked.

A sync that must ask once per course or per batch of mailboxes (the API has no
listing across them) would otherwise wait out each call's round trip in turn. A few in
flight at once hide that wait; the vendor's concurrency limit caps how many.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import islice
from typing import TypeVar

Item = TypeVar("Item")
Answer = TypeVar("Answer")


def in_order(
    call: Callable[[Item], Answer], items: Iterable[Item], concurrency: int, name: str
) -> Iterator[Answer]:
    """``call(item)`` for every item, up to ``concurrency`` at once, yielded in item order.

    At most two answers per thread wait to be read (bounded memory). The first call that
    raises ends the iteration with its exception; calls not started yet are not made.
    """
    waiting = iter(items)
    if concurrency <= 1:
        yield from map(call, waiting)
        return
    pending: deque[Future[Answer]] = deque()
    pool = ThreadPoolExecutor(concurrency, thread_name_prefix=name)
    try:
        for item in islice(waiting, 2 * concurrency):
            pending.append(pool.submit(call, item))
        while pending:
            answer = pending.popleft().result()
            for item in islice(waiting, 1):
                pending.append(pool.submit(call, item))
            yield answer
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
