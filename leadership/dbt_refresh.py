"""A refresh's build in two waves, so that what nothing changed reaches is not even visited.

``build_marts`` refreshes what is downstream of the streams with new record versions.
Most of that comes out as it was (1% of workers with a new email address change
``dim_physicians``; the readiness chain three models on does not move), and dbt itself
cannot stop where the data stops changing. ``dbt/macros/early_cutoff.sql`` keeps a table
whose selected parents came out unchanged, but every model and test in the selection
still costs dbt its per-node work (compiling, events, connections: 30 to 50 ms each,
most of a small refresh). So the build runs in two dbt commands:

1. the models that certainly change: those reading a changed source, or a view that
   does (views pass their parents' changes on); the children of those tables that read
   nothing else the refresh may rebuild, which the cutoff keeps when their parents came
   out unchanged; and the tests on nothing else;
2. what reads a model of the first wave that came out changed (or was not compared), and
   everything downstream of that, with the tests that touch those or the changed
   models, the same cutoff carrying on further down. Often there is nothing left.

Everything else in the selection is kept as it was. Both waves run with the cutoff on,
under one refresh id (``REFRESH_ID``) that keys their outcomes in ``ops.refresh_models``:
the second reads the first's there.

A refresh as of another day than the build before (the next day's, typically) also
rebuilds the models that read the day (tagged ``DAY_TAG`` by ``as_of_date.sql``): they
count as certain to change like the readers of a changed source, and ``NEW_DAY`` tells
the cutoff not to keep them. Such a refresh runs as one dbt command: the day reaches
most of the selection (the quarter in progress of every quarter model), so the second command
would find nearly all of it to build, and its start (about 0.2 s) and the wait for the
first command's slowest model cost more than the tables the cutoff keeps in passing
(measured in docs/benchmarks.md, "one dbt command on a new day").

An intermediate table of at most ``refresh_in_place_max_rows`` rows is refreshed in place,
in one transaction, keeping its statistics (``dbt/macros/early_cutoff.sql``);
``NEW_QUARTER`` (a refresh as of another quarter than the build before) has those tables
analysed again.

Last, any view of the selection that a table's replacement dropped (dbt drops the old
table with CASCADE) and no wave created again is created again, outside the cutoff.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from graphlib import TopologicalSorter
from typing import Any

REFRESH_ID = "LEADERSHIP_REFRESH_ID"
NEW_DAY = "LEADERSHIP_REFRESH_NEW_DAY"
NEW_QUARTER = "LEADERSHIP_REFRESH_NEW_QUARTER"
DAY_TAG = "reads_as_of_date"
VIEW_LIKE = ("view", "ephemeral")


@dataclass
class Node:
    unique_id: str
    name: str
    resource_type: str
    materialized: str
    parents: list[str]
    tags: list[str] = field(default_factory=list)
    relation: str = ""  # "schema"."name" in the warehouse


@dataclass
class RefreshPlan:
    """The selection's models and tests, and what each wave builds."""

    models: dict[str, Node]
    tests: dict[str, Node]
    order: list[str] = field(default_factory=list)  # the models, parents first
    certain: set[str] = field(default_factory=set)
    first: list[str] = field(default_factory=list)
    new_day: bool = False

    @classmethod
    def from_ls(cls, output: str, *, new_day: bool = False) -> RefreshPlan:
        """From ``dbt ls --output json`` of the selection (unique_id, name, ... keys).

        ``new_day``: the refresh is as of another day than the build before.
        """
        models: dict[str, Node] = {}
        tests: dict[str, Node] = {}
        for line in output.splitlines():
            line = line.strip()
            if not line.startswith("{"):
                continue
            item = json.loads(line)
            node = Node(
                item["unique_id"],
                item["name"],
                item["resource_type"],
                item.get("config", {}).get("materialized", ""),
                list(item.get("depends_on", {}).get("nodes", [])),
                list(item.get("tags") or []),
                _without_database(item.get("relation_name") or ""),
            )
            if node.resource_type in ("model", "snapshot"):
                models[node.unique_id] = node
            elif node.resource_type == "test":
                tests[node.unique_id] = node
        plan = cls(models, tests, new_day=new_day)
        plan._plan_first()
        return plan

    def _is_view(self, uid: str) -> bool:
        return self.models[uid].materialized in VIEW_LIKE

    def _selected_parents(self, uid: str) -> list[str]:
        return [p for p in self.models[uid].parents if p in self.models]

    def _plan_first(self) -> None:
        """The first wave: the models that certainly change (reading a changed source, or a
        view that does, or the day when it is a new one), and the children of those tables
        that read nothing else this refresh may rebuild. The cutoff decides for the children
        when they run: most of a refresh's tables are one step from what certainly changes,
        and a third dbt command costs more than keeping a few of them. On a new day, the
        whole selection (see the module's docstring)."""
        within = {uid: self._selected_parents(uid) for uid in self.models}
        self.order = list(TopologicalSorter(within).static_order())
        for uid in self.order:
            if (self.new_day and DAY_TAG in self.models[uid].tags) or any(
                p.startswith("source.") or (p in self.certain and self._is_view(p))
                for p in self.models[uid].parents
            ):
                self.certain.add(uid)
        if self.new_day:  # one command; the cutoff still keeps a table whose inputs held
            self.first = list(self.order)
            return
        # Every model of the first command reads only what is final after it: a certain
        # model reading one the second command may rebuild waits for the second.
        first: set[str] = set()
        for uid in self.order:
            parents = self._selected_parents(uid)
            step = bool(parents) and all(
                p in self.certain and not self._is_view(p) for p in parents
            )
            if (uid in self.certain or step) and all(p in first for p in parents):
                first.add(uid)
        self.first = [uid for uid in self.order if uid in first]

    def first_tests(self) -> list[str]:
        """Tests on first-wave models and on nothing else this refresh may rebuild."""
        first = set(self.first)
        return [
            uid
            for uid, test in self.tests.items()
            if all(p in first for p in test.parents if p in self.models)
            and any(p in first for p in test.parents)
        ]

    def changed_first(self, outcomes: dict[str, str]) -> set[str]:
        """The first wave's models whose rows changed (or may have: rebuilt, not compared)."""
        changed: set[str] = set()
        first = set(self.first)
        for uid in self.order:
            if uid not in first:
                continue
            if self._is_view(uid):
                if uid in self.certain or any(p in changed for p in self.models[uid].parents):
                    changed.add(uid)
            elif outcomes.get(uid, "changed") in ("changed", "rebuilt"):
                changed.add(uid)
        return changed

    def second(self, changed: set[str]) -> list[str]:
        """What reads a ``changed`` first-wave model, the certain models the first command
        left for later, and everything downstream of those."""
        first = set(self.first)
        children: dict[str, list[str]] = {}
        for uid in self.models:
            for parent in self._selected_parents(uid):
                children.setdefault(parent, []).append(uid)
        reached: set[str] = set()
        pending = [c for t in changed for c in children.get(t, [])]
        pending += [uid for uid in self.certain if uid not in first]
        while pending:
            uid = pending.pop()
            if uid in reached or uid in first:
                continue
            reached.add(uid)
            pending += children.get(uid, [])
        return [uid for uid in self.order if uid in reached]

    def second_tests(self, second: list[str], changed: set[str], ran: list[str]) -> list[str]:
        """Tests not run yet that touch a second-wave model or a changed first-wave model."""
        touched = set(second) | changed
        done = set(ran)
        return [
            uid
            for uid, test in self.tests.items()
            if uid not in done and any(p in touched for p in test.parents)
        ]

    def names(self, ids: list[str]) -> list[str]:
        return [(self.models.get(uid) or self.tests[uid]).name for uid in ids]


