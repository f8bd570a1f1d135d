"""What the dbt worker changes in dbt: log events made only for a logger or callback that
receives them; renames and drops without a macro context; templates compiled once;
plain names selected directly; behaviour flags' source; result tables without a new
type tester each."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest
from dbt.adapters.events.types import SQLQuery
from dbt.adapters.postgres.relation import PostgresRelation
from dbt.adapters.sql.impl import SQLAdapter
from dbt_common.behavior_flags import BehaviorFlagRendered
from dbt_common.events import base_types
from dbt_common.events.base_types import BaseEvent, EventLevel
from dbt_common.events.event_manager import EventManager
from dbt_common.events.logger import LoggerConfig
from dbt_common.events.types import Note

from leadership.dbt_tuning import (
    behavior_flags_without_source_lookup,
    build_events_only_when_heard,
    plain_names_selected_directly,
    rename_and_drop_without_macro_context,
    result_tables_without_new_type_testers,
    templates_compiled_once,
)


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


class _Adapter:
    """What the worker's rename and drop use of a dbt adapter; records what it is asked."""

    def __init__(self, macros: dict[str, tuple[str, str]]) -> None:
        self._macro_resolver = SimpleNamespace(
            macros={
                uid: SimpleNamespace(name=name, package_name=package)
                for uid, (name, package) in macros.items()
            }
        )
        self.done: list[tuple] = []

    def cache_renamed(self, old, new) -> None:
        self.done.append(("cache renamed", old.identifier, new.identifier))

    def cache_dropped(self, relation) -> None:
        self.done.append(("cache dropped", relation.identifier))

    def quote_as_configured(self, identifier: str, kind: str) -> str:
        return f'"{identifier}"'

    def execute(self, sql: str, auto_begin: bool = False) -> None:
        self.done.append(("sql", sql, auto_begin))

    def execute_macro(self, name: str, kwargs: dict) -> None:
        self.done.append(("macro", name))


DBT_OWN = {
    "macro.dbt.rename_relation": ("rename_relation", "dbt"),
    "macro.dbt.default__drop_relation": ("default__drop_relation", "dbt"),
    "macro.dbt_postgres.postgres__drop_table": ("postgres__drop_table", "dbt_postgres"),
}


def _relation(name: str, kind: str = "table") -> PostgresRelation:
    return PostgresRelation.create(database="lpp", schema="marts", identifier=name, type=kind)


@pytest.fixture
def relation_sql(monkeypatch):
    monkeypatch.setattr(SQLAdapter, "rename_relation", SQLAdapter.rename_relation)
    monkeypatch.setattr(SQLAdapter, "drop_relation", SQLAdapter.drop_relation)
    rename_and_drop_without_macro_context()


def test_a_rename_and_a_drop_run_the_macros_sql_directly(relation_sql):
    adapter = _Adapter(DBT_OWN)

    SQLAdapter.rename_relation(adapter, _relation("kpis__dbt_tmp"), _relation("kpis"))
    SQLAdapter.drop_relation(adapter, _relation("kpis__dbt_backup"))
    SQLAdapter.drop_relation(adapter, _relation("old_view", "view"))

    assert adapter.done == [
        ("cache renamed", "kpis__dbt_tmp", "kpis"),
        ("sql", 'alter table "lpp"."marts"."kpis__dbt_tmp" rename to "kpis"', True),
        ("cache dropped", "kpis__dbt_backup"),
        ("sql", 'drop table if exists "lpp"."marts"."kpis__dbt_backup" cascade', False),
        ("cache dropped", "old_view"),
        ("sql", 'drop view if exists "lpp"."marts"."old_view" cascade', False),
    ]


def test_a_project_that_overrides_a_relation_macro_gets_it_run(relation_sql):
    adapter = _Adapter(
        {
            **DBT_OWN,
            "macro.leadership.postgres__drop_table": ("postgres__drop_table", "leadership"),
        }
    )

    SQLAdapter.rename_relation(adapter, _relation("kpis__dbt_tmp"), _relation("kpis"))
    SQLAdapter.drop_relation(adapter, _relation("kpis__dbt_backup"))
    SQLAdapter.drop_relation(adapter, _relation("old_view", "view"))

    # the rename is still dbt's own; a table's drop goes through the project's macro
    assert adapter.done[2:4] == [("cache dropped", "kpis__dbt_backup"), ("macro", "drop_relation")]
    assert adapter.done[1][0] == adapter.done[5][0] == "sql"


