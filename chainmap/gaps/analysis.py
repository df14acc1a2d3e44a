"""Gap analysis against the graph: one query fetches the facts for any set of clusters; chainmap.gaps.rules decides."""

from __future__ import annotations

import contextvars
import datetime as dt
import functools
import json
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, LiteralString

from chainmap import places
from chainmap.errors import NotFound, Unavailable
from chainmap.gaps.rules import NodeFacts, analyse
from chainmap.geo import haversine_km
from chainmap.graph import Graph, footprints
from chainmap.policy import Thresholds
from chainmap.vocab import CHAIN_STAGES, GAP_STATUSES, HEBEI, HEBEI_LITERAL, LOCALITIES, UNKNOWN_TYPE

# Facts per chain node, for one scope. Local supply (就近就地配套) is every active entity registered in the scope and
# attached to this link (a node of the same key, in any cluster's chain) or classified in one of the node's own
# GB/T 4754 codes (those no other link of its chain shares: 分梳 and 制条纺纱 are both 1721, 精密紧固件 and 镦制 both
# 3482, so the class cannot tell such links apart and attachment decides), whichever cluster it belongs to. It is
# counted by entity type and region (the province pass also finds the nearest other counties with supply). Inbound
# supply and the lone supplier's customers are read around the cluster's own entities of the node (`members`). At
# province scale this walks tens of thousands of relationships per cluster, so the result is stored on the node
# (n.facts, JSON for all three scopes) by refresh_facts() whenever a load or an API write touches the node, and
# read back by the analysis. Entities are read from the node and filtered after the UNION (status, region), so no
# plan starts from every active or every Hebei enterprise. SCOPE_PREFIX: cluster c's adcode prefix for $scope.
SCOPE_PREFIX: LiteralString = (
    "CASE $scope WHEN 'county' THEN c.county WHEN 'city' THEN substring(c.county, 0, 4) "
    "  ELSE " + HEBEI_LITERAL + " END AS prefix "
)


# Node n's own class codes in cluster c: those no other link of c's chain shares.
OWN_CODES: LiteralString = ("[x IN coalesce(n.industry_codes, []) WHERE NOT any(m IN [(c)-[:HAS_NODE]->(m:ChainNode) "
                            "  WHERE m <> n | m] WHERE x IN coalesce(m.industry_codes, []))]")


def scope_prefix(scope: LiteralString) -> LiteralString:
    """The adcode prefix of cluster c's `scope` (county, city or province); scope_prefix_of is its Python twin."""
    return ("CASE " + scope + " WHEN 'county' THEN c.county WHEN 'city' THEN substring(c.county, 0, 4) "
            "ELSE " + HEBEI_LITERAL + " END")


def scope_prefix_of(scope: str, county: str) -> str:
    return {"county": county, "city": county[:4]}.get(scope, HEBEI)


def in_force_today(day: LiteralString) -> LiteralString:
    """SUPPLIES r counted in today's stored facts, computed on `day` (a relationship dated to begin later counts)."""
    return "(r.until IS NULL OR r.until >= " + day + ")"


def alive_on(v: LiteralString, day: LiteralString) -> LiteralString:
    """The entity `v` exists and is in business on `day` (chainmap.gaps.as_of says why these dates)."""
    return ("(coalesce(" + v + ".registered_on, " + v + ".recorded_on) IS NULL OR coalesce(" + v + ".registered_on, "
            + v + ".recorded_on) <= " + day + ") AND (" + v + ".status = 'active' OR " + v + ".status_on > " + day + ")")


def in_force_on(day: LiteralString) -> LiteralString:
    """SUPPLIES r in force on a past `day`: from its since to its until, both inclusive."""
    return "(r.since IS NULL OR r.since <= " + day + ") AND " + in_force_today(day)


# Inbound SUPPLIES r from s into a node's member, counted for `prefix` (all, from outside Hebei, from the scope).
INBOUND_COUNTS: LiteralString = (
    "count(r) AS inbound, count(CASE WHEN NOT s.region STARTS WITH " + HEBEI_LITERAL + " THEN 1 END) AS outside, "
    "count(CASE WHEN s.region STARTS WITH prefix THEN 1 END) AS in_scope"
)


