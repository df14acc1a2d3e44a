"""The recommendation searches on the seed graph: the Cypher bounds never undercut the Python score (and the static
part equals it), both early-stopping searches equal scoring every candidate, and rank keys follow every write."""

import datetime as dt

from hypothesis import given, settings

from chainmap import upkeep, uscc
from chainmap.graph.rank_keys import POLLUTING, STATIC_PART
from chainmap.recommendations import search, service, target
from chainmap.recommendations.score import PartnerCounts, score
from chainmap.rewards.rule import Relationship
from tests.recommendation_data import (CLUSTERS, CONFIG, POLICIES, POLICY, TARGET, _gap_nodes, _keys, _ties_uncovered,
                                       candidates, request)


def test_the_cypher_bound_is_never_below_the_exact_score(graph):
    """The walk orders candidates by a bound computed in Cypher; it must never undercut the Python score, or the
    paged search could stop before a better candidate."""
    today = dt.date.today()
    checked = 0
    for cluster, node in _gap_nodes(graph, CLUSTERS):
        node_target, params = search.query_parameters(graph, request(cluster, node, today=today))
        for query in (search.CANDIDATES_NEAR, search.CANDIDATES_DIVISION):
            for row in graph.read(query, **params):
                exact = score(search._candidate(row), node_target, CONFIG, POLICY, today)["score"]
                assert row["bound"] >= exact - 1e-6, (node, row["e"]["uscc"], row["bound"], exact)
                checked += 1
    assert checked > 1000


def test_paged_and_rank_key_searches_equal_scoring_every_candidate(graph):
    """Both searches that stop early give the list of scoring every candidate: the walk read in bound order a page
    at a time (`page`), and the default search over the rank keys (which must be in use: spied), also when each
    round reads only 3 keys per lane, so the seed graph's short lanes take many rounds to their floors."""
    nodes = _gap_nodes(graph, CLUSTERS)
    assert len(nodes) >= 8 and upkeep.keys_current(graph, CONFIG)
    searches = []
    lanes, full_round = search._lane_search, search.FULL_ROUND
    search._lane_search = lambda *a, **k: searches.append(a[4]) or lanes(*a, **k)
    try:
        for cluster, node in nodes:
            for limit, min_revenue, origins in ((5, None, ["11", "12"]), (20, None, ["11", "12"]),
                                                (10, 50_000_000, ["11", "12"]), (10, None, ["12"])):
                req = request(cluster, node, origins, limit, min_revenue)
                everything = service.for_node(graph, req, page=10**6)
                for search.FULL_ROUND in (full_round, 3):
                    assert service.for_node(graph, req) == everything, (node, limit)
                for page in (1, 3, 40):
                    assert service.for_node(graph, req, page=page) == everything
    finally:
        search._lane_search, search.FULL_ROUND = lanes, full_round
    assert len(searches) == 8 * len(nodes) and all(searches)


def test_a_guessed_kth_score_gives_the_exhaustive_list_in_fewer_rounds(graph):
    """A fresh search that starts from a guess of the k-th score (the same request's list before a write) gives the
    list of scoring every candidate whether the guess is right, too low or too high (then it searches again
    without it), and a good guess saves rounds on some node; for_node guesses from its last list after a write."""
    from chainmap.enterprises import patch_enterprise
    from chainmap.recommendations import reuse
    from tests.conftest import reset_seeded

    keys = upkeep.keys_version(CONFIG)
    rounds: list[str] = []
    read = graph.read

    def counting(query, **params):
        rounds.append(query)
        return read(query, **params)

    saved = 0
    graph.read = counting
    try:
        for cluster, node in _gap_nodes(graph, CLUSTERS):
            for limit in (5, 20):
                req = request(cluster, node, limit=limit)
                everything = service.for_node(graph, req, page=10**6)
                if len(everything) < limit:
                    continue
                context = target.target_context(graph, req)
                kth = everything[-1]["score"]
                counts = {}
                for name, guess in (("none", None), ("good", kth - service.GUESS_MARGIN), ("exact", kth),
                                    ("low", kth - 0.3), ("high", kth + 0.05), ("unreachable", 2.0)):
                    rounds.clear()
                    assert search.ranked_list(graph, req, context, keys, guess=guess)[0] == everything, (node, name)
                    counts[name] = rounds.count(search.LANE_ROWS)
                assert counts["high"] > counts["none"], (node, counts)  # searched twice
                saved += counts["good"] < counts["none"]
    finally:
        graph.read = read
    assert saved >= 3

    cluster, node = "anping-wire-mesh", "anping-wire-mesh.membrane"
    req = request(cluster, node, limit=10)
    guesses = []
    ranked_list = service.ranked_list
    service.ranked_list = lambda *a, **k: guesses.append(a[5] if len(a) > 5 else None) or ranked_list(*a, **k)
    try:
        first = service.for_node(graph, req, revision=reuse.revisions(graph, [req])[node])
        firm = first[0]["enterprise"]["uscc"]
        patch_enterprise(graph, POLICIES, firm, {"revenue_cny": {req.today.year - 1: 1_000}})
        after = service.for_node(graph, req, revision=reuse.revisions(graph, [req])[node])
        assert guesses[-1] == first[-1]["score"] - service.GUESS_MARGIN
        assert after == service.for_node(graph, req, page=10**6) and after != first
    finally:
        service.ranked_list = ranked_list
        reset_seeded(graph)


