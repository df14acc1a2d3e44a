"""Reward checks and grants in the graph: gather the facts, record the verdict, grant once."""

from __future__ import annotations

import datetime as dt
import json
import secrets
from typing import Any, LiteralString

from chainmap import places, vocab
from chainmap.audit import Change
from chainmap.errors import Conflict, Invalid, NotFound
from chainmap.graph import Graph, footprints
from chainmap.paging import Page, envelope
from chainmap.policy import RewardPolicy
from chainmap.rewards import stale
from chainmap.rewards.rule import OUTCOME_NAMES, Facts, Investor, Relationship, evaluate

# Everything the rule needs in one round trip: the enterprise, its introductions into the cluster with their
# investors (their region and revenue), its 协作配套 partners, earlier grants, and the names of the places involved.
FACTS: LiteralString = (
    "MATCH (e:Enterprise {uscc: $uscc}) WHERE e.name IS NOT NULL "
    "MATCH (c:Cluster {id: $cluster}) "
    "CALL (e, c) { OPTIONAL MATCH (i:Introduction)-[:OF]->(e) WHERE (i)-[:INTO]->(c) "
    "  RETURN collect(i {.id, .name, .origin_region, .introduced_on, .stage, .investor}) AS intros } "
    "CALL (intros) { UNWIND [i IN intros WHERE i.investor IS NOT NULL | i.investor] AS code "
    "  MATCH (v:Enterprise {uscc: code}) "
    "  RETURN collect(v {.uscc, .name, .region, .revenue_years, .revenue_values}) AS investors } "
    "CALL (e) { "
    "  OPTIONAL MATCH (e)-[r:SUPPLIES]-(p:Enterprise) "
    "  RETURN collect(CASE WHEN r IS NULL THEN null ELSE {partner: p.uscc, name: p.name, entity_type: p.entity_type, "
    "    region: p.region, status: p.status, group: p.group, authority: p.registration_authority, kind: r.kind, "
    "    outgoing: startNode(r) = e, since: toString(r.since), until: toString(r.until)} END) AS rels } "
    "CALL (e) { OPTIONAL MATCH (g:RewardGrant {key: $policy + '|' + e.uscc}) "
    "  RETURN collect(g {.id, .check, granted_at: toString(g.granted_at)}) AS grants } "
    "CALL (e, c, intros, investors, rels) { "
    "  UNWIND [e.region, c.county] + [i IN intros | i.origin_region] + [v IN investors | v.region] "
    "    + [r IN rels | r.region] AS code WITH DISTINCT code "  # 200 partners sit in a handful of places
    "  MATCH (r:Region {adcode: code}) OPTIONAL MATCH (r)-[:PART_OF]->(up:Region) "
    "  RETURN collect(DISTINCT [r.adcode, CASE WHEN up IS NULL OR r.level = 'city' THEN r.name "
    "    ELSE up.name + r.name END]) AS places } "
    "RETURN e.uscc AS uscc, e.name AS name, e.region AS region, e.group AS group, "
    "  toString(e.registered_on) AS registered_on, "
    "  e.revenue_years AS years, e.revenue_values AS values, c.county AS county, c.name AS cluster_name, intros, "
    "  investors, rels, grants, places"
)
EXISTS: LiteralString = (
    "OPTIONAL MATCH (e:Enterprise {uscc: $uscc}) WHERE e.name IS NOT NULL OPTIONAL MATCH (c:Cluster {id: $cluster}) "
    "RETURN e IS NOT NULL AS enterprise, c IS NOT NULL AS cluster"
)
RECORD: LiteralString = (
    "CREATE (d:RewardDecision {id: $id, enterprise: $enterprise, cluster: $cluster, county: $county, as_of: $as_of, "
    "outcome: $outcome, amount_cny: $amount, policy_id: $policy_id, policy_version: $policy_version, "
    "checked_by: $by, checked_at: datetime(), result: $result}) "
    "WITH d MATCH (e:Enterprise {uscc: $enterprise}) CREATE (d)-[:CONCERNS]->(e) RETURN d.id AS id"
)
GET: LiteralString = "MATCH (d:RewardDecision {id: $id}) RETURN d.result AS result"
# Recorded checks, newest first; a check is never edited. Older decisions carry no county: their cluster's.
HISTORY: LiteralString = (
    "MATCH (d:RewardDecision) WHERE ($enterprise IS NULL OR d.enterprise = $enterprise) "
    "AND ($cluster IS NULL OR d.cluster = $cluster) AND ($outcome IS NULL OR d.outcome = $outcome) "
    "AND ($since IS NULL OR date(d.checked_at) >= $since) "
    "OPTIONAL MATCH (c:Cluster {id: d.cluster}) WITH d, coalesce(d.county, c.county) AS county "
    "WHERE $county IS NULL OR county = $county "
    "WITH collect([d, county]) AS found "
    "CALL (found) { UNWIND found AS f WITH f[0] AS d, f[1] AS county ORDER BY d.checked_at DESC, d.id "
    "  SKIP $skip LIMIT $limit "
    "  OPTIONAL MATCH (e:Enterprise {uscc: d.enterprise}) OPTIONAL MATCH (g:RewardGrant)-[:GRANTS]->(d) "
    "  RETURN collect(d {.id, .enterprise, .cluster, .as_of, .outcome, .amount_cny, .policy_version, .checked_by, "
    "    checked_at: toString(d.checked_at), county: county, enterprise_name: e.name, grant: g.id}) AS items } "
    "RETURN size(found) AS total, items"
)
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

