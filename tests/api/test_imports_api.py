"""POST /api/v1/imports (issue 17): editors upload officers' files; a dry run by default; rows outside the editor's
counties are refused with the reason (firms outside Hebei are anyone's); the report as JSON or XLSX."""

from __future__ import annotations

import base64
import io
import re

import pytest
from openpyxl import load_workbook

from chainmap import upkeep, uscc
from tests import import_files as files
from tests.conftest import counts, reset_seeded

H1 = uscc.compose("9", "1", "130534", "T7C00001")   # 清河县
H2 = uscc.compose("9", "1", "131125", "T7C00002")   # 安平县: another county
BJ = uscc.compose("9", "1", "110108", "T7C00003")   # 海淀区: outside Hebei
HEADER = ["统一社会信用代码", "企业名称", "企业类型", "登记状态", "成立日期", "注册资本", "所属区县", "注册地址", "所属行业"]
ROWS = [[H1, "清河县接口导入羊绒有限公司", "有限责任公司", "存续", "2020-02-02", "100万元", "清河县", "", "毛条和毛纱线加工"],
        [H2, "安平县接口导入丝网有限公司", "有限责任公司", "存续", "2020-02-02", "100万元", "安平县", "", "毛织造加工"],
        [BJ, "北京接口导入科技有限公司", "有限责任公司", "存续", "2015-05-05", "1000万元", "", "北京市海淀区中关村大街1号",
         "毛织造加工"]]


@pytest.fixture(scope="module", autouse=True)
def clean(graph):
    yield
    graph.write("UNWIND $keys AS key MATCH (e:Enterprise {uscc: key}) DETACH DELETE e", keys=[H1, H2, BJ])
    upkeep.refresh_facts(graph)
    graph.renew()


def upload(client, headers, data=None, name="登记导出.csv", **form):
    body = {"file": (io.BytesIO(data or files.csv_bytes(HEADER, ROWS, "utf-8-sig")), name)} | {
        k: str(v).lower() for k, v in form.items()}
    return client.post("/api/v1/imports", headers=headers, data=body, content_type="multipart/form-data")


@pytest.mark.parametrize("caller, status", [("none", 401), ("viewer", 403), ("analyst", 403)])
def test_only_editors_import(client, keys, graph, caller, status):
    before = counts(graph)
    response = upload(client, keys[caller], dry_run=False, partial=True)
    assert response.status_code == status and response.mimetype == "application/problem+json"
    assert counts(graph) == before


def test_a_dry_run_by_default_scoped_to_the_editors_counties(client, keys, graph):
    before = counts(graph)
    response = upload(client, keys["editor"])
    assert response.status_code == 200, response.get_json()
    report = response.get_json()
    assert report["dry_run"] and not report["written"] and counts(graph) == before
    assert {r["key"] for r in report["created"]} == {H1, BJ}
    refused = [r for r in report["rejected"] if r["line"] == 3]
    assert refused and "本账号只能导入" in refused[0]["reason"] and "安平县" in refused[0]["reason"]


def test_a_refused_row_keeps_the_file_out_unless_partial(client, keys, graph):
    before = counts(graph)
    response = upload(client, keys["editor"], dry_run=False)
    assert response.status_code == 200 and not response.get_json()["written"] and counts(graph) == before
    response = upload(client, keys["editor"], dry_run=False, partial=True)
    assert response.get_json()["written"]
    found = graph.read("UNWIND $keys AS key MATCH (e:Enterprise {uscc: key}) RETURN e.uscc AS u", keys=[H1, H2, BJ])
    assert {r["u"] for r in found} == {H1, BJ}
    again = upload(client, keys["other_editor"], dry_run=False, partial=True).get_json()
    assert again["written"] and {r["key"] for r in again["created"]} == {H2}
    assert {r["key"] for r in again["unchanged"]} == {BJ}
    assert any(r["line"] == 2 and "本账号只能导入" in r["reason"] for r in again["rejected"])


