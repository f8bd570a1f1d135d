"""Which dbt command of a refresh builds what (leadership/dbt_refresh.py), on a small graph.

source.hr.workers -> stg (view) -> dim (table) -> leaf (table)
                                |              -> deep (table, also reads mid)
                                -> quarters (table) -> mid (table) -> deep
                                -> observed (view) -> kpi (table)
                                                    -> late (table, also reads deep)
"""

from __future__ import annotations

import json

from leadership.dbt_refresh import RefreshPlan


def _model(name: str, materialized: str, *parents: str) -> dict:
    return {
        "unique_id": f"model.p.{name}",
        "name": name,
        "resource_type": "model",
        "config": {"materialized": materialized},
        "depends_on": {"nodes": list(parents)},
    }


def _test(name: str, *parents: str) -> dict:
    return {
        "unique_id": f"test.p.{name}",
        "name": name,
        "resource_type": "test",
        "config": {"materialized": "test"},
        "depends_on": {"nodes": list(parents)},
    }


def m(name: str) -> str:
    return f"model.p.{name}"


LISTING = [
    _model("late", "table", m("observed"), m("deep")),
    _model("stg", "view", "source.p.hr.workers"),
    _model("dim", "table", m("stg")),
    _model("leaf", "table", m("dim")),
    _model("quarters", "table", m("stg")),
    _model("mid", "table", m("quarters")),
    _model("deep", "table", m("dim"), m("mid")),
    _model("observed", "view", m("stg"), m("quarters")),
    _model("kpi", "table", m("observed")),
    _test("unique_dim", m("dim")),
    _test("rel_leaf_dim", m("leaf"), m("dim")),
    _test("unique_deep", m("deep")),
    _test("rel_deep_mid", m("deep"), m("mid")),
    _test("rel_mid_outside", m("mid"), "model.p.not_in_the_refresh"),
]


def plan() -> RefreshPlan:
    # dbt ls prints log lines around the JSON ones
    output = "12:00:00  Running with dbt=1.11\n" + "\n".join(json.dumps(i) for i in LISTING)
    return RefreshPlan.from_ls(output)


def names(ids) -> set[str]:
    return {i.split(".")[-1] for i in ids}


def test_the_first_command_builds_what_certainly_changes_and_the_next_step_from_its_tables():
    p = plan()
    # a changed source's view, and what reads it or a view reading it
    assert names(p.certain) == {"stg", "dim", "quarters", "observed", "kpi", "late"}
    # one step on from those tables, when that is all they read: the cutoff decides there;
    # late reads deep, which the second command may rebuild, so it waits for that one
    assert names(p.first) == {"stg", "dim", "quarters", "observed", "kpi", "leaf", "mid"}
    order = [i.split(".")[-1] for i in p.first]
    assert order.index("stg") < order.index("dim") < order.index("leaf")
    assert order.index("quarters") < order.index("mid")
    # tests on nothing the second command may still rebuild
    assert names(p.first_tests()) == {"unique_dim", "rel_leaf_dim", "rel_mid_outside"}


def test_the_second_command_builds_only_what_a_changed_model_reaches():
    p = plan()
    # dim changed; quarters and mid came out unchanged; leaf was rebuilt, not compared
    outcomes = {
        m("dim"): "changed",
        m("leaf"): "rebuilt",
        m("quarters"): "unchanged",
        m("mid"): "kept",
        m("kpi"): "rebuilt",
    }
    changed = p.changed_first(outcomes)
    assert names(changed) == {"stg", "observed", "dim", "leaf", "kpi"}  # views that read stg
    second = p.second(changed)
    assert names(second) == {"deep", "late"}  # deep reads dim; late waited
    ran = p.first_tests()
    assert names(p.second_tests(second, changed, ran)) == {"unique_deep", "rel_deep_mid"}


def test_nothing_is_left_for_a_second_command_when_the_first_changed_nothing_it_reads():
    p = plan()
    outcomes = {m(n): "unchanged" for n in ("dim", "quarters", "kpi")}
    outcomes |= {m("leaf"): "kept", m("mid"): "kept"}
    # the certain views changed (they read the changed source): what reads them is
    # certain too, and built in the first command already
    changed = p.changed_first(outcomes)
    assert names(changed) == {"stg", "observed"}
    assert names(p.second(changed)) == {"late"}  # certain, and left for the second


def test_a_new_day_makes_the_models_that_read_it_certain():
    spine = _model("spine", "view") | {"tags": ["reads_as_of_date"]}  # reads only the day
    scores = _model("scores", "table", m("spine"))
    due = _model("due", "table", m("dim")) | {"tags": ["reads_as_of_date"]}
    listing = [*LISTING, spine, scores, due]
    output = "\n".join(json.dumps(i) for i in listing)

    same_day = RefreshPlan.from_ls(output)
    assert not {"spine", "scores", "due"} & names(same_day.certain)

    new_day = RefreshPlan.from_ls(output, new_day=True)
    # the view with the day in it, what reads that view, and a table that reads the day
    assert {"spine", "scores", "due"} <= names(new_day.certain)


def test_a_new_day_is_built_in_one_command():
    due = _model("due", "table", m("dim")) | {"tags": ["reads_as_of_date"]}
    output = "\n".join(json.dumps(i) for i in [*LISTING, due])
    p = RefreshPlan.from_ls(output, new_day=True)
    # everything selected, parents first, with every test; nothing left for a second
    assert names(p.first) == {i["name"] for i in [*LISTING, due] if i["resource_type"] == "model"}
    order = [i.split(".")[-1] for i in p.first]
    assert order.index("mid") < order.index("deep") < order.index("late")
    assert names(p.first_tests()) == {t["name"] for t in LISTING if t["resource_type"] == "test"}
    outcomes = {m("dim"): "changed", m("quarters"): "unchanged", m("deep"): "changed"}
    changed = p.changed_first(outcomes)
    assert p.second(changed) == []
    assert p.second_tests(p.second(changed), changed, p.first_tests()) == []
