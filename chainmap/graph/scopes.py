"""Scope queries: which parts of the graph a write can change, so cached readers know what to drop.

A scope query runs with the write's own parameters, before and after it in the same transaction (the old and the
new state both count), and returns one row with `keys`. chainmap.graph.adapter renews the token of each key when
the write changed data. A write without a scope query renews 'graph', the scope of everything.

The keys name what the ranked recommendation lists depend on (chainmap.recommendations):
- 'county:<adcode>' — the local side of a cluster: its county's enterprises (partners, existing ties) and the
  introductions into the county's clusters;
- 'division:<2 digits>' — the candidates: enterprises classified in a GB/T 4754 division, with the division of
  their group parent (a branch's region is the parent's Hebei presence).
A firm's write touches the divisions of its codes and of its parent's codes, and its region if it is in Hebei.
"""

from __future__ import annotations

from typing import LiteralString

# The write changes nothing a cached reader keeps (reward decisions, API keys, stored gap facts).
NOTHING: LiteralString = "RETURN [] AS keys"

_FIRM_KEYS: LiteralString = (
    "WITH e, [(e)-[:MEMBER_OF]->(p:Enterprise) | coalesce(p.industry_codes, [])] AS parents "
    "WITH [x IN coalesce(e.industry_codes, []) + reduce(a = [], c IN parents | a + c) | 'division:' + left(x, 2)] "
    "  + CASE WHEN e.region STARTS WITH '13' THEN ['county:' + e.region] ELSE [] END AS keys "
    "UNWIND keys AS key RETURN collect(DISTINCT key) AS keys"
)
ENTERPRISE_ROWS: LiteralString = "UNWIND $rows AS row OPTIONAL MATCH (e:Enterprise {uscc: row.uscc}) " + _FIRM_KEYS
SUPPLY_ROWS: LiteralString = (
    "UNWIND $rows AS row UNWIND [row.supplier, row.customer] AS uscc OPTIONAL MATCH (e:Enterprise {uscc: uscc}) "
    + _FIRM_KEYS
)
SUPPLY: LiteralString = "UNWIND [$supplier, $customer] AS uscc OPTIONAL MATCH (e:Enterprise {uscc: uscc}) " + _FIRM_KEYS

_INTRODUCTION_KEYS: LiteralString = (
    "OPTIONAL MATCH (:Introduction {id: row.id})-[:INTO]->(old:Cluster) "
    "OPTIONAL MATCH (new:Cluster {id: row.props.cluster}) "
    "UNWIND [x IN [old.county, new.county] WHERE x IS NOT NULL | 'county:' + x] AS key "
    "RETURN collect(DISTINCT key) AS keys"
)
INTRODUCTION_ROWS: LiteralString = "UNWIND $rows AS row " + _INTRODUCTION_KEYS
INTRODUCTION: LiteralString = "WITH {id: $id, props: $props} AS row " + _INTRODUCTION_KEYS

# Per chain node of a cluster, the current tokens of the scopes its ranked list depends on, as [key, token] pairs:
# `local` (the whole graph and the cluster's county) and `industry` (the divisions of the node's codes).
NODE_TOKENS: LiteralString = (
    "MATCH (c:Cluster {id: $cluster})-[:HAS_NODE]->(n:ChainNode) WHERE n.id IN $nodes "
    "WITH n, ['graph', 'county:' + c.county] AS local, "
    "  [x IN coalesce(n.industry_codes, []) | 'division:' + left(x, 2)] AS industry "
    "CALL (local) { UNWIND local AS key OPTIONAL MATCH (r:Revision {id: key}) RETURN collect([key, r.token]) AS lt } "
    "CALL (industry) { UNWIND industry AS key WITH DISTINCT key ORDER BY key "
    "  OPTIONAL MATCH (r:Revision {id: key}) RETURN collect([key, r.token]) AS it } "
    "RETURN n.id AS id, lt AS local, it AS industry"
)
