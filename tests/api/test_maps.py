"""GeoJSON layers (validated with the geojson package), their caching headers, and CORS."""

import dataclasses
import gzip

import brotli
import geojson
import pytest

from api import create_app
from tests.conftest import assert_chinese_problem, counts

HEBEI_BBOX = (113.0, 36.0, 120.0, 42.7)
BJ_TJ_BBOX = (115.4, 38.5, 118.1, 41.1)


def layer(client, path, headers):
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/geo+json"
    obj = geojson.loads(response.get_data(as_text=True))
    assert obj.is_valid, obj.errors()
    assert obj["type"] == "FeatureCollection"
    return response, obj


def inside(position, bbox):
    lon, lat = position
    return bbox[0] <= lon <= bbox[2] and bbox[1] <= lat <= bbox[3]


def test_clusters_layer_is_valid_and_agrees_with_the_api(client, keys):
    _, obj = layer(client, "/api/v1/map/clusters.geojson", keys["viewer"])
    features = obj["features"]
    assert len(features) == client.get("/api/v1/clusters", headers=keys["viewer"]).get_json()["total"] == 59
    assert len({f["id"] for f in features}) == 59
    for f in features:
        assert f["geometry"]["type"] == "Point" and inside(f["geometry"]["coordinates"], HEBEI_BBOX)  # [lon, lat]
    one = next(f for f in features if f["id"] == "anping-wire-mesh")
    detail = client.get("/api/v1/clusters/anping-wire-mesh", headers=keys["viewer"]).get_json()
    p = one["properties"]
    assert (p["name"], p["county"], p["city_name"]) == (
        detail["name"], detail["county"]["adcode"], detail["city"]["name"])
    assert one["geometry"]["coordinates"] == [round(detail["county"]["lon"], 6), round(detail["county"]["lat"], 6)]
    assert {s: p[s] for s in ("gap", "weak", "bottleneck", "present")} == \
        {s: detail["node_counts"].get(s, 0) for s in ("gap", "weak", "bottleneck", "present")}
    assert p["local_supply_rate"] == detail["local_supply_rate"]["supply_share_from_scope"]
    assert p["revenue_year"] == detail["revenue"]["year"]


def test_clusters_layer_filters_like_the_list(client, keys):
    _, obj = layer(client, "/api/v1/map/clusters.geojson?city=邢台市", keys["viewer"])
    listed = client.get("/api/v1/clusters?city=邢台市&per_page=200", headers=keys["viewer"]).get_json()
    assert sorted(f["id"] for f in obj["features"]) == sorted(c["id"] for c in listed["items"])
    assert 0 < len(obj["features"]) < 59 and all(f["properties"]["city_name"] == "邢台市" for f in obj["features"])


def test_counties_layer_covers_every_hebei_county_with_gap_totals(client, keys, graph):
    _, obj = layer(client, "/api/v1/map/counties.geojson", keys["viewer"])
    hebei = graph.read("MATCH (r:Region {level: 'county'}) WHERE r.adcode STARTS WITH '13' "
                       "RETURN count(r) AS n")[0]["n"]
    assert len(obj["features"]) == hebei == 167
    assert all(inside(f["geometry"]["coordinates"], HEBEI_BBOX) for f in obj["features"])
    _, clusters = layer(client, "/api/v1/map/clusters.geojson", keys["viewer"])
    assert sum(f["properties"]["clusters"] for f in obj["features"]) == 59
    gaps = sum(f["properties"]["gap"] for f in clusters["features"])
    assert sum(f["properties"]["gap"] for f in obj["features"]) == gaps
    qinghe = next(f for f in obj["features"] if f["id"] == "130534")["properties"]
    listed = client.get("/api/v1/clusters?county=130534", headers=keys["viewer"]).get_json()["items"]
    assert qinghe["cluster_ids"] == sorted(c["id"] for c in listed) and "qinghe-cashmere" in qinghe["cluster_ids"]
    assert qinghe["name"] == "清河县" and qinghe["clusters"] == len(listed) > 1


def test_flows_layer_draws_each_target_from_its_district_to_the_county(client, keys):
    _, obj = layer(client, "/api/v1/map/flows.geojson?cluster=anping-wire-mesh&node=membrane&limit=7", keys["viewer"])
    recs = client.get("/api/v1/clusters/anping-wire-mesh/recommendations?node=membrane&limit=7",
                      headers=keys["viewer"]).get_json()["items"]
    assert len(obj["features"]) == len(recs) == 7 and obj["cluster"] == "anping-wire-mesh"
    assert [f["properties"]["uscc"] for f in obj["features"]] == [r["enterprise"]["uscc"] for r in recs]
    assert [f["properties"]["score"] for f in obj["features"]] == [r["score"] for r in recs]
    county = client.get("/api/v1/clusters/anping-wire-mesh", headers=keys["viewer"]).get_json()["county"]
    for f in obj["features"]:
        start, end = f["geometry"]["coordinates"]
        assert f["geometry"]["type"] == "LineString" and inside(start, BJ_TJ_BBOX)
        assert end == [round(county["lon"], 6), round(county["lat"], 6)]
        assert f["id"] == f"anping-wire-mesh:membrane:{f['properties']['uscc']}"