Run = Callable[..., str]


def build_refresh(
    selection: list[str],
    dbt_vars: dict[str, Any],
    run: Run,
    outcomes: Callable[[str], dict[str, str]],
    missing: Callable[[list[str]], set[str]],
    progress: Callable[[str], None] | None = None,
    *,
    new_day: bool = False,
    new_quarter: bool = False,
) -> tuple[str, str]:
    """Build ``selection`` as a refresh; return dbt's output and a one-line summary.

    ``run`` is :func:`leadership.dbt.run_dbt`; ``outcomes`` reads what a refresh (its id)
    recorded in ``ops.refresh_models`` (model -> outcome); ``missing``, which of the given
    relations the warehouse lacks. ``new_day``: the refresh is as of another day than the
    build before (the selection holds the day's readers); ``new_quarter``: of another
    quarter (the tables refreshed in place gather their statistics again).
    """
    listing = run(
        [
            "ls",
            "--select",
            *selection,
            "--output",
            "json",
            "--output-keys",
            "unique_id",
            "name",
            "resource_type",
            "config",
            "depends_on",
            "tags",
            "relation_name",
        ],
        dbt_vars=dbt_vars,
    )
    plan = RefreshPlan.from_ls(listing, new_day=new_day)
    refresh_id = str(uuid.uuid4())
    env = {
        REFRESH_ID: refresh_id,
        **({NEW_DAY: "1"} if new_day else {}),
        **({NEW_QUARTER: "1"} if new_quarter else {}),
    }
    first_tests = plan.first_tests()
    output = _build(run, plan, plan.first + first_tests, dbt_vars, env, progress)
    first = outcomes(refresh_id)
    changed = plan.changed_first(first)
    second = plan.second(changed)
    second_tests = plan.second_tests(second, changed, first_tests)
    done = first
    if second or second_tests:
        output += "\n" + _build(run, plan, second + second_tests, dbt_vars, env, progress)
        done = outcomes(refresh_id)
    # dbt replaces a table by renaming and then dropping the old one with CASCADE, which
    # drops the views that read it; the waves create again those they select, not one whose
    # table came out unchanged and so was left out of the second wave: created here.
    views = {m.relation: uid for uid, m in plan.models.items() if m.materialized == "view"}
    lost = [views[relation] for relation in missing(list(views))]
    if lost:
        output += "\n" + _build(run, plan, _in_order(plan, lost), dbt_vars, {}, progress)
    tables = [uid for uid, m in plan.models.items() if m.materialized not in VIEW_LIKE]
    # a table the cutoff did not reach (outside both commands) was kept too
    rebuilt = [uid for uid in tables if done.get(uid) in ("changed", "unchanged", "rebuilt")]
    unchanged = [uid for uid in rebuilt if done[uid] == "unchanged"]
    summary = (
        f"refresh{' as of a new day' if new_day else ''}: {len(rebuilt)} of the {len(tables)}"
        " tables downstream of the changes rebuilt"
        f" ({len(unchanged)} came out unchanged), {len(tables) - len(rebuilt)} kept as they were"
        " (nothing they read changed)" + (f"; {len(lost)} views created again" if lost else "")
    )
    return output, summary