def test_a_template_source_is_compiled_once_and_renders_as_before(monkeypatch):
    import jinja2
    from dbt.clients import jinja as dbt_jinja
    from dbt.exceptions import CompilationError
    from dbt_common.clients import jinja as common_jinja

    monkeypatch.setattr(common_jinja, "get_template", common_jinja.get_template)
    monkeypatch.setattr(dbt_jinja, "get_template", dbt_jinja.get_template)
    source = "select {{ n + 1 }} as {{ name }}{% if extra %}, {{ extra }}{% endif %}"
    contexts = [{"n": 1, "name": "x", "extra": ""}, {"n": 2, "name": "y", "extra": "z"}]
    before = [dbt_jinja.get_rendered(source, dict(c)) for c in contexts]
    native_before = dbt_jinja.get_rendered("{{ [n, n] }}", {"n": 3}, native=True)
    templates_compiled_once()
    compiled = []
    compile_source = jinja2.Environment.compile

    def counted(self, source, *args, **kwargs):
        compiled.append(source)
        return compile_source(self, source, *args, **kwargs)

    monkeypatch.setattr(jinja2.Environment, "compile", counted)

    after = [dbt_jinja.get_rendered(source, dict(c)) for c in contexts * 3]

    assert after == before * 3 == ["select 2 as x", "select 3 as y, z"] * 3
    assert compiled == [source]
    # the native environment's templates are its own, and still give Python values
    assert dbt_jinja.get_rendered("{{ [n, n] }}", {"n": 3}, native=True) == native_before == [3, 3]
    # a template that does not compile fails as before, every time it is used
    for _ in range(2):
        with pytest.raises(CompilationError):
            dbt_jinja.get_rendered("select {{ 1 +", {})
    templates_compiled_once()
    assert common_jinja.get_template is dbt_jinja.get_template


def test_a_plain_name_selects_exactly_what_dbt_selects_with_it(monkeypatch):
    from dbt.graph.selector_methods import QualifiedNameSelectorMethod

    nodes = {
        "model.leadership.dim_physicians": (
            ["leadership", "marts", "passport", "dim_physicians"],
            False,
        ),
        "model.leadership.stg_hr__workers": (
            ["leadership", "staging", "hr", "stg_hr__workers"],
            False,
        ),
        "test.leadership.primary_key_x.ab12": (
            ["leadership", "intermediate", "primary_key_x"],
            False,
        ),
        "seed.leadership.pods": (["leadership", "pods"], False),
        "model.other.thing": (["other", "staging", "thing"], False),
        "model.other.dotted": (["other", "marts.kpi", "dotted"], False),
        "model.leadership.scores.v2": (["leadership", "marts", "scores", "v2"], True),
    }

    class Method(QualifiedNameSelectorMethod):
        def non_source_nodes(self, included_nodes):
            for unique_id, (fqn, versioned) in nodes.items():
                if unique_id in included_nodes:
                    yield unique_id, SimpleNamespace(fqn=fqn, is_versioned=versioned)

    selectors = [fqn[-1] for fqn, _ in nodes.values()] + [
        "leadership", "other", "staging", "marts", "passport", "hr", "kpi", "scores",
        "scores_v2", "nothing", "marts.passport", "leadership.staging", "dim_*", "stg_?r*",
    ]  # fmt: skip
    everything = set(nodes)
    method = Method(None, None, [])
    monkeypatch.setattr(QualifiedNameSelectorMethod, "search", QualifiedNameSelectorMethod.search)
    before = {s: set(method.search(everything, s)) for s in selectors}
    plain_names_selected_directly()
    plain_names_selected_directly()

    after = {s: set(method.search(everything, s)) for s in selectors}

    assert after == before
    assert before["dim_physicians"] == {"model.leadership.dim_physicians"}
    assert before["staging"] == {"model.leadership.stg_hr__workers", "model.other.thing"}
    assert len(before["leadership"]) == 5
    assert set(method.search({"seed.leadership.pods"}, "leadership")) == {"seed.leadership.pods"}


def test_a_behaviour_flag_names_the_module_that_made_it(monkeypatch):
    monkeypatch.setattr(
        BehaviorFlagRendered, "_default_source", BehaviorFlagRendered.__dict__["_default_source"]
    )
    behavior_flags_without_source_lookup()

    flag = BehaviorFlagRendered({"name": "some_flag", "default": False, "description": "x"}, {})

    assert flag._behavior_change_event.flag_source == __name__


def test_result_tables_are_typed_as_before_with_shared_type_testers(monkeypatch):
    from datetime import datetime
    from decimal import Decimal

    from dbt_common.clients import agate_helper

    rows = [
        {"n": 1, "code": "007", "at": datetime(2026, 10, 1), "x": Decimal("1.5"), "z": None},
        {"n": 2, "code": "null", "at": None, "x": None, "z": None},
    ]
    names = ["n", "code", "at", "x", "z"]

    def typed(table):
        kinds = [type(kind).__name__ for kind in table.column_types]
        return kinds, [list(row.values()) for row in table.rows]

    before = typed(agate_helper.table_from_data_flat(rows, names))
    monkeypatch.setattr(agate_helper, "build_type_tester", agate_helper.build_type_tester)
    monkeypatch.setattr(agate_helper, "empty_table", agate_helper.empty_table)
    result_tables_without_new_type_testers()

    assert typed(agate_helper.table_from_data_flat(rows, names)) == before
    assert before[1][1][1] == "null"  # text stays text, not a missing value
    assert agate_helper.build_type_tester({"code"}, ()) is agate_helper.build_type_tester(
        ["code"], ()
    )
    empty = agate_helper.empty_table()
    assert (empty.column_names, len(empty.rows)) == ((), 0)
