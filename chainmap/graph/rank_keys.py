"""Rank keys: each candidate firm's classifications, ordered by a bound of the node-independent part of its score.

Every CLASSIFIED_AS relationship of an active firm outside Hebei (the only possible transfer targets) carries
`rank = '<code>|<1000000 + ceil(1e6 × static)>|<uscc>'`, where `static` bounds the score's scale, transfer and green
parts (chainmap.recommendations.score): scale from the firm's largest revenue of any year, the transfer signals as
they stand when the key is written (a recent expansion only stops counting as the years pass), green exactly. A range index
on `rank` then lists the firms of one GB/T 4754 code best first, so a recommendation reads a node's candidates in
bound order from the index instead of walking and sorting all of them (chainmap.recommendations.search).

Keys are written with the firm (chainmap.graph.loading.ENTERPRISES, for the firm, its new and its old group
parent, whose Hebei presence a branch decides) and rebuilt whole by chainmap.upkeep.rebuild_keys, which
then records the configuration they follow: readers use keys only while it is the current one. Existing ties are
not in the keys; `tie_counties` (below) tells a search which firms it must count them for.
"""

from __future__ import annotations

from typing import LiteralString
from chainmap.vocab import HEBEI_LITERAL

# The score's node-independent features, one bound per feature (chainmap.recommendations.score is the definition;
# tests check that every feature of chainmap.policy.FEATURES has exactly one Cypher bound, here or in
# chainmap.recommendations.search.NODE_BOUNDS, and that these equal the Python parts). Over `e`, `revenue`,
# `polluting` and `presence`, with the configuration as $w, $scale, $core, $recent_from, $polluting
# (chainmap.recommendations.score.key_parameters).
STATIC_BOUNDS: dict[str, LiteralString] = {
    "scale": (
        "$w.scale * CASE WHEN revenue IS NULL THEN 0.0 "
        "  WHEN revenue < $scale.threshold_cny THEN $scale.at_threshold * revenue / $scale.threshold_cny "
        "  WHEN revenue >= $scale.threshold_cny * $scale.full_at_multiple THEN 1.0 "
        "  ELSE $scale.at_threshold + (1 - $scale.at_threshold) "
        "    * log(toFloat(revenue) / $scale.threshold_cny) / log($scale.full_at_multiple) END"
    ),
    "transfer": (
        "$w.transfer * ((CASE WHEN e.bj_restricted THEN 1 ELSE 0 END) "
        "  + (CASE WHEN e.region IN $core THEN 1 ELSE 0 END) "
        "  + (CASE WHEN presence THEN 1 ELSE 0 END) + (CASE WHEN e.expansion_year >= $recent_from THEN 1 ELSE 0 END)) "
        "  / 4.0"
    ),
    "green": (
        "$w.green * CASE WHEN coalesce(e.green_factory, false) AND NOT polluting THEN 1.0 "
        "  WHEN polluting AND NOT coalesce(e.green_factory, false) THEN 0.0 ELSE 0.5 END"
    ),
}
STATIC_PART: LiteralString = "(" + ") + (".join(STATIC_BOUNDS.values()) + ")"
POLLUTING: LiteralString = "any(x IN coalesce(e.industry_codes, []) WHERE any(p IN $polluting WHERE x STARTS WITH p))"
PRESENCE: LiteralString = "any(r IN [(e)<-[:MEMBER_OF]-(b:Enterprise) | b.region] WHERE r STARTS WITH " + HEBEI_LITERAL + ")"

# The body of a unit subquery over `e`: (re)writes the keys of e's classifications, or removes them when e cannot
# be a candidate. Its classifications are read from `e` in a comprehension, so that no plan starts from the codes.
SET_KEYS: LiteralString = (
    "WITH e, reduce(m = null, v IN coalesce(e.revenue_values, []) | CASE WHEN m IS NULL OR v > m THEN v ELSE m END) "
    "  AS revenue, " + POLLUTING + " AS polluting, " + PRESENCE + " AS presence "
    "WITH e, CASE WHEN e.status = 'active' AND NOT e.region STARTS WITH " + HEBEI_LITERAL + " "
    "  THEN toString(1000000 + toInteger(ceil((" + STATIC_PART + ") * 1000000))) END AS prior "
    "UNWIND [(e)-[r:CLASSIFIED_AS]->(i:Industry) | [r, i.code]] AS classified "
    "WITH e, prior, classified[0] AS r, classified[1] AS code "
    "SET r.rank = CASE WHEN prior IS NULL THEN null ELSE code + '|' + prior + '|' + e.uscc END"
)

# Existing ties are the one feature the keys cannot bound (they depend on the county asking), and counting them
# costs a walk over the firm's SUPPLIES. So a firm outside Hebei keeps `tie_counties`, a sorted superset of the Hebei
# counties of its SUPPLIES partners, and a search counts ties only where the county is in it. A new SUPPLIES (the
# loader, the API) adds its Hebei end's county to its other end; a Hebei firm's move adds its new county to its
# partners; the rebuild sets the exact set.
# Beside it, `tie_links` bounds how many: a county once per SUPPLIES with a firm there, at most TIE_CAP times (that
# many reads "at least"). The same writes add an entry, nothing removes one, so it stays an upper bound of the ties a
# search could count, and a search counts them only for firms the bound could lift into the list (at province scale
# most firms tied to a county have one or two ties, and counting walks all of a firm's SUPPLIES). A firm whose links
# were never computed exactly (a graph loaded before them, a firm that had no Hebei partner) has none: no bound.
_CAP: LiteralString = "4"
TIE_CAP = int(_CAP)
# `x`'s `tie_counties` with county `y.region` added, in order, and one more link to it while there are links to add to.
_ADD_COUNTY: LiteralString = (
    "SET x.tie_counties = [t IN coalesce(x.tie_counties, []) WHERE t < y.region] + y.region "
    "  + [t IN coalesce(x.tie_counties, []) WHERE t > y.region], "
    "  x.tie_links = CASE WHEN x.tie_links IS NULL OR size([t IN x.tie_links WHERE t = y.region]) >= " + _CAP + " "
    "    THEN x.tie_links ELSE x.tie_links + y.region END"
)


