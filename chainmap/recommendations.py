"""Recommendations against the graph: walk from a gap node's industry codes to Beijing/Tianjin candidates."""

from __future__ import annotations

import datetime as dt
from typing import Any, LiteralString

from chainmap.errors import Invalid, NotFound
from chainmap.gap_analysis import analyse_clusters
from chainmap.gaps import Thresholds
from chainmap.graph import Graph
from chainmap.recommend import Candidate, Target, load_config, rank
from chainmap.reward_checks import policy
from chainmap.rewards import Relationship

TARGET: LiteralString = (
    "MATCH (c:Cluster {id: $cluster})-[:HAS_NODE]->(n:ChainNode {id: $node}) "
    "MATCH (c)-[:LOCATED_IN]->(county:Region) "
    "CALL (n, c) { OPTIONAL MATCH (n)-[:FEEDS]-(:ChainNode)<-[:OPERATES_IN]-(p:Enterprise) WHERE p.region = c.county "
    "  RETURN collect(DISTINCT p {.uscc, .name, .entity_type, .region, .status, .group}) AS partners } "
    "RETURN n.id AS id, n.name AS name, n.industry_codes AS codes, n.keywords AS keywords, county.adcode AS county, "
    "  county.name AS county_name, county.lon AS lon, county.lat AS lat, partners"
)
# Candidates classified in the node's classes or their groups (tier 1), or only in the same divisions (tier 2).
# The walk starts at the node's Industry nodes: it never scans all enterprises.
_CANDIDATE_TAIL: LiteralString = (
    "WHERE e.status = 'active' AND any(p IN $origins WHERE e.region STARTS WITH p) AND e.region <> $county "
    "  AND NOT EXISTS { (i:Introduction)-[:OF]->(e) WHERE EXISTS { (i)-[:INTO]->(:Cluster {county: $county}) } } "
    "WITH DISTINCT e MATCH (r:Region {adcode: e.region}) "
    "RETURN e {.uscc, .name, .region, .industry_codes, .products, .revenue_years, .revenue_values, .bj_restricted, "
    "  .expansion_year, .green_factory} AS e, r.lon AS lon, r.lat AS lat, "
    "  EXISTS { (b:Enterprise)-[:MEMBER_OF]->(e) WHERE b.region STARTS WITH '13' } AS presence, "
    "  COUNT { (e)-[:SUPPLIES]-(l:Enterprise) WHERE l.region = $county "
    "    AND EXISTS { (l)-[:OPERATES_IN]->(:ChainNode {cluster: $cluster}) } } AS ties"
)
CANDIDATES_NEAR: LiteralString = (
    "MATCH (:ChainNode {id: $node})-[:CLASSIFIED_AS]->(:Industry)-[:IN]->(g:Industry) WITH DISTINCT g "
    "MATCH (g)<-[:IN*0..1]-(:Industry)<-[:CLASSIFIED_AS]-(e:Enterprise) " + _CANDIDATE_TAIL
)
CANDIDATES_DIVISION: LiteralString = (
    "MATCH (:ChainNode {id: $node})-[:CLASSIFIED_AS]->(:Industry)-[:IN]->(:Industry)-[:IN]->(d:Industry) "
    "WITH DISTINCT d MATCH (d)<-[:IN*2]-(:Industry)<-[:CLASSIFIED_AS]-(e:Enterprise) " + _CANDIDATE_TAIL
)

_CONFIG: dict | None = None


def config() -> dict:
    global _CONFIG
    if _CONFIG is None:
        _CONFIG = load_config()
    return _CONFIG


def _target(graph: Graph, cluster_id: str, node_id: str) -> Target:
    rows = graph.read(TARGET, cluster=cluster_id, node=node_id)
    if not rows:
        raise NotFound(f"cluster {cluster_id!r} has no chain node {node_id!r}")
    t = rows[0]
    today = dt.date.today()
    partners = [Relationship(partner=p["uscc"], name=p["name"], entity_type=p["entity_type"], region=p["region"],
                             status=p["status"], group=p["group"], relation="potential", since=today, until=None)
                for p in t["partners"]]
    return Target(node_id=t["id"], node_name=t["name"], codes=t["codes"], keywords=t["keywords"] or [],
                  county=t["county"], county_name=t["county_name"], lon=t["lon"], lat=t["lat"],
                  potential_partners=partners)


def _candidates(graph: Graph, query: LiteralString, cluster_id: str, target: Target,
                origins: list[str]) -> list[Candidate]:
    rows = graph.read(query, node=target.node_id, cluster=cluster_id, county=target.county, origins=origins)
    return [
        Candidate(uscc=r["e"]["uscc"], name=r["e"]["name"], region=r["e"]["region"], lon=r["lon"], lat=r["lat"],
                  industry_codes=r["e"]["industry_codes"] or [], products=r["e"]["products"] or "",
                  revenue=dict(zip(r["e"]["revenue_years"] or [], r["e"]["revenue_values"] or [], strict=False)),
                  bj_restricted=r["e"]["bj_restricted"], expansion_year=r["e"]["expansion_year"],
                  green_factory=r["e"]["green_factory"], hebei_presence=r["presence"], ties=r["ties"])
        for r in rows
    ]


def for_node(graph: Graph, cluster_id: str, node_id: str, origins: list[str], limit: int,
             min_revenue: int | None) -> list[dict[str, Any]]:
    target = _target(graph, cluster_id, node_id)
    today = dt.date.today()
    candidates = _candidates(graph, CANDIDATES_NEAR, cluster_id, target, origins)
    if len(candidates) < limit:  # division-level matches only fill a short list
        seen = {c.uscc for c in candidates}
        candidates += [c for c in _candidates(graph, CANDIDATES_DIVISION, cluster_id, target, origins)
                       if c.uscc not in seen]
    return rank(candidates, target, config(), policy(), today, limit, min_revenue)


def recommend(graph: Graph, cluster_id: str, thresholds: Thresholds, *, node_key: str | None = None,
              origins: tuple[str, ...] = ("11", "12"), limit: int = 10, min_revenue: int | None = None) -> dict:
    """Ranked targets for one node, or for every gap / weak / bottleneck node of the cluster."""
    if any(o.startswith("13") for o in origins):
        raise Invalid("origins are outside Hebei (Beijing 11, Tianjin 12 by default)",
                      errors=[{"field": "origin", "reason": "Hebei prefixes are not transfer origins"}])
    statuses, _ = analyse_clusters(graph, [cluster_id], "county", thresholds).get(cluster_id, ({}, {}))
    if not statuses:
        raise NotFound(f"no cluster with id {cluster_id!r} (or it has no chain)")
    if node_key:
        node_id = f"{cluster_id}.{node_key}"
        if node_id not in statuses:
            raise NotFound(f"cluster {cluster_id!r} has no chain node {node_key!r}")
        nodes = [node_id]
    else:
        nodes = sorted(n for n, (status, _) in statuses.items() if status != "present")
    items = []
    for node_id in nodes:
        for item in for_node(graph, cluster_id, node_id, list(origins), limit, min_revenue):
            item["node"]["status"] = statuses[node_id][0]
            items.append(item)
    items.sort(key=lambda r: (-r["score"], r["enterprise"]["uscc"], r["node"]["id"]))
    return {"cluster": cluster_id, "nodes": nodes, "origins": list(origins), "config_version": config()["version"],
            "items": items}
