"""Recommendations against the graph: a gap node's Beijing/Tianjin candidates, best first, scored exactly.

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

import copy
import datetime as dt
import hashlib
import json
import math
import threading
from collections import OrderedDict
from typing import Any, LiteralString, NamedTuple

from chainmap.errors import Invalid, NotFound
from chainmap.gap_analysis import analyse_clusters
from chainmap.gaps import Thresholds
from chainmap.graph import Graph, rank_keys, scopes
from chainmap.graph.rank_keys import POLLUTING, PRESENCE, STATIC_PART
from chainmap.recommend import (Candidate, Target, haversine_km, key_parameters, load_config, rank,
                               shared_outlook)
from chainmap.reward_checks import policy
from chainmap.rewards import Relationship

TARGET: LiteralString = (
    "MATCH (c:Cluster {id: $cluster})-[:HAS_NODE]->(n:ChainNode {id: $node}) "
    "MATCH (c)-[:LOCATED_IN]->(county:Region) "
    "CALL (n, c) { OPTIONAL MATCH (n)-[:FEEDS]-(:ChainNode)<-[:OPERATES_IN]-(p:Enterprise) WHERE p.region = c.county "
    "  RETURN collect(DISTINCT p {.uscc, .name, .entity_type, .region, .status, .group}) AS partners } "
    "CALL (c) { OPTIONAL MATCH (:Cluster {county: c.county})<-[:INTO]-(:Introduction)-[:OF]->(x:Enterprise) "
    "  RETURN collect(DISTINCT x.uscc) AS introduced } "
    "CALL () { MATCH (r:Region) WHERE any(p IN $origins WHERE r.adcode STARTS WITH p) AND r.lon IS NOT NULL "
    "  RETURN collect([r.adcode, r.lon, r.lat]) AS origin_points } "
    "CALL (n) { OPTIONAL MATCH (n)-[:CLASSIFIED_AS]->(:Industry)-[:IN]->(g:Industry) WITH DISTINCT g "
    "  OPTIONAL MATCH (g)<-[:IN*0..1]-(i:Industry) RETURN collect(DISTINCT i.code) AS lanes } "
    "OPTIONAL MATCH (keys:Revision {id: 'rank-keys'}) "
    "RETURN n.id AS id, n.name AS name, n.industry_codes AS codes, n.keywords AS keywords, county.adcode AS county, "
    "  county.name AS county_name, county.lon AS lon, county.lat AS lat, partners, introduced, origin_points, "
    "  lanes, keys.version AS keys"
)
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
# The bound mirrors chainmap.recommend.score feature by feature and is never below it (a test checks every seed
# candidate). Every feature is exact but existing ties, which count as full when the firm has any SUPPLIES with the
# county (counting them per candidate is the expensive part); distance and partners come precomputed from Python
# ($distance per origin district, $partners: the shared count bounds a firm with a branch among the partners).
_CANDIDATE: LiteralString = (
    "e.status = 'active' AND any(p IN $origins WHERE e.region STARTS WITH p) AND e.region <> $county "
    "AND NOT e.uscc IN $introduced"
)
CANDIDATE_FILTER: LiteralString = "WITH DISTINCT e WHERE " + _CANDIDATE + " "
_REVENUE: LiteralString = (
    "[i IN range(0, size(coalesce(e.revenue_years, [])) - 1) WHERE e.revenue_years[i] = $year | e.revenue_values[i]][0]"
)
# Existing ties: `e`'s SUPPLIES with entities of the county operating in the cluster (what score() counts). The
# partners are read from `e` and filtered afterwards, so the planner cannot start from the county's firms instead.
_TIES: LiteralString = (
    "size([l IN [(e)-[:SUPPLIES]-(l:Enterprise) | l] WHERE l.region = $county "
    "  AND EXISTS { (l)-[:OPERATES_IN]->(:ChainNode {cluster: $cluster}) }])"
)
# What the exact score needs of a candidate `e` (its district's centroid as `r`).
_DETAILS: LiteralString = (
    "RETURN e {.uscc, .name, .region, .industry_codes, .products, .revenue_years, .revenue_values, "
    "  .bj_restricted, .expansion_year, .green_factory} AS e, r.lon AS lon, r.lat AS lat, "
    + PRESENCE + " AS presence, " + _TIES + " AS ties"
)
_BOUNDED: LiteralString = CANDIDATE_FILTER + (
    "WITH e, coalesce(e.industry_codes, []) AS codes, " + _REVENUE + " AS revenue "
    "WHERE $min_revenue IS NULL OR coalesce(revenue, 0) >= $min_revenue "
    "WITH e, revenue, CASE "
    "  WHEN any(x IN codes WHERE x IN $codes) THEN $fit.class "
    "  WHEN any(x IN codes WHERE any(y IN $codes WHERE left(x, 3) = left(y, 3))) THEN $fit.group "
    "  WHEN any(x IN codes WHERE any(y IN $codes WHERE left(x, 2) = left(y, 2))) THEN $fit.division "
    "  ELSE 0.0 END AS fit, " + POLLUTING + " AS polluting, " + PRESENCE + " AS presence "
    "WITH e, "
    "  $w.industry_fit * CASE WHEN fit = 0 THEN 0.0 "
    "    WHEN NOT any(k IN $keywords WHERE k <> '' AND coalesce(e.products, '') CONTAINS k) THEN fit "
    "    WHEN fit + $fit.keyword_bonus > 1 THEN 1.0 ELSE fit + $fit.keyword_bonus END "
    "  + " + STATIC_PART + " "
    "  + $partners + $w.distance * coalesce($distance[e.region], 1.0) "
    "  + CASE WHEN any(r IN [(e)-[:SUPPLIES]-(l:Enterprise) | l.region] WHERE r = $county) THEN $w.ties ELSE 0.0 END "
    "  AS bound "
    "ORDER BY bound DESC, e.uscc "
    "MATCH (r:Region {adcode: e.region}) " + _DETAILS + ", bound"
)
CANDIDATES_NEAR: LiteralString = _NEAR + _BOUNDED
CANDIDATES_DIVISION: LiteralString = _DIVISION + _BOUNDED
# The rank-key search (chainmap.graph.rank_keys). Per lane (one GB/T 4754 code of the node's groups), the next
# `$take` classifications below the lane's cursor, best static bound first, straight from the range index: how many
# were read, the last key, and the firms that pass the candidate filter and can still enter the list: their static
# bound plus their existing ties reaches the lane's `need` (ties are the one feature the keys cannot bound, as they
# depend on the county; counted only for firms whose `tie_counties` hold it). Then what the score needs of those.
_ELIGIBLE: LiteralString = (
    _CANDIDATE + " AND ($min_revenue IS NULL OR coalesce(" + _REVENUE + ", 0) >= $min_revenue)"
)
LANE_ROWS: LiteralString = (
    "UNWIND $lanes AS lane "
    "CALL (lane) { MATCH (e:Enterprise)-[k:CLASSIFIED_AS]->(:Industry) WHERE k.rank > lane.low AND k.rank < lane.high "
    "  WITH e, k.rank AS key ORDER BY key DESC LIMIT $take RETURN e, key } "
    "WITH lane, key, e, (toInteger(split(key, '|')[1]) - 1000000) / 1000000.0 AS prior, " + _ELIGIBLE + " AS eligible "
    "WITH lane, key, e, prior, eligible, CASE WHEN eligible AND prior < lane.need AND prior + $w.ties >= lane.need "
    "  AND $county IN coalesce(e.tie_counties, []) THEN " + _TIES + " ELSE 0 END AS ties "
    "WITH lane, key, e, eligible AND (lane.need IS NULL OR prior >= lane.need "
    "  OR prior + $w.ties * CASE WHEN ties >= $ties_full THEN 1.0 ELSE ties / toFloat($ties_full) END >= lane.need) "
    "  AS enters "
    "RETURN lane.code AS lane, count(*) AS read, min(key) AS last, collect(CASE WHEN enters THEN e.uscc END) AS enter"
)
DETAILS: LiteralString = (
    "UNWIND $usccs AS uscc MATCH (e:Enterprise {uscc: uscc}) MATCH (r:Region {adcode: e.region}) " + _DETAILS
)
# Per chain node of a cluster: the current tokens of the scopes its list may depend on (chainmap.graph.scopes), as
# [key, token] pairs: `local` (the whole graph and the cluster's county), `near` (the parents of the node's codes:
# their groups) and `division` (their divisions); and the list stored under `$keys[node]` by any process, if any.
NODE_LISTS: LiteralString = (
    "MATCH (c:Cluster {id: $cluster})-[:HAS_NODE]->(n:ChainNode) WHERE n.id IN $nodes "
    "WITH n, coalesce(n.industry_codes, []) AS codes, ['graph', 'county:' + c.county] AS local "
    "CALL (local) { UNWIND local AS key OPTIONAL MATCH (r:Revision {id: key}) RETURN collect([key, r.token]) AS lt } "
    "CALL (codes) { UNWIND codes AS code WITH DISTINCT 'industry:' + left(code, size(code) - 1) AS key ORDER BY key "
    "  OPTIONAL MATCH (r:Revision {id: key}) RETURN collect([key, r.token]) AS nt } "
    "CALL (codes) { UNWIND codes AS code WITH DISTINCT 'industry:' + left(code, 2) AS key ORDER BY key "
    "  OPTIONAL MATCH (r:Revision {id: key}) RETURN collect([key, r.token]) AS dt } "
    "OPTIONAL MATCH (l:RankedList {key: $keys[n.id]}) "
    "RETURN n.id AS id, lt AS local, nt AS near, dt AS division, "
    "  l {.tokens, .division, .ranked} AS stored"
)
# One list per key; lists of earlier days go (a key holds its day, so they are never read again).
STORE_LIST: LiteralString = (
    "MERGE (l:RankedList {key: $key}) "
    "SET l.tokens = $tokens, l.division = $division, l.ranked = $ranked, l.day = $day, l.node = $node "
    "WITH count(*) AS stored CALL () { MATCH (old:RankedList) WHERE old.day < $day WITH old LIMIT 1000 DELETE old }"
)
FORGET_LISTS: LiteralString = "MATCH (l:RankedList) DELETE l"
# Float rounding between Java's and Python's arithmetic, and the 6-decimal rounding of scores.
_SLACK = 1e-5

_CONFIG: dict | None = None


def config() -> dict:
    global _CONFIG
    if _CONFIG is None:
        _CONFIG = load_config()
    return _CONFIG


def _target(graph: Graph, cluster_id: str, node_id: str, origins: list[str], today: dt.date,
            local: tuple | None = None) -> tuple[Target, dict[str, Any]]:
    """The node, its county's partners and introductions, and the origin districts; reused while the whole-graph
    and county tokens (`local`) stay the same, whatever happens to the candidates' industries."""
    key = (local, cluster_id, node_id, tuple(origins), today)
    if local is not None and (hit := TARGETS.get(key)) is not None:
        return hit
    rows = graph.read(TARGET, cluster=cluster_id, node=node_id, origins=origins)
    if not rows:
        raise NotFound(f"cluster {cluster_id!r} has no chain node {node_id!r}")
    t = rows[0]
    partners = [Relationship(partner=p["uscc"], name=p["name"], entity_type=p["entity_type"], region=p["region"],
                             status=p["status"], group=p["group"], relation="potential", since=today, until=None)
                for p in t["partners"]]
    target = Target(node_id=t["id"], node_name=t["name"], codes=t["codes"], keywords=t["keywords"] or [],
                    county=t["county"], county_name=t["county_name"], lon=t["lon"], lat=t["lat"],
                    potential_partners=partners)
    found = target, {"introduced": t["introduced"], "origin_points": t["origin_points"],
                     "shared": shared_outlook(target, policy(), today), "lanes": sorted(t["lanes"]),
                     "keys": t["keys"]}
    if local is not None:
        TARGETS.put(key, found)
    return found