def tie_share(ties: LiteralString) -> LiteralString:
    """The share of the ties weight that `ties` existing ties earn (full at `$ties_full`), as the score gives it."""
    return "CASE WHEN " + ties + " >= $ties_full THEN 1.0 ELSE " + ties + " / toFloat($ties_full) END"


# How far `e`'s links to `$county` can lift its ties: the share an exact count equal to the links would earn.
_LINKS: LiteralString = "size([t IN e.tie_links WHERE t = $county])"
TIE_BOUND: LiteralString = (
    "CASE WHEN e.tie_links IS NULL OR " + _LINKS + " >= " + _CAP + " THEN 1.0 ELSE " + tie_share(_LINKS) + " END"
)
# After a statement that wrote a SUPPLIES between `s` and `c`.
NOTE_TIES: LiteralString = (
    "WITH s, c UNWIND [[s, c], [c, s]] AS pair WITH pair[0] AS x, pair[1] AS y "
    "WHERE y.region STARTS WITH " + HEBEI_LITERAL + " AND NOT coalesce(x.region, '') STARTS WITH " + HEBEI_LITERAL + " " + _ADD_COUNTY
)
# After a MERGE of SUPPLIES `r` that marks a created one `ON CREATE SET r.__new = true`: only a new relationship adds
# a link, so writing the same rows again (a reload, a re-import) leaves the firms as they were.
NOTE_NEW_TIES: LiteralString = "WITH s, c, r WHERE r.__new IS NOT NULL REMOVE r.__new " + NOTE_TIES
# The body of a unit subquery over `n`, a firm just written, and `before`, its properties before the write. Only a
# Hebei firm's move matters: no firm enters or leaves Hebei (its region must lie in the province of the authority
# that issued its USCC: chainmap.enterprises, chainmap.loading.formats), so an outside firm's own tie sets never
# change by a move. As in every statement here that looks at a firm's partners, they are read from the firm and
# filtered afterwards: given a predicate on them, the planner of a freshly loaded graph sometimes started from all
# the firms it matched instead.
MOVED_TIES: LiteralString = (
    "WITH n AS y WHERE y.region STARTS WITH " + HEBEI_LITERAL + " AND coalesce(before.region, '') <> y.region "
    "UNWIND [x IN [(y)-[:SUPPLIES]-(x:Enterprise) | x] WHERE NOT x.region STARTS WITH " + HEBEI_LITERAL + "] AS x " + _ADD_COUNTY
)
# `e`'s exact tie sets: its partners' Hebei counties, and a link per SUPPLIES with each (at most TIE_CAP). The
# partners' regions are read from the firm and filtered afterwards: with the filter inside the pattern, the
# planner of a freshly loaded graph sometimes sought every Hebei firm through the region index and joined them to
# each firm (a batch of 5,000 seed firms then took 20 s instead of 0.4 s).
# The firm is locked before its SUPPLIES are read: a SUPPLIES a concurrent write creates (which locks both ends and
# then adds its link) is then either read here or added after this write, never overwritten by an older count.
_EXACT_TIES: LiteralString = (
    "SET e.__lock = true REMOVE e.__lock "
    "WITH e CALL (e) { UNWIND [r IN [(e)-[:SUPPLIES]-(l:Enterprise) | l.region] WHERE r STARTS WITH " + HEBEI_LITERAL + "] AS county "
    "  WITH county, count(*) AS n ORDER BY county "
    "  RETURN collect(county) AS counties, "
    "    reduce(a = [], p IN collect([county, CASE WHEN n < " + _CAP + " THEN n ELSE " + _CAP + " END]) "
    "      | a + [i IN range(1, p[1]) | p[0]]) AS links } "
    "SET e.tie_counties = counties, e.tie_links = links "
)
KEYS_OF: LiteralString = (
    "UNWIND $rows AS uscc MATCH (e:Enterprise {uscc: uscc}) " + _EXACT_TIES + "WITH e "
    "CALL (e) { " + SET_KEYS + " }"
)
# The tie sets of the firms outside Hebei among `$rows` made exact (a bulk load's repeated 协作配套 rows).
TIES_OF: LiteralString = (
    "UNWIND $rows AS uscc MATCH (e:Enterprise {uscc: uscc}) WHERE NOT coalesce(e.region, '') STARTS WITH "
    + HEBEI_LITERAL + " " + _EXACT_TIES
)
OUTSIDE_HEBEI: LiteralString = (
    "MATCH (e:Enterprise) WHERE e.region IS NOT NULL AND NOT e.region STARTS WITH " + HEBEI_LITERAL + " RETURN e.uscc AS uscc"
)
# Keys left on firms that can no longer be candidates (moved into Hebei) are dropped by the rebuild.
STALE_KEYS: LiteralString = (
    "MATCH (e:Enterprise)-[r:CLASSIFIED_AS]->() WHERE r.rank IS NOT NULL AND e.region STARTS WITH " + HEBEI_LITERAL + " "
    "SET r.rank = null"
)
MARKER: LiteralString = "OPTIONAL MATCH (m:Revision {id: 'rank-keys'}) RETURN m.version AS version"
SET_MARKER: LiteralString = "MERGE (m:Revision {id: 'rank-keys'}) SET m.version = $version"
