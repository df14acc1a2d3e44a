"""Recommendations: properties of the pure score (Hypothesis) and worked examples on the seed graph."""

import datetime as dt
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from chainmap import uscc
from chainmap.recommend import FEATURES, Candidate, Target, load_config, rank, score
from chainmap.rewards import Relationship, load_policy

CONFIG = load_config()
POLICY = load_policy()
TODAY = dt.date(2026, 11, 27)
LOCAL = [Relationship(partner=uscc.compose("9", "1", "130534", f"L{i:07d}"), name=f"本地{i}", entity_type="company",
                      region="130534", status="active", group=None, relation="potential", since=TODAY, until=None)
         for i in range(7)]
TARGET = Target(node_id="qinghe-cashmere.spinning", node_name="制条纺纱", codes=["1721"], keywords=["纺纱", "毛条"],
                county="130534", county_name="清河县", lon=115.68, lat=37.03, potential_partners=LOCAL)

candidates = st.builds(
    Candidate,
    uscc=st.integers(1, 10**7).map(lambda i: uscc.compose("9", "1", "110105", f"{i:08d}")),
    name=st.just("北京测试有限公司"), region=st.sampled_from(["110105", "110115", "120116"]),
    lon=st.floats(115.5, 117.8), lat=st.floats(38.8, 40.8),
    industry_codes=st.lists(st.sampled_from(["1721", "1722", "1711", "3130", "5131"]), min_size=1, max_size=2),
    products=st.sampled_from(["", "纺纱", "毛条 纺纱"]),
    revenue=st.dictionaries(st.just(2025), st.integers(0, 5 * 10**9)),
    bj_restricted=st.one_of(st.none(), st.booleans()), expansion_year=st.one_of(st.none(), st.integers(2015, 2026)),
    green_factory=st.one_of(st.none(), st.booleans()), hebei_presence=st.booleans(), ties=st.integers(0, 5),
)


@given(candidates)
@settings(max_examples=200, deadline=None)
def test_breakdown_sums_to_the_score_and_stays_in_range(c):
    result = score(c, TARGET, CONFIG, POLICY, TODAY)
    assert set(result["breakdown"]) == set(FEATURES)
    assert abs(sum(result["breakdown"].values()) - result["score"]) < 1e-6
    assert 0 <= result["score"] <= 1
    for feature, part in result["breakdown"].items():
        assert 0 <= part <= CONFIG["weights"][feature] + 1e-9


@given(candidates, st.sampled_from(["revenue", "ties", "bj_restricted", "hebei_presence", "green_factory", "products"]))
@settings(max_examples=300, deadline=None)
def test_raising_one_feature_never_lowers_the_score(c, feature):
    better = {
        "revenue": {2025: (c.revenue.get(2025) or 0) * 2 + 1},
        "ties": c.ties + 1,
        "bj_restricted": True,
        "hebei_presence": True,
        "green_factory": True,
        "products": c.products + " 纺纱 毛条",
    }[feature]
    raised = Candidate(**{**c.__dict__, feature: better})
    assert score(raised, TARGET, CONFIG, POLICY, TODAY)["score"] >= score(c, TARGET, CONFIG, POLICY, TODAY)["score"]


@given(st.lists(candidates, min_size=1, max_size=30, unique_by=lambda c: c.uscc))
@settings(max_examples=50, deadline=None)
def test_ranking_is_deterministic_and_ordered(cs):
    first = rank(cs, TARGET, CONFIG, POLICY, TODAY, limit=10)
    assert first == rank(list(reversed(cs)), TARGET, CONFIG, POLICY, TODAY, limit=10)
    keys = [(-r["score"], r["enterprise"]["uscc"]) for r in first]
    assert keys == sorted(keys)