def _bound_parameters(target: Target, context: dict[str, Any], today: dt.date) -> dict[str, Any]:
    """The score's configuration as query parameters, with the exact distance and partner parts precomputed."""
    cfg = config()
    w = cfg["weights"]
    zero_at = cfg["distance"]["zero_at_km"]
    distance = {adcode: max(0.0, 1 - haversine_km(lon, lat, target.lon, target.lat) / zero_at)
                for adcode, lon, lat in context["origin_points"]}
    partners = len(context["shared"])
    return {**key_parameters(cfg, today), "fit": cfg["industry_fit"], "distance": distance,
            "partners": w["partners"] * min(1.0, partners / cfg["partners"]["full_at"]), "year": today.year - 1,
            "codes": target.codes, "keywords": target.keywords, "county": target.county,
            "introduced": context["introduced"]}


def query_parameters(graph: Graph, cluster_id: str, node_id: str, origins: list[str], today: dt.date,
                     context: tuple[Target, dict[str, Any]] | None = None) -> tuple[Target, dict[str, Any]]:
    target, found = context or _target(graph, cluster_id, node_id, origins, today)
    return target, dict(_bound_parameters(target, found, today), node=node_id, cluster=cluster_id, origins=origins)


def _candidate(r: dict[str, Any]) -> Candidate:
    e = r["e"]
    return Candidate(uscc=e["uscc"], name=e["name"], region=e["region"], lon=r["lon"], lat=r["lat"],
                     industry_codes=e["industry_codes"] or [], products=e["products"] or "",
                     revenue=dict(zip(e["revenue_years"] or [], e["revenue_values"] or [], strict=False)),
                     bj_restricted=e["bj_restricted"], expansion_year=e["expansion_year"],
                     green_factory=e["green_factory"], hebei_presence=r["presence"], ties=r["ties"])


