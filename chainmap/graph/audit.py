"""Audit entries in the graph, written inside the transaction of the write they describe (chainmap.audit).

Each entry keeps the object's state before and after the write as two AuditState nodes (its fields as
properties); the changed fields are computed from them when the trail is read. Writing costs one read before the
write (the old state) and one statement after it, which also renews the revision tokens of the write's scopes: the
new state is read, compared and stored on the server in that statement, without another round trip.
"""

from __future__ import annotations

import secrets
from typing import Any, LiteralString

from chainmap.audit import Change, current_actor
from chainmap.graph.footprints import PARTNER_LOG
from chainmap.vocab import HEBEI_LITERAL

# How each kind's object is read: from `id` to its county and its fields (`p`, null when it does not exist).
_BODIES: dict[str, LiteralString] = {
    "cluster": "OPTIONAL MATCH (n:Cluster {id: id}) RETURN id, n.county AS county, properties(n) AS p",
    "chain_node": (
        "OPTIONAL MATCH (n:ChainNode {id: id}) OPTIONAL MATCH (c:Cluster {id: n.cluster}) "
        "RETURN id, c.county AS county, n {.name, .stage, .industry_codes, .keywords, .mark, .mark_reason, .mark_by, "
        ".cluster, .key, mark_history: COLLECT { MATCH (n)-[:MARK_CHANGE]->(m) "
        "  RETURN coalesce(toString(m.on), '') + ' ' + coalesce(m.mark, 'none') + ' ' + coalesce(m.reason, '') AS h "
        "  ORDER BY h }} AS p"
    ),
    "enterprise": (
        "OPTIONAL MATCH (n:Enterprise {uscc: id}) WHERE n.name IS NOT NULL "
        "RETURN id, n.region AS county, n {.name, .entity_type, .region, .industry_codes, .status, .group, "
        ".registered_on, .products, .bj_restricted, .expansion_year, .green_factory, .revenue_years, .revenue_values, "
        "chain_nodes: [(n)-[:OPERATES_IN]->(x) | x.id]} AS p"
    ),
    # "<source node id>-><target node id>"
    "chain_edge": (
        "WITH id, split(id, '->') AS ends "
        "OPTIONAL MATCH (a:ChainNode {id: ends[0]})-[r:FEEDS|SUPPORTS]->(b:ChainNode {id: ends[1]}) "
        "OPTIONAL MATCH (c:Cluster {id: split(ends[0], '.')[0]}) "
        "RETURN id, c.county AS county, CASE WHEN r IS NULL THEN null ELSE {from: a.key, to: b.key, "
        "kind: coalesce(r.kind, 'service')} END AS p"
    ),
    # "<supplier uscc>-><customer uscc>|<kind>|<since>"
    "supply": (
        "WITH id, split(id, '|') AS parts WITH id, parts, split(parts[0], '->') AS ends "
        "OPTIONAL MATCH (s:Enterprise {uscc: ends[0]})-[r:SUPPLIES {kind: parts[1], since: date(parts[2])}]->"
        "(c:Enterprise {uscc: ends[1]}) "
        "RETURN id, CASE WHEN c.region STARTS WITH " + HEBEI_LITERAL + " THEN c.region ELSE s.region END AS county, "
        "CASE WHEN r IS NULL THEN null ELSE r {.kind, .since, .until, .evidence} END AS p"
    ),
    "introduction": (
        "OPTIONAL MATCH (n:Introduction {id: id}) OPTIONAL MATCH (n)-[:INTO]->(c:Cluster) "
        "RETURN id, c.county AS county, properties(n) AS p"
    ),
}
# Records the caller describes itself (created once, never read back by id here): `after` given by the Change.
_GIVEN: LiteralString = "RETURN id, null AS county, e.after AS p"

