"""The search for a node's best Beijing/Tianjin candidates: bound Cypher, the rank-key threshold search, the walk.

A node's industry groups can hold thousands of Beijing/Tianjin firms at province scale, and a fresh list must not
cost a walk over all of them. Every classification of a firm that could be a target carries a rank key: its code
and a bound of the node-independent part of its score (chainmap.graph.rank_keys), kept by every enterprise write.
The search reads each code of the node's groups from the key's range index best first, a few keys at a time, scores
the candidates that can still enter exactly in Python, and stops once no unread key can beat the k-th score (a
threshold search). Existing ties, which the keys cannot bound, are counted while reading, for the firms whose
`tie_counties` hold the node's county.

The walk it replaced remains for keys that follow another configuration (until `python -m chainmap cache renew`),
for division-level matches, which only fill a short list, and for tests: it ranks every candidate the node's groups
reach in Cypher by a bound of the whole score and reads them lazily in that order. Tests check that both give the
list of scoring every candidate.
"""

from __future__ import annotations

import math
from typing import Any, LiteralString

from chainmap.graph import Graph
from chainmap.graph.rank_keys import POLLUTING, PRESENCE, STATIC_PART, TIE_BOUND, tie_share
from chainmap.geo import haversine_km
from chainmap.recommendations.score import Candidate, Target, key_parameters, rank
from chainmap.recommendations.target import Request, target_context


