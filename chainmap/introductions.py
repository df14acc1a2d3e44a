"""Introductions (招商引进项目): an enterprise brought into a county's cluster, and its stage."""

from __future__ import annotations

import secrets
from typing import Any, LiteralString

from chainmap import places
from chainmap.audit import Change
from chainmap.errors import Conflict, Invalid, NotFound
from chainmap.graph import Graph, footprints
from chainmap.graph.adapter import Clash
from chainmap.paging import Page, envelope
from chainmap.vocab import INTRODUCTION_STAGES

_MAP: LiteralString = (
    "i {.id, .enterprise, .cluster, .origin_region, .introduced_on, .stage, .investor, enterprise_name: e.name, "
    "cluster_name: c.name, county: c.county}"
)
LIST: LiteralString = (
    "MATCH (i:Introduction)-[:OF]->(e:Enterprise), (i)-[:INTO]->(c:Cluster) "
    "WHERE ($cluster IS NULL OR c.id = $cluster) AND ($stage IS NULL OR i.stage = $stage) "
    "AND ($enterprise IS NULL OR e.uscc = $enterprise) AND ($county IS NULL OR c.county = $county) "
    "WITH i, e, c ORDER BY i.introduced_on DESC, i.id "
    "WITH collect(" + _MAP + ") AS rows RETURN size(rows) AS total, rows[$skip..$skip + $limit] AS items"
)
GET: LiteralString = (
    "MATCH (i:Introduction {id: $id})-[:OF]->(e:Enterprise), (i)-[:INTO]->(c:Cluster) RETURN " + _MAP + " AS i"
)
REFS: LiteralString = (
    "OPTIONAL MATCH (e:Enterprise {uscc: $enterprise}) WHERE e.name IS NOT NULL "
    "OPTIONAL MATCH (c:Cluster {id: $cluster}) "
    "OPTIONAL MATCH (r:Region {adcode: $origin, level: 'county'}) "
    "OPTIONAL MATCH (v:Enterprise {uscc: $investor}) WHERE v.name IS NOT NULL "
    "RETURN e IS NOT NULL AS enterprise, c.county AS county, r IS NOT NULL AS origin, v IS NOT NULL AS investor"
)
# Stages in which an introduction is open (all of today's: none closes one yet). One open introduction per
# enterprise and cluster, kept by the write: it locks the enterprise, looks for an open introduction of it into the
# cluster and returns it as `clash` (the adapter rolls back) or creates the new one.
OPEN_STAGES = INTRODUCTION_STAGES
CREATE: LiteralString = (
    "MATCH (e:Enterprise {uscc: $props.enterprise}), (c:Cluster {id: $props.cluster}) "
    "SET e.__lock = true REMOVE e.__lock "
    "WITH e, c OPTIONAL MATCH (o:Introduction)-[:OF]->(e) WHERE (o)-[:INTO]->(c) AND o.stage IN $open "
    "WITH e, c, head(collect(o {.id, .stage, introduced_on: toString(o.introduced_on)})) AS clash "
    "CALL (e, c, clash) { WITH e, c WHERE clash IS NULL "
    "  CREATE (i:Introduction {id: $id}) SET i += $props CREATE (i)-[:OF]->(e) CREATE (i)-[:INTO]->(c) } "
    "RETURN clash"
)
PATCH: LiteralString = "MATCH (i:Introduction {id: $id}) SET i += $props RETURN i.id AS id"


def list_introductions(graph: Graph, page: Page, **filters: Any) -> dict:
    params = {k: filters.get(k) for k in ("cluster", "stage", "enterprise")}
    params["county"] = places.resolve_filters(graph, county=filters.get("county"))["county"]  # 422 when unknown
    row = graph.read(LIST, skip=page.skip, limit=page.per_page, **params)[0]
    return envelope(row["items"], row["total"], page)


def get_introduction(graph: Graph, intro_id: str) -> dict:
    rows = graph.read(GET, id=intro_id)
    if not rows:
        raise NotFound(f"没有编号为 {intro_id} 的招商引进项目")
    return rows[0]["i"]


def check_refs(graph: Graph, enterprise: str, cluster: str, origin: str, investor: str | None = None) -> str:
    """Validate the references; return the cluster's county (the write scope)."""
    row = graph.read(REFS, enterprise=enterprise, cluster=cluster, origin=origin, investor=investor)[0]
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
    if errors:
        raise Invalid("; ".join(f"{e['field']}: {e['reason']}" for e in errors), errors=errors)
    return str(row["county"])


def create_introduction(graph: Graph, data: dict[str, Any]) -> dict:
    intro_id = data.get("id") or f"intro-{secrets.token_hex(6)}"
    props = {k: data[k] for k in ("enterprise", "cluster", "origin_region", "introduced_on", "stage")}
    props["investor"] = data.get("investor")
    # a taken id -> Conflict from the constraint
    try:
        graph.write(CREATE, id=intro_id, props=props, open=list(OPEN_STAGES), touches=footprints.INTRODUCTION,
                    change=Change("introduction.create", "introduction", (intro_id,)))
    except Clash as clash:
        old = clash.existing
        raise Conflict(f"与进行中的招商引进项目 {old['id']} 冲突：{props['enterprise']} 引进到 "
                       f"{props['cluster']}（阶段 {old['stage']}，引进日期 {old['introduced_on']}）") from None
    return get_introduction(graph, intro_id)


def patch_introduction(graph: Graph, intro_id: str, changes: dict[str, Any]) -> dict:
    props = {k: v for k, v in changes.items() if k in ("stage", "introduced_on", "origin_region", "investor")}
    graph.write(PATCH, id=intro_id, props=props, touches=footprints.INTRODUCTION,
                change=Change("introduction.patch", "introduction", (intro_id,)))
    return get_introduction(graph, intro_id)
