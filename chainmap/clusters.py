"""Clusters: listing, reading, creating and changing their descriptive fields."""

from __future__ import annotations

import datetime as dt
from typing import Any, LiteralString

from chainmap.audit import Change
from chainmap.errors import Invalid, NotFound
from chainmap.gaps import as_of
from chainmap.gaps.analysis import analyse_clusters
from chainmap import places
from chainmap.graph import Graph
from chainmap.graph.adapter import Clash
from chainmap.paging import Page, envelope
from chainmap.policy import Thresholds
from chainmap.references import known_hebei_counties

# Bounds on a cluster's published figure. 1949 is the earliest year a figure of the People's Republic can carry; a
# year after the current one is a typo or a plan, never a reported figure. The largest Hebei county cluster reports
# 1,006亿 (安平丝网, 2023) and all 269 county clusters together 19,885亿 (2019), so a single cluster's figure above
# 20,000亿 (2万亿) is refused as an input error.
EARLIEST_YEAR = 1949
MAX_REVENUE_100M_CNY = 20000.0
# Which figure a report gives: 产值 (output value) is not 营业收入 (operating revenue); FACTS §0.
REVENUE_METRICS = ("产值", "营业收入", "销售收入", "主营业务收入", "产业规模")


def revenue_year_problem(year: int | None, today: dt.date | None = None) -> str | None:
    """Why a figure's year is impossible (before 1949 or in the future), or None."""
    if year is None:
        return None
    latest = (today or dt.date.today()).year
    if year < EARLIEST_YEAR:
        return f"须不早于 {EARLIEST_YEAR} 年，收到 {year}"
    if year > latest:
        return f"不能是未来年份（晚于 {latest} 年），收到 {year}"
    return None


def figure_problems(data: dict[str, Any]) -> list[tuple[str, str]]:
    """(field, reason) for a cluster figure that cannot be true: the year, the amount and its metric together."""
    problems = []
    reason = revenue_year_problem(data.get("revenue_year"))
    if reason:
        problems.append(("revenue_year", reason))
    revenue = data.get("revenue_100m_cny")
    if revenue is not None and not 0 < revenue <= MAX_REVENUE_100M_CNY:
        problems.append(("revenue_100m_cny", f"须大于 0 且不超过 {MAX_REVENUE_100M_CNY:g}（亿元），收到 {revenue}"))
    if revenue is not None and "revenue_metric" in data and not data.get("revenue_metric"):
        problems.append(("revenue_metric", "填写数额时必填：说明是产值、营业收入还是其他口径"))
    return problems


_CLUSTER_MAP: LiteralString = (
    "c {.id, .name, .category, .category_is_guess, .chain_basis, .chain_template, "
    "county: {adcode: county.adcode, name: county.name, lon: county.lon, lat: county.lat}, "
    "city: {adcode: city.adcode, name: city.name}, "
    "revenue: {value_100m_cny: c.revenue_100m_cny, year: c.revenue_year, metric: c.revenue_metric, source: c.source}}"
)
LIST: LiteralString = (
    "MATCH (c:Cluster)-[:LOCATED_IN]->(county:Region)-[:PART_OF]->(city:Region) "
    "WHERE ($county IS NULL OR county.adcode = $county) "
    "AND ($city IS NULL OR city.adcode = $city) "
    "AND ($category IS NULL OR c.category = $category) "
    "AND ($q IS NULL OR c.name CONTAINS $q OR county.name CONTAINS $q OR city.name CONTAINS $q) "
    "WITH c, county, city ORDER BY c.id "
    "WITH collect(" + _CLUSTER_MAP + ") AS rows "
    "RETURN size(rows) AS total, rows[$skip..$skip + $limit] AS items"
)
GET: LiteralString = (
    "MATCH (c:Cluster {id: $id})-[:LOCATED_IN]->(county:Region)-[:PART_OF]->(city:Region) "
    "RETURN " + _CLUSTER_MAP + " AS cluster"
)
COUNTY: LiteralString = "MATCH (c:Cluster {id: $id}) RETURN c.county AS county"
CREATE: LiteralString = (
    "MATCH (r:Region {adcode: $props.county}) "
    "CREATE (c:Cluster {id: $id}) SET c += $props "
    "CREATE (c)-[:LOCATED_IN]->(r) RETURN c.id AS id"
)
# The old state comes back for the audit trail (chainmap.audit.Change.before_from), saving a read before the write.
# The figure is judged as it stands after the change, in the writing transaction: a figure left without its metric or
# a year left without its figure (by clearing one field of three) comes back as `clash` and the write is rolled back.
PATCH: LiteralString = (
    "MATCH (c:Cluster {id: $id}) WITH c, [{id: c.id, county: c.county, p: properties(c)}] AS audit_before "
    "SET c += $props RETURN c.id AS id, audit_before, "
    "  CASE WHEN c.revenue_100m_cny IS NOT NULL AND coalesce(c.revenue_metric, '') = '' THEN 'revenue_metric' "
    "    WHEN c.revenue_year IS NOT NULL AND c.revenue_100m_cny IS NULL THEN 'revenue_year' END AS clash"
)
# What the figure would lack, by the field the change left inconsistent.
LEFT_INCONSISTENT = {
    "revenue_metric": "集群已有产值/营业收入数额，不能没有口径：请同时清除数额和年份，或填写口径",
    "revenue_year": "集群没有数额时不能保留年份：清除数额时请同时把 revenue_year 设为 null",
}

