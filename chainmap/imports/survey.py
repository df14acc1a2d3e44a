"""The 协作配套调查表 (survey sheet for the reward's evidence): the blank XLSX a county hands to firms, and the
meaning of its columns, shared with the import (chainmap.imports.partners)."""

from __future__ import annotations

import io
from chainmap.errors import Invalid
from chainmap.graph import Graph
from chainmap.graph.imports import COUNTY
from chainmap.vocab import ENTITY_TYPE_NAMES, RELATION_NAMES

HEADERS = ["本企业统一社会信用代码", "本企业名称", "配套企业统一社会信用代码", "配套企业名称", "配套企业所属区县",
           "配套企业类型", "协作关系", "开始日期", "结束日期", "证据", "证据说明"]
WIDTHS = [26, 30, 26, 30, 16, 14, 18, 14, 14, 10, 40]
RELATIONS = {name: code for code, name in RELATION_NAMES.items() if code != "potential"}
TYPES = {name: code for code, name in ENTITY_TYPE_NAMES.items()}
EVIDENCE = ("合同", "发票", "访谈")
ROWS = 500
INSTRUCTIONS = [
    "填表说明",
    "1. 每行填写一条协作配套关系：“本企业”是被调查的企业，“配套企业”是与其协作配套的市场主体。",
    "2. 统一社会信用代码填18位（不含I、O、S、V、Z），可直接粘贴；系统会校验第18位校验码。",
    "3. 协作关系从下拉列表选择：" + "、".join(RELATIONS) + "。",
    "4. 开始日期必填，结束日期仅在关系已终止时填写，格式如 2024-03-05。",
    "5. 证据从下拉列表选择：合同、发票或访谈；“证据说明”可写合同编号、发票号或访谈人和日期。",
    "6. 配套企业尚未在系统中登记的，须填写其名称、所属区县（如“清河县”）和类型，导入时一并登记。",
    "7. 请勿修改第一行表头，勿合并单元格；空行会被跳过。",
    "8. 填好后在系统“数据导入”中上传（或交数据管理员导入）：先试运行，核对导入报告无误后再确认导入。",
]


def partners_template(graph: Graph, county: str) -> bytes:
    """The blank sheet for `county` with data validation (relations, types, evidence, dates, code length)."""
    rows = graph.read(COUNTY, adcode=county)
    if not rows:
        raise Invalid(f"未知的县级行政区划代码：{county}", errors=[{"field": "county", "reason": "未知的县级行政区划代码"}])
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "协作配套调查表"
    sheet.append(HEADERS)
    for i, width in enumerate(WIDTHS, start=1):
        letter = get_column_letter(i)
        sheet.column_dimensions[letter].width = width
        sheet[f"{letter}1"].font = Font(bold=True)
    sheet.freeze_panes = "A2"
    last = ROWS + 1
    for column in ("A", "C"):
        for row in range(2, last + 1):
            sheet[f"{column}{row}"].number_format = "@"
    for column in ("H", "I"):
        for row in range(2, last + 1):
            sheet[f"{column}{row}"].number_format = "yyyy-mm-dd"
    options = book.create_sheet("选项")
    for i, values in enumerate((list(RELATIONS), list(TYPES), list(EVIDENCE)), start=1):
        for j, value in enumerate(values, start=1):
            options.cell(row=j, column=i, value=value)
    options.sheet_state = "hidden"
    checks = [
        (f"G2:G{last}", DataValidation(type="list", formula1=f"选项!$A$1:$A${len(RELATIONS)}", allow_blank=True,
                                       error="请从下拉列表选择协作关系", errorTitle="协作关系")),
        (f"F2:F{last}", DataValidation(type="list", formula1=f"选项!$B$1:$B${len(TYPES)}", allow_blank=True,
                                       error="请从下拉列表选择企业类型", errorTitle="配套企业类型")),
        (f"J2:J{last}", DataValidation(type="list", formula1='"合同,发票,访谈"', allow_blank=True,
                                       error="证据须为合同、发票或访谈", errorTitle="证据")),
        (f"H2:I{last}", DataValidation(type="date", operator="between", formula1="DATE(1990,1,1)",
                                       formula2="DATE(2100,12,31)", allow_blank=True,
                                       error="请填写日期，如 2024-03-05", errorTitle="日期")),
        (f"A2:A{last} C2:C{last}", DataValidation(type="textLength", operator="equal", formula1="18", allow_blank=True,
                                                  error="统一社会信用代码为18位", errorTitle="统一社会信用代码")),
    ]
    for cells, check in checks:
        check.showErrorMessage = True
        for cell_range in cells.split():
            check.add(cell_range)
        sheet.add_data_validation(check)
    notes = book.create_sheet("填表说明", 1)
    notes.column_dimensions["A"].width = 110
    notes.append([f"{rows[0]['name']}（{county}）协作配套调查表"])
    notes["A1"].font = Font(bold=True, size=14)
    for line in INSTRUCTIONS:
        notes.append([line])
    for row in notes.iter_rows(min_row=2):
        row[0].alignment = Alignment(wrap_text=True)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
