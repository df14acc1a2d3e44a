"""A node's target context after writes to its county's potential partners: brought up to date from the partner
log by reading only the firms changed (chainmap.recommendations.reuse.cached_context), always equal to reading it
afresh; read afresh when the log cannot say (an introduction, too many writes since)."""

import threading

import pytest

from chainmap import audit, uscc
from chainmap.enterprises import create_enterprises, patch_enterprise
from chainmap.graph import footprints
from chainmap.recommendations import reuse, target
from tests.conftest import reset_seeded
from tests.recommendation_data import POLICIES, request

CLUSTER, NODE = "anping-wire-mesh", "anping-wire-mesh.membrane"


def _comparable(context):
    node_target, found = context
    return node_target, {k: sorted(map(str, v)) if isinstance(v, list) else v for k, v in found.items()}


def test_a_target_context_follows_partner_writes_through_the_log(graph):
    req = request(CLUSTER, NODE)
    reads: list[str] = []
    read = graph.read

    def counting(query, **params):
        reads.append(query)
        return read(query, **params)

    def context():
        """The context as for_node gets it, checked against reading it afresh."""
        tokens = reuse.revisions(graph, [req])[NODE]
        kept = reuse.cached_context(graph, req, tokens.context, tokens.partner_log)
        graph.read = read
        try:
            assert _comparable(kept) == _comparable(target.target_context(graph, req))
        finally:
            graph.read = counting
        return kept

    def full_reads():
        return reads.count(target.TARGET)

    neighbours = [r["id"] for r in graph.read(
        "MATCH (:ChainNode {id: $node})-[:FEEDS|SUPPORTS]-(m:ChainNode) RETURN DISTINCT m.id AS id ORDER BY id",
        node=NODE)]
    partners = [r["u"] for r in graph.read(
        "MATCH (m:ChainNode)<-[:OPERATES_IN]-(p:Enterprise {region: '131125', status: 'active'}) WHERE m.id IN $m "
        "AND p.entity_type = 'company' AND p.group IS NULL RETURN DISTINCT p.uscc AS u ORDER BY u LIMIT 3",
        m=neighbours)]
    outsider = graph.read(
        "MATCH (p:Enterprise {region: '131125', status: 'active', entity_type: 'company'}) "
        "WHERE NOT EXISTS { (p)-[:OPERATES_IN]->(:ChainNode {cluster: $cluster}) } AND p.group IS NULL "
        "RETURN p.uscc AS u ORDER BY u LIMIT 1", cluster=CLUSTER)[0]["u"]
    parent = graph.read("MATCH (e:Enterprise {status: 'active'}) WHERE e.region STARTS WITH '11' "
                        "AND e.entity_type = 'company' RETURN e.uscc AS u ORDER BY u LIMIT 1")[0]["u"]
    assert len(partners) == 3 and neighbours
    reuse.TARGETS.entries.clear()
    graph.read = counting
    try:
        # the county's first partner write starts its log (a context read before has no token in it)
        patch_enterprise(graph, POLICIES, partners[0], {"status": "deregistered"})
        first = context()
        assert full_reads() == 1
        counts = [first[0].partners.shared]

        patch_enterprise(graph, POLICIES, partners[0], {"status": "active"})
        counts.append(context()[0].partners.shared)
        patch_enterprise(graph, POLICIES, outsider, {"chain_nodes": [neighbours[0]]})
        counts.append(context()[0].partners.shared)
        patch_enterprise(graph, POLICIES, partners[1], {"group": parent})  # now a member: counted apart for it
        assert context()[0].partners.by_group.get(parent) == first[0].partners.by_group.get(parent, 0) + 1
        patch_enterprise(graph, POLICIES, partners[2], {"region": "130534"})  # moves to 清河
        newcomer = uscc.compose("9", "1", "131125", "P0000001")
        create_enterprises(graph, POLICIES, [{"uscc": newcomer, "name": "安平日志测试有限公司", "entity_type": "company",
                                              "region": "131125", "industry_codes": ["3340"],
                                              "chain_nodes": [neighbours[-1]], "revenue_cny": {}, "status": "active"}])
        counts.append(context()[0].partners.shared)  # two writes since the last read
        assert counts == [counts[0], counts[0] + 1, counts[0] + 2, counts[0] + 2]  # +1, +1, then −1 and +1
        assert full_reads() == 1  # every step above read the changed firms alone

        # the API's writes are audited: the audit statement renews the tokens, and logs the firms too
        with audit.acting(audit.Actor("key-log-test", "日志测试", "editor")):
            patch_enterprise(graph, POLICIES, partners[0], {"chain_nodes": []})  # leaves the chain
            patch_enterprise(graph, POLICIES, partners[1], {"group": None})  # no longer a member
        kept = context()
        assert kept[0].partners.shared == counts[-1] - 1
        assert kept[0].partners.by_group.get(parent, 0) == first[0].partners.by_group.get(parent, 0)
        with audit.acting(audit.Actor("key-log-test", "日志测试", "editor")):
            patch_enterprise(graph, POLICIES, partners[2], {"region": "131125"})  # moves back into the county
        assert context()[0].partners.shared == counts[-1]
        assert reuse.revisions(graph, [req])[NODE].partner_log[-1].endswith("|" + partners[2])
        assert full_reads() == 1
        # a write of more firms than an entry names says '*': the context is read afresh
        create_enterprises(graph, POLICIES, [
            {"uscc": uscc.compose("9", "1", "131125", f"Q{i:07d}"), "name": f"安平批量测试{i}有限公司",
             "entity_type": "company", "region": "131125", "industry_codes": ["3340"], "chain_nodes": [neighbours[0]],
             "revenue_cny": {}, "status": "active"} for i in range(footprints.LOG_FIRMS + 1)])
        assert context()[0].partners.shared == counts[-1] + footprints.LOG_FIRMS + 1
        assert full_reads() == 2

        # an introduction into the county says no firms either
        graph.write("MATCH (i:Introduction) WITH i ORDER BY i.id LIMIT 1 SET i.note = 'log test'",
                    touches=footprints.INTRODUCTION, id="none", props={"cluster": CLUSTER})
        context()
        assert full_reads() == 3
        # more writes than the log keeps: read afresh
        for i in range(17):
            patch_enterprise(graph, POLICIES, partners[0], {"status": "deregistered" if i % 2 == 0 else "active"})
        context()
        assert full_reads() == 4
        log = reuse.revisions(graph, [req])[NODE].partner_log
        assert len(log) == 16 and log[-1].endswith("|" + partners[0])
    finally:
        graph.read = read
        reuse.TARGETS.entries.clear()
        reset_seeded(graph)


