"""Objects a body refers to are in the caller's scope too (issue 14, item 2): linking a firm into another county's
chain needs that county, and an introduced firm's reward facts are the introduction county's to change."""

from __future__ import annotations

import pytest

from chainmap import uscc
from tests.conftest import counts, reset_seeded

LOCAL = ("MATCH (e:Enterprise {region: '130534', entity_type: 'company', status: 'active'}) WHERE e.group IS NULL "
         "RETURN e.uscc AS u ORDER BY e.uscc LIMIT 1")
ANPING_NODE = ("MATCH (:Cluster {id: 'anping-wire-mesh'})-[:HAS_NODE]->(n:ChainNode) RETURN n.id AS id "
               "ORDER BY n.id LIMIT 1")
QINGHE_NODE = "qinghe-cashmere.spinning"


@pytest.fixture(scope="module", autouse=True)
def restore_seeds(graph):
    yield
    reset_seeded(graph)


def test_an_editor_cannot_link_its_firm_into_another_countys_chain(client, graph, keys):
    firm, foreign = graph.read(LOCAL)[0]["u"], graph.read(ANPING_NODE)[0]["id"]
    before = counts(graph)
    response = client.patch(f"/api/v1/enterprises/{firm}", headers=keys["editor"],
                            json={"chain_nodes": [QINGHE_NODE, foreign]})
    assert response.status_code == 403, response.get_json()
    assert "131125" in response.get_json()["detail"]
    assert counts(graph) == before
    assert client.patch(f"/api/v1/enterprises/{firm}", headers=keys["editor"],
                        json={"chain_nodes": [QINGHE_NODE]}).status_code == 200  # its own county's chain: fine
    assert client.patch(f"/api/v1/enterprises/{firm}", headers=keys["admin"],
                        json={"chain_nodes": [QINGHE_NODE, foreign]}).status_code == 200
    # and taking it out of that chain again is also a change to it
    assert client.patch(f"/api/v1/enterprises/{firm}", headers=keys["editor"],
                        json={"chain_nodes": [QINGHE_NODE]}).status_code == 403
    assert client.patch(f"/api/v1/enterprises/{firm}", headers=keys["other_editor"],
                        json={"products": "x"}).status_code == 403  # the firm itself stays its county's


def test_a_new_firm_cannot_be_created_inside_another_countys_chain(client, graph, keys):
    foreign = graph.read(ANPING_NODE)[0]["id"]
    before = counts(graph)
    body = {"uscc": uscc.compose("9", "1", "130534", "T0000001"), "name": "越界测试有限公司", "entity_type": "company",
            "region": "130534", "chain_nodes": [foreign]}
    assert client.post("/api/v1/enterprises", headers=keys["editor"], json=body).status_code == 403
    bj = {"uscc": uscc.compose("9", "1", "110105", "T0000002"), "name": "北京越界测试有限公司", "entity_type": "company",
          "region": "110105", "chain_nodes": [foreign]}
    assert client.post("/api/v1/enterprises", headers=keys["editor"], json=bj).status_code == 403
    assert counts(graph) == before


def test_an_introduced_firms_reward_facts_belong_to_the_introductions_county(client, graph, keys):
    firm = uscc.compose("9", "1", "110108", "T0000003")
    assert client.post("/api/v1/enterprises", headers=keys["editor"], json={
        "uscc": firm, "name": "北京引进测试有限公司", "entity_type": "company", "region": "110108",
        "revenue_cny": {"2024": 40_000_000}}).status_code == 201
    assert client.post("/api/v1/introductions", headers=keys["other_editor"], json={
        "enterprise": firm, "cluster": "anping-wire-mesh", "origin_region": "110108",
        "introduced_on": "2024-03-01", "stage": "signed"}).status_code == 201
    before = counts(graph)
    for change in ({"revenue_cny": {"2024": 60_000_000}}, {"status": "deregistered"}, {"entity_type": "branch"}):
        response = client.patch(f"/api/v1/enterprises/{firm}", headers=keys["editor"], json=change)
        assert response.status_code == 403, response.get_json()
        assert "131125" in response.get_json()["detail"]
    assert counts(graph) == before
    assert client.get(f"/api/v1/enterprises/{firm}", headers=keys["viewer"]).get_json()["revenue_cny"] == {
        "2024": 40_000_000}
    assert client.patch(f"/api/v1/enterprises/{firm}", headers=keys["editor"], json={"products": "钢丝"}).status_code == 200
    assert client.patch(f"/api/v1/enterprises/{firm}", headers=keys["other_editor"],
                        json={"revenue_cny": {"2024": 60_000_000}}).status_code == 200
    assert client.patch(f"/api/v1/enterprises/{firm}", headers=keys["admin"],
                        json={"revenue_cny": {"2024": 61_000_000}}).status_code == 200


def test_an_investors_reward_facts_belong_to_the_county_whose_check_takes_them(client, graph, keys):
    # A local project company in 安平 introduced with a Beijing investor: the check takes the investor's region and
    # revenue for the enterprise's (chainmap.rewards.rule), so they are 安平's to change, not the investor's editor's.
    investor = uscc.compose("9", "1", "110108", "T0000004")
    local = uscc.compose("9", "1", "131125", "T0000005")
    assert client.post("/api/v1/enterprises", headers=keys["editor"], json={
        "uscc": investor, "name": "北京投资方测试集团有限公司", "entity_type": "company", "region": "110108",
        "revenue_cny": {"2024": 40_000_000}}).status_code == 201
    assert client.post("/api/v1/enterprises", headers=keys["other_editor"], json={
        "uscc": local, "name": "安平项目测试有限公司", "entity_type": "company", "region": "131125"}).status_code == 201
    assert client.post("/api/v1/introductions", headers=keys["other_editor"], json={
        "enterprise": local, "investor": investor, "cluster": "anping-wire-mesh", "origin_region": "110108",
        "introduced_on": "2024-03-01", "stage": "landed"}).status_code == 201
    for change in ({"revenue_cny": {"2024": 10_000_000_000}}, {"region": "130534"}, {"status": "deregistered"}):
        response = client.patch(f"/api/v1/enterprises/{investor}", headers=keys["editor"], json=change)
        assert response.status_code == 403, response.get_json()
        assert "131125" in response.get_json()["detail"] and "投资方" in response.get_json()["detail"]
    assert client.get(f"/api/v1/enterprises/{investor}", headers=keys["viewer"]).get_json()["revenue_cny"] == {
        "2024": 40_000_000}
    assert client.patch(f"/api/v1/enterprises/{investor}", headers=keys["other_editor"],
                        json={"revenue_cny": {"2024": 60_000_000}}).status_code == 200


