"""Reuse of ranked lists: per process and stored in the graph, renewed by exactly the writes that can move them."""

import datetime as dt

from chainmap import upkeep, uscc
from chainmap.graph import footprints
from chainmap.recommendations import reuse, search, service, target
from tests.recommendation_data import CLUSTERS, CONFIG, POLICIES, _gap_nodes, _keys, _ties_uncovered, request


def test_repeated_requests_reuse_the_ranking_until_the_graph_changes(client, graph, keys):
    """Identical requests of one graph revision are answered from the process's ranked lists; any committed change
    (here: the top target deregistered through the API) is seen by the very next request."""

    url = "/api/v1/clusters/anping-wire-mesh/recommendations?node=membrane&limit=5"
    first = client.get(url, headers=keys["viewer"]).get_json()
    calls = []
    original = service.ranked_list
    service.ranked_list = lambda *a, **k: calls.append(a) or original(*a, **k)
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
        service.ranked_list = original


def test_scoped_lists_follow_every_write_that_can_move_them(client, graph, keys):
    """Ranked lists are cached per (whole graph, county, divisions of the node) tokens. After each kind of write
    through the API that can move a list, the next answers (served from the cache where its scopes did not change)
    must equal a ranking from scratch, and the write must really have moved the list; a write to a firm of another
    division and region leaves every cached list in use."""
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
        reuse.forget(graph)
        assert after == served()
        assert after[urls[0]]["items"] != before[urls[0]]["items"]
        return after

    def items(answer):
        return answer[urls[0]]["items"]

    def computed(change):
        """Apply the write; which of (target contexts, ranked lists) the next answers computed afresh."""
        assert change().status_code in (200, 201)
        puts = {"target": 0, "ranked": 0}
        originals = reuse.TARGETS.put, reuse.RANKED.put
        reuse.TARGETS.put = lambda *a: puts.update(target=puts["target"] + 1) or originals[0](*a)
        reuse.RANKED.put = lambda *a: puts.update(ranked=puts["ranked"] + 1) or originals[1](*a)
        try:
            served()
        finally:
            reuse.TARGETS.put, reuse.RANKED.put = originals
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
        assert reopened["target"] >= 1 and reopened["ranked"] >= 1, reopened  # a partner's status renews both
        # a county firm's revenue moves what the lists may count (existing ties), not who the partners are: the
        # lists are ranked afresh from the same target contexts, and equal a ranking from scratch
        revenue_only = computed(lambda: client.patch(f"/api/v1/enterprises/{partner}", headers=admin,
                                                     json={"revenue_cny": {year: 77_000_000}}))
        assert revenue_only["ranked"] >= 1 and revenue_only["target"] == 0, revenue_only
        now = served()
        reuse.forget(graph)
        assert served() == now
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
        original = service.ranked_list
        service.ranked_list = lambda *a, **k: calls.append(a) or original(*a, **k)
        try:
            assert served() == now
        finally:
            service.ranked_list = original
        assert calls == []
    finally:
        reset_seeded(graph)


def test_a_list_depends_on_its_division_only_when_division_matches_filled_it(graph):
    """A write to a firm of the node's division but another group renews a list that division-level matches
    filled (and its answer equals a fresh ranking), and leaves a list filled from the node's own groups in use."""
    from chainmap.enterprises import get_enterprise, patch_enterprise

    today = dt.date.today()
    keys = upkeep.keys_version(CONFIG)

    def ranked(c, n, limit):
        req = request(c, n, limit=limit, today=today)
        return search.ranked_list(graph, req, target.target_context(graph, req), keys)

    cluster, node = next((c, n) for c, n in _gap_nodes(graph, CLUSTERS)
                         if ranked(c, n, 50)[1] and not ranked(c, n, 1)[1])
    codes = graph.read("MATCH (n:ChainNode {id: $id}) RETURN n.industry_codes AS c", id=node)[0]["c"]
    firm = graph.read("MATCH (e:Enterprise {status: 'active'}) WHERE e.region STARTS WITH '11' "
                      "AND any(x IN e.industry_codes WHERE left(x, 2) IN $d) "
                      "AND NOT any(x IN e.industry_codes WHERE left(x, 3) IN $g) RETURN e.uscc AS u ORDER BY u LIMIT 1",
                      d=[c[:2] for c in codes], g=[c[:3] for c in codes])[0]["u"]
    original = get_enterprise(graph, firm)["revenue_cny"]

    def answers():
        return {limit: service.for_node(graph, request(cluster, node, limit=limit, today=today),
                                        revision=reuse.revisions(graph, [request(cluster, node, limit=limit,
                                                                                 today=today)])[node])
                for limit in (50, 1)}

    before = answers()
    calls = []
    fresh = service.ranked_list
    service.ranked_list = lambda *a, **k: calls.append(a[1].limit) or fresh(*a, **k)
    try:
        patch_enterprise(graph, POLICIES, firm, {"revenue_cny": {today.year - 1: 9_500_000_000}})
        after = answers()
        assert calls == [50]  # the division-filled list only
        assert after[1] == before[1]
        assert after[50] == ranked(cluster, node, 50)[0]
        assert firm in {i["enterprise"]["uscc"] for i in after[50]}
    finally:
        service.ranked_list = fresh
        patch_enterprise(graph, POLICIES, firm, {"revenue_cny": {int(y): v for y, v in original.items()}})


