"""Gap analysis against the graph: one query fetches the facts for any set of clusters; gaps.py decides."""

from __future__ import annotations

import datetime as dt
from typing import Any, LiteralString

from chainmap.errors import NotFound
from chainmap.gaps import NodeFacts, Thresholds, analyse
from chainmap.graph import Graph

# Facts per chain node for the clusters in $ids. The scope prefix is computed in Cypher from the cluster's county.
FACTS: LiteralString = (
    "UNWIND $ids AS cid MATCH (c:Cluster {id: cid})-[:HAS_NODE]->(n:ChainNode) "
    "WITH c, n, CASE $scope WHEN 'county' THEN c.county WHEN 'city' THEN substring(c.county, 0, 4) ELSE '13' END "
    "  AS prefix "
    "CALL (n, prefix) { "
    "  OPTIONAL MATCH (e:Enterprise {status: 'active'})-[:OPERATES_IN]->(n) WHERE e.region STARTS WITH prefix "
    "  RETURN collect(e {.uscc, .name, .entity_type}) AS locals } "
    "CALL (locals, prefix) { "
    "  UNWIND (CASE WHEN size(locals) = 0 THEN [null] ELSE locals END) AS l "
    "  OPTIONAL MATCH (s:Enterprise)-[r:SUPPLIES]->(:Enterprise {uscc: l.uscc}) WHERE r.until IS NULL OR r.until >= $today "
    "  RETURN count(r) AS inbound, count(CASE WHEN NOT s.region STARTS WITH '13' THEN 1 END) AS outside, "
    "    count(CASE WHEN s.region STARTS WITH prefix THEN 1 END) AS in_scope } "
    "CALL (locals, prefix) { "
    "  OPTIONAL MATCH (x:Enterprise {uscc: CASE WHEN size(locals) = 1 THEN locals[0].uscc ELSE '' END})"
    "    -[r:SUPPLIES]->(cust:Enterprise {status: 'active'}) "
    "  WHERE cust.region STARTS WITH prefix AND (r.until IS NULL OR r.until >= $today) "
    "  RETURN count(DISTINCT cust) AS single_customers } "
    "RETURN c.id AS cluster, n.id AS id, locals, inbound, outside, in_scope, single_customers, "
    "  n.mark AS mark, n.mark_reason AS mark_reason, n.mark_by AS mark_by"
)
CLUSTERS: LiteralString = (
    "MATCH (c:Cluster)-[:LOCATED_IN]->(county:Region)-[:PART_OF]->(city:Region) "
    "WHERE ($city IS NULL OR city.adcode = $city OR city.name = $city) "
    "AND ($county IS NULL OR county.adcode = $county) AND ($category IS NULL OR c.category = $category) "
    "AND ($cluster IS NULL OR c.id = $cluster) "
    "RETURN c.id AS id, c.name AS name, c.category AS category, county.adcode AS county, county.name AS county_name, "
    "  city.adcode AS city, city.name AS city_name ORDER BY c.id"
)
NODES: LiteralString = (
    "UNWIND $ids AS cid MATCH (:Cluster {id: cid})-[:HAS_NODE]->(n:ChainNode) "
    "RETURN n.id AS id, n.cluster AS cluster, n.key AS key, n.name AS name, n.stage AS stage, "
    "  n.industry_codes AS industry_codes ORDER BY n.cluster, n.stage, n.id"
)


def facts_by_cluster(graph: Graph, cluster_ids: list[str], scope: str) -> dict[str, list[NodeFacts]]:
    out: dict[str, list[NodeFacts]] = {c: [] for c in cluster_ids}
    for row in graph.read(FACTS, ids=cluster_ids, scope=scope, today=dt.date.today()):
        locals_ = row["locals"]
        single = locals_[0] if len(locals_) == 1 else None
        out[row["cluster"]].append(NodeFacts(
            id=row["id"], local_types=[e["entity_type"] for e in locals_],
            single_name=single["name"] if single else None, single_uscc=single["uscc"] if single else None,
            single_customers=row["single_customers"], inbound=row["inbound"],
            inbound_outside_province=row["outside"], inbound_in_scope=row["in_scope"],
            mark=row["mark"], mark_reason=row["mark_reason"], mark_by=row["mark_by"]))
    return out


def analyse_clusters(graph: Graph, cluster_ids: list[str], scope: str, t: Thresholds) -> dict[str, tuple[dict, dict]]:
    """{cluster id: ({node id: (status, evidence)}, local supply rate)} in one round trip."""
    return {cid: analyse(nodes, t) for cid, nodes in facts_by_cluster(graph, cluster_ids, scope).items()}


def cluster_gaps(graph: Graph, cluster_id: str, scope: str, t: Thresholds) -> dict[str, Any]:
    """GET /clusters/{id}/gaps: the gap, weak and bottleneck nodes with evidence, and the local supply rate."""
    clusters = graph.read(CLUSTERS, city=None, county=None, category=None, cluster=cluster_id)
    if not clusters:
        raise NotFound(f"no cluster with id {cluster_id!r}")
    results, rate = analyse_clusters(graph, [cluster_id], scope, t)[cluster_id]
    nodes = {n["id"]: n for n in graph.read(NODES, ids=[cluster_id])}
    items = [{"node": nodes[node_id], "status": status, "evidence": evidence}
             for node_id, (status, evidence) in sorted(results.items()) if status != "present"]
    return {"cluster": clusters[0], "scope": scope, "items": items, "local_supply_rate": rate}


def report_rows(graph: Graph, t: Thresholds, *, scope: str = "county", statuses: tuple[str, ...] = ("gap", "weak",
                "bottleneck"), city: str | None = None, county: str | None = None,
                category: str | None = None) -> list[dict[str, Any]]:
    """One row per gap / weak / bottleneck node across the selected clusters (the province by default)."""
    clusters = graph.read(CLUSTERS, city=city, county=county, category=category, cluster=None)
    ids = [c["id"] for c in clusters]
    analysed = analyse_clusters(graph, ids, scope, t)
    nodes = {n["id"]: n for n in graph.read(NODES, ids=ids)}
    rows = []
    for cluster in clusters:
        results, rate = analysed[cluster["id"]]
        for node_id, (status, evidence) in sorted(results.items()):
            if status not in statuses:
                continue
            node = nodes[node_id]
            rows.append({
                "cluster": cluster["id"], "cluster_name": cluster["name"], "category": cluster["category"],
                "city": cluster["city_name"], "county": cluster["county_name"], "county_adcode": cluster["county"],
                "node": node_id, "node_name": node["name"], "stage": node["stage"],
                "industry_codes": node["industry_codes"], "status": status, "scope": scope,
                "local_entities": evidence["local_entities"],
                "outside_province_share": evidence["outside_province_share"],
                "single_supplier": (evidence.get("single_supplier") or {}).get("name"),
                "mark": (evidence["mark"] or {}).get("value"),
                "reasons": "; ".join(evidence["reasons"]),
                "cluster_node_coverage": rate["node_coverage"],
            })
    return rows
