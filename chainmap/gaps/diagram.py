"""A cluster's chain diagram as users see it: its nodes with status and evidence from the gap analysis, its edges."""

from __future__ import annotations

import datetime as dt
from typing import Any, LiteralString

from chainmap.errors import NotFound
from chainmap.gaps import as_of
from chainmap.gaps.analysis import OWN_CODES, is_current, node_facts, refresh_facts
from chainmap.gaps.rules import analyse
from chainmap.graph import Graph
from chainmap.policy import Thresholds

# The diagram: the cluster, its nodes and its edges. Statuses come from the gap analysis (chainmap.gaps.rules).
CHAIN: LiteralString = (
    "MATCH (c:Cluster {id: $id})-[:LOCATED_IN]->(county:Region)-[:PART_OF]->(city:Region) "
    "CALL (c) { "
    "  MATCH (c)-[:HAS_NODE]->(n:ChainNode) WITH n ORDER BY n.stage, n.id "
    "  RETURN collect(n {.id, .key, .name, .stage, .industry_codes, .keywords, .basis, .mark, .mark_reason, "
    "    .mark_source, .mark_source_title, .mark_source_date, .mark_by, mark_at: toString(n.mark_at), "
    "    facts: n.facts, expires: n.facts_expire, own: " + OWN_CODES + "}) AS nodes } "
    "CALL (c) { "
    "  OPTIONAL MATCH (c)-[:HAS_NODE]->(a:ChainNode)-[r:FEEDS|SUPPORTS]->(b:ChainNode) "
    "  WITH a, b, r ORDER BY a.id, b.id "
    "  RETURN collect(CASE WHEN r IS NULL THEN null ELSE {from: a.id, to: b.id, kind: coalesce(r.kind, 'service')} END)"
    "    AS edges } "
    "RETURN c {.id, .name, .category, .chain_basis, .chain_template, "
    "  county: {adcode: county.adcode, name: county.name}, city: {adcode: city.adcode, name: city.name}} AS cluster, "
    "  nodes, edges"
)

def get_chain(graph: Graph, cluster_id: str, thresholds: Thresholds, scope: str = "county",
              day: dt.date | None = None) -> dict[str, Any]:
    """The diagram with each node's status and evidence, in one round trip when the stored facts are current; for a
    past `day`, from the facts dated up to it (chainmap.gaps.as_of), with each node's projects at their stage then."""
    rows = graph.read(CHAIN, id=cluster_id)
    if not rows:
        raise NotFound(f"没有编号为 {cluster_id} 的产业集群")
    today = dt.date.today()
    if day is None:
        stale = [n["id"] for n in rows[0]["nodes"]
                 if not is_current(n["facts"]) or (n["expires"] and n["expires"] < today)]
        if stale:
            refresh_facts(graph, stale)
            rows = graph.read(CHAIN, id=cluster_id)
        facts = [node_facts(n, scope) for n in rows[0]["nodes"]]
    else:
        facts = as_of.facts_on(graph, [cluster_id], scope, day)[cluster_id]
        marks = as_of.marks_on(graph, [cluster_id], day)
        projects = as_of.projects_on(graph, cluster_id, day)
        for node in rows[0]["nodes"]:  # the mark as it stood on the day (its source only if it is today's mark)
            then = marks.get(node["id"]) or {}
            if then.get("mark") != node["mark"] or then.get("reason") != node["mark_reason"]:
                node.update({f"mark_{k}": None for k in ("source", "source_title", "source_date", "at")})
            node.update(mark=then.get("mark"), mark_reason=then.get("reason"), mark_by=then.get("by"))
            node["projects"] = projects.get(node["id"], [])
    results, rate = analyse(facts, thresholds)
    nodes = []
    for node in rows[0]["nodes"]:
        del node["facts"], node["expires"], node["own"]
        mark = {k: node.pop(f"mark_{k}") for k in ("reason", "source", "source_title", "source_date", "by", "at")}
        mark_value = node.pop("mark")
        node["mark"] = {"value": mark_value or "none", **{k: v for k, v in mark.items() if v is not None}}
        node["status"], node["evidence"] = results[node["id"]]
        node["evidence"] = {**node["evidence"], "scope": scope}
        nodes.append(node)
    chain = {"cluster": rows[0]["cluster"], "nodes": nodes, "edges": rows[0]["edges"], "local_supply_rate": rate}
    if day is not None:
        chain["as_of"] = day
    return chain
