"""The chain as it stood on a past day: the gap analysis over the facts dated up to that day.

Today's answers read facts stored on the nodes (chainmap.gaps.analysis); a past day's are computed (never stored)
for the nodes asked about, from the dates the graph holds:
- an entity counts from its registration date (成立日期; when unknown, the day it was recorded through the API;
  firms loaded without either count from always) until the date of its deregistration or move (status_on; a firm
  deregistered without a date is not counted on any day);
- a 协作配套 relationship counts from its `since` to its `until` (both inclusive);
- a node's mark is the latest entry of its mark history dated up to the day (a mark set before the history existed
  counts from when it was set; a seeded one from always);
- a project's stage is the last entry of its stage history dated up to the day (chainmap.project_rules.stage_on).
Facts are taken by the day they are dated, not by when they were recorded: writing facts dated later never changes
the answer for an earlier day, while correcting a past fact (a backdated relationship) does, as it should.

How it is computed. Walking a node's supply afresh (the COMPUTE_AS_OF walk) costs what refreshing its stored facts
costs: seconds per cluster at province scale. Instead a past day's facts are today's stored facts (n.facts, which
also keep the supply across Hebei by type and region) corrected by the facts dated after the day, found through the
range indexes on those dates, so the work grows with what changed since the day, not with the graph:
- entities whose being counted differs (ENTITY_CHANGES: registered or recorded after the day, subtracted;
  deregistered or moved after it, added back), at every node they are local supply for and, at the nodes they are
  attached to, as members with their inbound SUPPLIES;
- SUPPLIES into the other members whose being in force differs (RELATION_CHANGES: since after the day, until
  between the day and the day the stored facts were computed);
- a lone local entity on the day is the stored one or the one added back, else (one of several firms today) it is
  found among the scope's firms (LONE); its customers are counted on the day (SINGLES).
A node whose lone entity across Hebei on the day is one of several today (a link with so few firms that walking it
is cheap), and every node when the dated facts after the day exceed CORRECTION_LIMIT (a day in the far past), is
walked afresh.
Those queries still grow with the graph (a cluster's members, every dated fact after the day): seconds at a million
firms. So a day since the timelines' horizon (the last three years and this one) is answered instead from each node's
timeline (chainmap.gaps.timeline: the node's dated facts in that window, kept beside its stored facts), in Python,
from one read; the corrections above answer older days.
tests/api/test_as_of_corrected.py asserts both equal the walk on a dated history.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, LiteralString

from chainmap import project_history, project_rules
from chainmap.gaps import timeline
from chainmap.gaps.analysis import (FACTS_VERSION, HEBEI_COUNTIES, INBOUND_COUNTS, NODES, OWN_CODES, Analyser,
                                    alive_on, compute_facts, compute_query, in_force_on, in_force_today, nearest_supply,
                                    node_facts, scope_prefix, scope_prefix_of, single_customers, stored_rows, types_in)
from chainmap.gaps.rules import NodeFacts, analyse
from chainmap.graph import Graph
from chainmap.policy import Thresholds
from chainmap.vocab import HEBEI_LITERAL


def _alive(v: LiteralString) -> LiteralString:
    """The entity `v` exists and is in business on $day."""
    return alive_on(v, "$day")


COMPUTE_AS_OF: LiteralString = compute_query(_alive("e"), _alive("cust"), in_force_on("$day"))
# The mark of each node on $day (see the module's docstring); undated history entries hold from always.
MARKS: LiteralString = (
    "UNWIND $ids AS cid MATCH (:Cluster {id: cid})-[:HAS_NODE]->(n:ChainNode) "
    "WITH n, COLLECT { MATCH (n)-[:MARK_CHANGE]->(m) WHERE m.on IS NULL OR m.on <= $day "
    "  WITH m ORDER BY coalesce(m.on, date('0001-01-01')), m.at RETURN m {.mark, .reason, .by} } AS history, "
    "  EXISTS { (n)-[:MARK_CHANGE]->() } AS kept "
    "RETURN n.id AS id, CASE WHEN kept THEN last(history) "
    "  WHEN n.mark IS NOT NULL AND (n.mark_at IS NULL OR date(n.mark_at) <= $day) "
    "  THEN {mark: n.mark, reason: n.mark_reason, by: n.mark_by} END AS mark"
)
# The dated facts after $day (entities by their dates, SUPPLIES by since and until in [$low, $high), the span
# between $day and the days the stored facts were computed): counted through the range indexes.
CHANGED_COUNT: LiteralString = (
    "CALL () { MATCH (e:Enterprise) WHERE e.registered_on > $day RETURN count(e) AS k "
    "  UNION ALL MATCH (e:Enterprise) WHERE e.recorded_on > $day RETURN count(e) AS k "
    "  UNION ALL MATCH (e:Enterprise) WHERE e.status_on > $day RETURN count(e) AS k "
    "  UNION ALL MATCH ()-[r:SUPPLIES]->() WHERE r.since > $day RETURN count(r) AS k "
    "  UNION ALL MATCH ()-[r:SUPPLIES]->() WHERE r.until >= $low AND r.until < $high RETURN count(r) AS k } "
    "RETURN sum(k) AS changed"
)
# Each Hebei entity counted on $day but not in the stored facts (sign 1) or the other way (-1), with the nodes asked
# about ($stored_on: {node id: the day its facts were computed}) that it is local supply for (the reverse of
# chainmap.gaps.analysis.local_entities), and, at each such node it is attached to, its inbound SUPPLIES per scope as
# the side that counts it counts them (in force on $day, or on the stored facts' day).
# ($keys: {link key: the nodes asked about of that key}; $own: {class code: the nodes asked about classified in it as
# one of their own codes, OWN_CLASSES}: a class's firms are many, so a firm's nodes are looked up, not walked back.)
ENTITY_CHANGES: LiteralString = (
    "CALL () { MATCH (e:Enterprise) WHERE e.registered_on > $day RETURN e "
    "  UNION MATCH (e:Enterprise) WHERE e.recorded_on > $day RETURN e "
    "  UNION MATCH (e:Enterprise) WHERE e.status_on > $day RETURN e } "
    "WITH e, (CASE WHEN " + _alive("e") + " THEN 1 ELSE 0 END) - (CASE WHEN e.status = 'active' THEN 1 ELSE 0 END) "
    "  AS sign "
    "WHERE sign <> 0 AND e.region STARTS WITH " + HEBEI_LITERAL + " "
    "CALL (e) { MATCH (e)-[:OPERATES_IN]->(k:ChainNode) UNWIND coalesce($keys[k.key], []) AS nid "
    "  MATCH (n:ChainNode {id: nid}) RETURN n "
    "  UNION MATCH (e)-[:CLASSIFIED_AS]->(i:Industry) UNWIND coalesce($own[i.code], []) AS nid "
    "  MATCH (n:ChainNode {id: nid}) RETURN n } "
    "WITH e, sign, collect(n.id) AS local "
    "CALL (e, sign) { MATCH (e)-[:OPERATES_IN]->(n:ChainNode)<-[:HAS_NODE]-(c:Cluster) "
    "  WHERE $stored_on[n.id] IS NOT NULL "
    "  UNWIND $scopes AS scope WITH e, n, sign, scope, " + scope_prefix("scope") + " AS prefix "
    "  WHERE e.region STARTS WITH prefix "
    "  OPTIONAL MATCH (s:Enterprise)-[r:SUPPLIES]->(e) WHERE CASE WHEN sign > 0 THEN " + in_force_on("$day") + " "
    "    ELSE " + in_force_today("$stored_on[n.id]") + " END "
    "  WITH n, scope, " + INBOUND_COUNTS + " "
    "  RETURN collect([n.id, scope, inbound, outside, in_scope]) AS member } "
    "RETURN sign, e.uscc AS uscc, e.name AS name, e.entity_type AS type, e.region AS region, local, member"
)
# The classes the nodes of these clusters are classified in as one of their own codes, with those nodes.
OWN_CLASSES: LiteralString = (
    "UNWIND $ids AS cid MATCH (c:Cluster {id: cid})-[:HAS_NODE]->(n:ChainNode) "
    "WITH n, " + OWN_CODES + " AS own MATCH (n)-[:CLASSIFIED_AS]->(i:Industry) WHERE i.code IN own "
    "RETURN i.code AS code, collect(n.id) AS nodes"
)
# SUPPLIES into the other members (counted alike on $day and in the stored facts) whose being in force differs; a
# member's nodes asked about by `nodes_of` (over e, giving n): its OPERATES_IN, or for a few clusters the $members
# map (MEMBERS: a firm has many relationships, so looking it up is cheaper than expanding it).
def relation_changes(nodes_of: LiteralString) -> LiteralString:
    return (
        "CALL () { MATCH (:Enterprise)-[r:SUPPLIES]->(:Enterprise) WHERE r.since > $day RETURN r "
        "  UNION MATCH (:Enterprise)-[r:SUPPLIES]->(:Enterprise) WHERE r.until >= $low AND r.until < $high "
        "  RETURN r } "
        "MATCH (s:Enterprise)-[r]->(e:Enterprise) " + nodes_of + " "
        "WITH s, r, e, n WHERE e.status = 'active' AND " + _alive("e") + " MATCH (c:Cluster)-[:HAS_NODE]->(n) "
        "WITH s, r, e, n, c, (CASE WHEN " + in_force_on("$day") + " THEN 1 ELSE 0 END) "
        "  - (CASE WHEN " + in_force_today("$stored_on[n.id]") + " THEN 1 ELSE 0 END) AS sign "
        "WHERE sign <> 0 "
        "UNWIND $scopes AS scope WITH s, r, e, n, sign, scope, " + scope_prefix("scope") + " AS prefix "
        "WHERE e.region STARTS WITH prefix "
        "RETURN n.id AS node, scope, sign, " + INBOUND_COUNTS
    )


RELATION_CHANGES: LiteralString = relation_changes(
    "MATCH (e)-[:OPERATES_IN]->(n:ChainNode) WHERE $stored_on[n.id] IS NOT NULL")
RELATION_CHANGES_OF_MEMBERS: LiteralString = relation_changes(
    "UNWIND coalesce($members[e.uscc], []) AS nid MATCH (n:ChainNode {id: nid})")
MEMBERS: LiteralString = (
    "UNWIND $ids AS cid MATCH (:Cluster {id: cid})-[:HAS_NODE]->(n:ChainNode)<-[:OPERATES_IN]-(e:Enterprise) "
    "RETURN e.uscc AS uscc, collect(n.id) AS nodes"
)
FEW_CLUSTERS = 3
# The customers on $day of the lone local entity of each {node, scope, uscc}.
SINGLES: LiteralString = (
    "UNWIND $singles AS x MATCH (c:Cluster)-[:HAS_NODE]->(:ChainNode {id: x.node}) "
    "WITH x, x.uscc AS one, " + scope_prefix("x.scope") + " AS prefix "
    "CALL (one, prefix) { " + single_customers(_alive("cust"), in_force_on("$day")) + " } "
    "RETURN x.node AS node, x.scope AS scope, single_customers"
)
# The lone local entity on $day of each {node, scope} (county or city) whose lone firm is one of several today:
# the scope's firms through the region index, those local to the node (chainmap.gaps.analysis.local_entities).
LONE: LiteralString = (
    "UNWIND $lone AS x MATCH (c:Cluster)-[:HAS_NODE]->(n:ChainNode {id: x.node}) "
    "WITH x, c, n, " + scope_prefix("x.scope") + " AS prefix "
    "WITH x, n, prefix, " + OWN_CODES + " AS own "
    "WITH x, n, prefix, [(n)-[:CLASSIFIED_AS]->(i:Industry) WHERE i.code IN own | i.code] AS classes "
    "CALL (n, prefix, classes) { MATCH (e:Enterprise) WHERE e.region STARTS WITH prefix AND " + _alive("e") + " "
    "  AND (EXISTS { (e)-[:OPERATES_IN]->(k:ChainNode) WHERE k.key = n.key } "
    "    OR any(code IN [(e)-[:CLASSIFIED_AS]->(i:Industry) | i.code] WHERE code IN classes)) "
    "  RETURN e LIMIT 2 } "
    "RETURN x.node AS node, x.scope AS scope, collect(e {.uscc, .name}) AS found"
)
# Beyond this many dated facts after the day, walking afresh is cheaper than correcting.
CORRECTION_LIMIT = 40_000
LONE_UNKNOWN = timeline.LONE_UNKNOWN
BATCH = 20
PARALLEL = 4


def marks_on(graph: Graph, cluster_ids: list[str], day: dt.date) -> dict[str, dict | None]:
    """{node id: {mark, reason, by} or None} on `day`."""
    return {r["id"]: r["mark"] for r in graph.read(MARKS, ids=cluster_ids, day=day)}


def facts_on(graph: Graph, cluster_ids: list[str], scope: str, day: dt.date,
             nearest: bool = True) -> dict[str, list[NodeFacts]]:
    """NodeFacts per cluster on `day` (computed, never stored); `nearest`: also find the nearest other counties with
    supply (a province-wide pass, which a report that shows no reasons skips)."""
    nodes = graph.read(NODES, ids=cluster_ids)
    counties = {r["adcode"]: r for r in graph.read(HEBEI_COUNTIES)}
    scopes = tuple(dict.fromkeys((scope, "province") if nearest else (scope,)))
    recent = day >= timeline.horizon(dt.date.today())
    answered = (partial(timeline.facts_on, graph, cluster_ids, day, scopes, counties) if recent
                else partial(corrected, graph, cluster_ids, day, scopes, counties))
    facts, marks = side_by_side([answered, partial(marks_on, graph, cluster_ids, day)])
    if recent:
        with_customers(graph, facts, scopes, day)
    facts.update(walked(graph, [n["id"] for n in nodes if n["id"] not in facts], day, scopes, counties))
    out: dict[str, list[NodeFacts]] = {c: [] for c in cluster_ids}
    for n in nodes:
        mark = marks.get(n["id"]) or {}
        row = {"id": n["id"], "facts": json.dumps(facts[n["id"]]), "mark": mark.get("mark"),
               "mark_reason": mark.get("reason"), "mark_by": mark.get("by"), "codes": n["industry_codes"], "own": n["own"]}
        out[n["cluster"]].append(node_facts(row, scope))
    return out


def walked(graph: Graph, ids: list[str], day: dt.date, scopes: tuple[str, ...],
           counties: dict[str, dict]) -> dict[str, dict]:
    """{node id: facts on `day`} by walking each node's supply afresh (COMPUTE_AS_OF)."""
    if not ids:
        return {}
    facts: dict[str, dict] = {}
    for part, _ in side_by_side([partial(compute_facts, graph, COMPUTE_AS_OF, ids[start:start + BATCH], day, scopes,
                                         counties) for start in range(0, len(ids), BATCH)]):
        facts.update(part)
    return facts


