"""The map layers against the graph: clusters, Beijing/Tianjin flows and Hebei counties as GeoJSON."""

from __future__ import annotations

import datetime as dt
from typing import Any, LiteralString

from chainmap import geo
from chainmap.clusters import describe_cluster, list_clusters
from chainmap.gaps import as_of
from chainmap.gaps.analysis import analyse_clusters
from chainmap.graph import Graph
from chainmap.paging import Page
from chainmap.policy import Policies, Thresholds
from chainmap.recommendations.service import recommend
from chainmap.vocab import HEBEI_LITERAL

ALL = Page(1, 10_000)
HEBEI_COUNTIES: LiteralString = (
    "MATCH (r:Region {level: 'county'})-[:PART_OF]->(city:Region) WHERE r.adcode STARTS WITH " + HEBEI_LITERAL + " "
    "RETURN r.adcode AS adcode, r.name AS name, r.lon AS lon, r.lat AS lat, city.adcode AS city, "
    "  city.name AS city_name ORDER BY r.adcode"
)
PLACES: LiteralString = (
    "MATCH (r:Region) WHERE r.adcode IN $codes RETURN r.adcode AS adcode, r.lon AS lon, r.lat AS lat"
)


def cluster_features(graph: Graph, thresholds: Thresholds, day: dt.date | None = None,
                     **filters: Any) -> list[dict[str, Any]]:
    clusters = list_clusters(graph, ALL, **filters)["items"]
    analyser = as_of.analyser(day) if day else analyse_clusters
    analysed = analyser(graph, [c["id"] for c in clusters], "county", thresholds)
    return [geo.cluster_feature(c, *analysed.get(c["id"], ({}, {}))) for c in clusters]


def clusters_layer(graph: Graph, thresholds: Thresholds, day: dt.date | None = None, **filters: Any) -> dict[str, Any]:
    return geo.collection(cluster_features(graph, thresholds, day, **filters), **_dated(day))


def _dated(day: dt.date | None) -> dict[str, str]:
    """A foreign member (RFC 7946 §6.1) naming the day a past layer answers for."""
    return {"as_of": day.isoformat()} if day else {}


def counties_layer(graph: Graph, thresholds: Thresholds, day: dt.date | None = None) -> dict[str, Any]:
    by_county: dict[str, list[dict[str, Any]]] = {}
    for f in cluster_features(graph, thresholds, day):
        by_county.setdefault(f["properties"]["county"], []).append(f)
    return geo.collection([geo.county_feature(county, by_county.get(county["adcode"], []))
                           for county in graph.read(HEBEI_COUNTIES)], **_dated(day))


def flows_layer(graph: Graph, policies: Policies, thresholds: Thresholds, cluster_id: str, *,
                node_key: str | None = None,
                limit: int = 10) -> dict[str, Any]:
    cluster = describe_cluster(graph, cluster_id)  # NotFound for an unknown cluster; recommend() analyses the gaps
    result = recommend(graph, policies, cluster_id, thresholds, node_key=node_key, limit=limit)
    places = {r["adcode"]: (r["lon"], r["lat"])
              for r in graph.read(PLACES, codes=sorted({i["enterprise"]["region"] for i in result["items"]}))}
    features = [geo.flow_feature(cluster, item, places.get(item["enterprise"]["region"], (None, None)))
                for item in result["items"]]
    return geo.collection(features, cluster=cluster_id, nodes=result["nodes"],
                          config_version=result["config_version"])