def test_reward_outlook_counts_partners_with_the_reward_rules():
    c = Candidate(uscc=uscc.compose("9", "1", "110105", "A0000001"), name="x", region="110105", lon=116.4, lat=39.9,
                  industry_codes=["1721"], revenue={2025: 50_000_000})
    deregistered = Relationship(**{**LOCAL[0].__dict__, "partner": uscc.compose("9", "1", "130534", "D0000001"),
                                   "status": "deregistered"})
    own_branch = Relationship(**{**LOCAL[0].__dict__, "partner": uscc.compose("9", "1", "130534", "B0000001"),
                                 "group": c.uscc})
    target = replace(TARGET, potential_partners=LOCAL[:4] + [deregistered, own_branch])
    outlook = score(c, target, CONFIG, POLICY, TODAY)["reward_outlook"]
    assert outlook == {"revenue_ok": True, "potential_local_partners": 4, "likely_eligible": False}
    target = replace(TARGET, potential_partners=LOCAL[:5])
    assert score(c, target, CONFIG, POLICY, TODAY)["reward_outlook"]["likely_eligible"] is True


# ---- on the seed graph --------------------------------------------------------------------------------------------
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
    """安平丝网's missing high-end filtration material (3463): exact-class firms outrank same-division ones, and the
    list is the hand-checkable order of score then USCC."""
    body = client.get("/api/v1/clusters/anping-wire-mesh/recommendations?node=membrane&limit=50",
                      headers=keys["viewer"]).get_json()
    items = body["items"]
    expected = graph.read(
        "MATCH (e:Enterprise)-[:CLASSIFIED_AS]->(:Industry {code: '3463'}) WHERE e.status = 'active' "
        "AND (e.region STARTS WITH '11' OR e.region STARTS WITH '12') RETURN count(DISTINCT e) AS n")[0]["n"]
    codes = graph.read("MATCH (n:ChainNode {id: 'anping-wire-mesh.membrane'}) RETURN n.industry_codes AS c")[0]["c"]
    assert codes == ["3463", "2651"]
    exact = [i for i in items if set(i["enterprise"]["industry_codes"]) & set(codes)]
    assert expected and 0 < len(exact) and all(i["breakdown"]["industry_fit"] == 0.35 for i in exact)
    # the walk starts at the node's classes: every candidate shares a group with one of them (346 or 265)
    assert all(any(c[:3] in ("346", "265") for c in i["enterprise"]["industry_codes"]) for i in items)
    assert all(i["breakdown"]["industry_fit"] >= 0.21 for i in items)  # class or group level (the list is full)
    assert items[0]["breakdown"]["industry_fit"] == 0.35
    assert [(-i["score"], i["enterprise"]["uscc"]) for i in items] == sorted((-i["score"], i["enterprise"]["uscc"])
                                                                             for i in items)
    assert any("推荐" not in r and "行业小类3463" in r for r in items[0]["reasons"])
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


@given(candidates)
@settings(max_examples=100, deadline=None)
def test_shared_partner_count_equals_the_per_candidate_count(c):
    from chainmap.recommend import partner_outlook, shared_outlook

    branch = Relationship(**{**LOCAL[0].__dict__, "partner": uscc.compose("9", "1", "130534", "B0000009"),
                             "group": c.uscc})
    for partners in (LOCAL, LOCAL + [branch]):
        target = replace(TARGET, potential_partners=partners)
        shared = shared_outlook(target, POLICY, TODAY)
        assert partner_outlook(c, target, POLICY, TODAY, shared) == partner_outlook(c, target, POLICY, TODAY)


def _gap_nodes(graph, clusters):
    from chainmap.gap_analysis import analyse_clusters
    from chainmap.settings import Settings

    thresholds = Settings.from_env().gap_thresholds
    out = []
    for cluster, (statuses, _) in analyse_clusters(graph, clusters, "county", thresholds).items():
        out += [(cluster, node) for node, (status, _) in sorted(statuses.items()) if status != "present"]
    return out


CLUSTERS = ["anping-wire-mesh", "qinghe-cashmere", "pingxiang-bicycles", "xinji-leather", "quzhou-bicycles", "nanhe-pet-food",
            "longyao-food"]   # gaps and weak links only where sources or the template rate put them: several clusters


