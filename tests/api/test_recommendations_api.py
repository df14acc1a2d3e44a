"""Recommendations through the API on the seed graph: origins, the worked example, exclusions, bad requests."""

def test_no_candidate_outside_the_origins_or_inside_the_county(client, keys):
    body = client.get("/api/v1/clusters/anping-wire-mesh/recommendations?limit=20", headers=keys["viewer"]).get_json()
    assert body["items"] and body["origins"] == ["11", "12"]
    for item in body["items"]:
        assert item["enterprise"]["region"][:2] in ("11", "12") and item["enterprise"]["region"] != "131125"
        assert item["node"]["status"] in ("gap", "weak", "bottleneck")
    tianjin = client.get("/api/v1/clusters/anping-wire-mesh/recommendations?origin=12&limit=20",
                         headers=keys["viewer"]).get_json()
    assert tianjin["items"] and all(i["enterprise"]["region"].startswith("12") for i in tianjin["items"])


def test_worked_example_membrane_gap(client, graph, keys):
    """安平丝网's missing high-end filtration material (2659, 2651): exact-class firms outrank same-division ones, and the
    list is the hand-checkable order of score then USCC."""
    body = client.get("/api/v1/clusters/anping-wire-mesh/recommendations?node=membrane&limit=50",
                      headers=keys["viewer"]).get_json()
    items = body["items"]
    expected = graph.read(
        "MATCH (e:Enterprise)-[:CLASSIFIED_AS]->(:Industry) WHERE e.status = 'active' "
        "AND any(c IN e.industry_codes WHERE c IN ['2659', '2651']) "
        "AND (e.region STARTS WITH '11' OR e.region STARTS WITH '12') RETURN count(DISTINCT e) AS n")[0]["n"]
    codes = graph.read("MATCH (n:ChainNode {id: 'anping-wire-mesh.membrane'}) RETURN n.industry_codes AS c")[0]["c"]
    assert codes == ["2659", "2651"]
    exact = [i for i in items if set(i["enterprise"]["industry_codes"]) & set(codes)]
    assert expected and 0 < len(exact) and all(i["breakdown"]["industry_fit"] == 0.35 for i in exact)
    # the walk starts at the node's classes: every candidate shares a group with one of them (346 or 265)
    assert all(any(c[:3] in ("346", "265") for c in i["enterprise"]["industry_codes"]) for i in items)
    assert all(i["breakdown"]["industry_fit"] >= 0.21 for i in items)  # class or group level (the list is full)
    assert items[0]["breakdown"]["industry_fit"] == 0.35
    assert [(-i["score"], i["enterprise"]["uscc"]) for i in items] == sorted((-i["score"], i["enterprise"]["uscc"])
                                                                             for i in items)
    assert any("推荐" not in r and ("行业小类2659" in r or "行业小类2651" in r) for r in items[0]["reasons"])
    again = client.get("/api/v1/clusters/anping-wire-mesh/recommendations?node=membrane&limit=50",
                       headers=keys["viewer"]).get_json()
    assert again == body


def test_introduced_enterprises_are_excluded(client, graph, keys):
    intro = graph.read("MATCH (i:Introduction {id: 'intro-four-partners'}) RETURN i.enterprise AS e, i.cluster AS c")[0]
    body = client.get(f"/api/v1/clusters/{intro['c']}/recommendations?limit=50", headers=keys["viewer"]).get_json()
    assert intro["e"] not in {i["enterprise"]["uscc"] for i in body["items"]}