def test_a_list_computed_by_one_process_serves_the_others_until_its_scopes_change(client, graph, keys):
    """Lists are stored in the graph with their tokens: a process with nothing in memory (another gunicorn worker,
    a restart) serves the stored list without ranking; after a change in its scopes it ranks afresh. Storing a
    list drops the lists of earlier days."""

    url = "/api/v1/clusters/anping-wire-mesh/recommendations?node=membrane&limit=7"
    reuse.forget(graph)
    first = client.get(url, headers=keys["viewer"]).get_json()
    reuse.STORES.flush()  # stored behind the answer
    assert graph.read("MATCH (l:RankedList) RETURN count(l) AS n")[0]["n"] == 1
    calls = []
    original = service.ranked_list
    service.ranked_list = lambda *a, **k: calls.append(a) or original(*a, **k)
    try:
        reuse.RANKED.entries.clear()
        reuse.TARGETS.entries.clear()
        assert client.get(url, headers=keys["viewer"]).get_json() == first
        assert calls == []
        graph.write("CREATE (:RankedList {key: 'from-an-earlier-day', day: date('2020-01-01')})")
        top = first["items"][0]["enterprise"]["uscc"]
        assert client.patch(f"/api/v1/enterprises/{top}", json={"status": "deregistered"},
                            headers=keys["admin"]).status_code == 200
        reuse.RANKED.entries.clear()
        after = client.get(url, headers=keys["viewer"]).get_json()
        assert len(calls) == 1 and top not in {i["enterprise"]["uscc"] for i in after["items"]}
        reuse.STORES.flush()
        assert graph.read("MATCH (l:RankedList) RETURN collect(l.day) AS d")[0]["d"] == [dt.date.today()]
    finally:
        service.ranked_list = original
        client.patch(f"/api/v1/enterprises/{top}", json={"status": "active"}, headers=keys["admin"])


def test_lists_are_stored_behind_the_answer_and_a_failed_store_does_not_stop_the_next(graph, caplog):
    """The storing thread writes what it is given in order; a store the database refuses (here a null key) is
    logged in Chinese and dropped, and the thread goes on with the next."""
    day = dt.date.today()
    good = {"key": "stored-behind", "tokens": "[]", "division": None, "ranked": "[]", "day": day, "node": "n"}
    reuse.STORES.put(graph, {**good, "key": None})
    reuse.STORES.put(graph, good)
    reuse.STORES.flush()
    try:
        assert graph.read("MATCH (l:RankedList {key: 'stored-behind'}) RETURN l.day AS day") == [{"day": day}]
        assert any("推荐名单未能存入图库" in r.getMessage() for r in caplog.records)
    finally:
        graph.write("MATCH (l:RankedList {key: 'stored-behind'}) DELETE l", touches=footprints.NOTHING)


