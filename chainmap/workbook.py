"""Workbooks as a city or county sends them upward (上报): a title row, 制表单位 and 截至日期, 序号, print setup.

Every report that leaves chainmap as an official table (gap reports, progress reports) is laid out here, so they
all look alike and a cell typed by an editor can never become a live formula.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

Kind = Literal["text", "int", "number", "money", "percent", "score", "date", "codes"]

# Excel number formats by kind; money is 万元 with two decimals, as the statistics tables give it.
NUMBER_FORMATS: dict[str, str] = {
    "int": "#,##0",
    "number": "#,##0.00",
    "money": "#,##0.00",
    "percent": "0.0%",
    "score": "0.000",
    "date": "yyyy-mm-dd",
}
HEADER_ROW = 3  # title, 制表单位/截至日期, then the column headers
THIN = Side(style="thin", color="999999")
GRID = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


@dataclass(frozen=True)
class Column:
    """One column: the row key it reads, its Chinese header, its width in characters and how its cells are typed."""

    key: str
    header: str
    width: int = 12
    kind: Kind = "text"


@dataclass(frozen=True)
class Sheet:
    """One sheet of rows; `numbered` puts a 序号 column first; `note` (注) is written under the table."""

    name: str
    columns: Sequence[Column]
    rows: Sequence[Mapping[str, Any]]
    numbered: bool = True
    note: str | None = None


def chinese_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def cell_value(column: Column, value: Any) -> Any:
    """The value a cell holds: codes joined, dates as dates, numbers as numbers, everything else as text."""
    if value is None:
        return None
    if column.kind == "codes":
        return "；".join(value) if isinstance(value, (list, tuple)) else str(value)
    if column.kind == "date" and isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    if column.kind in NUMBER_FORMATS and isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return str(value)


def _write_sheet(ws: Worksheet, title: str, unit: str, as_of: dt.date, sheet: Sheet) -> None:
    columns = list(sheet.columns)
    headers = (["序号"] if sheet.numbered else []) + [c.header for c in columns]
    widths = ([6] if sheet.numbered else []) + [c.width for c in columns]
    last = get_column_letter(len(headers))

    ws["A1"] = title
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws.merge_cells(f"A1:{last}1")
    ws.row_dimensions[1].height = 28
    ws["A2"] = f"制表单位：{unit or '未注明'}"
    ws.cell(row=2, column=len(headers), value=f"截至日期：{chinese_date(as_of)}").alignment = Alignment(
        horizontal="right")

    for c, header in enumerate(headers, start=1):
        cell = ws.cell(row=HEADER_ROW, column=c, value=header)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = GRID
        ws.column_dimensions[get_column_letter(c)].width = widths[c - 1]

    offset = 1 if sheet.numbered else 0
    for n, row in enumerate(sheet.rows, start=1):
        r = HEADER_ROW + n
        if sheet.numbered:
            ws.cell(row=r, column=1, value=n).border = GRID
        for c, column in enumerate(columns, start=1 + offset):
            value = cell_value(column, row.get(column.key))
            cell = ws.cell(row=r, column=c, value=value)
            cell.border = GRID
            if isinstance(value, str):
                cell.data_type = "s"  # openpyxl would store a text beginning with '=' as a formula
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            elif column.kind in NUMBER_FORMATS:
                cell.number_format = NUMBER_FORMATS[column.kind]

    if sheet.note:
        ws.cell(row=HEADER_ROW + len(sheet.rows) + 2, column=1, value=f"注：{sheet.note}").data_type = "s"
    ws.freeze_panes = f"A{HEADER_ROW + 1}"
    if sheet.rows:
        ws.auto_filter.ref = f"A{HEADER_ROW}:{last}{HEADER_ROW + len(sheet.rows)}"
    ws.print_title_rows = f"1:{HEADER_ROW}"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if sum(widths) > 100 else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.horizontalCentered = True
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"  # type: ignore[union-attr]  # a new sheet always has a footer


def upward_xlsx(title: str, unit: str, as_of: dt.date, sheets: Sequence[Sheet]) -> bytes:
    """The workbook: one worksheet per sheet, in order (the caller puts its summary first)."""
    if not sheets:
        raise ValueError("a workbook needs at least one sheet")
    workbook = Workbook()
    first = workbook.active
    assert first is not None  # a new workbook has one sheet
    for i, sheet in enumerate(sheets):
        ws = first if i == 0 else workbook.create_sheet()
        ws.title = sheet.name[:31]
        _write_sheet(ws, title, unit, as_of, sheet)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def read_rows(data: bytes, sheet_name: str) -> list[dict[str, Any]]:
    """The data rows of one sheet written by upward_xlsx, keyed by header (序号 included), up to the blank row before
    its 注: for tests and checks."""
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(data), read_only=True)[sheet_name]
    rows = list(ws.iter_rows(min_row=HEADER_ROW, values_only=True))
    headers = [str(h) for h in rows[0]]
    table = []
    for row in rows[1:]:
        if all(v is None for v in row):
            break  # the table ends; a 注 may follow
        table.append(dict(zip(headers, row, strict=True)))
    return table
