"""Local supply means supply from nearby (就近就地配套): entities of the scope attached to the link in any cluster's
chain or classified in the node's own GB/T 4754 codes, whichever cluster they belong to; a gap names the nearest
county that has supply."""

import pytest

from chainmap import uscc
from chainmap.gaps.analysis import analyse_clusters
from chainmap.policy import Thresholds
from tests.conftest import reset_seeded


def local_entities(graph, node_id, scope):
    cluster = node_id.split(".")[0]
    statuses, _ = analyse_clusters(graph, [cluster], scope, Thresholds())[cluster]
    return statuses[node_id][1]["local_entities"]


@pytest.fixture(scope="module", autouse=True)
def restore_seeds(graph):
    yield
    reset_seeded(graph)


def test_the_city_scope_counts_the_neighbouring_clusters_supply(client, graph, keys):
    """清河's 分梳 shares its class (1721) with 制条纺纱, so attachment decides: at city scope the 分梳 entities of
    南宫羊绒 (same city) count too, exactly as the graph has them."""
    expected = {scope: graph.read(
        "MATCH (e:Enterprise {status: 'active'})-[:OPERATES_IN]->(:ChainNode {key: 'dehairing'}) "
        "WHERE e.region STARTS WITH $prefix RETURN count(DISTINCT e) AS n", prefix=prefix)[0]["n"]
        for scope, prefix in (("county", "130534"), ("city", "1305"))}
    assert expected["city"] > expected["county"] > 0
    for scope in ("county", "city"):
        assert local_entities(graph, "qinghe-cashmere.dehairing", scope) == expected[scope], scope


def test_a_firm_of_another_county_classified_in_the_nodes_own_code_counts_in_its_city(client, graph, keys):
    """A 检验检测 firm (7452, a code only 检验检测 has in 清河's chain) registered in 南宫 belongs to no cluster: it is
    local supply for 清河's 检验检测 at city scope, not at county scope."""
    def counts():
        return {scope: local_entities(graph, "qinghe-cashmere.testing", scope) for scope in ("county", "city")}

    before = counts()
    firm = uscc.compose("9", "1", "130581", "T0000001")
    created = client.post("/api/v1/enterprises", headers=keys["admin"], json={
        "uscc": firm, "name": "南宫市衡信检测技术有限公司", "entity_type": "company", "region": "130581",
        "industry_codes": ["7452"]})
    assert created.status_code == 201, created.get_json()
    after = counts()
    assert after == {"county": before["county"], "city": before["city"] + 1}


def test_a_gap_names_the_nearest_county_with_supply(client, graph, keys):
    """A gap counted by its own codes: a firm of that code registered in the county's nearest neighbour becomes the
    nearest supply named in the gap's evidence (or a nearer one already is), with its count and distance."""
    from chainmap.geo import haversine_km

    report = client.get("/api/v1/reports/gaps?status=gap", headers=keys["viewer"]).get_json()["items"]
    item = next(i for i in report if "按所属环节和行业代码" in i["reasons"])
    cluster = item["cluster"]
    node = graph.read("MATCH (c:Cluster {id: $c})-[:HAS_NODE]->(n:ChainNode {id: $n}) "
                      "MATCH (r:Region {adcode: c.county}) RETURN n.id AS id, n.industry_codes AS codes, "
                      "c.county AS county, r.lon AS lon, r.lat AS lat", c=cluster, n=item["node"])[0]
    counties = graph.read("MATCH (r:Region {level: 'county'}) WHERE r.adcode STARTS WITH '13' AND r.adcode <> $c "
                          "AND r.lon IS NOT NULL RETURN r.adcode AS a, r.lon AS lon, r.lat AS lat", c=node["county"])
    neighbour = min(counties, key=lambda r: haversine_km(node["lon"], node["lat"], r["lon"], r["lat"]))
    km = haversine_km(node["lon"], node["lat"], neighbour["lon"], neighbour["lat"])
    firm = uscc.compose("9", "1", neighbour["a"], "M0000001")
    created = client.post("/api/v1/enterprises", headers=keys["admin"], json={
        "uscc": firm, "name": "邻县补链测试有限公司", "entity_type": "company", "region": neighbour["a"],
        "industry_codes": [node["codes"][0]]})
    assert created.status_code == 201, created.get_json()
    gaps = client.get(f"/api/v1/clusters/{cluster}/gaps", headers=keys["viewer"]).get_json()
    gap = next(i for i in gaps["items"] if i["node"]["id"] == node["id"])
    assert gap["status"] == "gap"
    nearest = gap["evidence"]["nearest_supply"]
    entry = next(n for n in nearest if n["adcode"] == neighbour["a"])
    assert entry["count"] >= 1 and abs(entry["km"] - round(km, 1)) < 0.2
    assert nearest[0]["km"] <= entry["km"] and gap["evidence"]["reasons"][1].startswith("最近的供给在")


def test_facts_of_an_older_layout_are_recomputed_at_start_up_not_in_a_request(graph):
    """`python -m chainmap cache facts` (scripts/run, every start) recomputes exactly the nodes a read would."""
    from click.testing import CliRunner

    from chainmap.cli import main
    from chainmap.gaps.analysis import is_current

    node = graph.read("MATCH (n:ChainNode) RETURN n.id AS id, n.facts AS facts ORDER BY n.id LIMIT 1")[0]
    current = graph.read("MATCH (n:ChainNode) WHERE n.facts IS NULL OR n.facts_expire < date() RETURN count(n) AS n")
    graph.write("MATCH (n:ChainNode {id: $id}) SET n.facts = '{\"v\": 0}'", id=node["id"])
    done = CliRunner().invoke(main, ["cache", "facts"])
    assert done.exit_code == 0, done.output
    assert done.output.strip() == f"已重新计算 {1 + current[0]['n']} 个产业链环节的缺口事实"
    stored = graph.read("MATCH (n:ChainNode {id: $id}) RETURN n.facts AS facts", id=node["id"])[0]["facts"]
    assert is_current(stored) and stored == node["facts"]
    assert CliRunner().invoke(main, ["cache", "facts"]).output.strip() == "缺口事实均为最新"


def test_timelines_are_computed_ahead_and_again_only_where_a_write_made_them_stale(graph):
    """`python -m chainmap cache timelines` (scripts/run, every start) leaves every node with a current timeline, and
    after a write forgot one node's facts recomputes that node's alone."""
    from click.testing import CliRunner

    from chainmap.cli import main
    from chainmap.gaps import timeline
    from chainmap.upkeep import FORGET_FACTS

    clusters = [r["id"] for r in graph.read("MATCH (c:Cluster) RETURN c.id AS id")]
    assert CliRunner().invoke(main, ["cache", "timelines"]).exit_code == 0
    rows = graph.read(timeline.STORED, ids=clusters, layout=timeline.LAYOUT)
    assert rows and all(r["timeline"] for r in rows)
    assert CliRunner().invoke(main, ["cache", "timelines"]).output.strip() == "时间线均为最新"
    node = rows[0]["id"]
    graph.write(FORGET_FACTS, ids=[node])
    done = CliRunner().invoke(main, ["cache", "timelines"])
    assert done.output.strip() == "已计算 1 个产业链环节的时间线", done.output
    after = {r["id"]: r for r in graph.read(timeline.STORED, ids=clusters, layout=timeline.LAYOUT)}
    assert all(r["timeline"] for r in after.values())
    assert after[node]["stamp"] != rows[0]["stamp"]  # its facts were stored again, and its timeline with them
