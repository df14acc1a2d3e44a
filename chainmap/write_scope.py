"""Which counties a write reaches through the objects its body refers to (issue 14, item 2).

Authorisation looked only at the object a path names. A body can refer to more: an enterprise's `chain_nodes` link it
into other clusters' chains (and change those nodes' status), and an introduced firm's revenue, status, type, group or
region decide another county's reward check. These lookups give the counties whose editors must consent; the rules
themselves are in chainmap.auth.
"""

from __future__ import annotations

from typing import Any, LiteralString

from chainmap.errors import Forbidden
from chainmap.graph import Graph
from chainmap.vocab import HEBEI_LITERAL

NODE_COUNTIES: LiteralString = (
    "UNWIND $ids AS id MATCH (c:Cluster)-[:HAS_NODE]->(n:ChainNode {id: id}) RETURN n.id AS id, c.county AS county"
)
# A firm decides a county's check as the introduced entity (OF) and as the investor a local project company's check
# takes for the enterprise (县域外, revenue: chainmap.rewards.rule). A project holds the firm's facts from its signed
# agreement on (签约, 注册, 在建, 投产/落地; the rule reads landed projects): a lead, a contact or a negotiation is a
# prospect several counties may pursue at once, and must not lock the facts of a firm another county landed (review:
# a 清河 lead refused 安平's revenue update of its landed firm). A terminated project (终止) holds nothing.
HOLDING_STAGES = ("signed", "registered", "building", "landed")
HOLDS: LiteralString = "i.stage IN ['signed', 'registered', 'building', 'landed']"
INTRODUCTION_COUNTIES: LiteralString = (
    "UNWIND $usccs AS uscc "
    "CALL (uscc) { MATCH (:Enterprise {uscc: uscc})<-[:OF]-(i:Introduction)-[:INTO]->(c:Cluster) "
    "  WHERE " + HOLDS + " RETURN c.county AS county "
    "  UNION MATCH (i:Introduction {investor: uscc})-[:INTO]->(c:Cluster) WHERE " + HOLDS + " "
    "  RETURN c.county AS county } "
    "RETURN uscc, collect(DISTINCT county) AS counties"
)
# Fields of an enterprise that a 三(三)6 reward check reads (chainmap.reward_checks.FACTS and the partner rules), with
# the names a refusal gives them.
REWARD_FACTS = ("revenue_cny", "status", "entity_type", "group", "region")
FACT_NAMES = {"revenue_cny": "营业收入", "status": "登记状态", "entity_type": "主体类型", "group": "所属企业",
              "region": "所在地"}
# The write guard (Graph.write's `guard`) of a change to firms, `$rows` as the loader writes them ({uscc, props}),
# for a caller who may write `$counties`. Under each firm's write lock (a property set and removed holds it to
# commit) it finds the counties the change reaches that the caller may not write: the firm's Hebei county, and, when
# the row changes a reward fact, the counties whose introductions take the firm as the introduced entity or as the
# investor. An introduction locks its firm and investor as it is created (chainmap.introductions), so a project
# recorded at the same moment is either seen here or recorded after this change: never missed in between.
GUARD: LiteralString = (
    "UNWIND $rows AS row MATCH (e:Enterprise {uscc: row.uscc}) SET e.__lock = true REMOVE e.__lock "
    "WITH e, any(f IN ['region', 'status', 'entity_type', 'group'] WHERE coalesce(row.props[f], '') <> coalesce(e[f], '')) "
    "  OR coalesce(row.props.revenue_years, []) <> coalesce(e.revenue_years, []) "
    "  OR coalesce(row.props.revenue_values, []) <> coalesce(e.revenue_values, []) AS decides "
    "CALL (e, decides) { WITH e WHERE e.region STARTS WITH " + HEBEI_LITERAL + " RETURN e.region AS county, 'home' AS part "
    "  UNION WITH e, decides WHERE decides MATCH (e)<-[:OF]-(i:Introduction)-[:INTO]->(c:Cluster) "
    "    WHERE " + HOLDS + " RETURN c.county AS county, 'checks' AS part "
    "  UNION WITH e, decides WHERE decides MATCH (i:Introduction {investor: e.uscc})-[:INTO]->(c:Cluster) "
    "    WHERE " + HOLDS + " RETURN c.county AS county, 'checks' AS part } "
    "WITH part, collect(DISTINCT county) AS reached WITH part, [c IN reached WHERE NOT c IN $counties] AS outside "
    "WHERE outside <> [] "
    "WITH collect([part, outside]) AS pairs "
    "RETURN CASE WHEN pairs = [] THEN null ELSE {home: [p IN pairs WHERE p[0] = 'home' | p[1]][0], "
    "  checks: [p IN pairs WHERE p[0] = 'checks' | p[1]][0]} END AS clash"
)

# The guard of an introduction's write ($props: its enterprise and investor, either may be absent): a Hebei firm it
# names is an object of that firm's county, which must be the caller's (`$counties`), under the firm's lock (the
# write takes the same locks in the same order). Firms outside Hebei are anyone's.
INTRODUCTION_GUARD: LiteralString = (
    "UNWIND [x IN [$props.enterprise, $props.investor] WHERE x IS NOT NULL] AS code "
    "MATCH (e:Enterprise {uscc: code}) SET e.__lock = true REMOVE e.__lock "
    "WITH collect(DISTINCT e.region) AS regions "
    "WITH [r IN regions WHERE r STARTS WITH " + HEBEI_LITERAL + " AND NOT r IN $counties] AS outside "
    "RETURN CASE WHEN outside = [] THEN null ELSE {home: outside} END AS clash"
)


class Reaches(Forbidden):
    """GUARD refused a write: `home`, the firms' counties, and `checks`, the counties whose reward checks the changed
    facts decide, that the caller may not write (the caller words the refusal: chainmap.auth)."""

    def __init__(self, reached: dict[str, list[str] | None]) -> None:
        super().__init__("该修改涉及本账号不能编辑的县")
        self.home = sorted(reached.get("home") or [])
        self.checks = sorted(reached.get("checks") or [])


def changed_facts(current: dict[str, Any], changes: dict[str, Any]) -> list[str]:
    """The reward facts a change sets to another value than the firm holds (a field sent unchanged decides nothing
    new); `current` as the API shows a firm (revenues by year as text)."""
    def revenue(figures: dict) -> dict[str, Any]:
        return {str(year): value for year, value in figures.items()}
    return [f for f in REWARD_FACTS if f in changes and (
        revenue(changes[f]) != revenue(current[f] or {}) if f == "revenue_cny" else changes[f] != current.get(f))]


def chain_node_counties(graph: Graph, node_ids: list[str]) -> dict[str, str]:
    """{chain node id: the county of the cluster whose chain it belongs to}."""
    if not node_ids:
        return {}
    return {r["id"]: r["county"] for r in graph.read(NODE_COUNTIES, ids=sorted(set(node_ids)))}


def introduction_counties(graph: Graph, usccs: list[str]) -> dict[str, list[str]]:
    """{enterprise: counties of the clusters it is introduced into, or whose introductions name it as the investor},
    for the enterprises that have such introductions."""
    if not usccs:
        return {}
    return {r["uscc"]: sorted(r["counties"]) for r in graph.read(INTRODUCTION_COUNTIES, usccs=sorted(set(usccs)))}
