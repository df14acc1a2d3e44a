"""京津招商目标清单: format=xlsx on the recommendations gives the same list as the JSON, in Chinese, ready to forward."""

import io

from openpyxl import load_workbook

from chainmap.recommendations.sheet import FEATURE_NAMES

URL = "/api/v1/clusters/anping-wire-mesh/recommendations?node=membrane&limit=5"


def test_the_sheet_is_the_list(client, keys, graph):
    listed = client.get(URL, headers=keys["viewer"]).get_json()
    response = client.get(URL + "&format=xlsx", headers=keys["viewer"])
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    assert "filename*=UTF-8''" in response.headers["Content-Disposition"] and response.headers["ETag"]
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert "京津招商目标清单" in rows[0][0] and "安平" in rows[0][0] and rows[1][0].startswith("制表单位：")
    assert any(str(v).startswith("截至日期：") for v in rows[1] if v)
    header = rows[2]
    assert header[:8] == ("序号", "产业链环节", "环节状态", "企业名称", "统一社会信用代码", "所在地", "距集群（公里）",
                          "得分（满分1）")
    assert all(f"{name}得分" in header for name in FEATURE_NAMES.values())
    body = rows[3:3 + len(listed["items"])]
    synthetic = graph.read("UNWIND $u AS u MATCH (e:Enterprise {uscc: u}) WHERE e.synthetic RETURN count(e) AS n",
                           u=[i["enterprise"]["uscc"] for i in listed["items"]])[0]["n"]
    assert synthetic and rows[-1][0].startswith("注：") and f"所列企业中有{synthetic}家为合成样例数据" in rows[-1][0]
    assert [r[4] for r in body] == [i["enterprise"]["uscc"] for i in listed["items"]]
    for row, item in zip(body, listed["items"], strict=True):
        parts = row[8:8 + len(FEATURE_NAMES)]
        assert row[7] == item["score"] and abs(sum(parts) - item["score"]) < 1e-5
        assert all(reason in row[15] for reason in item["reasons"]) and all(c in row[16] for c in item["cautions"])
        district = graph.read("MATCH (r:Region {adcode: $a}) RETURN r.name AS n", a=item["enterprise"]["region"])[0]["n"]
        assert district in row[5] and row[2] == "缺链"
    assert sheet.freeze_panes == "A4"


def test_a_bad_format_is_a_problem(client, keys):
    response = client.get(URL + "&format=pdf", headers=keys["viewer"])
    assert response.status_code == 422 and response.content_type == "application/problem+json"
    assert "format" in {e["field"] for e in response.get_json()["errors"]}


def test_the_sheet_of_another_unit_is_another_file(client, keys, graph):
    """制表单位 is the calling key's label: a tag one key got is not a 304 for a key of another unit."""
    from chainmap.api_keys import create_key

    first = client.get(URL + "&format=xlsx", headers=keys["viewer"])
    tag = first.headers["ETag"]
    assert client.get(URL + "&format=xlsx", headers={**keys["viewer"], "If-None-Match": tag}).status_code == 304
    other = {"Authorization": f"Bearer {create_key(graph, 'viewer', [], label='安平县商务局')}", "If-None-Match": tag}
    response = client.get(URL + "&format=xlsx", headers=other)
    assert response.status_code == 200 and response.headers["ETag"] != tag
