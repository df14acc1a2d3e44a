"""What the seed load puts in the graph: real regions, industries, clusters and a chain for every cluster."""

import csv
import json

from tests.conftest import SEEDS


def test_region_counts(graph):
    rows = graph.read("MATCH (r:Region) RETURN r.level AS level, substring(r.adcode, 0, 2) AS p, count(*) AS n")
    counts = {(r["level"], r["p"]): r["n"] for r in rows}
    assert counts[("county", "13")] == 167
    assert counts[("county", "11")] == 16 and counts[("county", "12")] == 16
    assert counts[("city", "13")] == 11
    assert sum(n for (level, _), n in counts.items() if level == "province") == 3


def test_provincially_administered_cities_sit_under_their_gbt2260_parents(graph):
    rows = graph.read("MATCH (r:Region)-[:PART_OF]->(p:Region) WHERE r.adcode IN ['130181', '130682', '130638'] "
                      "RETURN r.name AS name, p.name AS parent ORDER BY name")
    assert {(r["name"], r["parent"]) for r in rows} == {("辛集市", "石家庄市"), ("定州市", "保定市"), ("雄县", "保定市")}


def test_every_county_walks_up_to_a_province_and_has_a_centroid(graph):
    rows = graph.read("MATCH (c:Region {level: 'county'}) OPTIONAL MATCH path = (c)-[:PART_OF*1..2]->(p:Region {level: 'province'}) "
                      "RETURN c.adcode AS adcode, p.adcode AS province, c.lon AS lon, c.lat AS lat")
    assert len(rows) == 199
    for row in rows:
        assert row["province"] == row["adcode"][:2] + "0000"
        assert 113 < row["lon"] < 120 and 36 < row["lat"] < 43


def test_all_59_clusters_each_with_a_chain(graph):
    rows = graph.read("MATCH (c:Cluster) OPTIONAL MATCH (c)-[:HAS_NODE]->(n:ChainNode) "
                      "RETURN c.id AS id, c.chain_basis AS basis, count(n) AS nodes, "
                      "count(CASE WHEN n.stage = 'service' THEN 1 END) AS services")
    assert len(rows) == 59
    assert all(r["nodes"] >= 4 and r["services"] >= 1 for r in rows)
    documented = {r["id"] for r in rows if r["basis"] == "documented"}
    assert len(documented) == 14  # the 12 chains of FACTS §2; 平乡/广宗/曲周 share the bicycle chain
    with open(SEEDS / "clusters.csv", encoding="utf-8") as fh:
        expected = {r["id"] for r in csv.DictReader(fh) if r["chain_basis"] == "documented"}
    assert documented == expected


def test_template_chains_are_labelled(graph):
    rows = graph.read("MATCH (c:Cluster {chain_basis: 'template'})-[:HAS_NODE]->(n) "
                      "RETURN DISTINCT n.basis AS basis, size(n.sources) AS sources")
    assert rows == [{"basis": "template", "sources": 0}]


def test_chain_nodes_classify_into_the_industry_hierarchy(graph):
    rows = graph.read(
        "MATCH (n:ChainNode)-[:CLASSIFIED_AS]->(cls:Industry {level: 'class'})-[:IN]->(g:Industry {level: 'group'})"
        "-[:IN]->(d:Industry {level: 'division'}) RETURN count(DISTINCT n) AS nodes, "
        "all(x IN collect(cls.code) WHERE size(x) = 4) AS four")
    total = graph.read("MATCH (n:ChainNode) RETURN count(n) AS n")[0]["n"]
    assert rows[0]["nodes"] == total and rows[0]["four"]


def test_feeds_run_between_nodes_of_one_cluster(graph):
    rows = graph.read("MATCH (a:ChainNode)-[r:FEEDS|SUPPORTS]->(b:ChainNode) "
                      "RETURN count(*) AS n, count(CASE WHEN a.cluster <> b.cluster THEN 1 END) AS crossing, "
                      "count(CASE WHEN type(r) = 'SUPPORTS' AND a.stage <> 'service' THEN 1 END) AS bad_support")
    definitions = json.loads((SEEDS / "chains.json").read_text(encoding="utf-8"))["definitions"]
    with open(SEEDS / "clusters.csv", encoding="utf-8") as fh:
        expected = sum(len(definitions[c["chain"]]["edges"]) for c in csv.DictReader(fh))
    assert rows[0]["n"] == expected > 400 and rows[0]["crossing"] == 0 and rows[0]["bad_support"] == 0


def test_public_weak_links_are_marked_with_their_source(graph):
    rows = graph.read("MATCH (n:ChainNode) WHERE n.mark IS NOT NULL RETURN n.id AS id, n.mark AS mark, n.mark_source AS src")
    marks = {r["id"]: r["mark"] for r in rows}
    assert marks["anping-wire-mesh.membrane"] == "gap"
    assert marks["ningjin-cables.insulation"] == "weak"  # an unverified reprint says 依赖进口: too little for 瓶颈
    assert len(marks) == 11 and all(r["src"].startswith("http") for r in rows)


def test_cluster_keeps_revenue_with_year_and_metric(graph):
    row = graph.read("MATCH (c:Cluster {id: 'anping-wire-mesh'}) RETURN c AS c")[0]["c"]
    assert row["revenue_100m_cny"] == 1006 and row["revenue_year"] == 2023
    assert "口径：" in row["source"] and row["category_is_guess"] is True and row["county"] == "131125"


def test_synthetic_enterprises_are_labelled_and_leave_genuine_gaps(graph):
    assert graph.read("MATCH (e:Enterprise) WHERE e.synthetic <> true RETURN count(e) AS n") == [{"n": 0}]
    rows = graph.read(
        "MATCH (c:Cluster)-[:HAS_NODE]->(n:ChainNode) WHERE n.stage <> 'service' "
        "OPTIONAL MATCH (e:Enterprise {status: 'active'})-[:OPERATES_IN]->(n) WHERE e.region = c.county "
        "WITH n, count(e) AS local RETURN count(CASE WHEN local = 0 THEN 1 END) AS gaps, "
        "count(CASE WHEN local >= 3 THEN 1 END) AS covered")
    # gaps fall only where public sources or the documented template rate put them (tests/test_seed_facts.py)
    assert rows[0]["gaps"] >= 5 and rows[0]["covered"] > 250
    outside = graph.read("MATCH (e:Enterprise) WHERE e.region STARTS WITH '11' OR e.region STARTS WITH '12' "
                         "RETURN count(e) AS n")[0]["n"]
    assert outside >= 6000