def test_the_cypher_bound_is_never_below_the_exact_score(graph):
    """The walk orders candidates by a bound computed in Cypher; it must never undercut the Python score, or the
    paged search could stop before a better candidate."""
    from chainmap import recommendations as rec
    from chainmap.recommend import shared_outlook

    today = dt.date.today()
    checked = 0
    for cluster, node in _gap_nodes(graph, CLUSTERS):
        target, params = rec.query_parameters(graph, cluster, node, ["11", "12"], today)
        shared = shared_outlook(target, POLICY, today)
        for query in (rec.CANDIDATES_NEAR, rec.CANDIDATES_DIVISION):
            for row in graph.read(query, **params, skip=0, take=10**6, min_revenue=None):
                exact = score(rec._candidate(row), target, CONFIG, POLICY, today, shared)["score"]
                assert row["bound"] >= exact - 1e-6, (node, row["e"]["uscc"], row["bound"], exact)
                checked += 1
    assert checked > 1000


def test_paged_and_rank_key_searches_equal_scoring_every_candidate(graph):
    """Both searches that stop early give the list of scoring every candidate: the walk read in bound order a page
    at a time (`page`), and the default search over the rank keys (which must be in use: spied), also when each
    round reads only 3 keys per lane, so the seed graph's short lanes take many rounds to their floors."""
    from chainmap import recommendations as rec

    nodes = _gap_nodes(graph, CLUSTERS)
    assert len(nodes) >= 8 and rec.keys_current(graph)
    searches = []
    lanes, full_round = rec._lane_search, rec.FULL_ROUND
    rec._lane_search = lambda *a, **k: searches.append(a[3]) or lanes(*a, **k)
    try:
        for cluster, node in nodes:
            for limit, min_revenue, origins in ((5, None, ["11", "12"]), (20, None, ["11", "12"]),
                                                (10, 50_000_000, ["11", "12"]), (10, None, ["12"])):
                everything = rec.for_node(graph, cluster, node, origins, limit, min_revenue, page=10**6)
                for rec.FULL_ROUND in (full_round, 3):
                    assert rec.for_node(graph, cluster, node, origins, limit, min_revenue) == everything, (node, limit)
                for page in (1, 3, 40):
                    assert rec.for_node(graph, cluster, node, origins, limit, min_revenue, page=page) == everything
    finally:
        rec._lane_search, rec.FULL_ROUND = lanes, full_round
    assert len(searches) == 8 * len(nodes) and all(searches)


def _keys(graph):
    return graph.read("MATCH (e:Enterprise)-[r:CLASSIFIED_AS]->(i:Industry) WHERE r.rank IS NOT NULL "
                      "RETURN e.uscc AS uscc, i.code AS code, r.rank AS rank ORDER BY uscc, code")


def test_rank_keys_bound_the_static_part_of_every_candidates_score(graph):
    """Every classification of every active firm outside Hebei, and nothing else, has a rank key; its static bound
    is never below the exact scale + transfer + green part of the firm's score (the lanes' stopping rule needs it),
    and is within a rounding step of it for firms whose prior-year revenue is their largest."""
    from chainmap import recommendations as rec

    today = dt.date.today()
    keys = _keys(graph)
    expected = graph.read("MATCH (e:Enterprise {status: 'active'})-[:CLASSIFIED_AS]->(i:Industry) "
                          "WHERE NOT e.region STARTS WITH '13' RETURN count(*) AS n")[0]["n"]
    assert len(keys) == expected > 5000
    bounds = {}
    for k in keys:
        bounds[k["uscc"]] = (int(k["rank"].split("|")[1]) - 1_000_000) / 1e6
        assert k["rank"].startswith(k["code"] + "|") and k["rank"].endswith("|" + k["uscc"])
    tight = 0
    for start in range(0, len(bounds), 2000):
        usccs = sorted(bounds)[start:start + 2000]
        for row in graph.read(rec.DETAILS, usccs=usccs, county="130534", cluster="qinghe-cashmere"):
            c = rec._candidate(row)
            b = score(c, TARGET, CONFIG, POLICY, today)["breakdown"]
            static = b["scale"] + b["transfer"] + b["green"]
            assert bounds[c.uscc] >= static - 1e-6, (c.uscc, bounds[c.uscc], static)
            if c.revenue and max(c.revenue.values()) == c.revenue.get(today.year - 1):
                assert bounds[c.uscc] - static < 2e-6 + 1e-6, (c.uscc, bounds[c.uscc], static)
                tight += 1
    assert tight > 1000


