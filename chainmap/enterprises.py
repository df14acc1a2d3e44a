"""Market entities (市场主体): search, read, create (one or a batch) and patch, validated like the loader."""

from __future__ import annotations

import datetime as dt
from typing import Any, LiteralString

from chainmap import upkeep, write_scope
from chainmap import uscc as uscc_rules
from chainmap.audit import Change
from chainmap.errors import Conflict, Invalid, NotFound
from chainmap.graph import Graph, footprints
from chainmap.graph.adapter import Clash
from chainmap.graph import loading as q
from chainmap.paging import Page, envelope
from chainmap.policy import Policies
from chainmap.references import known_classes

# The list query starts from the most selective filter given (an allow-list of anchors, never request text).
ANCHORS: dict[str, LiteralString] = {
    "chain_node": "MATCH (:ChainNode {id: $chain_node})<-[:OPERATES_IN]-(e:Enterprise) ",
    "industry": "MATCH (e:Enterprise)-[:CLASSIFIED_AS]->(:Industry)-[:IN*0..2]->(:Industry {code: $industry}) ",
    "q": "MATCH (e:Enterprise) WHERE e.name CONTAINS $q WITH e ",
    "region": "MATCH (e:Enterprise) WHERE e.region STARTS WITH $region WITH e ",
    "all": "MATCH (e:Enterprise) ",
}
FILTERS: LiteralString = (
    "WHERE e.name IS NOT NULL "
    "AND ($region IS NULL OR e.region STARTS WITH $region) "
    "AND ($entity_type IS NULL OR e.entity_type = $entity_type) "
    "AND ($status IS NULL OR e.status = $status) "
    "AND ($q IS NULL OR e.name CONTAINS $q) "
    "AND ($chain_node IS NULL OR EXISTS { (e)-[:OPERATES_IN]->(:ChainNode {id: $chain_node}) }) "
    "AND ($industry IS NULL OR EXISTS { (e)-[:CLASSIFIED_AS]->(:Industry)-[:IN*0..2]->(:Industry {code: $industry}) }) "
)
COUNT_TAIL: LiteralString = "RETURN count(DISTINCT e) AS total"
PAGE_TAIL: LiteralString = (
    "WITH DISTINCT e ORDER BY e.uscc SKIP $skip LIMIT $limit "
    "OPTIONAL MATCH (e)-[:OPERATES_IN]->(n:ChainNode) "
    "WITH e, collect(n.id) AS nodes RETURN e {.*, chain_nodes: nodes} AS e"
)
# One firm as its profile (企业画像) shows it: its chain nodes with their clusters and its place, by name.
GET: LiteralString = (
    "MATCH (e:Enterprise {uscc: $uscc}) WHERE e.name IS NOT NULL "
    "OPTIONAL MATCH (c:Cluster)-[:HAS_NODE]->(n:ChainNode)<-[:OPERATES_IN]-(e) "
    "WITH e, collect(n.id) AS nodes, "
    "  collect(CASE WHEN n IS NULL THEN null ELSE {id: n.id, name: n.name, cluster: c.id, cluster_name: c.name} END) AS named "
    "OPTIONAL MATCH (r:Region {adcode: e.region}) OPTIONAL MATCH (r)-[:PART_OF]->(city:Region) "
    "RETURN e {.*, chain_nodes: nodes} AS e, named, "
    "  CASE WHEN r IS NULL THEN null ELSE coalesce(city.name, '') + r.name END AS region_name"
)
EXISTING: LiteralString = "UNWIND $keys AS key MATCH (e:Enterprise {uscc: key}) RETURN e.uscc AS uscc"
KNOWN_REGIONS: LiteralString = (
    "UNWIND $codes AS code MATCH (r:Region {adcode: code, level: 'county'}) RETURN r.adcode AS code"
)
KNOWN_NODES: LiteralString = "UNWIND $ids AS id MATCH (n:ChainNode {id: id}) RETURN n.id AS id"
CREATE_GUARD: LiteralString = "UNWIND $keys AS key MATCH (e:Enterprise {uscc: key}) RETURN count(e) AS n"
def to_api(e: dict[str, Any]) -> dict[str, Any]:
    """Graph properties -> the API's enterprise shape."""
    years, values = e.get("revenue_years") or [], e.get("revenue_values") or []
    return {
        "uscc": e["uscc"], "name": e["name"], "entity_type": e["entity_type"], "region": e["region"],
        "industry_codes": e.get("industry_codes") or [], "chain_nodes": sorted(e.get("chain_nodes") or []),
        "revenue_cny": {str(y): v for y, v in zip(years, values, strict=False)},
        "status": e["status"], "group": e.get("group"), "synthetic": bool(e.get("synthetic")),
        "registered_on": e.get("registered_on"), "status_on": e.get("status_on"), "products": e.get("products"),
        "signals": {"bj_restricted": e.get("bj_restricted"), "expansion_year": e.get("expansion_year"),
                    "green_factory": e.get("green_factory")},
    }