def test_cache_renew_drops_lists_after_a_write_made_around_chainmap(client, graph, keys):
    """A write through the driver (not the adapter) renews no token and no rank key, so the reused list is stale
    until `python -m chainmap cache renew`, which also rebuilds the keys: a firm raised around chainmap to the top
    of its lane enters the list, as it does when every candidate is scored."""
    from click.testing import CliRunner

    from chainmap.cli import main
    from tests.conftest import reset_seeded

    node = "anping-wire-mesh.membrane"
    url = "/api/v1/clusters/anping-wire-mesh/recommendations?node=membrane&limit=6"
    first = client.get(url, headers=keys["viewer"]).get_json()
    top = first["items"][0]["enterprise"]["uscc"]
    codes = graph.read("MATCH (n:ChainNode {id: $id}) RETURN n.industry_codes AS c", id=node)[0]["c"]
    raised = next(i["enterprise"]["uscc"] for i in reversed(service.for_node(graph, request("anping-wire-mesh", node,
                                                                                          limit=50), page=10**6))
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
        everything = service.for_node(graph, request("anping-wire-mesh", node, limit=6), page=10**6)
        assert [(i["enterprise"], i["score"]) for i in after["items"]] == [(i["enterprise"], i["score"])
                                                                           for i in everything]
    finally:
        reset_seeded(graph)


def test_cache_keys_rebuilds_only_keys_that_follow_another_configuration(graph):
    """`python -m chainmap cache keys` (scripts/run, every start) rebuilds stale keys once, then leaves them."""
    from click.testing import CliRunner

    from chainmap.cli import main

    graph.write("MATCH (e:Enterprise)-[r:CLASSIFIED_AS]->() WHERE r.rank IS NOT NULL WITH r LIMIT 5 "
                "SET r.rank = null")
    graph.write("MATCH (m:Revision {id: 'rank-keys'}) SET m.version = 'from an earlier chainmap'")
    first = CliRunner().invoke(main, ["cache", "keys"])
    assert first.exit_code == 0 and "已重建" in first.output, first.output
    assert upkeep.keys_current(graph, CONFIG) and _ties_uncovered(graph) == []
    assert len(_keys(graph)) == graph.read("MATCH (e:Enterprise {status: 'active'})-[:CLASSIFIED_AS]->() "
                                           "WHERE NOT e.region STARTS WITH '13' RETURN count(*) AS n")[0]["n"]
    again = CliRunner().invoke(main, ["cache", "keys"])
    assert again.exit_code == 0 and again.output.strip() == "排序键为最新，无需重建", again.output


def test_after_a_whole_graph_write_the_ranking_starts_from_the_last_context_and_stands_only_if_it_held(graph):
    """After a write outside every scope a node's target context is read whole; a process holding an older one
    ranks from it while the read runs. The early ranking is served only when the context read equals the older
    one; when the write changed it (here the top target introduced into the county: the context excludes it),
    the list is ranked again. Either way the answer equals a ranking from scratch."""
    from tests.conftest import reset_seeded

    today, keys = dt.date.today(), upkeep.keys_version(CONFIG)
    req = request("anping-wire-mesh", "anping-wire-mesh.membrane", limit=5, today=today)
    threads, ranked = [], []
    in_thread, ranked_list = reuse._in_thread, service.ranked_list

    def answer():
        threads.clear()
        ranked.clear()
        return service.for_node(graph, req, revision=reuse.revisions(graph, [req])[req.node_id])

    def scratch():
        return search.ranked_list(graph, req, target.target_context(graph, req), keys)[0]

    reuse.TARGETS.entries.clear()
    reuse._in_thread = lambda *a: threads.append(a[0]) or in_thread(*a)
    service.ranked_list = lambda *a, **k: ranked.append(a[2]) or ranked_list(*a, **k)
    try:
        first = answer()
        assert (threads, len(ranked)) == ([], 1)  # nothing held yet: read, then ranked

        graph.renew()  # outside every scope: the context is read whole, and equals the one held
        assert answer() == first == scratch()
        assert threads == [target.target_context] and len(ranked) == 1

        top = first[0]["enterprise"]["uscc"]
        graph.write("MATCH (c:Cluster {id: 'anping-wire-mesh'}), (e:Enterprise {uscc: $top}) "
                    "CREATE (i:Introduction {id: 'intro-speculative-test', enterprise: $top, cluster: c.id, "
                    "stage: 'landed', introduced_on: date()}) CREATE (i)-[:OF]->(e) CREATE (i)-[:INTO]->(c)",
                    top=top)  # no footprint: renews the whole graph
        after = answer()
        assert threads == [target.target_context] and len(ranked) == 2  # from the held context, then again
        assert top not in ranked[0][1]["introduced"] and top in ranked[1][1]["introduced"]
        assert top not in {i["enterprise"]["uscc"] for i in after}
        assert after == scratch()
    finally:
        reuse._in_thread, service.ranked_list = in_thread, ranked_list
        reuse.TARGETS.entries.clear()
        reset_seeded(graph)
