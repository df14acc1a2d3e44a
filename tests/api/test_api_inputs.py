"""Bad input per endpoint: a 4xx problem+json naming the field and the reason, and the graph exactly as it was."""

import re

import marshmallow as ma
import pytest
from marshmallow import validate

from api import wording
from chainmap import uscc
from tests.conftest import HAN, assert_chinese_problem, counts, reset_seeded

BJ_FIRM = "MATCH (e:Enterprise) WHERE e.region STARTS WITH '11' RETURN e.uscc AS u ORDER BY e.uscc LIMIT 1"
LOCAL = ("MATCH (e:Enterprise {region: '130534', status: 'active', entity_type: 'company'}) RETURN e.uscc AS u "
         "ORDER BY e.uscc LIMIT 1")
UNKNOWN_USCC = uscc.compose("9", "1", "130534", "YY999999")
BAD_CHECK = UNKNOWN_USCC[:17] + ("1" if UNKNOWN_USCC[17] != "1" else "2")
ENTERPRISE = {"uscc": UNKNOWN_USCC, "name": "清河县测试有限公司", "entity_type": "company", "region": "130534",
              "industry_codes": ["1721"]}
NODE = {"key": "probe", "name": "探针", "stage": "midstream", "industry_codes": ["1721"]}

# (id, method, path, json, status, field that must be named or a phrase of the detail)
CASES = [
    ("page too big", "GET", "/api/v1/clusters?per_page=500", None, 422, "per_page"),
    ("unknown query arg", "GET", "/api/v1/clusters?colour=red", None, 422, "colour"),
    ("bad category", "GET", "/api/v1/clusters?category=钢铁", None, 422, "category"),
    ("malformed cluster id", "GET", "/api/v1/clusters/Qinghe%20Cashmere", None, 422, "cluster_id"),
    ("unknown cluster", "GET", "/api/v1/clusters/no-such-cluster", None, 404, "no-such-cluster"),
    ("unknown cluster chain", "GET", "/api/v1/clusters/no-such-cluster/chain", None, 404, "no-such-cluster"),
    ("cluster missing fields", "POST", "/api/v1/clusters", {}, 422, "county"),
    ("cluster unknown field", "POST", "/api/v1/clusters",
     {"id": "x-probe", "name": "x", "county": "130534", "category": "时尚消费", "owner": "me"}, 422, "owner"),
    ("cluster outside Hebei", "POST", "/api/v1/clusters",
     {"id": "x-probe", "name": "x", "county": "110105", "category": "时尚消费"}, 422, "county"),
    ("cluster unknown county", "POST", "/api/v1/clusters",
     {"id": "x-probe", "name": "x", "county": "139999", "category": "时尚消费"}, 422, "county"),
    ("duplicate cluster", "POST", "/api/v1/clusters",
     {"id": "qinghe-cashmere", "name": "x", "county": "130534", "category": "时尚消费"}, 409, "冲突"),
    ("cluster id with cypher", "POST", "/api/v1/clusters",
     {"id": "x'}) MATCH (n) DETACH DELETE n //", "name": "x", "county": "130534", "category": "时尚消费"}, 422, "id"),
    ("control characters", "POST", "/api/v1/clusters",
     {"id": "x-probe", "name": "坏\u0000名", "county": "130534", "category": "时尚消费"}, 422, "name"),
    ("very long name", "POST", "/api/v1/clusters",
     {"id": "x-probe", "name": "长" * 5000, "county": "130534", "category": "时尚消费"}, 422, "name"),
    ("wrong type", "PATCH", "/api/v1/clusters/qinghe-cashmere", {"revenue_year": "last year"}, 422, "revenue_year"),
    ("node unknown class", "POST", "/api/v1/clusters/qinghe-cashmere/nodes", {**NODE, "industry_codes": ["9999"]},
     422, "industry_codes"),
    ("node bad stage", "POST", "/api/v1/clusters/qinghe-cashmere/nodes", {**NODE, "stage": "sideways"}, 422, "stage"),
    ("duplicate node", "POST", "/api/v1/clusters/qinghe-cashmere/nodes", {**NODE, "key": "spinning"}, 409, "冲突"),
    ("patch unknown node", "PATCH", "/api/v1/clusters/qinghe-cashmere/nodes/nope", {"name": "x"}, 404, "nope"),
    ("delete occupied node", "DELETE", "/api/v1/clusters/qinghe-cashmere/nodes/spinning", None, 409, "家市场主体"),
    ("edge to itself", "POST", "/api/v1/clusters/qinghe-cashmere/edges",
     {"from": "spinning", "to": "spinning", "kind": "material"}, 422, "to"),
    ("edge bad kind", "POST", "/api/v1/clusters/qinghe-cashmere/edges",
     {"from": "spinning", "to": "weaving", "kind": "love"}, 422, "kind"),
    ("edge duplicate", "POST", "/api/v1/clusters/qinghe-cashmere/edges",
     {"from": "spinning", "to": "weaving", "kind": "material"}, 409, "已有"),
    ("service edge from production", "POST", "/api/v1/clusters/qinghe-cashmere/edges",
     {"from": "spinning", "to": "garments", "kind": "service"}, 422, "kind"),
    ("edge unknown node", "POST", "/api/v1/clusters/qinghe-cashmere/edges",
     {"from": "spinning", "to": "nope", "kind": "material"}, 404, "nope"),
    ("delete missing edge", "DELETE", "/api/v1/clusters/qinghe-cashmere/edges/garments/raw-trading", None, 404,
     "没有"),
    ("mark without reason", "PUT", "/api/v1/clusters/qinghe-cashmere/nodes/dyeing/mark", {"mark": "gap"}, 422,
     "reason"),
    ("mark bad value", "PUT", "/api/v1/clusters/qinghe-cashmere/nodes/dyeing/mark", {"mark": "meh", "reason": "x"},
     422, "mark"),
    ("enterprise region not digits", "GET", "/api/v1/enterprises?region=hebei", None, 422, "region"),
    ("enterprise malformed uscc", "GET", "/api/v1/enterprises/12345", None, 422, "uscc"),
    ("enterprise bad checksum", "GET", f"/api/v1/enterprises/{BAD_CHECK}", None, 422, "uscc"),
    ("enterprise unknown", "GET", f"/api/v1/enterprises/{UNKNOWN_USCC}", None, 404, UNKNOWN_USCC),
    ("create bad checksum", "POST", "/api/v1/enterprises", {**ENTERPRISE, "uscc": BAD_CHECK}, 422, "uscc"),
    ("create unknown region", "POST", "/api/v1/enterprises", {**ENTERPRISE, "region": "139999"}, 422, "region"),
    ("create unknown chain node", "POST", "/api/v1/enterprises",
     {**ENTERPRISE, "chain_nodes": ["qinghe-cashmere.nope"]}, 422, "chain_nodes"),
    ("create bad revenue year", "POST", "/api/v1/enterprises", {**ENTERPRISE, "revenue_cny": {"20x4": 1}}, 422,
     "revenue_cny"),
    ("create negative revenue", "POST", "/api/v1/enterprises", {**ENTERPRISE, "revenue_cny": {"2024": -5}}, 422,
     "revenue_cny"),
    ("create branch without parent", "POST", "/api/v1/enterprises", {**ENTERPRISE, "entity_type": "branch"}, 422,
     "group"),
    ("create batch too big", "POST", "/api/v1/enterprises", {"items": [ENTERPRISE] * 501}, 422, "items"),
    ("create batch one bad", "POST", "/api/v1/enterprises",
     {"items": [ENTERPRISE, {**ENTERPRISE, "uscc": BAD_CHECK}]}, 422, "items.1.uscc"),
    ("create unknown field", "POST", "/api/v1/enterprises", {**ENTERPRISE, "ceo": "x"}, 422, "ceo"),
    ("create body is a list", "POST", "/api/v1/enterprises", [ENTERPRISE], 422, "body"),
    ("patch bad status", "PATCH", "LOCAL", {"status": "sleeping"}, 422, "status"),
    ("partner bad relation", "POST", "LOCAL/partners", {"partner": UNKNOWN_USCC, "relation": "likes",
                                                        "since": "2024-01-01"}, 422, "relation"),
    ("partner unknown", "POST", "LOCAL/partners", {"partner": UNKNOWN_USCC, "relation": "supplies_to",
                                                   "since": "2024-01-01"}, 422, "partner"),
    ("partner dates backwards", "POST", "LOCAL/partners", {"partner": "BJ", "relation": "supplies_to",
                                                           "since": "2024-01-01", "until": "2023-01-01"}, 422, "until"),
    ("partner bad date", "POST", "LOCAL/partners", {"partner": "BJ", "relation": "supplies_to",
                                                    "since": "2024-02-30"}, 422, "since"),
    ("introduction unknown cluster", "POST", "/api/v1/introductions",
     {"enterprise": "BJ", "cluster": "no-such", "origin_region": "110105", "introduced_on": "2024-01-01"}, 422,
     "cluster"),
    ("introduction bad stage", "POST", "/api/v1/introductions",
     {"enterprise": "BJ", "cluster": "qinghe-cashmere", "origin_region": "110105", "introduced_on": "2024-01-01",
      "stage": "married"}, 422, "stage"),
    ("introduction unknown origin", "POST", "/api/v1/introductions",
     {"enterprise": "BJ", "cluster": "qinghe-cashmere", "origin_region": "119999", "introduced_on": "2024-01-01"},
     422, "origin_region"),
    ("duplicate introduction", "POST", "/api/v1/introductions",
     {"id": "intro-eligible-5", "enterprise": "BJ", "cluster": "qinghe-cashmere", "origin_region": "110105",
      "introduced_on": "2024-01-01"}, 409, "冲突"),
    ("patch unknown introduction", "PATCH", "/api/v1/introductions/intro-nope", {"stage": "landed"}, 404, "intro-nope"),
    # Days a record cannot carry: in the future where the thing must have happened, or a typing slip far off.
    ("reward check in the future", "POST", "/api/v1/reward-checks",
     {"enterprise": "BJ", "cluster": "qinghe-cashmere", "as_of": "2999-01-01"}, 422, "as_of"),
    ("partner starts in the future", "POST", "LOCAL/partners", {"partner": "BJ", "relation": "supplies_to",
                                                                "since": "2999-01-01"}, 422, "since"),
    ("partner ends in 9999", "POST", "LOCAL/partners", {"partner": "BJ", "relation": "supplies_to",
                                                        "since": "2024-01-01", "until": "9999-12-31"}, 422, "until"),
    ("registered on day one", "POST", "/api/v1/enterprises", {**ENTERPRISE, "registered_on": "0001-01-01"}, 422,
     "registered_on"),
    ("registered in the future", "PATCH", "LOCAL", {"registered_on": "2999-01-01"}, 422, "registered_on"),
    ("status dated 1800", "PATCH", "LOCAL", {"status": "deregistered", "status_on": "1800-01-01"}, 422, "status_on"),
    ("introduction moved into the future", "PATCH", "/api/v1/introductions/intro-eligible-5",
     {"introduced_on": "2999-01-01"}, 422, "introduced_on"),
    ("mark dated day one", "PUT", "/api/v1/clusters/qinghe-cashmere/nodes/dyeing/mark",
     {"mark": "gap", "reason": "测试", "on": "0001-01-01"}, 422, "on"),
    ("repeated industry code", "POST", "/api/v1/enterprises", {**ENTERPRISE, "industry_codes": ["1721", "1721"]},
     422, "industry_codes"),
    ("figure left without metric", "PATCH", "/api/v1/clusters/anping-wire-mesh", {"revenue_metric": None}, 422,
     "revenue_metric"),
    ("year left without figure", "PATCH", "/api/v1/clusters/anping-wire-mesh", {"revenue_100m_cny": None}, 422,
     "revenue_year"),
    ("revenue zero", "PATCH", "/api/v1/clusters/qinghe-cashmere", {"revenue_100m_cny": 0}, 422, "revenue_100m_cny"),
    ("name of spaces only", "PATCH", "LOCAL", {"name": "   "}, 422, "name"),
    ("note of full-width spaces only", "POST", "/api/v1/introductions/intro-eligible-5/notes", {"text": "\u3000\u3000"},
     422, "text"),
    ("termination reason of spaces only", "POST", "/api/v1/introductions/intro-eligible-5/stages",
     {"stage": "terminated", "reason": " \t "}, 422, "reason"),
    # Types and repeats a strict reader refuses (review): a number as text, a link or a query parameter given twice.
    ("amount as text", "PATCH", "/api/v1/introductions/intro-eligible-5", {"amount_10k_cny": "12.5"}, 422,
     "amount_10k_cny"),
    ("revenue figure as text", "PATCH", "/api/v1/clusters/qinghe-cashmere", {"revenue_100m_cny": "120"}, 422,
     "revenue_100m_cny"),
    ("repeated chain node", "PATCH", "LOCAL", {"chain_nodes": ["qinghe-cashmere.spinning", "qinghe-cashmere.spinning"]},
     422, "chain_nodes"),
    ("repeated query parameter", "GET", "/api/v1/enterprises?region=13&region=13", None, 422, "region"),
    ("as of a slip of a year", "GET", "/api/v1/map/counties.geojson?as_of=0776-11-13", None, 422, "as_of"),
    ("repeated value of a list parameter", "GET", "/api/v1/reports/gaps?status=gap&status=gap", None, 422, "status"),
    ("repeated project node", "PATCH", "/api/v1/introductions/intro-eligible-5",
     {"nodes": ["qinghe-cashmere.spinning", "qinghe-cashmere.spinning"]}, 422, "nodes"),
    ("node firms unknown node", "GET", "/api/v1/clusters/qinghe-cashmere/nodes/nope/enterprises", None, 404,
     "产业集群 qinghe-cashmere 没有环节 nope"),
    ("node firms unknown cluster", "GET", "/api/v1/clusters/no-such-cluster/nodes/spinning/enterprises", None, 404,
     "没有编号为 no-such-cluster 的产业集群"),
]


