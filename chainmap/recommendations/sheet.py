"""京津招商目标清单 as an XLSX officers forward: one row per target with its score parts in Chinese, laid out as
every table chainmap sends upward (chainmap.workbook)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from chainmap.geo import whole_km
from chainmap.policy import FEATURES
from chainmap.vocab import GAP_STATUS_NAMES
from chainmap.workbook import Column, Sheet, upward_xlsx

FEATURE_NAMES = {"industry_fit": "行业匹配", "scale": "企业规模", "transfer": "外迁动因", "partners": "本地配套潜力",
                 "distance": "距离", "ties": "已有往来", "green": "绿色低碳"}
STATUS_NAMES = GAP_STATUS_NAMES
COLUMNS = [
    Column("node", "产业链环节", 14), Column("status", "环节状态", 9), Column("name", "企业名称", 30),
    Column("uscc", "统一社会信用代码", 21), Column("place", "所在地", 16),
    Column("distance_km", "距集群（公里）", 10, "number"), Column("score", "得分（满分1）", 10, "score"),
    *[Column(f, f"{FEATURE_NAMES[f]}得分", 10, "score") for f in FEATURES],
    Column("reasons", "推荐理由", 60), Column("cautions", "注意", 40), Column("outlook", "奖励预期", 12),
    Column("local_partners", "可协作本地主体（家）", 12, "int"),
]
assert len({c.key for c in COLUMNS}) == len(COLUMNS), "a column key shadows a score part"
NOTE = "得分为七项加权得分之和（满分1）。"
SYNTHETIC_NOTE = "所列企业中有{n}家为合成样例数据（非真实企业），仅供演示，不能作为招商依据。"


def _outlook(o: dict[str, Any]) -> str:
    if o["likely_eligible"]:
        return "有望符合"
    return "营收待核实" if o["revenue_ok"] is None else "暂不符合"


def rows(result: dict[str, Any], places: dict[str, str]) -> list[dict[str, Any]]:
    """One row per target; `places` names the targets' districts (adcode → 北京市海淀区)."""
    out = []
    for item in result["items"]:
        firm = item["enterprise"]
        out.append({
            "node": item["node"]["name"], "status": STATUS_NAMES.get(item["node"].get("status", ""), ""),
            "name": firm["name"], "uscc": firm["uscc"], "place": places.get(firm["region"], firm["region"]),
            "distance_km": whole_km(item["distance_km"]), "score": item["score"],  # as the reason says
            **{f: item["breakdown"].get(f, 0.0) for f in FEATURES},
            "reasons": "；".join([*item["reasons"], *result["common_reasons"].get(item["node"]["id"], [])]),
            "cautions": "；".join(item["cautions"]), "outlook": _outlook(item["reward_outlook"]),
            "local_partners": item["reward_outlook"]["potential_local_partners"]})
    return out


def to_xlsx(result: dict[str, Any], cluster_name: str, places: dict[str, str], unit: str, today: dt.date,
            synthetic: int = 0) -> bytes:
    """`synthetic`: how many listed firms are synthetic (chainmap.provenance), said in the 注."""
    note = NOTE + (SYNTHETIC_NOTE.format(n=synthetic) if synthetic else "")
    return upward_xlsx(f"{cluster_name}京津招商目标清单", unit, today,
                       [Sheet("京津招商目标", COLUMNS, rows(result, places), note=note)])
