"""Reward checks and grants in the graph: gather the facts, record the verdict, grant once."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from typing import Any, LiteralString

from chainmap import partners as partner_relations
from chainmap import stale_checks
from chainmap.audit import Change
from chainmap.errors import Conflict, Invalid, NotFound
from chainmap.graph import Graph, scopes
from chainmap.rewards import Facts, Policy, Relationship, evaluate, load_policy

# Everything the rule needs in one round trip.
FACTS: LiteralString = (
    "MATCH (e:Enterprise {uscc: $uscc}) WHERE e.name IS NOT NULL "
    "MATCH (c:Cluster {id: $cluster}) "
    "CALL (e, c) { OPTIONAL MATCH (i:Introduction)-[:OF]->(e) WHERE (i)-[:INTO]->(c) "
    "  RETURN collect(i {.id, .origin_region, .introduced_on, .stage}) AS intros } "
    "CALL (e) { "
    "  OPTIONAL MATCH (e)-[r:SUPPLIES]-(p:Enterprise) "
    "  RETURN collect(CASE WHEN r IS NULL THEN null ELSE {partner: p.uscc, name: p.name, entity_type: p.entity_type, "
    "    region: p.region, status: p.status, group: p.group, kind: r.kind, outgoing: startNode(r) = e, "
    "    since: r.since, until: r.until} END) AS rels } "
    "CALL (e) { OPTIONAL MATCH (g:RewardGrant {enterprise: e.uscc, policy_id: $policy}) "
    "  RETURN collect(g {.id, .check, granted_at: toString(g.granted_at)}) AS grants } "
    "RETURN e.uscc AS uscc, e.name AS name, e.region AS region, e.group AS group, "
    "  e.revenue_years AS years, e.revenue_values AS values, c.county AS county, intros, rels, grants"
)
EXISTS: LiteralString = (
    "OPTIONAL MATCH (e:Enterprise {uscc: $uscc}) WHERE e.name IS NOT NULL OPTIONAL MATCH (c:Cluster {id: $cluster}) "
    "RETURN e IS NOT NULL AS enterprise, c IS NOT NULL AS cluster"
)
RECORD: LiteralString = (
    "CREATE (d:RewardDecision {id: $id, enterprise: $enterprise, cluster: $cluster, as_of: $as_of, "
    "outcome: $outcome, amount_cny: $amount, policy_id: $policy_id, policy_version: $policy_version, "
    "checked_by: $by, checked_at: datetime(), result: $result}) "
    "WITH d MATCH (e:Enterprise {uscc: $enterprise}) CREATE (d)-[:CONCERNS]->(e) RETURN d.id AS id"
)
GET: LiteralString = "MATCH (d:RewardDecision {id: $id}) RETURN d.result AS result"
GRANT: LiteralString = (
    "MATCH (d:RewardDecision {id: $check}) "
    "CREATE (g:RewardGrant {id: $id, key: $key, check: $check, enterprise: d.enterprise, cluster: d.cluster, "
    "policy_id: d.policy_id, policy_version: d.policy_version, amount_cny: d.amount_cny, granted_by: $by, "
    "granted_at: datetime()}) CREATE (g)-[:GRANTS]->(d) "
    "RETURN g {.id, .check, .enterprise, .cluster, .policy_id, .policy_version, .amount_cny, .granted_by, "
    "granted_at: toString(g.granted_at)} AS grant"
)
FIRST_GRANT: LiteralString = (
    "MATCH (g:RewardGrant {key: $key}) RETURN g {.id, .check, .granted_by, granted_at: toString(g.granted_at)} AS grant"
)
GET_GRANT: LiteralString = (
    "MATCH (g:RewardGrant {id: $id}) RETURN g {.id, .check, .enterprise, .cluster, .policy_id, .policy_version, "
    ".amount_cny, .granted_by, granted_at: toString(g.granted_at)} AS grant"
)

_POLICY: Policy | None = None


def policy() -> Policy:
    """The policy file, read once per process."""
    global _POLICY
    if _POLICY is None:
        _POLICY = load_policy()
    return _POLICY


def gather(graph: Graph, enterprise: str, cluster: str, rule: Policy) -> Facts:
    rows = graph.read(FACTS, uscc=enterprise, cluster=cluster, policy=rule.id)
    if not rows:
        found = graph.read(EXISTS, uscc=enterprise, cluster=cluster)[0]
        missing = [{"field": f, "reason": f"unknown {f} {v}"} for f, v in (("enterprise", enterprise), ("cluster", cluster))
                   if not found[f]]
        raise Invalid("; ".join(f"{m['field']}: {m['reason']}" for m in missing) or "unknown reference", errors=missing)
    row = rows[0]
    relationships = [
        Relationship(partner=r["partner"], name=r["name"], entity_type=r["entity_type"], region=r["region"],
                     status=r["status"], group=r["group"], relation=partner_relations.relation(r["kind"], r["outgoing"]),
                     since=r["since"], until=r["until"])
        for r in row["rels"]
    ]
    return Facts(
        enterprise=row["uscc"], enterprise_name=row["name"], enterprise_region=row["region"],
        enterprise_group=row["group"], revenue=dict(zip(row["years"] or [], row["values"] or [], strict=False)),
        cluster=cluster, county=row["county"], introductions=row["intros"], relationships=relationships,
        grants=row["grants"],
    )


def run_check(graph: Graph, enterprise: str, cluster: str, as_of: dt.date, by: str) -> dict[str, Any]:
    """Evaluate and record; the recorded body is returned unchanged by get_check later."""
    rule = policy()
    result = evaluate(gather(graph, enterprise, cluster, rule), rule, as_of)
    check_id = f"rc-{dt.date.today():%Y%m%d}-{secrets.token_hex(5)}"
    body = {"id": check_id, **result, "checked_by": by}
    graph.write(RECORD, touches=scopes.NOTHING, id=check_id, enterprise=enterprise, cluster=cluster, as_of=as_of,
                outcome=result["outcome"], amount=result["amount_cny"], policy_id=rule.id, policy_version=rule.version,
                by=by, result=json.dumps(body, ensure_ascii=False, sort_keys=True),
                change=Change("reward_check.create", "reward_check", (check_id,), county=result["cluster"].get("county"),
                              after={"enterprise": enterprise, "cluster": cluster, "as_of": as_of,
                                     "outcome": result["outcome"]}))
    return body


def get_check(graph: Graph, check_id: str) -> dict[str, Any]:
    rows = graph.read(GET, id=check_id)
    if not rows:
        raise NotFound(f"no reward check with id {check_id!r}")
    return json.loads(rows[0]["result"])


def grant(graph: Graph, check_id: str, by: str) -> dict[str, Any]:
    """Record the one-time grant for an eligible check; a second grant for the same enterprise and policy is a 409."""
    check = get_check(graph, check_id)
    if check["outcome"] != "eligible":
        raise Invalid(f"check {check_id} is {check['outcome']}; only an eligible check can be granted",
                      errors=[{"field": "check", "reason": f"outcome is {check['outcome']}"}])
    rule = policy()
    stale_checks.ensure_fresh(check, rule.max_check_age_days, dt.date.today(), lambda as_of: evaluate(
        gather(graph, check["enterprise"]["uscc"], check["cluster"]["id"], rule), rule, as_of))
    key = f"{check['policy']['id']}|{check['enterprise']['uscc']}"
    try:
        grant_id = f"rg-{secrets.token_hex(6)}"
        return graph.write(GRANT, touches=scopes.NOTHING, check=check_id, id=grant_id, key=key, by=by,
                           change=Change("reward_grant.create", "reward_grant", (grant_id,),
                                         county=check["cluster"].get("county"),
                                         after={"check": check_id, "enterprise": check["enterprise"]["uscc"],
                                                "amount_cny": check["amount_cny"]}))[0]["grant"]
    except Conflict:
        first = graph.read(FIRST_GRANT, key=key)[0]["grant"]
        raise Conflict(f"already granted under this policy: grant {first['id']} (check {first['check']}, "
                       f"{first['granted_at']}, by {first['granted_by']}); the award is one-time") from None


def get_grant(graph: Graph, grant_id: str) -> dict[str, Any]:
    rows = graph.read(GET_GRANT, id=grant_id)
    if not rows:
        raise NotFound(f"no reward grant with id {grant_id!r}")
    return rows[0]["grant"]

