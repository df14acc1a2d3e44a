"""协作配套调查表 (issue 17): the blank sheet with data validation and Chinese instructions, read back through
`import partners` with the registry import's safety rules; unknown partners it names are created; the evidence
column (合同/发票/访谈) is recorded on the relationship. Also the commands as an officer types them."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from chainmap import upkeep, uscc
from chainmap.cli import main
from chainmap.errors import Invalid
from chainmap.imports import partners, survey
from chainmap.imports.reference import Options
from tests import import_files as files
from tests.conftest import POLICIES, counts

P1 = uscc.compose("9", "1", "130534", "T7D00001")   # a partner the graph does not know yet
P2 = uscc.compose("9", "1", "130534", "T7D00002")   # unknown and unnamed: refused
SINCE = [dt.date(2024, 1, 1), dt.date(2024, 2, 1)]
EDGE = ("MATCH (s:Enterprise {uscc: $supplier})-[r:SUPPLIES {kind: $kind, since: $since}]->(c:Enterprise {uscc: $customer}) "
        "RETURN r {.*} AS r")


@pytest.fixture(scope="module")
def firms(graph):
    rows = graph.read("MATCH (e:Enterprise {region: '130534', status: 'active'}) WHERE e.name IS NOT NULL "
                      "RETURN e.uscc AS u ORDER BY e.uscc LIMIT 2")
    yield rows[0]["u"], rows[1]["u"]
    graph.write("MATCH ()-[r:SUPPLIES]->() WHERE r.since IN $since AND r.evidence_kind IS NOT NULL DELETE r", since=SINCE)
    graph.write("UNWIND $keys AS key MATCH (e:Enterprise {uscc: key}) DETACH DELETE e", keys=[P1, P2])
    upkeep.refresh_facts(graph)
    graph.renew()


def filled_sheet(graph, own: str, known_partner: str) -> bytes:
    book = load_workbook(io.BytesIO(survey.partners_template(graph, "130534")))
    sheet = book["协作配套调查表"]
    rows = [[own, "", known_partner, "", "", "", "向本企业供货", SINCE[0], None, "合同", "HT-2024-001"],
            [own, "", P1, "清河县新配套羊绒加工有限公司", "清河县", "企业", "本企业委托其加工", SINCE[1], None, "访谈",
             "2024-03-01 走访"],
            [own, "", known_partner, "", "", "", "向本企业供货", "2024-03-01", None, "口头", ""],
            [own, "", P2, "", "", "", "向本企业供货", "2024-03-01", None, "发票", ""]]
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            sheet.cell(row=r, column=c, value=value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_the_blank_sheet_has_validation_and_instructions(graph):
    book = load_workbook(io.BytesIO(survey.partners_template(graph, "130534")))
    assert book.sheetnames == ["协作配套调查表", "填表说明", "选项"]
    sheet = book["协作配套调查表"]
    assert [c.value for c in sheet[1]] == survey.HEADERS
    validations = {str(v.sqref): v for v in sheet.data_validations.dataValidation}
    assert validations["J2:J501"].formula1 == '"合同,发票,访谈"'
    assert any(v.type == "date" for v in validations.values()) and any(v.type == "textLength" for v in validations.values())
    assert any(v.type == "list" and "选项" in (v.formula1 or "") for v in validations.values())
    assert "清河县（130534）协作配套调查表" in book["填表说明"]["A1"].value
    with pytest.raises(Invalid):
        survey.partners_template(graph, "999999")


def test_the_sheet_reads_back_with_the_same_safety_rules(graph, firms):
    own, known = firms
    data = filled_sheet(graph, own, known)
    before = counts(graph)
    report = partners.import_partners(graph, POLICIES, data, "调查表.xlsx", Options())
    assert counts(graph) == before and report.profile.startswith("partners-survey")
    assert len(report.created) == 2 and report.empty_rows == 0
    refused = {r["line"]: r for r in report.rejected}
    assert set(refused) == {4, 5} and "证据须为合同、发票、访谈" in refused[4]["reason"]
    assert "须填写名称" in refused[5]["reason"]

    assert not partners.import_partners(graph, POLICIES, data, "调查表.xlsx", Options(dry_run=False)).written
    assert counts(graph) == before
    report = partners.import_partners(graph, POLICIES, data, "调查表.xlsx", Options(dry_run=False, partial=True))
    assert report.written
    edge = graph.read(EDGE, supplier=known, customer=own, kind="supplies", since=SINCE[0])
    assert edge and edge[0]["r"]["evidence_kind"] == "合同" and edge[0]["r"]["evidence"] == "合同：HT-2024-001"
    created = graph.read("MATCH (e:Enterprise {uscc: $u}) RETURN e {.*} AS e", u=P1)[0]["e"]
    assert (created["name"], created["region"], created["entity_type"]) == ("清河县新配套羊绒加工有限公司", "130534", "company")
    assert graph.read(EDGE, supplier=P1, customer=own, kind="subcontracts", since=SINCE[1])[0]["r"]["evidence_kind"] == "访谈"
    assert not graph.read("MATCH (e:Enterprise {uscc: $u}) RETURN e", u=P2)

    after = counts(graph)
    again = partners.import_partners(graph, POLICIES, data, "调查表.xlsx", Options(dry_run=False, partial=True))
    assert (len(again.created), len(again.updated), len(again.unchanged)) == (0, 0, 2) and counts(graph) == after


def test_the_commands(graph, tmp_path):
    runner = CliRunner()
    target = tmp_path / "协作配套调查表.xlsx"
    result = runner.invoke(main, ["template", "partners", "--county", "130534", "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert load_workbook(target).sheetnames[0] == "协作配套调查表"
    export = tmp_path / "登记导出.csv"
    export.write_bytes(files.csv_bytes(files.legacy_header_a(), files.rows_a_with_legacy(), "gb18030"))
    before = counts(graph)
    result = runner.invoke(main, ["import", "registry", str(export), "--dry-run", "--report", str(tmp_path / "r.xlsx")])
    assert result.exit_code == 0, result.output
    assert "试运行：未写入任何数据" in result.output and "自动识别为“企业登记信息导出（所属行业单列）”" in result.output
    assert "第4行 统一社会信用代码" in result.output
    assert load_workbook(tmp_path / "r.xlsx")["汇总"]["B1"].value == "登记导出.csv"
    result = runner.invoke(main, ["import", "registry", str(export)])
    assert result.exit_code == 1 and "未写入" in result.output
    assert counts(graph) == before


def test_days_the_api_refuses_are_refused_in_the_sheet_too(graph, firms):
    """A start in 2999 or in 1800, or an end past 2100, is a typing slip that would decide as-of answers and reward
    checks: the row is refused with the API's reason, and nothing is written."""
    own, known = firms
    book = load_workbook(io.BytesIO(survey.partners_template(graph, "130534")))
    sheet = book["协作配套调查表"]
    rows = [[own, "", known, "", "", "", "向本企业供货", "2999-01-01", None, "合同", ""],
            [own, "", known, "", "", "", "向本企业供货", "1800-01-01", None, "合同", ""],
            [own, "", known, "", "", "", "向本企业供货", "2024-05-01", "2999-12-31", "合同", ""],
            [own, "", known, "", "", "", "向本企业供货", "2024-05-02", "2030-12-31", "合同", ""]]
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            sheet.cell(row=r, column=c, value=value)
    out = io.BytesIO()
    book.save(out)
    before = counts(graph)
    report = partners.import_partners(graph, POLICIES, out.getvalue(), "调查表.xlsx", Options(dry_run=False))
    refused = {r["line"]: r["reason"] for r in report.rejected}
    assert "不能晚于 2100-12-31" in refused[2] and "不能早于 1900-01-01" in refused[3]
    assert "不能晚于 2100-12-31" in refused[4] and 5 not in refused  # an end ahead is a planned end
    assert not report.written and counts(graph) == before
