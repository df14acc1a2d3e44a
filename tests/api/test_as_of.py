"""The chain as of a date, from a small dated history written through the API (tests/api/history_data.py):
each day's answer follows the facts dated up to it, and stays the same after later facts are written."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.api import history_data as h
from tests.conftest import reset_seeded


@pytest.fixture(scope="module", autouse=True)
def history(client, graph, keys):
    h.build(client, keys)
    yield
    reset_seeded(graph)


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


def chain(client, keys, day: str | None) -> dict:
    query = f"?as_of={day}" if day else ""
    return h.ok(client.get(f"/api/v1/clusters/{h.CLUSTER}/chain{query}", headers=keys["viewer"]), 200)


def by_node(body: dict) -> dict[str, dict]:
    return {n["id"]: n for n in body["nodes"]}


# day -> (alpha status, local firms at alpha, alpha mark, beta local firms, beta inbound supplies, project stage)
EXPECTED = {
    "2026-01-15": ("gap", 0, "none", 1, 0, None),
    "2026-02-20": ("gap", 0, "none", 1, 1, "lead"),
    "2026-03-15": ("weak", 1, "none", 1, 1, "contacted"),
    "2026-04-15": ("bottleneck", 1, "bottleneck", 1, 1, "contacted"),
    "2026-05-31": ("bottleneck", 1, "bottleneck", 1, 1, "signed"),
    "2026-06-15": ("weak", 1, "none", 1, 0, "signed"),
    "2026-07-25": ("weak", 1, "none", 2, 0, "signed"),
    "2026-08-01": ("weak", 1, "none", 2, 0, "landed"),
    "2026-09-15": ("gap", 0, "none", 2, 0, "landed"),
}


@pytest.mark.parametrize("day", sorted(EXPECTED))
def test_the_chain_as_of_each_day(client, keys, day):
    body = chain(client, keys, day)
    assert body["as_of"] == day
    nodes = by_node(body)
    alpha, beta = nodes[h.ALPHA], nodes[h.BETA]
    status, alpha_local, mark, beta_local, inbound, stage = EXPECTED[day]
    assert (alpha["status"], alpha["evidence"]["local_entities"], alpha["mark"]["value"]) == (status, alpha_local, mark)
    assert (beta["evidence"]["local_entities"], beta["evidence"]["inbound_supplies"]) == (beta_local, inbound)
    assert [(p["id"], p["stage"]) for p in beta["projects"]] == ([("asof-project", stage)] if stage else [])
    dropped = [p["stage"] for p in alpha["projects"]]
    assert dropped == ([] if day < "2026-07-05" else ["lead"] if day < "2026-08-10" else ["terminated"])


def test_today_without_as_of_is_the_stored_fast_path(client, keys):
    now = chain(client, keys, None)
    assert "as_of" not in now and all("projects" not in n for n in now["nodes"])
    nodes = by_node(now)
    assert nodes[h.ALPHA]["status"] == "gap" and nodes[h.BETA]["evidence"]["local_entities"] == 2
    today = chain(client, keys, dt.date.today().isoformat())
    assert [(n["id"], n["status"], n["evidence"]) for n in today["nodes"]] == [
        (n["id"], n["status"], n["evidence"]) for n in now["nodes"]]


def test_cluster_gaps_report_and_map_answer_as_of(client, keys):
    viewer = keys["viewer"]
    cluster = h.ok(client.get(f"/api/v1/clusters/{h.CLUSTER}?as_of=2026-04-15", headers=viewer), 200)
    assert cluster["as_of"] == "2026-04-15" and cluster["node_counts"]["bottleneck"] == 1
    assert h.ok(client.get(f"/api/v1/clusters/{h.CLUSTER}?as_of=2026-01-15", headers=viewer), 200)[
        "node_counts"]["gap"] == 1
    gaps = h.ok(client.get(f"/api/v1/clusters/{h.CLUSTER}/gaps?as_of=2026-06-15", headers=viewer), 200)
    assert {(i["node"]["id"], i["status"]) for i in gaps["items"]} == {(h.ALPHA, "weak"), (h.BETA, "weak")}
    report = h.ok(client.get("/api/v1/reports/gaps?county=130534&as_of=2026-01-15", headers=viewer), 200)
    mine = {(r["node"], r["status"]) for r in report["items"] if r["cluster"] == h.CLUSTER}
    assert mine == {(h.ALPHA, "gap"), (h.BETA, "weak")} and report["filters"]["as_of"] == "2026-01-15"
    layer = client.get("/api/v1/map/clusters.geojson?county=130534&as_of=2026-04-15", headers=viewer)
    assert layer.status_code == 200
    feature = next(f for f in layer.get_json()["features"] if f["id"].endswith(h.CLUSTER))
    assert layer.get_json()["as_of"] == "2026-04-15" and feature["properties"]["bottleneck"] == 1


def test_a_future_or_malformed_day_is_refused(client, keys):
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    for query in (f"as_of={tomorrow}", "as_of=2026-13-01", "as_of=yesterday"):
        response = client.get(f"/api/v1/clusters/{h.CLUSTER}/chain?{query}", headers=keys["viewer"])
        assert response.status_code == 422 and response.get_json()["errors"][0]["field"] == "as_of"


def test_a_past_answer_stays_the_same_after_later_writes(client, keys):
    days = ("2026-03-15", "2026-06-15", "2026-09-15")
    before = {day: chain(client, keys, day) for day in days}
    admin, editor = keys["admin"], keys["editor"]
    late = h.firm(7, "130534")
    h.ok(client.post("/api/v1/enterprises", headers=admin, json={
        "uscc": late, "name": "清河己纺织有限公司", "entity_type": "company", "region": "130534",
        "registered_on": "2026-10-01", "chain_nodes": [h.ALPHA]}))
    h.ok(client.post(f"/api/v1/enterprises/{h.B}/partners", headers=admin, json={
        "partner": h.S, "relation": "supplied_by", "since": "2026-10-05", "evidence": "新采购合同"}))
    h.ok(client.put(f"/api/v1/clusters/{h.CLUSTER}/nodes/asof-beta/mark", headers=editor, json={
        "mark": "bottleneck", "reason": "后续标注"}), 204)
    h.ok(client.patch(f"/api/v1/enterprises/{h.B}", headers=admin, json={"status": "moved"}), 200)  # dated today
    for day in days:
        assert chain(client, keys, day) == before[day], day
    now = by_node(chain(client, keys, None))
    assert now[h.BETA]["mark"]["value"] == "bottleneck" and now[h.ALPHA]["evidence"]["local_entities"] == 1
