"""Validate a normalised batch with its stream's Great Expectations suite.

The suites live in ``expectations/`` (a GX Core 1.x file project): one suite,
validation definition and checkpoint per stream, named ``<feed>__<stream>``.
Running the checkpoint keeps GX's own results (under ``.local/gx/``); this module
turns them into what the loader needs:

- row-level failures: the failing row numbers, each with every reason (the
  expectation's ``meta.reason`` text, with the offending value filled in);
- batch-level failures (expectations whose ``meta.level`` is ``batch``, or that
  have no row-level result): the whole batch is held.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from integrations.common.schema import StreamContract
from leadership.config import EXPECTATIONS_DIR, local_dir
from leadership.normalise import Normalised, quote_value

log = logging.getLogger(__name__)

ASSET_DATASOURCE = "frames"
BATCH_DEFINITION = "whole_batch"
RESULT_FORMAT = {"result_format": "COMPLETE", "include_unexpected_rows": False}


class ValidationSetupError(RuntimeError):
    """The GX project lacks what a stream needs; the message says how to fix it."""


@dataclass
class ExpectationOutcome:
    expectation: str
    column: str | None
    success: bool
    unexpected_count: int
    level: str
    detail: str = ""


@dataclass
class Validation:
    reasons: dict[int, list[str]]
    batch_failures: list[str] = field(default_factory=list)
    outcomes: list[ExpectationOutcome] = field(default_factory=list)
    suite: str = ""

    @property
    def failed_rows(self) -> set[int]:
        return set(self.reasons)


def _quiet_gx_logging() -> None:
    for name in ("great_expectations", "great_expectations._docs_decorators"):
        logging.getLogger(name).setLevel(logging.WARNING)


@functools.cache
def context() -> Any:
    """The GX file context over ``expectations/`` (loaded once per process)."""
    _quiet_gx_logging()
    # great_expectations.yml keeps results and Data Docs under ${LEADERSHIP_GX_DIR}.
    os.environ.setdefault("LEADERSHIP_GX_DIR", str(local_dir() / "gx"))
    import great_expectations as gx

    return gx.get_context(mode="file", context_root_dir=str(EXPECTATIONS_DIR))


def suite_path(contract: StreamContract) -> str:
    return str(EXPECTATIONS_DIR / "expectations" / f"{contract.qualified_name}.json")


def scaffold(contracts: list[StreamContract]) -> list[str]:
    """Create the asset, batch definition, validation definition and checkpoint per suite.

    Idempotent: only what is missing is added. Suites are written by hand; a
    contract without a suite is reported, not invented.
    """
    import great_expectations as gx

    ctx = context()
    changes: list[str] = []
    datasource = ctx.data_sources.get(ASSET_DATASOURCE)
    for contract in contracts:
        name = contract.qualified_name
        if _assign_ids(Path(suite_path(contract))):
            changes.append(f"ids in suite {name}")
        try:
            suite = ctx.suites.get(name)
        except Exception:  # GX raises its own not-found types; the message is ours
            changes.append(f"missing suite {suite_path(contract)}: write it first")
            continue
        asset_names = [a.name for a in datasource.assets]
        asset = (
            datasource.get_asset(name)
            if name in asset_names
            else datasource.add_dataframe_asset(name)
        )
        if name not in asset_names:
            changes.append(f"asset {name}")
        batch_names = [b.name for b in asset.batch_definitions]
        batch = (
            asset.get_batch_definition(BATCH_DEFINITION)
            if BATCH_DEFINITION in batch_names
            else asset.add_batch_definition_whole_dataframe(BATCH_DEFINITION)
        )
        existing_definitions = {v.name for v in ctx.validation_definitions.all()}
        if name not in existing_definitions:
            definition = ctx.validation_definitions.add(
                gx.ValidationDefinition(name=name, data=batch, suite=suite)
            )
            changes.append(f"validation definition {name}")
        else:
            definition = ctx.validation_definitions.get(name)
        existing_checkpoints = {c.name for c in ctx.checkpoints.all()}
        if name not in existing_checkpoints:
            ctx.checkpoints.add(
                gx.Checkpoint(
                    name=name,
                    validation_definitions=[definition],
                    result_format=RESULT_FORMAT,
                    actions=[],
                )
            )
            changes.append(f"checkpoint {name}")
    return changes


def _assign_ids(path: Path) -> bool:
    """Give a hand-written suite and its expectations stable ids (GX needs them).

    Ids are uuid5 of the suite name and the expectation's position and content, so
    writing them twice gives the same file.
    """
    if not path.exists():
        return False
    suite = json.loads(path.read_text())
    changed = False
    if not suite.get("id"):
        suite["id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"leadership/suite/{suite['name']}"))
        changed = True
    for expectation in suite.get("expectations", []):
        if not expectation.get("id"):
            content = json.dumps([expectation["type"], expectation["kwargs"]], sort_keys=True)
            expectation["id"] = str(
                uuid.uuid5(uuid.NAMESPACE_URL, f"leadership/{suite['name']}/{content}")
            )
            changed = True
    if changed:
        path.write_text(json.dumps(suite, indent=2) + "\n")
    return changed


NO_LIMIT = 10**12


def row_count_band(previous_rows: int | None) -> tuple[int, int]:
    """Rows a full snapshot may have given the previous one: half to double, when it means much.

    No previous snapshot, a small one (under 20 rows) or an incremental extract: no band.
    """
    if previous_rows is None or previous_rows < 20:
        return 0, NO_LIMIT
    return previous_rows // 2, previous_rows * 2 + 10


def expectation_parameters(today: date, previous_rows: int | None = None) -> dict[str, Any]:
    """Values for ``$PARAMETER`` references in the suites."""
    low, high = row_count_band(previous_rows)
    return {
        "today": pd.Timestamp(today),
        "now": pd.Timestamp(today + timedelta(days=1), tz="UTC"),
        "horizon": pd.Timestamp(today + timedelta(days=366)),
        "previous_rows_min": low,
        "previous_rows_max": high,
    }


def validate(
    contract: StreamContract,
    batch: Normalised,
    *,
    today: date,
    previous_rows: int | None = None,
) -> Validation:
    """Run the stream's checkpoint on the typed frame and collect reasons per row.

    ``previous_rows``: the size of the previous full snapshot of this stream (for the
    row-count band); None for incremental extracts or when there is none.
    """
    name = contract.qualified_name
    validation = Validation(reasons={k: list(v) for k, v in batch.reasons.items()}, suite=name)
    if batch.frame.empty:
        if previous_rows and row_count_band(previous_rows)[0] > 0:
            validation.batch_failures.append(
                f"the batch is empty; the previous full batch had {previous_rows} rows"
            )
        return validation
    ctx = context()
    try:
        checkpoint = ctx.checkpoints.get(name)
    except Exception:
        raise ValidationSetupError(
            f"no GX checkpoint for stream {name}: add the suite {suite_path(contract)} and run "
            "`leadership expectations scaffold`"
        ) from None
    frame = _compared_vectorised(batch.frame[contract.column_names])
    result = checkpoint.run(
        batch_parameters={"dataframe": frame},
        expectation_parameters=expectation_parameters(today, previous_rows),
    )
    for suite_result in result.run_results.values():
        for expectation_result in suite_result.results:
            _collect(expectation_result, batch, validation)
    return validation


def _compared_vectorised(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as GX is given it: whole numbers as floats (missing: NaN).

    GX's pandas metrics compare a column with bounds in one vectorised step only for
    numpy's int and float dtypes; a nullable ``Int64`` column goes through a Python
    function per value (a second per million answers). Whole numbers up to 2**53 are
    exact as floats, and larger ones lie far outside any bound a suite sets; the
    reasons quote the source's own values, not these.
    """
    whole = [name for name, dtype in frame.dtypes.items() if isinstance(dtype, pd.Int64Dtype)]
    if not whole:
        return frame
    return frame.assign(**{name: frame[name].astype("float64") for name in whole})


