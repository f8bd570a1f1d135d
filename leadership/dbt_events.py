"""dbt's log events, made only when someone will read them (the dbt worker's commands).

dbt turns every event into protobuf messages twice: when the event is made (its fields,
through ``ParseDict``) and when it is fired (``msg_from_base_event``), before it asks its
loggers whether they want it. Most of a build's events are debug ones (every statement,
connection and cache operation), and a refresh writes its dbt.log at info level: in a
daily refresh those messages went nowhere, and making them was about a third of the dbt
worker's CPU (docs/benchmarks.md). Here a debug event that no logger at debug level and
no callback would receive is dropped when fired, and any event's fields are converted
when first read, which for a dropped event is never. A command that logs at debug level
(any full build's dbt.log) gets every event, as dbt makes them.

Installed once by the dbt worker (leadership/dbt_worker.py), the only process that runs
dbt's commands in-process; ``tests/unit/test_dbt_events.py`` checks both changes against
the dbt version the lock pins.
"""

from __future__ import annotations

from typing import Any


def build_events_only_when_heard() -> None:
    """Patch dbt's event classes as the module says; a second call changes nothing."""
    from dbt.tracking import track_behavior_change_warn
    from dbt_common.events.base_types import BaseEvent, EventLevel
    from dbt_common.events.event_manager import EventManager

    fire_event = EventManager.fire_event
    if getattr(fire_event, "builds_events_only_when_heard", False):
        return

    def fire_heard_event(
        self: Any,
        e: Any,
        level: Any = None,
        node: Any = None,
        force_warn_or_error_handling: bool = False,
    ) -> None:
        if (
            (level or e.level_tag()) == EventLevel.DEBUG
            and not force_warn_or_error_handling
            and all(logger.level != EventLevel.DEBUG for logger in self.loggers)
            # the one callback dbt adds itself reads warnings only
            and all(callback is track_behavior_change_warn for callback in self.callbacks)
        ):
            return
        fire_event(self, e, level, node, force_warn_or_error_handling)

    make, read, write = BaseEvent.__init__, BaseEvent.__getattr__, BaseEvent.__setattr__

    def convert(event: Any) -> None:
        given = event.__dict__.pop("_given", None)
        if given is not None:
            make(event, *given[0], **given[1])

    def make_later(self: Any, *args: Any, **kwargs: Any) -> None:
        # BaseEvent's own __setattr__ writes every name but pb_msg into pb_msg
        object.__setattr__(self, "_given", (args, kwargs))

    def read_converted(self: Any, key: str) -> Any:
        convert(self)
        return read(self, key)

    def write_converted(self: Any, key: str, value: Any) -> None:
        if key != "pb_msg":
            convert(self)
        write(self, key, value)

    fire_heard_event.builds_events_only_when_heard = True  # type: ignore[attr-defined]
    EventManager.fire_event = fire_heard_event  # type: ignore[method-assign]
    BaseEvent.__init__ = make_later  # type: ignore[method-assign]
    BaseEvent.__getattr__ = read_converted  # type: ignore[method-assign]
    BaseEvent.__setattr__ = write_converted  # type: ignore[method-assign]
