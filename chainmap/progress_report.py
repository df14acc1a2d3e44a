"""The progress report (月调度/季通报/半年总结/年终考核) of a city, a county or the province for one period: projects,
补链成效, local supply at both ends of the period, and reward checks and grants in it. The graph is read here;
chainmap.progress counts and compares, chainmap.gaps.as_of gives each day's chain."""

from __future__ import annotations

import datetime as dt
from typing import Any, LiteralString

from chainmap import progress, project_history, project_rules
from chainmap.errors import Invalid
from chainmap.gaps import as_of
from chainmap.gaps.analysis import CLUSTERS, NODES
from chainmap.graph import Graph
from chainmap.policy import Thresholds

WORDS = {"month": "月度调度", "quarter": "季度通报", "half": "半年总结", "year": "年终考核"}
AREA: LiteralString = (
    "OPTIONAL MATCH (county:Region {adcode: $county, level: 'county'})-[:PART_OF]->(parent:Region) "
    "OPTIONAL MATCH (city:Region {adcode: $city, level: 'city'}) "
    "RETURN county.name AS county, parent.name AS county_city, city.name AS city"
)
# What happened at these nodes within the period, in the cluster's county: firms attached to the link (in any
# cluster's chain) that registered or left, and 协作配套 into the node's firms that began or ended.
NODE_EVENTS: LiteralString = (
    "UNWIND $ids AS nid MATCH (c:Cluster)-[:HAS_NODE]->(n:ChainNode {id: nid}) "
    "CALL (n, c) { OPTIONAL MATCH (e:Enterprise)-[:OPERATES_IN]->(:ChainNode {key: n.key}) "
    "  WHERE e.region = c.county AND coalesce(e.registered_on, e.recorded_on) >= $start "
    "  AND coalesce(e.registered_on, e.recorded_on) <= $end "
    "  RETURN collect(DISTINCT e {.uscc, .name, on: coalesce(e.registered_on, e.recorded_on)}) AS entered } "
    "CALL (n, c) { OPTIONAL MATCH (e:Enterprise)-[:OPERATES_IN]->(:ChainNode {key: n.key}) "
    "  WHERE e.region = c.county AND e.status <> 'active' AND e.status_on >= $start AND e.status_on <= $end "
    "  RETURN collect(DISTINCT e {.uscc, .name, .status, on: e.status_on}) AS departed } "
    "CALL (n, c) { OPTIONAL MATCH (s:Enterprise)-[r:SUPPLIES]->(m:Enterprise)-[:OPERATES_IN]->(n) "
    "  WHERE m.region = c.county AND r.since >= $start AND r.since <= $end "
    "  RETURN collect(CASE WHEN r IS NOT NULL THEN {supplier: s.name, customer: m.name, on: r.since} END) AS began } "
    "CALL (n, c) { OPTIONAL MATCH (s:Enterprise)-[r:SUPPLIES]->(m:Enterprise)-[:OPERATES_IN]->(n) "
    "  WHERE m.region = c.county AND r.until >= $start AND r.until <= $end "
    "  RETURN collect(CASE WHEN r IS NOT NULL THEN {supplier: s.name, customer: m.name, on: r.until} END) AS ended } "
    "RETURN n.id AS id, entered, departed, began, ended"
)
# Reward checks recorded and grants made within the period, in the area (a check's county, else its cluster's).
REWARDS: LiteralString = (
    "MATCH (d:RewardDecision) WHERE date(d.checked_at) >= $start AND date(d.checked_at) <= $end "
    "OPTIONAL MATCH (c:Cluster {id: d.cluster}) WITH d, c, coalesce(d.county, c.county) AS county "
    "WHERE ($county IS NULL OR county = $county) AND ($city IS NULL OR county STARTS WITH left($city, 4)) "
    "OPTIONAL MATCH (e:Enterprise {uscc: d.enterprise}) "
    "OPTIONAL MATCH (g:RewardGrant)-[:GRANTS]->(d) "
    "WHERE date(g.granted_at) >= $start AND date(g.granted_at) <= $end "
    "RETURN d.id AS check, d.enterprise AS enterprise, e.name AS enterprise_name, c.name AS cluster_name, county, "
    "  d.outcome AS outcome, d.amount_cny AS amount_cny, date(d.checked_at) AS checked_on, g.id AS grant, "
    "  date(g.granted_at) AS granted_on, g.amount_cny AS granted_cny ORDER BY checked_on, check"
)
OUTCOME_NAMES = {"eligible": "符合", "ineligible": "不符合", "undetermined": "待核实"}