def test_bad_recommendation_requests(client, keys):
    assert client.get("/api/v1/clusters/anping-wire-mesh/recommendations?limit=500",
                      headers=keys["viewer"]).status_code == 422
    assert client.get("/api/v1/clusters/anping-wire-mesh/recommendations?origin=13",
                      headers=keys["viewer"]).status_code == 422
    assert client.get("/api/v1/clusters/anping-wire-mesh/recommendations?node=nope",
                      headers=keys["viewer"]).status_code == 404
    # a code no region starts with is not "no targets there" (attacker review: origin=99 answered an empty 200)
    unknown = client.get("/api/v1/clusters/anping-wire-mesh/recommendations?origin=99&origin=1101",
                         headers=keys["viewer"])
    assert unknown.status_code == 422 and unknown.mimetype == "application/problem+json"
    assert unknown.get_json()["errors"] == [{"field": "origin", "reason": "没有以 99 开头的行政区划代码"}]
    assert client.get("/api/v1/clusters/anping-wire-mesh/recommendations?origin=110108",
                      headers=keys["viewer"]).status_code == 200


def test_cli_prints_every_reason_and_the_cautions(monkeypatch):
    """`python -m chainmap recommend`: all 推荐理由 (no silent cut), the 注意 and the reasons the node's list shares."""
    from click.testing import CliRunner

    from chainmap import cli

    reasons = [f"理由{i}" for i in range(1, 7)]
    item = {"score": 0.8, "node": {"id": "anping-wire-mesh.membrane", "name": "过滤膜"},
            "enterprise": {"name": "北京某膜科技有限公司", "region": "110105"}, "reasons": reasons,
            "cautions": ["规模偏小"], "reward_outlook": {"likely_eligible": True, "potential_local_partners": 5}}
    data = {"items": [item], "common_reasons": {"anping-wire-mesh.membrane": ["距安平县约200公里"]}}

    class Client:
        def recommendations(self, *args, **kwargs):
            return data

    monkeypatch.setattr(cli, "_client", lambda url, key: Client())
    result = CliRunner().invoke(cli.main, ["recommend", "anping-wire-mesh", "--node", "membrane"])
    assert result.exit_code == 0, result.output
    assert "推荐理由：" + "；".join(reasons) in result.output
    assert "注意：规模偏小" in result.output and "距安平县约200公里" in result.output


def test_the_ties_a_reason_claims_are_relationships_in_force(client, graph, keys):
    """"已与…有N项协作配套往来" counts the 协作配套 in force today with the county's firms in the cluster: one that
    ended is no tie to ask for help (review: 北京博丰钢铁 was said to have 2 with 河间, one ended in 2023)."""
    import datetime as dt
    import re

    ties = ("MATCH (e:Enterprise {uscc: $uscc})-[s:SUPPLIES]-(l:Enterprise {region: $county}) "
            "WHERE EXISTS { (l)-[:OPERATES_IN]->(:ChainNode {cluster: $cluster}) } "
            "RETURN count(s) AS all, count(CASE WHEN s.until IS NULL OR s.until >= $today THEN 1 END) AS now")
    checked, ended = 0, 0
    first = ["hejian-auto-remanufacturing", "anping-wire-mesh", "anguo-herbal-medicine", "longyao-food"]
    others = [r["id"] for r in graph.read("MATCH (c:Cluster) RETURN c.id AS id ORDER BY id") if r["id"] not in first]
    for cluster in first + others:
        if cluster in others and ended:
            break  # the claimed ties have been held to the graph, an ended one among them
        body = client.get(f"/api/v1/clusters/{cluster}/recommendations?limit=20", headers=keys["viewer"]).get_json()
        county = graph.read("MATCH (c:Cluster {id: $id}) RETURN c.county AS c", id=cluster)[0]["c"]
        for item in body["items"]:
            found = graph.read(ties, uscc=item["enterprise"]["uscc"], county=county, cluster=cluster,
                               today=dt.date.today())[0]
            claimed = [int(m.group(1)) for r in item["reasons"] if (m := re.search(r"有(\d+)项协作配套往来", r))]
            assert claimed == ([found["now"]] if found["now"] else []), (cluster, item["enterprise"], found)
            checked, ended = checked + bool(found["all"]), ended + (found["all"] > found["now"])
    assert checked and ended  # the seed graph has firms with ended ties among those recommended
