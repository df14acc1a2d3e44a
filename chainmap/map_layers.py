"""The map layers against the graph: clusters, Beijing/Tianjin flows and Hebei counties as GeoJSON."""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any, LiteralString

from chainmap import geo
from chainmap.clusters import describe_cluster, list_clusters
from chainmap.gaps import as_of
from chainmap.gaps.analysis import analyse_clusters
from chainmap.errors import NotFound
from chainmap.graph import Graph
from chainmap.paging import Page
from chainmap.policy import Policies, Thresholds
from chainmap.recommendations.service import recommend
from chainmap.vocab import HEBEI_LITERAL

ALL = Page(1, 10_000)
SHARED_LIMIT = 10  # the /clusters/{id}/recommendations and cluster flows default
MAX_FLOWS = 2000  # a province-wide flows layer stays well under 1 MB gzipped
LAYERS_KEPT = 32
_LAYERS: dict[tuple, dict[str, Any]] = {}
_LOCK = threading.Lock()
REVISIONS: LiteralString = "MATCH (r:Revision) RETURN r.id AS id, r.token AS token ORDER BY id"
HEBEI_COUNTIES: LiteralString = (
    "MATCH (r:Region {level: 'county'})-[:PART_OF]->(city:Region) WHERE r.adcode STARTS WITH " + HEBEI_LITERAL + " "
    "RETURN r.adcode AS adcode, r.name AS name, r.lon AS lon, r.lat AS lat, city.adcode AS city, "
    "  city.name AS city_name ORDER BY r.adcode"
)
PLACES: LiteralString = (
    "MATCH (r:Region) WHERE r.adcode IN $codes "
    "OPTIONAL MATCH (r)-[:PART_OF]->(up:Region) "
    "RETURN r.adcode AS adcode, coalesce(up.name, '') + r.name AS name, r.lon AS lon, r.lat AS lat"
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
                node_key: str | None = None, limit: int = 10, identities: bool = True) -> dict[str, Any]:
    """One cluster's targets, every gap / weak / bottleneck node (or one node), `limit` per node."""
    cluster = describe_cluster(graph, cluster_id)  # NotFound for an unknown cluster; recommend() analyses the gaps
    result = recommend(graph, policies, cluster_id, thresholds, node_key=node_key, limit=limit)
    features = flow_features(graph, [(cluster, result["items"])], identities)
    return geo.collection(features, cluster=cluster_id, nodes=result["nodes"],
                          config_version=result["config_version"])


def province_flows(graph: Graph, policies: Policies, thresholds: Thresholds, *, city: str | None = None,
                   category: str | None = None, limit: int = 3, identities: bool = True,
                   allowance_s: float | None = None) -> dict[str, Any]:
    """Every cluster's targets (filtered by city, category), `limit` per gap node, at most MAX_FLOWS lines: the best
    scores are kept and `truncated` says when some were left off.

    The layer depends on what the ranked lists depend on, so it is kept per process under the graph's revision
    tokens (chainmap.graph.footprints: any write renews one), the day and the configuration versions: a repeat asks
    Neo4j one small query instead of ranking every cluster again. The first layer of a day ranks every gap node;
    past `allowance_s` the clusters not reached yet are left out and named in `pending` (`complete: false`, not
    kept): what was ranked is stored, so the next request goes further."""
    tokens = tuple((r["id"], r["token"]) for r in graph.read(REVISIONS))
    key = (tokens, dt.date.today(), policies.recommendation["version"], policies.reward.version, thresholds, city,
           category, limit, identities)
    with _LOCK:
        if key in _LAYERS:
            return _LAYERS[key]
    layer = _province_flows(graph, policies, thresholds, city=city, category=category, limit=limit,
                            identities=identities, allowance_s=allowance_s)
    if not layer["complete"]:
        return layer
    with _LOCK:
        _LAYERS[key] = layer
        while len(_LAYERS) > LAYERS_KEPT:
            _LAYERS.pop(next(iter(_LAYERS)))
    return layer


def _province_flows(graph: Graph, policies: Policies, thresholds: Thresholds, *, city: str | None,
                    category: str | None, limit: int, identities: bool, allowance_s: float | None,
                    max_features: int = MAX_FLOWS) -> dict:
    clusters = list_clusters(graph, ALL, city=city, category=category)["items"]
    per_cluster, pending = [], []
    started = time.monotonic()
    for i, cluster in enumerate(clusters):  # at least one cluster per request: each one makes progress
        if allowance_s is not None and i and time.monotonic() - started > allowance_s:
            pending.append(cluster["id"])
            continue
        try:  # the lists of one cluster's default request, shared with it (stored per day, chainmap.recommendations)
            items = recommend(graph, policies, cluster["id"], thresholds, limit=SHARED_LIMIT)["items"]
        except NotFound:  # a cluster without a chain has no targets
            continue
        per_cluster.append((cluster, [i for i, n in zip(items, _counted(items), strict=True) if n <= limit]))
    features = flow_features(graph, per_cluster, identities)
    features.sort(key=lambda f: (-f["properties"]["score"], f["id"]))
    return geo.collection(features[:max_features], scope="province", clusters=len(per_cluster),
                          truncated=len(features) > max_features, complete=not pending, pending=pending,
                          config_version=policies.recommendation["version"])


def _counted(items: list[dict]) -> list[int]:
    """For items best first: each one's place in its node's list (1 = best)."""
    seen: dict[str, int] = {}
    places = []
    for item in items:
        seen[item["node"]["id"]] = seen.get(item["node"]["id"], 0) + 1
        places.append(seen[item["node"]["id"]])
    return places


def flow_features(graph: Graph, per_cluster: list[tuple[dict, list[dict]]], identities: bool) -> list[dict]:
    """Lines for each cluster's ranked targets; the origin districts' centroids and names read in one query."""
    codes = sorted({i["enterprise"]["region"] for _, items in per_cluster for i in items})
    places = {r["adcode"]: r for r in graph.read(PLACES, codes=codes)}
    features = []
    for cluster, items in per_cluster:
        for item, rank in zip(items, _counted(items), strict=True):  # best first (recommend's order)
            features.append(geo.flow_feature(cluster, item, places.get(item["enterprise"]["region"], {}), rank,
                                             identities=identities))
    return features