def _ties_uncovered(graph):
    """SUPPLIES between a firm outside Hebei and a Hebei firm whose county the former's `tie_counties` lacks."""
    return graph.read("MATCH (e:Enterprise)-[:SUPPLIES]-(l:Enterprise) WHERE NOT e.region STARTS WITH '13' "
                      "AND l.region STARTS WITH '13' AND NOT l.region IN coalesce(e.tie_counties, []) "
                      "RETURN e.uscc AS e, l.region AS county")


def test_rank_keys_follow_every_enterprise_write_as_a_rebuild_would(graph):
    """Writes through chainmap keep the keys equal to rebuilding them all: revenue, deregistration, new codes, a
    Hebei branch added to a Beijing firm and moved to another (each parent's Hebei presence), and a firm moving
    within Hebei (keys stay off). Ties stay covered: a new SUPPLIES and a Hebei partner's move each add a county
    to the Beijing side's `tie_counties`. Without the marker the walk answers, with the same lists."""
    from chainmap import recommendations as rec
    from chainmap.enterprises import create_enterprises, patch_enterprise
    from chainmap.partners import add_partner
    from tests.conftest import reset_seeded

    today = dt.date.today()
    beijing = [r["u"] for r in graph.read(
        "MATCH (e:Enterprise {status: 'active'}) WHERE e.region STARTS WITH '11' AND e.entity_type = 'company' "
        "AND NOT EXISTS { (e)<-[:MEMBER_OF]-() } AND NOT EXISTS { (e)-[:MEMBER_OF]-() } "
        "RETURN e.uscc AS u ORDER BY u LIMIT 4")]
    hebei = graph.read("MATCH (r:Region {level: 'county'}) WHERE r.adcode STARTS WITH '1305' "
                       "RETURN r.adcode AS a ORDER BY a LIMIT 1")[0]["a"]
    branch = uscc.compose("9", "1", hebei, "K0000001")
    mover = graph.read("MATCH (e:Enterprise {status: 'active'}) WHERE e.region = '130534' "
                       "AND e.entity_type = 'company' AND NOT EXISTS { (e)-[:MEMBER_OF]-() } "
                       "RETURN e.uscc AS u ORDER BY u LIMIT 1")[0]["u"]

    def as_rebuilt():
        maintained = _keys(graph)
        rec.rebuild_keys(graph)
        assert maintained == _keys(graph)
        return maintained

    try:
        before = as_rebuilt()
        patch_enterprise(graph, beijing[0], {"revenue_cny": {today.year - 1: 7_000_000_000}})
        patch_enterprise(graph, beijing[1], {"status": "deregistered"})
        patch_enterprise(graph, beijing[2], {"industry_codes": ["3463", "2651"]})
        create_enterprises(graph, [{"uscc": branch, "name": "河北键测分公司", "entity_type": "branch", "region": hebei,
                                    "group": beijing[3], "industry_codes": ["3463"], "chain_nodes": [],
                                    "revenue_cny": {}, "status": "active"}])
        with_branch = as_rebuilt()
        assert with_branch != before
        patch_enterprise(graph, branch, {"group": beijing[0]})
        moved = as_rebuilt()
        assert moved != with_branch
        patch_enterprise(graph, mover, {"region": hebei})  # a Hebei firm stays keyless anywhere in Hebei
        assert as_rebuilt() == moved
        assert _ties_uncovered(graph) == []
        add_partner(graph, beijing[2], {"partner": mover, "relation": "supplies_to", "since": dt.date(2025, 1, 1)})
        assert _ties_uncovered(graph) == []
        assert hebei in graph.read("MATCH (e:Enterprise {uscc: $u}) RETURN e.tie_counties AS t", u=beijing[2])[0]["t"]
        add_partner(graph, mover, {"partner": beijing[3], "relation": "supplies_to", "since": dt.date(2025, 2, 1)})
        assert hebei in graph.read("MATCH (e:Enterprise {uscc: $u}) RETURN e.tie_counties AS t", u=beijing[3])[0]["t"]
        patch_enterprise(graph, mover, {"region": "130534"})
        assert _ties_uncovered(graph) == []
        # the walk answers while the keys follow another configuration, with the same lists
        graph.write("MATCH (m:Revision {id: 'rank-keys'}) SET m.version = 'an older configuration'")
        assert not rec.keys_current(graph)
        searches = []
        lanes = rec._lane_search
        rec._lane_search = lambda *a, **k: searches.append(a) or lanes(*a, **k)
        try:
            walked = [rec.for_node(graph, c, n, ["11", "12"], 10, None) for c, n in _gap_nodes(graph, CLUSTERS[:2])]
        finally:
            rec._lane_search = lanes
        assert searches == []
        rec.rebuild_keys(graph)
        assert walked == [rec.for_node(graph, c, n, ["11", "12"], 10, None) for c, n in _gap_nodes(graph, CLUSTERS[:2])]
    finally:
        reset_seeded(graph)