def test_layers_carry_etag_and_cache_control_and_answer_304(client, keys):
    for path in ("/api/v1/map/clusters.geojson", "/api/v1/map/counties.geojson",
                 "/api/v1/map/flows.geojson?cluster=qinghe-cashmere"):
        response = client.get(path, headers=keys["viewer"])
        etag = response.headers["ETag"]
        assert response.headers["Cache-Control"] == "private, max-age=60, must-revalidate"
        again = client.get(path, headers={**keys["viewer"], "If-None-Match": etag})
        assert again.status_code == 304 and again.get_data() == b""
        assert again.headers["ETag"] == etag and "Accept-Encoding" in again.headers["Vary"]
        changed = client.get(path, headers={**keys["viewer"], "If-None-Match": '"something-else"'})
        assert changed.status_code == 200 and changed.headers["ETag"] == etag


@pytest.mark.parametrize("path, field, status", [
    ("/api/v1/map/flows.geojson?node=membrane", "node", 422),
    ("/api/v1/map/flows.geojson?cluster=qinghe-cashmere&city=邢台", "city", 422),
    ("/api/v1/map/flows.geojson?limit=11", "limit", 422),
    ("/api/v1/map/flows.geojson?city=nowhere", "city", 422),
    ("/api/v1/map/flows.geojson?cluster=Not_A_Slug", "cluster", 422),
    ("/api/v1/map/flows.geojson?cluster=qinghe-cashmere&limit=0", "limit", 422),
    ("/api/v1/map/flows.geojson?cluster=qinghe-cashmere&bbox=1,2,3,4", "bbox", 422),
    ("/api/v1/map/clusters.geojson?category=nope", "category", 422),
    ("/api/v1/map/clusters.geojson?page=2", "page", 422),
])
def test_bad_layer_requests_name_the_field(client, keys, path, field, status):
    response = client.get(path, headers=keys["viewer"])
    assert response.status_code == status and response.mimetype == "application/problem+json"
    assert field in {e["field"] for e in response.get_json()["errors"]}


def test_unknown_cluster_and_node_are_404_problems(client, keys):
    for path in ("/api/v1/map/flows.geojson?cluster=no-such-cluster",
                 "/api/v1/map/flows.geojson?cluster=qinghe-cashmere&node=no-such-node"):
        response = client.get(path, headers=keys["viewer"])
        assert response.status_code == 404 and response.mimetype == "application/problem+json"


def test_layers_need_a_key(client):
    assert client.get("/api/v1/map/clusters.geojson").status_code == 401


LAYERS = ("/api/v1/map/clusters.geojson", "/api/v1/map/counties.geojson?", "/api/v1/map/flows.geojson?city=衡水",
          "/api/v1/map/flows.geojson?cluster=qinghe-cashmere")


def test_a_map_key_reads_the_layers_and_nothing_else(client, keys):
    for path in LAYERS:
        layer(client, path, keys["map"])
    for method, path in [("GET", "/api/v1/clusters"), ("GET", "/api/v1/clusters/qinghe-cashmere/chain"),
                         ("GET", "/api/v1/regions"), ("GET", "/api/v1/enterprises"), ("GET", "/api/v1/reports/gaps"),
                         ("GET", "/api/v1/clusters/qinghe-cashmere/recommendations"), ("GET", "/api/v1/introductions"),
                         ("GET", "/api/v1/reward-checks"), ("GET", "/api/v1/audit"),
                         ("PUT", "/api/v1/clusters/qinghe-cashmere/nodes/dyeing/mark")]:
        response = client.open(path, method=method, headers=keys["map"], json={"mark": "gap", "reason": "地图"}
                               if method == "PUT" else None)
        assert response.status_code == 403 and response.mimetype == "application/problem+json", (path, response.status)
        assert_chinese_problem(response.get_json())


def test_a_map_key_sees_flows_without_firm_identities(client, keys):
    path = "/api/v1/map/flows.geojson?cluster=anping-wire-mesh&node=membrane&limit=5"
    _, public = layer(client, path, keys["map"])
    _, full = layer(client, path, keys["viewer"])
    assert len(public["features"]) == len(full["features"]) == 5
    hidden = {"uscc", "name", "region", "likely_eligible"}
    for p, f in zip(public["features"], full["features"], strict=True):
        assert not hidden & set(p["properties"]) and hidden <= set(f["properties"])
        assert f["properties"]["uscc"] not in p["id"] and p["id"] == f"anping-wire-mesh:membrane:{p['properties']['rank']}"
        assert {k: v for k, v in f["properties"].items() if k not in hidden} == p["properties"]
        assert p["geometry"] == f["geometry"]