@pytest.fixture(scope="module", autouse=True)
def restore_seeds(graph):
    yield
    reset_seeded(graph)


def resolve(graph, path, body):
    local = graph.read(LOCAL)[0]["u"]
    bj = graph.read(BJ_FIRM)[0]["u"]
    path = path.replace("LOCAL", f"/api/v1/enterprises/{local}")
    if isinstance(body, dict):
        body = {k: (bj if v == "BJ" else v) for k, v in body.items()}
    return path, body


@pytest.mark.parametrize("name, method, path, body, status, field", CASES, ids=[c[0] for c in CASES])
def test_bad_input(client, graph, keys, name, method, path, body, status, field):
    path, body = resolve(graph, path, body)
    before = counts(graph)
    response = client.open(path, method=method, json=body, headers=keys["admin"])
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type == "application/problem+json"
    problem = response.get_json()
    assert problem["status"] == status and problem["title"] and problem["instance"] == path.split("?")[0]
    named = [e["field"] for e in problem.get("errors", [])]
    assert any(n == field or n.startswith(field + ".") for n in named) or field in problem.get("detail", ""), problem
    assert "Traceback" not in response.get_data(as_text=True) and "MATCH" not in problem.get("detail", "")
    assert_chinese_problem(problem)
    assert counts(graph) == before


