"""A cluster's chain as editors change it: nodes, edges and marks (the diagram is read by chainmap.gaps.diagram)."""

from __future__ import annotations

import datetime as dt
from typing import Any, LiteralString

from chainmap.audit import Change
from chainmap.errors import Conflict, Invalid, NotFound
from chainmap.graph import Graph
from chainmap.graph.adapter import Clash
from chainmap.references import known_classes

NODE: LiteralString = (
    "MATCH (c:Cluster {id: $cluster})-[:HAS_NODE]->(n:ChainNode {id: $id}) "
    "OPTIONAL MATCH (e:Enterprise)-[:OPERATES_IN]->(n) "
    "RETURN n.stage AS stage, count(e) AS enterprises"
)
CREATE_NODE: LiteralString = (
    "MATCH (c:Cluster {id: $cluster}) "
    "CREATE (n:ChainNode {id: $id}) SET n += $props "
    "CREATE (c)-[:HAS_NODE]->(n) "
    "WITH n UNWIND n.industry_codes AS code MATCH (i:Industry {code: code}) MERGE (n)-[:CLASSIFIED_AS]->(i) "
    "RETURN count(*) AS linked"
)
PATCH_NODE: LiteralString = (
    "MATCH (:Cluster {id: $cluster})-[:HAS_NODE]->(n:ChainNode {id: $id}) SET n += $props "
    "WITH n CALL (n) { MATCH (n)-[old:CLASSIFIED_AS]->(i) WHERE NOT i.code IN n.industry_codes DELETE old } "
    "WITH n UNWIND n.industry_codes AS code MATCH (i:Industry {code: code}) MERGE (n)-[:CLASSIFIED_AS]->(i) "
    "RETURN count(*) AS linked"
)
DELETE_NODE: LiteralString = (
    "MATCH (:Cluster {id: $cluster})-[:HAS_NODE]->(n:ChainNode {id: $id}) DETACH DELETE n RETURN count(*) AS deleted"
)
# At most one edge from a node to another, kept by the write: both nodes are locked, an existing edge is returned as
# `clash` (the adapter rolls the transaction back), otherwise the edge is created.
CREATE_EDGE: LiteralString = (
    "MATCH (a:ChainNode {id: $source}), (b:ChainNode {id: $target}) "
    "SET a.__lock = true, b.__lock = true REMOVE a.__lock, b.__lock "
    "WITH a, b OPTIONAL MATCH (a)-[old:FEEDS|SUPPORTS]->(b) "
    "WITH a, b, head(collect(CASE WHEN old IS NULL THEN null ELSE {kind: coalesce(old.kind, 'service')} END)) AS clash "
    "FOREACH (_ IN CASE WHEN clash IS NULL AND $kind <> 'service' THEN [1] ELSE [] END | "
    "  CREATE (a)-[:FEEDS {kind: $kind}]->(b)) "
    "FOREACH (_ IN CASE WHEN clash IS NULL AND $kind = 'service' THEN [1] ELSE [] END | CREATE (a)-[:SUPPORTS]->(b)) "
    "RETURN clash"
)
DELETE_EDGE: LiteralString = (
    "MATCH (a:ChainNode {id: $source})-[r:FEEDS|SUPPORTS]->(b:ChainNode {id: $target}) DELETE r RETURN count(r) AS n"
)
# Marks keep a dated, append-only history (MarkChange) so the chain can be read as of a past day
# (chainmap.gaps.as_of). The node is locked first; a mark it carried from before the history existed (seeded, or set
# by an older version) is recorded first as a migrated entry, dated by when it was set (undated: since always). The
# node's current mark follows the latest entry by date, so a backdated mark goes into the history only.
SET_MARK: LiteralString = (
    "MATCH (:Cluster {id: $cluster})-[:HAS_NODE]->(n:ChainNode {id: $id}) "
    "SET n.__lock = true REMOVE n.__lock "
    "WITH n CALL (n) { WITH n WHERE n.mark IS NOT NULL AND NOT EXISTS { (n)-[:MARK_CHANGE]->() } "
    "  CREATE (n)-[:MARK_CHANGE]->(:MarkChange {mark: n.mark, reason: n.mark_reason, by: n.mark_by, "
    "    on: CASE WHEN n.mark_at IS NULL THEN null ELSE date(n.mark_at) END, at: n.mark_at, migrated: true}) } "
    "WITH n, COLLECT { MATCH (n)-[:MARK_CHANGE]->(m) RETURN m.on } AS days "
    "WITH n, all(d IN days WHERE d IS NULL OR d <= $on) AS latest "
    "CREATE (n)-[:MARK_CHANGE]->(:MarkChange {mark: $mark, reason: $reason, by: $by, on: $on, at: datetime(), "
    "  migrated: false}) "
    "FOREACH (_ IN CASE WHEN latest THEN [1] ELSE [] END | "
    "  SET n.mark = $mark, n.mark_reason = $reason, n.mark_by = $by, n.mark_at = datetime(), n.mark_source = null, "
    "    n.mark_source_title = null, n.mark_source_date = null) "
    "RETURN n.id AS id"
)


