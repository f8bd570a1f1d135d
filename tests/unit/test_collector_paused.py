"""Syncs and dbt commands pause Python's cycle collector and give it back as they found it."""

from __future__ import annotations

import gc

import pytest

from leadership.collector import collector_paused


def test_the_collector_is_off_inside_and_back_on_after_a_failure():
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector_paused():
        assert not gc.isenabled()
        raise RuntimeError("the sync failed")
    assert gc.isenabled()


def test_a_collector_switched_off_by_the_caller_stays_off():
    gc.disable()
    try:
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