def test_a_refused_figure_change_leaves_the_cluster_as_it_was(client, graph, keys):
    before = client.get("/api/v1/clusters/anping-wire-mesh", headers=keys["viewer"]).get_json()["revenue"]
    assert before["metric"] and before["value_100m_cny"]
    for change in ({"revenue_metric": None}, {"revenue_100m_cny": None}, {"revenue_metric": "", "name": "改名"}):
        assert client.patch("/api/v1/clusters/anping-wire-mesh", json=change, headers=keys["admin"]).status_code == 422
    after = client.get("/api/v1/clusters/anping-wire-mesh", headers=keys["viewer"]).get_json()
    assert after["revenue"] == before and after["name"] != "改名"
    cleared = {"revenue_100m_cny": None, "revenue_year": None, "revenue_metric": None}
    assert client.patch("/api/v1/clusters/anping-wire-mesh", json=cleared, headers=keys["admin"]).status_code == 200


@pytest.mark.parametrize("content_type, body, status", [
    ("text/plain", "hello", 415),
    ("text/plain", "", 415),
    ("application/x-www-form-urlencoded", "id=x", 415),
    ("application/json", "{not json", 400),
])
def test_bodies_that_are_not_json(client, graph, keys, content_type, body, status):
    before = counts(graph)
    response = client.post("/api/v1/clusters", data=body, headers={**keys["admin"], "Content-Type": content_type})
    assert response.status_code == status and response.content_type == "application/problem+json"
    assert_chinese_problem(response.get_json())
    assert counts(graph) == before


