"""Gaps and gap reports on the real graph: the formats agree with the JSON, the chain agrees with the gaps."""

import csv
import importlib.util
import io
import re
from collections import Counter

import openpyxl

from chainmap.provenance import TABLE_NOTE
from chainmap.report_formats import COLUMNS, CSV_COLUMNS, STAGE_ZH, STATUS_ZH
from chainmap.vocab import CHAIN_STAGES, GAP_STATUSES
from chainmap.workbook import read_rows
from tests.conftest import HAN, ROOT

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
    assert rows == sorted(rows, key=lambda r: (r["county_adcode"], r["cluster_name"], r["cluster"],
                                               CHAIN_STAGES.index(r["stage"]), GAP_STATUSES.index(r["status"]),
                                               r["node_name"], r["node"]))

    response = client.get(f"/api/v1/reports/gaps?city={XINGTAI}&format=csv", headers=keys["analyst"])
    assert response.content_type.startswith("text/csv") and response.data.startswith(b"\xef\xbb\xbf")
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"]
    table = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert table[0] == [c.header for c in CSV_COLUMNS] and len(table) == len(rows) + 1
    assert data["data_note"] == TABLE_NOTE  # the seeded firms are synthetic
    for row, line in zip(rows, table[1:], strict=True):
        cells = dict(zip([c.key for c in CSV_COLUMNS], line, strict=True))
        assert cells["data_note"] == TABLE_NOTE
        assert cells["node"] == row["node"] and cells["local_entities"] == str(row["local_entities"])
        assert cells["status"] == STATUS_ZH[row["status"]] and cells["scope"] == "本县"
        assert cells["stage"] == STAGE_ZH[row["stage"]]
        assert cells["industries"] == "；".join(f"{c} {n}" for c, n in zip(row["industry_codes"], row["industry_names"],
                                                                            strict=True))

    response = client.get(f"/api/v1/reports/gaps?city={XINGTAI}&format=xlsx", headers=keys["analyst"])
    assert response.content_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["汇总", "缺链明细"]
    detail_sheet = book["缺链明细"]
    assert detail_sheet["A1"].value == "邢台市县域特色产业集群产业链缺链情况表"
    assert detail_sheet["A2"].value.startswith("制表单位：") and detail_sheet.freeze_panes == "A4"
    assert any(str(c.value).startswith("截至日期：") for c in detail_sheet[2] if c.value)
    assert int(detail_sheet.page_setup.paperSize) == 9 and detail_sheet.print_title_rows  # A4
    detail = read_rows(response.data, "缺链明细")
    assert [d["序号"] for d in detail] == list(range(1, len(rows) + 1))
    assert [d["环节编号"] for d in detail] == [r["node"] for r in rows]  # the JSON's order, row for row
    assert [d["本地市场主体数"] for d in detail] == [r["local_entities"] for r in rows]
    assert {d["状态"] for d in detail} <= {"缺链", "瓶颈", "薄弱"} and {d["本地范围"] for d in detail} == {"本县"}
    assert all("(" not in d["状态"] and any("\u4e00" <= ch <= "\u9fff" for ch in d["判定依据"]) for d in detail)
    codes = [d["国民经济行业（GB/T 4754）"] for d in detail]
    assert all(all(" " in part for part in c.split("；")) for c in codes if c)  # every code with its name
    share_col = 1 + [c.key for c in COLUMNS].index("outside_province_share") + 1
    assert detail_sheet.cell(row=4, column=share_col).number_format == "0.0%"
    for name in book.sheetnames:
        last = [v for row in book[name].iter_rows(values_only=True) for v in row if v][-1]
        assert last == f"注：{TABLE_NOTE}", name
    summary = read_rows(response.data, "汇总")
    expected = Counter((r["city"], r["category"], r["status"]) for r in rows)
    for line in summary[:-1]:
        for status in ("gap", "bottleneck", "weak"):
            assert line[f"{STATUS_ZH[status]}环节数"] == expected[(line["地市"], line["类别"], status)]
    assert summary[-1]["地市"] == "合计" and summary[-1]["合计"] == len(rows)
    assert sum(line["合计"] for line in summary[:-1]) == len(rows)
    assert {(line["地市"], line["类别"]) for line in summary[:-1]} == {(r["city"], r["category"]) for r in rows}


