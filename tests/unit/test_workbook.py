"""The upward workbook layout: title, 制表单位/截至日期, 序号, typed cells, print setup, no live formulas."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from chainmap.workbook import Column, Sheet, read_rows, upward_xlsx

COLUMNS = [Column("county", "县(市、区)"), Column("rate", "配套率", kind="percent"),
           Column("amount", "投资额（万元）", kind="money"), Column("codes", "行业代码", kind="codes"),
           Column("day", "日期", kind="date")]
ROWS = [{"county": "清河县", "rate": 0.625, "amount": 12000.5, "codes": ["1713", "1762"], "day": "2026-09-30"},
        {"county": "=HYPERLINK(\"x\")", "rate": None, "amount": 3, "codes": [], "day": None}]


def _book() -> bytes:
    summary = Sheet("汇总", [Column("city", "地市"), Column("n", "数量", kind="int")], [{"city": "邢台市", "n": 2}])
    return upward_xlsx("邢台市县域特色产业集群缺链报告", "邢台市商务局", dt.date(2026, 9, 30),
                       [summary, Sheet("明细", COLUMNS, ROWS)])


def test_every_sheet_has_title_unit_date_and_numbered_headers() -> None:
    book = load_workbook(io.BytesIO(_book()))
    assert book.sheetnames == ["汇总", "明细"]
    ws = book["明细"]
    assert ws["A1"].value == "邢台市县域特色产业集群缺链报告"
    assert "A1:F1" in {str(r) for r in ws.merged_cells.ranges}
    assert ws["A2"].value == "制表单位：邢台市商务局"
    assert ws["F2"].value == "截至日期：2026年9月30日"
    assert [c.value for c in ws[3]] == ["序号", "县(市、区)", "配套率", "投资额（万元）", "行业代码", "日期"]
    assert [ws.cell(row=r, column=1).value for r in (4, 5)] == [1, 2]
    assert ws.freeze_panes == "A4"
    assert ws.print_title_rows == "$1:$3"
    assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4
    setup = ws.sheet_properties.pageSetUpPr
    assert setup is not None and setup.fitToPage


def test_cells_are_typed_and_text_never_becomes_a_formula() -> None:
    ws = load_workbook(io.BytesIO(_book()))["明细"]
    assert ws["C4"].value == 0.625 and ws["C4"].number_format == "0.0%"
    assert ws["D4"].value == 12000.5 and ws["D4"].number_format == "#,##0.00"
    assert ws["E4"].value == "1713；1762"
    assert ws["F4"].value == dt.datetime(2026, 9, 30)
    assert ws["B5"].data_type == "s" and ws["B5"].value.startswith("=")
    assert ws["C5"].value is None


def test_read_rows_gives_back_what_was_written() -> None:
    rows = read_rows(_book(), "汇总")
    assert rows == [{"序号": 1, "地市": "邢台市", "数量": 2}]


def test_a_workbook_needs_a_sheet() -> None:
    with pytest.raises(ValueError):
        upward_xlsx("t", "u", dt.date(2026, 1, 1), [])
