"""The GX project and the stream contracts never drift apart."""

from __future__ import annotations

import csv
import json

import pytest

from integrations.contracts import CONTRACTS
from integrations.contracts.hr import ROLE_CODES
from leadership.config import DBT_DIR, EXPECTATIONS_DIR


def suite(name: str) -> dict:
    return json.loads((EXPECTATIONS_DIR / "expectations" / f"{name}.json").read_text())


@pytest.mark.parametrize("stream", sorted(CONTRACTS))
def test_every_stream_has_a_suite_a_validation_definition_and_a_checkpoint(stream: str) -> None:
    assert (EXPECTATIONS_DIR / "expectations" / f"{stream}.json").exists()
    assert (EXPECTATIONS_DIR / "validation_definitions" / f"{stream}.json").exists()
    checkpoint = json.loads((EXPECTATIONS_DIR / "checkpoints" / f"{stream}.json").read_text())
    assert checkpoint["result_format"]["result_format"] == "COMPLETE"


@pytest.mark.parametrize("stream", sorted(CONTRACTS))
def test_the_primary_key_is_required_and_unique(stream: str) -> None:
    contract = CONTRACTS[stream]
    expectations = suite(stream)["expectations"]
    not_null = {
        e["kwargs"]["column"]
        for e in expectations
        if e["type"] == "expect_column_values_to_not_be_null" and "row_condition" not in e["kwargs"]
    }
    assert set(contract.primary_key) <= not_null
    unique = [
        e
        for e in expectations
        if e["type"]
        in ("expect_column_values_to_be_unique", "expect_compound_columns_to_be_unique")
    ]
    keys = [
        [e["kwargs"]["column"]] if "column" in e["kwargs"] else e["kwargs"]["column_list"]
        for e in unique
    ]
    assert list(contract.primary_key) in keys


@pytest.mark.parametrize("stream", sorted(CONTRACTS))
def test_suites_only_name_contract_columns_and_say_why(stream: str) -> None:
    columns = set(CONTRACTS[stream].column_names)
    for expectation in suite(stream)["expectations"]:
        kwargs = expectation["kwargs"]
        named = {
            kwargs.get("column"),
            kwargs.get("column_A"),
            kwargs.get("column_B"),
            *kwargs.get("column_list", []),
        } - {None}
        assert named <= columns, expectation
        assert expectation["meta"].get("reason"), expectation


def test_role_codes_agree_between_contract_suite_and_dbt_seed() -> None:
    (in_set,) = [
        e
        for e in suite("hr__job_history")["expectations"]
        if e["type"] == "expect_column_values_to_be_in_set" and e["kwargs"]["column"] == "role"
    ]
    with (DBT_DIR / "seeds" / "role_codes.csv").open() as fh:
        seeded = [row["role_code"] for row in csv.DictReader(fh)]
    assert sorted(in_set["kwargs"]["value_set"]) == sorted(ROLE_CODES) == sorted(seeded)