def test_a_report_of_real_firms_carries_no_synthetic_label(client, graph, keys):
    """The label follows the data: with no firm marked synthetic, the JSON, CSV and XLSX say nothing of samples."""
    marked = [r["u"] for r in graph.read("MATCH (e:Enterprise) WHERE e.synthetic = true RETURN e.uscc AS u")]
    assert marked
    graph.write("MATCH (e:Enterprise) WHERE e.synthetic = true SET e.synthetic = false")
    try:
        url = f"/api/v1/reports/gaps?city={XINGTAI}"
        assert client.get(url, headers=keys["analyst"]).get_json()["data_note"] is None
        table = list(csv.reader(io.StringIO(client.get(url + "&format=csv", headers=keys["analyst"])
                                            .data.decode("utf-8-sig"))))
        assert len(table) > 1 and {line[-1] for line in table[1:]} == {""}
        book = openpyxl.load_workbook(io.BytesIO(client.get(url + "&format=xlsx", headers=keys["analyst"]).data))
        cells = [str(v) for ws in book for row in ws.iter_rows(values_only=True) for v in row if v]
        assert not any("样例" in v or v.startswith("注：") for v in cells)  # (合成 is in GB/T names: 合成纤维)
    finally:
        graph.write("UNWIND $codes AS u MATCH (e:Enterprise {uscc: u}) SET e.synthetic = true", codes=marked)


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


def test_county_filters_elsewhere_take_names_and_refuse_unknown_places(client, keys):
    for path, who in [("/api/v1/introductions", "viewer"), ("/api/v1/reward-checks", "analyst"),
                      ("/api/v1/audit", "admin")]:
        by_code = client.get(f"{path}?county=130534", headers=keys[who])
        assert by_code.status_code == 200, (path, by_code.get_json())
        assert client.get(f"{path}?county=清河", headers=keys[who]).get_json() == by_code.get_json(), path
        unknown = client.get(f"{path}?county=139999", headers=keys[who])
        assert unknown.status_code == 422 and unknown.get_json()["errors"][0]["field"] == "county", path


def _gap_summary():
    spec = importlib.util.spec_from_file_location("gap_summary", ROOT / "scripts" / "gap_summary.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_gap_summary_script_speaks_chinese(client, keys):
    summary = _gap_summary()
    report = client.get("/api/v1/reports/gaps", headers=keys["analyst"]).get_json()
    by_city, by_category = summary.summarise(report["items"])
    assert summary.table("城市", by_city)[0] == ["城市", "缺链", "瓶颈", "薄弱", "合计"]
    assert summary.table("类别", by_category)[0][1:] == ["缺链", "瓶颈", "薄弱", "合计"]
    footer = summary.footer(report, "county")
    assert footer == f"共 {report['total']} 个缺链、瓶颈或薄弱环节；配套范围：本县；生成日期：{report['generated_on']}"
    assert not re.search("[A-Za-z]{2,}", footer)


def test_scripts_run_admin_key_is_a_chinese_unit_on_reports(client, graph):
    """The label scripts/run gives its admin key is printed as 制表单位 on every report that key downloads."""
    from chainmap.api_keys import create_key

    label = re.search(r'keys create --role admin --label "([^"]+)"', (ROOT / "scripts" / "run").read_text())
    assert label and HAN.search(label[1]) and not re.search(r"\b[a-z]{2,} [a-z]{2,}\b", label[1]), label
    key = create_key(graph, "admin", [], label[1])
    response = client.get(f"/api/v1/reports/gaps?city={XINGTAI}&format=xlsx", headers={"Authorization": f"Bearer {key}"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.data))["缺链明细"]
    assert sheet["A2"].value == f"制表单位：{label[1]}"


def test_a_report_answers_304_while_it_has_not_moved(client, graph, keys):
    """Each format carries an ETag; sent back it is a 304 until the rows, the 注 or the head of the file change."""
    url = f"/api/v1/reports/gaps?city={XINGTAI}"
    tags = {}
    for fmt in ("json", "csv", "xlsx"):
        first = client.get(f"{url}&format={fmt}", headers=keys["analyst"])
        tags[fmt] = first.headers["ETag"]
        again = client.get(f"{url}&format={fmt}", headers={**keys["analyst"], "If-None-Match": tags[fmt]})
        assert again.status_code == 304 and not again.data, fmt
    assert len(set(tags.values())) == 3
    # a compressed body has a weak tag, which the client echoes: still a 304 (If-None-Match compares weakly)
    zipped = {**keys["analyst"], "Accept-Encoding": "gzip"}
    weak = client.get(f"{url}&format=csv", headers=zipped).headers["ETag"]
    assert weak.startswith("W/")
    assert client.get(f"{url}&format=csv", headers={**zipped, "If-None-Match": weak}).status_code == 304
    # another 制表单位 is another file
    from chainmap.api_keys import create_key

    labelled = {"Authorization": f"Bearer {create_key(graph, 'analyst', [], label='清河县商务局')}",
                "If-None-Match": tags["xlsx"]}
    other = client.get(f"{url}&format=xlsx", headers=labelled)
    assert other.status_code == 200 and other.headers["ETag"] != tags["xlsx"]
