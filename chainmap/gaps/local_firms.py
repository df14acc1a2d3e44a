"""链上企业名录: a chain node's local entities for a scope, the very set its gap status counts (local supply)."""

from __future__ import annotations

import datetime as dt
from typing import Any, LiteralString

from chainmap.errors import NotFound
from chainmap.gaps.analysis import LOCAL_ENTITIES, SCOPE_PREFIX
from chainmap.graph import Graph
from chainmap.paging import Page, envelope

# The page of the node's local entities, largest revenue of the latest year first (none last), ties by USCC. The whole set is
# ordered in the database: a node's province-wide supply is at most a few thousand firms.
PAGE: LiteralString = (
    "MATCH (c:Cluster {id: $cluster})-[:HAS_NODE]->(n:ChainNode {key: $key}) "
    "WITH c, n, " + SCOPE_PREFIX +
    "CALL (c, n, prefix) { " + LOCAL_ENTITIES +
    "  WITH e, coalesce(e.revenue_years, []) AS ys "
    "  WITH e, CASE WHEN size(ys) = 0 THEN -1 ELSE coalesce(e.revenue_values[reduce(i = 0, k IN range(0, size(ys) - 1) "
    "    | CASE WHEN ys[k] > ys[i] THEN k ELSE i END)], -1) END AS latest "
    "  WITH e ORDER BY latest DESC, e.uscc "
    "  RETURN collect(e.uscc) AS firms } "
    "RETURN c {.id, .name} AS cluster, n {.id, .key, .name, .stage, .industry_codes} AS node, size(firms) AS total, "
    "  firms[$skip..($skip + $limit)] AS page"
)
CLUSTER: LiteralString = "MATCH (c:Cluster {id: $cluster}) RETURN c.id AS id"
# What the list shows of each firm: its place by name, latest revenue, current 协作配套 partners (either direction)
# and whether it is attached to the link itself or counted by its industry code.
DETAILS: LiteralString = (
    "UNWIND $usccs AS u MATCH (e:Enterprise {uscc: u}) "
    "OPTIONAL MATCH (r:Region {adcode: e.region}) OPTIONAL MATCH (r)-[:PART_OF]->(city:Region) "
    "CALL (e) { OPTIONAL MATCH (e)-[s:SUPPLIES]-(p:Enterprise) WHERE s.until IS NULL OR s.until >= $today "
    "  RETURN count(DISTINCT p) AS partners } "
    "RETURN e {.uscc, .name, .entity_type, .region, .revenue_years, .revenue_values, .synthetic} AS e, "
    "  coalesce(city.name, '') + coalesce(r.name, '') AS region_name, partners, "
    "  EXISTS { (e)-[:OPERATES_IN]->(:ChainNode {key: $key}) } AS attached"
)


def node_firms(graph: Graph, cluster_id: str, key: str, scope: str, page: Page) -> dict[str, Any]:
    """GET /clusters/{id}/nodes/{key}/enterprises: one page of the node's local entities for the scope."""
    rows = graph.read(PAGE, cluster=cluster_id, key=key, scope=scope, skip=page.skip, limit=page.per_page)
    if not rows:
        # Empty for a missing cluster as well as a missing node: say which one the caller got wrong.
        if not graph.read(CLUSTER, cluster=cluster_id):
            raise NotFound(f"没有编号为 {cluster_id} 的产业集群")
        raise NotFound(f"产业集群 {cluster_id} 没有环节 {key}")
    found = {r["e"]["uscc"]: r for r in graph.read(DETAILS, usccs=rows[0]["page"], key=key, today=dt.date.today())}
    items = [_item(found[u]) for u in rows[0]["page"] if u in found]
    return {**envelope(items, rows[0]["total"], page), "cluster": rows[0]["cluster"], "node": rows[0]["node"],
            "scope": scope}


def _item(row: dict[str, Any]) -> dict[str, Any]:
    e = row["e"]
    revenue = dict(zip(e.get("revenue_years") or [], e.get("revenue_values") or [], strict=False))
    year = max(revenue, default=None)
    return {"uscc": e["uscc"], "name": e["name"], "entity_type": e["entity_type"], "region": e["region"],
            "region_name": row["region_name"] or None, "revenue_year": year,
            "revenue_cny": revenue.get(year) if year is not None else None, "partners": row["partners"], "attached": row["attached"],
            "synthetic": bool(e.get("synthetic"))}