# Candidates classified in the node's classes or their groups (tier 1), or only in the same divisions (tier 2).
# The walk starts at the node's Industry nodes: it never scans all enterprises. The filters come after the DISTINCT
# horizon and the per-firm lookups are pattern comprehensions, both anchored at the firm: with predicates the
# planner could serve from an index (status, region) it sometimes chose to seek every active or Hebei enterprise
# and join, hundreds of times slower (seen on the test graph).
_NEAR: LiteralString = (
    "MATCH (:ChainNode {id: $node})-[:CLASSIFIED_AS]->(:Industry)-[:IN]->(g:Industry) WITH DISTINCT g "
    "MATCH (g)<-[:IN*0..1]-(:Industry)<-[:CLASSIFIED_AS]-(e:Enterprise) "
)
_DIVISION: LiteralString = (
    "MATCH (:ChainNode {id: $node})-[:CLASSIFIED_AS]->(:Industry)-[:IN]->(:Industry)-[:IN]->(d:Industry) "
    "WITH DISTINCT d MATCH (d)<-[:IN*2]-(:Industry)<-[:CLASSIFIED_AS]-(e:Enterprise) "
)
# The whole-score bound (below) is never below chainmap.recommendations.score.score (a test checks every seed
# candidate). Every feature is exact but existing ties, which count as full when the firm has any SUPPLIES with the
# county (counting them per candidate is the expensive part).
_CANDIDATE: LiteralString = (
    "e.status = 'active' AND any(p IN $origins WHERE e.region STARTS WITH p) AND e.region <> $county "
    "AND NOT e.uscc IN $introduced"
)
CANDIDATE_FILTER: LiteralString = "WITH DISTINCT e WHERE " + _CANDIDATE + " "
_REVENUE: LiteralString = (
    "[i IN range(0, size(coalesce(e.revenue_years, [])) - 1) WHERE e.revenue_years[i] = $year | e.revenue_values[i]][0]"
)
# Existing ties: `e`'s SUPPLIES in force on `$today` (an ended one is no tie to ask for help) with entities of the
# county operating in the cluster (what score() counts). The partners are read from `e` and filtered afterwards, so
# the planner cannot start from the county's firms instead. `tie_counties` and the bound below stay supersets.
_TIES: LiteralString = (
    "size([l IN [(e)-[s:SUPPLIES]-(l:Enterprise) WHERE s.until IS NULL OR s.until >= $today | l] WHERE l.region = $county "
    "  AND EXISTS { (l)-[:OPERATES_IN]->(:ChainNode {cluster: $cluster}) }])"
)
# What the exact score needs of a candidate `e` (its district's centroid as `r`): as columns, or as one map.
_FIRM: LiteralString = (
    "e {.uscc, .name, .region, .industry_codes, .products, .revenue_years, .revenue_values, "
    "  .bj_restricted, .expansion_year, .green_factory}"
)
_DETAILS: LiteralString = (
    "RETURN " + _FIRM + " AS e, r.lon AS lon, r.lat AS lat, " + PRESENCE + " AS presence, " + _TIES + " AS ties"
)
_DETAIL: LiteralString = (
    "{e: " + _FIRM + ", lon: r.lon, lat: r.lat, presence: " + PRESENCE + ", ties: " + _TIES + "}"
)
# The bound of the node-dependent features, one term per feature of chainmap.policy.FEATURES that the rank keys do
# not bound (chainmap.graph.rank_keys.STATIC_BOUNDS has the others; a unit test checks that together they cover every
# feature once). Over `e` and `fit`, with distance and partners precomputed in Python ($distance per origin
# district, $partners_share: the shared count bounds a firm with a branch among the partners).
NODE_BOUNDS: dict[str, LiteralString] = {
    "industry_fit": (
        "$w.industry_fit * CASE WHEN fit = 0 THEN 0.0 "
        "  WHEN NOT any(k IN $keywords WHERE k <> '' AND coalesce(e.products, '') CONTAINS k) THEN fit "
        "  WHEN fit + $fit.keyword_bonus > 1 THEN 1.0 ELSE fit + $fit.keyword_bonus END"
    ),
    "partners": "$w.partners * $partners_share",
    "distance": "$w.distance * coalesce($distance[e.region], 1.0)",
    "ties": "CASE WHEN any(r IN [(e)-[:SUPPLIES]-(l:Enterprise) | l.region] WHERE r = $county) THEN $w.ties ELSE 0.0 END",
}
_BOUNDED: LiteralString = CANDIDATE_FILTER + (
    "WITH e, coalesce(e.industry_codes, []) AS codes, " + _REVENUE + " AS revenue "
    "WHERE $min_revenue IS NULL OR coalesce(revenue, 0) >= $min_revenue "
    "WITH e, revenue, CASE "
    "  WHEN any(x IN codes WHERE x IN $codes) THEN $fit.class "
    "  WHEN any(x IN codes WHERE any(y IN $codes WHERE left(x, 3) = left(y, 3))) THEN $fit.group "
    "  WHEN any(x IN codes WHERE any(y IN $codes WHERE left(x, 2) = left(y, 2))) THEN $fit.division "
    "  ELSE 0.0 END AS fit, " + POLLUTING + " AS polluting, " + PRESENCE + " AS presence "
    "WITH e, (" + ") + (".join(NODE_BOUNDS.values()) + ") + " + STATIC_PART + " AS bound "
    "ORDER BY bound DESC, e.uscc "
    "MATCH (r:Region {adcode: e.region}) " + _DETAILS + ", bound"
)
CANDIDATES_NEAR: LiteralString = _NEAR + _BOUNDED
CANDIDATES_DIVISION: LiteralString = _DIVISION + _BOUNDED
# The rank-key search (chainmap.graph.rank_keys). Per lane (one GB/T 4754 code of the node's groups), the next
# `$take` classifications below the lane's cursor, best static bound first, straight from the range index: how many
# were read, the last key, and the firms that pass the candidate filter and can still enter the list: their static
# bound plus their existing ties reaches the lane's `need` (ties are the one feature the keys cannot bound, as they
# depend on the county; counted only for firms whose `tie_counties` hold it and whose `tie_links` could lift them
# far enough: at 8M entities most tied firms below the k-th score have one or two ties, and counting walks every
# SUPPLIES of the firm), with what the score needs of those not scored in an earlier round ($seen): one round trip
# per round, which at province scale is most of a fresh list's time.
_ELIGIBLE: LiteralString = (
    _CANDIDATE + " AND ($min_revenue IS NULL OR coalesce(" + _REVENUE + ", 0) >= $min_revenue)"
)
LANE_ROWS: LiteralString = (
    "UNWIND $lanes AS lane "
    "CALL (lane) { MATCH (e:Enterprise)-[k:CLASSIFIED_AS]->(:Industry) WHERE k.rank > lane.low AND k.rank < lane.high "
    "  WITH e, k.rank AS key ORDER BY key DESC LIMIT $take RETURN e, key } "
    "WITH lane, key, e, (toInteger(split(key, '|')[1]) - 1000000) / 1000000.0 AS prior "
    # reach 2: at or above the need; 1: in the band below it, tied to the county far enough; 0: cannot enter. Only
    # firms that can are checked further (most keys read are in the band and untied: 2.5 of 11–16 ms at 8M).
    "WITH lane, key, e, prior, CASE WHEN lane.need IS NULL OR prior >= lane.need THEN 2 "
    "  WHEN prior + $w.ties >= lane.need AND $county IN coalesce(e.tie_counties, []) "
    "    AND prior + $w.ties * " + TIE_BOUND + " >= lane.need THEN 1 ELSE 0 END AS reach "
    "WITH lane, key, e, prior, reach, CASE WHEN reach > 0 THEN " + _ELIGIBLE + " ELSE false END AS eligible "
    "WITH lane, key, e, prior, reach, eligible, CASE WHEN eligible AND reach = 1 THEN " + _TIES + " ELSE 0 END AS ties "
    "WITH lane, key, e, eligible AND (reach = 2 OR prior + $w.ties * " + tie_share("ties") + " >= lane.need) AS enters "
    "WITH lane, count(*) AS read, min(key) AS last, collect(CASE WHEN enters AND NOT e.uscc IN $seen THEN e END) AS enter "
    "CALL (enter) { UNWIND enter AS e MATCH (r:Region {adcode: e.region}) RETURN collect(" + _DETAIL + ") AS details } "
    "RETURN lane.code AS lane, read, last, details"
)
DETAILS: LiteralString = (
    "UNWIND $usccs AS uscc MATCH (e:Enterprise {uscc: uscc}) MATCH (r:Region {adcode: e.region}) " + _DETAILS
)
# Float rounding between Java's and Python's arithmetic, and the 6-decimal rounding of scores.
_SLACK = 1e-5


