"""`import registry` against the real graph (issue 17): every trap of an officer's export is in the report and, after
a real run, in the graph exactly as reported; a dry run and a refused file write nothing; a re-run changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from chainmap import upkeep
from chainmap.imports import registry
from chainmap.imports.reference import Options
from tests import import_files as files
from tests.conftest import POLICIES, counts

FIRM: str = ("MATCH (e:Enterprise {uscc: $uscc}) OPTIONAL MATCH (e)-[:OPERATES_IN]->(n:ChainNode) "
             "RETURN e {.*} AS e, collect(n.id) AS nodes")


@pytest.fixture(scope="module")
def clean(graph):
    """Remove what these tests imported, and put the chain nodes' facts back."""
    yield graph
    graph.write("UNWIND $keys AS key MATCH (e:Enterprise {uscc: key}) DETACH DELETE e",
                keys=[*files.A_FIRMS, *files.B_FIRMS, files.F2_BAD])
    graph.write("MATCH (e:RegisteredEntity) DETACH DELETE e")
    upkeep.refresh_facts(graph)


def run(graph, data: bytes, name: str, **options):
    return registry.import_registry(graph, POLICIES, data, name, Options(**options))


def firm(graph, code: str) -> dict | None:
    rows = graph.read(FIRM, uscc=code)
    return None if not rows else rows[0]["e"] | {"nodes": sorted(rows[0]["nodes"])}


def layout_a_csv() -> bytes:
    return files.csv_bytes(files.legacy_header_a(), files.rows_a_with_legacy(), "utf-8-sig")


def test_dry_run_reports_every_trap_and_writes_nothing(clean):
    graph = clean
    before = counts(graph)
    report = run(graph, layout_a_csv(), "登记导出.csv")
    assert counts(graph) == before and not report.written
    assert report.profile.startswith("registry-industry-text") and "自动识别" in report.profile_how
    assert report.encoding == "UTF-8（带BOM）"
    assert (report.rows_read, report.empty_rows) == (9, 1)
    rejected = {(r["line"], r["field"]): r for r in report.rejected}
    assert "校验码为" in rejected[(4, "统一社会信用代码")]["reason"] and rejected[(4, "统一社会信用代码")]["fatal"]
    unmatched = rejected[(9, "所属行业")]
    assert files.NO_MATCH in unmatched["reason"] and "最接近" in unmatched["reason"] and not unmatched["fatal"]
    assert len(report.rejected) == 2
    assert {r["key"] for r in report.created} == {*files.A_FIRMS, files.LEGACY}
    conflicts = {(c["key"], c["field"]): c for c in report.conflicts}
    assert conflicts[(files.F1, "registered_capital")]["kept"] == 12_000_000
    assert conflicts[(files.F1, "registered_capital")]["dropped"] == 10_000_000
    created = {r["key"]: r for r in report.created}
    assert "130109" in created[files.F5]["region"] and "藁城区" in created[files.F5]["region"]
    assert "仅有注册号" in created[files.LEGACY]["notes"]
    xlsx = report.to_xlsx()
    from io import BytesIO

    from openpyxl import load_workbook
    book = load_workbook(BytesIO(xlsx))
    assert book.sheetnames == ["汇总", "新增", "更新", "未变", "拒绝", "冲突"]
    assert [c.value for c in book["拒绝"][1]] == ["行号", "字段", "原因", "处理"]
    assert book["拒绝"].max_row == 3


def test_a_refused_field_keeps_the_whole_file_out_unless_partial(clean):
    graph = clean
    before = counts(graph)
    report = run(graph, layout_a_csv(), "登记导出.csv", dry_run=False)
    assert not report.written and counts(graph) == before and "未写入" in report.outcome

    report = run(graph, layout_a_csv(), "登记导出.csv", dry_run=False, partial=True)
    assert report.written and len(report.created) == 7
    f1 = firm(graph, files.F1)
    assert f1 is not None
    assert (f1["registered_capital"], f1["capital_currency"]) == (12_000_000, "CNY")       # the newer row won
    assert f1["registered_on"] == dt.date(2019, 3, 5) and f1["status"] == "active" and f1["industry_codes"] == ["1721"]
    assert {"qinghe-cashmere.dehairing", "qinghe-cashmere.spinning"} <= set(f1["nodes"])    # membership from codes
    assert firm(graph, files.F2_BAD) is None
    f3 = firm(graph, files.F3)                                                             # full-width, lower case
    assert f3 is not None and f3["entity_type"] == "individual_business" and "qinghe-cashmere.knitting" in f3["nodes"]
    f4 = firm(graph, files.F4)
    assert f4 is not None and (f4["status"], f4["status_on"]) == ("deregistered", dt.date(2022, 5, 6))
    f5 = firm(graph, files.F5)
    assert f5 is not None and f5["region"] == "130109"                                    # 藁城市 → 藁城区
    f6 = firm(graph, files.F6)
    assert f6 is not None and f6["industry_codes"] == [] and f6["nodes"] == []
    f7 = firm(graph, files.F7)
    assert f7 is not None and f7["registered_on"] == dt.date(2019, 3, 5)                   # Excel serial 43529
    assert (f7["registered_capital"], f7["capital_currency"]) == (5_000_000, "USD")
    legacy = graph.read("MATCH (e:RegisteredEntity {registration_no: $no}) RETURN e {.*} AS e", no=files.LEGACY)
    assert legacy and legacy[0]["e"]["flag"] == "仅有注册号" and legacy[0]["e"]["region"] == "130534"

    after = counts(graph)
    again = run(graph, layout_a_csv(), "登记导出.csv", dry_run=False, partial=True)
    assert (len(again.created), len(again.updated), len(again.unchanged)) == (0, 0, 7)
    assert counts(graph) == after


