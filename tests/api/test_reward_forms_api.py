"""The 三(三)6 readings through the API (an investor on the introduction), the check history, and the 奖励核定表 as
HTML and XLSX with the same rows as the recorded JSON."""

import io

import pytest
from openpyxl import load_workbook

from chainmap import uscc
from chainmap.provenance import FORM_LABEL
from tests.conftest import reset_seeded


@pytest.fixture(scope="module", autouse=True)
def restore_seeds(graph):
    yield
    reset_seeded(graph)


def _intro(graph, intro_id):
    return graph.read("MATCH (i:Introduction {id: $id}) RETURN i.enterprise AS e, i.cluster AS c", id=intro_id)[0]


def _check(client, keys, enterprise, cluster, as_of="2026-11-27"):
    response = client.post("/api/v1/reward-checks", headers=keys["analyst"],
                           json={"enterprise": enterprise, "cluster": cluster, "as_of": as_of})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_a_local_project_company_is_judged_by_its_investor(client, graph, keys):
    """A new 清河 company (registered in the county, no revenue of its own) introduced with a Beijing investor:
    县域外 passes on the investor's registration, the revenue is the investor's and the verdict says so; without
    the investor the same company fails 县域外 with the contradiction explained."""
    admin = keys["admin"]
    investor = graph.read("MATCH (e:Enterprise {status: 'active', entity_type: 'company'}) "
                          "WHERE e.region STARTS WITH '11' AND NOT EXISTS { (e)-[:SUPPLIES]-() } "
                          "RETURN e.uscc AS u ORDER BY u LIMIT 1")[0]["u"]
    client.patch(f"/api/v1/enterprises/{investor}", headers=admin, json={"revenue_cny": {"2025": 50_000_000}})
    local = uscc.compose("9", "1", "130534", "X0000001")
    created = client.post("/api/v1/enterprises", headers=admin, json={
        "uscc": local, "name": "清河县绒联新材料有限公司", "entity_type": "company", "region": "130534",
        "industry_codes": ["1721"], "revenue_cny": {}})
    assert created.status_code == 201, created.get_json()
    partners = [r["u"] for r in graph.read(
        "MATCH (e:Enterprise {status: 'active', region: '130534', entity_type: 'company'}) "
        "WHERE e.uscc STARTS WITH '9' RETURN e.uscc AS u ORDER BY u LIMIT 5")]
    for p in partners:
        assert client.post(f"/api/v1/enterprises/{local}/partners", headers=admin, json={
            "partner": p, "relation": "supplied_by", "since": "2024-03-01", "evidence": "采购合同"}).status_code == 201
    intro = client.post("/api/v1/introductions", headers=admin, json={
        "id": "intro-project-company", "enterprise": local, "cluster": "qinghe-cashmere", "origin_region": "110105",
        "introduced_on": "2024-01-15", "stage": "landed", "investor": investor})
    assert intro.status_code == 201 and intro.get_json()["investor"] == investor

    check = _check(client, keys, local, "qinghe-cashmere")
    by_rule = {c["rule"]: c for c in check["checks"]}
    assert check["outcome"] == "eligible", by_rule
    assert by_rule["out_of_county"]["status"] == "passed" and "投资方" in by_rule["out_of_county"]["message"]
    assert by_rule["revenue"]["basis"] == {"of": "investor", "uscc": investor,
                                           "name": graph.read("MATCH (e:Enterprise {uscc: $u}) RETURN e.name AS n",
                                                              u=investor)[0]["n"]}
    assert "采用投资方" in by_rule["revenue"]["message"] and "5000万元" in by_rule["revenue"]["message"]
    assert check["introduction"]["investor"] == investor

    # without the investor, the USCC's county contradicts the typed origin
    assert client.patch("/api/v1/introductions/intro-project-company", headers=admin,
                        json={"investor": None}).status_code == 200
    again = _check(client, keys, local, "qinghe-cashmere")
    out = next(c for c in again["checks"] if c["rule"] == "out_of_county")
    assert again["outcome"] == "ineligible" and out["status"] == "failed" and "矛盾" in out["message"]

    # an unknown investor is refused, naming the field
    bad = client.patch("/api/v1/introductions/intro-project-company", headers=admin,
                       json={"investor": uscc.compose("9", "1", "110105", "X0000009")})
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["field"] == "investor"