def side_by_side(reads: list[Callable[[], Any]]) -> list[Any]:
    """The results of independent reads run side by side, each in a copy of this context so the request's
    database budget (chainmap.graph.deadline) bounds them too."""
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        return list(pool.map(lambda read: contextvars.copy_context().run(read), reads))


def corrected(graph: Graph, cluster_ids: list[str], day: dt.date, scopes: tuple[str, ...],
              counties: dict[str, dict]) -> dict[str, dict]:
    """{node id: facts on `day`} from the stored facts and the dated facts after `day` (the module's docstring);
    nodes it cannot tell are left out, and all of them when the dated facts after the day are too many."""
    rows = {r["id"]: r for r in stored_rows(graph, cluster_ids) if r["facts"] and r["facts_on"]}
    if not rows:
        return {}
    stored_on = {nid: r["facts_on"] for nid, r in rows.items()}
    span = {"low": min(day, *stored_on.values()), "high": max(day, *stored_on.values())}
    if graph.read(CHANGED_COUNT, day=day, **span)[0]["changed"] > CORRECTION_LIMIT:
        return {}
    keys: dict[str, list[str]] = {}
    for r in rows.values():
        if r["key"] is not None:  # a node without a key has no namesakes (local_entities matches none)
            keys.setdefault(r["key"], []).append(r["id"])

    def entities_read() -> list[dict[str, Any]]:
        own = {r["code"]: r["nodes"] for r in graph.read(OWN_CLASSES, ids=cluster_ids)}
        return graph.read(ENTITY_CHANGES, day=day, stored_on=stored_on, keys=keys, own=own, scopes=list(scopes))

    def relations_read() -> list[dict[str, Any]]:
        if len(cluster_ids) > FEW_CLUSTERS:
            return graph.read(RELATION_CHANGES, day=day, stored_on=stored_on, scopes=list(scopes), **span)
        members = {r["uscc"]: r["nodes"] for r in graph.read(MEMBERS, ids=cluster_ids)}
        return graph.read(RELATION_CHANGES_OF_MEMBERS, day=day, stored_on=stored_on, members=members,
                          scopes=list(scopes), **span)

    entities, relations = side_by_side([entities_read, relations_read])
    changes: dict[str, list[dict]] = {}
    for e in entities:
        for nid in e["local"]:
            changes.setdefault(nid, []).append(e)
    inbound: dict[tuple[str, str], Counter] = {}
    for r in relations:
        _add(inbound.setdefault((r["node"], r["scope"]), Counter()), r["sign"], r)
    out: dict[str, dict] = {}
    for nid, row in rows.items():
        facts = _correct(json.loads(row["facts"]), row["county"], changes.get(nid, []), inbound, nid, scopes,
                         counties)
        if facts is not None:
            out[nid] = facts
    lone = [{"node": nid, "scope": s} for nid, f in out.items() for s in scopes if f[s]["single"] is LONE_UNKNOWN]
    for r in graph.read(LONE, lone=lone, day=day) if lone else []:
        if len(r["found"]) == 1:
            out[r["node"]][r["scope"]]["single"] = {**r["found"][0], "customers": 0}
    return with_customers(graph, timeline.settled(out, scopes), scopes, day)


