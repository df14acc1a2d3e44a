"""A cluster's chain as editors change it: nodes, edges and marks (the diagram is read by chainmap.gaps.diagram)."""

from __future__ import annotations

import datetime as dt
from typing import Any, LiteralString

from chainmap import upkeep
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
# node's current mark follows the latest entry by date, so a backdated mark goes into the history only. The same
# mark again (mark, reason, author and day of the latest entry: a form sent twice; for a backdated mark, of any entry
# on its day, which twenty parallel requests queue on the lock to find) comes back as `clash` and is rolled back:
# nothing is recorded, not even in the audit trail. A backdated mark changes the history only, which the audit's
# snapshot of a node includes (chainmap.graph.audit), so it is audited like any mark.
SET_MARK: LiteralString = (
    "MATCH (:Cluster {id: $cluster})-[:HAS_NODE]->(n:ChainNode {id: $id}) "
    "SET n.__lock = true REMOVE n.__lock "
    "WITH n CALL (n) { WITH n WHERE n.mark IS NOT NULL AND NOT EXISTS { (n)-[:MARK_CHANGE]->() } "
    "  CREATE (n)-[:MARK_CHANGE]->(:MarkChange {mark: n.mark, reason: n.mark_reason, by: n.mark_by, "
    "    on: CASE WHEN n.mark_at IS NULL THEN null ELSE date(n.mark_at) END, at: n.mark_at, migrated: true}) } "
    "WITH n, COLLECT { MATCH (n)-[:MARK_CHANGE]->(m) RETURN m.on } AS days, "
    "  COLLECT { MATCH (n)-[:MARK_CHANGE]->(m) RETURN m ORDER BY coalesce(m.on, date('1900-01-01')) DESC, "
    "    coalesce(m.at, datetime('1900-01-01T00:00Z')) DESC LIMIT 1 }[0] AS last "
    "WITH n, last, all(d IN days WHERE d IS NULL OR d <= $on) AS latest, EXISTS { MATCH (n)-[:MARK_CHANGE]->(m) "
    "  WHERE m.on = $on AND coalesce(m.mark, '') = coalesce($mark, '') AND m.reason = $reason AND m.by = $by } "
    "  AS recorded "
    "WITH n, latest, coalesce(last.on = $on AND coalesce(last.mark, '') = coalesce($mark, '') "
    "  AND last.reason = $reason AND last.by = $by, false) OR (NOT latest AND recorded) AS again "
    "CALL (n, latest, again) { WITH n, latest WHERE NOT again "
    "CREATE (n)-[:MARK_CHANGE]->(:MarkChange {mark: $mark, reason: $reason, by: $by, on: $on, at: datetime(), "
    "  migrated: false}) "
    "FOREACH (_ IN CASE WHEN latest THEN [1] ELSE [] END | "
    "  SET n.mark = $mark, n.mark_reason = $reason, n.mark_by = $by, n.mark_at = datetime(), n.mark_source = null, "
    "    n.mark_source_title = null, n.mark_source_date = null) } "
    "RETURN n.id AS id, CASE WHEN again THEN 'again' END AS clash"
)


def node_id(cluster_id: str, key: str) -> str:
    return f"{cluster_id}.{key}"


def _check_classes(graph: Graph, codes: list[str]) -> None:
    known = known_classes(graph, codes)
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise Invalid(f"未知的国民经济行业小类（GB/T 4754）：{'、'.join(unknown)}",
                      errors=[{"field": "industry_codes", "reason": f"未知行业小类 {c}"} for c in unknown])


def _node(graph: Graph, cluster_id: str, key: str) -> dict:
    rows = graph.read(NODE, cluster=cluster_id, id=node_id(cluster_id, key))
    if not rows:
        raise NotFound(f"产业集群 {cluster_id} 没有环节 {key}")
    return rows[0]


