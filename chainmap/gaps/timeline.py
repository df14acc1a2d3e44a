"""A chain node's dated facts of recent years, kept beside its stored facts, so the chain as of a recent day is
computed in Python from one read instead of by queries whose work grows with the graph.

A node's timeline (n.timeline, JSON) holds, from a horizon (1 January HORIZON_YEARS years back) on, everything that
makes a day's facts differ from the stored ones (chainmap.gaps.as_of says what counts on a day):
- `local`: its local entities across Hebei (chainmap.gaps.analysis.local_entities) dated inside the window — active
  ones registered or recorded since the horizon, and deregistered or moved ones whose status date is after it — by
  type, region, start, status date, active, USCC and name;
- `members`: its members (attached, in Hebei) dated likewise, each with every inbound 协作配套 relationship (since,
  until, the supplier's region);
- `relations`: the inbound relationships of its other active members that begin or end inside the window.
An entity or relationship outside those lists counts alike on every day since the horizon and today, so the stored
facts need no correction for it. A day before the horizon is answered the older way (chainmap.gaps.as_of.corrected).

The timeline is derived from the same graph as the stored facts and belongs to them: it is stored with the stamp of
the facts it was read beside (n.facts_stamp, renewed whenever facts are stored) and only while those facts are still
there, so a write that forgets or re-stores the facts (chainmap.upkeep) makes it stale too and the next as-of read
recomputes it, once (`chainmap cache timelines` computes them ahead, e.g. after a bulk load).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterable
from typing import Any, LiteralString

from chainmap.gaps.analysis import (HEBEI_COUNTIES, alive_on, local_entities, nearest_supply, needs_refresh,
                                    refresh_facts, scope_prefix_of, types_in)
from chainmap.graph import Graph, footprints
from chainmap.vocab import HEBEI, HEBEI_LITERAL

HORIZON_YEARS = 3
# A chain node's properties that are bookkeeping, not content: the stamp renewed each time its facts are stored and
# the timeline computed when first needed (a graph loaded twice differs in them and in nothing else).
BOOKKEEPING = frozenset({"facts_stamp", "timeline", "timeline_stamp", "timeline_layout"})
BATCH = 10


def horizon(today: dt.date) -> dt.date:
    """The first day a timeline computed `today` covers: 同比 of any period of this year or the last needs two
    years before it."""
    return dt.date(today.year - HORIZON_YEARS, 1, 1)


def _dated(v: LiteralString) -> LiteralString:
    """Entity `v` counts differently on some day since $since than it does today (its dates fall in the window)."""
    return ("coalesce(CASE WHEN " + v + ".status = 'active' THEN coalesce(" + v + ".registered_on, " + v
            + ".recorded_on) >= $since ELSE " + v + ".status_on >= $since END, false)")


def _entity(v: LiteralString) -> LiteralString:
    return ("toString(coalesce(" + v + ".registered_on, " + v + ".recorded_on)), toString(" + v + ".status_on), "
            + v + ".status = 'active'")


COMPUTE: LiteralString = (
    "UNWIND $nodes AS nid MATCH (c:Cluster)-[:HAS_NODE]->(n:ChainNode {id: nid}) "
    "CALL (c, n) { WITH c, n, " + HEBEI_LITERAL + " AS prefix " + local_entities(_dated("e")) +
    "  RETURN collect([e.entity_type, e.region, " + _entity("e") + ", e.uscc]) AS local } "
    "CALL (n) { MATCH (e:Enterprise)-[:OPERATES_IN]->(n) WHERE e.region STARTS WITH " + HEBEI_LITERAL + " "
    "  AND " + _dated("e") + " "
    "  RETURN collect([e.region, " + _entity("e") + ", COLLECT { MATCH (s:Enterprise)-[r:SUPPLIES]->(e) "
    "    RETURN [toString(r.since), toString(r.until), s.region] }]) AS members } "
    "CALL (n) { MATCH (e:Enterprise)-[:OPERATES_IN]->(n) WHERE e.region STARTS WITH " + HEBEI_LITERAL + " "
    "  AND e.status = 'active' AND NOT " + _dated("e") + " "
    "  MATCH (s:Enterprise)-[r:SUPPLIES]->(e) WHERE r.since >= $since OR r.until >= $since "
    "  RETURN collect([toString(r.since), toString(r.until), s.region, e.region]) AS relations } "
    "RETURN n.id AS id, c.county AS county, local, members, relations"
)
# The stored facts and timelines of these clusters' nodes; `timeline` only when it belongs to the facts there now.
STORED: LiteralString = (
    "UNWIND $ids AS cid MATCH (c:Cluster {id: cid})-[:HAS_NODE]->(n:ChainNode) "
    "RETURN c.id AS cluster, c.county AS county, n.id AS id, n.facts AS facts, n.facts_on AS facts_on, "
    "  n.facts_expire AS expires, coalesce(n.facts_stamp, '') AS stamp, "
    "  CASE WHEN n.facts IS NOT NULL AND n.timeline_stamp = coalesce(n.facts_stamp, '') "
    "    AND n.timeline_layout = $layout THEN n.timeline END AS timeline"
)
STORE: LiteralString = (
    "UNWIND $rows AS row MATCH (n:ChainNode {id: row.id}) "
    "WHERE n.facts IS NOT NULL AND coalesce(n.facts_stamp, '') = row.stamp "
    "SET n.timeline = row.timeline, n.timeline_stamp = row.stamp, n.timeline_layout = $layout"
)
STALE: LiteralString = (
    "MATCH (n:ChainNode) WHERE n.facts IS NULL OR n.timeline IS NULL "
    "  OR n.timeline_stamp <> coalesce(n.facts_stamp, '') OR coalesce(n.timeline_layout, 0) <> $layout RETURN n.id AS id ORDER BY id"
)
LONE_UNKNOWN: dict = {"lone": "unknown"}
NAMES: LiteralString = "UNWIND $usccs AS u MATCH (e:Enterprise {uscc: u}) RETURN e.uscc AS uscc, e.name AS name"
# The lone local entity on $day of each {node, scope} whose lone firm is one of several today, among the node's
# local entities (not every firm of the scope: for the province that would be all of them).
LONE: LiteralString = (
    "UNWIND $lone AS q MATCH (c:Cluster)-[:HAS_NODE]->(n:ChainNode {id: q.node}) "
    "CALL (c, n, q) { WITH c, n, CASE q.scope WHEN 'county' THEN c.county WHEN 'city' THEN substring(c.county, 0, 4) "
    "  ELSE " + HEBEI_LITERAL + " END AS prefix "
    + local_entities(alive_on("e", "$day")) +
    "  RETURN e LIMIT 2 } "
    "RETURN q.node AS node, q.scope AS scope, collect(e {.uscc, .name}) AS found"
)


def compute(graph: Graph, ids: list[str], today: dt.date) -> dict[str, dict[str, Any]]:
    """{node id: its timeline}, read from the graph now, in the compact layout on_day reads: dates as day numbers
    (date.toordinal), regions of members and suppliers as the scopes they fall in (flags, from the node's county),
    identical relationships counted once."""
    since = horizon(today)
    out = {}
    for r in graph.read(COMPUTE, nodes=ids, since=since):
        county = r["county"]
        out[r["id"]] = {
            "since": since.isoformat(),
            "local": [[kind, region, _day(start), _day(end), int(active), uscc]
                      for kind, region, start, end, active, uscc in r["local"]],
            "members": [[_where(region, county), _day(start), _day(end), int(active),
                         _counted((since_, until, _supplier(s, county)) for since_, until, s in relations)]
                        for region, start, end, active, relations in r["members"]],
            "relations": _counted((since_, until, _where(region, county) | _supplier(s, county))
                                  for since_, until, s, region in r["relations"]),
        }
    return out


# The layout of n.timeline; another one is recomputed before it is read.
LAYOUT = 2
# Where a member (in Hebei) is, relative to the node's county, and where a supplier is.
IN_CITY, IN_COUNTY, FROM_OUTSIDE, FROM_HEBEI, FROM_CITY, FROM_COUNTY = 1, 2, 4, 8, 16, 32
# The flags a scope counts: a member in the scope, a supplier from the scope.
SCOPE_FLAGS = {"county": (IN_COUNTY, FROM_COUNTY), "city": (IN_CITY, FROM_CITY), "province": (0, FROM_HEBEI)}


def _day(iso: str | None) -> int | None:
    return dt.date.fromisoformat(iso).toordinal() if iso else None


def _where(region: str, county: str) -> int:
    return (IN_CITY if region.startswith(county[:4]) else 0) | (IN_COUNTY if region.startswith(county) else 0)


def _supplier(region: str | None, county: str) -> int:
    """A supplier without a region is neither from outside Hebei nor from the scope (INBOUND_COUNTS)."""
    if region is None:
        return 0
    if not region.startswith(HEBEI):
        return FROM_OUTSIDE
    return FROM_HEBEI | (FROM_CITY if region.startswith(county[:4]) else 0) | (
        FROM_COUNTY if region.startswith(county) else 0)


def _counted(relations: Iterable[tuple[str | None, str | None, int]]) -> list[list]:
    """[since, until, flags, how many] of these relationships."""
    return [[_day(since), _day(until), flags, k] for (since, until, flags), k in sorted(
        Counter(relations).items(), key=lambda x: (x[0][0] or "", x[0][1] or "", x[0][2]))]


def refresh(graph: Graph, ids: list[str] | None = None) -> int:
    """Compute and store the timelines of these nodes (all without a current one when None); returns how many."""
    ids = ids if ids is not None else [r["id"] for r in graph.read(STALE, layout=LAYOUT)]
    if not ids:
        return 0
    stale = [r["id"] for r in graph.read("UNWIND $ids AS id MATCH (n:ChainNode {id: id}) "
                                         "RETURN n.id AS id, n.facts AS facts, n.facts_expire AS expires", ids=ids)
             if needs_refresh(r, dt.date.today())]
    if stale:
        refresh_facts(graph, stale)
    for start in range(0, len(ids), BATCH):
        part = ids[start:start + BATCH]
        stamps = {r["id"]: r["stamp"] for r in graph.read(
            "UNWIND $ids AS id MATCH (n:ChainNode {id: id}) RETURN n.id AS id, coalesce(n.facts_stamp, '') AS stamp",
            ids=part)}
        _store(graph, compute(graph, part, dt.date.today()), stamps)
    return len(ids)


def _store(graph: Graph, timelines: dict[str, dict], stamps: dict[str, str]) -> None:
    rows = [{"id": nid, "timeline": json.dumps(t, ensure_ascii=False), "stamp": stamps[nid]}
            for nid, t in timelines.items()]
    if rows:
        graph.write(STORE, rows=rows, layout=LAYOUT, touches=footprints.NOTHING)


def facts_on(graph: Graph, cluster_ids: list[str], day: dt.date, scopes: tuple[str, ...],
             counties: dict[str, dict] | None = None) -> dict[str, dict]:
    """{node id: facts on `day`} from the stored facts and timelines of these clusters' nodes (computing the missing
    timelines first); empty for a day before the horizon."""
    today = dt.date.today()
    if day < horizon(today):
        return {}
    rows = graph.read(STORED, ids=cluster_ids, layout=LAYOUT)
    stale = [r["id"] for r in rows if needs_refresh(r, today)]
    if stale:
        refresh_facts(graph, stale)
        rows = graph.read(STORED, ids=cluster_ids, layout=LAYOUT)
    timelines = {r["id"]: json.loads(r["timeline"]) for r in rows if r["timeline"]}
    missing = [r["id"] for r in rows if r["facts"] and (
        r["id"] not in timelines or timelines[r["id"]]["since"] > day.isoformat())]
    for start in range(0, len(missing), BATCH):
        fresh = compute(graph, missing[start:start + BATCH], today)
        _store(graph, fresh, {r["id"]: r["stamp"] for r in rows})
        timelines.update(fresh)
    if counties is None:
        counties = {r["adcode"]: r for r in graph.read(HEBEI_COUNTIES)}
    out: dict[str, dict] = {}
    for r in rows:
        if r["facts"] and r["facts_on"] and r["id"] in timelines:
            facts = on_day(json.loads(r["facts"]), r["facts_on"], timelines[r["id"]], r["county"], day, scopes,
                           counties)
            if facts is not None:
                out[r["id"]] = facts
    lone = [{"node": nid, "scope": s} for nid, f in out.items() for s in scopes if f[s]["single"] is LONE_UNKNOWN]
    for r in graph.read(LONE, lone=lone, day=day) if lone else []:
        if len(r["found"]) == 1:
            out[r["node"]][r["scope"]]["single"] = {**r["found"][0], "customers": 0}
    out = settled(out, scopes)
    unnamed = {f[s]["single"]["uscc"] for f in out.values() for s in scopes if f[s]["single"]
               and f[s]["single"]["name"] is None}
    if unnamed:
        names = {r["uscc"]: r["name"] for r in graph.read(NAMES, usccs=sorted(unnamed))}
        for f in out.values():
            for s in scopes:
                if f[s]["single"] and f[s]["single"]["name"] is None:
                    f[s]["single"]["name"] = names.get(f[s]["single"]["uscc"])
    return out


def settled(out: dict[str, dict], scopes: tuple[str, ...]) -> dict[str, dict]:
    """`out` without the nodes whose lone firm was not found alone (the stored facts disagree with the graph: such
    a node is walked)."""
    return {nid: f for nid, f in out.items() if all(f[s]["single"] is not LONE_UNKNOWN for s in scopes)}


def _alive(start: int | None, end: int | None, active: int, day: int) -> int:
    """The twin of chainmap.gaps.analysis.alive_on over day numbers."""
    return int((start is None or start <= day) and (active or (end is not None and end > day)))


def _in_force(since: int | None, until: int | None, day: int) -> int:
    return int((since is None or since <= day) and (until is None or until >= day))


def _add(total: Counter, sign: int, flags: int, from_scope: int) -> None:
    """Relationships into a node's members counted `sign` times as INBOUND_COUNTS counts them."""
    total["inbound"] += sign
    total["outside"] += sign if flags & FROM_OUTSIDE else 0
    total["in_scope"] += sign if flags & from_scope else 0


