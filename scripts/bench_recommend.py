#!/usr/bin/env python3
"""Recommendation latency under gunicorn at several data scales, next to the trivial endpoint, plus the query plan.

Each scale has its own instance under var/ (loaded once: the seeds, the committed synthetic set and a synthetic
province-style set of N enterprises with 3N SUPPLIES); the 1,000,000 scale reuses scripts/bench_api.py's province
instance. Beijing/Tianjin firms are about 40 % of N.

    .venv/bin/python scripts/bench_recommend.py [--scales 10000,100000,1000000] [--requests 100]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import datetime as dt  # noqa: E402

from chainmap import recommendations  # noqa: E402
from chainmap.graph import Graph  # noqa: E402
from chainmap.graph.schema import apply_schema  # noqa: E402
from chainmap.keys import create_key  # noqa: E402
from chainmap.loading.loader import load_directory  # noqa: E402
from chainmap.settings import Settings  # noqa: E402
from scripts._bench import percentiles, start_gunicorn  # noqa: E402
from scripts.bench_api import ensure_data  # noqa: E402

CLUSTER, NODE = "anping-wire-mesh", "membrane"


def instance(scale: int) -> tuple[dict[str, str], Graph]:
    heap = os.environ.get("NEO4J_HEAP", "4g" if scale >= 1_000_000 else "1g")
    env = dict(os.environ, NEO4J_HEAP=heap, NEO4J_PAGECACHE=os.environ.get("NEO4J_PAGECACHE", heap))
    env.pop("NEO4J_URI", None)
    if scale == 1_000_000:
        env.update(CHAINMAP_NEO4J_HOME=str(ROOT / "var" / "neo4j-province"), NEO4J_BOLT_PORT="7697")
        return env, ensure_data(env)
    env.update(CHAINMAP_NEO4J_HOME=str(ROOT / "var" / f"neo4j-rec-{scale}"),
               NEO4J_BOLT_PORT=str(7690 + len(str(scale))))
    subprocess.run([str(ROOT / "scripts" / "neo4j"), "start"], env=env, check=True)
    graph = Graph(Settings.from_env(env))
    apply_schema(graph)
    if graph.read("MATCH (e:Enterprise) RETURN count(e) AS n")[0]["n"] < scale:
        data = ROOT / "var" / f"rec-{scale}"
        if not (data / "supplies.csv").exists():
            subprocess.run([sys.executable, str(ROOT / "scripts" / "synth.py"), "--scale", "province", "--seed", "11",
                            "--enterprises", str(scale), "--supplies", str(3 * scale), "--out", str(data)], check=True)
        for directory in (ROOT / "seeds", ROOT / "seeds" / "synthetic", data):
            load_directory(graph, directory)
    return env, graph


def timings(session: requests.Session, url: str, headers: dict, n: int, graph: Graph | None = None,
            ) -> tuple[float, float, dict]:
    """p50 and p95 of n requests. With `graph`, a small write before each request (not timed) renews the graph's
    revision, so every request computes its ranking afresh (cold); without it, repeats reuse the ranking (warm)."""
    for _ in range(3):
        session.get(url, headers=headers).raise_for_status()
    samples = []
    body: dict = {}
    for _ in range(n):
        if graph is not None:
            graph.write("MERGE (t:BenchTick {id: 'recommend'}) SET t.at = timestamp()")
        t = time.perf_counter()
        response = session.get(url, headers=headers)
        samples.append(time.perf_counter() - t)
        response.raise_for_status()
        body = response.json()
    return *percentiles(samples)[:2], body


def plan(graph: Graph) -> tuple[int, list[str]]:
    """Candidates of the benchmark node (active Beijing/Tianjin firms its walk reaches) and the operators of its
    candidate query (leaf first), from PROFILE."""
    _, params = recommendations.query_parameters(graph, CLUSTER, f"{CLUSTER}.{NODE}", ["11", "12"], dt.date.today())
    with graph.driver.session(database=graph.database) as session:
        summary = session.run("PROFILE " + recommendations.CANDIDATES_NEAR, **params,
                              min_revenue=None).consume()
    out: list[str] = []

    def walk(op: dict) -> None:
        for child in op.get("children", []):
            walk(child)
        out.append(op["operatorType"].split("@")[0])

    walk(summary.profile)
    count = graph.read(recommendations._NEAR + recommendations.CANDIDATE_FILTER + "RETURN count(e) AS n",
                       **params)[0]["n"]
    return count, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="10000,100000,1000000")
    parser.add_argument("--requests", type=int, default=100)
    args = parser.parse_args()
    for scale in [int(s) for s in args.scales.split(",")]:
        env, graph = instance(scale)
        key = create_key(graph, "viewer", [], "bench_recommend")
        bj = graph.read("MATCH (e:Enterprise) WHERE e.region STARTS WITH '11' OR e.region STARTS WITH '12' "
                        "RETURN count(e) AS n")[0]["n"]
        candidates, operators = plan(graph)
        print(f"\n== {scale:,} enterprises: {bj:,} in Beijing/Tianjin; {candidates:,} candidates for {CLUSTER}.{NODE}")
        print(f"   candidate query operators (leaf first): {' -> '.join(operators)}")
        server, base = start_gunicorn(env, 2)
        headers = {"Authorization": f"Bearer {key}"}
        try:
            session = requests.Session()
            p50, p95, _ = timings(session, f"{base}/", headers, args.requests)
            print(f"   {'GET /api/v1/ (trivial JSON, baseline)':48s} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms")
            for name, url, n in [
                ("one node, limit 20 (安平丝网 membrane)",
                 f"{base}/clusters/{CLUSTER}/recommendations?node={NODE}&limit=20", args.requests),
                ("whole cluster, limit 10 per node (安平丝网)", f"{base}/clusters/{CLUSTER}/recommendations",
                 max(20, args.requests // 5)),
                ("whole cluster, limit 10 per node (清河羊绒)", f"{base}/clusters/qinghe-cashmere/recommendations",
                 max(20, args.requests // 5)),
            ]:
                for mode, write in (("cold", graph), ("warm", None)):
                    p50, p95, body = timings(session, url, headers, n, write)
                    print(f"   {name:40s} {mode} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  "
                          f"({len(body['nodes'])} nodes, {len(body['items'])} items)")
        finally:
            server.terminate()
            server.wait()
            graph.close()


if __name__ == "__main__":
    main()
