"""The chain as it stood on a past day: the gap analysis over the facts dated up to that day.

Today's answers read facts stored on the nodes (chainmap.gaps.analysis); a past day is computed afresh, for the
nodes asked about only, from the dates the graph holds:
- an entity counts from its registration date (成立日期; when unknown, the day it was recorded through the API;
  firms loaded without either count from always) until the date of its deregistration or move (status_on; a firm
  deregistered without a date is not counted on any day);
- a 协作配套 relationship counts from its `since` to its `until` (both inclusive);
- a node's mark is the latest entry of its mark history dated up to the day (a mark set before the history existed
  counts from when it was set; a seeded one from always);
- a project's stage is the last entry of its stage history dated up to the day (chainmap.project_rules.stage_on).
Facts are taken by the day they are dated, not by when they were recorded: writing facts dated later never changes
the answer for an earlier day, while correcting a past fact (a backdated relationship) does, as it should.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any, LiteralString

from chainmap import project_history, project_rules
from chainmap.gaps.analysis import (HEBEI_COUNTIES, NODES, Analyser, compute_query, compute_facts, node_facts)
from chainmap.gaps.rules import NodeFacts, analyse
from chainmap.graph import Graph
from chainmap.policy import Thresholds


def _alive(v: LiteralString) -> LiteralString:
    """The entity `v` exists and is in business on $day."""
    return ("(coalesce(" + v + ".registered_on, " + v + ".recorded_on) IS NULL OR coalesce(" + v + ".registered_on, "
            + v + ".recorded_on) <= $day) AND (" + v + ".status = 'active' OR " + v + ".status_on > $day)")


COMPUTE_AS_OF: LiteralString = compute_query(_alive("e"), _alive("cust"),
                                        "(r.since IS NULL OR r.since <= $day) AND (r.until IS NULL OR r.until >= $day)")
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
    ids = [n["id"] for n in nodes]
    # one walk per node serves every scope asked for (chainmap.gaps.analysis.compute_query)
    tasks = [(ids[start:start + BATCH], scopes) for start in range(0, len(ids), BATCH)]

    def run(task: tuple[list[str], tuple[str, ...]]) -> dict[str, dict]:
        return compute_facts(graph, COMPUTE_AS_OF, task[0], day, task[1], counties)[0]

    # Batches are independent reads: run them side by side, each in a copy of this context so the
    # request's database budget (chainmap.graph.deadline) bounds them too.
    facts: dict[str, dict] = {nid: {} for nid in ids}
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        for part in pool.map(lambda task: contextvars.copy_context().run(run, task), tasks):
            for nid, f in part.items():
                facts[nid].update(f)
    marks = marks_on(graph, cluster_ids, day)
    out: dict[str, list[NodeFacts]] = {c: [] for c in cluster_ids}
    for n in nodes:
        mark = marks.get(n["id"]) or {}
        row = {"id": n["id"], "facts": json.dumps(facts[n["id"]]), "mark": mark.get("mark"),
               "mark_reason": mark.get("reason"), "mark_by": mark.get("by")}
        out[n["cluster"]].append(node_facts(row, scope))
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