def test_rank_keys_bound_the_static_part_of_every_candidates_score(graph):
    """Every classification of every active firm outside Hebei, and nothing else, has a rank key; its static bound
    is never below the exact scale + transfer + green part of the firm's score (the lanes' stopping rule needs it),
    and is within a rounding step of it for firms whose prior-year revenue is their largest."""
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
        for row in graph.read(search.DETAILS, usccs=usccs, county="130534", cluster="qinghe-cashmere",
                              today=dt.date.today()):
            c = search._candidate(row)
            b = score(c, TARGET, CONFIG, POLICY, today)["breakdown"]
            static = b["scale"] + b["transfer"] + b["green"]
            assert bounds[c.uscc] >= static - 1e-6, (c.uscc, bounds[c.uscc], static)
            if c.revenue and max(c.revenue.values()) == c.revenue.get(today.year - 1):
                assert bounds[c.uscc] - static < 2e-6 + 1e-6, (c.uscc, bounds[c.uscc], static)
                tight += 1
    assert tight > 1000


def test_rank_keys_follow_every_enterprise_write_as_a_rebuild_would(graph):
    """Writes through chainmap keep the keys equal to rebuilding them all: revenue, deregistration, new codes, a
    Hebei branch added to a Beijing firm and moved to another (each parent's Hebei presence), and a firm moving
    within Hebei (keys stay off). Ties stay covered: a new SUPPLIES and a Hebei partner's move each add a county
    to the Beijing side's `tie_counties`. Without the marker the walk answers, with the same lists."""
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
        upkeep.rebuild_keys(graph, CONFIG)
        assert maintained == _keys(graph)
        return maintained

    try:
        before = as_rebuilt()
        patch_enterprise(graph, POLICIES, beijing[0], {"revenue_cny": {today.year - 1: 7_000_000_000}})
        patch_enterprise(graph, POLICIES, beijing[1], {"status": "deregistered"})
        patch_enterprise(graph, POLICIES, beijing[2], {"industry_codes": ["3463", "2651"]})
        create_enterprises(graph, POLICIES, [{"uscc": branch, "name": "河北键测分公司", "entity_type": "branch", "region": hebei,
                                    "group": beijing[3], "industry_codes": ["3463"], "chain_nodes": [],
                                    "revenue_cny": {}, "status": "active"}])
        with_branch = as_rebuilt()
        assert with_branch != before
        patch_enterprise(graph, POLICIES, branch, {"group": beijing[0]})
        moved = as_rebuilt()
        assert moved != with_branch
        patch_enterprise(graph, POLICIES, mover, {"region": hebei})  # a Hebei firm stays keyless anywhere in Hebei
        assert as_rebuilt() == moved
        assert _ties_uncovered(graph) == []
        add_partner(graph, beijing[2], {"partner": mover, "relation": "supplies_to", "since": dt.date(2025, 1, 1)})
        assert _ties_uncovered(graph) == []
        assert hebei in graph.read("MATCH (e:Enterprise {uscc: $u}) RETURN e.tie_counties AS t", u=beijing[2])[0]["t"]
        add_partner(graph, mover, {"partner": beijing[3], "relation": "supplies_to", "since": dt.date(2025, 2, 1)})
        assert hebei in graph.read("MATCH (e:Enterprise {uscc: $u}) RETURN e.tie_counties AS t", u=beijing[3])[0]["t"]
        patch_enterprise(graph, POLICIES, mover, {"region": "130534"})
        assert _ties_uncovered(graph) == []
        # the walk answers while the keys follow another configuration, with the same lists
        graph.write("MATCH (m:Revision {id: 'rank-keys'}) SET m.version = 'an older configuration'")
        assert not upkeep.keys_current(graph, CONFIG)
        searches = []
        lanes = search._lane_search
        search._lane_search = lambda *a, **k: searches.append(a) or lanes(*a, **k)
        try:
            walked = [service.for_node(graph, request(c, n)) for c, n in _gap_nodes(graph, CLUSTERS[:2])]
        finally:
            search._lane_search = lanes
        assert searches == []
        upkeep.rebuild_keys(graph, CONFIG)
        assert walked == [service.for_node(graph, request(c, n)) for c, n in _gap_nodes(graph, CLUSTERS[:2])]
    finally:
        reset_seeded(graph)




