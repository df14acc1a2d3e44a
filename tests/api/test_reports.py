"""Gaps and gap reports on the real graph: the formats agree with the JSON, the chain agrees with the gaps."""

import csv
import io

import openpyxl

from chainmap.report_formats import COLUMNS, STAGE_ZH, STATUS_ZH

XINGTAI = "%E9%82%A2%E5%8F%B0%E5%B8%82"  # 邢台市


def test_cluster_gaps_agree_with_the_graph(client, graph, keys):
    body = client.get("/api/v1/clusters/anping-wire-mesh/gaps", headers=keys["viewer"]).get_json()
    statuses = {i["node"]["key"]: i["status"] for i in body["items"]}
    assert statuses["membrane"] == "gap"  # marked gap in the seeds and left without local entities
    for item in body["items"]:
        local = graph.read("MATCH (e:Enterprise {status: 'active', region: '131125'})-[:OPERATES_IN]->"
                           "(:ChainNode {id: $id}) RETURN count(e) AS n", id=item["node"]["id"])[0]["n"]
        assert item["evidence"]["local_entities"] == local
        assert (item["status"] == "gap") == (local == 0)
        assert item["evidence"]["reasons"]
    rate = body["local_supply_rate"]
    assert rate["nodes"] == 12 and 0 < rate["node_coverage"] < 1 and rate["counts"]["gap"] >= 1


def test_wider_scope_never_has_more_gaps(client, keys):
    county = client.get("/api/v1/clusters/anping-wire-mesh/gaps", headers=keys["viewer"]).get_json()
    province = client.get("/api/v1/clusters/anping-wire-mesh/gaps?scope=province", headers=keys["viewer"]).get_json()
    assert province["local_supply_rate"]["counts"]["gap"] <= county["local_supply_rate"]["counts"]["gap"]
    assert province["local_supply_rate"]["covered_nodes"] >= county["local_supply_rate"]["covered_nodes"]


def test_chain_status_is_the_gap_analysis(client, keys):
    chain = client.get("/api/v1/clusters/nanhe-pet-food/chain", headers=keys["viewer"]).get_json()
    gaps = client.get("/api/v1/clusters/nanhe-pet-food/gaps", headers=keys["viewer"]).get_json()
    flagged = {i["node"]["id"]: i["status"] for i in gaps["items"]}
    for node in chain["nodes"]:
        assert node["status"] == flagged.get(node["id"], "present")
    assert chain["local_supply_rate"] == gaps["local_supply_rate"]


def test_report_csv_and_xlsx_match_the_json(client, keys):
    data = client.get(f"/api/v1/reports/gaps?city={XINGTAI}", headers=keys["analyst"]).get_json()
    rows = data["items"]
    assert rows and {r["city"] for r in rows} == {"邢台市"} and data["total"] == len(rows)
    assert {r["status"] for r in rows} <= {"gap", "weak", "bottleneck"}

    response = client.get(f"/api/v1/reports/gaps?city={XINGTAI}&format=csv", headers=keys["analyst"])
    assert response.content_type.startswith("text/csv") and response.data.startswith(b"\xef\xbb\xbf")
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    table = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert table[0] == [header for _, header, _ in COLUMNS] and len(table) == len(rows) + 1
    for row, line in zip(rows, table[1:], strict=True):
        cells = dict(zip([k for k, _, _ in COLUMNS], line, strict=True))
        assert cells["node"] == row["node"] and cells["local_entities"] == str(row["local_entities"])
        assert cells["status"] == f"{STATUS_ZH[row['status']]}({row['status']})"
        assert cells["stage"] == STAGE_ZH[row["stage"]] and cells["industry_codes"] == ";".join(row["industry_codes"])

    response = client.get(f"/api/v1/reports/gaps?city={XINGTAI}&format=xlsx", headers=keys["analyst"])
    assert response.content_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    assert sheet.freeze_panes == "A2"
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == [header for _, header, _ in COLUMNS] and len(values) == len(rows) + 1
    assert [v[6] for v in values[1:]] == [r["node"] for r in rows]
    assert [v[12] for v in values[1:]] == [r["local_entities"] for r in rows]
    assert sheet.column_dimensions["Q"].width >= 40


def test_report_filters(client, keys):
    only_gaps = client.get("/api/v1/reports/gaps?status=gap&category=%E6%97%B6%E5%B0%9A%E6%B6%88%E8%B4%B9",
                           headers=keys["analyst"]).get_json()["items"]
    assert only_gaps and {r["status"] for r in only_gaps} == {"gap"} and {r["category"] for r in only_gaps} == {"时尚消费"}
    everything = client.get("/api/v1/reports/gaps", headers=keys["analyst"]).get_json()
    assert everything["total"] > len(only_gaps)
    bad = client.get("/api/v1/reports/gaps?format=pdf", headers=keys["analyst"])
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "format"


def test_report_place_names(client, keys):
    """A city or county by adcode, full name, name without its suffix or (cities) pinyin gives the same rows; an
    unknown or ambiguous place is a 422 naming the field, never an empty 200."""
    def report(query):
        return client.get(f"/api/v1/reports/gaps?{query}", headers=keys["analyst"])

    full = report("city=邢台市").get_json()
    assert full["total"] > 0
    for query in ("city=邢台", "city=xingtai", "city=Xingtai", "city=130500"):
        response = report(query)
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["items"] == full["items"], query
    qinghe = report("county=130534").get_json()
    assert qinghe["total"] > 0 and {r["county"] for r in qinghe["items"]} == {"清河县"}
    for query in ("county=清河县", "county=清河", "city=邢台&county=清河"):
        assert report(query).get_json()["items"] == qinghe["items"], query
    for query, field, phrase in [
        ("city=邢台县", "city", "不是河北省的设区市"), ("city=beijing", "city", "拼音"), ("city=139900", "city", "139900"),
        ("county=139999", "county", "139999"), ("county=桥西", "county", "130104"),  # 桥西区 of 石家庄 and 张家口
        ("city=石家庄&county=清河", "county", "石家庄市的"), ("county=qinghe", "county", "六位行政区划代码"),
    ]:
        response = report(query)
        assert response.status_code == 422, (query, response.get_json())
        problem = response.get_json()
        assert [e["field"] for e in problem["errors"]] == [field] and phrase in problem["errors"][0]["reason"], problem
    assert report("city=张家口&county=桥西").status_code == 200  # unique within its city


def test_cluster_list_takes_place_names_and_carries_node_counts(client, keys):
    by_name = client.get("/api/v1/clusters?city=邢台", headers=keys["viewer"]).get_json()
    by_code = client.get("/api/v1/clusters?city=130500", headers=keys["viewer"]).get_json()
    assert by_name["total"] > 0 and by_name == by_code
    assert client.get("/api/v1/clusters?county=nowhere", headers=keys["viewer"]).status_code == 422
    for item in by_name["items"]:
        detail = client.get(f"/api/v1/clusters/{item['id']}", headers=keys["viewer"]).get_json()
        assert item["node_counts"] == detail["node_counts"] and sum(item["node_counts"].values()) > 0
        assert item["local_supply_rate"] == detail["local_supply_rate"]
