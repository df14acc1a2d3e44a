"""Gap-report files for analysts: the XLSX as a city or county sends it upward (chainmap.workbook: title, 制表单位,
截至日期, 序号, print setup; a summary sheet first) and a flat CSV that Excel opens cleanly (UTF-8 with BOM). Both
carry the same Chinese cells; the report rows come ordered city → county → cluster → stage → severity."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from chainmap.vocab import CATEGORIES, GAP_STATUS_NAMES
from chainmap.workbook import Column, Sheet, upward_xlsx

STATUS_ZH = GAP_STATUS_NAMES
STAGE_ZH = {"upstream": "上游", "midstream": "中游", "downstream": "下游", "service": "配套服务"}
SCOPE_ZH = {"county": "本县", "city": "本市", "province": "全省"}
# A mark is an editor's or recorded from a public source (chainmap.gaps.rules.mark_reason says whose): the column
# names neither, and 卡脖子 only in the reason of an editor's mark.
MARK_ZH = {"gap": "标注缺链", "bottleneck": "标注瓶颈", "weak": "标注薄弱"}
SUMMARY_STATUSES = ("gap", "bottleneck", "weak")

COLUMNS: list[Column] = [
    Column("city", "地市", 9), Column("county", "县(市、区)", 10), Column("county_adcode", "县级代码", 9),
    Column("cluster_name", "特色产业集群", 18), Column("category", "类别", 9), Column("node_name", "产业链环节", 16),
    Column("stage", "环节位置", 8), Column("industries", "国民经济行业（GB/T 4754）", 24, "codes"),
    Column("status", "状态", 6), Column("scope", "本地范围", 8),
    Column("local_entities", "本地市场主体数", 9, "int"), Column("outside_province_share", "省外供给占比", 9, "percent"),
    Column("single_supplier", "唯一本地供给主体", 18), Column("mark", "标注", 10),
    Column("reasons", "判定依据", 48), Column("cluster_node_coverage", "集群环节本地覆盖率", 10, "percent"),
    Column("cluster", "集群编号", 16), Column("node", "环节编号", 24),
]
# The CSV has no 注 under its table (an analyst's script would read it as a row): each row says it instead.
CSV_COLUMNS: list[Column] = [*COLUMNS, Column("data_note", "数据说明", 30)]
SUMMARY_COLUMNS: list[Column] = [
    Column("city", "地市", 10), Column("category", "类别", 10),
    *(Column(s, f"{STATUS_ZH[s]}环节数", 10, "int") for s in SUMMARY_STATUSES), Column("total", "合计", 10, "int"),
]

# OWASP CSV injection: a spreadsheet reads a cell that begins with one of these as a formula (or, for tab and CR,
# strips them and reads what follows). Such text cells get a leading apostrophe in CSV; in XLSX every text cell is
# written with the string type (chainmap.workbook), so nothing an editor typed can become a live formula there.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def neutralise(value: Any) -> Any:
    """A CSV cell that no spreadsheet reads as a formula (numbers stay numbers)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def display(row: dict[str, Any]) -> dict[str, Any]:
    """A report row as its cells read: Chinese status, stage, scope and mark; each industry code with its name."""
    names = row.get("industry_names") or [None] * len(row["industry_codes"])
    return {
        **row,
        "status": STATUS_ZH.get(row["status"], row["status"]), "stage": STAGE_ZH.get(row["stage"], row["stage"]),
        "scope": SCOPE_ZH.get(row["scope"], row["scope"]),
        "mark": MARK_ZH.get(row["mark"], row["mark"]) if row.get("mark") else None,
        "industries": [f"{code} {name}" if name else code for code, name in zip(row["industry_codes"], names,
                                                                                strict=True)],
    }


def summary(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Counts by city × category × status (in the rows' order), and a 全省合计 line."""
    table: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        line = table.setdefault((row["city"], row["category"]), {
            "city": row["city"], "category": row["category"], **dict.fromkeys(SUMMARY_STATUSES, 0), "total": 0})
        if row["status"] in SUMMARY_STATUSES:
            line[row["status"]] += 1
            line["total"] += 1
    cities = list(dict.fromkeys(row["city"] for row in rows))  # the rows' (adcode) order
    lines = sorted(table.values(), key=lambda x: (cities.index(x["city"]), CATEGORIES.index(x["category"])
                                                  if x["category"] in CATEGORIES else len(CATEGORIES)))
    total = {"city": "合计", "category": "", **{s: sum(x[s] for x in lines) for s in SUMMARY_STATUSES},
             "total": sum(x["total"] for x in lines)}
    return [*lines, total]


def to_csv(rows: list[dict[str, Any]], note: str | None = None) -> bytes:
    """`note`: chainmap.provenance's, in every row's 数据说明 (empty when the firms are real)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.header for c in CSV_COLUMNS])
    for row in map(display, rows):
        row["data_note"] = note
        writer.writerow([neutralise("；".join(row[c.key]) if c.kind == "codes" else "" if row[c.key] is None
                                    else row[c.key]) for c in CSV_COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(rows: list[dict[str, Any]], *, title: str, unit: str, as_of: dt.date, note: str | None = None) -> bytes:
    """The upward workbook: 汇总 (counts by city × category × status) first, then 缺链明细; `note` (注) under both."""
    return upward_xlsx(title, unit, as_of, [Sheet("汇总", SUMMARY_COLUMNS, summary(rows), note=note),
                                           Sheet("缺链明细", COLUMNS, [display(r) for r in rows], note=note)])