def test_repeated_requests_reuse_the_ranking_until_the_graph_changes(client, graph, keys):
    """Identical requests of one graph revision are answered from the process's ranked lists; any committed change
    (here: the top target deregistered through the API) is seen by the very next request."""
    from chainmap import recommendations as rec

    url = "/api/v1/clusters/anping-wire-mesh/recommendations?node=membrane&limit=5"
    first = client.get(url, headers=keys["viewer"]).get_json()
    calls = []
    original = rec._for_node
    rec._for_node = lambda *a, **k: calls.append(a) or original(*a, **k)
    try:
        assert client.get(url, headers=keys["viewer"]).get_json() == first
        assert calls == []  # served from the cache
        top = first["items"][0]["enterprise"]["uscc"]
        patched = client.patch(f"/api/v1/enterprises/{top}", json={"status": "deregistered"}, headers=keys["admin"])
        assert patched.status_code == 200, patched.get_json()
        after = client.get(url, headers=keys["viewer"]).get_json()
        assert len(calls) == 1 and top not in {i["enterprise"]["uscc"] for i in after["items"]}
        assert client.patch(f"/api/v1/enterprises/{top}", json={"status": "active"},
                            headers=keys["admin"]).status_code == 200
        assert client.get(url, headers=keys["viewer"]).get_json() == first
        assert len(calls) == 2
    finally:
        rec._for_node = original