def _area(graph: Graph, city: str | None, county: str | None) -> str:
    row = graph.read(AREA, city=city, county=county)[0]
    if county and not row["county"]:
        raise Invalid("county: 不是已知的县级行政区代码", errors=[{"field": "county", "reason": "未知的县级行政区代码"}])
    if city and not row["city"]:
        raise Invalid("city: 不是已知的设区市代码", errors=[{"field": "city", "reason": "未知的设区市代码"}])
    if county:
        return f"{row['county_city'] or ''}{row['county']}"
    return row["city"] if city else "河北省"


def _days(period: progress.Period, today: dt.date) -> tuple[dt.date, dt.date]:
    """(the day before the period, its last day so far)."""
    return period.start - dt.timedelta(days=1), min(period.end, today)


def _project_section(histories: list[dict], period: progress.Period, today: dt.date) -> dict[str, Any]:
    base, end = _days(period, today)
    counts = progress.project_counts(histories, period.start, end)
    earlier = {"previous": period.previous(), "year_ago": period.shifted(12)}
    compared = {}
    for name, other in earlier.items():
        if other is None:
            continue
        o_base, o_end = _days(other, today)
        theirs = progress.project_counts(histories, other.start, o_end)
        compared[name] = {"period": other.code, "label": other.label,
                          "counts": {k: progress.change(v["count"], theirs[k]["count"]) for k, v in counts.items()}}
    overdue = [p["id"] for p in histories
               if project_rules.is_overdue(project_rules.stage_on(p["stages"], end), p["next_due"], end)]
    rows = []
    for p in histories:
        then, now = project_rules.stage_on(p["stages"], base), project_rules.stage_on(p["stages"], end)
        if now is None:
            continue
        moves = project_rules.changes_between(p["stages"], period.start, end)
        rows.append({
            "id": p["id"], "name": p["name"] or p["enterprise_name"], "enterprise_name": p["enterprise_name"],
            "cluster_name": p["cluster_name"], "county": p["county"], "stage_start": then,
            "stage_start_name": project_rules.stage_name(then) if then else "（期初未立项）",
            "stage_end": now, "stage_end_name": project_rules.stage_name(now),
            "moves": "；".join(f"{m['on'].isoformat()} {project_rules.stage_name(m['stage'])}" for m in moves) or None,
            "amount_10k_cny": p["amount_10k_cny"], "officer": "／".join(filter(None, (p["officer_unit"],
                                                                                     p["officer_name"]))) or None,
            "overdue": p["id"] in overdue})
    return {"counts": counts, "overdue": {"count": len(overdue), "projects": sorted(overdue)},
            "amounts_start": progress.amounts_by_stage(histories, base),
            "amounts_end": progress.amounts_by_stage(histories, end), "compared": compared, "rows": rows}


def _node_section(graph: Graph, t: Thresholds, clusters: list[dict], histories: list[dict], period: progress.Period,
                  today: dt.date) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    base, end = _days(period, today)
    ids = [c["id"] for c in clusters]
    before = as_of.analyser(base, nearest=False)(graph, ids, "county", t)
    after = as_of.analyser(end, nearest=False)(graph, ids, "county", t)
    names = {n["id"]: n["name"] for n in graph.read(NODES, ids=ids)}
    landed: dict[str, list[str]] = {}
    for p in histories:
        for m in project_rules.changes_between(p["stages"], period.start, end):
            if m["stage"] == project_rules.LANDED:
                for node in p["nodes"]:
                    landed.setdefault(node, []).append(p["name"] or p["enterprise_name"])
    moved, supply = [], []
    for c in clusters:
        then, now = before[c["id"]], after[c["id"]]
        for node_id, (status, _) in sorted(now[0].items()):
            old = then[0][node_id][0]
            if old != status:
                moved.append({"cluster": c["id"], "cluster_name": c["name"], "county": c["county_name"],
                              "node": node_id, "node_name": names.get(node_id), "status_start": old,
                              "status_end": status, "direction": progress.direction(old, status),
                              "change": f"{progress.STATUS_NAMES[old]}→{progress.STATUS_NAMES[status]}"})
        supply.append({"cluster": c["id"], "cluster_name": c["name"], "county": c["county_name"],
                       "nodes": now[1]["nodes"], "covered_start": then[1]["covered_nodes"],
                       "covered_end": now[1]["covered_nodes"], "coverage_start": then[1]["node_coverage"],
                       "coverage_end": now[1]["node_coverage"],
                       "supply_share_start": then[1]["supply_share_from_scope"],
                       "supply_share_end": now[1]["supply_share_from_scope"],
                       "gaps_start": then[1]["counts"]["gap"], "gaps_end": now[1]["counts"]["gap"]})
    events = {r["id"]: r for r in graph.read(NODE_EVENTS, ids=[m["node"] for m in moved], start=period.start, end=end)}
    for m in moved:
        e = events.get(m["node"], {})
        m["landed_projects"] = landed.get(m["node"], [])
        m["entered"] = [f"{x['name']}（{x['on'].isoformat()}登记）" for x in e.get("entered", [])]
        m["departed"] = [f"{x['name']}（{x['on'].isoformat()}{'注销' if x['status'] == 'deregistered' else '迁出'}）"
                         for x in e.get("departed", [])]
        m["relations_began"] = [f"{x['supplier']}→{x['customer']}（{x['on'].isoformat()}起）" for x in e.get("began", [])]
        m["relations_ended"] = [f"{x['supplier']}→{x['customer']}（{x['on'].isoformat()}止）" for x in e.get("ended", [])]
    return {"improved": [m for m in moved if m["direction"] == "improved"],
            "worse": [m for m in moved if m["direction"] == "worse"]}, supply


