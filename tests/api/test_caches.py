"""Per-process caches: API key records for a few seconds (revocation within that time), rendered chains, cluster
lists and cluster counts by the data revision (any data change is shown at the next request)."""

import time

import pytest

from chainmap import api_keys
from chainmap.api_keys import authenticate, create_key, revoke_key
from chainmap.errors import Unauthorized
from chainmap.graph import footprints


def revoke_elsewhere(graph, key_id):
    """A revocation made by another process (another gunicorn worker, the CLI): this process's cache is not told."""
    graph.write(api_keys.REVOKE, touches=footprints.NOTHING, id=key_id)


def test_a_key_revoked_elsewhere_is_refused_within_the_cache_time(graph):
    header = f"Bearer {create_key(graph, 'viewer', [], 'cache probe')}"
    key_id = header.split("_")[1]
    assert authenticate(graph, header, max_age=1.0).role == "viewer"
    revoke_elsewhere(graph, key_id)
    assert authenticate(graph, header, max_age=1.0).role == "viewer"  # the documented window
    with pytest.raises(Unauthorized):
        authenticate(graph, header)  # without the cache: at once
    time.sleep(1.1)
    with pytest.raises(Unauthorized):
        authenticate(graph, header, max_age=1.0)


def test_a_key_revoked_in_this_process_is_refused_at_once(graph, client):
    header = f"Bearer {create_key(graph, 'viewer', [], 'cache probe')}"
    assert client.get("/api/v1/clusters", headers={"Authorization": header}).status_code == 200
    revoke_key(graph, header.split("_")[1])
    assert client.get("/api/v1/clusters", headers={"Authorization": header}).status_code == 401


def test_a_cached_key_still_needs_its_secret(graph):
    header = f"Bearer {create_key(graph, 'viewer', [], 'cache probe')}"
    assert authenticate(graph, header, max_age=30).role == "viewer"
    forged = header[:-4] + ("AAAA" if not header.endswith("AAAA") else "BBBB")
    with pytest.raises(Unauthorized):
        authenticate(graph, forged, max_age=30)


def test_a_rendered_chain_is_reused_until_data_changes(graph, client, keys):
    url = "/api/v1/clusters/qinghe-cashmere/chain"
    first = client.get(url, headers=keys["viewer"])
    again = client.get(url, headers=keys["viewer"])
    assert first.status_code == again.status_code == 200
    assert first.data == again.data and first.headers["ETag"] == again.headers["ETag"]
    assert client.get(url, headers={**keys["viewer"], "If-None-Match": first.headers["ETag"]}).status_code == 304
    node = first.get_json()["nodes"][0]["id"]
    try:  # a change made around the API (as cypher-shell would) is shown at the next request
        graph.write("MATCH (n:ChainNode {id: $id}) SET n.name = n.name + '（改）'", id=node)
        changed = client.get(url, headers=keys["viewer"])
        assert changed.get_json()["nodes"][0]["name"].endswith("（改）")
        assert changed.headers["ETag"] != first.headers["ETag"]
    finally:
        graph.write("MATCH (n:ChainNode {id: $id}) SET n.name = replace(n.name, '（改）', '')", id=node)
    assert client.get(url, headers=keys["viewer"]).data == first.data


@pytest.mark.parametrize("url, computed", [
    ("/api/v1/clusters?county=130534", "list_clusters_with_counts"),
    ("/api/v1/clusters/qinghe-cashmere", "get_cluster"),
])
def test_cluster_answers_are_reused_until_data_changes(graph, client, keys, monkeypatch, url, computed):
    from api import clusters as view

    calls = []
    original = getattr(view.clusters, computed)
    monkeypatch.setattr(view.clusters, computed, lambda *a, **k: calls.append(1) or original(*a, **k))
    graph.write("MERGE (p:TestProbe {key: 'cluster-cache'}) SET p.at = timestamp()")  # a new data revision
    try:
        first = client.get(url, headers=keys["viewer"])
        again = client.get(url, headers=keys["viewer"])
        assert first.status_code == again.status_code == 200
        assert first.data == again.data and first.headers["ETag"] == again.headers["ETag"]
        assert len(calls) == 1  # the second answer is the first one's bytes
        # a change made around the API (as cypher-shell would) is shown at the next request
        graph.write("MATCH (c:Cluster {id: 'qinghe-cashmere'}) SET c.name = c.name + '（改）'")
        changed = client.get(url, headers=keys["viewer"]).get_json()
        assert len(calls) == 2
        shown = [c for c in changed.get("items", [changed]) if c["id"] == "qinghe-cashmere"]
        assert shown and shown[0]["name"].endswith("（改）")
    finally:
        graph.write("MATCH (c:Cluster {id: 'qinghe-cashmere'}) SET c.name = replace(c.name, '（改）', '')")
        graph.write("MATCH (p:TestProbe {key: 'cluster-cache'}) DELETE p")


def test_a_derived_write_does_not_renew_the_data_revision(graph):
    before = graph.data_revision()
    graph.write("MATCH (n:ChainNode) WITH n LIMIT 1 SET n.facts_on = n.facts_on", touches=footprints.NOTHING)
    assert graph.data_revision() == before
    graph.write("MERGE (p:TestProbe {key: 'data-revision'}) SET p.at = timestamp()")
    try:
        assert graph.data_revision() != before
    finally:
        graph.write("MATCH (p:TestProbe {key: 'data-revision'}) DELETE p")
