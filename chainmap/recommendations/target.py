"""A node's target context: the node, its county's potential 协作配套 partners and introductions, the origin
districts and the rank-key lanes of its groups — what every candidate's score is measured against.

Read once per list (TARGET), or, when a process holds the context for an older partner token and the county's
partner log names every firm written since, patched by reading those firms alone (with_changed_partners;
chainmap.recommendations.reuse.cached_context decides which).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any, LiteralString

from chainmap import uscc
from chainmap.errors import NotFound
from chainmap.graph import Graph
from chainmap.policy import Policies, RewardPolicy
from chainmap.recommendations.score import PartnerCounts, Target
from chainmap.vocab import MARKET_SUPERVISION


@dataclass(frozen=True)
class Request:
    """One node's list as asked: which node, from where, how many, how large, on which day, under which policy."""

    cluster_id: str
    node_id: str
    origins: tuple[str, ...]
    limit: int
    min_revenue: int | None
    today: dt.date
    policies: Policies

    @property
    def config(self) -> dict[str, Any]:
        return self.policies.recommendation


# A local firm `p` the reward check could count as a 协作配套 partner of a firm tied to none of them
# (chainmap.rewards.rule._entity_exclusion, given its region: active, of a counted type, registered with market
# supervision when the policy asks it); the USCC check is left to chainmap.uscc.is_valid on the codes sent back
# (in Cypher it cost more than sending them). Filtered where the firms are: at province scale a node has thousands;
# tests check the count equals the rules'.
COUNTABLE: LiteralString = (
    "p.status = 'active' AND p.entity_type IN $counted_types AND (NOT $market_only OR left(p.uscc, 1) = $market)"
)
TARGET: LiteralString = (
    "MATCH (c:Cluster {id: $cluster})-[:HAS_NODE]->(n:ChainNode {id: $node}) "
    "MATCH (c)-[:LOCATED_IN]->(county:Region) "
    "CALL (n, c) { OPTIONAL MATCH (n)-[:FEEDS|SUPPORTS]-(:ChainNode)<-[:OPERATES_IN]-(p:Enterprise) "
    "  WHERE p.region = c.county "
    "  WITH DISTINCT p WHERE p IS NOT NULL AND " + COUNTABLE + " "
    "  RETURN collect(p.uscc) AS partners, collect(CASE WHEN p.group <> p.uscc THEN [p.uscc, p.group] END) AS grouped } "
    "CALL (c) { OPTIONAL MATCH (:Cluster {county: c.county})<-[:INTO]-(:Introduction)-[:OF]->(x:Enterprise) "
    "  RETURN collect(DISTINCT x.uscc) AS introduced } "
    "CALL () { MATCH (r:Region) WHERE any(p IN $origins WHERE r.adcode STARTS WITH p) AND r.lon IS NOT NULL "
    "  RETURN collect([r.adcode, r.lon, r.lat]) AS origin_points } "
    "CALL (n) { OPTIONAL MATCH (n)-[:CLASSIFIED_AS]->(:Industry)-[:IN]->(g:Industry) WITH DISTINCT g "
    "  OPTIONAL MATCH (g)<-[:IN*0..1]-(i:Industry) RETURN collect(DISTINCT i.code) AS lanes } "
    "OPTIONAL MATCH (keys:Revision {id: 'rank-keys'}) "
    "RETURN n.id AS id, n.name AS name, n.industry_codes AS codes, n.keywords AS keywords, county.adcode AS county, "
    "  county.name AS county_name, county.lon AS lon, county.lat AS lat, partners, grouped, introduced, origin_points, "
    "  lanes, keys.version AS keys"
)


def target_context(graph: Graph, req: Request) -> tuple[Target, dict[str, Any]]:
    """The node, its county's partners and introductions, and the origin districts (with `members`, the partners
    counted, for with_changed_partners)."""
    rows = graph.read(TARGET, cluster=req.cluster_id, node=req.node_id, origins=list(req.origins),
                      **counted_parameters(req.policies.reward))
    if not rows:
        raise NotFound(f"产业集群 {req.cluster_id} 没有环节 {req.node_id}")
    t = rows[0]
    members = _members(_valid(t["partners"]), t["grouped"])
    target = Target(node_id=t["id"], node_name=t["name"], codes=t["codes"], keywords=t["keywords"] or [],
                    county=t["county"], county_name=t["county_name"], lon=t["lon"], lat=t["lat"],
                    partners=_counts(members))
    return target, {"introduced": t["introduced"], "origin_points": t["origin_points"], "lanes": sorted(t["lanes"]),
                    "keys": t["keys"], "members": members}


# Which of `$usccs` are potential partners of the node now, as TARGET reads them.
PARTNERS_AMONG: LiteralString = (
    "MATCH (c:Cluster {id: $cluster})-[:HAS_NODE]->(n:ChainNode {id: $node}) "
    "UNWIND $usccs AS uscc MATCH (p:Enterprise {uscc: uscc}) "
    "WHERE p.region = c.county AND " + COUNTABLE + " AND EXISTS { (n)-[:FEEDS|SUPPORTS]-(:ChainNode)<-[:OPERATES_IN]-(p) } "
    "RETURN p.uscc AS uscc, CASE WHEN p.group <> p.uscc THEN p.group END AS group"
)


def with_changed_partners(graph: Graph, req: Request, context: tuple[Target, dict[str, Any]],
                          firms: set[str]) -> tuple[Target, dict[str, Any]]:
    """`context` with the partners among `firms` read again: what target_context would read when nothing else
    that it reads changed since (chainmap.recommendations.reuse.cached_context knows when)."""
    rows = graph.read(PARTNERS_AMONG, cluster=req.cluster_id, node=req.node_id, usccs=sorted(firms),
                      **counted_parameters(req.policies.reward))
    codes, grouped = context[1]["members"]
    members = _members([c for c in codes.split(",") if c and c not in firms] + _valid(r["uscc"] for r in rows),
                       [*([c, g] for c, g in grouped.items() if c not in firms),
                        *([r["uscc"], r["group"]] for r in rows if r["group"])])
    return replace(context[0], partners=_counts(members)), {**context[1], "members": members}


# The partners the rules count, as one text of their codes (a context is kept per process: at 8M a node can have
# thousands, and one text is a fifth of the memory of as many strings), with the group parent of those that have
# another firm as theirs.
Members = tuple[str, dict[str, str]]


def _valid(codes: Iterable[str]) -> list[str]:
    """The codes the rules count: valid USCCs (checked here; in Cypher it cost more than sending the codes)."""
    return [code for code in codes if uscc.is_valid(code)]


def _members(counted: list[str], grouped: Iterable[list[str]]) -> Members:
    known = set(counted)
    return ",".join(sorted(known)), {code: group for code, group in grouped if code in known}


def _counts(members: Members) -> PartnerCounts:
    return PartnerCounts(members[0].count(",") + 1 if members[0] else 0, dict(Counter(members[1].values())))


def counted_parameters(policy: RewardPolicy) -> dict[str, Any]:
    """The reward policy's partner rules as parameters of COUNTABLE."""
    return {"counted_types": sorted(policy.counted_entity_types), "market_only": policy.market_supervision_only,
            "market": MARKET_SUPERVISION}
