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


# ---- the progress report over the same history ----------------------------------------------------------------
MINE = {"asof-project", "asof-dropped"}


def progress(client, keys, period: str, fmt: str = "json", **area):
    query = "&".join(f"{k}={v}" for k, v in {"period": period, "format": fmt, **area}.items())
    response = client.get(f"/api/v1/reports/progress?{query}", headers=keys["analyst"])
    assert response.status_code == 200, response.get_json()
    return response.get_json() if fmt == "json" else response.data


def traced(client, keys, report: dict) -> None:
    """Every project count names its projects, and each named project has the counted change in the period."""
    start, end = report["period"]["start"], report["as_of"]
    for kind, counted in report["projects"]["counts"].items():
        assert counted["count"] >= len(counted["projects"])
        for pid in counted["projects"]:
            stages = h.ok(client.get(f"/api/v1/introductions/{pid}", headers=keys["viewer"]), 200)["stages"]
            inside = [s["stage"] for s in stages if start <= s["on"] <= end]
            wanted = {"new": None, "advanced": None, "signed": None, "landed": "landed", "terminated": "terminated"}
            if kind == "new":
                assert start <= stages[0]["on"] <= end, pid
            else:
                assert inside and (wanted[kind] is None or wanted[kind] in inside), (kind, pid)


def mine(counted: dict) -> list[str]:
    return [p for p in counted["projects"] if p in MINE]


def test_the_quarter_report(client, keys):
    r = progress(client, keys, "2026-Q3", county="130534")
    assert r["title"] == "邢台市清河县县域特色产业集群产业链招商季度通报（2026年第三季度）"
    assert (r["base_date"], r["as_of"]) == ("2026-06-30", "2026-09-30")
    counts = r["projects"]["counts"]
    assert {k: mine(v) for k, v in counts.items()} == {
        "new": ["asof-dropped"], "advanced": ["asof-project"], "signed": [], "landed": ["asof-project"],
        "terminated": ["asof-dropped"]}
    traced(client, keys, r)
    previous = r["projects"]["compared"]["previous"]
    assert previous["period"] == "2026-Q2" and previous["counts"]["signed"]["base"] >= 1
    assert r["projects"]["compared"]["year_ago"]["period"] == "2025-Q3"
    assert r["projects"]["amounts_end"]["landed"]["amount_10k_cny"] == 8000
    assert r["projects"]["amounts_end"]["terminated"]["amount_10k_cny"] == 3000
    assert r["projects"]["amounts_start"]["signed"]["amount_10k_cny"] == 8000
    rows = {p["id"]: p for p in r["projects"]["rows"]}
    assert (rows["asof-project"]["stage_start"], rows["asof-project"]["stage_end"]) == ("signed", "landed")
    assert rows["asof-dropped"]["stage_start"] is None and "终止" in rows["asof-dropped"]["moves"]
    worse = [n for n in r["nodes"]["worse"] if n["cluster"] == h.CLUSTER]
    assert [(n["node"], n["status_start"], n["status_end"]) for n in worse] == [(h.ALPHA, "weak", "gap")]
    assert worse[0]["departed"] == ["清河甲纺织有限公司（2026-09-15注销）"]
    assert not [n for n in r["nodes"]["improved"] if n["cluster"] == h.CLUSTER]
    supply = next(c for c in r["local_supply"] if c["cluster"] == h.CLUSTER)
    assert (supply["covered_start"], supply["covered_end"], supply["coverage_end"]) == (2, 1, 0.5)
    assert r["summary"][0] == {**r["summary"][0], "item": "新增项目（线索）", "value": counts["new"]["count"]}


