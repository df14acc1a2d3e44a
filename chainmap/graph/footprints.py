"""Footprints: which parts of the graph a write can change, so readers that reuse results know what to drop.

A footprint query runs with the write's own parameters, before and after it in the same transaction (the old and
the new state both count), and returns one row with `keys`. chainmap.graph.adapter renews the revision token of
each key when the write changed data. A write without a footprint renews 'graph', the key of everything: so do
the bulk loader's batches (a load is a big change anyway, and a footprint per batch cost a third of the load
rate), while the API's writes of one enterprise, relationship or introduction name their footprints.

The keys name what the ranked recommendation lists depend on (chainmap.recommendations.reuse):
- 'county:<adcode>' — the local side of a cluster: its county's enterprises (partners, existing ties) and the
  introductions into the county's clusters;
- 'industry:<code>' — the candidates: enterprises classified under a GB/T 4754 division (2 digits) or group
  (3 digits), with those of their group parent (a branch's region is the parent's Hebei presence).
A firm's write touches the division and group of each of its codes and of its parent's codes, and its county if
it is in Hebei. A node's list depends on the groups of its codes, and on their divisions only when division-level
matches had to fill it (chainmap.recommendations.reuse.NODE_LISTS reads these tokens).
"""

from __future__ import annotations

from typing import LiteralString
from chainmap.vocab import HEBEI_LITERAL

# The write changes nothing a cached reader keeps (reward decisions, API keys, stored gap facts).
NOTHING: LiteralString = "RETURN [] AS keys"

_FIRM_KEYS: LiteralString = (
    "WITH e, [(e)-[:MEMBER_OF]->(p:Enterprise) | coalesce(p.industry_codes, [])] AS parents "
    "WITH coalesce(e.industry_codes, []) + reduce(a = [], c IN parents | a + c) AS codes, e "
    "WITH [x IN codes | 'industry:' + left(x, 2)] + [x IN codes WHERE size(x) > 2 | 'industry:' + left(x, 3)] "
    "  + CASE WHEN e.region STARTS WITH " + HEBEI_LITERAL + " THEN ['county:' + e.region] ELSE [] END AS keys "
    "UNWIND keys AS key RETURN collect(DISTINCT key) AS keys"
)
ENTERPRISE_ROWS: LiteralString = "UNWIND $rows AS row OPTIONAL MATCH (e:Enterprise {uscc: row.uscc}) " + _FIRM_KEYS
SUPPLY: LiteralString = "UNWIND [$supplier, $customer] AS uscc OPTIONAL MATCH (e:Enterprise {uscc: uscc}) " + _FIRM_KEYS

# An introduction counts for its cluster's county (its old cluster's too, were it moved).
INTRODUCTION: LiteralString = (
    "OPTIONAL MATCH (:Introduction {id: $id})-[:INTO]->(old:Cluster) "
    "OPTIONAL MATCH (new:Cluster {id: $props.cluster}) "
    "UNWIND [x IN [old.county, new.county] WHERE x IS NOT NULL | 'county:' + x] AS key "
    "RETURN collect(DISTINCT key) AS keys"
)
