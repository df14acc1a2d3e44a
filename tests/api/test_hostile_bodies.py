"""Hostile but well-formed bodies get a 4xx problem naming the field or the body, never a 500 (issue 14, item 5);
names are stored in NFC and refuse hidden characters with a 422 naming the field (item 6). The graph is unchanged
by every refused request."""

from __future__ import annotations

import unicodedata

import pytest

from chainmap import uscc
from tests.conftest import counts, reset_seeded

NODES = "/api/v1/clusters/qinghe-cashmere/nodes"


@pytest.fixture(scope="module", autouse=True)
def restore_seeds(graph):
    yield
    reset_seeded(graph)


def post_raw(client, keys, path, text):
    return client.post(path, data=text.encode("utf-8", "surrogatepass"),
                       headers={**keys["admin"], "Content-Type": "application/json"})


def assert_problem(response, status_range, field):
    assert response.status_code in status_range, response.get_data(as_text=True)[:300]
    assert response.content_type == "application/problem+json"
    problem = response.get_json()
    named = [e["field"] for e in problem.get("errors", [])]
    assert field in named or field in problem.get("detail", ""), problem


@pytest.mark.parametrize("path", [NODES, "/api/v1/enterprises", "/api/v1/introductions", "/api/v1/clusters"])
def test_json_nested_1000_deep(client, graph, keys, path):
    before = counts(graph)
    response = post_raw(client, keys, path, "[" * 1000 + "]" * 1000)
    assert_problem(response, range(400, 500), "body")
    nested = '{"key": "deep", "name": "x", "stage": "midstream", "industry_codes": ["1721"], "keywords": ' + \
             "[" * 1000 + "]" * 1000 + "}"
    assert_problem(post_raw(client, keys, path, nested), range(400, 500), "body")
    assert counts(graph) == before


def test_integer_of_5001_digits(client, graph, keys):
    before = counts(graph)
    code = uscc.compose("9", "1", "130534", "H0000001")
    huge = "9" * 5001
    text = ('{"uscc": "' + code + '", "name": "巨数测试", "entity_type": "company", "region": "130534", '
            '"revenue_cny": {"2024": ' + huge + '}}')
    assert_problem(post_raw(client, keys, "/api/v1/enterprises", text), range(400, 500), "revenue_cny.2024")
    text = '{"name": "x", "id": "x-probe", "county": "130534", "category": "时尚消费", "revenue_100m_cny": 1e5000}'
    assert_problem(post_raw(client, keys, "/api/v1/clusters", text), range(400, 500), "revenue_100m_cny")
    text = '{"name": "x", "id": "x-probe", "county": "130534", "category": "时尚消费", "revenue_100m_cny": NaN}'
    assert_problem(post_raw(client, keys, "/api/v1/clusters", text), range(400, 500), "revenue_100m_cny")
    assert counts(graph) == before


def test_lone_surrogate_in_a_name(client, graph, keys):
    before = counts(graph)
    text = '{"key": "surrogate", "name": "坏\\ud800名", "stage": "midstream", "industry_codes": ["1721"]}'
    assert_problem(post_raw(client, keys, NODES, text), range(400, 500), "name")
    text = '{"mark": "gap", "reason": "\\udfff"}'
    assert_problem(client.put(f"{NODES}/dyeing/mark", data=text,
                              headers={**keys["admin"], "Content-Type": "application/json"}), range(400, 500), "reason")
    assert_problem(post_raw(client, keys, NODES, '{"\\ud800": 1}'), range(400, 500), "body")
    assert_problem(client.post(NODES, data=b'{"name": "\xff\xfe"}',
                               headers={**keys["admin"], "Content-Type": "application/json"}), range(400, 500), "body")
    assert counts(graph) == before


def test_a_key_given_twice_is_refused_not_guessed(client, graph, keys):
    firm = graph.read("MATCH (e:Enterprise {region: '130534'}) RETURN e.uscc AS u, e.name AS name ORDER BY e.uscc LIMIT 1")[0]
    response = client.patch(f"/api/v1/enterprises/{firm['u']}", data='{"name": "甲", "name": "乙"}',
                            headers={**keys["admin"], "Content-Type": "application/json"})
    assert_problem(response, range(422, 423), "name")
    text = '{"items": [{"uscc": "x", "region": "130534", "region": "130535"}]}'
    assert_problem(post_raw(client, keys, "/api/v1/enterprises", text), range(422, 423), "items.0.region")
    assert graph.read("MATCH (e:Enterprise {uscc: $u}) RETURN e.name AS name", u=firm["u"])[0]["name"] == firm["name"]


HIDDEN = ["\u202e", "\u202a", "\u2066", "\u2069", "\u200b", "\u200d", "\u200e", "\ufeff", "\u2028", "\u2029",
          "\u0000", "\u001b", "\u0085", "\u009b", "\u061c", "\u2060",
          # render as nothing (attacker review): variation selector, grapheme joiner, Mongolian selector, tag letter,
          # soft hyphen, Hangul filler
          "\ufe0f", "\u034f", "\u180e", "\U000e0049", "\u00ad", "\u3164"]


@pytest.mark.parametrize("char", HIDDEN, ids=lambda c: f"U+{ord(c):04X}")
def test_names_refuse_hidden_characters(client, graph, keys, char):
    before = counts(graph)
    response = client.post(NODES, headers=keys["admin"], json={"key": f"hidden-{ord(char):x}", "name": f"羊绒{char}纺纱",
                                                               "stage": "midstream", "industry_codes": ["1721"]})
    assert_problem(response, {422}, "name")
    assert f"U+{ord(char):04X}" in response.get_json()["detail"]
    response = client.patch("/api/v1/clusters/qinghe-cashmere", headers=keys["admin"], json={"name": f"清河{char}羊绒"})
    assert_problem(response, {422}, "name")
    response = client.put("/api/v1/clusters/qinghe-cashmere/nodes/design/mark", headers=keys["admin"],
                          json={"mark": "weak", "reason": f"依赖进口{char}"})
    assert_problem(response, {422}, "reason")
    assert counts(graph) == before


def test_names_are_stored_in_nfc(client, graph, keys):
    decomposed = "Cafe\u0301 羊绒"  # e + combining acute
    assert unicodedata.normalize("NFC", decomposed) != decomposed
    response = client.post(NODES, headers=keys["admin"], json={"key": "nfc-probe", "name": decomposed,
                                                               "stage": "midstream", "industry_codes": ["1721"]})
    assert response.status_code == 201, response.get_json()
    stored = graph.read("MATCH (n:ChainNode {id: 'qinghe-cashmere.nfc-probe'}) RETURN n.name AS name")[0]["name"]
    assert stored == unicodedata.normalize("NFC", decomposed) == "Café 羊绒"
