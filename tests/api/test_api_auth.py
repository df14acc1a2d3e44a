"""Every write endpoint × every kind of caller: 401 without a key, 403 for the wrong role or county, and the
graph unchanged either way; success for the county's editor and for an admin."""

import itertools

import pytest

from chainmap import uscc
from tests.conftest import assert_chinese_problem, counts, reset_seeded

CALLERS = ["none", "viewer", "editor", "other_editor", "admin"]
EXPECTED = {"none": 401, "viewer": 403, "other_editor": 403}
_serial = itertools.count(1)


@pytest.fixture(scope="module", autouse=True)
def restore_seeds(graph):
    yield
    reset_seeded(graph)


def local_uscc(graph):
    return graph.read("MATCH (e:Enterprise {region: '130534', entity_type: 'company', status: 'active'}) "
                      "WHERE e.group IS NULL RETURN e.uscc AS u ORDER BY e.uscc LIMIT 1")[0]["u"]


def new_uscc():
    return uscc.compose("9", "1", "130534", f"A{next(_serial):07d}")


def setup_node(client, keys, key):
    response = client.post("/api/v1/clusters/qinghe-cashmere/nodes", headers=keys["admin"],
                           json={"key": key, "name": "探针环节", "stage": "midstream", "industry_codes": ["1721"]})
    assert response.status_code == 201, response.get_json()


# Each case: (name, build(client, keys, graph, n) -> (method, path, json)). Setup uses the admin key.
def c_create_cluster(client, keys, graph, n):
    return "POST", "/api/v1/clusters", {"id": f"qinghe-probe-{n}", "name": "清河探针集群", "county": "130534",
                                        "category": "时尚消费"}


def c_patch_cluster(client, keys, graph, n):
    return "PATCH", "/api/v1/clusters/qinghe-cashmere", {"name": "清河羊绒"}


def c_create_node(client, keys, graph, n):
    return "POST", "/api/v1/clusters/qinghe-cashmere/nodes", {
        "key": f"probe-{n}", "name": "探针环节", "stage": "midstream", "industry_codes": ["1721"]}


def c_patch_node(client, keys, graph, n):
    return "PATCH", "/api/v1/clusters/qinghe-cashmere/nodes/spinning", {"name": "制条纺纱"}


def c_delete_node(client, keys, graph, n):
    setup_node(client, keys, f"gone-{n}")
    return "DELETE", f"/api/v1/clusters/qinghe-cashmere/nodes/gone-{n}", None


def c_create_edge(client, keys, graph, n):
    setup_node(client, keys, f"edge-{n}")
    return "POST", "/api/v1/clusters/qinghe-cashmere/edges", {"from": "spinning", "to": f"edge-{n}", "kind": "material"}


def c_delete_edge(client, keys, graph, n):
    setup_node(client, keys, f"unedge-{n}")
    assert client.post("/api/v1/clusters/qinghe-cashmere/edges", headers=keys["admin"],
                       json={"from": "spinning", "to": f"unedge-{n}", "kind": "material"}).status_code == 201
    return "DELETE", f"/api/v1/clusters/qinghe-cashmere/edges/spinning/unedge-{n}", None


def c_set_mark(client, keys, graph, n):
    return "PUT", "/api/v1/clusters/qinghe-cashmere/nodes/dyeing/mark", {"mark": "bottleneck", "reason": "测试标注"}


def c_create_enterprise(client, keys, graph, n):
    return "POST", "/api/v1/enterprises", {"uscc": new_uscc(), "name": "清河县探针羊绒有限公司", "entity_type": "company",
                                           "region": "130534", "industry_codes": ["1721"],
                                           "chain_nodes": ["qinghe-cashmere.spinning"], "revenue_cny": {"2025": 1000000}}


def c_patch_enterprise(client, keys, graph, n):
    return "PATCH", f"/api/v1/enterprises/{local_uscc(graph)}", {"products": "羊绒纱线"}


def c_add_partner(client, keys, graph, n):
    return "POST", f"/api/v1/enterprises/{local_uscc(graph)}/partners", {
        "partner": graph.read("MATCH (e:Enterprise {region: '130534', status: 'active'}) RETURN e.uscc AS u "
                              "ORDER BY e.uscc SKIP 3 LIMIT 1")[0]["u"],
        "relation": "supplies_to", "since": f"2024-01-{n % 28 + 1:02d}", "evidence": "测试"}