def test_province_flows_are_bounded_ranked_named_and_spread(client, graph, keys):
    # The first layer of a day ranks every gap node; past half the database budget it comes back partial, naming
    # the clusters still to rank, and the next request goes further (README "Map layers"). Never a 503.
    for _ in range(10):
        response, obj = layer(client, "/api/v1/map/flows.geojson", keys["viewer"])
        assert obj["complete"] == (not obj["pending"])
        if obj["complete"]:
            break
    assert obj["complete"], obj["pending"]
    features = obj["features"]
    assert features and obj["scope"] == "province" and len(features) <= 2000
    packed = client.get("/api/v1/map/flows.geojson", headers={**keys["viewer"], "Accept-Encoding": "gzip"}).get_data()
    assert len(packed) <= 1_000_000 and gzip.decompress(packed) == response.get_data()
    assert len({f["properties"]["cluster"] for f in features}) > 20
    scores = [f["properties"]["score"] for f in features]
    assert scores == sorted(scores, reverse=True)
    per_node: dict = {}
    for f in features:
        p = f["properties"]
        assert p["origin_name"] and p["origin_name"].startswith(("北京市", "天津市")) and p["target_name"]
        per_node.setdefault(p["node"], []).append(p["rank"])
    assert all(sorted(r) == list(range(1, len(r) + 1)) and len(r) <= 3 for r in per_node.values())
    centroids = {r["a"]: (r["lon"], r["lat"]) for r in graph.read("MATCH (r:Region) RETURN r.adcode AS a, r.lon AS lon, "
                                                                  "r.lat AS lat")}
    starts: dict = {}
    for f in features:
        start = f["geometry"]["coordinates"][0]
        lon, lat = centroids[f["properties"]["region"]]
        assert abs(start[0] - lon) <= 0.03 and abs(start[1] - lat) <= 0.021 and inside(start, BJ_TJ_BBOX)
        starts.setdefault(f["properties"]["region"], {})[f["properties"]["uscc"]] = tuple(start)
    crowded = max(starts.values(), key=len)
    assert len(crowded) > 1 and len(set(crowded.values())) == len(crowded)  # not stacked on one point
    _, again = layer(client, "/api/v1/map/flows.geojson?city=衡水", keys["viewer"])
    for f in again["features"]:  # the same firm at the same point, whatever else the layer holds
        assert tuple(f["geometry"]["coordinates"][0]) == starts[f["properties"]["region"]][f["properties"]["uscc"]]
    assert again["features"] and {f["properties"]["cluster"] for f in again["features"]} < {
        f["properties"]["cluster"] for f in features}
    hengshui = {c["id"] for c in client.get("/api/v1/clusters?city=衡水&per_page=100",
                                            headers=keys["viewer"]).get_json()["items"]}
    assert {f["properties"]["cluster"] for f in again["features"]} <= hengshui


# ---- CORS ----------------------------------------------------------------------------------------
ALLOWED = "https://map.example.cn"


@pytest.fixture(scope="module")
def cors_client(settings, graph):
    return create_app(dataclasses.replace(settings, cors_origins=(ALLOWED, "http://127.0.0.1:5173"))).test_client()


