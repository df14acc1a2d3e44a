#!/usr/bin/env python3
"""Baseline figures that later benchmarks are compared against (as ratios, in the same run).

Prints: Neo4j cold-start time of a fresh throw-away instance; p50/p95 of a bare `RETURN 1`
through the project's graph adapter; p50/p95 and requests/s of /api/v1/health and of the
trivial JSON index /api/v1/ under gunicorn on loopback.

    .venv/bin/python scripts/bench_baseline.py [--requests 2000] [--concurrency 4]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chainmap.graph import Graph  # noqa: E402
from chainmap.settings import Settings  # noqa: E402
from scripts._bench import free_port, percentiles, start_gunicorn  # noqa: E402


def cold_start(env: dict[str, str]) -> float:
    began = time.monotonic()
    subprocess.run([str(ROOT / "scripts" / "neo4j"), "start"], env=env, check=True, capture_output=True)
    return time.monotonic() - began


def bolt_round_trips(graph: Graph, n: int) -> list[float]:
    for _ in range(50):  # warm the pool and the query cache
        graph.read("RETURN 1 AS x")
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        graph.read("RETURN 1 AS x")
        samples.append(time.perf_counter() - t)
    return samples


def http_latency(url: str, n: int) -> list[float]:
    session = requests.Session()
    for _ in range(50):
        session.get(url).raise_for_status()
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        session.get(url).raise_for_status()
        samples.append(time.perf_counter() - t)
    return samples


def http_throughput(url: str, n: int, concurrency: int) -> float:
    def worker(count: int) -> None:
        session = requests.Session()
        for _ in range(count):
            session.get(url).raise_for_status()

    began = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(worker, [n // concurrency] * concurrency))
    return (n // concurrency * concurrency) / (time.perf_counter() - began)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=3)
    args = parser.parse_args()

    home = Path(tempfile.mkdtemp(prefix="chainmap-bench-", dir=ROOT / "var"))
    env = dict(os.environ, CHAINMAP_NEO4J_HOME=str(home), NEO4J_BOLT_PORT=str(free_port()))
    env.pop("NEO4J_URI", None)
    gunicorn = None
    try:
        start_s = cold_start(env)
        settings = Settings.from_env(env)
        graph = Graph(settings)
        version = graph.read("CALL dbms.components() YIELD versions, edition RETURN versions[0] AS v, edition")[0]
        bolt = percentiles(bolt_round_trips(graph, args.requests))[:2]
        graph.close()

        gunicorn, base = start_gunicorn(env, args.workers)
        rows = []
        for name, url in [("GET /api/v1/health", f"{base}/health"), ("GET /api/v1/ (trivial JSON)", f"{base}/")]:
            p50, p95, _ = percentiles(http_latency(url, args.requests))
            rps = http_throughput(url, args.requests, args.concurrency)
            rows.append((name, p50, p95, rps))

        print(f"Neo4j {version['v']} {version['edition']}, {os.cpu_count()} cores; "
              f"{args.requests} requests, gunicorn {args.workers} sync workers, {args.concurrency} client threads")
        print(f"neo4j cold start (fresh store, scripts/neo4j start): {start_s:.1f} s")
        print(f"bolt RETURN 1 via Graph.read: p50 {bolt[0]:.2f} ms  p95 {bolt[1]:.2f} ms")
        for name, p50, p95, rps in rows:
            print(f"{name:32s} p50 {p50:.2f} ms  p95 {p95:.2f} ms  {rps:.0f} req/s "
                  f"(p50 = {p50 / bolt[0]:.1f}x bolt RETURN 1)")
    finally:
        if gunicorn:
            gunicorn.terminate()
            gunicorn.wait()
        subprocess.run([str(ROOT / "scripts" / "neo4j"), "stop"], env=env, capture_output=True)
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
