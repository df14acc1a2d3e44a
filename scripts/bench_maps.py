#!/usr/bin/env python3
"""Map layers under gunicorn, as ratios against the trivial endpoint (GET /api/v1) in the same run.

Runs against the Neo4j the environment names (CHAINMAP_NEO4J_HOME / NEO4J_BOLT_PORT, or NEO4J_URI), loading the seeds
and the synthetic set when it holds no clusters. Prints, for the province-wide flows layer: the first request's time
(it ranks every gap node's targets unless an earlier request did so today), then p50/p95 of warm requests and the
sizes as sent identity, gzip and brotli; for the clusters and counties layers, p50/p95.

    .venv/bin/python scripts/bench_maps.py [--requests 30] [--port 0] [--cold]
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

from chainmap.api_keys import create_key  # noqa: E402
from chainmap.graph import Graph  # noqa: E402
from chainmap.graph.schema import apply_schema  # noqa: E402
from chainmap.loading.loader import load_directory  # noqa: E402
from chainmap.policy import load_policies  # noqa: E402
from chainmap.settings import Settings  # noqa: E402
from scripts._bench import percentiles, start_gunicorn  # noqa: E402

PATHS = {"trivial": "", "flows (province)": "/map/flows.geojson", "flows (衡水)": "/map/flows.geojson?city=衡水",
         "clusters": "/map/clusters.geojson", "counties": "/map/counties.geojson"}


def timed(session: requests.Session, url: str, **headers: str) -> tuple[float, requests.Response]:
    start = time.perf_counter()
    response = session.get(url, headers=headers, timeout=120)
    response.raise_for_status()
    return time.perf_counter() - start, response


def main() -> None:
    parser = argparse.ArgumentParser(description="Map layers under gunicorn, as ratios against the trivial endpoint")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--port", type=int, default=0, help="gunicorn's port (default: a free one)")
    parser.add_argument("--cold", action="store_true", help="renew the cache first: every ranked list is recomputed")
    args = parser.parse_args()
    env = dict(os.environ)
    graph = Graph(Settings.from_env(env))
    apply_schema(graph)
    if not graph.read("MATCH (c:Cluster) RETURN count(c) AS n")[0]["n"]:
        for directory in (ROOT / "seeds", ROOT / "seeds" / "synthetic"):
            load_directory(graph, load_policies(), directory)
    key = create_key(graph, "map", [], "bench_maps")
    if args.cold:
        graph.renew()
    process, base = start_gunicorn(env, workers=2, port=args.port)
    try:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {key}"
        start, attempts = time.perf_counter(), 0
        while True:  # cold, a request may pass the database budget: 503, keeping what it ranked; retry
            attempts += 1
            status = session.get(base + PATHS["flows (province)"], timeout=120).status_code
            if status != 503 or attempts == 20:
                break
        first = time.perf_counter() - start
        results = {}
        for name, path in PATHS.items():
            samples = [timed(session, base + path, **{"Accept-Encoding": "gzip"})[0] for _ in range(args.requests)]
            results[name] = percentiles(samples)
        baseline = results["trivial"][0]
        print(f"province flows until the first 200 ({status}): {first * 1000:.0f} ms in {attempts} request(s) "
              f"({first * 1000 / baseline:.0f}x trivial p50)")
        for name, (p50, p95, _) in results.items():
            print(f"{name:18s} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  p50 = {p50 / baseline:6.1f}x trivial")
        sizes = {coding: len(session.get(base + PATHS["flows (province)"], headers={"Accept-Encoding": coding},
                                         stream=True).raw.read())
                 for coding in ("identity", "gzip", "br")}
        print("province flows as sent: " + ", ".join(f"{c} {n / 1024:.0f} KiB" for c, n in sizes.items()))
    finally:
        process.terminate()
        process.wait(timeout=30)
        graph.write("MATCH (k:ApiKey {label: 'bench_maps'}) DETACH DELETE k")


if __name__ == "__main__":
    main()