def with_customers(graph: Graph, out: dict[str, dict], scopes: tuple[str, ...], day: dt.date) -> dict[str, dict]:
    """`out` (facts per node on `day`) with the customers on the day of each scope's lone local entity."""
    singles = [{"node": nid, "scope": s, "uscc": f[s]["single"]["uscc"]} for nid, f in out.items() for s in scopes
               if f[s]["single"]]
    for r in graph.read(SINGLES, singles=singles, day=day) if singles else []:
        out[r["node"]][r["scope"]]["single"]["customers"] = r["single_customers"]
    return out


def _add(total: Counter, sign: int, counts: dict[str, Any]) -> None:
    for k in ("inbound", "outside", "in_scope"):
        total[k] += sign * counts[k]


def _correct(stored: dict, county: str, changes: list[dict], inbound: dict[tuple[str, str], Counter], nid: str,
             scopes: tuple[str, ...], counties: dict[str, dict]) -> dict | None:
    """One node's stored facts corrected to the day (None when they cannot be: the node is walked instead)."""
    supply = Counter({(t, region): k for t, region, k in stored["supply"]})
    for e in changes:
        supply[(e["type"], e["region"])] += e["sign"]
    if any(k < 0 for k in supply.values()):
        return None  # the stored facts disagree with the graph: walk the node
    hebei = [[t, region, k] for (t, region), k in supply.items() if k]
    out: dict[str, Any] = {"v": FACTS_VERSION}
    for scope in scopes:
        prefix, base = scope_prefix_of(scope, county), stored[scope]
        types = types_in(hebei, prefix)
        members = base["members"]
        counts = Counter({k: base[k] for k in ("inbound", "outside", "in_scope")})
        counts.update(inbound.get((nid, scope), Counter()))
        mine = [e for e in changes if e["region"].startswith(prefix)]
        for e in changes:
            for node, s, k_in, k_out, k_scope in e["member"]:
                if node == nid and s == scope:
                    members += e["sign"]
                    _add(counts, e["sign"], {"inbound": k_in, "outside": k_out, "in_scope": k_scope})
        if members < 0 or any(v < 0 for v in counts.values()):
            return None
        single = None
        if sum(types.values()) == 1:
            added = [e for e in mine if e["sign"] > 0]
            if added:
                single = {"uscc": added[0]["uscc"], "name": added[0]["name"], "customers": 0}
            elif base["single"] and not mine:
                single = {"uscc": base["single"]["uscc"], "name": base["single"]["name"], "customers": 0}
            elif scope == "province":
                return None  # one of several across Hebei today: walk the node
            else:
                single = LONE_UNKNOWN  # one of several today: corrected() finds it (LONE)
        out[scope] = {"types": dict(sorted(types.items())), "members": members, "inbound": counts["inbound"],
                      "outside": counts["outside"], "in_scope": counts["in_scope"], "single": single}
    if "province" in scopes:
        out["supply"] = sorted(hebei, key=lambda s: (s[1], s[0] or ""))
        out["nearest"] = nearest_supply(county, hebei, counties)
    return out


def analyser(day: dt.date, nearest: bool = True) -> Analyser:
    """An analyser (chainmap.gaps.analysis.Analyser) answering for `day`."""
    def analyse_on(graph: Graph, cluster_ids: list[str], scope: str, t: Thresholds) -> dict[str, tuple[dict, dict]]:
        return {cid: analyse(nodes, t) for cid, nodes in facts_on(graph, cluster_ids, scope, day, nearest).items()}
    return analyse_on


def projects_on(graph: Graph, cluster_id: str, day: dt.date) -> dict[str, list[dict[str, Any]]]:
    """{node id: the projects meant to fill it, at their stage on `day`} (projects not yet begun are left out)."""
    by_node: dict[str, list[dict[str, Any]]] = {}
    for p in project_history.histories(graph, cluster=cluster_id):
        stage = project_rules.stage_on(p["stages"], day)
        if stage is None:
            continue
        for node in p["nodes"]:
            by_node.setdefault(node, []).append({"id": p["id"], "name": p["name"] or p["enterprise_name"],
                                                 "stage": stage, "stage_name": project_rules.stage_name(stage)})
    return by_node
