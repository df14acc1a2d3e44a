"""The firm list takes the place filters every other list takes (county, city: code or name) beside its region prefix,
and a firm's 协作配套 list has its number like every list (review: client.enterprises(county=...) was a 422)."""


def codes(client, keys, query):
    response = client.get(f"/api/v1/enterprises?per_page=200&{query}", headers=keys["viewer"])
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    return body["total"], {e["uscc"] for e in body["items"]}, {e["region"] for e in body["items"]}


def test_county_and_city_filter_as_the_region_prefix_does(client, keys):
    by_code = codes(client, keys, "region=130534")
    assert by_code[0] > 0 and by_code[2] == {"130534"}
    assert codes(client, keys, "county=130534") == by_code
    assert codes(client, keys, "county=清河县") == by_code == codes(client, keys, "county=清河&city=邢台")
    total, _, regions = codes(client, keys, "city=邢台市")
    assert total == codes(client, keys, "region=1305")[0] > by_code[0] and all(r.startswith("1305") for r in regions)
    assert codes(client, keys, "county=清河&region=13") == by_code  # the narrower of the two


def test_filters_that_disagree_or_are_unknown_are_refused(client, keys):
    for query, field in (("county=清河&region=1311", "county"), ("county=不存在县", "county"), ("city=北京", "city")):
        response = client.get(f"/api/v1/enterprises?{query}", headers=keys["viewer"])
        assert response.status_code == 422, (query, response.get_json())
        assert field in [e["field"] for e in response.get_json()["errors"]], response.get_json()


def test_a_firms_partner_list_has_its_total(client, graph, keys):
    firm = graph.read("MATCH (e:Enterprise)-[:SUPPLIES]-() RETURN e.uscc AS u ORDER BY u LIMIT 1")[0]["u"]
    body = client.get(f"/api/v1/enterprises/{firm}/partners", headers=keys["viewer"]).get_json()
    assert body["total"] == len(body["items"]) > 0
