"""Text that leaves the platform for spreadsheets and terminals, made harmless.

Spreadsheet programs execute a cell that starts with ``=``, ``+``, ``-``, ``@`` (and,
in some, a tab or carriage return) as a formula: a worker named
``=HYPERLINK("http://evil","click")`` would become a live link in the dean's KPI file.
Every CSV and XLSX cell the platform writes goes through :func:`safe_cell`, which
prefixes such text with an apostrophe (OWASP's advice), leaving numbers, dates and
ordinary text alone. The data itself is stored as the source sent it.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "|")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\x9b]|\x1b\[[0-9;?]*[A-Za-z]")


def safe_cell(value: Any) -> Any:
    """A value ready for a spreadsheet cell: formula-looking text is neutralised."""
    if value is None or isinstance(value, (bool, int, float, Decimal, date, datetime)):
        return value
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """Deterministic CSV (UTF-8, ``\\n`` line ends, minimal quoting) with every cell made safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow(["" if v is None else _plain(safe_cell(v)) for v in row])
    return buffer.getvalue().encode("utf-8")


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(csv_bytes(header, rows))
    return path


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return f"{value:.1f}"
    return value


def terminal_safe(text: str) -> str:
    """Text for a terminal: control characters and escape sequences shown, not obeyed."""
    return _CONTROL.sub(lambda m: repr(m.group(0))[1:-1], text)