def _best(graph: Graph, query: LiteralString, params: dict[str, Any], target: Target, limit: int,
          min_revenue: int | None, today: dt.date, chunk: int, shared: list[dict],
          top: list[dict[str, Any]]) -> tuple[list[Candidate], list[dict[str, Any]]]:
    """Read candidates in bound order, scoring them exactly a chunk at a time (each chunk twice the last), until
    nothing unread can enter the top `limit`; returns the candidates read and the best `limit` so far (`top` is
    an earlier search's)."""
    found: list[Candidate] = []

    def better(batch: list[Candidate]) -> list[dict[str, Any]]:
        return rank(batch, target, config(), policy(), today, limit, min_revenue, shared, top)

    with graph.stream(query, fetch_size=min(chunk + 1, 1000), **params, min_revenue=min_revenue) as rows:
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


def _lane_search(graph: Graph, params: dict[str, Any], target: Target, lanes: list[str], limit: int,
                 min_revenue: int | None, today: dt.date, shared: list[dict]) -> tuple[list[Candidate], list[dict]]:
    """The best `limit` of the node's near candidates, read from the rank keys (chainmap.graph.rank_keys).

    Threshold search over one lane per code of the node's groups. A firm read in a lane scores at most the lane's
    fit (class or group, with the keyword bonus when the node has keywords), plus its key's static bound, plus the
    best distance, the shared partner part and its own ties; only firms whose bound can still enter are scored
    exactly. A firm unread in a lane scores at most the same with the last key read there and full ties, so once
    the list is full a lane is read only down to the key where that bound falls below the k-th score (its floor).
    Rounds read the lanes that can still beat the k-th score, a few keys each until the list is full, then at
    least 500 down to their floors; a lane that returns fewer keys than asked is exhausted (floors only rise).
    Returns the candidates scored and the list."""
    cfg = config()
    levels, w = cfg["industry_fit"], cfg["weights"]
    rest = params["partners"] + w["distance"] * max(params["distance"].values(), default=1.0)
    bonus = levels["keyword_bonus"] if any(target.keywords) else 0.0
    fit = {c: w["industry_fit"] * min(1.0, (levels["class"] if c in target.codes else levels["group"]) + bonus)
           for c in lanes}
    args = dict(params, min_revenue=min_revenue)
    seen: set[str] = set()
    found: list[Candidate] = []
    top: list[dict] = []
    cursor = {c: c + "|~" for c in lanes}
    unread: dict[str, float] = {}  # per lane, the bound of every firm below its cursor

    def beaten(bound: float) -> bool:
        return len(top) >= limit and top[-1]["score"] > bound + _SLACK

    def need(code: str) -> float | None:
        """What a firm's static bound plus its ties must reach in this lane to enter (None: anything enters)."""
        return top[-1]["score"] - _SLACK - fit[code] - rest - 1e-9 if len(top) >= limit else None

    def floor(code: str) -> str:
        """The lane's least key that can still enter (firms below it cannot, even with full ties)."""
        least = (need(code) or 0.0) - w["ties"]
        return f"{code}|{1_000_000 + max(0, math.floor(least * 1e6))}" if least > 0 else f"{code}|"

    take = limit + 5
    while cursor:
        ask = [c for c in cursor if c not in unread or not beaten(unread[c])]
        if not ask:
            break
        rows = graph.read(LANE_ROWS, lanes=[{"code": c, "low": floor(c), "high": cursor[c], "need": need(c)}
                                            for c in ask], take=take, ties_full=cfg["ties"]["full_at"], **args)
        full = {r["lane"]: r["last"] for r in rows if r["read"] == take}
        for c in ask:  # a lane that returned fewer keys than asked (or none: no row) is exhausted
            if c in full:
                cursor[c] = full[c]
                unread[c] = fit[c] + (int(full[c].split("|")[1]) - 1_000_000) / 1e6 + rest + w["ties"]
            else:
                del cursor[c]
        enter = [u for r in rows for u in r["enter"]]
        fresh = [u for u in dict.fromkeys(enter) if u not in seen]
        if fresh:
            seen.update(fresh)
            batch = [_candidate(r) for r in graph.read(DETAILS, usccs=fresh, **args)]
            found.extend(batch)
            top = rank(batch, target, cfg, policy(), today, limit, min_revenue, shared, top)
        take = take * 2 if len(top) < limit else max(take * 2, FULL_ROUND)  # the floors bound what is read
    return found, top