def test_scoped_lists_follow_every_write_that_can_move_them(client, graph, keys):
    """Ranked lists are cached per (whole graph, county, divisions of the node) tokens. After each kind of write
    through the API that can move a list, the next answers (served from the cache where its scopes did not change)
    must equal a ranking from scratch, and the write must really have moved the list; a write to a firm of another
    division and region leaves every cached list in use."""
    from chainmap import recommendations as rec
    from tests.conftest import reset_seeded

    cluster = "anping-wire-mesh"
    urls = [f"/api/v1/clusters/{c}/recommendations?limit=8" for c in CLUSTERS]
    county = graph.read("MATCH (c:Cluster {id: $id}) RETURN c.county AS c", id=cluster)[0]["c"]
    serial = iter(range(10**6))

    def served():
        return {u: client.get(u, headers=keys["viewer"]).get_json() for u in urls}

    def followed(before, change):
        """Apply the write; the cached answers equal fresh ones and the cluster's list moved."""
        response = change()
        assert response.status_code in (200, 201), response.get_json().get("errors")
        after = served()
        rec.forget(graph)
        assert after == served()
        assert after[urls[0]]["items"] != before[urls[0]]["items"]
        return after

    def items(answer):
        return answer[urls[0]]["items"]

    def computed(change):
        """Apply the write; which of (target contexts, ranked lists) the next answers computed afresh."""
        assert change().status_code in (200, 201)
        puts = {"target": 0, "ranked": 0}
        originals = rec.TARGETS.put, rec.RANKED.put
        rec.TARGETS.put = lambda *a: puts.update(target=puts["target"] + 1) or originals[0](*a)
        rec.RANKED.put = lambda *a: puts.update(ranked=puts["ranked"] + 1) or originals[1](*a)
        try:
            served()
        finally:
            rec.TARGETS.put, rec.RANKED.put = originals
        return puts

    try:
        now = served()
        admin = keys["admin"]
        year = str(dt.date.today().year - 1)
        # 1. a candidate's revenue (scale), seen through its division
        last = items(now)[-1]["enterprise"]["uscc"]
        now = followed(now, lambda: client.patch(f"/api/v1/enterprises/{last}", headers=admin,
                                                 json={"revenue_cny": {year: 9_000_000_000}}))
        # a division-only write recomputes the lists of that division's nodes but reuses their target contexts
        again = items(now)[-1]["enterprise"]["uscc"]
        division_only = computed(lambda: client.patch(f"/api/v1/enterprises/{again}", headers=admin,
                                                      json={"revenue_cny": {year: 8_000_000_000}}))
        assert division_only["ranked"] >= 1 and division_only["target"] == 0, division_only
        now = served()
        top = items(now)[0]
        node = top["node"]["id"]
        # 2. a local partner of the node deregistered (reward outlook), seen through the county
        partner = graph.read(
            "MATCH (:ChainNode {id: $node})-[:FEEDS]-(:ChainNode)<-[:OPERATES_IN]-(p:Enterprise) "
            "WHERE p.region = $county AND p.status = 'active' RETURN p.uscc AS u ORDER BY u LIMIT 1",
            node=node, county=county)[0]["u"]
        now = followed(now, lambda: client.patch(f"/api/v1/enterprises/{partner}", headers=admin,
                                                 json={"status": "deregistered"}))
        reopened = computed(lambda: client.patch(f"/api/v1/enterprises/{partner}", headers=admin,
                                                 json={"status": "active"}))
        assert reopened["target"] >= 1 and reopened["ranked"] >= 1, reopened  # a county write renews both
        now = served()
        # 3. a Hebei branch of a candidate without one (transfer signal), seen through the parent's division
        lone = next(i["enterprise"] for i in items(now) if "已在河北设有分支机构" not in i["reasons"])
        elsewhere = graph.read("MATCH (r:Region {level: 'county'}) WHERE r.adcode STARTS WITH '13' "
                               "AND r.adcode <> $county RETURN r.adcode AS a ORDER BY a LIMIT 1", county=county)[0]["a"]
        branch = uscc.compose("9", "1", elsewhere, f"B{next(serial):07d}")
        other_division = graph.read("MATCH (i:Industry) WHERE size(i.code) = 4 AND left(i.code, 2) <> $d "
                                    "RETURN i.code AS c ORDER BY c LIMIT 1",
                                    d=lone["industry_codes"][0][:2])[0]["c"]
        now = followed(now, lambda: client.post("/api/v1/enterprises", headers=admin, json={"items": [{
            "uscc": branch, "name": "河北探针分公司", "entity_type": "branch", "region": elsewhere,
            "group": lone["uscc"], "industry_codes": [other_division]}]}))
        # 4. an existing tie: a local firm of the cluster starts supplying a candidate, seen through the county
        local = graph.read(
            "MATCH (:Cluster {id: $cluster})-[:HAS_NODE]->(:ChainNode)<-[:OPERATES_IN]-(l:Enterprise) "
            "WHERE l.region = $county AND l.status = 'active' RETURN l.uscc AS u ORDER BY u LIMIT 1",
            cluster=cluster, county=county)[0]["u"]
        tied = items(now)[3]["enterprise"]["uscc"]
        now = followed(now, lambda: client.post(f"/api/v1/enterprises/{local}/partners", headers=admin, json={
            "partner": tied, "relation": "supplies_to", "since": "2025-03-01", "evidence": "测试"}))
        # 5. the top target introduced into the county (excluded), seen through the county
        top = items(now)[0]["enterprise"]
        now = followed(now, lambda: client.post("/api/v1/introductions", headers=admin, json={
            "id": "intro-scope-probe", "enterprise": top["uscc"], "cluster": cluster, "origin_region": top["region"],
            "introduced_on": "2026-01-05", "stage": "contacted"}))
        assert top["uscc"] not in {i["enterprise"]["uscc"] for i in items(now)}
        # 6. elsewhere: a Beijing firm of a division no node of these clusters uses keeps every list cached
        used = {c[:2] for r in graph.read("MATCH (n:ChainNode) WHERE n.cluster IN $c RETURN n.industry_codes AS x",
                                          c=CLUSTERS) for c in r["x"] or []}
        stranger = graph.read("MATCH (e:Enterprise) WHERE e.region STARTS WITH '11' AND e.status = 'active' "
                              "AND NOT any(x IN e.industry_codes WHERE left(x, 2) IN $used) "
                              "AND NOT EXISTS { (e)-[:MEMBER_OF]->() } AND NOT EXISTS { (e)<-[:MEMBER_OF]-() } "
                              "RETURN e.uscc AS u ORDER BY u LIMIT 1", used=sorted(used))[0]["u"]
        assert client.patch(f"/api/v1/enterprises/{stranger}", headers=admin,
                            json={"revenue_cny": {year: 123_456_789}}).status_code == 200
        calls = []
        original = rec._for_node
        rec._for_node = lambda *a, **k: calls.append(a) or original(*a, **k)
        try:
            assert served() == now
        finally:
            rec._for_node = original
        assert calls == []
    finally:
        reset_seeded(graph)