def create_node(graph: Graph, cluster_id: str, data: dict[str, Any]) -> str:
    _check_classes(graph, data["industry_codes"])
    props = {"cluster": cluster_id, "key": data["key"], "name": data["name"], "stage": data["stage"],
             "industry_codes": data["industry_codes"], "keywords": data.get("keywords", []), "basis": "edited",
             "template": None, "sources": []}
    graph.write(CREATE_NODE, cluster=cluster_id, id=node_id(cluster_id, data["key"]), props=props,
                keep=upkeep.ChainEdit(cluster_id),
                change=Change("chain_node.create", "chain_node", (node_id(cluster_id, data["key"]),),
                              before_from="none"))
    return node_id(cluster_id, data["key"])


def patch_node(graph: Graph, cluster_id: str, key: str, changes: dict[str, Any]) -> None:
    _node(graph, cluster_id, key)
    if "industry_codes" in changes:
        _check_classes(graph, changes["industry_codes"])
    props = {k: v for k, v in changes.items() if k in ("name", "stage", "industry_codes", "keywords")}
    graph.write(PATCH_NODE, cluster=cluster_id, id=node_id(cluster_id, key), props=props,
                keep=upkeep.ChainEdit(cluster_id), change=Change("chain_node.patch", "chain_node", (node_id(cluster_id, key),)))


def delete_node(graph: Graph, cluster_id: str, key: str) -> None:
    node = _node(graph, cluster_id, key)
    if node["enterprises"]:
        raise Conflict(f"该环节有 {node['enterprises']} 家市场主体，请先将其移出再删除")
    graph.write(DELETE_NODE, cluster=cluster_id, id=node_id(cluster_id, key), keep=upkeep.ChainEdit(cluster_id),
                change=Change("chain_node.delete", "chain_node", (node_id(cluster_id, key),)))


def create_edge(graph: Graph, cluster_id: str, source_key: str, target_key: str, kind: str) -> None:
    if source_key == target_key:
        raise Invalid("连线须连接两个不同的环节", errors=[{"field": "to", "reason": "与 from 相同"}])
    source = _node(graph, cluster_id, source_key)
    _node(graph, cluster_id, target_key)
    if (kind == "service") != (source["stage"] == "service"):
        raise Invalid("配套服务连线（service）只能、也必须从配套服务环节出发",
                      errors=[{"field": "kind", "reason": f"{kind} 与起点环节位置 {source['stage']} 不符"}])
    ids = {"source": node_id(cluster_id, source_key), "target": node_id(cluster_id, target_key)}
    try:
        graph.write(CREATE_EDGE, kind=kind, source=ids["source"], target=ids["target"], change=Change(
            "chain_edge.create", "chain_edge", (f"{ids['source']}->{ids['target']}",), before_from="none"))
    except Clash as clash:
        raise Conflict(f"产业集群 {cluster_id} 中已有 {source_key} → {target_key} 的连线"
                       f"（类型 {clash.existing['kind']}）") from None


def delete_edge(graph: Graph, cluster_id: str, source_key: str, target_key: str) -> None:
    ids = {"source": node_id(cluster_id, source_key), "target": node_id(cluster_id, target_key)}
    if not graph.write(DELETE_EDGE, source=ids["source"], target=ids["target"], change=Change(
            "chain_edge.delete", "chain_edge", (f"{ids['source']}->{ids['target']}",)))[0]["n"]:
        raise NotFound(f"产业集群 {cluster_id} 中没有 {source_key} → {target_key} 的连线")


def set_mark(graph: Graph, cluster_id: str, key: str, mark: str, reason: str, by: str,
             on: dt.date | None = None) -> None:
    """Mark a node gap or bottleneck (or clear with 'none') as of `on` (default today); the reason and author are
    kept either way, in the node's mark history."""
    on = on or dt.date.today()
    if on > dt.date.today():
        raise Invalid("on: 日期不能晚于今天", errors=[{"field": "on", "reason": "日期不能晚于今天"}])
    try:
        rows = graph.write(SET_MARK, cluster=cluster_id, id=node_id(cluster_id, key),
                           mark=None if mark == "none" else mark, reason=reason, by=by, on=on,
                           change=Change("chain_node.mark", "chain_node", (node_id(cluster_id, key),)))
    except Clash:
        return  # the node already says so, as of that day, by that author
    if not rows:
        raise NotFound(f"产业集群 {cluster_id} 没有环节 {key}")
