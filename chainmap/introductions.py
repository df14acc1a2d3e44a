"""Introductions as 招商项目: an enterprise brought into a county's cluster, with its project fields, the chain nodes it
is meant to fill, and an append-only history of stage changes and follow-up notes (chainmap.project_rules decides
which changes are allowed; chainmap.project_history appends them)."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any, LiteralString

from chainmap import project_history, project_rules, write_scope
from chainmap import places
from chainmap.audit import Change
from chainmap.errors import Conflict, Invalid, NotFound
from chainmap.graph import Graph, footprints
from chainmap.graph.adapter import Clash
from chainmap.paging import Page, envelope

_MAP: LiteralString = (
    "i {.id, .enterprise, .cluster, .origin_region, .introduced_on, .stage, .stage_on, .investor, .name, "
    ".amount_10k_cny, .officer_name, .officer_unit, .next_step, .next_due, enterprise_name: e.name, "
    "investor_name: COLLECT { MATCH (v:Enterprise {uscc: i.investor}) RETURN v.name }[0], cluster_name: c.name, county: c.county, "
    "nodes: [(i)-[:FILLS]->(n:ChainNode) | n {.id, .name}]}"
)
# Filters: each is off when its parameter is null. `overdue` repeats chainmap.project_rules.is_overdue over the
# same constants (closed stages and today passed in), so the list can filter and page in the database.
LIST: LiteralString = (
    "MATCH (i:Introduction)-[:OF]->(e:Enterprise), (i)-[:INTO]->(c:Cluster) "
    "WHERE ($cluster IS NULL OR c.id = $cluster) AND ($stage IS NULL OR i.stage = $stage) "
    "AND ($enterprise IS NULL OR e.uscc = $enterprise) AND ($county IS NULL OR c.county = $county) "
    "AND ($city IS NULL OR c.county STARTS WITH left($city, 4)) "
    "AND ($officer IS NULL OR i.officer_name CONTAINS $officer OR i.officer_unit CONTAINS $officer) "
    "AND ($node IS NULL OR EXISTS { (i)-[:FILLS]->(:ChainNode {id: $node}) }) "
    "AND ($overdue IS NULL OR $overdue = (i.next_due IS NOT NULL AND i.next_due < $today AND NOT i.stage IN $closed)) "
    "WITH i, e, c ORDER BY i.introduced_on DESC, i.id "
    "WITH collect(" + _MAP + ") AS rows RETURN size(rows) AS total, rows[$skip..$skip + $limit] AS items"
)
GET: LiteralString = (
    "MATCH (i:Introduction {id: $id})-[:OF]->(e:Enterprise), (i)-[:INTO]->(c:Cluster) "
    "CALL (i) { OPTIONAL MATCH (i)-[:STAGE_CHANGE]->(s:StageChange) WITH s ORDER BY s.seq "
    "  RETURN collect(s {.seq, .stage, .on, .reason, .by, .by_label, .migrated, .source, "
    "    recorded_at: toString(s.recorded_at)}) AS stages } "
    "CALL (i) { OPTIONAL MATCH (i)-[:FOLLOW_UP]->(f:FollowUp) WITH f ORDER BY f.seq "
    "  RETURN collect(f {.seq, .on, .text, .by, .by_label, recorded_at: toString(f.recorded_at)}) AS notes } "
    "RETURN " + _MAP + " AS i, stages, notes"
)
REFS: LiteralString = (
    "OPTIONAL MATCH (e:Enterprise {uscc: $enterprise}) WHERE e.name IS NOT NULL "
    "OPTIONAL MATCH (c:Cluster {id: $cluster}) "
    "OPTIONAL MATCH (r:Region {adcode: $origin, level: 'county'}) "
    "OPTIONAL MATCH (v:Enterprise {uscc: $investor}) WHERE v.name IS NOT NULL "
    "RETURN e IS NOT NULL AS enterprise, c.county AS county, r IS NOT NULL AS origin, v IS NOT NULL AS investor, "
    "  [x IN $nodes WHERE NOT EXISTS { (c)-[:HAS_NODE]->(:ChainNode {id: x}) }] AS foreign_nodes"
)
# One open introduction per enterprise and cluster, kept by the write: it locks the enterprise (and the investor, so
# a change to their reward facts is refused or seen: chainmap.write_scope.GUARD), looks for an open
# (not terminated) introduction of it into the cluster and returns it as `clash` (the adapter rolls back), or
# creates the project with its first stage change and the nodes it is to fill.
CREATE: LiteralString = (
    "MATCH (e:Enterprise {uscc: $props.enterprise}), (c:Cluster {id: $props.cluster}) "
    "SET e.__lock = true REMOVE e.__lock "
    "WITH e, c OPTIONAL MATCH (v:Enterprise {uscc: $props.investor}) SET v.__lock = true REMOVE v.__lock "
    "WITH DISTINCT e, c OPTIONAL MATCH (o:Introduction)-[:OF]->(e) WHERE (o)-[:INTO]->(c) AND o.stage IN $open "
    "WITH e, c, head(collect(o {.id, .stage, introduced_on: toString(o.introduced_on)})) AS clash "
    "CALL (e, c, clash) { WITH e, c WHERE clash IS NULL "
    "  CREATE (i:Introduction {id: $id}) SET i += $props, i.stage_on = $props.introduced_on, i.stage_seq = 1, "
    "    i.note_seq = 0 "
    "  CREATE (i)-[:OF]->(e) CREATE (i)-[:INTO]->(c) "
    "  CREATE (i)-[:STAGE_CHANGE]->(:StageChange {seq: 1, stage: $props.stage, on: $props.introduced_on, "
    "    by: $by.id, by_label: $by.label, recorded_at: datetime(), migrated: false}) "
    "  FOREACH (n IN [(c)-[:HAS_NODE]->(n:ChainNode) WHERE n.id IN $nodes | n] | CREATE (i)-[:FILLS]->(n)) } "
    "RETURN clash"
)
# A moved introduction day moves the first stage it dated (and the current stage's day while that is the first), so
# the history and the as-of reports follow; a day after a later stage's comes back as `clash`: rolled back.
# A new investor is locked as at creation.
PATCH: LiteralString = (
    "MATCH (i:Introduction {id: $id})-[:INTO]->(c:Cluster) "
    "OPTIONAL MATCH (v:Enterprise {uscc: $props.investor}) SET v.__lock = true REMOVE v.__lock "
    "WITH DISTINCT i, c, i.introduced_on AS was SET i += $props "
    "WITH i, c, was CALL (i, was) { WITH i, was WHERE i.introduced_on <> was "
    "  MATCH (i)-[:STAGE_CHANGE]->(first:StageChange {seq: 1}) WHERE first.on = was SET first.on = i.introduced_on "
    "  WITH i WHERE coalesce(i.stage_seq, 1) = 1 SET i.stage_on = i.introduced_on } "
    "WITH i, c CALL (i, c) { WITH i, c WHERE $nodes IS NOT NULL "
    "  OPTIONAL MATCH (i)-[f:FILLS]->() DELETE f "
    "  WITH DISTINCT i, c UNWIND [(c)-[:HAS_NODE]->(n:ChainNode) WHERE n.id IN $nodes | n] AS n "
    "  CREATE (i)-[:FILLS]->(n) } "
    "RETURN i.id AS id, head([(i)-[:STAGE_CHANGE]->(s:StageChange) WHERE s.seq > 1 AND s.on < i.introduced_on "
    "  | toString(s.on)]) AS clash"
)
FIELDS = ("name", "amount_10k_cny", "officer_name", "officer_unit", "next_step", "next_due")


def _shape(row: dict[str, Any], today: dt.date) -> dict[str, Any]:
    intro = dict(row)
    intro["nodes"] = sorted(intro.get("nodes") or [], key=lambda n: n["id"])
    intro["stage_name"] = project_rules.stage_name(intro["stage"])
    intro["overdue"] = project_rules.is_overdue(intro["stage"], intro.get("next_due"), today)
    return intro


def list_introductions(graph: Graph, page: Page, **filters: Any) -> dict:
    params = {k: filters.get(k) for k in ("cluster", "stage", "enterprise", "county", "city", "officer", "node",
                                          "overdue")}
    params |= places.resolve_filters(graph, city=filters.get("city"), county=filters.get("county"))  # 422: unknown
    today = dt.date.today()
    row = graph.read(LIST, skip=page.skip, limit=page.per_page, today=today, closed=list(project_rules.CLOSED),
                     **params)[0]
    return envelope([_shape(i, today) for i in row["items"]], row["total"], page)


def get_introduction(graph: Graph, intro_id: str) -> dict:
    rows = graph.read(GET, id=intro_id)
    if not rows:
        raise NotFound(f"没有编号为 {intro_id} 的招商项目")
    intro = _shape(rows[0]["i"], dt.date.today())
    intro["stages"] = [{**s, "stage_name": project_rules.stage_name(s["stage"])} for s in rows[0]["stages"]]
    intro["notes"] = rows[0]["notes"]
    return intro


def check_refs(graph: Graph, enterprise: str, cluster: str, origin: str, investor: str | None = None,
               nodes: list[str] | None = None) -> str:
    """Validate the references; return the cluster's county (the write scope). The nodes must be in the cluster's own
    chain, so every object a project refers to is within that county's scope."""
    row = graph.read(REFS, enterprise=enterprise, cluster=cluster, origin=origin, investor=investor,
                     nodes=nodes or [])[0]
    errors = []
    if not row["enterprise"]:
        errors.append({"field": "enterprise", "reason": f"未登记的市场主体 {enterprise}"})
    if row["county"] is None:
        errors.append({"field": "cluster", "reason": f"未知的产业集群 {cluster}"})
    if not row["origin"]:
        errors.append({"field": "origin_region", "reason": f"未知的县级行政区划代码 {origin}"})
    if investor is not None and not row["investor"]:
        errors.append({"field": "investor", "reason": f"未登记的市场主体 {investor}"})
    if investor is not None and investor == enterprise:
        errors.append({"field": "investor", "reason": "引进的市场主体不能是自己的投资方"})
    if row["county"] is not None:
        errors += [{"field": "nodes", "reason": f"{n} 不是集群 {cluster} 产业链上的环节"} for n in row["foreign_nodes"]]
    if errors:
        raise Invalid("; ".join(f"{e['field']}: {e['reason']}" for e in errors), errors=errors)
    return str(row["county"])


