"""The 奖励核定表: a recorded check laid out as the one-page form an officer files, and its XLSX.

`form()` turns the recorded verdict (never re-evaluated: the form shows what was decided) into plain sections that
the HTML template (api/templates/reward_form.html) and `to_xlsx()` both render, so the two cannot say different
things. Every cell is text or a number; nothing is a formula.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.worksheet.worksheet import Worksheet

from chainmap import provenance
from chainmap.rewards.rule import excluded_entities, wan

TITLE = "县域特色产业集群新引进企业协作配套奖励核定表"


@dataclass(frozen=True)
class Table:
    title: str
    header: list[str]
    rows: list[list[Any]]


@dataclass(frozen=True)
class Form:
    title: str
    facts: list[tuple[str, str]]      # (label, value) pairs of the head
    article: str                      # the quoted article text
    reference: str                    # 依据
    conclusion: str
    tables: list[Table]               # conditions, counted partners, excluded partners, readings
    notes: list[str]
    footer: list[tuple[str, str]]     # policy version, check id, 制表单位, 制表日期
    signatures: list[str]             # blank lines to sign


def form(check: dict[str, Any], issuer: str, issued_on: dt.date, synthetic: bool = False) -> Form:
    """The form's sections for a recorded check; `issuer` is 制表单位 (the key's label), `issued_on` 制表日期;
    `synthetic`: the firm or a partner is synthetic (chainmap.provenance), said at the head, above the verdict."""
    e, c, intro, policy = check["enterprise"], check["cluster"], check.get("introduction"), check["policy"]
    place = c.get("county_name") or c["county"]
    head = [("企业名称", e.get("name") or ""), ("统一社会信用代码", e["uscc"]),
            ("所属集群", c.get("name") or c["id"]), ("所在县（市、区）", f"{place}（{c['county']}）"),
            ("核查基准日", check["as_of"])]
    if synthetic:
        head.append(("数据来源", provenance.FORM_LABEL))
    if intro:
        investor = f"；投资方 {intro['investor']}" if intro.get("investor") else ""
        origin = intro.get("origin_name") or intro["origin_region"]
        name = f"{intro['name']}（项目编号 {intro['id']}）" if intro.get("name") else intro["id"]  # older records: no name
        head.append(("引进项目", f"{name}，{intro['introduced_on']}落地，来源地{origin}{investor}"))
    elif introduced := next((x for x in check["checks"] if x["rule"] == "introduced" and x.get("actual")), None):
        head.append(("引进项目", f"无符合条件的项目：{introduced['message']}"))  # recorded, but not one that counts
    amount = f"，奖励金额{wan(check['amount_cny'])}" if check["amount_cny"] else ""
    conclusion = f"{check.get('outcome_name') or check['outcome']}{amount}"
    conditions = Table("核查条件", ["条件", "要求", "结果", "说明"],
                       [[x.get("name", x["rule"]), x["expected"], x.get("status_name", x["status"]), x["message"]]
                        for x in check["checks"]])
    counted = Table(f"计入的本地市场主体（{len(check['partners']['counted'])}家）",
                    ["序号", "名称", "统一社会信用代码", "主体类型", "协作关系", "起始日期"],
                    [[i, p.get("name") or "", p["uscc"], p.get("entity_type_name", ""), p.get("relation_name", ""),
                      p["since"]] for i, p in enumerate(check["partners"]["counted"], 1)])
    # Checks recorded before duplicates were dropped list a counted entity's second relationship as excluded.
    left_out = [p for p in check["partners"]["excluded"]
                if p["uscc"] not in {q["uscc"] for q in check["partners"]["counted"]}]
    excluded = Table(f"未计入的主体（{excluded_entities(left_out)}家）",
                     ["序号", "名称", "统一社会信用代码", "主体类型", "未计入原因"],
                     [[i, p.get("name") or "", p["uscc"], p.get("entity_type_name", ""), p["reason"]]
                      for i, p in enumerate(left_out, 1)])
    readings = Table("适用的政策口径", ["口径", "内容"], [[r["name"], r["text"]] for r in check.get("readings", [])])
    footer = [("政策版本", policy["version"]), ("核查编号", check["id"]), ("制表单位", issuer or "（未填）"),
              ("制表日期", issued_on.isoformat())]
    return Form(title=TITLE, facts=head, article=policy["text"], reference=policy.get("reference", policy["article"]),
                conclusion=conclusion, tables=[conditions, counted, excluded, readings], notes=check.get("notes", []),
                footer=footer, signatures=["审核人", "签字", "日期"])


_THIN = Side(style="thin", color="999999")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="top")


def to_xlsx(f: Form) -> bytes:
    """One sheet, A4 portrait, fitted to one page wide; every text cell a string (data_type 's')."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.title = "奖励核定表"
    widths = [6, 22, 22, 12, 16, 40]
    for i, width in enumerate(widths):
        sheet.column_dimensions[chr(65 + i)].width = width
    last = chr(64 + len(widths))
    row = 1
    row = _line(sheet, row, [f.title], bold=True, size=14, merge=last)
    for label, value in f.facts:
        row = _line(sheet, row, [label, value], merge_from="B", merge=last)
    row = _line(sheet, row, ["依据", f"{f.reference}：{f.article}"], merge_from="B", merge=last, height=60)
    row = _line(sheet, row, ["结论", f.conclusion], merge_from="B", merge=last, bold=True)
    for table in f.tables:
        row = _line(sheet, row + 1, [table.title], bold=True, merge=last)
        row = _line(sheet, row, table.header, bold=True, fit=len(widths))
        for values in table.rows:
            row = _line(sheet, row, values, fit=len(widths))
        if not table.rows:  # as the HTML says it: an empty table is 无, not a header over nothing
            row = _line(sheet, row, ["无"], merge=last)
    for note in f.notes:
        row = _line(sheet, row + 1, [f"注：{note}"], merge=last)
    row += 1
    for label, value in f.footer:
        row = _line(sheet, row, [label, value], merge_from="B", merge=last)
    row = _line(sheet, row + 1, ["　".join(f"{s}：＿＿＿＿＿＿" for s in f.signatures)], merge=last)
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.orientation = "portrait"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    setup = sheet.sheet_properties.pageSetUpPr
    assert setup is not None  # openpyxl makes one with the sheet
    setup.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.5
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _line(sheet: Worksheet, row: int, values: list[Any], *, bold: bool = False, size: int = 10, merge: str = "",
          merge_from: str = "A", fit: int = 0, height: float | None = None) -> int:
    """Write one row of the form; a table row with fewer columns than the sheet spreads its last value to the end."""
    for i, value in enumerate(values):
        cell = sheet.cell(row=row, column=i + 1)
        assert isinstance(cell, Cell)  # rows are written before their cells are merged
        cell.value = value if isinstance(value, int) else str(value)
        if isinstance(cell.value, str):
            cell.data_type = "s"  # never a formula, whatever the text starts with
        cell.font = Font(bold=bold, size=size)
        cell.alignment = _WRAP
        cell.border = _BOX
    if merge and len(values) <= 2:
        start = merge_from if len(values) == 2 else "A"
        sheet.merge_cells(f"{start}{row}:{merge}{row}")
    elif fit and len(values) < fit:
        sheet.merge_cells(f"{chr(64 + len(values))}{row}:{chr(64 + fit)}{row}")
    if height:
        sheet.row_dimensions[row].height = height
    return row + 1