def c_create_introduction(client, keys, graph, n):
    # A firm of its own: a second open introduction of one firm into one cluster is a conflict.
    firm = uscc.compose("9", "1", "110105", f"B{n:07d}")
    assert client.post("/api/v1/enterprises", headers=keys["admin"], json={
        "uscc": firm, "name": "北京探针科技有限公司", "entity_type": "company", "region": "110105"}).status_code == 201
    return "POST", "/api/v1/introductions", {"id": f"intro-probe-{n}", "enterprise": firm,
                                             "cluster": "qinghe-cashmere", "origin_region": "110105",
                                             "introduced_on": "2024-05-01", "stage": "contacted"}


def c_patch_introduction(client, keys, graph, n):
    return "PATCH", "/api/v1/introductions/intro-eligible-5", {"stage": "landed"}


CASES = [c_create_cluster, c_patch_cluster, c_create_node, c_patch_node, c_delete_node, c_create_edge, c_delete_edge,
         c_set_mark, c_create_enterprise, c_patch_enterprise, c_add_partner, c_create_introduction,
         c_patch_introduction]


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.__name__[2:])
def test_write_authorisation(client, graph, keys, case, caller):
    method, path, body = case(client, keys, graph, next(_serial))
    before = counts(graph)
    response = client.open(path, method=method, json=body, headers=keys[caller])
    if caller in EXPECTED:
        assert response.status_code == EXPECTED[caller], response.get_json()
        assert response.content_type == "application/problem+json"
        assert response.get_json()["status"] == EXPECTED[caller]
        assert_chinese_problem(response.get_json())
        assert counts(graph) == before
        if caller == "none":
            assert response.headers["WWW-Authenticate"].startswith("Bearer")
    else:
        assert 200 <= response.status_code < 300, response.get_json()


@pytest.mark.parametrize("header", [
    None, "Bearer", "Basic dXNlcjpwYXNz", "Bearer cmk_000000000000_" + "x" * 43, "Bearer not-a-key",
])
def test_reads_need_a_valid_key(client, header):
    response = client.get("/api/v1/clusters", headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert response.content_type == "application/problem+json"
    assert_chinese_problem(response.get_json())


def test_every_role_reads(client, keys):
    for role in ("viewer", "analyst", "editor", "other_editor", "admin"):
        assert client.get("/api/v1/clusters/qinghe-cashmere/chain", headers=keys[role]).status_code == 200


def test_revoked_key_is_refused(client, graph):
    from chainmap.api_keys import create_key, revoke_key

    key = create_key(graph, "viewer", [])
    headers = {"Authorization": f"Bearer {key}"}
    assert client.get("/api/v1/regions", headers=headers).status_code == 200
    revoke_key(graph, key.split("_")[1])
    assert client.get("/api/v1/regions", headers=headers).status_code == 401


def test_a_tampered_secret_is_refused(client, graph):
    from chainmap.api_keys import create_key

    key = create_key(graph, "admin", [])
    tampered = key[:-1] + ("A" if key[-1] != "A" else "B")
    assert client.get("/api/v1/regions", headers={"Authorization": f"Bearer {tampered}"}).status_code == 401


def test_anonymous_reads_only_when_configured(graph, settings):
    from dataclasses import replace

    from api import create_app

    client = create_app(replace(settings, anonymous_reads=True)).test_client()
    assert client.get("/api/v1/clusters").status_code == 200
    assert client.post("/api/v1/clusters", json={}).status_code == 401


def test_keys_cli_prints_only_the_key(graph):
    from click.testing import CliRunner

    from chainmap.cli import main

    result = CliRunner().invoke(main, ["keys", "create", "--role", "editor", "--county", "130534"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("cmk_")
    stored = graph.read("MATCH (k:ApiKey {id: $id}) RETURN k.hash AS h, k.counties AS c", id=lines[0].split("_")[1])
    assert stored[0]["c"] == ["130534"] and lines[0] not in stored[0]["h"]
    bad = CliRunner().invoke(main, ["keys", "create", "--role", "editor", "--county", "999999"])
    assert bad.exit_code != 0 and "999999" in bad.output
