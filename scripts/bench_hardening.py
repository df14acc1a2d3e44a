#!/usr/bin/env python3
"""What the hardening of issue 14 costs, as ratios against a baseline measured in the same run.

1. The rate limiter on the trivial endpoint /api/v1/: gunicorn with the limits off and on (limits set high enough
   never to refuse), alternating rounds, p50 and requests/s of each, and the ratio.
2. The audit trail per write: the same cluster PATCH through the domain function with an actor acting (entry
   written in the transaction) and without (no entry), alternating; p50 of each and the difference.

Runs against the Neo4j of the environment (the dev instance by default; CHAINMAP_NEO4J_HOME/NEO4J_BOLT_PORT for
another). It patches one cluster's `source` field back and forth and leaves audit entries tagged `bench`.

    .venv/bin/python scripts/bench_hardening.py [--requests 3000] [--writes 400]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chainmap import audit, clusters  # noqa: E402
from chainmap.graph import Graph  # noqa: E402
from chainmap.settings import Settings  # noqa: E402
from scripts._bench import percentiles, start_gunicorn  # noqa: E402

HIGH = "1000000/minute"


def hammer(url: str, n: int, concurrency: int) -> tuple[list[float], float]:
    def one(_):
        with requests.Session() as session:
            out = []
            for _ in range(n // concurrency):
                began = time.perf_counter()
                assert session.get(url, timeout=10).status_code == 200
                out.append(time.perf_counter() - began)
            return out

    began = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        samples = [s for chunk in pool.map(one, range(concurrency)) for s in chunk]
    return samples, len(samples) / (time.perf_counter() - began)


def limiter_cost(n: int, concurrency: int, rounds: int) -> None:
    env = dict(os.environ)
    off = dict(env, CHAINMAP_RATE_ADDRESS="", CHAINMAP_RATE_KEY="", CHAINMAP_RATE_AUTH_FAILURES="")
    on = dict(env, CHAINMAP_RATE_ADDRESS=HIGH, CHAINMAP_RATE_KEY=HIGH, CHAINMAP_RATE_AUTH_FAILURES=HIGH)
    servers = {name: start_gunicorn(e, workers=2) for name, e in (("off", off), ("on", on))}
    results: dict[str, list[float]] = {"off": [], "on": []}
    rates: dict[str, list[float]] = {"off": [], "on": []}
    try:
        for _, base in servers.values():
            hammer(f"{base}/", 300, concurrency)  # warm up
        for _ in range(rounds):
            for name, (_, base) in servers.items():
                samples, rate = hammer(f"{base}/", n // rounds, concurrency)
                results[name] += samples
                rates[name].append(rate)
    finally:
        for process, _ in servers.values():
            process.terminate()
            process.wait()
    p50 = {k: percentiles(v)[0] for k, v in results.items()}
    rps = {k: statistics.median(v) for k, v in rates.items()}
    print(f"rate limiter on GET /api/v1/ ({n} requests each, {concurrency} clients, {rounds} alternating rounds):")
    print(f"  off: p50 {p50['off']:.2f} ms, {rps['off']:.0f} req/s")
    print(f"  on:  p50 {p50['on']:.2f} ms, {rps['on']:.0f} req/s")
    print(f"  cost: p50 x{p50['on'] / p50['off']:.3f}, throughput x{rps['on'] / rps['off']:.3f} "
          f"({(1 - rps['on'] / rps['off']) * 100:+.1f} % fewer requests/s; goal <= 5 %)")


def audit_cost(writes: int) -> None:
    graph = Graph(Settings.from_env())
    cluster = graph.read("MATCH (c:Cluster) RETURN c.id AS id ORDER BY c.id LIMIT 1")[0]["id"]
    timings: dict[str, list[float]] = {"without": [], "with": []}
    actor = audit.Actor("benchbench00", "bench", "admin")
    for i in range(writes + 40):
        for name in ("without", "with"):
            began = time.perf_counter()
            with audit.acting(actor if name == "with" else None):
                clusters.patch_cluster(graph, cluster, {"source": f"bench {name} {i}"})
            if i >= 40:
                timings[name].append(time.perf_counter() - began)
    graph.close()
    p50 = {k: statistics.median(v) * 1000 for k, v in timings.items()}
    print(f"audit trail on a cluster PATCH ({writes} writes each, alternating, after 40 warm-up):")
    print(f"  without an entry: p50 {p50['without']:.2f} ms; with: p50 {p50['with']:.2f} ms")
    print(f"  cost per write: p50 {p50['with'] - p50['without']:+.2f} ms (x{p50['with'] / p50['without']:.3f}; "
          "goal <= 1 ms)")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--writes", type=int, default=400)
    args = parser.parse_args()
    limiter_cost(args.requests, args.concurrency, args.rounds)
    audit_cost(args.writes)


if __name__ == "__main__":
    main()