def on_day(stored: dict, facts_on: dt.date, timeline: dict, county: str, day: dt.date, scopes: tuple[str, ...],
           counties: dict[str, dict]) -> dict | None:
    """One node's facts on `day`: its stored facts (computed on `facts_on`) corrected by its timeline; None when a
    count would fall below zero (the stored facts disagree with the graph: the node is walked). A scope's lone firm
    that is one of several today is left LONE_UNKNOWN (facts_on finds it)."""
    d, t = day.toordinal(), facts_on.toordinal()
    supply = Counter({(kind, region): k for kind, region, k in stored["supply"]})
    changed: list[tuple[int, str, str]] = []  # (sign, region, uscc) of the local entities
    for kind, region, start, end, active, uscc in timeline["local"]:
        sign = _alive(start, end, active, d) - active
        if sign:
            supply[(kind, region)] += sign
            changed.append((sign, region, uscc))
    members = Counter()
    inbound: dict[str, Counter] = {scope: Counter() for scope in scopes}
    for where, start, end, active, relations in timeline["members"]:
        then = _alive(start, end, active, d)
        for scope in scopes:
            in_scope, from_scope = SCOPE_FLAGS[scope]
            if where & in_scope == in_scope:
                members[scope] += then - active
                for since, until, flags, k in relations:
                    sign = (then and _in_force(since, until, d)) - (active and (until is None or until >= t))
                    if sign:
                        _add(inbound[scope], sign * k, flags, from_scope)
    for since, until, flags, k in timeline["relations"]:
        sign = _in_force(since, until, d) - (until is None or until >= t)
        if sign:
            for scope in scopes:
                in_scope, from_scope = SCOPE_FLAGS[scope]
                if flags & in_scope == in_scope:
                    _add(inbound[scope], sign * k, flags, from_scope)
    if any(k < 0 for k in supply.values()):
        return None  # the stored facts disagree with the graph: the node is walked
    hebei = [[kind, region, k] for (kind, region), k in supply.items() if k]
    out: dict[str, Any] = {"v": stored["v"]}
    for scope in scopes:
        prefix, base = scope_prefix_of(scope, county), stored[scope]
        types = types_in(hebei, prefix)
        mine = [c for c in changed if c[1].startswith(prefix)]
        single = None
        if sum(types.values()) == 1:
            added = [c for c in mine if c[0] > 0]
            if added:
                single = {"uscc": added[0][2], "name": None, "customers": 0}  # named by facts_on
            elif base["single"] and not mine:
                single = {"uscc": base["single"]["uscc"], "name": base["single"]["name"], "customers": 0}
            else:
                single = LONE_UNKNOWN
        counts = {k: base[k] + inbound[scope][k] for k in ("inbound", "outside", "in_scope")}
        if base["members"] + members[scope] < 0 or any(v < 0 for v in counts.values()):
            return None
        out[scope] = {"types": dict(sorted(types.items())), "members": base["members"] + members[scope], **counts,
                      "single": single}
    if "province" in scopes:
        out["supply"] = sorted(hebei, key=lambda s: (s[1], s[0] or ""))
        out["nearest"] = nearest_supply(county, hebei, counties)
    return out