def test_a_list_depends_on_its_division_only_when_division_matches_filled_it(graph):
    """A write to a firm of the node's division but another group renews a list that division-level matches
    filled (and its answer equals a fresh ranking), and leaves a list filled from the node's own groups in use."""
    from chainmap import recommendations as rec
    from chainmap.enterprises import get_enterprise, patch_enterprise

    today = dt.date.today()
    cluster, node = next((c, n) for c, n in _gap_nodes(graph, CLUSTERS)
                         if rec._for_node(graph, c, n, ["11", "12"], 50, None, None, today)[1]
                         and not rec._for_node(graph, c, n, ["11", "12"], 1, None, None, today)[1])
    codes = graph.read("MATCH (n:ChainNode {id: $id}) RETURN n.industry_codes AS c", id=node)[0]["c"]
    firm = graph.read("MATCH (e:Enterprise {status: 'active'}) WHERE e.region STARTS WITH '11' "
                      "AND any(x IN e.industry_codes WHERE left(x, 2) IN $d) "
                      "AND NOT any(x IN e.industry_codes WHERE left(x, 3) IN $g) RETURN e.uscc AS u ORDER BY u LIMIT 1",
                      d=[c[:2] for c in codes], g=[c[:3] for c in codes])[0]["u"]
    original = get_enterprise(graph, firm)["revenue_cny"]

    def answers():
        return {limit: rec.for_node(graph, cluster, node, ["11", "12"], limit, None, revision=rec.revisions(
                    graph, cluster, [node], ["11", "12"], limit, None, today)[node]) for limit in (50, 1)}

    before = answers()
    calls = []
    fresh = rec._for_node
    rec._for_node = lambda *a, **k: calls.append(a[4]) or fresh(*a, **k)
    try:
        patch_enterprise(graph, firm, {"revenue_cny": {today.year - 1: 9_500_000_000}})
        after = answers()
        assert calls == [50]  # the division-filled list only
        assert after[1] == before[1]
        assert after[50] == fresh(graph, cluster, node, ["11", "12"], 50, None, None, today)[0]
        assert firm in {i["enterprise"]["uscc"] for i in after[50]}
    finally:
        rec._for_node = fresh
        patch_enterprise(graph, firm, {"revenue_cny": {int(y): v for y, v in original.items()}})


def test_a_list_computed_by_one_process_serves_the_others_until_its_scopes_change(client, graph, keys):
    """Lists are stored in the graph with their tokens: a process with nothing in memory (another gunicorn worker,
    a restart) serves the stored list without ranking; after a change in its scopes it ranks afresh. Storing a
    list drops the lists of earlier days."""
    from chainmap import recommendations as rec

    url = "/api/v1/clusters/anping-wire-mesh/recommendations?node=membrane&limit=7"
    rec.forget(graph)
    first = client.get(url, headers=keys["viewer"]).get_json()
    assert graph.read("MATCH (l:RankedList) RETURN count(l) AS n")[0]["n"] == 1
    calls = []
    original = rec._for_node
    rec._for_node = lambda *a, **k: calls.append(a) or original(*a, **k)
    try:
        rec.RANKED.entries.clear()
        rec.TARGETS.entries.clear()
        assert client.get(url, headers=keys["viewer"]).get_json() == first
        assert calls == []
        graph.write("CREATE (:RankedList {key: 'from-an-earlier-day', day: date('2020-01-01')})")
        top = first["items"][0]["enterprise"]["uscc"]
        assert client.patch(f"/api/v1/enterprises/{top}", json={"status": "deregistered"},
                            headers=keys["admin"]).status_code == 200
        rec.RANKED.entries.clear()
        after = client.get(url, headers=keys["viewer"]).get_json()
        assert len(calls) == 1 and top not in {i["enterprise"]["uscc"] for i in after["items"]}
        assert graph.read("MATCH (l:RankedList) RETURN collect(l.day) AS d")[0]["d"] == [dt.date.today()]
    finally:
        rec._for_node = original
        client.patch(f"/api/v1/enterprises/{top}", json={"status": "active"}, headers=keys["admin"])


