"""`python -m chainmap import bulk`: the same directories loaded online (the test instance) and through neo4j-admin's
importer (a throw-away instance) give the same graph, compared as sets of tuples; a non-empty database is refused."""

import os
import shutil
import subprocess
import sys

import pytest

from chainmap.gaps.timeline import BOOKKEEPING
from chainmap.graph import Graph
from chainmap.settings import Settings
from tests.conftest import ROOT, SEEDS, free_port, reset_seeded

# Bookkeeping that differs by design: revision tokens are random, keys and audit entries are per instance, stored
# ranked lists are caches. The rank-key marker is compared on its own.
NODES = ("MATCH (n) WHERE NOT (n:Revision OR n:ApiKey OR n:AuditEntry OR n:AuditState OR n:RankedList) "
         "RETURN labels(n) AS labels, properties(n) AS props")
RELATIONSHIPS = ("MATCH (a)-[r]->(b) WHERE NOT (a:Revision OR a:ApiKey OR a:AuditEntry OR a:RankedList) "
                 "RETURN type(r) AS type, labels(a) AS a_labels, coalesce(a.uscc, a.id, a.adcode, a.code) AS a, "
                 "labels(b) AS b_labels, coalesce(b.uscc, b.id, b.adcode, b.code) AS b, properties(r) AS props")
MARKER = "MATCH (m:Revision {id: 'rank-keys'}) RETURN m.version AS version"


def frozen(value):
    if isinstance(value, list):
        return tuple(frozen(v) for v in value)
    if isinstance(value, dict):
        return frozenset((k, frozen(v)) for k, v in value.items())
    return value


def without_empty_ties(props: dict) -> dict:
    """A firm with no Hebei partner has `tie_counties: []` and `tie_links: []` after the online loader's full key
    rebuild and neither after its row writes or a bulk import; readers take both as no ties
    (coalesce(e.tie_counties, [])), and missing links as no bound, never a wrong one.
    A chain node's bookkeeping is left out (chainmap.gaps.timeline.BOOKKEEPING)."""
    return {k: v for k, v in props.items()
            if not (k in ("tie_counties", "tie_links") and v == []) and k not in BOOKKEEPING}


def snapshot(graph: Graph) -> tuple[set, set, list]:
    nodes = {(tuple(sorted(r["labels"])), frozen(without_empty_ties(r["props"]))) for r in graph.read(NODES)}
    relationships = {(r["type"], tuple(r["a_labels"]), r["a"], tuple(r["b_labels"]), r["b"], frozen(r["props"]))
                     for r in graph.read(RELATIONSHIPS)}
    return nodes, relationships, graph.read(MARKER)


def bulk(env, *directories):
    return subprocess.run([sys.executable, "-m", "chainmap", "import", "bulk", *map(str, directories)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=1200)


@pytest.fixture()
def bulk_instance(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "NEO4J_URI"}
    env.update(CHAINMAP_NEO4J_HOME=str(tmp_path / "n4j"), NEO4J_BOLT_PORT=str(free_port()), NEO4J_HEAP="512m",
               NEO4J_PAGECACHE="128m", NEO4J_IMPORT_MEMORY="256m", NEO4J_IMPORT_HEAP="512m")
    started = subprocess.run([str(ROOT / "scripts" / "neo4j"), "start"], env=env, capture_output=True, text=True,
                             timeout=300)
    assert started.returncode == 0, started.stderr
    yield env
    subprocess.run([str(ROOT / "scripts" / "neo4j"), "stop"], env=env, capture_output=True, timeout=120)


@pytest.mark.skipif(bool(os.environ.get("NEO4J_URI")), reason="bulk import needs a project-managed instance")
def test_bulk_import_gives_the_online_loaders_graph_and_refuses_a_second_time(graph, bulk_instance):
    done = bulk(bulk_instance, SEEDS, SEEDS / "synthetic")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "可以提供服务" in done.stdout
    imported = Graph(Settings.from_env(bulk_instance))
    try:
        reset_seeded(graph)  # the same directories, through the online loader
        online = snapshot(graph)
        assert online[0] and online[1] and online[2][0]["version"]
        bulk_graph = snapshot(imported)
        assert bulk_graph[0] - online[0] == set() and online[0] - bulk_graph[0] == set()
        assert bulk_graph[1] - online[1] == set() and online[1] - bulk_graph[1] == set()
        assert bulk_graph[2] == online[2]
        # The schema is in place and the derived data built: every chain node has stored facts.
        assert imported.read("MATCH (n:ChainNode) WHERE n.facts IS NULL RETURN count(n) AS n") == [{"n": 0}]
        assert imported.read("SHOW CONSTRAINTS YIELD name WHERE name = 'enterprise_uscc' RETURN count(*) AS n") == [
            {"n": 1}]

        before = imported.read("MATCH (n) RETURN count(n) AS n")
        imported.close()
        again = bulk(bulk_instance, SEEDS / "synthetic")
        assert again.returncode != 0
        assert "不是空的" in again.stderr and "chainmap load" in again.stderr
        imported = Graph(Settings.from_env(bulk_instance))
        assert imported.read("MATCH (n) RETURN count(n) AS n") == before
    finally:
        imported.close()


@pytest.mark.skipif(bool(os.environ.get("NEO4J_URI")), reason="bulk import needs a project-managed instance")
def test_bulk_import_of_bad_rows_lists_them_and_leaves_the_server_up_and_empty(bulk_instance, tmp_path):
    bad = tmp_path / "bad"
    shutil.copytree(SEEDS / "synthetic", bad)
    supplies = (bad / "supplies.csv").read_text(encoding="utf-8").splitlines()
    supplier = supplies[1].split(",")[0]
    supplies[2:2] = [f"{supplier},{supplier},supplies,2022-01-01,,", f"{supplier},91110000000000000X,borrows,2022-13-01,,"]
    (bad / "supplies.csv").write_text("\n".join(supplies) + "\n", encoding="utf-8")
    done = bulk(bulk_instance, SEEDS, bad)
    assert done.returncode != 0
    assert "supplies.csv:3: customer: 企业不能为自己配套" in done.stderr
    assert "supplies.csv:4: kind: 须为" in done.stderr and "supplies.csv:4: since:" in done.stderr
    imported = Graph(Settings.from_env(bulk_instance))  # the server was stopped for the import, and is up again
    try:
        assert imported.read("MATCH (n) RETURN count(n) AS n") == [{"n": 0}]
    finally:
        imported.close()