SNAPSHOTS: dict[str, LiteralString] = {kind: "UNWIND $ids AS id " + body for kind, body in _BODIES.items()}
_BUMP: LiteralString = (
    "CALL () { UNWIND $keys AS key MERGE (r:Revision {id: key}) SET r.token = randomUUID() " + PARTNER_LOG + " } "
)
_ENTRY: LiteralString = (
    # null-safe: in Cypher {a: null} <> {a: 1} is null, not true
    "WITH e, county, p WHERE e.before IS NULL OR p IS NULL OR any(k IN keys(p) + keys(e.before) WHERE coalesce("
    "  CASE WHEN p[k] IS NULL OR e.before[k] IS NULL THEN (p[k] IS NULL) <> (e.before[k] IS NULL) "
    "  ELSE p[k] <> e.before[k] END, true)) "
    "CREATE (a:AuditEntry {id: e.entry, at: datetime(), actor: $actor, actor_label: $label, actor_role: $role, "
    "operation: $operation, object_kind: $kind, object_id: e.id, county: coalesce($county, county, e.county)}) "
    "CREATE (a)-[:BEFORE]->(b:AuditState) SET b += coalesce(e.before, {}) "
    "CREATE (a)-[:AFTER]->(s:AuditState) SET s += coalesce(p, {})"
)
# After the write: renew the scopes' tokens, read each object's new state and append the entries, in one statement.
RECORD: dict[str, LiteralString] = {
    kind: _BUMP + "UNWIND $entries AS e CALL (e) { WITH e.id AS id " + body + " } " + _ENTRY
    for kind, body in _BODIES.items()
}
RECORD_GIVEN: LiteralString = _BUMP + "UNWIND $entries AS e CALL (e) { WITH e, e.id AS id " + _GIVEN + " } " + _ENTRY
# Work written in several transactions (an import's batches, a directory load): one entry, appended once they have
# committed, describing what they wrote (chainmap.audit_log.record_work). It changes no data a cache reads.
RECORD_WORK: LiteralString = "UNWIND $entries AS e CALL (e) { WITH e, e.id AS id " + _GIVEN + " } " + _ENTRY

LIST: LiteralString = (
    "MATCH (a:AuditEntry) "
    "WHERE ($object IS NULL OR a.object_id = $object) AND ($kind IS NULL OR a.object_kind = $kind) "
    "AND ($actor IS NULL OR a.actor = $actor) AND ($county IS NULL OR a.county = $county) "
    "AND ($since IS NULL OR a.at >= datetime($since)) AND ($until IS NULL OR a.at < datetime($until)) "
    "WITH a ORDER BY a.at DESC, a.id DESC "
    "WITH collect(a) AS found "
    "UNWIND found[$skip..$skip + $limit] AS a "
    "OPTIONAL MATCH (a)-[:BEFORE]->(b:AuditState) OPTIONAL MATCH (a)-[:AFTER]->(s:AuditState) "
    "RETURN size(found) AS total, a {.id, .actor, .actor_label, .actor_role, .operation, .object_kind, .object_id, "
    ".county, at: toString(a.at)} AS entry, properties(b) AS before, properties(s) AS after"
)
COUNT: LiteralString = (
    "MATCH (a:AuditEntry) "
    "WHERE ($object IS NULL OR a.object_id = $object) AND ($kind IS NULL OR a.object_kind = $kind) "
    "AND ($actor IS NULL OR a.actor = $actor) AND ($county IS NULL OR a.county = $county) "
    "AND ($since IS NULL OR a.at >= datetime($since)) AND ($until IS NULL OR a.at < datetime($until)) "
    "RETURN count(a) AS total"
)


def audited(change: Change | None) -> bool:
    return change is not None and current_actor() is not None


def snapshot(tx: Any, change: Change, plain) -> dict[str, tuple[str | None, dict | None]]:
    """Each object's county and state before the write (kinds the adapter can read; others: `change.before`)."""
    query = SNAPSHOTS.get(change.kind)
    if query is None or change.before_from != "read":
        return {}
    return {r["id"]: (r["county"], plain(r["p"])) for r in tx.run(query, ids=list(change.ids))}


def returned(records: list[Any], plain) -> dict[str, tuple[str | None, dict | None]]:
    """The old states a write statement returned in its `audit_before` column (Change.before_from == "write")."""
    return {b["id"]: (b["county"], plain(b["p"])) for r in records for b in (r["audit_before"] or [])}


def record(tx: Any, change: Change, before: dict[str, tuple[str | None, dict | None]], keys: list[str],
           firms: list[str] | None = None) -> None:
    """Renew `keys` (logging `firms` on the partner keys: chainmap.graph.footprints) and append one entry per object
    whose state changed, in one statement."""
    actor = current_actor()
    assert actor is not None  # audited() said there is one
    entries = []
    for object_id in change.ids:
        county, state = before.get(object_id, (None, change.before))
        entries.append({"entry": f"au-{secrets.token_hex(8)}", "id": object_id, "county": county, "before": state,
                        "after": change.after})
    query = RECORD.get(change.kind, RECORD_GIVEN)
    tx.run(query, keys=keys, firms=firms, entries=entries, actor=actor.key_id, label=actor.label, role=actor.role,
           operation=change.operation, kind=change.kind, county=change.county).consume()
