"""Footprints: which parts of the graph a write can change, so readers that reuse results know what to drop.

A footprint query runs with the write's own parameters, before and after it in the same transaction (the old and
the new state both count), and returns one row with `keys`. chainmap.graph.adapter renews the revision token of
each key when the write changed data. A write without a footprint renews 'graph', the key of everything: so do
the bulk loader's batches (a load is a big change anyway, and a footprint per batch cost a third of the load
rate), while the API's writes of one enterprise, relationship or introduction name their footprints.

The keys name what the ranked recommendation lists depend on (chainmap.recommendations.reuse):
- 'county:<adcode>' — the local side of a cluster: its county's enterprises (partners, existing ties) and the
  introductions into the county's clusters;
- 'partners:<adcode>' — what a node's target context reads of the county (its potential partners: who operates in
  which chain node, with type, status and group; the introductions): renewed with 'county:' only by a write that
  changes one of those, so a county firm's revenue or name moves the lists, not the contexts;
- 'industry:<code>' — the candidates: enterprises classified under a GB/T 4754 division (2 digits) or group
  (3 digits), with those of their group parent (a branch's region is the parent's Hebei presence).
A firm's write touches the division and group of each of its codes and of its parent's codes, and its county if
it is in Hebei. A node's list depends on the groups of its codes, and on their divisions only when division-level
matches had to fill it (chainmap.recommendations.reuse.NODE_LISTS reads these tokens).

A footprint may also return `firms`: the firms whose partner facts the write changed. Each 'partners:' revision
keeps a short log of its last tokens with those firms ('*' when the write did not say, or said too many), so a
reader holding a target context of an older token re-reads only the firms changed since
(chainmap.recommendations.reuse.cached_context) instead of the county's thousands of potential partners.
"""

from __future__ import annotations

from typing import LiteralString
from chainmap.vocab import HEBEI_LITERAL

# The write changes nothing a cached reader keeps (reward decisions, API keys, stored gap facts).
NOTHING: LiteralString = "RETURN [] AS keys"

# The partner log: entries 'token|uscc,uscc,...' (or 'token|*'), the newest last. Appended to the 'partners:' keys
# among `r` just renewed, from the write's `$firms` (null: not known).
_KEPT: LiteralString = "15"   # earlier entries kept beside the new one
_NAMED: LiteralString = "20"  # the most firms an entry names (a larger write reads as '*')
LOG_FIRMS = int(_NAMED)
PARTNER_LOG: LiteralString = (
    "WITH r WHERE r.id STARTS WITH 'partners:' "
    "SET r.log = coalesce(r.log, [])[-" + _KEPT + "..] + [r.token + '|' + CASE WHEN $firms IS NULL "
    "  OR size($firms) = 0 OR size($firms) > " + _NAMED + " THEN '*' "
    "  ELSE reduce(s = head($firms), f IN tail($firms) | s + ',' + f) END]"
)
# A firm's keys (`e`), plus `extra`; with `firm` when its partner facts change (null otherwise).
_FIRM_KEYS: LiteralString = (
    "WITH e, extra, firm, [(e)-[:MEMBER_OF]->(p:Enterprise) | coalesce(p.industry_codes, [])] AS parents "
    "WITH coalesce(e.industry_codes, []) + reduce(a = [], c IN parents | a + c) AS codes, e, extra, firm "
    "WITH [x IN codes | 'industry:' + left(x, 2)] + [x IN codes WHERE size(x) > 2 | 'industry:' + left(x, 3)] "
    "  + CASE WHEN e.region STARTS WITH " + HEBEI_LITERAL + " THEN ['county:' + e.region] ELSE [] END + extra AS keys, "
    "  firm "
    "UNWIND keys AS key RETURN collect(DISTINCT key) AS keys, collect(DISTINCT firm) AS firms"
)
# Before the write, a row that differs from its firm in what a potential partner is read by (a new firm, another
# region, type, status, group or set of chain nodes) adds the partner key of the old and the new county; after it,
# row and firm agree, so the union is the change's. Nulls compare as empty (a new firm has none).
ENTERPRISE_ROWS: LiteralString = (
    "UNWIND $rows AS row OPTIONAL MATCH (e:Enterprise {uscc: row.uscc}) "
    "WITH row, e, [(e)-[:OPERATES_IN]->(n:ChainNode) | n.id] AS nodes "
    "WITH row, e, CASE WHEN e IS NULL OR any(k IN ['region', 'entity_type', 'status', 'group'] "
    "    WHERE coalesce(e[k], '') <> coalesce(row.props[k], '')) "
    "  OR any(x IN row.chain_nodes WHERE NOT x IN nodes) OR any(x IN nodes WHERE NOT x IN row.chain_nodes) "
    "  THEN [x IN [e.region, row.props.region] WHERE x STARTS WITH " + HEBEI_LITERAL + " | 'partners:' + x] "
    "  ELSE [] END AS extra "
    "WITH e, extra, CASE WHEN size(extra) > 0 THEN row.uscc END AS firm " + _FIRM_KEYS
)
SUPPLY: LiteralString = (
    "UNWIND [$supplier, $customer] AS uscc OPTIONAL MATCH (e:Enterprise {uscc: uscc}) "
    "WITH e, [] AS extra, null AS firm " + _FIRM_KEYS
)

# An introduction counts for its cluster's county (its old cluster's too, were it moved).
INTRODUCTION: LiteralString = (
    "OPTIONAL MATCH (:Introduction {id: $id})-[:INTO]->(old:Cluster) "
    "OPTIONAL MATCH (new:Cluster {id: $props.cluster}) "
    "UNWIND [x IN [old.county, new.county] WHERE x IS NOT NULL | 'county:' + x] "
    "  + [x IN [old.county, new.county] WHERE x IS NOT NULL | 'partners:' + x] AS key "
    "RETURN collect(DISTINCT key) AS keys"
)