class _Lru:
    """Results of this process, keyed by the revision tokens they were computed from and the day.

    A node's ranked list depends only on the date, the configuration and parts of the graph: the whole-graph scope
    (chains, clusters, regions), its county, the groups of its codes and, when division-level matches filled it,
    their divisions (chainmap.graph.scopes); its target context on the first two only. Each scope's token changes
    with every committed data change in it, so an entry is never served after its data moved on, while a change
    elsewhere (another county's firms, another industry) leaves it in use. Ranked lists are copied in and out
    (callers annotate them); target contexts are read-only.
    """

    def __init__(self, size: int, copies: bool) -> None:
        self.size, self.copies = size, copies
        self.entries: OrderedDict[tuple, Any] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple) -> Any:
        with self.lock:
            found = self.entries.get(key)
            if found is not None:
                self.entries.move_to_end(key)
            return copy.deepcopy(found) if self.copies else found

    def put(self, key: tuple, value: Any) -> None:
        with self.lock:
            self.entries[key] = copy.deepcopy(value) if self.copies else value
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)


RANKED = _Lru(512, copies=True)
TARGETS = _Lru(256, copies=False)


class Tokens(NamedTuple):
    """A node's scope tokens: whole graph and county, its codes' groups, their divisions (chainmap.graph.scopes);
    with the list any process stored for the same request, if there is one."""

    local: tuple
    near: tuple
    division: tuple
    stored: dict | None = None


