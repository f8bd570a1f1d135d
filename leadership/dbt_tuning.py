"""What the dbt worker changes in dbt's internals, for speed; none changes a result.

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

- A table's or view's rename and drop run their SQL directly. dbt runs the
  ``rename_relation`` and ``drop_relation`` macros for them through ``execute_macro``,
  which builds a new macro context (every macro of the project and of dbt, as callables)
  for each: two renames and a drop for every table a build replaces, about a tenth of
  the dbt worker's CPU in a daily refresh. The SQL is the macros' own (dbt-postgres has
  no variants of them); a project or package that overrides one of those macros gets it
  run as dbt runs it.
- A statement's result table is made without building a new type tester for it. dbt
  wraps every statement's result in an agate table, an empty one when the statement
  returns nothing, and each made its own type tester: seven column types, one of which
  sets up a date parser with its locale tables (about a millisecond, for the hundreds
  of statements a refresh sends, the cutoff's queries among them). Type testers are
  now made once per set of text-only columns and shared (they keep no state between
  tables), and an empty result is made without one.
- A template's source compiled to Python once per worker, not once per use. dbt turns
  every node's SQL into a jinja template again each time it compiles the node (lexing,
  parsing, generating Python source, ``compile()``): a daily refresh's fifty-odd nodes,
  every day, about a twentieth of the worker's CPU in its build. The compiled code is
  kept by the source's text (and the environment's kind); each use still gets its own
  environment, globals and undefined-name handling, as before.
- A node's plain name selects it without dbt flattening every node's qualified name.
  A refresh's waves select their nodes by name (fifty-odd names, each one its own
  criterion), and dbt matched each name against every node of the project by splitting
  and rejoining the node's qualified name: thirteen thousand such matches per wave, a
  quarter of the worker's CPU in a daily refresh's build (docs/benchmarks.md). A name
  without dots or wildcards is matched as dbt matches it (the node's own name, or the
  package's or a top folder's name, which select everything in them); versioned
  models, and any other selector, go through dbt's own matching.
- An adapter's behaviour flags name their source without ``inspect.stack()``, which
  reads the source lines of every frame of the call stack, for each flag, at each
  command's start, before its first node.

``tests/unit/test_dbt_tuning.py`` and ``tests/integration/test_dbt_worker.py`` check
them against the dbt version the lock pins.
"""

from __future__ import annotations

from typing import Any


def tune_dbt() -> None:
    """Make every change; a second call changes nothing."""
    build_events_only_when_heard()
    keep_sessions_between_nodes()
    rename_and_drop_without_macro_context()
    templates_compiled_once()
    plain_names_selected_directly()
    behavior_flags_without_source_lookup()
    result_tables_without_new_type_testers()


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


def rename_and_drop_without_macro_context() -> None:
    """Renames and drops of tables and views run their SQL without a macro context."""
    from dbt.adapters.sql.impl import SQLAdapter

    rename, drop = SQLAdapter.rename_relation, SQLAdapter.drop_relation
    if getattr(rename, "without_macro_context", False):
        return

    def rename_relation(self: Any, from_relation: Any, to_relation: Any) -> None:
        if not _dbt_macros_only(self, ("rename_relation",)):
            return rename(self, from_relation, to_relation)
        self.cache_renamed(from_relation, to_relation)
        target = self.quote_as_configured(to_relation.identifier, "identifier")
        self.execute(f"alter table {from_relation.render()} rename to {target}", auto_begin=True)

    def drop_relation(self: Any, relation: Any) -> None:
        if relation.type not in ("table", "view") or not _dbt_macros_only(
            self, ("drop_relation", "get_drop_sql", f"drop_{relation.type}")
        ):
            return drop(self, relation)
        self.cache_dropped(relation)
        self.execute(f"drop {relation.type} if exists {relation.render()} cascade")

    rename_relation.without_macro_context = True  # type: ignore[attr-defined]
    SQLAdapter.rename_relation = rename_relation  # type: ignore[method-assign]
    SQLAdapter.drop_relation = drop_relation  # type: ignore[method-assign]


def _dbt_macros_only(adapter: Any, names: tuple[str, ...]) -> bool:
    """Whether the named macros (and their adapter variants) are dbt's and dbt-postgres's
    own: a project or package that overrides one gets its macro run, as dbt runs it."""
    overridden = getattr(adapter, "_overridden_relation_macros", None)
    if overridden is None:
        resolver = adapter._macro_resolver
        own = {"dbt", "dbt_postgres"}
        overridden = {
            macro.name.split("__", 1)[-1]
            for macro in (resolver.macros.values() if resolver is not None else ())
            if macro.package_name not in own
        }
        adapter._overridden_relation_macros = overridden
    return not overridden.intersection(names)


