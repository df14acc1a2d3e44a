"""GeoJSON (RFC 7946) map layers built from plain rows: pure functions, no graph access.

Positions are [longitude, latitude] in WGS 84 with at most 6 decimals (about 0.1 m; RFC 7946 §11.2 advises
against false precision). A place without known coordinates gets a null geometry rather than a made-up point.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any

STATUSES = ("gap", "bottleneck", "weak", "present")


def haversine_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance between two centroids (enough at this scale, DESIGN §7)."""
    r = 6371.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def whole_km(km: float) -> int:
    """A distance as the reasons, the console and the sheets say it (约267公里): the one-decimal figure of the JSON
    rounded half up, as the console's Math.round does, so every place shows the same number."""
    return math.floor(round(km, 1) + 0.5)


def position(lon: float | None, lat: float | None) -> list[float] | None:
    if lon is None or lat is None:
        return None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValueError(f"not a WGS 84 position: lon={lon} lat={lat}")
    return [round(float(lon), 6), round(float(lat), 6)]


def point(lon: float | None, lat: float | None) -> dict[str, Any] | None:
    p = position(lon, lat)
    return None if p is None else {"type": "Point", "coordinates": p}


def line(start: tuple[float | None, float | None], end: tuple[float | None, float | None]) -> dict[str, Any] | None:
    a, b = position(*start), position(*end)
    return None if a is None or b is None else {"type": "LineString", "coordinates": [a, b]}


def feature(feature_id: str, geometry: dict[str, Any] | None, properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "id": feature_id, "geometry": geometry, "properties": properties}


def collection(features: list[dict[str, Any]], **foreign: Any) -> dict[str, Any]:
    """A FeatureCollection; `foreign` members (RFC 7946 §6.1) carry layer metadata such as the data's scope."""
    return {"type": "FeatureCollection", **foreign, "features": features}


def status_counts(statuses: dict[str, tuple[str, Any]]) -> dict[str, int]:
    counts: dict[str, int] = dict.fromkeys(STATUSES, 0)
    for status, _ in statuses.values():
        counts[status] += 1
    return counts


def cluster_feature(cluster: dict[str, Any], statuses: dict[str, tuple[str, Any]], rate: dict[str, Any]) -> dict:
    """One cluster as a Point at its county's centroid, with its gap counts and local supply rate."""
    county, city, revenue = cluster["county"], cluster["city"], cluster.get("revenue") or {}
    return feature(cluster["id"], point(county.get("lon"), county.get("lat")), {
        "id": cluster["id"], "name": cluster["name"], "category": cluster["category"],
        "county": county["adcode"], "county_name": county["name"], "city": city["adcode"], "city_name": city["name"],
        "revenue_100m_cny": revenue.get("value_100m_cny"), "revenue_year": revenue.get("year"),
        "nodes": len(statuses), **status_counts(statuses),
        "node_coverage": rate.get("node_coverage"), "local_supply_rate": rate.get("supply_share_from_scope"),
    })


def county_feature(county: dict[str, Any], clusters: list[dict[str, Any]]) -> dict:
    """One Hebei county as a Point at its centroid, with its clusters and their gap totals (zero when none)."""
    totals = dict.fromkeys(STATUSES, 0)
    for c in clusters:
        for status in STATUSES:
            totals[status] += c["properties"][status]
    return feature(county["adcode"], point(county.get("lon"), county.get("lat")), {
        "adcode": county["adcode"], "name": county["name"], "city": county["city"], "city_name": county["city_name"],
        "clusters": len(clusters), "cluster_ids": sorted(c["id"] for c in clusters), **totals,
    })


# Firms of one district share its centroid; each is drawn at a fixed offset from it so that they do not stack:
# up to SPREAD_DEG (about 2 km) at an angle and distance taken from the SHA-256 of its USCC (uniform over the disc),
# so a firm is always at the same point whatever else the layer holds.
SPREAD_DEG = 0.02


def spread(centroid: tuple[float | None, float | None], key: str) -> tuple[float | None, float | None]:
    lon, lat = centroid
    if lon is None or lat is None:
        return centroid
    digest = hashlib.sha256(key.encode()).digest()
    angle = int.from_bytes(digest[:4]) / 2**32 * 2 * math.pi
    radius = SPREAD_DEG * math.sqrt(int.from_bytes(digest[4:8]) / 2**32)
    return lon + radius * math.cos(angle) / math.cos(math.radians(lat)), lat + radius * math.sin(angle)


def flow_feature(cluster: dict[str, Any], item: dict[str, Any], origin: dict[str, Any], rank: int, *,
                 identities: bool = True) -> dict:
    """A recommended target as a line from its district (spread around the centroid) to the cluster's county.
    `rank` is its place in its node's list (1 = best). Without `identities` (map keys) the firm is not named: no
    USCC, name or reward outlook, and the feature id is cluster:node:rank."""
    e, node = item["enterprise"], item["node"]
    county, key = cluster["county"], node["id"].split(".", 1)[1]
    properties = {
        "rank": rank, "cluster": cluster["id"], "cluster_name": cluster["name"], "node": node["id"],
        "node_name": node["name"], "node_status": node.get("status"), "score": item["score"],
        "distance_km": item["distance_km"], "origin": e["region"], "origin_name": origin.get("name"),
        "target": county["adcode"], "target_name": county["name"],
    }
    if identities:
        properties.update(uscc=e["uscc"], name=e["name"], region=e["region"],
                          likely_eligible=item["reward_outlook"]["likely_eligible"])
    start = spread((origin.get("lon"), origin.get("lat")), e["uscc"])
    return feature(f"{cluster['id']}:{key}:{e['uscc'] if identities else rank}",
                   line(start, (county.get("lon"), county.get("lat"))), properties)