def test_oversized_body(client, graph, keys):
    before = counts(graph)
    response = client.post("/api/v1/enterprises", data=b"[" + b"0," * 3_000_000 + b"0]",
                           headers={**keys["admin"], "Content-Type": "application/json"})
    assert response.status_code == 413 and response.content_type == "application/problem+json"
    assert_chinese_problem(response.get_json())
    assert counts(graph) == before


@pytest.mark.parametrize("hostile", [
    "MATCH (n) DETACH DELETE n", "'; DROP TABLE x; --", "`backticks` {braces} $param", "\"quoted\" 'single'",
    "羊绒 cashmere кашемир 🐐", "ｆｕｌｌｗｉｄｔｈ　ｓｐａｃｅ",
])
def test_hostile_strings_are_just_data(client, graph, keys, hostile):
    nodes_before = graph.read("MATCH (n) WHERE NOT (n:AuditEntry OR n:AuditState) RETURN count(n) AS n")[0]["n"]
    key = f"hostile-{abs(hash(hostile)) % 10**8}"
    response = client.post("/api/v1/clusters/qinghe-cashmere/nodes", headers=keys["admin"],
                           json={**NODE, "key": key, "name": hostile[:60], "keywords": [hostile[:30]]})
    assert response.status_code == 201, response.get_json()
    assert graph.read("MATCH (n) WHERE NOT (n:AuditEntry OR n:AuditState) RETURN count(n) AS n")[0]["n"] == nodes_before + 1
    chain = client.get("/api/v1/clusters/qinghe-cashmere/chain", headers=keys["admin"]).get_json()
    stored = next(n for n in chain["nodes"] if n["key"] == key)
    assert stored["name"] == hostile[:60] and stored["keywords"] == [hostile[:30]]


