"""The dbt worker drops only the debug events that no logger or callback would receive."""

from __future__ import annotations

import io

import pytest
from dbt.adapters.events.types import SQLQuery
from dbt_common.events import event_manager
from dbt_common.events.base_types import EventLevel
from dbt_common.events.event_manager import EventManager
from dbt_common.events.logger import LoggerConfig
from dbt_common.events.types import Note

from leadership.dbt_worker import skip_events_nobody_hears


@pytest.fixture
def manager(monkeypatch) -> tuple[EventManager, list[str]]:
    """An event manager with the worker's change, counting the messages dbt builds."""
    monkeypatch.setattr(EventManager, "fire_event", EventManager.fire_event)  # restored after
    skip_events_nobody_hears()
    built: list[str] = []
    build = event_manager.msg_from_base_event

    def counted(event, level=None):
        built.append(type(event).__name__)
        return build(event, level=level)

    monkeypatch.setattr(event_manager, "msg_from_base_event", counted)
    return EventManager(), built


def _logger(level: EventLevel) -> tuple[LoggerConfig, io.StringIO]:
    out = io.StringIO()
    return LoggerConfig(name=f"at {level}", level=level, output_stream=out), out


def _statement() -> SQLQuery:
    return SQLQuery(conn_name="model.leadership.dim_physicians", sql="select 1", node_info={})


def test_a_debug_event_nobody_hears_is_not_built(manager):
    events, built = manager
    config, out = _logger(EventLevel.INFO)
    events.add_logger(config)

    events.fire_event(_statement())
    events.fire_event(Note(msg="3 of 63 OK created sql table model marts.dim_physicians"))

    assert built == ["Note"]
    assert "3 of 63 OK" in out.getvalue()
    assert "select 1" not in out.getvalue()


def test_a_logger_at_debug_level_gets_every_event(manager):
    events, built = manager
    config, out = _logger(EventLevel.DEBUG)
    events.add_logger(config)

    events.fire_event(_statement())

    assert built == ["SQLQuery"]
    assert "select 1" in out.getvalue()


def test_an_event_fired_at_a_higher_level_is_heard(manager):
    events, built = manager
    config, out = _logger(EventLevel.INFO)
    events.add_logger(config)

    events.fire_event(_statement(), level=EventLevel.INFO)

    assert built == ["SQLQuery"]
    assert "select 1" in out.getvalue()


def test_a_callback_gets_every_event(manager):
    events, built = manager
    config, _ = _logger(EventLevel.INFO)
    events.add_logger(config)
    heard = []
    events.add_callback(lambda msg: heard.append(msg.info.name))

    events.fire_event(_statement())

    assert heard == ["SQLQuery"]
    assert built == ["SQLQuery"]


@pytest.mark.usefixtures("manager")
def test_installing_twice_wraps_once():
    wrapped = EventManager.fire_event
    skip_events_nobody_hears()
    assert EventManager.fire_event is wrapped
