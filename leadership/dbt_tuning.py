"""What the dbt worker changes in dbt's internals, for speed; neither changes a result.

The dbt worker (leadership/dbt_worker.py) is the only process that runs dbt's commands
in-process, and a daily refresh's build is mostly dbt's fixed cost per node
(docs/benchmarks.md): these changes take the parts of it that serve nobody.

- Log events made only when someone will read them. dbt turns every event into protobuf
  messages twice: when the event is made (its fields, through ``ParseDict``) and when it
  is fired (``msg_from_base_event``), before it asks its loggers whether they want it.
  Most of a build's events are debug ones (every statement, connection and cache
  operation), and a refresh writes its dbt.log at info level: those messages went
  nowhere, and making them was about a third of the dbt worker's CPU in a daily refresh.
  A debug event that no logger at debug level and no callback would receive is now
  dropped when fired, and any event's fields are converted when first read, which for a
  dropped event is never. A command that logs at debug level (any full build's dbt.log)
  gets every event, as dbt makes them.
- A thread's PostgreSQL session kept from one node to its next. dbt closed it when each
  node ended, so every node paid for a new server process (forked, its caches warmed
  again): about 95 sessions for a daily refresh, 0.3 s of PostgreSQL's CPU. A session is
  kept only when it is open with no transaction in progress (a failed node's rollback
  included); dbt still closes them all when the command ends.

``tests/unit/test_dbt_tuning.py`` and ``tests/integration/test_dbt_worker.py`` check
both against the dbt version the lock pins.
"""

from __future__ import annotations

from typing import Any


def tune_dbt() -> None:
    """Make both changes; a second call changes nothing."""
    build_events_only_when_heard()
    keep_sessions_between_nodes()


def keep_sessions_between_nodes() -> None:
    """A thread's open session, with no transaction in progress, outlives its node."""
    from dbt.adapters.base.connections import BaseConnectionManager

    release = BaseConnectionManager.release
    if getattr(release, "keeps_sessions", False):
        return

    def release_but_keep_open_session(self: Any) -> None:
        with self.lock:
            connection = self.get_if_exists()
        if (
            connection is not None
            and connection.state == "open"
            and not connection.transaction_open
            and not getattr(connection.handle, "closed", True)
        ):
            return
        release(self)

    release_but_keep_open_session.keeps_sessions = True  # type: ignore[attr-defined]
    BaseConnectionManager.release = release_but_keep_open_session  # type: ignore[method-assign]


def build_events_only_when_heard() -> None:
    """Debug events nobody hears are dropped; events convert their fields when read."""
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