def list_enterprises(graph: Graph, page: Page, **filters: Any) -> dict:
    params = {k: filters.get(k) for k in ("region", "entity_type", "status", "q", "chain_node", "industry")}
    anchor = next((k for k in ("chain_node", "industry", "q", "region") if params[k]), "all")
    match: LiteralString = ANCHORS[anchor] + FILTERS
    total = graph.read(match + COUNT_TAIL, **params)[0]["total"]
    rows = graph.read(match + PAGE_TAIL, skip=page.skip, limit=page.per_page, **params) if total > page.skip else []
    return envelope([to_api(r["e"]) for r in rows], total, page)


def get_enterprise(graph: Graph, code: str) -> dict:
    check_uscc(code, "uscc")
    rows = graph.read(GET, uscc=code)
    if not rows:
        raise NotFound(f"没有统一社会信用代码为 {code} 的市场主体")
    return {**to_api(rows[0]["e"]), "region_name": rows[0]["region_name"],
            "chain_nodes_named": sorted(rows[0]["named"], key=lambda n: n["id"])}


def check_uscc(code: str, field: str) -> None:
    reasons = uscc_rules.problems(code)
    if reasons:
        raise Invalid(f"{field} 不是有效的统一社会信用代码：{reasons[0]}", errors=[{"field": field, "reason": reasons[0]}])


def validate(graph: Graph, items: list[dict[str, Any]], *, creating: bool) -> None:
    """Domain checks the schema cannot make: checksums, known codes and ids, groups that resolve. All errors at once."""
    errors: list[dict[str, str]] = []
    prefix = (lambda i: f"items.{i}.") if len(items) > 1 else (lambda i: "")
    regions = {r["code"] for r in graph.read(KNOWN_REGIONS, codes=sorted({e["region"] for e in items}))}
    classes = known_classes(graph, [c for e in items for c in e["industry_codes"]])
    nodes = {r["id"] for r in graph.read(KNOWN_NODES, ids=sorted({n for e in items for n in e["chain_nodes"]}))}
    batch = {e["uscc"] for e in items}
    groups = sorted({e["group"] for e in items if e.get("group")} - batch)
    existing_groups = {r["uscc"] for r in graph.read(EXISTING, keys=groups)}
    seen: set[str] = set()
    for i, e in enumerate(items):
        at = prefix(i)
        for reason in uscc_rules.problems(e["uscc"]):
            errors.append({"field": f"{at}uscc", "reason": reason})
        if e["uscc"] in seen:
            errors.append({"field": f"{at}uscc", "reason": "在本批中出现两次"})
        seen.add(e["uscc"])
        if e["region"] not in regions:
            errors.append({"field": f"{at}region", "reason": f"未知的县级行政区划代码 {e['region']}"})
        elif e["uscc"][2:4] != e["region"][:2]:
            errors.append({"field": f"{at}region", "reason": "与统一社会信用代码中的登记管理机关所在省份不符"})
        errors += [{"field": f"{at}industry_codes", "reason": f"未知行业小类 {c}"}
                   for c in e["industry_codes"] if c not in classes]
        errors += [{"field": f"{at}chain_nodes", "reason": f"未知的产业链环节 {n}"}
                   for n in e["chain_nodes"] if n not in nodes]
        group = e.get("group")
        if group:
            for reason in uscc_rules.problems(group):
                errors.append({"field": f"{at}group", "reason": reason})
            if group == e["uscc"]:
                errors.append({"field": f"{at}group", "reason": "市场主体不能是自己的所属集团"})
            elif group not in batch and group not in existing_groups:
                errors.append({"field": f"{at}group", "reason": f"未登记的市场主体 {group}"})
        if e["entity_type"] == "branch" and not group:
            errors.append({"field": f"{at}group", "reason": "分支机构须填写所属企业"})
        for year in e["revenue_cny"]:
            if not 1990 <= year <= dt.date.today().year:
                errors.append({"field": f"{at}revenue_cny", "reason": f"年份 {year} 超出范围"})
    if errors:
        raise Invalid("; ".join(f"{x['field']}: {x['reason']}" for x in errors[:5]), errors=errors)
    if creating and graph.read(CREATE_GUARD, keys=sorted(batch))[0]["n"]:
        taken = sorted(r["uscc"] for r in graph.read(EXISTING, keys=sorted(batch)))
        raise Conflict(f"市场主体已存在：{'、'.join(taken[:5])}")