def _bound_parameters(target: Target, context: dict[str, Any], req: Request) -> dict[str, Any]:
    """The score's configuration as query parameters, with the exact distance and partner parts precomputed."""
    cfg, today = req.config, req.today
    zero_at = cfg["distance"]["zero_at_km"]
    distance = {adcode: max(0.0, 1 - haversine_km(lon, lat, target.lon, target.lat) / zero_at)
                for adcode, lon, lat in context["origin_points"]}
    partners = target.partners.shared
    return {**key_parameters(cfg, today), "fit": cfg["industry_fit"], "distance": distance,
            "partners_share": min(1.0, partners / cfg["partners"]["full_at"]), "year": today.year - 1,
            "codes": target.codes, "keywords": target.keywords, "county": target.county, "today": today,
            "introduced": context["introduced"], "min_revenue": req.min_revenue}


def query_parameters(graph: Graph, req: Request,
                     context: tuple[Target, dict[str, Any]] | None = None) -> tuple[Target, dict[str, Any]]:
    """The target and every parameter the search's statements take."""
    target, found = context or target_context(graph, req)
    return target, dict(_bound_parameters(target, found, req), node=req.node_id, cluster=req.cluster_id,
                        origins=list(req.origins))


def _candidate(r: dict[str, Any]) -> Candidate:
    e = r["e"]
    return Candidate(uscc=e["uscc"], name=e["name"], region=e["region"], lon=r["lon"], lat=r["lat"],
                     industry_codes=e["industry_codes"] or [], products=e["products"] or "",
                     revenue=dict(zip(e["revenue_years"] or [], e["revenue_values"] or [], strict=False)),
                     bj_restricted=e["bj_restricted"], expansion_year=e["expansion_year"],
                     green_factory=e["green_factory"], hebei_presence=r["presence"], ties=r["ties"])


def _best(graph: Graph, req: Request, query: LiteralString, params: dict[str, Any], target: Target, chunk: int,
          top: list[dict[str, Any]]) -> tuple[list[Candidate], list[dict[str, Any]]]:
    """Read candidates in bound order, scoring them exactly a chunk at a time (each chunk twice the last), until
    nothing unread can enter the top `limit`; returns the candidates read and the best `limit` so far (`top` is
    an earlier search's)."""
    found: list[Candidate] = []
    limit = req.limit

    def better(batch: list[Candidate]) -> list[dict[str, Any]]:
        return rank(batch, target, req.config, req.policies.reward, req.today, limit, top)

    with graph.stream(query, fetch_size=min(chunk + 1, 1000), **params) as rows:
        pending: list[Candidate] = []
        for row in rows:
            if len(pending) == chunk:
                found, top = found + pending, better(pending)
                pending, chunk = [], chunk * 2
                if len(top) >= limit and top[-1]["score"] > row["bound"] + _SLACK:
                    return found, top
            pending.append(_candidate(row))
    return found + pending, better(pending)


# Keys a lane reads per round once the list is full (its floor bounds it anyway); tests lower it to force many rounds.
FULL_ROUND = 500