def _in_order(plan: RefreshPlan, ids: list[str]) -> list[str]:
    wanted = set(ids)
    return [uid for uid in plan.order if uid in wanted]


def _without_database(relation_name: str) -> str:
    """``"schema"."name"`` from dbt's ``"database"."schema"."name"``."""
    parts = relation_name.split('"."')
    return '"' + '"."'.join(parts[-2:]) if len(parts) == 3 else relation_name


def _build(
    run: Run,
    plan: RefreshPlan,
    ids: list[str],
    dbt_vars: dict[str, Any],
    env: dict[str, str],
    progress: Callable[[str], None] | None,
) -> str:
    if not ids:
        return ""
    # --no-write-json: no run_results.json or manifest.json for a refresh's waves (0.1 s
    # each to write, read by nothing: the outcomes are in ops.refresh_models, the log in
    # dbt.log). --log-level-file info: dbt.log gets each node's outcome and any error, not
    # every statement with its timing (formatting those cost a daily refresh about a fifth
    # of its time, 4.7 s to 3.8 s in alternating runs); each node's SQL is in target/run/,
    # and after a failure the next build is a full one, which logs at debug level.
    return run(
        [
            "build",
            "--no-write-json",
            "--log-level-file",
            "info",
            "--select",
            *plan.names(ids),
            "--indirect-selection",
            "empty",
        ],
        dbt_vars=dbt_vars,
        progress=progress,
        env=env,
    )