def templates_compiled_once() -> None:
    """A template's source compiled once per process; every template from it is new."""
    import functools

    from dbt.clients import jinja as dbt_jinja
    from dbt_common.clients import jinja as common_jinja

    get_template = common_jinja.get_template
    if getattr(get_template, "compiled_once", False):
        return

    @functools.lru_cache(maxsize=4096)
    def compiled(source: str, capture_macros: bool, native: bool) -> Any:
        # the generated code depends on the source and the environment's class and
        # extensions, not on the node (its undefined-name handling is looked up at run time)
        return common_jinja.get_environment(None, capture_macros, native=native).compile(source)

    def get_template_compiled_once(
        string: Any,
        ctx: dict[str, Any],
        node: Any = None,
        capture_macros: bool = False,
        native: bool = False,
    ) -> Any:
        if common_jinja.MACRO_DEBUGGING:  # dbt writes each compiled template out: its way
            return get_template(string, ctx, node, capture_macros=capture_macros, native=native)
        with common_jinja.catch_jinja(node):
            env = common_jinja.get_environment(node, capture_macros, native=native)
            code = compiled(str(string), capture_macros, native)
            return env.template_class.from_code(env, code, env.make_globals(ctx), None)

    get_template_compiled_once.compiled_once = True  # type: ignore[attr-defined]
    common_jinja.get_template = get_template_compiled_once
    dbt_jinja.get_template = get_template_compiled_once


def plain_names_selected_directly() -> None:
    """``--select <name>`` without dots or wildcards matches without flattening fqns."""
    from dbt.graph.selector_methods import QualifiedNameSelectorMethod

    search = QualifiedNameSelectorMethod.search
    if getattr(search, "plain_names_directly", False):
        return

    def search_plain_names_directly(self: Any, included_nodes: Any, selector: str) -> Any:
        if "." in selector or any(char in selector for char in "*?[]"):
            yield from search(self, included_nodes, selector)
            return
        for unique_id, node in self.non_source_nodes(included_nodes):
            fqn = node.fqn
            if node.is_versioned or len(fqn) < 2:
                matched = self.node_is_match(selector, fqn, node.is_versioned)
            else:
                # is_selected_node's matches for a one-part selector, on the fqn and on
                # the fqn without its package: the leaf, or the first part of the first
                # segment (a package or a top folder: everything in it)
                matched = (
                    fqn[-1] == selector
                    or fqn[0].split(".", 1)[0] == selector
                    or fqn[1].split(".", 1)[0] == selector
                )
            if matched:
                yield unique_id

    search_plain_names_directly.plain_names_directly = True  # type: ignore[attr-defined]
    QualifiedNameSelectorMethod.search = search_plain_names_directly  # type: ignore[method-assign]


def behavior_flags_without_source_lookup() -> None:
    """A behaviour flag's default source: the first calling module not dbt_common's own."""
    import sys

    from dbt_common import behavior_flags

    flag = behavior_flags.BehaviorFlagRendered
    if getattr(flag._default_source, "without_source_lookup", False):
        return

    def default_source() -> str:
        frame = sys._getframe(1)
        while frame is not None:
            name = frame.f_globals.get("__name__")
            if name and name != behavior_flags.__name__:
                return str(name)
            frame = frame.f_back
        return "Unknown"

    default_source.without_source_lookup = True  # type: ignore[attr-defined]
    flag._default_source = staticmethod(default_source)  # type: ignore[method-assign]


def result_tables_without_new_type_testers() -> None:
    """Agate type testers made once per set of text-only columns; empty tables without."""
    import functools

    import agate
    from dbt_common.clients import agate_helper

    build = agate_helper.build_type_tester
    if getattr(build, "shared", False):
        return

    @functools.lru_cache(maxsize=256)
    def shared_tester(text_columns: frozenset[str], string_null_values: Any) -> Any:
        return build(text_columns, string_null_values=string_null_values)

    def build_type_tester(text_columns: Any, string_null_values: Any = ("null", "")) -> Any:
        nulls = None if string_null_values is None else tuple(string_null_values)
        return shared_tester(frozenset(text_columns), nulls)

    def empty_table() -> Any:
        return agate.Table([], [], [])

    build_type_tester.shared = True  # type: ignore[attr-defined]
    agate_helper.build_type_tester = build_type_tester
    agate_helper.empty_table = empty_table
