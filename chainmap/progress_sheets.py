"""The progress report as the workbook a city or county sends upward (chainmap.workbook lays it out): the summary
first, then one sheet per section, every cell read from the JSON report."""

from __future__ import annotations

import datetime as dt
from typing import Any

from chainmap.workbook import Column as C
from chainmap.workbook import Sheet, upward_xlsx
from chainmap.vocab import INTRODUCTION_STAGE_NAMES

SUMMARY = [C("item", "指标", 36), C("value", "本期", 12, "number"), C("previous", "上期", 10, "number"),
           C("previous_rate", "环比", 10, "percent"), C("year_ago", "去年同期", 10, "number"),
           C("year_ago_rate", "同比", 10, "percent")]
PROJECTS = [C("name", "项目名称", 24), C("enterprise_name", "落地主体", 24), C("cluster_name", "所属集群", 18),
            C("stage_start_name", "期初阶段", 10), C("stage_end_name", "期末阶段", 10), C("moves", "本期阶段变更", 30),
            C("amount_10k_cny", "投资额（万元）", 12, "money"), C("officer", "责任单位/责任人", 20),
            C("overdue_name", "是否超期", 8)]
AMOUNTS = [C("stage_name", "阶段", 12), C("start_projects", "期初项目数", 10, "int"),
           C("start_amount", "期初投资额（万元）", 14, "money"), C("end_projects", "期末项目数", 10, "int"),
           C("end_amount", "期末投资额（万元）", 14, "money")]
NODES = [C("cluster_name", "集群", 18), C("county", "县（市、区）", 12), C("node_name", "产业链环节", 14),
         C("change", "状况变化", 12), C("direction_name", "成效", 8), C("landed_projects", "落地项目", 20, "codes"),
         C("entered", "新增本地主体", 24, "codes"), C("departed", "退出主体", 20, "codes"),
         C("relations_began", "新增协作配套", 24, "codes"), C("relations_ended", "终止协作配套", 24, "codes")]
SUPPLY = [C("cluster_name", "集群", 18), C("county", "县（市、区）", 12), C("nodes", "环节数", 8, "int"),
          C("covered_start", "期初覆盖环节", 10, "int"), C("covered_end", "期末覆盖环节", 10, "int"),
          C("coverage_start", "期初环节覆盖率", 12, "percent"), C("coverage_end", "期末环节覆盖率", 12, "percent"),
          C("supply_share_start", "期初就近就地配套率", 14, "percent"),
          C("supply_share_end", "期末就近就地配套率", 14, "percent"),
          C("gaps_start", "期初缺链环节", 10, "int"), C("gaps_end", "期末缺链环节", 10, "int")]
REWARDS = [C("enterprise_name", "企业", 24), C("cluster_name", "集群", 18), C("checked_on", "核定日期", 12, "date"),
           C("outcome_name", "核定结果", 10), C("amount_10k", "核定金额（万元）", 12, "money"),
           C("granted_on", "兑现日期", 12, "date"), C("granted_10k", "兑现金额（万元）", 12, "money")]
DIRECTIONS = {"improved": "改善", "worse": "变差"}


def sheet_rows(report: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """{sheet name: rows} as the workbook shows them (tests compare these with the JSON)."""
    projects = report["projects"]
    amounts = [{"stage_name": INTRODUCTION_STAGE_NAMES[s],
                "start_projects": projects["amounts_start"].get(s, {}).get("projects", 0),
                "start_amount": projects["amounts_start"].get(s, {}).get("amount_10k_cny", 0.0),
                "end_projects": projects["amounts_end"].get(s, {}).get("projects", 0),
                "end_amount": projects["amounts_end"].get(s, {}).get("amount_10k_cny", 0.0)}
               for s in INTRODUCTION_STAGE_NAMES if s in projects["amounts_start"] or s in projects["amounts_end"]]
    moved = report["nodes"]["improved"] + report["nodes"]["worse"]
    return {
        "汇总": report["summary"],
        "项目推进": [{**p, "overdue_name": "是" if p["overdue"] else "否"} for p in projects["rows"]],
        "投资额分阶段": amounts,
        "补链成效": [{**m, "direction_name": DIRECTIONS[m["direction"]]} for m in moved],
        "就近就地配套率": report["local_supply"],
        "奖励核定与兑现": [{**r, "amount_10k": _10k(r["amount_cny"]), "granted_10k": _10k(r["granted_cny"])}
                          for r in report["rewards"]["rows"]],
    }


def _10k(cny: float | None) -> float | None:
    return None if cny is None else round(cny / 10000, 2)


COLUMNS = {"汇总": SUMMARY, "项目推进": PROJECTS, "投资额分阶段": AMOUNTS, "补链成效": NODES,
           "就近就地配套率": SUPPLY, "奖励核定与兑现": REWARDS}


def progress_xlsx(report: dict[str, Any], unit: str) -> bytes:
    rows = sheet_rows(report)
    return upward_xlsx(report["title"], unit, dt.date.fromisoformat(report["as_of"]),
                       [Sheet(name, COLUMNS[name], rows[name]) for name in COLUMNS])