def test_etag_and_if_none_match(client, keys):
    first = client.get("/api/v1/clusters/qinghe-cashmere/chain", headers=keys["viewer"])
    etag = first.headers["ETag"]
    again = client.get("/api/v1/clusters/qinghe-cashmere/chain", headers={**keys["viewer"], "If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert client.put("/api/v1/clusters/qinghe-cashmere/nodes/weaving/mark", headers=keys["admin"],
                      json={"mark": "gap", "reason": "etag probe"}).status_code == 204
    changed = client.get("/api/v1/clusters/qinghe-cashmere/chain", headers={**keys["viewer"], "If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag


@pytest.mark.parametrize("validator, value", [
    *[(validate.Range(0, 20000.0, min_inclusive=low, max_inclusive=high), -1) for low in (True, False)
      for high in (True, False)],
    (validate.Range(min=0, min_inclusive=False), 0), (validate.Range(min=1), 0),
    (validate.Range(max=5, max_inclusive=False), 5), (validate.Range(max=5), 6),
    (validate.Length(min=2), "x"), (validate.Length(max=1), "xy"), (validate.Length(1, 3), ""),
    (validate.Length(equal=2), "x"), (validate.Equal(3), 4), (validate.OneOf(["a"]), "b"),
    (validate.ContainsOnly(["a"]), ["b"]), (validate.ContainsNoneOf(["a"]), ["a"]),
    (validate.Regexp("^a$"), "b"),
])
def test_every_validator_reason_is_chinese(validator, value):
    """Each bound inclusive or exclusive, one- and two-sided: no half-translated reason (须大于 0 且小于 or equal to …)."""
    with pytest.raises(ma.ValidationError) as error:
        validator(value)
    text = wording.reason(error.value.messages[0])
    assert HAN.search(text) and not re.search("[A-Za-z]{2,}", text), text  # the values here are digits or one letter


def test_a_list_parameter_may_repeat(client, keys):
    """Only a parameter that takes a list may be given twice (status=gap&status=weak)."""
    response = client.get("/api/v1/reports/gaps?status=gap&status=weak", headers=keys["viewer"])
    assert response.status_code == 200, response.get_json()
    assert {r["status"] for r in response.get_json()["items"]} <= {"gap", "weak"}


def test_who_is_asking_is_answered_before_what_they_sent(client, graph):
    """A caller without a valid key gets its 401 whatever its body: a 415 first let it probe without ever counting
    as a failed key."""
    before = counts(graph)
    for headers in ({}, {"Authorization": "Bearer cmk_bad_x"}):
        response = client.put("/api/v1/clusters/qinghe-cashmere/nodes/design/mark", data="x",
                              headers={**headers, "Content-Type": "text/plain"})
        assert response.status_code == 401 and response.content_type == "application/problem+json"
    assert counts(graph) == before