def test_tie_links_bound_the_ties_through_batched_writes_and_the_rebuild_makes_them_exact(graph):
    """`tie_links` stay an upper bound of a Beijing firm's SUPPLIES with each Hebei county when one loader statement
    writes several of them with the same county (each row must see the links the row before added), and the
    rebuild counts them exactly, at most TIE_CAP per county; the rank-key search, which skips counting the ties of
    firms the links cannot lift into the list, still gives the list of scoring every candidate."""
    from chainmap.graph import loading as q
    from chainmap.graph.rank_keys import TIE_CAP
    from tests.conftest import reset_seeded

    firm = graph.read("MATCH (e:Enterprise {status: 'active'}) WHERE e.region STARTS WITH '11' "
                      "AND e.tie_links IS NOT NULL AND NOT '130534' IN e.tie_counties "
                      "RETURN e.uscc AS u ORDER BY u LIMIT 1")[0]["u"]
    local = [r["u"] for r in graph.read(
        "MATCH (e:Enterprise {region: '130534', status: 'active'}) WHERE NOT EXISTS { (e)-[:SUPPLIES]-(:Enterprise {uscc: $f}) } "
        "RETURN e.uscc AS u ORDER BY u LIMIT $n", f=firm, n=TIE_CAP + 2)]
    assert len(local) == TIE_CAP + 2

    def links():
        return graph.read("MATCH (e:Enterprise {uscc: $u}) RETURN size([t IN e.tie_links WHERE t = '130534']) AS n",
                          u=firm)[0]["n"]

    try:
        rows = [{"supplier": firm, "customer": c, "kind": "supplies", "since": dt.date(2024, 3, 1), "until": None,
                 "evidence": "测试"} for c in local[:3]]
        graph.write(q.SUPPLIES, rows=rows)
        assert links() == 3 and _ties_uncovered(graph) == []
        graph.write(q.SUPPLIES, rows=rows)  # the same rows again (a reload): no new relationship, no new link
        assert links() == 3
        graph.write(q.SUPPLIES, rows=[{**rows[0], "customer": c} for c in local[3:]])
        assert links() == TIE_CAP and _ties_uncovered(graph) == []  # five SUPPLIES: "at least four"
        upkeep.rebuild_keys(graph, CONFIG)
        assert links() == TIE_CAP
        exact = graph.read(
            "MATCH (e:Enterprise) WHERE NOT e.region STARTS WITH '13' "
            "OPTIONAL MATCH (e)-[:SUPPLIES]-(l:Enterprise) WHERE l.region STARTS WITH '13' "
            "WITH e, l.region AS county, count(l) AS n ORDER BY county "
            "WITH e, [x IN collect([county, n]) WHERE x[0] IS NOT NULL] AS pairs "
            "WHERE e.tie_links <> reduce(a = [], x IN pairs | a + [i IN range(1, CASE WHEN x[1] < $cap THEN x[1] "
            "  ELSE $cap END) | x[0]]) RETURN e.uscc AS e", cap=TIE_CAP)
        assert exact == []
        nodes = _gap_nodes(graph, CLUSTERS)
        assert [service.for_node(graph, request(c, n)) for c, n in nodes] == [
            service.for_node(graph, request(c, n), page=10**6) for c, n in nodes]
    finally:
        reset_seeded(graph)