def _day(text: str | None) -> dt.date | None:
    # Dates come as ISO text: hydrating hundreds of driver Date values cost more than parsing them. Every writer
    # of SUPPLIES sets `since` (it is part of the relationship's identity); `until` is open-ended when null.
    return dt.date.fromisoformat(text) if text is not None else None


def gather(graph: Graph, enterprise: str, cluster: str, rule: RewardPolicy) -> Facts:
    rows = graph.read(FACTS, uscc=enterprise, cluster=cluster, policy=rule.id)
    if not rows:
        found = graph.read(EXISTS, uscc=enterprise, cluster=cluster)[0]
        # The field code stays in `field`; the sentence an officer reads names the thing in Chinese.
        missing = [{"field": f, "reason": f"{what}：{v}"}
                   for f, what, v in (("enterprise", "未收录的市场主体", enterprise), ("cluster", "未收录的产业集群", cluster))
                   if not found[f]]
        raise Invalid("；".join(m["reason"] for m in missing) or "引用的对象不存在", errors=missing)
    row = rows[0]
    relationships = [
        Relationship(partner=r["partner"], name=r["name"], entity_type=r["entity_type"], region=r["region"],
                     status=r["status"], group=r["group"], relation=vocab.relation(r["kind"], r["outgoing"]),
                     since=dt.date.fromisoformat(r["since"]), until=_day(r["until"]), authority=r["authority"])
        for r in row["rels"]
    ]
    investors = {v["uscc"]: Investor(uscc=v["uscc"], name=v["name"], region=v["region"],
                                     revenue=dict(zip(v["revenue_years"] or [], v["revenue_values"] or [], strict=False)))
                 for v in row["investors"]}
    return Facts(
        enterprise=row["uscc"], enterprise_name=row["name"], enterprise_region=row["region"],
        enterprise_group=row["group"], revenue=dict(zip(row["years"] or [], row["values"] or [], strict=False)),
        cluster=cluster, county=row["county"], introductions=row["intros"], relationships=relationships,
        grants=row["grants"], investors=investors, places=dict(row["places"]), cluster_name=row["cluster_name"],
        registered_on=_day(row["registered_on"]),
    )


