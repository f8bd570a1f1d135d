"""Deterministic XLSX workbooks: sheets of rows, a README sheet, no clock inside.

openpyxl stamps a workbook's ``modified`` property with the current time when it
saves and dates every zip entry; here the properties are set to a fixed moment
derived from the period, the writer is called without the stamping, and the zip is
rewritten with fixed entry dates, so the same rows give the same bytes. Every cell
goes through :func:`leadership.spreadsheet.safe_cell`.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from leadership.exports.outbox import renormalise_zip
from leadership.spreadsheet import safe_cell

AUTHOR = "Leadership Passport Platform"


@dataclass
class Sheet:
    title: str
    header: list[str]
    rows: list[Sequence[Any]]


def workbook_bytes(sheets: list[Sheet], moment: datetime, title: str) -> bytes:
    """An XLSX of ``sheets`` (in order) whose bytes depend only on its content and ``moment``."""
    wb = Workbook()
    wb.remove(wb.active)
    for sheet in sheets:
        ws = wb.create_sheet(sheet.title[:31])
        ws.append([safe_cell(h) for h in sheet.header])
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in sheet.rows:
            ws.append([safe_cell(v) for v in row])
        ws.freeze_panes = "A2"
        for i, name in enumerate(sheet.header, start=1):
            longest = max([len(str(name)), *(len(str(r[i - 1] or "")) for r in sheet.rows)])
            ws.column_dimensions[get_column_letter(i)].width = min(max(longest + 2, 10), 80)
        if sheet.title == "README":
            for row in ws.iter_rows(min_row=2):
                for cell in row:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
    wb.properties.creator = AUTHOR
    wb.properties.lastModifiedBy = AUTHOR
    wb.properties.title = title
    wb.properties.created = moment
    wb.properties.modified = moment
    buffer = io.BytesIO()
    ExcelWriter(wb, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED)).save()
    return renormalise_zip(buffer.getvalue(), moment)