def test_the_check_history_filters_and_pages(client, graph, keys):
    eligible = _intro(graph, "intro-eligible-5")
    four = _intro(graph, "intro-four-partners")
    made = [_check(client, keys, eligible["e"], eligible["c"])["id"] for _ in range(2)]
    other = _check(client, keys, four["e"], four["c"])["id"]
    listed = client.get(f"/api/v1/reward-checks?enterprise={eligible['e']}", headers=keys["analyst"]).get_json()
    ids = [c["id"] for c in listed["items"]]
    assert set(made) <= set(ids) and other not in ids and listed["total"] == len(ids)
    assert all(c["outcome"] == "eligible" and c["enterprise_name"] for c in listed["items"])
    county = graph.read("MATCH (c:Cluster {id: $id}) RETURN c.county AS c", id=four["c"])[0]["c"]
    by_county = client.get(f"/api/v1/reward-checks?county={county}&outcome=ineligible",
                           headers=keys["analyst"]).get_json()
    assert other in {c["id"] for c in by_county["items"]} and all(c["county"] == county for c in by_county["items"])
    paged = client.get("/api/v1/reward-checks?per_page=1&page=2", headers=keys["analyst"]).get_json()
    assert len(paged["items"]) == 1 and paged["total"] >= 3
    assert client.get("/api/v1/reward-checks?since=2999-01-01", headers=keys["analyst"]).get_json()["total"] == 0
    assert client.get("/api/v1/reward-checks", headers=keys["viewer"]).status_code == 403
    assert client.get("/api/v1/reward-checks?outcome=maybe", headers=keys["analyst"]).status_code == 422


def test_the_form_as_html_and_xlsx_says_what_the_check_says(client, graph, keys):
    i = _intro(graph, "intro-four-partners")
    check = _check(client, keys, i["e"], i["c"])
    html = client.get(f"/api/v1/reward-checks/{check['id']}/form", headers=keys["analyst"])
    assert html.status_code == 200 and html.mimetype == "text/html"
    assert "default-src 'none'" in html.headers["Content-Security-Policy"]
    page = html.get_data(as_text=True)
    for text in ("县域特色产业集群新引进企业协作配套奖励核定表", check["enterprise"]["name"], check["id"],
                 "河北省县域特色产业提质升级工作方案（2021-2025年）三（三）6", check["policy"]["version"],
                 "核查基准日", "2026-11-27", "审核人", "签字", "制表单位", "计入4家，尚差1家", "@page", "A4",
                 FORM_LABEL):  # the seeded firm is synthetic
        assert text in page, text
    for partner in check["partners"]["counted"]:
        assert partner["uscc"] in page and partner["entity_type_name"] in page

    xlsx = client.get(f"/api/v1/reward-checks/{check['id']}/form?format=xlsx", headers=keys["analyst"])
    assert xlsx.status_code == 200 and "attachment" in xlsx.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    rows = [[c for c in row if c is not None] for row in sheet.iter_rows(values_only=True)]
    assert ["数据来源", FORM_LABEL] in rows
    conditions = [r for r in rows if r and r[0] in {c["name"] for c in check["checks"]}]
    assert [(r[0], r[2], r[3]) for r in conditions] == [(c["name"], c["status_name"], c["message"])
                                                         for c in check["checks"]]
    counted = [r for r in rows if len(r) == 6 and r[2] in {p["uscc"] for p in check["partners"]["counted"]}]
    assert [r[2] for r in counted] == [p["uscc"] for p in check["partners"]["counted"]]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)  # no formulas
    assert str(sheet.page_setup.paperSize) == str(sheet.PAPERSIZE_A4) and sheet.page_setup.orientation == "portrait"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth == 1

    assert client.get(f"/api/v1/reward-checks/{check['id']}/form", headers=keys["viewer"]).status_code == 403
    # The label follows the firms: with the firm and its partners real, the form says nothing of samples.
    named = [check["enterprise"]["uscc"], *(p["uscc"] for s in ("counted", "excluded") for p in check["partners"][s])]
    firms = [r["u"] for r in graph.read("UNWIND $u AS u MATCH (e:Enterprise {uscc: u}) WHERE e.synthetic "
                                        "RETURN e.uscc AS u", u=named)]
    graph.write("UNWIND $u AS u MATCH (e:Enterprise {uscc: u}) SET e.synthetic = false", u=firms)
    try:
        page = client.get(f"/api/v1/reward-checks/{check['id']}/form", headers=keys["analyst"]).get_data(as_text=True)
        assert check["enterprise"]["name"] in page and "合成" not in page
    finally:
        graph.write("UNWIND $u AS u MATCH (e:Enterprise {uscc: u}) SET e.synthetic = true", u=firms)
    assert client.get(f"/api/v1/reward-checks/{check['id']}/form?format=pdf",
                      headers=keys["analyst"]).status_code == 422
    assert client.get("/api/v1/reward-checks/rc-20260101-0000000000/form", headers=keys["analyst"]).status_code == 404