def create_introduction(graph: Graph, data: dict[str, Any], by: dict[str, str],
                        counties: frozenset[str] | None = None) -> dict:
    """Record a project; for a caller who may write only `counties` (None: everywhere), a Hebei enterprise or investor
    of another county refuses it (write_scope.Reaches)."""
    intro_id = data.get("id") or f"intro-{secrets.token_hex(6)}"
    props = {k: data.get(k) for k in ("enterprise", "cluster", "origin_region", "introduced_on", "stage", "investor",
                                      *FIELDS)}
    problem = project_rules.move_problem(None, None, data["stage"], data["introduced_on"], None, dt.date.today())
    if data["stage"] == project_rules.TERMINATED:
        problem = ("stage", "新建项目不能处于终止阶段")
    if problem:
        field = "introduced_on" if problem[0] == "on" else problem[0]
        raise Invalid(f"{field}: {problem[1]}", errors=[{"field": field, "reason": problem[1]}])
    # a taken id -> Conflict from the constraint
    try:
        graph.write(CREATE, id=intro_id, props=props, nodes=data.get("nodes") or [], by=by,
                    open=list(project_rules.OPEN_STAGES), touches=footprints.INTRODUCTION,
                    change=Change("introduction.create", "introduction", (intro_id,), before_from="none"),
                    guard=None if counties is None else write_scope.INTRODUCTION_GUARD, counties=sorted(counties or ()))
    except Clash as clash:
        old = clash.existing
        if "home" in old:
            raise write_scope.Reaches(old) from None
        raise Conflict(f"与进行中的招商引进项目 {old['id']} 冲突：{props['enterprise']} 引进到 "
                       f"{props['cluster']}（阶段 {old['stage']}，引进日期 {old['introduced_on']}）") from None
    return get_introduction(graph, intro_id)