def _reward_section(graph: Graph, period: progress.Period, today: dt.date, city: str | None,
                    county: str | None) -> dict[str, Any]:
    _, end = _days(period, today)
    rows = graph.read(REWARDS, start=period.start, end=end, city=city, county=county)
    for r in rows:
        r["outcome_name"] = OUTCOME_NAMES.get(r["outcome"], r["outcome"])
    grants = [r for r in rows if r["grant"]]
    return {"checks": len(rows), "by_outcome": {o: sum(1 for r in rows if r["outcome"] == o) for o in OUTCOME_NAMES},
            "grants": len(grants), "granted_cny": sum(r["granted_cny"] or 0 for r in grants), "rows": rows}


def progress_report(graph: Graph, t: Thresholds, period: progress.Period, *, city: str | None = None,
                    county: str | None = None, today: dt.date | None = None) -> dict[str, Any]:
    today = today or dt.date.today()
    if period.start > today:
        raise Invalid("period: 报告期尚未开始", errors=[{"field": "period", "reason": "报告期尚未开始"}])
    area = _area(graph, city, county)
    base, end = _days(period, today)
    clusters = graph.read(CLUSTERS, city=city, county=county, category=None, cluster=None)
    histories = project_history.histories(graph, city=city, county=county)
    projects = _project_section(histories, period, today)
    nodes, supply = _node_section(graph, t, clusters, histories, period, today)
    rewards = _reward_section(graph, period, today, city, county)
    return _iso({
        "title": f"{area}县域特色产业集群产业链招商{WORDS[period.kind]}（{period.label}）",
        "area": area, "period": {"code": period.code, "label": period.label, "kind": period.kind,
                                 "start": period.start, "end": period.end},
        "base_date": base, "as_of": end, "clusters": len(clusters),
        "projects": projects, "nodes": nodes, "local_supply": supply, "rewards": rewards,
        "summary": _summary(projects, nodes, supply, rewards),
    })


COUNT_NAMES = {"new": "新增项目（线索）", "advanced": "阶段推进（次）", "signed": "签约项目", "landed": "投产/落地项目",
               "terminated": "终止项目"}


def _summary(projects: dict, nodes: dict, supply: list[dict], rewards: dict) -> list[dict[str, Any]]:
    """The summary sheet's rows: each figure of the period, with 环比 and 同比 where they apply."""
    rows = []
    for key, name in COUNT_NAMES.items():
        row: dict[str, Any] = {"item": name, "value": projects["counts"][key]["count"]}
        for other, prefix in (("previous", "previous"), ("year_ago", "year_ago")):
            c = projects["compared"].get(other, {}).get("counts", {}).get(key)
            row[prefix] = c["base"] if c else None
            row[f"{prefix}_rate"] = c["rate"] if c else None
        rows.append(row)
    end_amount = sum(v["amount_10k_cny"] for s, v in projects["amounts_end"].items() if s != "terminated")
    rows += [
        {"item": "超期项目", "value": projects["overdue"]["count"]},
        {"item": "在库项目投资额（万元，期末，不含终止）", "value": round(end_amount, 2)},
        {"item": "补链改善环节", "value": len(nodes["improved"])},
        {"item": "状况变差环节", "value": len(nodes["worse"])},
        {"item": "缺链环节（期初）", "value": sum(c["gaps_start"] for c in supply)},
        {"item": "缺链环节（期末）", "value": sum(c["gaps_end"] for c in supply)},
        {"item": "奖励核定（次）", "value": rewards["checks"]},
        {"item": "奖励兑现（笔）", "value": rewards["grants"]},
        {"item": "奖励兑现金额（万元）", "value": round(rewards["granted_cny"] / 10000, 2)},
    ]
    return rows


def _iso(value: Any) -> Any:
    """Dates as ISO strings, all the way down (the JSON answer and the workbook read the same values)."""
    if isinstance(value, dict):
        return {k: _iso(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_iso(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