def test_a_project_naming_another_countys_firm_needs_that_county(client, graph, keys):
    """An introduction holds the reward facts of the firms it names (the enterprise, the investor): naming a Hebei
    firm of another county needs that county's right, or any editor could take a county's own firms out of its hands.
    A terminated project holds nothing any more."""
    qinghe = graph.read(LOCAL)[0]["u"]
    before = counts(graph)
    response = client.post("/api/v1/introductions", headers=keys["other_editor"], json={
        "enterprise": qinghe, "cluster": "anping-wire-mesh", "origin_region": "130534", "introduced_on": "2025-01-01"})
    assert response.status_code == 403 and "130534" in response.get_json()["detail"], response.get_json()
    assert counts(graph) == before
    beijing = uscc.compose("9", "1", "110108", "T0000006")
    assert client.post("/api/v1/enterprises", headers=keys["other_editor"], json={
        "uscc": beijing, "name": "北京终止项目测试有限公司", "entity_type": "company", "region": "110108",
        "revenue_cny": {"2024": 40_000_000}}).status_code == 201
    created = client.post("/api/v1/introductions", headers=keys["other_editor"], json={
        "enterprise": beijing, "cluster": "anping-wire-mesh", "origin_region": "110108", "introduced_on": "2025-01-01",
        "stage": "signed"})
    assert created.status_code == 201
    project = created.get_json()["id"]
    before = counts(graph)
    response = client.patch(f"/api/v1/introductions/{project}", headers=keys["other_editor"], json={"investor": qinghe})
    assert response.status_code == 403 and "130534" in response.get_json()["detail"]
    assert counts(graph) == before and client.get(f"/api/v1/introductions/{project}", headers=keys["viewer"]).get_json()[
        "investor"] is None
    assert client.patch(f"/api/v1/introductions/{project}", headers=keys["admin"], json={"investor": qinghe}).status_code == 200
    # while the project runs, the investor's revenue is 安平's; once it is terminated, 清河's own again
    change = {"revenue_cny": {"2024": 70_000_000}}
    assert client.patch(f"/api/v1/enterprises/{qinghe}", headers=keys["editor"], json=change).status_code == 403
    assert client.post(f"/api/v1/introductions/{project}/stages", headers=keys["other_editor"],
                       json={"stage": "terminated", "reason": "企业改投他处"}).status_code == 201
    assert client.patch(f"/api/v1/enterprises/{qinghe}", headers=keys["editor"], json=change).status_code == 200


def test_a_prospect_holds_no_facts_and_an_unchanged_value_needs_no_county(client, graph, keys):
    """A lead, a contact or a negotiation is a prospect several counties may pursue at once: 清河's lead on the
    Beijing firm 安平 signed must not take 安平's right to keep that firm's revenue current (review: it did, and
    安平 could not undo it). A fact sent with the value it has changes nothing, so it needs no other county."""
    firm = uscc.compose("9", "1", "110108", "T0000007")
    assert client.post("/api/v1/enterprises", headers=keys["other_editor"], json={
        "uscc": firm, "name": "北京多县洽谈测试有限公司", "entity_type": "company", "region": "110108",
        "revenue_cny": {"2024": 40_000_000}}).status_code == 201
    assert client.post("/api/v1/introductions", headers=keys["other_editor"], json={
        "enterprise": firm, "cluster": "anping-wire-mesh", "origin_region": "110108", "introduced_on": "2025-01-01",
        "stage": "signed"}).status_code == 201
    for stage in ("lead", "negotiating"):
        lead = client.post("/api/v1/introductions", headers=keys["editor"], json={
            "enterprise": firm, "cluster": "qinghe-cashmere", "origin_region": "110108", "introduced_on": "2025-02-01",
            "stage": stage})
        assert lead.status_code == 201, lead.get_json()
        response = client.patch(f"/api/v1/enterprises/{firm}", headers=keys["other_editor"],
                                json={"revenue_cny": {"2024": 45_000_000 + len(stage)}})
        assert response.status_code == 200, response.get_json()
        assert client.post(f"/api/v1/introductions/{lead.get_json()['id']}/stages", headers=keys["editor"],
                           json={"stage": "terminated", "reason": "企业暂无意向"}).status_code == 201
    # 安平's signed project still holds them against 清河, with the facts named in Chinese
    refused = client.patch(f"/api/v1/enterprises/{firm}", headers=keys["editor"], json={"status": "deregistered"})
    assert refused.status_code == 403 and "登记状态" in refused.get_json()["detail"], refused.get_json()
    assert "131125" in refused.get_json()["detail"]
    same = client.patch(f"/api/v1/enterprises/{firm}", headers=keys["editor"],
                        json={"status": "active", "revenue_cny": {"2024": 45_000_000 + len("negotiating")},
                              "products": "钢丝"})
    assert same.status_code == 200, same.get_json()
