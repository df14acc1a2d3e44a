"""Audit entries in the graph, written inside the transaction of the write they describe (chainmap.audit)."""

from __future__ import annotations

import json
import secrets
from typing import Any, LiteralString

from chainmap.audit import Change, current_actor, diff

# How each kind's objects are read before and after a write: id, the county that owns it, and its fields.
SNAPSHOTS: dict[str, LiteralString] = {
    "cluster": "UNWIND $ids AS id OPTIONAL MATCH (n:Cluster {id: id}) RETURN id, n.county AS county, properties(n) AS p",
    "chain_node": (
        "UNWIND $ids AS id OPTIONAL MATCH (n:ChainNode {id: id}) OPTIONAL MATCH (c:Cluster {id: n.cluster}) "
        "RETURN id, c.county AS county, n {.name, .stage, .industry_codes, .keywords, .mark, .mark_reason, .mark_by, "
        "cluster: n.cluster, key: n.key} AS p"
    ),
    "enterprise": (
        "UNWIND $ids AS id OPTIONAL MATCH (n:Enterprise {uscc: id}) WHERE n.name IS NOT NULL "
        "RETURN id, n.region AS county, CASE WHEN n IS NULL THEN null ELSE n {.name, .entity_type, .region, "
        ".industry_codes, .status, .group, .registered_on, .products, .bj_restricted, .expansion_year, .green_factory, "
        ".revenue_years, .revenue_values, chain_nodes: [(n)-[:OPERATES_IN]->(x) | x.id]} END AS p"
    ),
    # "<source node id>-><target node id>"
    "chain_edge": (
        "UNWIND $ids AS id WITH id, split(id, '->') AS ends "
        "OPTIONAL MATCH (a:ChainNode {id: ends[0]})-[r:FEEDS|SUPPORTS]->(b:ChainNode {id: ends[1]}) "
        "OPTIONAL MATCH (c:Cluster {id: split(ends[0], '.')[0]}) "
        "RETURN id, c.county AS county, CASE WHEN r IS NULL THEN null ELSE {from: a.key, to: b.key, "
        "kind: coalesce(r.kind, 'service')} END AS p"
    ),
    # "<supplier uscc>-><customer uscc>|<kind>|<since>"
    "supply": (
        "UNWIND $ids AS id WITH id, split(id, '|') AS parts WITH id, parts, split(parts[0], '->') AS ends "
        "OPTIONAL MATCH (s:Enterprise {uscc: ends[0]})-[r:SUPPLIES {kind: parts[1], since: date(parts[2])}]->"
        "(c:Enterprise {uscc: ends[1]}) "
        "RETURN id, CASE WHEN c.region STARTS WITH '13' THEN c.region ELSE s.region END AS county, "
        "CASE WHEN r IS NULL THEN null ELSE r {.kind, .since, .until, .evidence} END AS p"
    ),
    "introduction": (
        "UNWIND $ids AS id OPTIONAL MATCH (n:Introduction {id: id}) OPTIONAL MATCH (n)-[:INTO]->(c:Cluster) "
        "RETURN id, c.county AS county, properties(n) AS p"
    ),
}
RECORD: LiteralString = (
    "UNWIND $entries AS e CREATE (a:AuditEntry {id: e.id, at: datetime(), actor: $actor, actor_label: $label, "
    "actor_role: $role, operation: $operation, object_kind: $kind, object_id: e.object, county: e.county, "
    "changes: e.changes})"
)
LIST: LiteralString = (
    "MATCH (a:AuditEntry) "
    "WHERE ($object IS NULL OR a.object_id = $object) AND ($kind IS NULL OR a.object_kind = $kind) "
    "AND ($actor IS NULL OR a.actor = $actor) AND ($county IS NULL OR a.county = $county) "
    "AND ($since IS NULL OR a.at >= datetime($since)) AND ($until IS NULL OR a.at < datetime($until)) "
    "WITH a ORDER BY a.at DESC, a.id DESC "
    "WITH collect(a {.id, .actor, .actor_label, .actor_role, .operation, .object_kind, .object_id, .county, "
    "  .changes, at: toString(a.at)}) AS rows "
    "RETURN size(rows) AS total, rows[$skip..$skip + $limit] AS items"
)


def snapshot(tx: Any, change: Change) -> dict[str, tuple[str | None, dict | None]]:
    query = SNAPSHOTS.get(change.kind)
    if query is None:
        return {}
    return {r["id"]: (r["county"], r["p"]) for r in tx.run(query, ids=list(change.ids))}


def record(tx: Any, change: Change, before: dict, after: dict, plain) -> None:
    """Append one entry per object that changed (nothing when no actor is acting)."""
    actor = current_actor()
    if actor is None:
        return
    entries = []
    for object_id in change.ids:
        old_county, old = before.get(object_id, (None, change.before))
        new_county, new = after.get(object_id, (None, change.after))
        changes = diff(plain(old), plain(new))
        if not changes and not change.extra:
            continue
        entries.append({"id": f"au-{secrets.token_hex(8)}", "object": object_id,
                        "county": change.county or new_county or old_county,
                        "changes": json.dumps({"fields": changes, **change.extra}, ensure_ascii=False, default=str)})
    if entries:
        tx.run(RECORD, entries=entries, actor=actor.key_id, label=actor.label, role=actor.role,
               operation=change.operation, kind=change.kind).consume()