def test_the_month_and_first_quarter_reports_show_what_filled_the_chain(client, keys):
    june = progress(client, keys, "2026-06", county="130534")
    assert june["title"].endswith("月度调度（2026年6月）") and june["projects"]["compared"]["previous"]["period"] == "2026-05"
    relieved = [n for n in june["nodes"]["improved"] if n["cluster"] == h.CLUSTER]
    assert [(n["node"], n["change"]) for n in relieved] == [(h.ALPHA, "瓶颈→薄弱")]
    assert not any(mine(v) for v in june["projects"]["counts"].values())
    q1 = progress(client, keys, "2026-Q1", county="130534")
    filled = {n["node"]: n for n in q1["nodes"]["improved"] if n["cluster"] == h.CLUSTER}
    assert {k: v["change"] for k, v in filled.items()} == {h.ALPHA: "缺链→薄弱", h.BETA: "缺链→薄弱"}
    assert filled[h.ALPHA]["entered"] == ["清河甲纺织有限公司（2026-03-01登记）"]
    assert filled[h.BETA]["relations_began"] == ["北京丙供应链有限公司→清河乙纺织有限公司（2026-02-01起）"]
    assert mine(q1["projects"]["counts"]["new"]) == ["asof-project"] and mine(q1["projects"]["counts"]["advanced"]) == [
        "asof-project"]
    traced(client, keys, q1)
    q3 = progress(client, keys, "2026-Q3", county="130534")
    landed_at_beta = progress(client, keys, "2026-H2", county="130534")
    assert landed_at_beta["period"]["label"] == "2026年下半年" and q3["as_of"] == "2026-09-30"


def test_the_xlsx_reads_back_as_the_json(client, keys):
    import openpyxl  # noqa: F401 - the reader below uses it

    from chainmap.progress_sheets import COLUMNS, sheet_rows
    from chainmap.workbook import read_rows

    report = progress(client, keys, "2026-Q3", county="130534")
    data = progress(client, keys, "2026-Q3", "xlsx", county="130534")
    expected = sheet_rows(report)
    assert list(COLUMNS)[0] == "汇总"
    for name, columns in COLUMNS.items():
        rows = read_rows(data, name)
        assert len(rows) == len(expected[name]), name
        for n, (got, want) in enumerate(zip(rows, expected[name], strict=True), start=1):
            assert got["序号"] == n
            for c in columns:
                value, cell = want.get(c.key), got[c.header]
                if c.kind == "codes":
                    value = "；".join(value) if value else None
                elif c.kind == "date" and value:
                    cell = cell.date().isoformat()
                assert cell == value, (name, c.header, cell, value)
    import io

    sheet = openpyxl.load_workbook(io.BytesIO(data))["就近就地配套率"]
    assert sheet["A1"].value == report["title"] and sheet["A2"].value.startswith("制表单位：")
    percent = next(cell for cell in sheet[3] if cell.value == "期末环节覆盖率").column
    assert sheet.cell(row=4, column=percent).number_format == "0.0%"


def test_the_report_is_reproducible_after_later_writes(client, keys):
    before = progress(client, keys, "2026-Q3", county="130534")
    admin, editor = keys["admin"], keys["editor"]
    late = h.firm(8, "130534")
    h.ok(client.post("/api/v1/enterprises", headers=admin, json={
        "uscc": late, "name": "清河庚纺织有限公司", "entity_type": "company", "region": "130534",
        "registered_on": dt.date.today().isoformat(), "chain_nodes": [h.ALPHA]}))
    h.ok(client.post("/api/v1/introductions", headers=editor, json={
        "id": "asof-late", "enterprise": h.Q, "cluster": h.CLUSTER, "origin_region": "110105",
        "introduced_on": dt.date.today().isoformat(), "nodes": [h.ALPHA], "amount_10k_cny": 500}))
    assert progress(client, keys, "2026-Q3", county="130534") == before


@pytest.mark.parametrize("query,field", [("period=2026-Q5", "period"), ("period=26-11", "period"),
                                         ("period=2099", "period"), ("period=1999-Q1", "period"),
                                         ("period=2026&county=130599", "county"),
                                         ("period=2026&city=130500&county=130534", "county"),
                                         ("period=2026&format=pdf", "format")])
def test_bad_report_requests_are_refused(client, keys, query, field):
    response = client.get(f"/api/v1/reports/progress?{query}", headers=keys["analyst"])
    assert response.status_code == 422 and response.content_type == "application/problem+json"
    assert field in [e["field"] for e in response.get_json()["errors"]], response.get_json()