EDITABLE = ("name", "category", "category_is_guess", "revenue_100m_cny", "revenue_year", "revenue_metric", "source")


def list_clusters(graph: Graph, page: Page, *, city: str | None = None, county: str | None = None,
                  category: str | None = None, q: str | None = None) -> dict:
    place = places.resolve_filters(graph, city, county)  # Invalid for an unknown or ambiguous place
    row = graph.read(LIST, **place, category=category, q=q, skip=page.skip, limit=page.per_page)[0]
    return envelope(row["items"], row["total"], page)


def list_clusters_with_counts(graph: Graph, page: Page, thresholds: Thresholds, **filters: str | None) -> dict:
    """GET /clusters: a page of clusters, each with its node counts by status and local supply rate (county scope),
    the page's clusters analysed in one round trip."""
    result = list_clusters(graph, page, **filters)
    analysed = analyse_clusters(graph, [c["id"] for c in result["items"]], "county", thresholds)
    for cluster in result["items"]:
        _, rate = analysed[cluster["id"]]
        cluster["node_counts"] = rate["counts"]
        cluster["local_supply_rate"] = rate
    return result


def describe_cluster(graph: Graph, cluster_id: str) -> dict:
    """The cluster's own fields, county and city, without the gap analysis."""
    rows = graph.read(GET, id=cluster_id)
    if not rows:
        raise NotFound(f"没有编号为 {cluster_id} 的产业集群")
    return rows[0]["cluster"]


def get_cluster(graph: Graph, cluster_id: str, thresholds: Thresholds, day: dt.date | None = None) -> dict:
    cluster = describe_cluster(graph, cluster_id)
    analyser = as_of.analyser(day) if day else analyse_clusters
    _, rate = analyser(graph, [cluster_id], "county", thresholds)[cluster_id]
    cluster["node_counts"] = rate["counts"]
    cluster["local_supply_rate"] = rate
    if day:
        cluster["as_of"] = day
    return cluster


def cluster_county(graph: Graph, cluster_id: str) -> str:
    rows = graph.read(COUNTY, id=cluster_id)
    if not rows:
        raise NotFound(f"没有编号为 {cluster_id} 的产业集群")
    return rows[0]["county"]


def _check_figure(data: dict[str, Any]) -> None:
    problems = figure_problems(data)
    if problems:
        raise Invalid("; ".join(f"{f}: {r}" for f, r in problems), errors=[{"field": f, "reason": r} for f, r in problems])


def create_cluster(graph: Graph, data: dict[str, Any]) -> dict:
    _check_figure({"revenue_metric": None, **data})
    if not known_hebei_counties(graph, [data["county"]]):
        raise Invalid("county 不是河北省县级行政区划代码",
                      errors=[{"field": "county", "reason": f"未知的河北省县级行政区 {data['county']}"}])
    props = {k: data.get(k) for k in (*EDITABLE, "county")}
    props.update(chain_basis="custom", chain_template=None)
    graph.write(CREATE, id=data["id"], props=props,  # duplicate id -> Conflict from the constraint
                change=Change("cluster.create", "cluster", (data["id"],), before_from="none"))
    return props


def patch_cluster(graph: Graph, cluster_id: str, changes: dict[str, Any]) -> None:
    props = {k: v for k, v in changes.items() if k in EDITABLE}
    _check_figure(props)
    change = Change("cluster.patch", "cluster", (cluster_id,), before_from="write")
    try:
        written = graph.write(PATCH, id=cluster_id, props=props, change=change)
    except Clash as clash:
        field, reason = clash.existing, LEFT_INCONSISTENT[clash.existing]
        raise Invalid(f"{field}: {reason}", errors=[{"field": field, "reason": reason}]) from None
    if not written:
        raise NotFound(f"没有编号为 {cluster_id} 的产业集群")
