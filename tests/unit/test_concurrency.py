"""Vendor calls a few at a time: answers in the order asked, never more in flight than allowed."""

from __future__ import annotations

import threading
import time

import pytest

from integrations.common.concurrency import in_order


class Recorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.in_flight = 0
        self.most = 0
        self.started: list[int] = []

    def call(self, item: int) -> int:
        with self.lock:
            self.in_flight += 1
            self.most = max(self.most, self.in_flight)
            self.started.append(item)
        time.sleep(0.01 * (item % 3))  # later items often finish first
        with self.lock:
            self.in_flight -= 1
        if item == 13:
            raise RuntimeError("call 13 failed")
        return item * item


@pytest.mark.parametrize("concurrency", [1, 3])
def test_answers_come_in_the_order_asked_within_the_limit(concurrency: int) -> None:
    recorder = Recorder()
    assert list(in_order(recorder.call, range(12), concurrency, "t")) == [i * i for i in range(12)]
    assert recorder.most <= concurrency
    if concurrency > 1:
        assert recorder.most > 1


def test_a_failed_call_ends_the_iteration_and_later_calls_are_not_made() -> None:
    recorder = Recorder()
    answers = []
    with pytest.raises(RuntimeError, match="call 13 failed"):
        for answer in in_order(recorder.call, range(100), 2, "t"):
            answers.append(answer)
    assert answers == [i * i for i in range(13)]
    assert max(recorder.started) < 13 + 2 * 2 + 1  # only what was queued behind it
