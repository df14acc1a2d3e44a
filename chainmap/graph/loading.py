"""Cypher for the bulk loader: idempotent `UNWIND $rows … MERGE` per kind, values only as parameters.

Each node statement returns how many rows created a node and how many changed an existing one, by
comparing the node's properties before and after the SET (re-running a load reports 0 and 0).
"""

from __future__ import annotations

from typing import LiteralString

from chainmap.graph.adapter import Graph
from chainmap.graph.rank_keys import MOVED_TIES, NOTE_NEW_TIES, SET_KEYS

_COUNT: LiteralString = (
    "RETURN sum(CASE WHEN before.__new IS NOT NULL THEN 1 ELSE 0 END) AS created, "
    "sum(CASE WHEN before.__new IS NULL AND before <> after THEN 1 ELSE 0 END) AS updated"
)

# MERGE … ON CREATE marks a fresh node so `before` can tell created from existing; the mark is removed at once.
REGIONS: LiteralString = (
    "UNWIND $rows AS row MERGE (n:Region {adcode: row.adcode}) ON CREATE SET n.__new = true "
    "WITH n, row, properties(n) AS before SET n += row.props REMOVE n.__new "
    "WITH before, properties(n) AS after " + _COUNT
)
REGION_PARENTS: LiteralString = (
    "UNWIND $rows AS row MATCH (n:Region {adcode: row.adcode}) "
    "OPTIONAL MATCH (n)-[old:PART_OF]->(p) WHERE p.adcode <> coalesce(row.props.parent, '') DELETE old "
    "WITH DISTINCT n, row WHERE row.props.parent IS NOT NULL "
    "MATCH (p:Region {adcode: row.props.parent}) MERGE (n)-[:PART_OF]->(p)"
)
INDUSTRIES: LiteralString = (
    "UNWIND $rows AS row MERGE (n:Industry {code: row.code}) ON CREATE SET n.__new = true "
    "WITH n, row, properties(n) AS before SET n += row.props REMOVE n.__new "
    "WITH before, properties(n) AS after " + _COUNT
)
INDUSTRY_PARENTS: LiteralString = (
    "UNWIND $rows AS row MATCH (n:Industry {code: row.code}) "
    "OPTIONAL MATCH (n)-[old:IN]->(p) WHERE p.code <> coalesce(row.props.parent, '') DELETE old "
    "WITH DISTINCT n, row WHERE row.props.parent IS NOT NULL "
    "MATCH (p:Industry {code: row.props.parent}) MERGE (n)-[:IN]->(p)"
)
CLUSTERS: LiteralString = (
    "UNWIND $rows AS row MERGE (n:Cluster {id: row.id}) ON CREATE SET n.__new = true "
    "WITH n, row, properties(n) AS before SET n += row.props REMOVE n.__new "
    "WITH n, row, before, properties(n) AS after "
    "CALL (n, row) { MATCH (n)-[old:LOCATED_IN]->(r) WHERE r.adcode <> row.props.county DELETE old } "
    "MATCH (r:Region {adcode: row.props.county}) MERGE (n)-[:LOCATED_IN]->(r) "
    "WITH before, after " + _COUNT
)
CHAIN_NODES: LiteralString = (
    "UNWIND $rows AS row MATCH (c:Cluster {id: row.props.cluster}) "
    "MERGE (n:ChainNode {id: row.id}) ON CREATE SET n.__new = true "
    "WITH c, n, row, properties(n) AS before SET n += row.props REMOVE n.__new "
    "WITH c, n, row, before, properties(n) AS after "
    "MERGE (c)-[:HAS_NODE]->(n) "
    "WITH n, row, before, after "
    "CALL (n, row) { MATCH (n)-[old:CLASSIFIED_AS]->(i) WHERE NOT i.code IN row.props.industry_codes DELETE old } "
    "FOREACH (code IN row.props.industry_codes | MERGE (i:Industry {code: code}) MERGE (n)-[:CLASSIFIED_AS]->(i)) "
    "WITH before, after " + _COUNT
)
FEEDS: LiteralString = (
    "UNWIND $rows AS row MATCH (a:ChainNode {id: row.source}) MATCH (b:ChainNode {id: row.target}) "
    "MERGE (a)-[r:FEEDS]->(b) SET r.kind = row.kind"
)
SUPPORTS: LiteralString = (
    "UNWIND $rows AS row MATCH (a:ChainNode {id: row.source}) MATCH (b:ChainNode {id: row.target}) "
    "MERGE (a)-[:SUPPORTS]->(b)"
)
MARKS: LiteralString = (
    "UNWIND $rows AS row MATCH (n:ChainNode {id: row.node_id}) "
    "WITH n, row, properties(n) AS before "
    "SET n.mark = row.mark, n.mark_reason = row.reason, n.mark_source = row.source, "
    "  n.mark_source_title = row.source_title, n.mark_source_date = row.source_date, n.mark_by = row.by "
    "WITH before, properties(n) AS after "
    "RETURN 0 AS created, sum(CASE WHEN before <> after THEN 1 ELSE 0 END) AS updated"
)
# Group (parent/controlling enterprise) may come later in the same file: MERGE makes a placeholder that
# its own row fills; validation has already proved it is in the file or the graph. The rank keys of the firm and
# of its new and old parent (a branch in Hebei is the parent's presence) are rewritten in the same statement, with
# the configuration as parameters (chainmap.recommendations.score.key_parameters).
ENTERPRISES: LiteralString = (
    "UNWIND $rows AS row MERGE (n:Enterprise {uscc: row.uscc}) ON CREATE SET n.__new = true "
    "WITH n, row, properties(n) AS before SET n += row.props REMOVE n.__new "
    "WITH n, row, before, properties(n) AS after "
    "CALL (n, row) { OPTIONAL MATCH (n)-[:MEMBER_OF]->(t) WHERE t.uscc <> coalesce(row.props.group, '') "
    "  RETURN collect(t) AS left } "
    "CALL (n, row) { MATCH (n)-[old:OPERATES_IN|CLASSIFIED_AS|MEMBER_OF]->(t) "
    "  WHERE (old:OPERATES_IN AND NOT t.id IN row.chain_nodes) "
    "     OR (old:CLASSIFIED_AS AND NOT t.code IN row.props.industry_codes) "
    "     OR (old:MEMBER_OF AND t.uscc <> coalesce(row.props.group, '')) DELETE old } "
    "FOREACH (id IN row.chain_nodes | MERGE (c:ChainNode {id: id}) "
    "  MERGE (n)-[o:OPERATES_IN]->(c) ON CREATE SET o.evidence = row.evidence, o.confidence = 1.0) "
    "FOREACH (code IN row.props.industry_codes | MERGE (i:Industry {code: code}) MERGE (n)-[:CLASSIFIED_AS]->(i)) "
    "FOREACH (g IN CASE WHEN row.props.group IS NULL THEN [] ELSE [row.props.group] END | "
    "  MERGE (p:Enterprise {uscc: g}) ON CREATE SET p.__new = true MERGE (n)-[:MEMBER_OF]->(p)) "
    "WITH n, left, before, after "
    "CALL (n, before) { " + MOVED_TIES + " } "
    "CALL (n, left) { UNWIND [n] + left + [(n)-[:MEMBER_OF]->(p:Enterprise) | p] AS e WITH DISTINCT e "
    "  CALL (e) { " + SET_KEYS + " } } "
    "WITH before, after " + _COUNT
)
# New firms claim their USCC with CREATE first, in the same transaction as the statement above that fills them: the
# uniqueness constraint on Enterprise.uscc makes a concurrent create of the same code wait for the first and then
# fail (ConstraintError -> Conflict), so two writers can never both create, nor the second silently overwrite the
# first. recorded_on: when the firm entered the graph, the start of its life in as-of answers when no registration
# date is known (chainmap.gaps.as_of).
CLAIM: LiteralString = (
    "UNWIND $rows AS row CREATE (:Enterprise {uscc: row.uscc, recorded_on: date()}) WITH count(*) AS claimed "
)
# A write that sends a firm back whole as it was read (a PATCH with its changes applied, an import row merged with the
# stored firm) must not undo a change made in between by another officer. Under each firm's lock, every field in
# `row.read` (the fields the write does not set itself, as read) and, when `row.nodes` is given, the chain links must
# still be as read; otherwise the write is refused with what moved and the firms. A field the graph lacks reads as
# empty (no codes, no revenue, not synthetic): a bulk-loaded firm omits them.
UNCHANGED: LiteralString = (
    "UNWIND $rows AS row MATCH (e:Enterprise {uscc: row.uscc}) WHERE row.read IS NOT NULL "
    "SET e.__lock = true REMOVE e.__lock "
    "WITH e, row, [k IN keys(row.read) WHERE NOT coalesce(e[k] = row.read[k], "
    "  e[k] IS NULL AND (row.read[k] IS NULL OR row.read[k] IN [[], false]))] AS moved, "
    "  COLLECT { MATCH (e)-[:OPERATES_IN]->(n:ChainNode) RETURN n.id } AS nodes "
    "WITH e, moved + CASE WHEN row.nodes IS NOT NULL AND (size(nodes) <> size(row.nodes) "
    "  OR any(x IN nodes WHERE NOT x IN row.nodes)) THEN ['chain_nodes'] ELSE [] END AS moved "
    "WHERE moved <> [] "
    "WITH collect({uscc: e.uscc, changed: moved}) AS firms "
    "RETURN CASE WHEN firms = [] THEN null ELSE {changed: firms[0].changed, firms: [f IN firms | f.uscc]} END AS clash"
)
# Firms a write found absent when it planned them (`row.new`) must still be so: MERGE takes the code's lock (a
# concurrent create waits, or is waited for), and a firm with a name is one somebody created in between, which the
# write would otherwise overwrite. A nameless node (a group parent known only by its code) is filled as before.
UNTAKEN: LiteralString = (
    "UNWIND [row IN $rows WHERE row.new] AS row MERGE (e:Enterprise {uscc: row.uscc}) "
    "WITH e WHERE e.name IS NOT NULL WITH collect(e.uscc) AS taken "
    "RETURN CASE WHEN taken = [] THEN null ELSE {taken: taken} END AS clash"
)
SUPPLIES: LiteralString = (
    "UNWIND $rows AS row MATCH (s:Enterprise {uscc: row.supplier}) MATCH (c:Enterprise {uscc: row.customer}) "
    "MERGE (s)-[r:SUPPLIES {kind: row.kind, since: row.since}]->(c) ON CREATE SET r.__new = true "
    "SET r.until = row.until, r.evidence = row.evidence " + NOTE_NEW_TIES
)
INTRODUCTIONS: LiteralString = (
    "UNWIND $rows AS row MERGE (n:Introduction {id: row.id}) ON CREATE SET n.__new = true "
    "WITH n, row, properties(n) AS before SET n += row.props REMOVE n.__new "
    "WITH n, row, before, properties(n) AS after "
    "CALL (n, row) { MATCH (n)-[old:OF|INTO]->(t) "
    "  WHERE (old:OF AND t.uscc <> row.props.enterprise) OR (old:INTO AND t.id <> row.props.cluster) DELETE old } "
    "MATCH (e:Enterprise {uscc: row.props.enterprise}) MATCH (c:Cluster {id: row.props.cluster}) "
    "MERGE (n)-[:OF]->(e) MERGE (n)-[:INTO]->(c) "
    "WITH before, after " + _COUNT
)

