"""API writes keep the chain nodes' stored gap facts by delta, inside their own transaction (issue 20: no read after a
write walks a node's local firms at 8M entities): after every kind of write the stored facts are still there and
equal, node for node and scope for scope, to the facts computed afresh from the graph — by a seeded sequence of
random writes, by the lone-supplier cases the delta looks up, and by concurrent writes to the same firms."""

from __future__ import annotations

import datetime as dt
import json
import random
import threading

import pytest

from chainmap import upkeep, uscc
from chainmap.chain import patch_node
from chainmap.enterprises import create_enterprises, get_enterprise, patch_enterprise
from chainmap.gaps.analysis import (ALL_NODES, COMPUTE, HEBEI_COUNTIES, compute_facts, refresh_facts, singles_of,
                                    stored_rows)
from chainmap.graph import loading
from chainmap.partners import add_partner
from chainmap.vocab import LOCALITIES
from tests.conftest import POLICIES, reset_seeded

STORED = ("MATCH (n:ChainNode) RETURN n.id AS id, n.facts AS facts, n.facts_expire AS expires, n.singles AS singles "
          "ORDER BY id")
HEBEI_FIRMS = ("MATCH (e:Enterprise) WHERE e.region STARTS WITH '13' AND e.name IS NOT NULL "
               "RETURN e.uscc AS u ORDER BY u")
SUPPLIERS = ("MATCH (e:Enterprise) WHERE e.name IS NOT NULL AND (NOT e.region STARTS WITH '13' "
             "  OR EXISTS { (e)-[:OPERATES_IN]->() }) RETURN e.uscc AS u ORDER BY u")
NODES = "MATCH (c:Cluster)-[:HAS_NODE]->(n:ChainNode) RETURN n.id AS id, c.county AS county, n.industry_codes AS codes ORDER BY id"
COUNTIES = "MATCH (r:Region {level: 'county'}) WHERE r.adcode STARTS WITH '13' RETURN r.adcode AS a ORDER BY a"
# A node whose county scope has one local firm with a customer in that county.
LONE = ("MATCH (c:Cluster)-[:HAS_NODE]->(n:ChainNode) WHERE n.facts IS NOT NULL AND size(n.singles) > 0 "
        "RETURN n.id AS id, c.county AS county, n.facts AS facts, n.industry_codes AS codes ORDER BY id")


@pytest.fixture(autouse=True)
def restore_seeds(graph):
    yield
    reset_seeded(graph)


def fresh(graph) -> tuple[dict[str, dict], dict[str, dt.date]]:
    ids = [r["id"] for r in graph.read(ALL_NODES)]
    counties = {r["adcode"]: r for r in graph.read(HEBEI_COUNTIES)}
    return compute_facts(graph, COMPUTE, ids, dt.date.today(), LOCALITIES, counties)


def assert_kept(graph, step: str) -> None:
    """Every node's stored facts are there (kept, not forgotten) and equal to the facts computed afresh; the stored
    expiry is never later than the computed one (an earlier one only recomputes sooner)."""
    computed, expiry = fresh(graph)
    for row in graph.read(STORED):
        node = row["id"]
        assert row["facts"] is not None, f"{step}: the facts of {node} were forgotten, not kept"
        stored = json.loads(row["facts"])
        assert stored == computed[node], f"{step}: the stored facts of {node} differ from the graph"
        assert row["singles"] == singles_of(computed[node]), f"{step}: {node}"
        if expiry.get(node) is not None:
            assert row["expires"] is not None and row["expires"] <= expiry[node], f"{step}: {node} expiry"


def new_firm(county: str, serial: int, codes: list[str], nodes: list[str], entity_type: str = "company") -> dict:
    code = uscc.compose("9", "1", county, f"DLT{serial:05d}")
    return {"uscc": code, "name": f"测试增量企业{serial}", "entity_type": entity_type, "region": county,
            "industry_codes": codes, "chain_nodes": nodes, "revenue_cny": {}, "status": "active"}


