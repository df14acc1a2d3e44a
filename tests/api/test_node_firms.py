"""链上企业名录: GET /clusters/{id}/nodes/{key}/enterprises lists exactly the local entities the gap status counts."""

import pytest

from chainmap.vocab import HEBEI

URL = "/api/v1/clusters/{}/nodes/{}/enterprises"


def firms(client, keys, cluster, key, **query):
    response = client.get(URL.format(cluster, key), query_string=query, headers=keys["viewer"])
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def every(client, keys, cluster, key, scope):
    return firms(client, keys, cluster, key, scope=scope, per_page=200)


@pytest.mark.parametrize("cluster", ["qinghe-cashmere", "anping-wire-mesh"])
def test_the_list_is_what_the_county_status_counts(client, keys, cluster):
    chain = client.get(f"/api/v1/clusters/{cluster}/chain", headers=keys["viewer"]).get_json()
    listed_somewhere = 0
    for node in chain["nodes"]:
        page = every(client, keys, cluster, node["key"], "county")
        assert page["total"] == node["evidence"]["local_entities"], node["id"]
        assert len(page["items"]) == min(page["total"], 200)
        assert page["node"]["id"] == node["id"] and page["scope"] == "county"
        by_type: dict[str, int] = {}
        for item in page["items"]:
            by_type[item["entity_type"]] = by_type.get(item["entity_type"], 0) + 1
        if page["total"] <= 200:
            assert by_type == node["evidence"]["by_entity_type"], node["id"]
        listed_somewhere += page["total"]
    assert listed_somewhere > 0


def test_scopes_widen_and_hold_only_active_firms_of_the_scope(client, keys, graph):
    county = graph.read("MATCH (c:Cluster {id: 'qinghe-cashmere'}) RETURN c.county AS c")[0]["c"]
    prefixes = {"county": county, "city": county[:4], "province": HEBEI}
    totals = {}
    for scope, prefix in prefixes.items():
        page = every(client, keys, "qinghe-cashmere", "dehairing", scope)
        totals[scope] = page["total"]
        usccs = [i["uscc"] for i in page["items"]]
        rows = graph.read("UNWIND $u AS u MATCH (e:Enterprise {uscc: u}) RETURN e.status AS s, e.region AS r", u=usccs)
        assert len(rows) == len(usccs) and all(r["s"] == "active" and r["r"].startswith(prefix) for r in rows)
        gaps = client.get(f"/api/v1/clusters/qinghe-cashmere/gaps?scope={scope}", headers=keys["viewer"]).get_json()
        listed = [g for g in gaps["items"] if g["node"]["key"] == "dehairing"]
        if listed:  # a gap, weak or bottleneck node in this scope: the same count as its evidence
            assert listed[0]["evidence"]["local_entities"] == page["total"]
    assert 0 < totals["county"] <= totals["city"] <= totals["province"]


def test_items_carry_what_the_officer_reads(client, keys, graph):
    page = every(client, keys, "qinghe-cashmere", "dehairing", "county")
    item = page["items"][0]
    assert item["region_name"].endswith("清河县") and item["entity_type"] and item["name"]
    stored = graph.read(
        "MATCH (e:Enterprise {uscc: $u}) OPTIONAL MATCH (e)-[s:SUPPLIES]-(p:Enterprise) "
        "WHERE s.until IS NULL OR s.until >= date() RETURN count(DISTINCT p) AS n, "
        "EXISTS { (e)-[:OPERATES_IN]->(:ChainNode {key: 'dehairing'}) } AS attached", u=item["uscc"])[0]
    assert item["partners"] == stored["n"] and item["attached"] == stored["attached"]
    revenues = [i["revenue_cny"] if i["revenue_cny"] is not None else -1 for i in page["items"]]
    assert revenues == sorted(revenues, reverse=True)  # the biggest firms first


def test_pages_partition_the_list(client, keys):
    whole = every(client, keys, "qinghe-cashmere", "dehairing", "province")
    assert whole["total"] > 5
    seen = []
    for number in range(1, 5):
        page = firms(client, keys, "qinghe-cashmere", "dehairing", scope="province", page=number, per_page=2)
        assert (page["page"], page["per_page"], page["total"]) == (number, 2, whole["total"])
        seen += [i["uscc"] for i in page["items"]]
    assert seen == [i["uscc"] for i in whole["items"][:8]]
    past = firms(client, keys, "qinghe-cashmere", "dehairing", scope="province", page=1000, per_page=200)
    assert past["items"] == [] and past["total"] == whole["total"]


@pytest.mark.parametrize(("path", "query", "status", "field"), [
    ("qinghe-cashmere/nodes/no-such-node", {}, 404, None),
    ("no-such-cluster/nodes/dehairing", {}, 404, None),
    ("qinghe-cashmere/nodes/dehairing", {"scope": "nation"}, 422, "scope"),
    ("qinghe-cashmere/nodes/dehairing", {"page": "0"}, 422, "page"),
    ("qinghe-cashmere/nodes/dehairing", {"per_page": "500"}, 422, "per_page"),
    ("qinghe-cashmere/nodes/dehairing", {"sort": "name"}, 422, "sort"),
    ("Qinghe_Cashmere/nodes/dehairing", {}, None, None),
])
def test_bad_requests_are_problems(client, keys, path, query, status, field):
    response = client.get(f"/api/v1/clusters/{path}/enterprises", query_string=query, headers=keys["viewer"])
    assert response.status_code == (status or response.status_code) and 400 <= response.status_code < 500
    assert response.content_type == "application/problem+json"
    body = response.get_json()
    if field:
        assert field in {e["field"] for e in body["errors"]}, body


def test_needs_a_key(client):
    assert client.get(URL.format("qinghe-cashmere", "dehairing")).status_code == 401


def test_the_profile_names_nodes_and_place(client, keys):
    page = every(client, keys, "anping-wire-mesh", "weaving", "county")
    attached = next(i for i in page["items"] if i["attached"])
    profile = client.get(f"/api/v1/enterprises/{attached['uscc']}", headers=keys["viewer"]).get_json()
    assert profile["region_name"] == attached["region_name"]
    named = {n["id"]: n for n in profile["chain_nodes_named"]}
    assert set(named) == set(profile["chain_nodes"]) and "anping-wire-mesh.weaving" in named
    assert named["anping-wire-mesh.weaving"]["cluster_name"].startswith("安平")
