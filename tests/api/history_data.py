"""A small dated history written through the API (shared by the as-of and progress-report tests).

Cluster asof-town in 清河县 (130534) with two links that share their only class code (so only firms attached to
them count as local supply):
- alpha: firm A registers 2026-03-01 and is deregistered 2026-09-15; marked bottleneck 2026-04-01, cleared 2026-06-01;
- beta: firm B (registered 2026-01-01) is supplied by Beijing firm S from 2026-02-01 to 2026-05-31; a project of
  Beijing firm P to fill beta: 线索 2026-02-10, 接洽 2026-03-05, 签约 2026-04-20, 投产/落地 2026-08-01, its local
  company L registering 2026-07-20 and attached to beta;
- a second project (firm Q) into alpha: 线索 2026-07-05, 终止 2026-08-10.
"""

from __future__ import annotations

from chainmap import uscc

CLUSTER = "asof-town"
ALPHA, BETA = f"{CLUSTER}.asof-alpha", f"{CLUSTER}.asof-beta"


def firm(n: int, region: str) -> str:
    return uscc.compose("9", "1", region, f"H{n:07d}")


A, B, L = firm(1, "130534"), firm(2, "130534"), firm(3, "130534")
S, P, Q = firm(4, "110105"), firm(5, "110105"), firm(6, "110105")


def ok(response, status: int = 201) -> dict:
    assert response.status_code == status, response.get_json()
    return response.get_json() if response.data else {}


def build(client, keys) -> None:
    admin, editor = keys["admin"], keys["editor"]
    ok(client.post("/api/v1/clusters", headers=admin, json={
        "id": CLUSTER, "name": "时序测试集群", "county": "130534", "category": "时尚消费"}))
    for key, name, stage in (("asof-alpha", "甲环节", "upstream"), ("asof-beta", "乙环节", "midstream")):
        ok(client.post(f"/api/v1/clusters/{CLUSTER}/nodes", headers=editor, json={
            "key": key, "name": name, "stage": stage, "industry_codes": ["1721"]}))
    for code, name, region, registered, nodes in (
            (A, "清河甲纺织有限公司", "130534", "2026-03-01", [ALPHA]),
            (B, "清河乙纺织有限公司", "130534", "2026-01-01", [BETA]),
            (S, "北京丙供应链有限公司", "110105", "2020-05-01", []),
            (P, "北京丁投资有限公司", "110105", "2019-01-01", []),
            (Q, "北京戊科技有限公司", "110105", "2018-01-01", [])):
        ok(client.post("/api/v1/enterprises", headers=admin, json={
            "uscc": code, "name": name, "entity_type": "company", "region": region, "registered_on": registered,
            "chain_nodes": nodes}))
    ok(client.post(f"/api/v1/enterprises/{B}/partners", headers=admin, json={
        "partner": S, "relation": "supplied_by", "since": "2026-02-01", "until": "2026-05-31", "evidence": "采购合同"}))
    for mark, on in (("bottleneck", "2026-04-01"), ("none", "2026-06-01")):
        ok(client.put(f"/api/v1/clusters/{CLUSTER}/nodes/asof-alpha/mark", headers=editor, json={
            "mark": mark, "reason": "时序测试标注", "on": on}), 204)
    ok(client.post("/api/v1/introductions", headers=editor, json={
        "id": "asof-project", "name": "乙环节补链项目", "enterprise": P, "cluster": CLUSTER, "origin_region": "110105",
        "introduced_on": "2026-02-10", "nodes": [BETA], "amount_10k_cny": 8000, "officer_name": "王强",
        "officer_unit": "清河县商务局"}))
    for stage, on in (("contacted", "2026-03-05"), ("signed", "2026-04-20"), ("landed", "2026-08-01")):
        ok(client.post("/api/v1/introductions/asof-project/stages", headers=editor, json={"stage": stage, "on": on}))
    ok(client.post("/api/v1/enterprises", headers=admin, json={
        "uscc": L, "name": "清河丁纺织有限公司", "entity_type": "company", "region": "130534",
        "registered_on": "2026-07-20", "chain_nodes": [BETA], "group": P}))
    ok(client.post("/api/v1/introductions", headers=editor, json={
        "id": "asof-dropped", "name": "甲环节招商线索", "enterprise": Q, "cluster": CLUSTER, "origin_region": "110105",
        "introduced_on": "2026-07-05", "nodes": [ALPHA], "amount_10k_cny": 3000}))
    ok(client.post("/api/v1/introductions/asof-dropped/stages", headers=editor, json={
        "stage": "terminated", "on": "2026-08-10", "reason": "企业选址外省"}))
    ok(client.patch(f"/api/v1/enterprises/{A}", headers=admin, json={"status": "deregistered",
                                                                      "status_on": "2026-09-15"}), 200)
