"""A registry import keeps the chain nodes' stored gap facts exactly as a full refresh would compute them, by delta in
its writes' own transactions (issues 17 and 20): new firms classified in chain nodes' codes across counties, a
supplier whose industry changes (its old code's nodes lose it), and the customer of a node's lone local supplier
deregistered (that node, fed only through the 协作配套, counts one customer less)."""

from __future__ import annotations

import json

import pytest

from chainmap import upkeep, uscc
from chainmap.imports import registry
from chainmap.imports.reference import Options
from tests import import_files as files
from tests.conftest import POLICIES, reset_seeded

HEADER = ["统一社会信用代码", "企业名称", "企业类型", "登记状态", "成立日期", "注册资本", "所属区县", "注册地址", "所属行业",
          "经营范围"]
SUPPLIER = (  # a Hebei supplier with 协作配套, other than the lone supplier and its customer
    "MATCH (s:Enterprise)-[:SUPPLIES]->(:Enterprise) "
    "WHERE s.region STARTS WITH '13' AND s.status = 'active' AND s.group IS NULL AND size(s.industry_codes) > 0 "
    "  AND NOT s.uscc IN $not "
    "MATCH (rs:Region {adcode: s.region}) "
    "RETURN DISTINCT s.uscc AS s, s.name AS s_name, rs.name AS s_county, s.industry_codes AS s_codes ORDER BY s LIMIT 1"
)
# An active customer in the county of the lone local supplier $x of a node of that county's cluster.
LONE_SUPPLIERS_CUSTOMER = (
    "MATCH (cl:Cluster)-[:HAS_NODE]->(:ChainNode {id: $node}) "
    "MATCH (x:Enterprise {uscc: $x})-[r:SUPPLIES]->(c:Enterprise) "
    "WHERE c.status = 'active' AND c.region STARTS WITH cl.county AND c.group IS NULL AND r.until IS NULL "
    "MATCH (rc:Region {adcode: c.region}) "
    "RETURN c.uscc AS c, c.name AS c_name, rc.name AS c_county, "
    "  [(c)-[:CLASSIFIED_AS]->(i:Industry) | i.name][0] AS c_industry ORDER BY c LIMIT 1"
)
# Classes some chain node is classified in, each with a county that has a cluster: where new firms go.
NODE_CLASSES = (
    "MATCH (c:Cluster)-[:HAS_NODE]->(:ChainNode)-[:CLASSIFIED_AS]->(i:Industry {level: 'class'}) "
    "WHERE NOT i.code IN $codes MATCH (r:Region {adcode: c.county}) "
    "WITH i, collect(DISTINCT [c.county, r.name])[0] AS place RETURN i.code AS code, i.name AS name, "
    "  place[0] AS county, place[1] AS county_name ORDER BY code LIMIT 6"
)
FACTS = "MATCH (n:ChainNode) RETURN n.id AS id, n.facts AS facts ORDER BY id"
UNREAD = "MATCH (n:ChainNode) WHERE n.facts IS NULL RETURN n.id AS id"


@pytest.fixture(autouse=True)
def restore_seeds(graph):
    yield
    reset_seeded(graph)


def stored(graph) -> dict[str, dict]:
    return {r["id"]: json.loads(r["facts"]) for r in graph.read(FACTS)}


def lone_suppliers_customer(graph, facts: dict[str, dict]) -> dict:
    """A customer of a node's only local supplier in its county (the supplier itself stays as it is)."""
    for node, f in sorted(facts.items()):
        single = f.get("county", {}).get("single")
        if single and single["customers"]:
            rows = graph.read(LONE_SUPPLIERS_CUSTOMER, node=node, x=single["uscc"])
            if rows and rows[0]["c_industry"]:
                return rows[0] | {"x": single["uscc"], "node": node}
    raise AssertionError("the synthetic seeds have no lone local supplier with a customer")


def officers_file(graph, facts: dict[str, dict]) -> tuple[bytes, dict]:
    lone = lone_suppliers_customer(graph, facts)
    pair = graph.read(SUPPLIER, **{"not": [lone["x"], lone["c"]]})[0] | lone
    classes = graph.read(NODE_CLASSES, codes=pair["s_codes"])
    assert len(classes) >= 4, classes
    rows = [
        # the supplier moves to another class: the nodes of its old code no longer count it
        [pair["s"], pair["s_name"], "有限责任公司", "存续", "2015-06-01", "500万元", pair["s_county"], "",
         classes[0]["name"], "生产、销售"],
        # a lone local supplier's customer is deregistered: that supplier's nodes count one customer less
        [pair["c"], pair["c_name"], "有限责任公司", "注销", "2012-03-01", "800万元", pair["c_county"], "",
         pair["c_industry"], "生产、销售"],
    ]
    for i, found in enumerate(classes[1:], start=1):
        code = uscc.compose("9", "1", found["county"], f"T7F0000{i}")
        rows.append([code, f"{found['county_name']}配套测试{i}有限公司", "有限责任公司", "存续", "2020-01-0" + str(i),
                     "100万元", found["county_name"], "", found["name"], "生产、销售"])
    return files.csv_bytes(HEADER, rows, "utf-8-sig"), pair


def test_after_an_import_the_stored_facts_equal_a_full_refresh(graph):
    upkeep.refresh_facts(graph)
    before = stored(graph)
    data, pair = officers_file(graph, before)

    report = registry.import_registry(graph, POLICIES, data, "配套测试.csv", Options(None, False, False))
    assert report.written and not report.rejected, report.rejected
    assert {r["key"] for r in report.updated} == {pair["s"], pair["c"]}
    assert graph.read(UNREAD) == []  # kept by delta in the import's writes, not forgotten for the next read
    after_import = stored(graph)

    upkeep.refresh_facts(graph)  # every node, from scratch
    full = stored(graph)
    assert after_import == full
    changed = {n for n in full if full[n] != before[n]}
    assert len(changed) >= 4, changed  # the import did move facts, in several nodes
    assert pair["node"] in changed     # through the 协作配套 only
    assert len(changed) < len(full)    # and not everywhere: a node it cannot feed was left as it was