def test_the_above_scale_list_adds_revenues_by_header_unit_and_cell_suffix(clean):
    graph = clean
    header = ["统一社会信用代码", "单位详细名称", "所属区县", "行业代码", "2024年营业收入（万元）"]
    rows = [[files.F1, "清河县导入测试羊绒有限公司", "清河县", "1721", "6500.5"],
            [files.F3, "清河县导入测试针织加工部", "清河县", "1829", "1.2亿元"]]
    report = run(graph, files.csv_bytes(header, rows, "utf-8-sig"), "规上企业.csv", dry_run=False)
    assert report.profile.startswith("above-scale-revenue") and report.written and not report.rejected
    assert {r["key"] for r in report.updated} == {files.F1, files.F3}
    assert all("营业收入2024" in r["changes"] for r in report.updated)
    changed = {r["key"]: r["changes"] for r in report.updated}
    assert "→ 6500.5万元" in changed[files.F1] and "→ 12000万元" in changed[files.F3], changed  # as the file gave it
    f1, f3 = firm(graph, files.F1), firm(graph, files.F3)
    assert f1 is not None and (f1["revenue_years"], f1["revenue_values"]) == ([2024], [65_005_000])
    assert f3 is not None and f3["revenue_values"] == [120_000_000]
    assert f1["registered_capital"] == 12_000_000  # a field the list does not carry keeps its value


def test_xlsx_with_a_formula_cell_and_a_numeric_serial_date(clean):
    graph = clean
    data = files.xlsx_bytes(files.legacy_header_a(), files.rows_a_with_legacy(serial=43529), formula_at=(0, 6))
    report = run(graph, data, "登记导出.xlsx")
    assert report.encoding == "XLSX" and report.empty_rows == 1
    formula = [r for r in report.rejected if r["line"] == 2]
    assert formula and formula[0]["field"] == "注册资本" and "公式" in formula[0]["reason"]
    keys = {r["key"] for r in report.unchanged}
    assert files.F7 in keys  # the numeric serial reads as the same 2019-03-05 the CSV gave


def test_gb_columns_layout_in_gb18030_and_xlsx(clean):
    graph = clean
    data = files.csv_bytes(files.HEADER_B, files.rows_b(), "gb18030")
    report = run(graph, data, "国标行业.csv", dry_run=False)
    assert report.encoding == "GB18030" and report.profile.startswith("registry-gb-columns")
    assert report.written and not report.rejected
    notes = {r["key"]: r["notes"] for r in report.created}
    assert "大类 18" in notes[files.G3]
    g1, g2, g3 = (firm(graph, code) for code in files.B_FIRMS)
    assert g1 is not None and g1["industry_codes"] == ["1721"]
    assert g2 is not None and g2["industry_codes"] == ["1829"] and g2["region"] == "130534"
    assert g3 is not None and g3["industry_codes"] == []
    again = run(graph, files.xlsx_bytes(files.HEADER_B, files.rows_b()), "国标行业.xlsx", dry_run=False)
    assert len(again.unchanged) == 3 and not again.created and not again.updated


def test_a_named_profile_that_does_not_fit_is_refused(clean):
    from chainmap.errors import Invalid

    with pytest.raises(Invalid, match="缺少"):
        run(clean, files.csv_bytes(files.HEADER_B, files.rows_b(), "utf-8"), "x.csv", profile="above-scale-revenue")


def test_a_registration_day_the_api_refuses_is_not_imported(clean):
    """成立日期 2999-01-01, or 注销 dated 2099: the field is refused with the API's reason (the row's other fields
    would go in with `partial`), in a dry run as in a real one."""
    header = files.HEADER_A
    rows = [[files.F1, "清河县导入测试羊绒有限公司", "有限责任公司", "存续", "", "2999-01-01", "1000万人民币", "清河县", "",
             "毛条和毛纱线加工", "", ""],
            [files.F3, "清河县导入测试针织加工部", "个体工商户", "注销（2099-06-01）", "", "1800-01-01", "-", "清河县", "",
             "其他针织或钩针编织服装制造", "", ""]]
    report = run(clean, files.csv_bytes(header, rows, "utf-8"), "登记导出.csv")
    refused = {(r["line"], r["field"]): r["reason"] for r in report.rejected}
    assert "不能晚于 2100-12-31" in refused[(2, "成立日期")] and "不能早于 1900-01-01" in refused[(3, "成立日期")]
    assert "不能晚于今天" in refused[(3, "登记状态")]
    assert not any(r["fatal"] for r in report.rejected)
    # the 注销 stands without its date (before: refused whole, and the firm went in as 存续)
    written = run(clean, files.csv_bytes(header, rows, "utf-8"), "登记导出.csv", dry_run=False, partial=True)
    assert written.written
    f3 = firm(clean, files.F3)
    assert f3 is not None and f3["status"] == "deregistered"
    assert f3.get("status_on") != dt.date(2099, 6, 1) and f3.get("registered_on") != dt.date(1800, 1, 1)