def test_random_writes_keep_every_nodes_facts_equal_to_the_graph(graph):
    refresh_facts(graph)
    rng = random.Random(20)
    firms = [r["u"] for r in graph.read(HEBEI_FIRMS)]
    suppliers = [r["u"] for r in graph.read(SUPPLIERS)]
    nodes = graph.read(NODES)
    counties = [r["a"] for r in graph.read(COUNTIES)]
    assert_kept(graph, "before any write")
    created = []
    for serial in range(4):  # new firms local to a node (own code and attachment), in its county
        node = rng.choice([n for n in nodes if n["codes"]])
        firm = new_firm(node["county"], serial, [rng.choice(node["codes"])], [node["id"]])
        create_enterprises(graph, POLICIES, [firm])
        created.append(firm["uscc"])
    assert_kept(graph, "created")
    today = dt.date.today()
    for i, customer in enumerate(created):  # 协作配套 into them: from outside Hebei, in force, ended, ending later
        for j, until in enumerate((None, today - dt.timedelta(days=3), today + dt.timedelta(days=40 + i))):
            add_partner(graph, customer, {"partner": rng.choice(suppliers), "relation": "supplied_by",
                                          "since": dt.date(2024, 1 + j, 1 + i), "until": until})
    assert_kept(graph, "partners")
    moves = ["status", "region", "codes", "nodes", "partner", "name"]
    for step in range(36):
        firm = rng.choice(created + firms)
        move = moves[step % len(moves)]
        if move == "status":
            now = get_enterprise(graph, firm)["status"]
            patch_enterprise(graph, POLICIES, firm, {"status": "active" if now != "active" else "deregistered"})
        elif move == "region":
            patch_enterprise(graph, POLICIES, firm, {"region": rng.choice(counties)})
        elif move == "codes":
            node = rng.choice([n for n in nodes if n["codes"]])
            patch_enterprise(graph, POLICIES, firm, {"industry_codes": [rng.choice(node["codes"])]})
        elif move == "nodes":
            patch_enterprise(graph, POLICIES, firm, {"chain_nodes": rng.choice([[], [rng.choice(nodes)["id"]]])})
        elif move == "partner":
            partner = rng.choice([s for s in suppliers + created if s != firm])
            add_partner(graph, firm, {"partner": partner, "relation": "supplied_by",
                                      "since": dt.date(2025, 1 + step % 12, 1 + step // 12)})
        else:
            patch_enterprise(graph, POLICIES, firm, {"name": f"更名测试企业{step}"})
        if step % 6 == 5:
            assert_kept(graph, f"after step {step} ({move})")


def test_a_lone_local_firm_is_looked_up_again_when_it_or_its_customers_change(graph):
    refresh_facts(graph)
    lone = None
    for row in graph.read(LONE):
        single = json.loads(row["facts"])["county"]["single"]
        if single and row["codes"]:
            lone = row, single
            break
    assert lone is not None, "the seeds have no node with one local firm in its county"
    node, single = lone
    county = node["county"]
    customer = new_firm(county, 900, [], [])
    create_enterprises(graph, POLICIES, [customer])
    add_partner(graph, single["uscc"], {"partner": customer["uscc"], "relation": "supplies_to",
                                        "since": dt.date(2025, 3, 1)})
    facts = json.loads(graph.read(STORED)[[r["id"] for r in graph.read(STORED)].index(node["id"])]["facts"])
    assert facts["county"]["single"]["customers"] == single["customers"] + 1
    assert_kept(graph, "a customer more")
    patch_enterprise(graph, POLICIES, customer["uscc"], {"status": "deregistered"})
    assert_kept(graph, "the customer gone")
    patch_enterprise(graph, POLICIES, single["uscc"], {"name": "改名后的唯一本地企业"})
    assert_kept(graph, "the lone firm renamed")
    second = new_firm(county, 901, [node["codes"][0]], [node["id"]])
    create_enterprises(graph, POLICIES, [second])
    assert_kept(graph, "a second local firm")
    patch_enterprise(graph, POLICIES, single["uscc"], {"status": "deregistered"})
    assert_kept(graph, "the first one gone: the second is now the lone one")


def test_concurrent_writes_to_the_same_firms_keep_the_facts(graph):
    refresh_facts(graph)
    node = next(n for n in graph.read(NODES) if n["codes"])
    suppliers = [r["u"] for r in graph.read(SUPPLIERS)][:24]
    members = [new_firm(node["county"], 950 + i, [node["codes"][0]], [node["id"]]) for i in range(3)]
    create_enterprises(graph, POLICIES, members)
    errors: list[BaseException] = []

    def work(t: int) -> None:
        try:
            for k in range(4):
                target = members[(t + k) % 3]["uscc"]
                if k % 2:
                    status = "deregistered" if (t + k) % 4 else "active"
                    patch_enterprise(graph, POLICIES, target, {"status": status})
                else:
                    add_partner(graph, target, {"partner": suppliers[t * 3 + k], "relation": "supplied_by",
                                                "since": dt.date(2025, 1 + t, 1 + k)})
        except BaseException as exc:  # noqa: BLE001 - reported by the test thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert_kept(graph, "concurrent writes")


def test_a_relationship_given_an_end_date_brings_the_facts_expiry_forward(graph):
    refresh_facts(graph)
    open_ended = graph.read(
        "MATCH (s:Enterprise)-[r:SUPPLIES]->(m:Enterprise)-[:OPERATES_IN]->(n:ChainNode) "
        "WHERE r.until IS NULL AND m.status = 'active' AND m.region STARTS WITH '13' "
        "RETURN s.uscc AS supplier, m.uscc AS customer, r.kind AS kind, r.since AS since, n.id AS node "
        "ORDER BY supplier, customer LIMIT 1")[0]
    ends = dt.date.today() + dt.timedelta(days=9)
    row = {k: open_ended[k] for k in ("supplier", "customer", "kind", "since")} | {"until": ends, "evidence": "测试"}
    graph.write(loading.SUPPLIES, rows=[row], keep=upkeep.kept_facts_of_relations([row]))
    expires = graph.read("MATCH (n:ChainNode {id: $id}) RETURN n.facts_expire AS e", id=open_ended["node"])[0]["e"]
    assert expires is not None and expires <= ends  # no count moved, yet the facts must be recomputed by that day
    assert_kept(graph, "an end date given")


def test_a_loaders_batch_of_relationships_keeps_the_facts(graph):
    """The loader's 协作配套 batch (chainmap.gaps.delta.RelationsDelta reads only the written relationships): new
    ones in and out of chain members, a key repeated in the batch, an existing relationship ended, one into an
    inactive firm, and a lone local firm given a customer."""
    refresh_facts(graph)
    rng = random.Random(7)
    suppliers = [r["u"] for r in graph.read(SUPPLIERS)]
    members = [r["u"] for r in graph.read(
        "MATCH (e:Enterprise)-[:OPERATES_IN]->() WHERE e.status = 'active' AND e.region STARTS WITH '13' "
        "RETURN DISTINCT e.uscc AS u ORDER BY u")]
    existing = graph.read(
        "MATCH (s:Enterprise)-[r:SUPPLIES]->(m:Enterprise)-[:OPERATES_IN]->() WHERE r.until IS NULL "
        "AND m.status = 'active' AND m.region STARTS WITH '13' "
        "RETURN DISTINCT s.uscc AS supplier, m.uscc AS customer, r.kind AS kind, r.since AS since ORDER BY supplier "
        "LIMIT 3")
    lone = next(json.loads(r["facts"])["county"]["single"] for r in graph.read(LONE)
                if json.loads(r["facts"])["county"]["single"])
    inactive = new_firm("130181", 960, [], [])
    create_enterprises(graph, POLICIES, [inactive])
    patch_enterprise(graph, POLICIES, inactive["uscc"], {"status": "deregistered"})
    rows = []
    for k in range(30):
        supplier, customer = rng.choice(suppliers), rng.choice(members)
        if supplier != customer:
            rows.append({"supplier": supplier, "customer": customer, "kind": "supplies",
                         "since": dt.date(2023, 1 + k % 12, 1 + k // 12), "until": None, "evidence": "测试批次"})
    rows.append(dict(rows[0], until=dt.date.today() + dt.timedelta(days=30)))  # the same key again, later row wins
    rows += [dict(r, until=dt.date.today() - dt.timedelta(days=1), evidence="已终止") for r in existing]
    rows.append({"supplier": suppliers[0], "customer": inactive["uscc"], "kind": "supplies",
                 "since": dt.date(2024, 5, 1), "until": None, "evidence": "测试批次"})
    customer = members[0] if members[0] != lone["uscc"] else members[1]
    rows.append({"supplier": lone["uscc"], "customer": customer, "kind": "supplies", "since": dt.date(2024, 6, 1),
                 "until": None, "evidence": "测试批次"})
    before = {r["id"]: r["facts"] for r in graph.read(STORED)}
    graph.write(loading.SUPPLIES, rows=rows, keep=upkeep.kept_facts_of_relations(rows))
    after = {r["id"]: r["facts"] for r in graph.read(STORED)}
    assert sum(before[n] != after[n] for n in before) >= 10, "the batch should have moved many nodes' facts"
    assert_kept(graph, "a loader's batch of relationships")


def test_a_chain_edit_forgets_its_clusters_facts_and_the_next_read_recomputes_them(graph):
    refresh_facts(graph)
    node = next(n for n in graph.read(NODES) if len(n["codes"]) > 1)
    cluster, key = node["id"].split(".", 1)
    patch_node(graph, cluster, key, {"industry_codes": node["codes"][:1]})
    forgotten = graph.read("MATCH (:Cluster {id: $c})-[:HAS_NODE]->(n) RETURN collect(n.facts) AS f", c=cluster)[0]["f"]
    assert forgotten == []  # every node of the cluster: the edit moved which codes are each node's own
    stored_rows(graph, [cluster])  # what the next read does
    assert_kept(graph, "after a chain edit and a read")
