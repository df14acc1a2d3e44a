"""What the chain reasons and the reward checks say is what was counted and decided (review findings, 2026)."""

import pytest

from chainmap import uscc
from tests.conftest import reset_seeded


@pytest.fixture(scope="module", autouse=True)
def restore_seeds(graph):
    yield
    reset_seeded(graph)


def _reasons(client, keys, cluster):
    nodes = client.get(f"/api/v1/clusters/{cluster}/chain", headers=keys["viewer"]).get_json()["nodes"]
    return {n["key"]: n["evidence"]["reasons"] for n in nodes}


def test_the_outside_share_says_it_counts_all_supply_into_the_links_firms(client, graph, keys):
    """The share counts every supply into the link's firms, from within the county too: it is not 外来供货. Made to
    hold here: Beijing firms start supplying 安平 firms of the link with the least inbound supply, through the API."""
    nodes = client.get("/api/v1/clusters/anping-wire-mesh/chain", headers=keys["viewer"]).get_json()["nodes"]
    node = min((n for n in nodes if n["evidence"]["local_entities"] >= 3), key=lambda n: n["evidence"]["inbound_supplies"])
    local = [r["u"] for r in graph.read(
        "MATCH (:ChainNode {id: $id})<-[:OPERATES_IN]-(e:Enterprise {region: '131125', status: 'active'}) "
        "RETURN e.uscc AS u ORDER BY u LIMIT 3", id=node["id"])]
    beijing = [r["u"] for r in graph.read("MATCH (e:Enterprise {status: 'active', entity_type: 'company'}) "
                                          "WHERE e.region STARTS WITH '11' RETURN e.uscc AS u ORDER BY u LIMIT 20")]
    added = 0
    for supplier in beijing:
        for customer in local:
            if added > node["evidence"]["inbound_supplies"] + 2:
                break
            response = client.post(f"/api/v1/enterprises/{customer}/partners", headers=keys["admin"], json={
                "partner": supplier, "relation": "supplied_by", "since": "2025-01-01"})
            added += response.status_code == 201
    reasons = _reasons(client, keys, "anping-wire-mesh")[node["key"]]
    shares = [r for r in reasons if "来自省外" in r]
    assert shares and all("本县该环节所属企业接受的供货中" in r and "条供货关系" in r for r in shares), reasons
    assert not any("外来供货" in r for r in shares), shares


def test_a_seeded_mark_reads_as_recorded_from_its_source(client, keys):
    """Seeded marks come from public sources, which show a link weak: no 人工标注, no 卡脖子, and 薄弱 as the
    source says, not 瓶颈; 清河's design mark is the analysts' inference, and says so."""
    reasons = {(cid, key): r for cid in ("qinghe-cashmere", "yongnian-fasteners")
               for key, r in _reasons(client, keys, cid).items()}
    design, precision = reasons[("qinghe-cashmere", "design")], reasons[("yongnian-fasteners", "precision")]
    assert "据公开来源标注为薄弱：“精细加工和中高端产品占比较小”" in precision, precision
    assert any(r.startswith("据公开来源推断为薄弱：县里“鼓励企业引进优质设计资源”") for r in design), design
    text = "".join(design + precision)
    assert "人工标注" not in text and "卡脖子" not in text and "公开来源称" not in text and "瓶颈" not in text


def _intro(graph, intro_id):
    return graph.read("MATCH (i:Introduction {id: $id}) RETURN i.enterprise AS e, i.cluster AS c", id=intro_id)[0]


def _check(client, keys, enterprise, cluster):
    response = client.post("/api/v1/reward-checks", headers=keys["analyst"],
                           json={"enterprise": enterprise, "cluster": cluster, "as_of": "2026-11-27"})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_without_a_qualifying_introduction_the_registration_still_places_the_firm(client, graph, keys):
    i = _intro(graph, "intro-not-landed")
    assert i["c"] == "botou-casting"
    check = _check(client, keys, i["e"], i["c"])
    by_rule = {c["rule"]: c for c in check["checks"]}
    assert by_rule["introduced"]["status"] == "failed" and check["outcome"] == "ineligible"
    origin, firm = by_rule["out_of_county"], check["enterprise"]
    # 泊头's project is still negotiating: no reported origin to judge, but the firm's registration says 县域外
    assert (origin["status"], origin["status_name"]) == ("passed", "符合"), origin
    assert origin["message"].startswith(f"引进主体登记于{firm['region_name']}（{firm['region']}），在县域外"), origin
    assert "项目填报的来源地" in origin["message"], origin  # the project's origin is named, not said to be absent
    # 带动 counts from the landing day: without one it is 无法判定, the count since the plan's start only a hint
    partners = by_rule["partners"]
    assert partners["status"] == "unknown" and "无法确定带动起算日" in partners["message"], partners
    page = client.get(f"/api/v1/reward-checks/{check['id']}/form", headers=keys["analyst"]).get_data(as_text=True)
    assert "无符合条件的项目：引进项目“" in page and "尚未落地" in page


def test_a_counted_partner_is_never_listed_as_not_counted(client, graph, keys):
    """霸州's introduced firm has two 协作配套 relationships with one partner: counted once, and nobody left out."""
    i = _intro(graph, "intro-duplicate-partner")
    assert i["c"] == "bazhou-furniture"
    check = _check(client, keys, i["e"], i["c"])
    counted = {p["uscc"] for p in check["partners"]["counted"]}
    excluded = {p["uscc"] for p in check["partners"]["excluded"]}
    assert counted and not counted & excluded, check["partners"]
    partners = next(c for c in check["checks"] if c["rule"] == "partners")
    assert f"未计入{len(excluded)}家" in partners["message"], partners["message"]
    page = client.get(f"/api/v1/reward-checks/{check['id']}/form", headers=keys["analyst"]).get_data(as_text=True)
    assert f"未计入的主体（{len(excluded)}家）" in page and "重复" not in page


def test_grant_refusals_and_unknown_references_are_chinese(client, graph, keys):
    i = _intro(graph, "intro-four-partners")
    check = _check(client, keys, i["e"], i["c"])
    refused = client.post("/api/v1/reward-grants", headers=keys["admin"], json={"check": check["id"]}).get_json()
    assert "不符合奖励条件" in refused["detail"] and "eligible" not in refused["detail"], refused
    assert refused["errors"] == [{"field": "check", "reason": "结论为“不符合奖励条件”"}]
    ghost = uscc.compose("9", "1", "110105", "Q0000001")
    unknown = client.post("/api/v1/reward-checks", headers=keys["analyst"],
                          json={"enterprise": ghost, "cluster": "qinghe-cashmere"}).get_json()
    assert unknown["detail"] == f"未收录的市场主体：{ghost}", unknown
    assert unknown["errors"] == [{"field": "enterprise", "reason": f"未收录的市场主体：{ghost}"}]
