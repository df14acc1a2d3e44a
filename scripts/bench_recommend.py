#!/usr/bin/env python3
"""Recommendation latency at province scale under gunicorn, next to the trivial endpoint, plus the query plan.

Reuses the province instance of scripts/bench_api.py (var/neo4j-province, loaded on first use by that script).

    .venv/bin/python scripts/bench_recommend.py [--requests 200]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chainmap import recommendations  # noqa: E402
from chainmap.graph import Graph  # noqa: E402
from chainmap.keys import create_key  # noqa: E402
from scripts._bench import percentiles, start_gunicorn  # noqa: E402
from scripts.bench_api import ensure_data  # noqa: E402


def timings(session: requests.Session, url: str, headers: dict, n: int) -> tuple[float, float]:
    for _ in range(5):
        session.get(url, headers=headers).raise_for_status()
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        session.get(url, headers=headers).raise_for_status()
        samples.append(time.perf_counter() - t)
    return percentiles(samples)[:2]


def plan_operators(graph: Graph, node: str, cluster: str, county: str) -> list[str]:
    with graph.driver.session(database=graph.database) as session:
        summary = session.run("EXPLAIN " + recommendations.CANDIDATES_NEAR, node=node, cluster=cluster,
                              county=county, origins=["11", "12"]).consume()
    out: list[str] = []

    def walk(op: dict) -> None:
        for child in op.get("children", []):
            walk(child)
        out.append(op["operatorType"].split("@")[0])

    walk(summary.plan)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    env = dict(os.environ, CHAINMAP_NEO4J_HOME=str(ROOT / "var" / "neo4j-province"), NEO4J_BOLT_PORT="7697",
               NEO4J_HEAP=os.environ.get("NEO4J_HEAP", "4g"), NEO4J_PAGECACHE=os.environ.get("NEO4J_PAGECACHE", "4g"))
    env.pop("NEO4J_URI", None)
    graph = ensure_data(env)
    key = create_key(graph, "viewer", [], "bench_recommend")
    bj = graph.read("MATCH (e:Enterprise) WHERE e.region STARTS WITH '11' OR e.region STARTS WITH '12' "
                    "RETURN count(e) AS n")[0]["n"]
    print(f"{bj:,} Beijing/Tianjin enterprises; operators of the candidate walk (leaf first): "
          f"{' -> '.join(plan_operators(graph, 'anping-wire-mesh.membrane', 'anping-wire-mesh', '131125'))}")
    graph.close()

    server, base = start_gunicorn(env, 2)
    headers = {"Authorization": f"Bearer {key}"}
    try:
        session = requests.Session()
        for name, url, n in [
            ("GET /api/v1/ (trivial JSON, baseline)", f"{base}/", args.requests),
            ("one node, limit 20 (安平丝网 membrane)", f"{base}/clusters/anping-wire-mesh/recommendations"
                                                    f"?node=membrane&limit=20", args.requests),
            ("whole cluster, limit 10 per node (安平丝网)", f"{base}/clusters/anping-wire-mesh/recommendations",
             max(20, args.requests // 5)),
            ("whole cluster, limit 10 per node (清河羊绒)", f"{base}/clusters/qinghe-cashmere/recommendations",
             max(20, args.requests // 5)),
        ]:
            p50, p95 = timings(session, url, headers, n)
            print(f"{name:44s} p50 {p50:8.1f} ms  p95 {p95:8.1f} ms")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