def _write_row(e: dict[str, Any]) -> dict[str, Any]:
    props = {k: e.get(k) for k in ("name", "entity_type", "region", "industry_codes", "status", "group",
                                   "registered_on", "status_on", "products", "bj_restricted", "expansion_year",
                                   "green_factory")}
    props["synthetic"] = bool(e.get("synthetic", False))
    revenue = dict(sorted(e["revenue_cny"].items()))
    props["revenue_years"], props["revenue_values"] = list(revenue), list(revenue.values())
    return {"uscc": e["uscc"], "chain_nodes": e["chain_nodes"], "evidence": "经接口录入", "props": props}


def create_enterprises(graph: Graph, policies: Policies, items: list[dict[str, Any]]) -> None:
    validate(graph, items, creating=True)
    try:
        graph.write(q.CLAIM + q.ENTERPRISES, rows=[_write_row(e) for e in items], touches=footprints.ENTERPRISE_ROWS,
                    change=Change("enterprise.create", "enterprise", tuple(e["uscc"] for e in items)),
                    keep=upkeep.kept_facts([e["uscc"] for e in items]), **upkeep.key_arguments(policies.recommendation))
    except Conflict:
        taken = sorted(r["uscc"] for r in graph.read(EXISTING, keys=sorted(e["uscc"] for e in items)))
        raise Conflict(f"市场主体已存在：{'、'.join(taken[:5]) or '本批中的某一家'}") from None


def patch_enterprise(graph: Graph, policies: Policies, code: str, changes: dict[str, Any],
                     counties: frozenset[str] | None = None, current: dict[str, Any] | None = None) -> dict:
    """Change a firm (`current`: as the caller read it and checked its rights on). For a caller who may write only
    `counties` (None: everywhere) the write is refused (write_scope.Reaches, chainmap.write_scope.GUARD) when the
    firm, or a project whose check its changed facts decide, lies in another county. When the firm changed since it
    was read: a caller that gave `current` gets a Conflict (its checks were made on the older state); otherwise the
    changes are applied again to a fresh read, a few times."""
    fields = ""
    for _ in range(1 if current is not None else 5):
        try:
            return _patch_once(graph, policies, code, changes, counties, current or get_enterprise(graph, code))
        except Changed as changed:
            fields = changed.fields
    raise Conflict(f"该市场主体在读取之后已被修改（{fields}），可能有人同时提交；请重新读取后再修改")


class Changed(Exception):
    """loading.UNCHANGED refused the write: these fields (or chain links) changed since the firm was read."""

    def __init__(self, fields: list[str]) -> None:
        super().__init__()
        self.fields = "、".join(sorted({"revenue_cny" if f.startswith("revenue_") else f for f in fields}))


def _patch_once(graph: Graph, policies: Policies, code: str, changes: dict[str, Any], counties: frozenset[str] | None,
                current: dict[str, Any]) -> dict:
    merged = {**current, **current["signals"], **changes, "uscc": code}
    merged["revenue_cny"] = {int(y): v for y, v in merged["revenue_cny"].items()}
    merged["synthetic"] = current["synthetic"]
    if "status" in changes and changes["status"] != current["status"] and "status_on" not in changes:
        merged["status_on"] = dt.date.today()  # a status change is dated, so past days keep their answer
    validate(graph, [merged], creating=False)
    row = _write_row(merged)
    changed = {*changes, "status_on"} if merged.get("status_on") != current.get("status_on") else set(changes)
    if "revenue_cny" in changed:
        changed |= {"revenue_years", "revenue_values"}
    row["read"] = {k: v for k, v in row["props"].items() if k not in changed}
    row["nodes"] = None if "chain_nodes" in changes else row["chain_nodes"]
    guards = (q.UNCHANGED,) if counties is None else (q.UNCHANGED, write_scope.GUARD)
    try:
        graph.write(q.ENTERPRISES, rows=[row], touches=footprints.ENTERPRISE_ROWS,
                    change=Change("enterprise.patch", "enterprise", (code,)), keep=upkeep.kept_facts([code]),
                    guard=guards, counties=sorted(counties or ()), **upkeep.key_arguments(policies.recommendation))
    except Clash as clash:
        if "changed" in clash.existing:
            raise Changed(clash.existing["changed"]) from None
        raise write_scope.Reaches(clash.existing) from None
    return get_enterprise(graph, code)