KNOWN_KEYS: dict[str, LiteralString] = {
    "region": "MATCH (n:Region) RETURN n.adcode AS key",
    "industry": "MATCH (n:Industry) RETURN n.code AS key",
    "cluster": "MATCH (n:Cluster) RETURN n.id AS key",
    "chain_node": "MATCH (n:ChainNode) RETURN n.id AS key",
}
EXISTING_ENTERPRISES: LiteralString = (
    "UNWIND $keys AS key MATCH (n:Enterprise {uscc: key}) WHERE n.name IS NOT NULL RETURN n.uscc AS key"
)
EXISTING_INTRODUCTIONS: LiteralString = "UNWIND $keys AS key MATCH (n:Introduction {id: key}) RETURN n.id AS key"
COUNT_CLUSTERS: LiteralString = "MATCH (c:Cluster) RETURN count(c) AS n"
# Both counts come from the store's counts, not a scan.
GRAPH_SIZE: LiteralString = (
    "CALL () { MATCH (e:Enterprise) RETURN count(e) AS firms } "
    "CALL () { MATCH ()-[r:SUPPLIES]->() RETURN count(r) AS supplies } RETURN firms + supplies AS n"
)


def known_keys(graph: Graph, kind: str) -> set[str]:
    """All keys of a small reference kind already in the graph."""
    return {row["key"] for row in graph.read(KNOWN_KEYS[kind])}


def existing(graph: Graph, kind: str, keys: list[str]) -> set[str]:
    """Which of `keys` exist in the graph (for kinds too large to fetch whole)."""
    queries: dict[str, LiteralString] = {"enterprise": EXISTING_ENTERPRISES, "introduction": EXISTING_INTRODUCTIONS}
    query = queries[kind]
    found: set[str] = set()
    for start in range(0, len(keys), 10000):
        found |= {row["key"] for row in graph.read(query, keys=keys[start:start + 10000])}
    return found


def graph_size(graph: Graph) -> int:
    """Firms and 协作配套 in the graph."""
    return graph.read(GRAPH_SIZE)[0]["n"]


def graph_is_empty(graph: Graph) -> bool:
    return graph.read(COUNT_CLUSTERS)[0]["n"] == 0