def test_cache_renew_drops_lists_after_a_write_made_around_chainmap(client, graph, keys):
    """A write through the driver (not the adapter) renews no token and no rank key, so the reused list is stale
    until `python -m chainmap cache renew`, which also rebuilds the keys: a firm raised around chainmap to the top
    of its lane enters the list, as it does when every candidate is scored."""
    from click.testing import CliRunner

    from chainmap import recommendations as rec
    from chainmap.cli import main
    from tests.conftest import reset_seeded

    node = "anping-wire-mesh.membrane"
    url = "/api/v1/clusters/anping-wire-mesh/recommendations?node=membrane&limit=6"
    first = client.get(url, headers=keys["viewer"]).get_json()
    top = first["items"][0]["enterprise"]["uscc"]
    codes = graph.read("MATCH (n:ChainNode {id: $id}) RETURN n.industry_codes AS c", id=node)[0]["c"]
    raised = next(i["enterprise"]["uscc"] for i in reversed(rec.for_node(graph, "anping-wire-mesh", node, ["11", "12"],
                                                                        50, None, page=10**6))
                  if set(i["enterprise"]["industry_codes"]) & set(codes))
    with graph.driver.session(database=graph.database) as session:  # around the adapter, as cypher-shell would
        session.run("MATCH (e:Enterprise {uscc: $u}) SET e.status = 'deregistered'", u=top).consume()
        session.run("MATCH (e:Enterprise {uscc: $u}) SET e.revenue_years = [$year], e.revenue_values = [9000000000], "
                    "e.bj_restricted = true, e.green_factory = true, e.expansion_year = $year",
                    u=raised, year=dt.date.today().year - 1).consume()
    try:
        assert client.get(url, headers=keys["viewer"]).get_json() == first  # stale, as documented
        result = CliRunner().invoke(main, ["cache", "renew"])
        assert result.exit_code == 0, result.output
        after = client.get(url, headers=keys["viewer"]).get_json()
        listed = [i["enterprise"]["uscc"] for i in after["items"]]
        assert top not in listed and raised in listed
        everything = rec.for_node(graph, "anping-wire-mesh", node, ["11", "12"], 6, None, page=10**6)
        assert [(i["enterprise"], i["score"]) for i in after["items"]] == [(i["enterprise"], i["score"])
                                                                           for i in everything]
    finally:
        reset_seeded(graph)


def test_cache_keys_rebuilds_only_keys_that_follow_another_configuration(graph):
    """`python -m chainmap cache keys` (scripts/run, every start) rebuilds stale keys once, then leaves them."""
    from click.testing import CliRunner

    from chainmap import recommendations as rec
    from chainmap.cli import main

    graph.write("MATCH (e:Enterprise)-[r:CLASSIFIED_AS]->() WHERE r.rank IS NOT NULL WITH r LIMIT 5 "
                "SET r.rank = null")
    graph.write("MATCH (m:Revision {id: 'rank-keys'}) SET m.version = 'from an earlier chainmap'")
    first = CliRunner().invoke(main, ["cache", "keys"])
    assert first.exit_code == 0 and "rebuilt" in first.output, first.output
    assert rec.keys_current(graph) and _ties_uncovered(graph) == []
    assert len(_keys(graph)) == graph.read("MATCH (e:Enterprise {status: 'active'})-[:CLASSIFIED_AS]->() "
                                           "WHERE NOT e.region STARTS WITH '13' RETURN count(*) AS n")[0]["n"]
    again = CliRunner().invoke(main, ["cache", "keys"])
    assert again.exit_code == 0 and again.output.strip() == "rank keys are current", again.output