def test_preflight_from_an_allowed_origin(cors_client, graph):
    before = counts(graph)
    response = cors_client.options("/api/v1/clusters/qinghe-cashmere/nodes", headers={
        "Origin": ALLOWED, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type"})
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "Authorization" in response.headers["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in response.headers and "Origin" in response.headers["Vary"]
    assert counts(graph) == before


def test_preflight_from_another_origin_is_refused(cors_client):
    response = cors_client.options("/api/v1/map/clusters.geojson", headers={
        "Origin": "https://evil.example.com", "Access-Control-Request-Method": "GET"})
    assert response.status_code == 403 and response.mimetype == "application/problem+json"
    assert response.get_json()["errors"][0]["field"] == "Origin"
    assert "Access-Control-Allow-Origin" not in response.headers


def test_preflight_without_origin_says_so_in_chinese(cors_client):
    response = cors_client.options("/api/v1/map/clusters.geojson", headers={"Access-Control-Request-Method": "GET"})
    assert response.status_code == 403 and response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert "None" not in problem["detail"] and "Origin" in problem["detail"]
    assert_chinese_problem(problem)


def test_actual_requests_echo_only_allowed_origins(cors_client, keys):
    ok = cors_client.get("/api/v1/map/clusters.geojson", headers={**keys["viewer"], "Origin": ALLOWED})
    assert ok.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "ETag" in ok.headers["Access-Control-Expose-Headers"]
    denied = cors_client.get("/api/v1/map/clusters.geojson", headers={**keys["viewer"], "Origin": "https://x.example"})
    assert denied.status_code == 200 and "Access-Control-Allow-Origin" not in denied.headers
    assert "Origin" in denied.headers["Vary"]
    error = cors_client.get("/api/v1/map/clusters.geojson", headers={"Origin": ALLOWED})  # 401 readable cross-origin
    assert error.status_code == 401 and error.headers["Access-Control-Allow-Origin"] == ALLOWED


def test_default_is_no_cross_origin_access(client, keys):
    response = client.get("/api/v1/map/clusters.geojson", headers={**keys["viewer"], "Origin": ALLOWED})
    assert "Access-Control-Allow-Origin" not in response.headers
    assert client.options("/api/v1/clusters", headers={
        "Origin": ALLOWED, "Access-Control-Request-Method": "GET"}).status_code == 403


@pytest.mark.parametrize("value", ["*", "https://map.example.cn/path", "map.example.cn", "https://*.example.cn"])
def test_wildcards_and_non_origins_are_refused_at_start_up(value):
    from chainmap.settings import Settings, SettingsError

    with pytest.raises(SettingsError, match="CHAINMAP_CORS_ORIGINS"):
        Settings.from_env({"NEO4J_URI": "bolt://127.0.0.1:1", "CHAINMAP_CORS_ORIGINS": value})


@pytest.mark.parametrize("path", ["/api/v1/map/counties.geojson", "/api/v1/reports/gaps?city=邢台",
                                  "/api/v1/reports/gaps?city=邢台&format=csv"])
def test_layers_and_reports_are_compressed_when_the_client_accepts_it(client, keys, path):
    plain = client.get(path, headers=keys["analyst"])
    assert "Content-Encoding" not in plain.headers and "Accept-Encoding" in plain.headers["Vary"]
    for accept, coding, decode in [("gzip", "gzip", gzip.decompress), ("gzip, br", "br", brotli.decompress),
                                   ("br;q=0, gzip", "gzip", gzip.decompress)]:
        packed = client.get(path, headers={**keys["analyst"], "Accept-Encoding": accept})
        assert packed.headers["Content-Encoding"] == coding and "Accept-Encoding" in packed.headers["Vary"]
        assert decode(packed.get_data()) == plain.get_data() and len(packed.get_data()) < len(plain.get_data()) / 2
    if "ETag" in plain.headers:  # a compressed layer revalidates with its weak ETag
        etag = client.get(path, headers={**keys["analyst"], "Accept-Encoding": "gzip"}).headers["ETag"]
        assert etag.startswith("W/")
        again = client.get(path, headers={**keys["analyst"], "Accept-Encoding": "gzip", "If-None-Match": etag})
        assert again.status_code == 304 and "Accept-Encoding" in again.headers["Vary"]  # as its 200 says


def test_xlsx_and_other_endpoints_are_not_compressed_again(client, keys):
    xlsx = client.get("/api/v1/reports/gaps?format=xlsx", headers={**keys["analyst"], "Accept-Encoding": "gzip"})
    assert xlsx.status_code == 200 and "Content-Encoding" not in xlsx.headers
    regions = client.get("/api/v1/regions", headers={**keys["analyst"], "Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in regions.headers


def test_a_cold_province_layer_is_partial_in_time_and_names_what_is_pending(graph, settings):
    from chainmap import map_layers
    from tests.conftest import POLICIES

    ids = [c["id"] for c in map_layers.list_clusters(graph, map_layers.ALL, city="130500")["items"]]
    partial = map_layers.province_flows(graph, POLICIES, settings.gap_thresholds, city="130500", allowance_s=0.0)
    assert not partial["complete"] and partial["pending"] == ids[1:]  # the first cluster, then out of time
    assert {f["properties"]["cluster"] for f in partial["features"]} <= {ids[0]}
    whole = map_layers.province_flows(graph, POLICIES, settings.gap_thresholds, city="130500")
    assert whole["complete"] and not whole["pending"] and len(whole["features"]) >= len(partial["features"])


def test_the_layers_document_their_headers(client):
    """A front-end reads the ETag and Cache-Control of a layer from the OpenAPI document, for the 200 and the 304."""
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in ("/map/clusters.geojson", "/map/counties.geojson", "/map/flows.geojson"):
        responses = spec["paths"]["/api/v1" + path]["get"]["responses"]
        for status in ("200", "304"):
            assert {"ETag", "Cache-Control", "Vary"} <= set(responses[status]["headers"]), (path, status)