def single_customers(alive_cust: LiteralString, in_force: LiteralString) -> LiteralString:
    """The distinct local customers (for `prefix`) of the lone local entity `one` (a USCC, '' for none)."""
    return (
        "OPTIONAL MATCH (x:Enterprise {uscc: one})-[r:SUPPLIES]->(cust:Enterprise) "
        "WHERE " + alive_cust + " AND cust.region STARTS WITH prefix AND " + in_force + " "
        "RETURN count(DISTINCT cust) AS single_customers, min(r.until) AS single_expires"
    )


def local_entities(alive_e: LiteralString) -> LiteralString:
    """Node n's local entities (e) for `prefix`, as described above, counting those `alive_e` holds for: one
    definition for the gap facts (today's and as of a day) and the firm list."""
    return (
        "  WITH n, prefix, " + OWN_CODES + " AS own "
        "  CALL (n, own) { MATCH (e:Enterprise)-[:OPERATES_IN]->(:ChainNode {key: n.key}) RETURN e "
        "    UNION MATCH (n)-[:CLASSIFIED_AS]->(i:Industry)<-[:CLASSIFIED_AS]-(e:Enterprise) WHERE i.code IN own "
        "    RETURN e } "
        "  WITH e WHERE " + alive_e + " AND e.region STARTS WITH prefix "
    )


LOCAL_ENTITIES: LiteralString = local_entities("e.status = 'active'")


def compute_query(alive_e: LiteralString, alive_cust: LiteralString, in_force: LiteralString) -> LiteralString:
    """The facts query for $nodes in each of $scopes, with its time predicates: which entities count (`alive_e`,
    `alive_cust` for a lone supplier's customers) and which SUPPLIES are in force (`in_force`, over r). COMPUTE asks
    about today, COMPUTE_AS_OF about $day (chainmap.gaps.as_of). A node's supply across Hebei by (type, region) is
    walked once; each scope keeps the regions under its prefix."""
    return (
        "UNWIND $nodes AS nid MATCH (c:Cluster)-[:HAS_NODE]->(n:ChainNode {id: nid}) "
        "CALL (c, n) { WITH c, n, " + HEBEI_LITERAL + " AS prefix " + local_entities(alive_e) +
        "  WITH e.entity_type AS type, e.region AS region, count(e) AS k, collect(e {.uscc, .name})[0] AS one "
        "  RETURN collect([type, region, k]) AS hebei_supply, collect([region, one]) AS hebei_ones } "
        "UNWIND $scopes AS scope "
        "WITH c, n, scope, hebei_supply, hebei_ones, " + scope_prefix("scope") + " AS prefix "
        "WITH c, n, scope, prefix, [s IN hebei_supply WHERE s[1] STARTS WITH prefix] AS supply, "
        "  [o IN hebei_ones WHERE o[0] STARTS WITH prefix | o[1]] AS ones "
        "CALL (n, prefix) { "
        "  OPTIONAL MATCH (e:Enterprise)-[:OPERATES_IN]->(n) WHERE " + alive_e + " AND e.region STARTS WITH prefix "
        "  RETURN collect(e.uscc) AS members } "
        "WITH c, n, scope, prefix, members, supply, ones, reduce(t = 0, s IN supply | t + s[2]) AS total "
        "CALL (members, prefix) { "
        "  UNWIND (CASE WHEN size(members) = 0 THEN [null] ELSE members END) AS m "
        "  OPTIONAL MATCH (s:Enterprise)-[r:SUPPLIES]->(:Enterprise {uscc: m}) WHERE " + in_force + " "
        "  RETURN " + INBOUND_COUNTS + ", min(r.until) AS expires } "
        "CALL (total, ones, prefix) { WITH prefix, CASE WHEN total = 1 THEN ones[0].uscc ELSE '' END AS one "
        + single_customers(alive_cust, in_force) + " } "
        "RETURN n.id AS id, scope, c.county AS county, size(members) AS members, supply, total, "
        "  CASE WHEN total = 1 THEN ones[0] END AS single, inbound, outside, in_scope, single_customers, "
        "  CASE WHEN single_expires IS NULL OR expires < single_expires THEN expires ELSE single_expires END AS expires"
    )


