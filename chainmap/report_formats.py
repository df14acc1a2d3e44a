"""Gap-report files for analysts: CSV that Excel opens cleanly (UTF-8 with BOM, Chinese headers) and XLSX."""

from __future__ import annotations

import csv
import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

# (row key, Chinese header, XLSX column width)
COLUMNS: list[tuple[str, str, int]] = [
    ("city", "地市", 10), ("county", "县(市、区)", 12), ("county_adcode", "县级代码", 10),
    ("cluster", "集群编号", 26), ("cluster_name", "特色产业集群", 22), ("category", "类别", 10),
    ("node", "环节编号", 34), ("node_name", "产业链环节", 18), ("stage", "环节位置", 11),
    ("industry_codes", "国民经济行业代码", 16), ("status", "状态", 11), ("scope", "本地范围", 9),
    ("local_entities", "本地市场主体数", 14), ("outside_province_share", "省外供给占比", 12),
    ("single_supplier", "唯一本地供给主体", 26), ("mark", "人工标注", 10), ("reasons", "判定依据", 60),
    ("cluster_node_coverage", "集群环节本地覆盖率", 16),
]
STATUS_ZH = {"gap": "缺失", "weak": "薄弱", "bottleneck": "瓶颈", "present": "已覆盖"}
STAGE_ZH = {"upstream": "上游", "midstream": "中游", "downstream": "下游", "service": "配套服务"}


# OWASP CSV injection: a spreadsheet reads a cell that begins with one of these as a formula (or, for tab and CR,
# strips them and reads what follows). Such text cells get a leading apostrophe in CSV; in XLSX every text cell is
# written with the string type, so nothing an editor typed can become a live formula there.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def neutralise(value: Any) -> Any:
    """A CSV cell that no spreadsheet reads as a formula (numbers stay numbers)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _cell(key: str, value: Any) -> Any:
    if key == "industry_codes":
        return ";".join(value)
    if key == "status":
        return f"{STATUS_ZH.get(value, value)}({value})"
    if key == "stage":
        return STAGE_ZH.get(value, value)
    return "" if value is None else value


def to_csv(rows: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([header for _, header, _ in COLUMNS])
    for row in rows:
        writer.writerow([neutralise(_cell(key, row[key])) for key, _, _ in COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(rows: list[dict[str, Any]], title: str = "缺链报告") -> bytes:
    workbook = Workbook(write_only=False)
    sheet = workbook.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.title = title[:31]
    sheet.append([header for _, header, _ in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for r, row in enumerate(rows, start=2):
        for c, (key, _, _) in enumerate(COLUMNS, start=1):
            value = _cell(key, row[key])
            cell = sheet.cell(row=r, column=c, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # openpyxl would store a text beginning with '=' as a formula
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{len(rows) + 1}"
    for i, (_, _, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
