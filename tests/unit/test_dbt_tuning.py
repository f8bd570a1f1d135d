"""The dbt worker makes dbt's log events only for a logger or callback that receives them."""

from __future__ import annotations

import io

import pytest
from dbt.adapters.events.types import SQLQuery
from dbt_common.events import base_types
from dbt_common.events.base_types import BaseEvent, EventLevel
from dbt_common.events.event_manager import EventManager
from dbt_common.events.logger import LoggerConfig
from dbt_common.events.types import Note

from leadership.dbt_tuning import build_events_only_when_heard


@pytest.fixture
def converted(monkeypatch) -> list[str]:
    """dbt's event classes with the worker's change (restored after the test); the list
    names every event whose fields or message dbt converted to protobuf."""
    monkeypatch.setattr(EventManager, "fire_event", EventManager.fire_event)
    for method in ("__init__", "__getattr__", "__setattr__"):
        monkeypatch.setattr(BaseEvent, method, getattr(BaseEvent, method))
    build_events_only_when_heard()
    names: list[str] = []
    parse = base_types.ParseDict

    def parse_counted(given, into, *args, **kwargs):
        names.append(type(into).__name__)  # an event's fields, or its message (...Msg)
        return parse(given, into, *args, **kwargs)

    monkeypatch.setattr(base_types, "ParseDict", parse_counted)
    return names


def _events(level: EventLevel) -> tuple[EventManager, io.StringIO]:
    out = io.StringIO()
    events = EventManager()
    events.add_logger(LoggerConfig(name=f"at {level}", level=level, output_stream=out))
    return events, out


def _statement() -> SQLQuery:
    return SQLQuery(conn_name="model.leadership.dim_physicians", sql="select 1", node_info={})


def test_a_debug_event_nobody_hears_is_never_converted(converted):
    events, out = _events(EventLevel.INFO)

    events.fire_event(_statement())
    events.fire_event(Note(msg="3 of 63 OK created sql table model marts.dim_physicians"))

    assert converted == ["Note", "NoteMsg"]
    assert "3 of 63 OK" in out.getvalue()
    assert "select 1" not in out.getvalue()


def test_a_logger_at_debug_level_gets_every_event(converted):
    events, out = _events(EventLevel.DEBUG)

    events.fire_event(_statement())

    assert converted == ["SQLQuery", "SQLQueryMsg"]
    assert "On model.leadership.dim_physicians: select 1" in out.getvalue()


def test_an_event_fired_at_a_higher_level_is_heard(converted):
    events, out = _events(EventLevel.INFO)

    events.fire_event(_statement(), level=EventLevel.INFO)

    assert "select 1" in out.getvalue()


def test_a_callback_gets_every_event(converted):
    events, _ = _events(EventLevel.INFO)
    heard = []
    events.add_callback(lambda msg: heard.append((msg.info.name, msg.data.sql)))

    events.fire_event(_statement())

    assert heard == [("SQLQuery", "select 1")]


def test_an_event_reads_and_writes_its_fields_as_before(converted):
    event = _statement()
    assert converted == []  # nothing converted until a field is read

    assert event.message() == "On model.leadership.dim_physicians: select 1"
    event.sql = "select 2"
    assert event.pb_msg.sql == "select 2"
    assert event.to_dict()["conn_name"] == "model.leadership.dim_physicians"
    assert converted == ["SQLQuery"]


def test_installing_twice_changes_nothing(converted):
    fire, make = EventManager.fire_event, BaseEvent.__init__
    build_events_only_when_heard()
    assert (EventManager.fire_event, BaseEvent.__init__) == (fire, make)