def run_check(graph: Graph, rule: RewardPolicy, enterprise: str, cluster: str, as_of: dt.date,
              by: str) -> str:
    """Evaluate and record; returns the recorded body as JSON text, which get_check returns unchanged later (the
    caller sends these very bytes: a check with hundreds of partners is not re-serialised)."""
    result = evaluate(gather(graph, enterprise, cluster, rule), rule, as_of)
    check_id = f"rc-{dt.date.today():%Y%m%d}-{secrets.token_hex(5)}"
    body = {"id": check_id, **result, "checked_by": by}
    text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    graph.write(RECORD, touches=footprints.NOTHING, id=check_id, enterprise=enterprise, cluster=cluster,
                county=result["cluster"]["county"], as_of=as_of,
                outcome=result["outcome"], amount=result["amount_cny"], policy_id=rule.id, policy_version=rule.version,
                by=by, result=text,
                change=Change("reward_check.create", "reward_check", (check_id,), county=result["cluster"].get("county"),
                              after={"enterprise": enterprise, "cluster": cluster, "as_of": as_of,
                                     "outcome": result["outcome"]}))
    return text


def list_checks(graph: Graph, page: Page, **filters: Any) -> dict[str, Any]:
    """Recorded checks filtered by enterprise, cluster, county, outcome and check date (since), newest first."""
    params = {k: filters.get(k) for k in ("enterprise", "cluster", "outcome", "since")}
    params["county"] = places.resolve_filters(graph, county=filters.get("county"))["county"]  # 422 when unknown
    row = graph.read(HISTORY, skip=page.skip, limit=page.per_page, **params)[0]
    return envelope(row["items"], row["total"], page)


def get_check(graph: Graph, check_id: str) -> dict[str, Any]:
    rows = graph.read(GET, id=check_id)
    if not rows:
        raise NotFound(f"没有编号为 {check_id} 的奖励核查")
    return json.loads(rows[0]["result"])


def grant(graph: Graph, rule: RewardPolicy, check_id: str, by: str) -> dict[str, Any]:
    """Record the one-time grant for an eligible check; a second grant for the same enterprise and policy is a 409."""
    check = get_check(graph, check_id)
    if check["outcome"] != "eligible":
        verdict = OUTCOME_NAMES.get(check["outcome"], check["outcome"])
        raise Invalid(f"核查 {check_id} 的结论为“{verdict}”，只有结论为“{OUTCOME_NAMES['eligible']}”的核查才能兑现",
                      errors=[{"field": "check", "reason": f"结论为“{verdict}”"}])
    stale.ensure_fresh(check, rule.max_check_age_days, dt.date.today(), lambda as_of: evaluate(
        gather(graph, check["enterprise"]["uscc"], check["cluster"]["id"], rule), rule, as_of))
    key = f"{check['policy']['id']}|{check['enterprise']['uscc']}"
    try:
        grant_id = f"rg-{secrets.token_hex(6)}"
        return graph.write(GRANT, touches=footprints.NOTHING, check=check_id, id=grant_id, key=key, by=by,
                           change=Change("reward_grant.create", "reward_grant", (grant_id,),
                                         county=check["cluster"].get("county"),
                                         after={"check": check_id, "enterprise": check["enterprise"]["uscc"],
                                                "amount_cny": check["amount_cny"]}))[0]["grant"]
    except Conflict:
        first = graph.read(FIRST_GRANT, key=key)[0]["grant"]
        raise Conflict(f"该政策下已兑现过：兑现记录 {first['id']}（核查 {first['check']}，"
                       f"{first['granted_at']}，经办密钥 {first['granted_by']}）；该奖励一次性兑现") from None


def get_grant(graph: Graph, grant_id: str) -> dict[str, Any]:
    rows = graph.read(GET_GRANT, id=grant_id)
    if not rows:
        raise NotFound(f"没有编号为 {grant_id} 的奖励兑现记录")
    return rows[0]["grant"]