def node_id(cluster_id: str, key: str) -> str:
    return f"{cluster_id}.{key}"


def _check_classes(graph: Graph, codes: list[str]) -> None:
    known = known_classes(graph, codes)
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise Invalid(f"unknown GB/T 4754 classes: {', '.join(unknown)}",
                      errors=[{"field": "industry_codes", "reason": f"unknown class {c}"} for c in unknown])


def _node(graph: Graph, cluster_id: str, key: str) -> dict:
    rows = graph.read(NODE, cluster=cluster_id, id=node_id(cluster_id, key))
    if not rows:
        raise NotFound(f"cluster {cluster_id!r} has no chain node {key!r}")
    return rows[0]


def create_node(graph: Graph, cluster_id: str, data: dict[str, Any]) -> str:
    _check_classes(graph, data["industry_codes"])
    props = {"cluster": cluster_id, "key": data["key"], "name": data["name"], "stage": data["stage"],
             "industry_codes": data["industry_codes"], "keywords": data.get("keywords", []), "basis": "edited",
             "template": None, "sources": []}
    graph.write(CREATE_NODE, cluster=cluster_id, id=node_id(cluster_id, data["key"]), props=props,
                change=Change("chain_node.create", "chain_node", (node_id(cluster_id, data["key"]),)))
    return node_id(cluster_id, data["key"])


def patch_node(graph: Graph, cluster_id: str, key: str, changes: dict[str, Any]) -> None:
    _node(graph, cluster_id, key)
    if "industry_codes" in changes:
        _check_classes(graph, changes["industry_codes"])
    props = {k: v for k, v in changes.items() if k in ("name", "stage", "industry_codes", "keywords")}
    graph.write(PATCH_NODE, cluster=cluster_id, id=node_id(cluster_id, key), props=props,
                change=Change("chain_node.patch", "chain_node", (node_id(cluster_id, key),)))


def delete_node(graph: Graph, cluster_id: str, key: str) -> None:
    node = _node(graph, cluster_id, key)
    if node["enterprises"]:
        raise Conflict(f"{node['enterprises']} enterprises operate in this node; move them before deleting it")
    graph.write(DELETE_NODE, cluster=cluster_id, id=node_id(cluster_id, key),
                change=Change("chain_node.delete", "chain_node", (node_id(cluster_id, key),)))


def create_edge(graph: Graph, cluster_id: str, source_key: str, target_key: str, kind: str) -> None:
    if source_key == target_key:
        raise Invalid("an edge joins two different nodes", errors=[{"field": "to", "reason": "same as from"}])
    source = _node(graph, cluster_id, source_key)
    _node(graph, cluster_id, target_key)
    if (kind == "service") != (source["stage"] == "service"):
        raise Invalid("service edges start at service nodes, and only they do",
                      errors=[{"field": "kind", "reason": f"{kind!r} does not fit a {source['stage']} source node"}])
    ids = {"source": node_id(cluster_id, source_key), "target": node_id(cluster_id, target_key)}
    try:
        graph.write(CREATE_EDGE, kind=kind, source=ids["source"], target=ids["target"], change=Change(
            "chain_edge.create", "chain_edge", (f"{ids['source']}->{ids['target']}",)))
    except Clash as clash:
        raise Conflict(f"{source_key} already feeds {target_key} in cluster {cluster_id!r} "
                       f"(kind {clash.existing['kind']})") from None


def delete_edge(graph: Graph, cluster_id: str, source_key: str, target_key: str) -> None:
    ids = {"source": node_id(cluster_id, source_key), "target": node_id(cluster_id, target_key)}
    if not graph.write(DELETE_EDGE, source=ids["source"], target=ids["target"], change=Change(
            "chain_edge.delete", "chain_edge", (f"{ids['source']}->{ids['target']}",)))[0]["n"]:
        raise NotFound(f"no edge {source_key} -> {target_key} in cluster {cluster_id!r}")


def set_mark(graph: Graph, cluster_id: str, key: str, mark: str, reason: str, by: str,
             on: dt.date | None = None) -> None:
    """Mark a node gap or bottleneck (or clear with 'none') as of `on` (default today); the reason and author are
    kept either way, in the node's mark history."""
    on = on or dt.date.today()
    if on > dt.date.today():
        raise Invalid("on: 日期不能晚于今天", errors=[{"field": "on", "reason": "日期不能晚于今天"}])
    rows = graph.write(SET_MARK, cluster=cluster_id, id=node_id(cluster_id, key),
                       mark=None if mark == "none" else mark, reason=reason, by=by, on=on,
                       change=Change("chain_node.mark", "chain_node", (node_id(cluster_id, key),)))
    if not rows:
        raise NotFound(f"cluster {cluster_id!r} has no chain node {key!r}")