COMPUTE: LiteralString = compute_query("e.status = 'active'", "cust.status = 'active'", in_force_today("$day"))
HEBEI_COUNTIES: LiteralString = (
    "MATCH (r:Region {level: 'county'})-[:PART_OF]->(city:Region) WHERE r.adcode STARTS WITH " + HEBEI_LITERAL + " "
    "RETURN r.adcode AS adcode, city.name + r.name AS name, r.lon AS lon, r.lat AS lat"
)
# The layout of n.facts; facts of another layout are refreshed before they are read.
FACTS_VERSION = 3
# Stored only where the facts are still those the computation started from (the stamp read first, compared under
# the node's lock): a write that kept them by delta meanwhile (chainmap.gaps.delta) renewed the stamp, and its result
# is not overwritten.
STORE: LiteralString = (
    "UNWIND $rows AS row MATCH (n:ChainNode {id: row.id}) SET n.__lock = true REMOVE n.__lock "
    "WITH n, row WHERE coalesce(n.facts_stamp, '') = row.stamp "
    "SET n.facts = row.facts, n.facts_on = $today, n.facts_expire = row.expires, n.singles = row.singles, "
    "  n.facts_stamp = randomUUID() "
    "RETURN n.id AS id"
)
STAMPS: LiteralString = "UNWIND $ids AS nid MATCH (n:ChainNode {id: nid}) RETURN n.id AS id, coalesce(n.facts_stamp, '') AS stamp"
STORED: LiteralString = (
    "UNWIND $ids AS cid MATCH (c:Cluster {id: cid})-[:HAS_NODE]->(n:ChainNode) "
    "RETURN c.id AS cluster, c.county AS county, n.id AS id, n.key AS key, n.facts AS facts, n.facts_on AS facts_on, "
    "  n.facts_expire AS expires, n.mark AS mark, n.mark_reason AS mark_reason, n.mark_by AS mark_by, "
    "  n.industry_codes AS codes, " + OWN_CODES + " AS own"
)
ALL_NODES: LiteralString = "MATCH (n:ChainNode) RETURN n.id AS id ORDER BY id"
CLUSTERS: LiteralString = (
    "MATCH (c:Cluster)-[:LOCATED_IN]->(county:Region)-[:PART_OF]->(city:Region) "
    "WHERE ($city IS NULL OR city.adcode = $city) "
    "AND ($county IS NULL OR county.adcode = $county) AND ($category IS NULL OR c.category = $category) "
    "AND ($cluster IS NULL OR c.id = $cluster) "
    "RETURN c.id AS id, c.name AS name, c.category AS category, county.adcode AS county, county.name AS county_name, "
    "  city.adcode AS city, city.name AS city_name ORDER BY c.id"
)
NODES: LiteralString = (
    "UNWIND $ids AS cid MATCH (c:Cluster {id: cid})-[:HAS_NODE]->(n:ChainNode) "
    "RETURN n.id AS id, n.cluster AS cluster, n.key AS key, n.name AS name, n.stage AS stage, " + OWN_CODES + " AS own, "
    "  n.industry_codes AS industry_codes, [(n)-[:CLASSIFIED_AS]->(i:Industry) | [i.code, i.name]] AS industries "
    "ORDER BY n.cluster, n.stage, n.id"
)


REFRESH_TRIES = 3
BUSY_FACTS = "产业链环节的统计正被同时进行的写入更新，请稍后再试"
# Nodes whose stored facts a read would recompute first: none yet, another layout, or a counted relationship ended.
UNREADY: LiteralString = (
    "MATCH (n:ChainNode) RETURN n.id AS id, n.facts AS facts, n.facts_expire AS expires ORDER BY id"
)


def refresh_unready(graph: Graph) -> int:
    """Recompute the stored facts a read would otherwise recompute inside a request (after an upgrade changed their
    layout, or a bulk change dropped them); returns how many. scripts/run calls it at every start."""
    today = dt.date.today()
    stale = [r["id"] for r in graph.read(UNREADY) if needs_refresh(r, today)]
    return refresh_facts(graph, stale) if stale else 0


