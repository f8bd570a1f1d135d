"""Cells that reach spreadsheets and terminals are inert."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from leadership.spreadsheet import csv_bytes, safe_cell, terminal_safe


@pytest.mark.parametrize(
    "evil",
    [
        '=HYPERLINK("http://evil.example","click")',
        "+1+2",
        "-2+3",
        "@SUM(A1:A2)",
        "\t=1",
        "\r=1",
        "|calc",
    ],
)
def test_formula_text_is_neutralised(evil: str) -> None:
    assert safe_cell(evil) == "'" + evil


@pytest.mark.parametrize("fine", ["Ada Ng", "Surgery", "2026Q3", "a=b", "'; drop table x; --"])
def test_ordinary_text_is_left_alone(fine: str) -> None:
    assert safe_cell(fine) == fine


def test_numbers_and_dates_stay_typed() -> None:
    assert safe_cell(-3) == -3 and safe_cell(2.5) == 2.5
    assert safe_cell(date(2026, 9, 30)) == date(2026, 9, 30)
    assert safe_cell(None) is None


def test_csv_is_deterministic_and_safe() -> None:
    data = csv_bytes(["name", "score"], [["=cmd|' /C calc'!A0", 1.0], ["Ada", None]])
    assert data == csv_bytes(["name", "score"], [["=cmd|' /C calc'!A0", 1.0], ["Ada", None]])
    rows = list(csv.reader(io.StringIO(data.decode())))
    assert rows == [["name", "score"], ["'=cmd|' /C calc'!A0", "1.0"], ["Ada", ""]]


def test_terminal_escapes_are_shown_not_obeyed() -> None:
    assert terminal_safe("ok\x1b[2Jgone\x07") == "ok\\x1b[2Jgone\\x07"