def patch_introduction(graph: Graph, current: dict[str, Any], changes: dict[str, Any], by: dict[str, str],
                       counties: frozenset[str] | None = None) -> dict:
    """Change a project's fields (`current`: the project as read); a `stage` here is a stage change dated today
    (POST …/stages takes a date). A new investor of another Hebei county than `counties` refuses it (as on create)."""
    intro_id = current["id"]
    move = {"stage": changes["stage"], "on": dt.date.today()} if changes.get("stage", current["stage"]) != current[
        "stage"] else None  # the same stage again changes nothing
    if move:  # a refused move refuses the whole request, before anything is written
        project_history.check_move(current, move)
    props = {k: v for k, v in changes.items() if k in ("introduced_on", "origin_region", "investor", *FIELDS)}
    if props or "nodes" in changes:
        try:
            graph.write(PATCH, id=intro_id, props=props, nodes=changes.get("nodes"), touches=footprints.INTRODUCTION,
                        change=Change("introduction.patch", "introduction", (intro_id,)),
                        guard=None if counties is None else write_scope.INTRODUCTION_GUARD,
                        counties=sorted(counties or ()))
        except Clash as clash:
            if isinstance(clash.existing, dict) and "home" in clash.existing:
                raise write_scope.Reaches(clash.existing) from None
            reason = f"不能晚于其后阶段记录的日期（{clash.existing}）"
            raise Invalid(f"introduced_on: {reason}", errors=[{"field": "introduced_on", "reason": reason}]) from None
    if move:  # the fields' write leaves the history alone, so `current` is still the history's state
        project_history.record_stage(graph, current, move, by, action="introduction.patch")
    return get_introduction(graph, intro_id)