def _lane_search(graph: Graph, req: Request, params: dict[str, Any], target: Target, lanes: list[str],
                 guess: float | None = None) -> tuple[list[Candidate], list[dict]] | None:
    """The best `limit` of the node's near candidates, read from the rank keys (chainmap.graph.rank_keys).

    Threshold search over one lane per code of the node's groups. A firm read in a lane scores at most the lane's
    fit (class or group, with the keyword bonus when the node has keywords), plus its key's static bound, plus the
    best distance, the shared partner part and its own ties; only firms whose bound can still enter are scored
    exactly. A firm unread in a lane scores at most the same with the last key read there and full ties, so once
    the list is full a lane is read only down to the key where that bound falls below the k-th score (its floor).
    Rounds read the lanes that can still beat the k-th score, a few keys each until the list is full, then at
    least 500 down to their floors; a lane that returns fewer keys than asked is exhausted (floors only rise).

    A `guess` of the k-th score (the same request's list before its data moved on) sets the floors from the first
    round, so a list whose k-th score has not fallen below it is read in one or two rounds instead of three or
    four (each a round trip of 8–20 ms at province scale). A firm read below the guess is not scored, so the answer
    holds only if the list ends full with its k-th score at or above the guess; else None (the caller searches
    again without one). Returns the candidates scored and the list."""
    cfg, limit = req.config, req.limit
    levels, w = cfg["industry_fit"], cfg["weights"]
    rest = w["partners"] * params["partners_share"] + w["distance"] * max(params["distance"].values(), default=1.0)
    bonus = levels["keyword_bonus"] if any(target.keywords) else 0.0
    fit = {c: w["industry_fit"] * min(1.0, (levels["class"] if c in target.codes else levels["group"]) + bonus)
           for c in lanes}
    args = params
    seen: set[str] = set()
    found: list[Candidate] = []
    top: list[dict] = []
    cursor = {c: c + "|~" for c in lanes}
    unread: dict[str, float] = {}  # per lane, the bound of every firm below its cursor

    def bar() -> float | None:
        """The score a firm must beat to enter: the k-th so far, or the guess while the list is not full."""
        return top[-1]["score"] if len(top) >= limit else guess

    def beaten(bound: float) -> bool:
        least = bar()
        return least is not None and least > bound + _SLACK

    def need(code: str) -> float | None:
        """What a firm's static bound plus its ties must reach in this lane to enter (None: anything enters)."""
        least = bar()
        return None if least is None else least - _SLACK - fit[code] - rest - 1e-9

    def floor(code: str) -> str:
        """The lane's least key that can still enter (firms below it cannot, even with full ties)."""
        least = (need(code) or 0.0) - w["ties"]
        return f"{code}|{1_000_000 + max(0, math.floor(least * 1e6))}" if least > 0 else f"{code}|"

    take = limit + 5 if guess is None else 2 * FULL_ROUND
    while cursor:
        ask = [c for c in cursor if c not in unread or not beaten(unread[c])]
        if not ask:
            break
        rows = graph.read(LANE_ROWS, lanes=[{"code": c, "low": floor(c), "high": cursor[c], "need": need(c)}
                                            for c in ask], take=take, ties_full=cfg["ties"]["full_at"],
                          seen=sorted(seen), **args)
        full = {r["lane"]: r["last"] for r in rows if r["read"] == take}
        for c in ask:  # a lane that returned fewer keys than asked (or none: no row) is exhausted
            if c in full:
                cursor[c] = full[c]
                unread[c] = fit[c] + (int(full[c].split("|")[1]) - 1_000_000) / 1e6 + rest + w["ties"]
            else:
                del cursor[c]
        fresh = {d["e"]["uscc"]: d for r in rows for d in r["details"]}  # a firm may enter in two lanes
        if fresh:
            seen.update(fresh)
            batch = [_candidate(d) for d in fresh.values()]
            found.extend(batch)
            top = rank(batch, target, cfg, req.policies.reward, req.today, limit, top)
            if guess is not None and len(top) >= limit and top[-1]["score"] < guess:
                return None  # firms read below the guess were skipped: they might beat this k-th score
        take = take * 2 if len(top) < limit else max(take * 2, FULL_ROUND)  # the floors bound what is read
    if guess is not None and len(top) < limit:
        return None  # as above: the list would have been filled by firms below the guess
    return found, top


def ranked_list(graph: Graph, req: Request, context: tuple[Target, dict[str, Any]], keys_version: str,
                page: int | None = None, guess: float | None = None) -> tuple[list[dict[str, Any]], bool]:
    """The ranked list, and whether division-level matches were read to fill it. With rank keys of the current
    `keys_version` the threshold search reads the near candidates, starting from the `guess` of the k-th score
    if there is one; else (or with `page`, the first chunk the walk scores: tests pass a huge one to score all)
    the walk does."""
    target, params = query_parameters(graph, req, context)
    forced, page = page is not None, page or max(2 * req.limit, 40)
    if context[1]["keys"] == keys_version and not forced:
        lanes = context[1]["lanes"]
        searched = _lane_search(graph, req, params, target, lanes, guess) if guess is not None else None
        found, top = searched or _lane_search(graph, req, params, target, lanes) or ([], [])
    else:
        found, top = _best(graph, req, CANDIDATES_NEAR, params, target, page, [])
    if len(found) < req.limit:  # division-level matches only fill a short list
        params["introduced"] = [*params["introduced"], *(c.uscc for c in found)]
        _, top = _best(graph, req, CANDIDATES_DIVISION, params, target, page, top)
        return top, True
    return top, False


