"""Identical writes sent at once through gunicorn: the database lets exactly one through (201), every other request
is a 409 problem naming what is already there, and the graph holds one copy (issue 14, item 1)."""

from __future__ import annotations

import itertools
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from chainmap import uscc
from tests.conftest import reset_seeded
from tests.gunicorn_proc import gunicorn

PARALLEL = 16
_serial = itertools.count(1)


@pytest.fixture(scope="module")
def busy_server(graph, tmp_path_factory):
    """Enough workers (and threads) that the identical requests really run at the same time."""
    with gunicorn(tmp_path_factory.mktemp("concurrent"), CHAINMAP_WORKERS="4") as base:
        yield base
    reset_seeded(graph)


def at_once(method: str, url: str, body: dict, headers: dict, n: int = PARALLEL) -> list[requests.Response]:
    """n identical requests released together by a barrier, each on its own connection."""
    barrier = threading.Barrier(n)

    def one(_):
        with requests.Session() as session:
            prepared = session.prepare_request(requests.Request(method, url, json=body, headers=headers))
            barrier.wait()
            return session.send(prepared, timeout=60)

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(one, range(n)))


def assert_one_created(responses: list[requests.Response], *names: str) -> None:
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [409] * (len(responses) - 1), [(r.status_code, r.text[:200]) for r in responses]
    for r in responses:
        if r.status_code == 409:
            assert r.headers["Content-Type"] == "application/problem+json"
            detail = r.json()["detail"]
            assert all(name in detail for name in names), detail


def new_firm(region: str, code: str) -> str:
    return uscc.compose("9", "1", region, f"C{next(_serial):07d}")


def make_firm(server, keys, region: str) -> str:
    code = new_firm(region, "C")
    body = {"uscc": code, "name": f"并发测试企业{code[-6:]}", "entity_type": "company", "region": region,
            "industry_codes": ["1721"], "revenue_cny": {"2024": 60_000_000}}
    response = requests.post(f"{server}/api/v1/enterprises", json=body, headers=keys["admin"], timeout=30)
    assert response.status_code == 201, response.text
    return code


def test_parallel_identical_partner_links_store_one(busy_server, graph, keys):
    local, other = make_firm(busy_server, keys, "130534"), make_firm(busy_server, keys, "130534")
    body = {"partner": other, "relation": "supplies_to", "since": "2024-03-01", "evidence": "并发测试"}
    responses = at_once("POST", f"{busy_server}/api/v1/enterprises/{local}/partners", body, keys["editor"])
    assert_one_created(responses, local, other, "2024-03-01")
    stored = graph.read("MATCH (:Enterprise {uscc: $a})-[r:SUPPLIES]-(:Enterprise {uscc: $b}) RETURN count(r) AS n",
                        a=local, b=other)
    assert stored[0]["n"] == 1


def test_parallel_identical_enterprise_creates_store_one(busy_server, graph, keys):
    code = new_firm("130534", "E")
    body = {"uscc": code, "name": "并发创建测试有限公司", "entity_type": "company", "region": "130534",
            "industry_codes": ["1721"]}
    responses = at_once("POST", f"{busy_server}/api/v1/enterprises", body, keys["editor"])
    assert_one_created(responses, code)
    assert graph.read("MATCH (e:Enterprise {uscc: $u}) RETURN count(e) AS n", u=code)[0]["n"] == 1


def test_parallel_identical_chain_edges_store_one(busy_server, graph, keys):
    n = next(_serial)
    for key in (f"cc-a-{n}", f"cc-b-{n}"):
        response = requests.post(f"{busy_server}/api/v1/clusters/qinghe-cashmere/nodes", headers=keys["admin"],
                                 json={"key": key, "name": "并发环节", "stage": "midstream", "industry_codes": ["1721"]},
                                 timeout=30)
        assert response.status_code == 201, response.text
    body = {"from": f"cc-a-{n}", "to": f"cc-b-{n}", "kind": "material"}
    responses = at_once("POST", f"{busy_server}/api/v1/clusters/qinghe-cashmere/edges", body, keys["editor"])
    assert_one_created(responses, f"cc-a-{n}", f"cc-b-{n}")
    stored = graph.read("MATCH (:ChainNode {id: $a})-[r]->(:ChainNode {id: $b}) RETURN count(r) AS n",
                        a=f"qinghe-cashmere.cc-a-{n}", b=f"qinghe-cashmere.cc-b-{n}")
    assert stored[0]["n"] == 1


def test_parallel_identical_introductions_store_one(busy_server, graph, keys):
    firm = make_firm(busy_server, keys, "110105")
    body = {"enterprise": firm, "cluster": "qinghe-cashmere", "origin_region": "110105",
            "introduced_on": "2024-06-01", "stage": "contacted"}
    responses = at_once("POST", f"{busy_server}/api/v1/introductions", body, keys["editor"])
    assert_one_created(responses, firm, "qinghe-cashmere")
    created = next(r for r in responses if r.status_code == 201).json()["id"]
    assert all(created in r.json()["detail"] for r in responses if r.status_code == 409)
    stored = graph.read("MATCH (i:Introduction)-[:OF]->(:Enterprise {uscc: $u}) RETURN count(i) AS n", u=firm)
    assert stored[0]["n"] == 1


def test_a_second_introduction_later_is_refused_too(busy_server, graph, keys):
    firm = make_firm(busy_server, keys, "110108")
    body = {"enterprise": firm, "cluster": "qinghe-cashmere", "origin_region": "110108", "introduced_on": "2024-06-01"}
    first = requests.post(f"{busy_server}/api/v1/introductions", json=body, headers=keys["editor"], timeout=30)
    assert first.status_code == 201, first.text
    second = requests.post(f"{busy_server}/api/v1/introductions", json={**body, "introduced_on": "2025-01-01"},
                           headers=keys["editor"], timeout=30)
    assert second.status_code == 409 and first.json()["id"] in second.json()["detail"]