def test_the_report_as_xlsx(client, keys):
    response = upload(client, keys["admin"], format="xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["汇总", "新增", "更新", "未变", "拒绝", "冲突"]
    assert book["汇总"]["A1"].value == "文件" and book["汇总"]["B1"].value == "登记导出.csv"


ENGLISH_WORD = re.compile(r"--[a-z]|\b[a-z]{3,}\b")  # a flag or a lower-case word (codes and format names are upper)


def test_a_real_runs_report_comes_with_its_workbook_all_in_chinese(client, keys, graph):
    """format=both: the JSON report of this very run and its workbook (a second run could only report 未变)."""
    rows = [[H1, ROWS[0][1], "有限责任公司", "注销", "2020-02-02", "300万美元", "清河县", "", "毛条和毛纱线加工"]]
    data = files.csv_bytes(HEADER, rows, "utf-8-sig")
    first = upload(client, keys["admin"], data=data, dry_run=False, partial=True)  # H1 as the earlier tests left it
    response = upload(client, keys["admin"], data=files.csv_bytes(HEADER, ROWS[:1], "utf-8-sig"), dry_run=False,
                      format="both")
    assert response.status_code == 200 and first.status_code == 200
    report = response.get_json()
    assert report["written"] and [r["key"] for r in report["updated"]] == [H1]
    book = load_workbook(io.BytesIO(base64.b64decode(report["xlsx"])))
    summary = {row[0]: row[1] for row in book["汇总"].iter_rows(values_only=True)}
    assert summary["结果"] == "已写入" and summary["更新"] == 1 and summary["方式"].startswith("整文件导入")
    changes = book["更新"]["D2"].value
    assert "登记状态：注销或吊销 → 存续" in changes and "注册资本币种：美元 → 人民币" in changes, changes
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            for cell in row:
                if cell != "登记导出.csv":  # the officer's own file name
                    assert not (isinstance(cell, str) and ENGLISH_WORD.search(cell)), (sheet.title, cell)


def test_bad_uploads_are_problems(client, keys, graph):
    before = counts(graph)
    response = client.post("/api/v1/imports", headers=keys["admin"], json={"file": "x"})
    assert response.status_code == 415
    response = upload(client, keys["admin"], data=b"\xff\xfe\x00garbage\x00", name="x.csv")
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    response = upload(client, keys["admin"], data="名称,地址\n甲,乙\n".encode(), name="x.csv")
    assert response.status_code == 422 and "模板" in response.get_json()["detail"]
    response = upload(client, keys["admin"], kind="nonsense")
    assert response.status_code == 422
    # a part given twice is refused, not read as its first value (dry_run=false then true wrote for real)
    twice = {"file": (io.BytesIO(files.csv_bytes(HEADER, ROWS, "utf-8-sig")), "登记导出.csv"),
             "dry_run": ["false", "true"]}
    response = client.post("/api/v1/imports", headers=keys["admin"], data=twice, content_type="multipart/form-data")
    assert response.status_code == 422 and response.get_json()["errors"] == [
        {"field": "dry_run", "in": "form", "reason": "只能给出一次"}], response.get_json()
    assert counts(graph) == before


def test_revenue_of_two_years_is_read_and_a_repeated_column_is_refused(client, keys, graph):
    """A 规上企业名单 with 2023年 and 2024年营业收入 side by side gives both years; a file with the credit code twice is
    refused whole, naming both columns (it had been read by its first column, silently)."""
    h4 = uscc.compose("9", "1", "130534", "T7C00004")
    header = ["统一社会信用代码", "单位名称", "所属区县", "国民经济行业", "2023年营业收入（万元）", "2024年营业收入（万元）"]
    body = files.csv_bytes(header, [[h4, "清河县两年营收羊绒有限公司", "清河县", "1721", "5000", "6200"]], "utf-8-sig")
    try:
        report = upload(client, keys["admin"], data=body, name="规上名单.csv", dry_run=False).get_json()
        assert report["written"] and [r["key"] for r in report["created"]] == [h4], report
        stored = graph.read("MATCH (e:Enterprise {uscc: $u}) RETURN e.revenue_years AS y, e.revenue_values AS v",
                            u=h4)[0]
        assert dict(zip(stored["y"], stored["v"], strict=True)) == {2023: 50_000_000, 2024: 62_000_000}
    finally:
        graph.write("MATCH (e:Enterprise {uscc: $u}) DETACH DELETE e", u=h4)
        upkeep.refresh_facts(graph)
        graph.renew()
    # a 年度 column that names another year than the revenue's header is refused, not read over it
    mixed = files.csv_bytes(["统一社会信用代码", "单位名称", "所属区县", "国民经济行业", "年度", "2023年营业收入（万元）"],
                            [[h4, "清河县两年营收羊绒有限公司", "清河县", "1721", "2025", "777"]], "utf-8-sig")
    refused = upload(client, keys["admin"], data=mixed, name="规上名单.csv").get_json()["rejected"]
    assert [r["reason"] for r in refused] == ["年度列为2025年，与表头“2023年营业收入（万元）”的年份2023年不一致"], refused
    before = counts(graph)
    twice = files.csv_bytes([*HEADER, "统一社会信用代码"], [[*ROWS[0], H2]], "utf-8-sig")
    response = upload(client, keys["admin"], data=twice, name="登记导出.csv", dry_run=False)
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert "第1列“统一社会信用代码”和第10列“统一社会信用代码”" in response.get_json()["detail"]
    assert counts(graph) == before


def survey_sheet(graph, note: str) -> io.BytesIO:
    """A 协作配套调查表 with one row: two active 清河 firms, 向本企业供货 since 2024-05-01, an invoice, `note`."""
    from chainmap.imports import survey

    firms = [r["u"] for r in graph.read("MATCH (e:Enterprise {region: '130534', status: 'active'}) WHERE e.name IS NOT NULL "
                                        "RETURN e.uscc AS u ORDER BY e.uscc LIMIT 2")]
    book = load_workbook(io.BytesIO(survey.partners_template(graph, "130534")))
    for c, value in enumerate([firms[0], "", firms[1], "", "", "", "向本企业供货", "2024-05-01", "", "发票", note], 1):
        book["协作配套调查表"].cell(row=2, column=c, value=value)
    out = io.BytesIO()
    book.save(out)
    return out


def test_a_survey_sheet_through_the_api(client, keys, graph):
    out = survey_sheet(graph, "FP-1")
    before = counts(graph)
    response = upload(client, keys["other_editor"], data=out.getvalue(), name="调查表.xlsx", kind="partners")
    report = response.get_json()
    assert response.status_code == 200 and report["kind"] == "partners" and counts(graph) == before
    assert not report["created"] and "本账号只能导入" in report["rejected"][0]["reason"]
    report = upload(client, keys["editor"], data=out.getvalue(), name="调查表.xlsx", kind="partners").get_json()
    assert len(report["created"]) == 1 and not report["rejected"] and not report["written"]


def test_hidden_characters_are_refused_as_the_api_refuses_them(client, keys, graph):
    """Attacker review: a name with U+0000 and U+202E went in through an import (the JSON API refuses both) and then
    made the import's XLSX report and every reward form naming the firm fail with a 500."""
    rows = [[H1, "清河县福和羊绒有限公司\x00\u202e", *ROWS[0][2:]], [BJ, ROWS[2][1], *ROWS[2][2:8], "毛织造\u200b加工"]]
    response = upload(client, keys["admin"], data=files.csv_bytes(HEADER, rows, "utf-8-sig"), dry_run=False,
                      partial=True, format="both")
    report = response.get_json()
    assert response.status_code == 200, report
    reasons = {(r["line"], r["field"]): r["reason"] for r in report["rejected"]}
    assert "不能含有控制字符、改变书写方向的字符或不可见字符（第 12 个字符 U+0000）" in reasons[(2, "企业名称")]
    assert "U+200B" in reasons[(3, "所属行业")]
    assert H1 not in {r["key"] for r in report["created"] + report["updated"]}
    load_workbook(io.BytesIO(base64.b64decode(report["xlsx"])))  # the workbook is written
    names = graph.read("MATCH (e:Enterprise) WHERE e.uscc IN $keys RETURN e.name AS name, e.industry_codes AS codes",
                       keys=[H1, BJ])
    assert all("\x00" not in r["name"] and "\u202e" not in r["name"] for r in names)
    out = survey_sheet(graph, "FP\u202e-1")
    supplies = "MATCH ()-[s:SUPPLIES]->() RETURN count(s) AS n"
    before = graph.read(supplies)[0]["n"]
    report = upload(client, keys["editor"], data=out.getvalue(), name="调查表.xlsx", kind="partners",
                    dry_run=False, partial=True).get_json()
    assert not report["created"] and "U+202E" in report["rejected"][0]["reason"], report
    assert graph.read(supplies)[0]["n"] == before


def test_a_workbook_claiming_a_million_rows_is_read_as_the_rows_it_holds(client, keys, graph):
    """Attacker review: a 5 KB XLSX whose <dimension> said A1:XFD8000 took 18 s (XFD1048576: minutes of a core)."""
    import time
    import zipfile

    data = files.xlsx_bytes(HEADER, ROWS[:1])
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            body = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                body = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', body)
                assert b"XFD1048576" in body
            target.writestr(item, body)
    started = time.perf_counter()
    response = upload(client, keys["editor"], data=out.getvalue(), name="登记导出.xlsx")
    assert response.status_code == 200 and time.perf_counter() - started < 10
    report = response.get_json()
    assert report["rows_read"] == 1 and report["empty_rows"] == 0, report


@pytest.mark.parametrize("caller, may, counties", [("viewer", False, []), ("analyst", False, []),
                                                   ("editor", True, ["130534"]), ("admin", True, [])])
def test_what_a_key_may_import(client, keys, caller, may, counties):
    response = client.get("/api/v1/imports", headers=keys[caller])
    assert response.status_code == 200
    access = response.get_json()
    assert access["may_import"] is may and access["counties"] == counties
    titles = {p["name"]: p["title"] for p in access["profiles"]}
    assert titles["above-scale-revenue"].startswith("规上企业名单") and titles["partners-survey"] == "协作配套调查表"
    assert client.get("/api/v1/imports").status_code == 401


def test_rows_that_reach_another_countys_firm_or_check_are_refused(client, keys, graph):
    """A row may not move a firm out of another county, nor change the reward facts of a firm whose project another
    county introduced (PATCH's rule, issue 14): refused with the reason, the rest imported; the firms unchanged."""
    # a firm whose code was issued in 清河 but which moved to 安平: its code agrees with a 清河 row, its county does not
    anping, beijing = uscc.compose("9", "1", "130534", "T7C00004"), uscc.compose("9", "1", "110108", "T7C00005")
    assert client.post("/api/v1/enterprises", headers=keys["other_editor"], json={
        "uscc": anping, "name": "安平县迁移测试丝网有限公司", "entity_type": "company", "region": "131125"}).status_code == 201
    assert client.post("/api/v1/enterprises", headers=keys["editor"], json={
        "uscc": beijing, "name": "北京引进导入测试有限公司", "entity_type": "company", "region": "110108",
        "registered_on": "2015-05-05", "revenue_cny": {"2024": 40_000_000}}).status_code == 201
    assert client.post("/api/v1/introductions", headers=keys["other_editor"], json={
        "enterprise": beijing, "cluster": "anping-wire-mesh", "origin_region": "110108",
        "introduced_on": "2024-03-01", "stage": "signed"}).status_code == 201
    header = [*HEADER, "2024年营业收入（万元）"]
    bj_row = [beijing, "北京引进导入测试有限公司", "有限责任公司", "存续", "2015-05-05", "1000万元", "",
              "北京市海淀区中关村大街1号", "毛织造加工"]
    rows = [[anping, "安平县迁移测试丝网有限公司", "有限责任公司", "存续", "2020-02-02", "100万元", "清河县", "", "毛织造加工", ""],
            [*bj_row, "9000"]]
    report = upload(client, keys["editor"], data=files.csv_bytes(header, rows, "utf-8-sig"), dry_run=False,
                    partial=True).get_json()
    reasons = {r["line"]: r["reason"] for r in report["rejected"]}
    assert "登记在衡水市安平县" in reasons[2] and "安平县（131125）招商引进项目" in reasons[3], reasons
    assert not report["updated"] and not report["created"]
    stored = client.get(f"/api/v1/enterprises/{anping}", headers=keys["viewer"]).get_json()
    assert stored["region"] == "131125"
    assert client.get(f"/api/v1/enterprises/{beijing}", headers=keys["viewer"]).get_json()["revenue_cny"] == {
        "2024": 40_000_000}
    # the same firm's other fields are the editor's to import, and 安平's editor may import its revenue
    same_revenue = upload(client, keys["editor"], data=files.csv_bytes(header, [[*bj_row, "4000"]], "utf-8-sig"),
                          dry_run=False).get_json()
    assert same_revenue["written"] and [r["key"] for r in same_revenue["updated"]] == [beijing], same_revenue
    theirs = upload(client, keys["other_editor"], data=files.csv_bytes(header, [[*bj_row, "9000"]], "utf-8-sig"),
                    dry_run=False).get_json()
    assert theirs["written"] and not theirs["rejected"], theirs
    assert client.get(f"/api/v1/enterprises/{beijing}", headers=keys["viewer"]).get_json()["revenue_cny"] == {
        "2024": 90_000_000}
    graph.write("UNWIND $keys AS key MATCH (e:Enterprise {uscc: key}) OPTIONAL MATCH (e)<-[:OF]-(i:Introduction) "
                "DETACH DELETE e, i", keys=[anping, beijing])


def test_a_list_of_revenues_leaves_a_firms_chain_links_as_they_are(client, keys, graph):
    """A 规上名单 row without an industry changes revenue only: it had joined the firm to every link its stored code
    matched in the county (an e-commerce firm to both clusters' 销售), and showed its links before as empty."""
    firm = graph.read("MATCH (e:Enterprise {region: '130534', status: 'active'})-[:OPERATES_IN]->"
                      "(:ChainNode {id: 'qinghe-cashmere.ecommerce'}) RETURN e.uscc AS u, e.name AS n "
                      "ORDER BY e.uscc LIMIT 1")[0]
    links = "MATCH (:Enterprise {uscc: $u})-[:OPERATES_IN]->(n) RETURN n.id AS id ORDER BY id"
    before = [r["id"] for r in graph.read(links, u=firm["u"])]
    body = files.csv_bytes(["统一社会信用代码", "单位名称", "2024年营业收入（万元）"], [[firm["u"], firm["n"], "777"]], "utf-8-sig")
    report = upload(client, keys["admin"], data=body, name="规上名单.csv", dry_run=False).get_json()
    try:
        assert report["written"] and [r["key"] for r in report["updated"]] == [firm["u"]], report
        assert "所属产业链环节" not in report["updated"][0]["changes"], report["updated"][0]
        assert [r["id"] for r in graph.read(links, u=firm["u"])] == before
    finally:
        reset_seeded(graph)
