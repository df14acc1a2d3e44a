"""Which counties a write reaches through the objects its body refers to (issue 14, item 2).

Authorisation looked only at the object a path names. A body can refer to more: an enterprise's `chain_nodes` link it
into other clusters' chains (and change those nodes' status), and an introduced firm's revenue, status, type, group or
region decide another county's reward check. These lookups give the counties whose editors must consent; the rules
themselves are in chainmap.auth.
"""

from __future__ import annotations

from typing import LiteralString

from chainmap.graph import Graph

NODE_COUNTIES: LiteralString = (
    "UNWIND $ids AS id MATCH (c:Cluster)-[:HAS_NODE]->(n:ChainNode {id: id}) RETURN n.id AS id, c.county AS county"
)
# A firm decides a county's check as the introduced entity (OF) and as the investor a local project company's check
# takes for the enterprise (县域外, revenue: chainmap.rewards.rule).
INTRODUCTION_COUNTIES: LiteralString = (
    "UNWIND $usccs AS uscc "
    "CALL (uscc) { MATCH (:Enterprise {uscc: uscc})<-[:OF]-(:Introduction)-[:INTO]->(c:Cluster) RETURN c.county AS county "
    "  UNION MATCH (:Introduction {investor: uscc})-[:INTO]->(c:Cluster) RETURN c.county AS county } "
    "RETURN uscc, collect(DISTINCT county) AS counties"
)
# Fields of an enterprise that a 三(三)6 reward check reads (chainmap.reward_checks.FACTS and the partner rules).
REWARD_FACTS = ("revenue_cny", "status", "entity_type", "group", "region")


def chain_node_counties(graph: Graph, node_ids: list[str]) -> dict[str, str]:
    """{chain node id: the county of the cluster whose chain it belongs to}."""
    if not node_ids:
        return {}
    return {r["id"]: r["county"] for r in graph.read(NODE_COUNTIES, ids=sorted(set(node_ids)))}


def introduction_counties(graph: Graph, usccs: list[str]) -> dict[str, list[str]]:
    """{enterprise: counties of the clusters it is introduced into, or whose introductions name it as the investor},
    for the enterprises that have such introductions."""
    if not usccs:
        return {}
    return {r["uscc"]: sorted(r["counties"]) for r in graph.read(INTRODUCTION_COUNTIES, usccs=sorted(set(usccs)))}