@given(candidates)
@settings(max_examples=150, deadline=None)
def test_the_static_bound_in_cypher_equals_the_python_parts(graph, c):
    """The rank keys' static bound (scale, transfer, green) evaluated by Neo4j equals those parts of the Python
    score: a signal added to one and not the other fails here."""
    today = dt.date.today()
    year = today.year - 1
    revenue = c.revenue.get(year)
    e = {"bj_restricted": c.bj_restricted, "region": c.region, "expansion_year": c.expansion_year,
         "green_factory": c.green_factory, "industry_codes": c.industry_codes}
    statement = ("WITH $e AS e, $revenue AS revenue, $presence AS presence WITH e, revenue, presence, "
                 + POLLUTING + " AS polluting RETURN " + STATIC_PART + " AS static")
    cypher = graph.read(statement, e=e, revenue=revenue, presence=c.hebei_presence,
                        **upkeep.key_arguments(CONFIG))[0]["static"]
    b = score(c, TARGET, CONFIG, POLICY, today)["breakdown"]
    assert abs(cypher - (b["scale"] + b["transfer"] + b["green"])) < 2e-6, (c, cypher, b)


# Every local firm in a node's neighbouring nodes, as the reward rules read a potential partner.
_PARTNER_ROWS = (
    "MATCH (c:Cluster {id: $cluster})-[:HAS_NODE]->(:ChainNode {id: $node})-[:FEEDS|SUPPORTS]-(:ChainNode)"
    "<-[:OPERATES_IN]-(p:Enterprise) WHERE p.region = c.county "
    "WITH DISTINCT p RETURN p.uscc AS uscc, p.entity_type AS type, p.status AS status, p.group AS grp"
)


def test_partner_counts_from_the_graph_equal_the_reward_rules(graph):
    """A node's potential partners are filtered in the graph (target.COUNTABLE) and only their codes sent: the count
    and the group parents must be what the reward rules give over every partner read as rows, also with partners
    the rules exclude (a broken code, another registration authority, deregistered, an uncounted type) or count per
    group."""
    from tests.conftest import reset_seeded

    today = dt.date.today()
    county, near = graph.read(
        "MATCH (c:Cluster {id: 'qinghe-cashmere'})-[:HAS_NODE]->(:ChainNode)-[:FEEDS]-(m:ChainNode) "
        "RETURN c.county AS county, m.id AS near ORDER BY near LIMIT 1")[0].values()
    parent = uscc.compose("9", "1", "110105", "P0000001")
    good = [uscc.compose("9", "1", county, f"Q{i:07d}") for i in range(6)]
    planted = [(good[0][:17] + ("0" if good[0][17] != "0" else "1"), "company", "active", None),  # broken check
               ("1" + good[1][1:17] + uscc.check_character("1" + good[1][1:17]), "company", "active", None),
               (good[2], "company", "deregistered", parent), (good[3], "branch", "active", parent),
               (good[4], "company", "active", parent), (good[5], "cooperative", "active", None)]
    try:
        graph.write("UNWIND $rows AS r CREATE (p:Enterprise {uscc: r[0], name: '测试', entity_type: r[1], "
                    "status: r[2], group: r[3], region: $county}) WITH p MATCH (m:ChainNode {id: $near}) "
                    "CREATE (p)-[:OPERATES_IN]->(m)", rows=planted, county=county, near=near)
        checked = 0
        for cluster in CLUSTERS:
            for node in [r["id"] for r in graph.read("MATCH (:Cluster {id: $c})-[:HAS_NODE]->(n) RETURN n.id AS id",
                                                     c=cluster)]:
                node_target, _ = target.target_context(graph, request(cluster, node, today=today))
                rows = graph.read(_PARTNER_ROWS, cluster=cluster, node=node)
                rels = [Relationship(partner=r["uscc"], name=None, entity_type=r["type"], region=node_target.county,
                                     status=r["status"], group=r["grp"], relation="potential", since=today, until=None)
                        for r in rows]
                expected = PartnerCounts.of(rels, node_target.county, today, POLICY)
                assert (node_target.partners.shared, dict(node_target.partners.by_group)) == (
                    expected.shared, dict(expected.by_group)), (cluster, node)
                checked += len(rows)
        assert checked > 500
        planted_target = [target.target_context(graph, request("qinghe-cashmere", n["id"], today=today))[0]
                          for n in graph.read("MATCH (:ChainNode {id: $near})-[:FEEDS]-(n) RETURN n.id AS id",
                                              near=near)]
        assert planted_target and all(t.partners.by_group.get(parent) == 2 for t in planted_target)
    finally:
        reset_seeded(graph)
