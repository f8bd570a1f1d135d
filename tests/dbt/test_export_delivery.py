"""Delivering the quarterly files: SFTP in production, the command line, cells made safe.

The SFTP outbox writes to the simulator's SFTP server through Airflow's SFTP provider,
the same way the file-drop tests read from it; the command runs against the shared
``mentored_warehouse`` (the KPI export only reads).
"""

from __future__ import annotations

import hashlib
import io
import json
from datetime import date, datetime

import openpyxl
import pytest

from leadership.cli import main
from leadership.exports.marts import quarter_end
from leadership.exports.outbox import (
    Delivery,
    LocalOutbox,
    SftpOutbox,
    outbox_location,
    period_timestamp,
)
from leadership.exports.workbook import Sheet, workbook_bytes

SFTP_ENV = "AIRFLOW_CONN_SFTP_DEFAULT"


def test_a_delivery_goes_over_sftp_when_the_connection_names_an_outbox(
    sftp_server, monkeypatch
) -> None:
    monkeypatch.setenv(SFTP_ENV, json.dumps(sftp_server.connection(outbox_root="/outbox")))
    location = outbox_location()
    assert isinstance(location, SftpOutbox)
    assert sftp_server.password not in location.describe()
    delivery = Delivery("kpis", "2026Q3")
    delivery.add("deans_kpis.csv", b"metric,value\nretention_rate,0.9500\n", 1)
    written = delivery.write(location)
    folder = sftp_server.root / "outbox" / "kpis" / "2026Q3"
    data = (folder / "deans_kpis.csv").read_bytes()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest == {k: v for k, v in written.items() if k != "location"}
    assert manifest["files"] == [
        {
            "name": "deans_kpis.csv",
            "rows": 1,
            "bytes": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
        }
    ]


def test_without_a_connection_the_local_outbox_is_used(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv(SFTP_ENV, raising=False)
    monkeypatch.setenv("LEADERSHIP_OUTBOX", str(tmp_path / "box"))
    location = outbox_location()
    assert isinstance(location, LocalOutbox) and location.root == tmp_path / "box"


def test_spreadsheet_cells_cannot_carry_formulas_and_no_clock_gets_in() -> None:
    sheet = Sheet("Data", ["name", "value"], [['=HYPERLINK("http://evil","x")', 3], ["-1+1", 2]])
    moment = period_timestamp("2026Q3")
    first = workbook_bytes([sheet], moment, "test")
    assert first == workbook_bytes([sheet], moment, "test")
    wb = openpyxl.load_workbook(io.BytesIO(first))
    assert [r[0] for r in wb["Data"].iter_rows(min_row=2, values_only=True)] == [
        '\'=HYPERLINK("http://evil","x")',
        "'-1+1",
    ]
    assert wb.properties.created == datetime(2026, 9, 30, 12, 0)


def test_quarter_dates() -> None:
    assert [quarter_end(f"2026Q{q}") for q in (1, 2, 3, 4)] == [
        date(2026, 3, 31), date(2026, 6, 30), date(2026, 9, 30), date(2026, 12, 31),
    ]  # fmt: skip
    assert period_timestamp("2026") == datetime(2026, 12, 31, 12, 0)


def test_the_export_command_writes_the_quarters_files(
    mentored_warehouse, tmp_path, monkeypatch, capsys
) -> None:
    monkeypatch.setenv("WAREHOUSE_URL", mentored_warehouse.url)
    monkeypatch.delenv(SFTP_ENV, raising=False)
    quarter = mentored_warehouse.program.quarters[-1]
    args = ["export", "kpis", "--quarter", quarter, "--no-build", "--out", str(tmp_path)]
    assert main(args) == 0
    assert f"kpis {quarter}: 1 file(s)" in capsys.readouterr().out
    assert (tmp_path / "kpis" / quarter / "deans_kpis.csv").exists()
    with pytest.raises(SystemExit, match="2026Q5"):
        main(["export", "kpis", "--quarter", "2026Q5", "--no-build"])
