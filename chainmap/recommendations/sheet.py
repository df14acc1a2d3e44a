"""京津招商目标清单 as an XLSX officers forward: a title row, one row per target with its score parts in Chinese."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.utils import get_column_letter

from chainmap.policy import FEATURES

FEATURE_NAMES = {"industry_fit": "行业匹配", "scale": "企业规模", "transfer": "外迁动因", "partners": "本地配套潜力",
                 "distance": "距离", "ties": "已有往来", "green": "绿色低碳"}
STATUS_NAMES = {"gap": "缺链", "weak": "薄弱", "bottleneck": "瓶颈", "present": "已覆盖"}
# (Chinese header, column width)
HEADERS: list[tuple[str, int]] = [
    ("序号", 6), ("产业链环节", 14), ("环节状态", 9), ("企业名称", 30), ("统一社会信用代码", 21), ("所在地", 16),
    ("距集群（公里）", 10), ("得分（满分1）", 10), *[(f"{FEATURE_NAMES[f]}得分", 10) for f in FEATURES],
    ("推荐理由", 60), ("注意", 40), ("奖励预期", 12), ("可协作本地主体（家）", 12),
]


def _outlook(o: dict[str, Any]) -> str:
    if o["likely_eligible"]:
        return "有望符合"
    return "营收待核实" if o["revenue_ok"] is None else "暂不符合"


def to_xlsx(result: dict[str, Any], cluster_name: str, places: dict[str, str], today: dt.date) -> bytes:
    """The recommendation answer as a sheet; `places` names the targets' districts (adcode → 北京市海淀区)."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.title = "京津招商目标"
    sheet.append([f"{cluster_name} 京津招商目标清单"])
    sheet.append([f"制表日期：{today.isoformat()}。得分为七项加权得分之和（满分1）；企业数据为合成样例数据。"])
    sheet.append([h for h, _ in HEADERS])
    sheet["A1"].font = Font(bold=True, size=14)
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    for i, item in enumerate(result["items"], start=1):
        node_id = item["node"]["id"]
        common = result["common_reasons"].get(node_id, [])
        values = [i, item["node"]["name"], STATUS_NAMES.get(item["node"].get("status", ""), ""),
                  item["enterprise"]["name"], item["enterprise"]["uscc"],
                  places.get(item["enterprise"]["region"], item["enterprise"]["region"]), item["distance_km"],
                  item["score"], *[item["breakdown"].get(f, 0.0) for f in FEATURES],
                  "；".join([*item["reasons"], *common]), "；".join(item["cautions"]),
                  _outlook(item["reward_outlook"]), item["reward_outlook"]["potential_local_partners"]]
        sheet.append(values)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text never becomes a formula
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            elif isinstance(cell.value, float):
                cell.number_format = "0.000"
    sheet.freeze_panes = "A4"
    for c, (_, width) in enumerate(HEADERS, start=1):
        sheet.column_dimensions[get_column_letter(c)].width = width
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_title_rows = "3:3"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