def _collect(expectation_result: Any, batch: Normalised, validation: Validation) -> None:
    config = expectation_result.expectation_config
    kwargs = dict(config.kwargs)
    meta = dict(config.meta or {})
    columns = _columns_of(kwargs)
    column = columns[0] if columns else None
    level = meta.get("level", "row")
    result = expectation_result.result or {}
    indices = result.get("unexpected_index_list")
    exception = expectation_result.exception_info or {}
    if exception.get("raised_exception"):
        message = f"{config.type} on {column}: could not run ({exception.get('exception_message')})"
        validation.batch_failures.append(message)
        validation.outcomes.append(
            ExpectationOutcome(config.type, column, False, 0, "batch", message)
        )
        return
    if expectation_result.success:
        validation.outcomes.append(ExpectationOutcome(config.type, column, True, 0, level))
        return
    if level == "batch" or indices is None:
        message = _batch_message(config.type, column, kwargs, meta, result)
        validation.batch_failures.append(message)
        validation.outcomes.append(
            ExpectationOutcome(
                config.type,
                column,
                False,
                int(result.get("unexpected_count") or 0),
                "batch",
                message,
            )
        )
        return
    template = meta.get("reason") or f"{{column}}: {{value}} fails {config.type}"
    counted = 0
    for index in indices:
        row = int(index["index"] if isinstance(index, dict) else index)
        if config.type == "expect_column_values_to_not_be_null" and (
            (row, column) in batch.cast_failed
        ):
            continue  # the cast reason already says why the value is missing
        values = [batch.records[row].get(c) for c in columns]
        validation.reasons.setdefault(row, []).append(
            template.format(
                column=column, value=quote_value(values[0]), values=quote_value(tuple(values))
            )
        )
        counted += 1
    validation.outcomes.append(ExpectationOutcome(config.type, column, False, counted, level))


def _batch_message(
    expectation: str,
    column: str | None,
    kwargs: dict[str, Any],
    meta: dict[str, Any],
    result: dict[str, Any],
) -> str:
    """What a batch-level failure means, how far off it is, and which expectation said so."""
    percent = result.get("unexpected_percent")
    values = {
        "column": column,
        "observed": result.get("observed_value"),
        "percent": f"{percent:.1f}%" if isinstance(percent, (int, float)) else "?",
        "min": _shown_limit(kwargs.get("min_value")),
        "max": _shown_limit(kwargs.get("max_value")),
        "mostly": kwargs.get("mostly"),
    }
    template = meta.get("reason") or f"{expectation} failed on {column}"
    try:
        text = template.format(**values)
    except (KeyError, IndexError, ValueError):
        text = template
    return f"{text} [{expectation}{f' on {column}' if column else ''}]"


def _shown_limit(value: Any) -> Any:
    if isinstance(value, (int, float)) and value >= NO_LIMIT:
        return "no limit"
    return value


def _columns_of(kwargs: dict[str, Any]) -> list[str]:
    if "column" in kwargs:
        return [kwargs["column"]]
    if "column_list" in kwargs:
        return list(kwargs["column_list"])
    if "column_A" in kwargs:
        return [kwargs["column_A"], kwargs["column_B"]]
    return []