def all_current(graph: Graph) -> bool:
    """The graph has chain nodes and every one's stored facts are current (a delta can follow them)."""
    rows = graph.read(UNREADY)
    today = dt.date.today()
    return bool(rows) and not any(needs_refresh(r, today) for r in rows)


def needs_refresh(row: dict[str, Any], today: dt.date) -> bool:
    """A node row (facts, expires) whose stored facts a read recomputes first: none, another layout, or expired."""
    return not is_current(row["facts"]) or (row["expires"] is not None and row["expires"] < today)


def refresh_facts(graph: Graph, node_ids: list[str] | None = None, batch: int = 40, workers: int = 1) -> int:
    """Recompute and store the facts of these chain nodes (all when None); returns how many were refreshed.
    `workers` threads recompute batches side by side, for callers that own the machine (the end of a load): the
    server runs each batch's query on one core."""
    ids = node_ids if node_ids is not None else [r["id"] for r in graph.read(ALL_NODES)]
    if not ids:
        return 0
    today = dt.date.today()
    counties = {r["adcode"]: r for r in graph.read(HEBEI_COUNTIES)}

    def refresh(part: list[str]) -> None:
        stamps = {r["id"]: r["stamp"] for r in graph.read(STAMPS, ids=part)}
        per_node, expiry = compute_facts(graph, COMPUTE, part, today, LOCALITIES, counties)
        rows = [{"id": nid, "facts": json.dumps(f, ensure_ascii=False, sort_keys=True), "expires": expiry.get(nid),
                 "singles": singles_of(f), "stamp": stamps.get(nid, "")}
                for nid, f in per_node.items() if len(f) > 1]
        graph.write(STORE, rows=rows, today=today, touches=footprints.NOTHING)

    parts = [ids[start:start + batch] for start in range(0, len(ids), batch)]
    context = contextvars.copy_context()  # the caller's budget, if any, bounds every thread's waits
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        list(pool.map(lambda part: context.copy().run(refresh, part), parts))
    return len(ids)


def singles_of(facts: dict[str, Any]) -> list[str]:
    """The lone local firms of a node's stored facts, in any scope (n.singles: a write to one of them or to its
    customers looks them up again, chainmap.gaps.delta)."""
    return sorted({facts[s]["single"]["uscc"] for s in LOCALITIES if s in facts and facts[s]["single"]})


def compute_facts(graph: Graph, query: LiteralString, ids: list[str], day: dt.date, scopes: tuple[str, ...],
                  counties: dict[str, dict]) -> tuple[dict[str, dict], dict[str, dt.date]]:
    """({node id: facts in the stored layout, for these scopes}, {node id: the first end date of a counted
    relationship}) on `day`, by `query` (COMPUTE or chainmap.gaps.as_of.COMPUTE_AS_OF)."""
    return assemble_facts(graph.read(query, nodes=ids, scopes=list(scopes), day=day), ids, counties)


def assemble_facts(rows: Iterable[dict[str, Any]], ids: list[str],
                   counties: dict[str, dict]) -> tuple[dict[str, dict], dict[str, dt.date]]:
    """compute_facts from the rows of its query (or of chainmap.gaps.tally, which counts them while a bulk load
    writes its files)."""
    per_node: dict[str, dict] = {nid: {"v": FACTS_VERSION} for nid in ids}
    expiry: dict[str, dt.date] = {}
    for row in rows:
        scope = row["scope"]
        if row["expires"] is not None:
            expiry[row["id"]] = min(filter(None, (expiry.get(row["id"]), row["expires"])))
        types: dict[str, int] = {}
        for entity_type, _, k in row["supply"]:
            kind = entity_type or UNKNOWN_TYPE
            types[kind] = types.get(kind, 0) + k
        single = row["single"]
        per_node[row["id"]][scope] = {
            "types": dict(sorted(types.items())), "members": row["members"], "inbound": row["inbound"],
            "outside": row["outside"], "in_scope": row["in_scope"],
            "single": {"uscc": single["uscc"], "name": single["name"],
                       "customers": row["single_customers"]} if single else None}
        if scope == "province":
            # the supply across Hebei by (type, region): chainmap.gaps.as_of corrects it to a past day
            per_node[row["id"]]["supply"] = sorted(row["supply"], key=lambda s: (s[1], s[0] or ""))
            per_node[row["id"]]["nearest"] = nearest_supply(row["county"], row["supply"], counties)
    return per_node, expiry


