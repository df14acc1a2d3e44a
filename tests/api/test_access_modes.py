"""Every read runs in a read transaction and every write in a write transaction, so a cluster can route them.

The suite connects with the routing scheme (neo4j://) against the project's server: the driver and the server then
treat each transaction by its access mode exactly as a cluster or Aura would, and a write issued in a read
transaction is refused. These tests pin that down; the rest of the suite exercises every path under it.
"""

import os

import neo4j
import pytest

from chainmap.errors import Unavailable
from chainmap.recommendations import reuse
from tests.conftest import counts

PROBE = "CREATE (:TestProbe {key: 'read-mode'})"


@pytest.mark.skipif(bool(os.environ.get("NEO4J_URI")), reason="checks the scheme of the project-managed server")
def test_the_suite_uses_the_routing_driver(graph):
    assert graph.driver.__class__ is neo4j.Neo4jDriver


def test_a_write_in_a_read_transaction_is_refused_and_changes_nothing(graph):
    before = counts(graph)
    with pytest.raises((neo4j.exceptions.ClientError, Unavailable)) as failure:
        graph.read(PROBE)
    assert "AccessMode" in str(failure.value) or isinstance(failure.value, Unavailable)
    with pytest.raises(neo4j.exceptions.ClientError, match="AccessMode"):
        with graph.stream(PROBE) as rows:
            list(rows)
    assert counts(graph) == before


def test_a_get_that_refreshes_stale_facts_writes_them_in_a_write_transaction(graph, client, keys):
    graph.write("MATCH (:Cluster {id: 'qinghe-cashmere'})-[:HAS_NODE]->(n:ChainNode) SET n.facts = null")
    response = client.get("/api/v1/clusters/qinghe-cashmere/chain", headers=keys["viewer"])
    assert response.status_code == 200, response.get_json()
    stale = graph.read("MATCH (:Cluster {id: 'qinghe-cashmere'})-[:HAS_NODE]->(n:ChainNode) WHERE n.facts IS NULL "
                       "RETURN count(n) AS n")
    assert stale == [{"n": 0}]


def test_a_get_that_stores_a_ranked_list_writes_it_in_a_write_transaction(graph, client, keys):
    graph.write("MATCH (l:RankedList) DETACH DELETE l")
    reuse.RANKED.entries.clear()  # this process's copy, so the answer is computed and stored afresh
    response = client.get("/api/v1/clusters/anping-wire-mesh/recommendations?node=membrane", headers=keys["viewer"])
    assert response.status_code == 200, response.get_json()
    reuse.STORES.flush()  # stored behind the answer, by this process's storing thread
    assert graph.read("MATCH (l:RankedList) RETURN count(l) AS n")[0]["n"] >= 1
