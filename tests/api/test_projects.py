"""招商项目 through the API on the real graph: project fields, the append-only stage history and follow-up notes,
超期, filters, county scope, the race-free append and the migration of introductions recorded before histories."""

from __future__ import annotations

import datetime as dt

import pytest

from chainmap import introductions, project_history, uscc
from chainmap.errors import Conflict
from tests.conftest import counts, reset_seeded

CLUSTER = "qinghe-cashmere"
SPINNING, DEHAIRING = "qinghe-cashmere.spinning", "qinghe-cashmere.dehairing"
ANPING_NODE = ("MATCH (:Cluster {id: 'anping-wire-mesh'})-[:HAS_NODE]->(n:ChainNode) RETURN n.id AS id "
               "ORDER BY n.id LIMIT 1")


@pytest.fixture(scope="module", autouse=True)
def restore_seeds(graph):
    yield
    reset_seeded(graph)


def _firm(client, keys, n: int) -> str:
    firm = uscc.compose("9", "1", "110105", f"P{n:07d}")
    assert client.post("/api/v1/enterprises", headers=keys["admin"], json={
        "uscc": firm, "name": f"北京项目测试{n}有限公司", "entity_type": "company", "region": "110105"}).status_code == 201
    return firm


def _project(client, keys, n: int, **fields) -> dict:
    body = {"id": f"proj-{n}", "enterprise": _firm(client, keys, n), "cluster": CLUSTER, "origin_region": "110105",
            "introduced_on": "2026-07-01", **fields}
    response = client.post("/api/v1/introductions", headers=keys["editor"], json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_a_project_holds_its_fields_and_first_stage(client, keys):
    p = _project(client, keys, 1, name="羊绒精纺扩产项目", amount_10k_cny=12000, nodes=[SPINNING],
                 officer_name="张伟", officer_unit="清河县招商服务中心", next_step="赴京洽谈", next_due="2026-08-01")
    assert (p["name"], p["amount_10k_cny"], p["officer_name"], p["officer_unit"]) == (
        "羊绒精纺扩产项目", 12000, "张伟", "清河县招商服务中心")
    assert [n["id"] for n in p["nodes"]] == [SPINNING] and p["nodes"][0]["name"]
    assert (p["stage"], p["stage_name"], p["stage_on"]) == ("lead", "线索", "2026-07-01")
    assert [(s["seq"], s["stage"], s["on"], s["migrated"]) for s in p["stages"]] == [(1, "lead", "2026-07-01", False)]
    assert p["stages"][0]["by"] and p["overdue"] is True  # due 2026-08-01, long past


def test_stage_history_is_dated_append_only_and_ordered(client, graph, keys):
    _project(client, keys, 2)
    url = "/api/v1/introductions/proj-2/stages"
    for stage, on in (("contacted", "2026-07-10"), ("signed", "2026-08-20")):  # skipping 洽谈 is allowed
        assert client.post(url, headers=keys["editor"], json={"stage": stage, "on": on}).status_code == 201
    refused = {
        "backwards": ({"stage": "negotiating", "on": "2026-09-01"}, "stage"),
        "before the last change": ({"stage": "registered", "on": "2026-08-19"}, "on"),
        "future": ({"stage": "registered", "on": (dt.date.today() + dt.timedelta(days=1)).isoformat()}, "on"),
        "终止 without reason": ({"stage": "terminated", "on": "2026-09-01"}, "reason"),
        "unknown stage": ({"stage": "done", "on": "2026-09-01"}, "stage"),
    }
    before = counts(graph)
    for name, (body, field) in refused.items():
        response = client.post(url, headers=keys["editor"], json=body)
        assert response.status_code == 422, name
        assert response.content_type == "application/problem+json"
        assert field in [e["field"] for e in response.get_json()["errors"]], (name, response.get_json())
    assert counts(graph) == before
    body = client.post(url, headers=keys["editor"], json={"stage": "terminated", "on": "2026-09-05",
                                                          "reason": "投资方调整投资计划"}).get_json()
    assert [(s["seq"], s["stage"], s["on"]) for s in body["stages"]] == [
        (1, "lead", "2026-07-01"), (2, "contacted", "2026-07-10"), (3, "signed", "2026-08-20"),
        (4, "terminated", "2026-09-05")]
    assert body["stages"][-1]["reason"] == "投资方调整投资计划" and body["stage"] == "terminated"
    # closed: no further change; the stored history has exactly these four entries
    assert client.post(url, headers=keys["editor"], json={"stage": "landed", "on": "2026-09-06"}).status_code == 422
    assert graph.read("MATCH (:Introduction {id: 'proj-2'})-[:STAGE_CHANGE]->(s) RETURN count(s) AS n")[0]["n"] == 4


def test_notes_append_with_who_recorded_them(client, graph, keys):
    _project(client, keys, 3)
    url = "/api/v1/introductions/proj-3/notes"
    assert client.post(url, headers=keys["editor"], json={"on": "2026-07-03", "text": "电话联系，对方有意考察"}).status_code == 201
    body = client.post(url, headers=keys["editor"], json={"text": "企业来清河实地考察"}).get_json()
    assert [(n["seq"], n["text"]) for n in body["notes"]] == [(1, "电话联系，对方有意考察"), (2, "企业来清河实地考察")]
    assert body["notes"][1]["on"] == dt.date.today().isoformat()
    key_id = graph.read("MATCH (k:ApiKey) WHERE 'editor' = k.role AND '130534' IN k.counties RETURN k.id AS id")
    assert body["notes"][0]["by"] in {r["id"] for r in key_id}
    assert client.post(url, headers=keys["editor"], json={"text": ""}).status_code == 422


def test_another_county_may_not_move_or_annotate_a_project(client, graph, keys):
    _project(client, keys, 4)
    before = counts(graph)
    for path, body in (("stages", {"stage": "contacted", "on": "2026-07-02"}), ("notes", {"text": "越权"})):
        assert client.post(f"/api/v1/introductions/proj-4/{path}", headers=keys["other_editor"],
                           json=body).status_code == 403
        assert client.post(f"/api/v1/introductions/proj-4/{path}", headers=keys["viewer"], json=body).status_code == 403
    assert counts(graph) == before


def test_nodes_must_be_in_the_projects_own_chain(client, graph, keys):
    foreign = graph.read(ANPING_NODE)[0]["id"]
    firm = _firm(client, keys, 5)
    before = counts(graph)
    response = client.post("/api/v1/introductions", headers=keys["editor"], json={
        "enterprise": firm, "cluster": CLUSTER, "origin_region": "110105", "introduced_on": "2026-07-01",
        "nodes": [foreign]})
    assert response.status_code == 422 and response.get_json()["errors"][0]["field"] == "nodes"
    assert counts(graph) == before
    _project(client, keys, 6)
    response = client.patch("/api/v1/introductions/proj-6", headers=keys["editor"], json={"nodes": [foreign]})
    assert response.status_code == 422
    assert client.patch("/api/v1/introductions/proj-6", headers=keys["editor"],
                        json={"nodes": [DEHAIRING, SPINNING]}).get_json()["nodes"][0]["id"] == DEHAIRING


def test_filters(client, keys):
    _project(client, keys, 7, officer_name="李娜", officer_unit="清河县商务局", nodes=[DEHAIRING],
             next_due=(dt.date.today() + dt.timedelta(days=30)).isoformat())

    def ids(query: str) -> set[str]:
        body = client.get(f"/api/v1/introductions?per_page=200&{query}", headers=keys["viewer"]).get_json()
        return {i["id"] for i in body["items"]}

    assert "proj-7" in ids("officer=李娜") and "proj-7" in ids("officer=商务局") and "proj-1" not in ids("officer=李娜")
    assert "proj-7" in ids(f"node={DEHAIRING}") and "proj-1" not in ids(f"node={DEHAIRING}")
    assert "proj-1" in ids("overdue=true") and "proj-7" not in ids("overdue=true") and "proj-7" in ids("overdue=false")
    assert "proj-2" not in ids("overdue=true")  # terminated: never 超期
    assert "proj-7" in ids("county=130534") and "proj-7" in ids("city=130500") and "proj-7" not in ids("city=131100")
    assert "proj-2" in ids("stage=terminated") and "proj-7" not in ids("stage=terminated")
    bad = client.get("/api/v1/introductions?overdue=maybe", headers=keys["viewer"])
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "overdue"


def test_a_stale_stage_change_is_refused_inside_the_write(client, graph, keys):
    """Two editors read the project, both move it: the second append finds the history changed and is rolled back."""
    _project(client, keys, 8)
    seen_by_both = introductions.get_introduction(graph, "proj-8")
    by = {"id": "test", "label": "测试"}
    project_history.record_stage(graph, seen_by_both, {"stage": "contacted", "on": dt.date(2026, 7, 5)}, by)
    with pytest.raises(Conflict):
        project_history.record_stage(graph, seen_by_both, {"stage": "negotiating", "on": dt.date(2026, 7, 6)}, by)
    now = introductions.get_introduction(graph, "proj-8")
    assert [s["stage"] for s in now["stages"]] == ["lead", "contacted"] and now["stage"] == "contacted"


def test_introductions_without_history_migrate_dated_by_their_introduction(client, graph, keys):
    seeded = client.get("/api/v1/introductions/intro-eligible-5", headers=keys["viewer"]).get_json()
    assert [(s["stage"], s["on"], s["migrated"]) for s in seeded["stages"]] == [
        (seeded["stage"], seeded["introduced_on"], True)]
    assert "迁移" in seeded["stages"][0]["source"]
    _project(client, keys, 9)
    graph.write("MATCH (i:Introduction {id: 'proj-9'})-[:STAGE_CHANGE]->(s) DETACH DELETE s "
                "SET i.stage = 'negotiating', i.introduced_on = date('2025-03-04')")
    assert project_history.migrate(graph) == 1 and project_history.migrate(graph) == 0
    body = client.get("/api/v1/introductions/proj-9", headers=keys["viewer"]).get_json()
    assert [(s["stage"], s["on"], s["migrated"]) for s in body["stages"]] == [("negotiating", "2025-03-04", True)]


def test_a_patch_with_a_refused_stage_writes_nothing(client, graph, keys):
    _project(client, keys, 10)
    url = "/api/v1/introductions/proj-10"
    assert client.post(f"{url}/stages", headers=keys["editor"], json={"stage": "signed", "on": "2026-07-02"}).status_code == 201
    before = client.get(url, headers=keys["viewer"]).get_json()
    response = client.patch(url, headers=keys["editor"], json={"stage": "contacted", "name": "不应写入"})
    assert response.status_code == 422 and response.get_json()["errors"][0]["field"] == "stage"
    assert client.get(url, headers=keys["viewer"]).get_json() == before


def test_a_moved_introduction_day_moves_the_first_stage_it_dated(client, graph, keys):
    _project(client, keys, 21)
    url = "/api/v1/introductions/proj-21"
    moved = client.patch(url, headers=keys["editor"], json={"introduced_on": "2026-06-20"}).get_json()
    assert (moved["introduced_on"], moved["stage_on"]) == ("2026-06-20", "2026-06-20")
    assert [(s["seq"], s["on"]) for s in moved["stages"]] == [(1, "2026-06-20")]
    assert client.post(f"{url}/stages", headers=keys["editor"], json={"stage": "contacted", "on": "2026-07-10"}
                       ).status_code == 201
    later = client.patch(url, headers=keys["editor"], json={"introduced_on": "2026-06-25"}).get_json()
    assert [(s["seq"], s["on"]) for s in later["stages"]] == [(1, "2026-06-25"), (2, "2026-07-10")]
    assert later["stage_on"] == "2026-07-10"  # the current stage keeps its own day
    refused = client.patch(url, headers=keys["editor"], json={"introduced_on": "2026-07-11", "name": "改名"})
    assert refused.status_code == 422 and refused.get_json()["errors"][0]["field"] == "introduced_on"
    kept = client.get(url, headers=keys["viewer"]).get_json()
    assert kept["introduced_on"] == "2026-06-25" and kept["name"] != "改名"
