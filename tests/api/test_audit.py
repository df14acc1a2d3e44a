"""The audit trail (操作日志, issue 14 item 10): every API write appends an entry naming the key (id and label),
the time, the operation, the object and each changed field before and after, in the write's own transaction."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import pytest
from click.testing import CliRunner

from chainmap import audit, uscc
from chainmap.api_keys import create_key
from chainmap.cli import main
from tests import import_files as files
from tests.conftest import reset_seeded

ENTRIES = "MATCH (a:AuditEntry) RETURN count(a) AS n"


@pytest.fixture(scope="module", autouse=True)
def restore_seeds(graph):
    yield
    reset_seeded(graph)


@pytest.fixture(scope="module")
def officer(graph):
    key = create_key(graph, "editor", ["130534"], label="清河县招商局")
    return {"Authorization": f"Bearer {key}"}, key.split("_")[1]


def history(client, keys, **query):
    response = client.get("/api/v1/audit", query_string=query, headers=keys["admin"])
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_a_renamed_cluster_is_traceable_to_the_key(client, keys, officer):
    headers, key_id = officer
    since = dt.datetime.now(dt.UTC).isoformat()
    assert client.patch("/api/v1/clusters/qinghe-cashmere", headers=headers, json={"name": "清河羊绒产业集群"}).status_code == 200
    page = history(client, keys, object="qinghe-cashmere", since=since)
    assert page["total"] == 1
    entry = page["items"][0]
    assert entry["actor"] == key_id and entry["actor_label"] == "清河县招商局" and entry["actor_role"] == "editor"
    assert entry["operation"] == "cluster.patch" and entry["object_kind"] == "cluster" and entry["county"] == "130534"
    assert entry["changes"]["fields"] == {"name": {"before": "清河羊绒", "after": "清河羊绒产业集群"}}
    assert dt.datetime.fromisoformat(entry["at"].replace("Z", "+00:00")) >= dt.datetime.fromisoformat(since)
    assert history(client, keys, actor=key_id, kind="cluster")["total"] >= 1


def test_every_kind_of_write_is_recorded(client, graph, keys, officer):
    headers, key_id = officer
    before = graph.read(ENTRIES)[0]["n"]
    firm = uscc.compose("9", "1", "130534", "ADT00001")
    bj = uscc.compose("9", "1", "110105", "ADT00002")
    calls = [
        ("POST", "/api/v1/clusters/qinghe-cashmere/nodes", {"key": "audit-a", "name": "审计环节", "stage": "midstream",
                                                            "industry_codes": ["1721"]}, "chain_node.create"),
        ("PATCH", "/api/v1/clusters/qinghe-cashmere/nodes/audit-a", {"name": "审计环节二"}, "chain_node.patch"),
        ("PUT", "/api/v1/clusters/qinghe-cashmere/nodes/audit-a/mark", {"mark": "gap", "reason": "审计"},
         "chain_node.mark"),
        ("POST", "/api/v1/clusters/qinghe-cashmere/edges", {"from": "spinning", "to": "audit-a", "kind": "material"},
         "chain_edge.create"),
        ("DELETE", "/api/v1/clusters/qinghe-cashmere/edges/spinning/audit-a", None, "chain_edge.delete"),
        ("DELETE", "/api/v1/clusters/qinghe-cashmere/nodes/audit-a", None, "chain_node.delete"),
        ("POST", "/api/v1/enterprises", {"uscc": firm, "name": "审计测试有限公司", "entity_type": "company",
                                         "region": "130534"}, "enterprise.create"),
        ("PATCH", f"/api/v1/enterprises/{firm}", {"products": "羊绒纱"}, "enterprise.patch"),
        ("POST", "/api/v1/enterprises", {"uscc": bj, "name": "北京审计科技有限公司", "entity_type": "company",
                                         "region": "110105"}, "enterprise.create"),
        ("POST", f"/api/v1/enterprises/{firm}/partners", {"partner": bj, "relation": "supplied_by",
                                                          "since": "2024-01-01"}, "supply.create"),
        ("POST", "/api/v1/introductions", {"id": "intro-audit", "enterprise": bj, "cluster": "qinghe-cashmere",
                                           "origin_region": "110105", "introduced_on": "2024-02-01"},
         "introduction.create"),
        ("PATCH", "/api/v1/introductions/intro-audit", {"stage": "signed"}, "introduction.patch"),
    ]
    for method, path, body, operation in calls:
        response = client.open(path, method=method, json=body, headers=headers)
        assert 200 <= response.status_code < 300, (path, response.get_json())
        newest = history(client, keys, actor=key_id, per_page=1)["items"][0]
        assert newest["operation"] == operation, (operation, newest)
        assert newest["changes"]["fields"], newest
    assert graph.read(ENTRIES)[0]["n"] == before + len(calls)
    entry = history(client, keys, object="intro-audit", kind="introduction")["items"][0]
    assert entry["changes"]["fields"]["stage"] == {"before": "lead", "after": "signed"}
    supply = history(client, keys, kind="supply", actor=key_id)["items"][0]
    assert supply["object_id"] == f"{bj}->{firm}|supplies|2024-01-01" and supply["county"] == "130534"


def test_a_refused_or_rolled_back_write_leaves_no_entry(client, graph, keys, officer):
    headers, _ = officer
    before = graph.read(ENTRIES)[0]["n"]
    duplicate = client.post("/api/v1/clusters/qinghe-cashmere/edges", headers=headers,
                            json={"from": "spinning", "to": "weaving", "kind": "material"})
    assert duplicate.status_code == 409
    assert client.patch("/api/v1/clusters/anping-wire-mesh", headers=headers, json={"name": "x"}).status_code == 403
    assert graph.read(ENTRIES)[0]["n"] == before


def test_only_admins_read_the_trail_and_filters_are_checked(client, keys):
    assert client.get("/api/v1/audit", headers=keys["editor"]).status_code == 403
    assert client.get("/api/v1/audit", headers=keys["analyst"]).status_code == 403
    assert client.get("/api/v1/audit?since=yesterday", headers=keys["admin"]).status_code == 422
    assert client.get("/api/v1/audit?kind=spaceship", headers=keys["admin"]).status_code == 422
    page = history(client, keys, county="130534", per_page=2, page=1)
    assert len(page["items"]) <= 2 and page["total"] >= len(page["items"])
    future = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat()
    assert history(client, keys, since=future)["total"] == 0


IMPORTED = uscc.compose("9", "1", "130534", "T7D00001")
IMPORT_HEADER = ["统一社会信用代码", "企业名称", "企业类型", "登记状态", "成立日期", "注册资本", "所属区县", "注册地址",
                 "所属行业"]


def registry_file(code: str, name: str) -> bytes:
    return files.csv_bytes(IMPORT_HEADER, [[code, name, "有限责任公司", "存续", "2020-02-02", "100万元", "清河县", "",
                                            "毛条和毛纱线加工"]], "utf-8-sig")


def test_an_import_is_recorded_once_with_its_file_and_what_it_created(client, graph, keys, officer):
    headers, key_id = officer
    data = registry_file(IMPORTED, "清河县审计导入羊绒有限公司")
    digest = hashlib.sha256(data).hexdigest()

    def post(**form):
        body = {"file": (io.BytesIO(data), "登记导出.csv")} | form
        return client.post("/api/v1/imports", headers=headers, data=body, content_type="multipart/form-data")

    before = graph.read(ENTRIES)[0]["n"]
    assert post().get_json()["dry_run"]
    assert graph.read(ENTRIES)[0]["n"] == before  # a dry run writes nothing and records nothing
    assert post(dry_run="false").get_json()["written"]
    page = history(client, keys, object=digest)
    assert page["total"] == 1
    entry = page["items"][0]
    assert (entry["actor"], entry["operation"], entry["object_kind"]) == (key_id, "import.registry", "import")
    fields = {k: v["after"] for k, v in entry["changes"]["fields"].items()}
    assert fields["sha256"] == digest and fields["file"] == "登记导出.csv"
    assert fields["created"] == 1 and fields["created_keys"] == [IMPORTED] and fields["updated"] == 0
    again = post(dry_run="false").get_json()  # a re-run changes nothing: recorded as such
    assert again["written"] and [r["key"] for r in again["unchanged"]] == [IMPORTED]
    assert {k: v["after"] for k, v in history(client, keys, object=digest)["items"][0]["changes"]["fields"].items()
            }["unchanged"] == 1


def test_command_line_writes_are_recorded_under_the_operator(client, graph, keys, tmp_path):
    runner = CliRunner()
    created = runner.invoke(main, ["keys", "create", "--role", "viewer", "--label", "审计测试"])
    assert created.exit_code == 0, created.output
    key_id = created.output.strip().split("_")[1]
    assert audit.current_actor() is None  # the operator acts for the command only
    assert runner.invoke(main, ["keys", "revoke", key_id]).exit_code == 0
    trail = history(client, keys, object=key_id)["items"]
    assert [e["operation"] for e in trail] == ["api_key.revoke", "api_key.create"]
    assert all(e["actor"].startswith("cli:") and "命令行" in e["actor_label"] and e["actor_role"] == "admin"
               for e in trail)
    made = {k: v["after"] for k, v in trail[1]["changes"]["fields"].items()}
    assert made == {"role": "viewer", "counties": [], "label": "审计测试"}  # never the key's hash

    sheet = tmp_path / "登记导出.csv"
    sheet.write_bytes(registry_file(uscc.compose("9", "1", "130534", "T7D00002"), "清河县命令行导入羊绒有限公司"))
    imported = runner.invoke(main, ["import", "registry", str(sheet)])
    assert imported.exit_code == 0, imported.output
    entry = history(client, keys, object=hashlib.sha256(sheet.read_bytes()).hexdigest())["items"][0]
    assert entry["actor"] == trail[0]["actor"] and entry["operation"] == "import.registry"


def test_the_same_mark_sent_twice_is_recorded_once(client, graph, officer):
    """A form sent twice (same mark, reason and day, same key) adds nothing; a changed reason, or going back to the
    earlier mark the same day, is a new entry (the current mark follows the latest one)."""
    headers, _ = officer
    url = "/api/v1/clusters/qinghe-cashmere/nodes/weaving/mark"
    history_of = ("MATCH (:ChainNode {id: 'qinghe-cashmere.weaving'})-[:MARK_CHANGE]->(m) WHERE NOT m.migrated "
                  "RETURN count(m) AS n")
    marks, entries = graph.read(history_of)[0]["n"], graph.read(ENTRIES)[0]["n"]
    sent = [("bottleneck", "本地织造产能集中在少数几家"), ("bottleneck", "本地织造产能集中在少数几家"),
            ("bottleneck", "织造依赖两家企业"), ("bottleneck", "本地织造产能集中在少数几家")]
    for mark, reason in sent:
        assert client.put(url, headers=headers, json={"mark": mark, "reason": reason}).status_code == 204
    assert graph.read(history_of)[0]["n"] == marks + 3 and graph.read(ENTRIES)[0]["n"] == entries + 3
    node = graph.read("MATCH (n:ChainNode {id: 'qinghe-cashmere.weaving'}) RETURN n.mark_reason AS r")[0]
    assert node["r"] == "本地织造产能集中在少数几家"


def test_a_backdated_mark_is_recorded_once_and_audited(client, graph, officer):
    """A mark dated before the node's latest one enters the history only: sent again (or twenty times at once) it
    adds nothing more, and the one entry it adds is audited, since it changes what the chain said on that day."""
    from concurrent.futures import ThreadPoolExecutor

    headers, _ = officer
    url = "/api/v1/clusters/qinghe-cashmere/nodes/dyeing/mark"
    history_of = ("MATCH (:ChainNode {id: 'qinghe-cashmere.dyeing'})-[:MARK_CHANGE]->(m) WHERE NOT m.migrated "
                  "RETURN count(m) AS n")
    assert client.put(url, headers=headers, json={"mark": "weak", "reason": "今日标注"}).status_code == 204
    marks, entries = graph.read(history_of)[0]["n"], graph.read(ENTRIES)[0]["n"]
    body = {"mark": "bottleneck", "reason": "回溯标注", "on": "2026-01-05"}
    with ThreadPoolExecutor(8) as pool:  # the app's test client is not thread-safe: one per request
        codes = list(pool.map(lambda _: client.application.test_client().put(url, headers=headers, json=body)
                              .status_code, range(20)))
    assert codes == [204] * 20
    assert client.put(url, headers=headers, json=body).status_code == 204
    assert graph.read(history_of)[0]["n"] == marks + 1
    assert graph.read(ENTRIES)[0]["n"] == entries + 1
    node = graph.read("MATCH (n:ChainNode {id: 'qinghe-cashmere.dyeing'}) RETURN n.mark AS m")[0]
    assert node["m"] == "weak"  # the current mark follows the latest day