def list_key(cluster_id: str, node_id: str, origins: list[str], limit: int, min_revenue: int | None,
             today: dt.date) -> str:
    """The stored list's key: the request, the day and the versions of the score's configuration and policy."""
    text = json.dumps([cluster_id, node_id, origins, limit, min_revenue, today.isoformat(), config()["version"],
                       policy().version])
    return hashlib.sha256(text.encode()).hexdigest()


def revisions(graph: Graph, cluster_id: str, nodes: list[str], origins: list[str], limit: int,
              min_revenue: int | None, today: dt.date) -> dict[str, Tokens]:
    """Per node, the current tokens of the scopes its ranked list may depend on, and the stored list (one read)."""
    keys = {n: list_key(cluster_id, n, origins, limit, min_revenue, today) for n in nodes}
    return {r["id"]: Tokens(*(tuple(map(tuple, r[part])) for part in ("local", "near", "division")), r["stored"])
            for r in graph.read(NODE_LISTS, cluster=cluster_id, nodes=nodes, keys=keys)}


def for_node(graph: Graph, cluster_id: str, node_id: str, origins: list[str], limit: int,
             min_revenue: int | None, page: int | None = None, revision: Tokens | None = None) -> list[dict[str, Any]]:
    """The top `limit` targets for one node; `page` is the first chunk scored (tests pass a huge one to score all).

    With the node's `revision` tokens, an answer computed from the same tokens the same day is reused, from this
    process or from the graph, where every process stores what it computes (gunicorn's workers, a restart): its
    local and near tokens must match, and its division tokens too when division-level matches filled it."""
    today = dt.date.today()
    if revision is None:
        return _for_node(graph, cluster_id, node_id, origins, limit, min_revenue, page, today)[0]
    key = (revision.local, revision.near, cluster_id, node_id, tuple(origins), limit, min_revenue, today, page)
    hit = RANKED.get(key)
    if hit is not None and hit[0] in (None, revision.division):
        return hit[1]
    stored, tokens = revision.stored, _text([*revision.local, *revision.near])
    if (page is None and stored and stored["tokens"] == tokens
            and stored["division"] in (None, _text(revision.division))):
        ranked, division = json.loads(stored["ranked"]), revision.division if stored["division"] else None
    else:
        ranked, divisions = _for_node(graph, cluster_id, node_id, origins, limit, min_revenue, page, today,
                                      revision.local)
        division = revision.division if divisions else None
        if page is None:
            graph.write(STORE_LIST, touches=scopes.NOTHING, key=list_key(cluster_id, node_id, origins, limit,
                        min_revenue, today), tokens=tokens, division=_text(division) if division else None,
                        ranked=_text(ranked), day=today, node=node_id)
    RANKED.put(key, (division, ranked))
    return ranked