# A status write naming only its footprint: no upkeep, so nothing but the revision nodes' locks orders the racers.
_BARE = "UNWIND $rows AS row MATCH (e:Enterprise {uscc: row.uscc}) SET e.status = row.props.status"


@pytest.mark.parametrize("path", ["api", "bare"])
def test_partner_writes_racing_on_one_county_each_leave_their_entry(graph, path):
    """Writes to different firms of one county, started together on their own connections, renew the same
    Revision node: each appends its own entry (the first token's SET takes the revision nodes' write locks before
    any log is read), none is lost, and a context kept from before the race, patched from the log, equals one read
    afresh. Through the API's write path (whose upkeep of the chain nodes' facts already orders writes to one
    node's firms) and as bare writes that only the revision nodes order."""
    req = request(CLUSTER, NODE)
    neighbours = [r["id"] for r in graph.read(
        "MATCH (:ChainNode {id: $node})-[:FEEDS|SUPPORTS]-(m:ChainNode) RETURN DISTINCT m.id AS id", node=NODE)]
    firms = [r["u"] for r in graph.read(
        "MATCH (m:ChainNode)<-[:OPERATES_IN]-(p:Enterprise {region: '131125', status: 'active'}) WHERE m.id IN $m "
        "AND p.entity_type = 'company' RETURN DISTINCT p.uscc AS u ORDER BY u LIMIT 9", m=neighbours)]
    assert len(firms) == 9
    reuse.TARGETS.entries.clear()
    try:
        patch_enterprise(graph, POLICIES, firms[0], {"status": "deregistered"})  # puts a token in the log
        tokens = reuse.revisions(graph, [req])[NODE]
        before = reuse.cached_context(graph, req, tokens.context, tokens.partner_log)
        racers = firms[1:]
        start = threading.Barrier(len(racers))
        failures: list[BaseException] = []

        def write(firm: str) -> None:
            try:
                start.wait(10)
                if path == "api":
                    patch_enterprise(graph, POLICIES, firm, {"status": "deregistered"})
                else:
                    graph.write(_BARE, rows=[{"uscc": firm, "props": {"status": "deregistered"}, "chain_nodes": []}],
                                touches=footprints.ENTERPRISE_ROWS)
            except BaseException as exc:  # noqa: BLE001 - reported below, in the test's thread
                failures.append(exc)
        threads = [threading.Thread(target=write, args=(firm,)) for firm in racers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert not failures, failures

        after = reuse.revisions(graph, [req])[NODE]
        entries = after.partner_log[-len(racers):]
        assert sorted(entry.split("|")[1] for entry in entries) == sorted(racers)  # one entry per write
        assert len({entry.split("|")[0] for entry in after.partner_log}) == len(after.partner_log)
        assert entries[-1].split("|")[0] == dict(after.context)["partners:131125"]  # the last write's token
        reads: list[str] = []
        read = graph.read
        graph.read = lambda query, **params: reads.append(query) or read(query, **params)
        try:
            patched = reuse.cached_context(graph, req, after.context, after.partner_log)
        finally:
            graph.read = read
        assert target.TARGET not in reads and target.PARTNERS_AMONG in reads  # patched, not read whole
        assert patched[0].partners.shared == before[0].partners.shared - len(racers)
        assert _comparable(patched) == _comparable(target.target_context(graph, req))
    finally:
        reuse.TARGETS.entries.clear()
        reset_seeded(graph)