def types_in(hebei: list[list], prefix: str) -> Counter:
    """Local supply by entity type within a scope, from the supply across Hebei by (type, region, count)."""
    types: Counter = Counter()
    for kind, region, k in hebei:
        if region.startswith(prefix):
            types[kind or UNKNOWN_TYPE] += k
    return types


def nearest_supply(county: str, supply: list[list], counties: dict[str, dict], keep: int = 3) -> list[dict]:
    """The nearest other Hebei counties with local supply for the node: name, count, great-circle km."""
    home = counties.get(county)
    by_region: dict[str, int] = {}
    for _, region, k in supply:
        if region != county:
            by_region[region] = by_region.get(region, 0) + k
    if home is None or home["lon"] is None:
        return []
    found = [{"adcode": a, "name": counties[a]["name"], "count": k,
              "km": round(haversine_km(home["lon"], home["lat"], counties[a]["lon"], counties[a]["lat"]), 1)}
             for a, k in by_region.items() if a in counties and counties[a]["lon"] is not None]
    return sorted(found, key=lambda x: (x["km"], x["adcode"]))[:keep]


@functools.lru_cache(maxsize=2048)
def _parsed(facts: str) -> dict[str, Any]:
    """Stored facts as read, parsed once per text (a chain or a cluster's recommendations reads every node's facts on
    each request; they change only with the data). Shared: callers must not modify it."""
    return json.loads(facts)


def is_current(facts: str | dict[str, Any] | None) -> bool:
    """Stored facts (as stored, or parsed) of the current layout."""
    if isinstance(facts, str):
        facts = _parsed(facts)
    return facts is not None and facts.get("v") == FACTS_VERSION


def stored_rows(graph: Graph, cluster_ids: list[str]) -> list[dict[str, Any]]:
    """The stored facts of these clusters' nodes (STORED rows). A node never refreshed, or one where a counted
    relationship has ended since (facts_expire in the past), is refreshed first."""
    rows = graph.read(STORED, ids=cluster_ids)
    today = dt.date.today()
    for _ in range(REFRESH_TRIES):
        stale = [r["id"] for r in rows if needs_refresh(r, today)]
        if not stale:
            return rows
        refresh_facts(graph, stale)  # a write keeping them by delta meanwhile wins: they are read again
        rows = graph.read(STORED, ids=cluster_ids)
    if any(not is_current(r["facts"]) for r in rows):
        raise Unavailable(BUSY_FACTS)
    return rows


def facts_by_cluster(graph: Graph, cluster_ids: list[str], scope: str) -> dict[str, list[NodeFacts]]:
    """Stored facts per node (stored_rows)."""
    out: dict[str, list[NodeFacts]] = {c: [] for c in cluster_ids}
    for row in stored_rows(graph, cluster_ids):
        out[row["cluster"]].append(node_facts(row, scope))
    return out


def node_facts(row: dict[str, Any], scope: str) -> NodeFacts:
    """A stored node row (facts JSON plus the live mark) as NodeFacts for one scope."""
    stored = _parsed(row["facts"])
    facts = stored[scope]
    single = facts["single"] or {}
    return NodeFacts(
        id=row["id"], by_type=dict(facts["types"]), members=facts["members"], single_name=single.get("name"),
        single_uscc=single.get("uscc"), single_customers=single.get("customers", 0), inbound=facts["inbound"],
        inbound_outside_province=facts["outside"], inbound_in_scope=facts["in_scope"], scope=scope,
        nearest=[dict(n) for n in stored.get("nearest", [])], mark=row["mark"], mark_reason=row["mark_reason"],
        mark_by=row["mark_by"], codes=row.get("codes", row.get("industry_codes")) or [], own_codes=row.get("own"))