def _text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def forget(graph: Graph) -> None:
    """Drop every reusable result, of this process and stored (tests; an operator after editing the graph around
    chainmap)."""
    RANKED.entries.clear()
    TARGETS.entries.clear()
    graph.write(FORGET_LISTS, touches=scopes.NOTHING)


def _for_node(graph: Graph, cluster_id: str, node_id: str, origins: list[str], limit: int,
              min_revenue: int | None, page: int | None, today: dt.date,
              local: tuple | None = None) -> tuple[list[dict[str, Any]], bool]:
    """The ranked list, and whether division-level matches were read to fill it."""
    context = _target(graph, cluster_id, node_id, origins, today, local)
    target, params = query_parameters(graph, cluster_id, node_id, origins, today, context)
    forced, page = page is not None, page or max(2 * limit, 40)
    shared = context[1]["shared"]
    if context[1]["keys"] == keys_version() and not forced:
        found, top = _lane_search(graph, params, target, context[1]["lanes"], limit, min_revenue, today, shared)
    else:
        found, top = _best(graph, CANDIDATES_NEAR, params, target, limit, min_revenue, today, page, shared, [])
    if len(found) < limit:  # division-level matches only fill a short list
        params["introduced"] = [*params["introduced"], *(c.uscc for c in found)]
        _, top = _best(graph, CANDIDATES_DIVISION, params, target, limit, min_revenue, today, page, shared, top)
        return top, True
    return top, False


def recommend(graph: Graph, cluster_id: str, thresholds: Thresholds, *, node_key: str | None = None,
              origins: tuple[str, ...] = ("11", "12"), limit: int = 10, min_revenue: int | None = None) -> dict:
    """Ranked targets for one node, or for every gap / weak / bottleneck node of the cluster."""
    if any(o.startswith("13") for o in origins):
        raise Invalid("origins are outside Hebei (Beijing 11, Tianjin 12 by default)",
                      errors=[{"field": "origin", "reason": "Hebei prefixes are not transfer origins"}])
    statuses, _ = analyse_clusters(graph, [cluster_id], "county", thresholds).get(cluster_id, ({}, {}))
    if not statuses:
        raise NotFound(f"no cluster with id {cluster_id!r} (or it has no chain)")
    if node_key:
        node_id = f"{cluster_id}.{node_key}"
        if node_id not in statuses:
            raise NotFound(f"cluster {cluster_id!r} has no chain node {node_key!r}")
        nodes = [node_id]
    else:
        nodes = sorted(n for n, (status, _) in statuses.items() if status != "present")
    tokens = revisions(graph, cluster_id, nodes, list(origins), limit, min_revenue, dt.date.today())
    items = []
    for node_id in nodes:
        for item in for_node(graph, cluster_id, node_id, list(origins), limit, min_revenue,
                             revision=tokens.get(node_id)):
            item["node"]["status"] = statuses[node_id][0]
            items.append(item)
    items.sort(key=lambda r: (-r["score"], r["enterprise"]["uscc"], r["node"]["id"]))
    return {"cluster": cluster_id, "nodes": nodes, "origins": list(origins), "config_version": config()["version"],
            "items": items}


def keys_version() -> str:
    """What the rank keys must follow to be used: the configuration they bound (whatever its version string says,
    an edited weight is a new one) and the key's layout."""
    text = json.dumps([key_parameters(config(), dt.date(2000, 1, 1)), "rank-keys-3"], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def key_arguments() -> dict[str, Any]:
    """The parameters a statement writing rank keys needs (chainmap.graph.loading.ENTERPRISES)."""
    return key_parameters(config(), dt.date.today())


def keys_current(graph: Graph) -> bool:
    return graph.read(rank_keys.MARKER)[0]["version"] == keys_version()


def rebuild_keys(graph: Graph, batch: int = 5000) -> int:
    """Rewrite the rank key of every classification of every firm outside Hebei, then record the version they
    follow (readers walk the candidates meanwhile); returns the number of firms."""
    graph.write(rank_keys.SET_MARKER, version=None)
    graph.write(rank_keys.STALE_KEYS)
    firms = [r["uscc"] for r in graph.read(rank_keys.OUTSIDE_HEBEI)]
    graph.write_batches(rank_keys.KEYS_OF, firms, size=batch, **key_arguments())
    graph.write(rank_keys.SET_MARKER, version=keys_version())
    return len(firms)