def analyse_clusters(graph: Graph, cluster_ids: list[str], scope: str, t: Thresholds) -> dict[str, tuple[dict, dict]]:
    """{cluster id: ({node id: (status, evidence)}, local supply rate)} in one round trip."""
    return {cid: analyse(nodes, t) for cid, nodes in facts_by_cluster(graph, cluster_ids, scope).items()}


# How a set of clusters is analysed: analyse_clusters (today, stored facts) or chainmap.gaps.as_of (a past day).
Analyser = Callable[[Graph, list[str], str, Thresholds], dict[str, tuple[dict, dict]]]


def cluster_gaps(graph: Graph, cluster_id: str, scope: str, t: Thresholds,
                 analyser: Analyser | None = None) -> dict[str, Any]:
    """GET /clusters/{id}/gaps: the gap, weak and bottleneck nodes with evidence, and the local supply rate."""
    clusters = graph.read(CLUSTERS, city=None, county=None, category=None, cluster=cluster_id)
    if not clusters:
        raise NotFound(f"没有编号为 {cluster_id} 的产业集群")
    results, rate = (analyser or analyse_clusters)(graph, [cluster_id], scope, t)[cluster_id]
    nodes = {n["id"]: n for n in graph.read(NODES, ids=[cluster_id])}
    items = [{"node": nodes[node_id], "status": status, "evidence": evidence}
             for node_id, (status, evidence) in sorted(results.items()) if status != "present"]
    return {"cluster": clusters[0], "scope": scope, "items": items, "local_supply_rate": rate}


def report_rows(graph: Graph, t: Thresholds, *, scope: str = "county", statuses: tuple[str, ...] = ("gap", "weak",
                "bottleneck"), city: str | None = None, county: str | None = None,
                category: str | None = None, analyser: Analyser | None = None) -> list[dict[str, Any]]:
    """One row per gap / weak / bottleneck node across the selected clusters (the province by default)."""
    place = places.resolve_filters(graph, city, county)  # Invalid for an unknown or ambiguous place
    clusters = graph.read(CLUSTERS, **place, category=category, cluster=None)
    ids = [c["id"] for c in clusters]
    analysed = (analyser or analyse_clusters)(graph, ids, scope, t)
    nodes = {n["id"]: n for n in graph.read(NODES, ids=ids)}
    rows: list[dict[str, Any]] = []
    for cluster in clusters:
        results, rate = analysed[cluster["id"]]
        for node_id, (status, evidence) in sorted(results.items()):
            if status not in statuses:
                continue
            node = nodes[node_id]
            names = dict(node["industries"])
            rows.append({
                "cluster": cluster["id"], "cluster_name": cluster["name"], "category": cluster["category"],
                "city": cluster["city_name"], "city_adcode": cluster["city"], "county": cluster["county_name"],
                "county_adcode": cluster["county"], "node": node_id, "node_name": node["name"], "stage": node["stage"],
                "industry_codes": node["industry_codes"],
                "industry_names": [names.get(c) for c in node["industry_codes"]], "status": status, "scope": scope,
                "local_entities": evidence["local_entities"],
                "outside_province_share": evidence["outside_province_share"],
                "single_supplier": (evidence.get("single_supplier") or {}).get("name"),
                "mark": (evidence["mark"] or {}).get("value"),
                "reasons": "；".join(evidence["reasons"]),
                "cluster_node_coverage": rate["node_coverage"],
            })
    return sorted(rows, key=report_order)


def report_order(row: dict[str, Any]) -> tuple:
    """Rows as a report is read upward: city → county → cluster → chain stage → severity (缺链, 瓶颈, 薄弱) → node."""
    return (row["city_adcode"], row["county_adcode"], row["cluster_name"], row["cluster"],
            CHAIN_STAGES.index(row["stage"]) if row["stage"] in CHAIN_STAGES else len(CHAIN_STAGES),
            GAP_STATUSES.index(row["status"]), row["node_name"], row["node"])
