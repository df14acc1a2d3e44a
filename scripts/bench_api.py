#!/usr/bin/env python3
"""API latency and throughput at province scale, as ratios against the trivial endpoint in the same run.

Uses a persistent Neo4j instance in var/neo4j-province; the first run loads the seeds and the province-scale
synthetic set into it (1,000,000 enterprises, 3,000,000 SUPPLIES; several minutes), later runs reuse it. Serves
the app under gunicorn (2 sync workers) on loopback and measures p50/p95/p99 and requests/s of GET /api/v1/
(trivial JSON, the baseline), /clusters, /clusters/{id}, /clusters/{id}/chain and the 链上企业名录 of every node
(province scope, the widest).

    .venv/bin/python scripts/bench_api.py [--requests 1000] [--concurrency 4] [--stop]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chainmap import uscc  # noqa: E402
from chainmap.graph import Graph  # noqa: E402
from chainmap.gaps.analysis import refresh_facts  # noqa: E402
from chainmap.graph.schema import apply_schema  # noqa: E402
from chainmap.api_keys import create_key  # noqa: E402
from chainmap.loading.loader import load_directory  # noqa: E402
from chainmap.policy import load_policies  # noqa: E402
from chainmap.settings import Settings  # noqa: E402
from scripts._bench import percentiles, start_gunicorn  # noqa: E402

PROVINCE = ROOT / "var" / "province-1000000-3000000"


def ensure_data(env: dict[str, str]) -> Graph:
    subprocess.run([str(ROOT / "scripts" / "neo4j"), "start"], env=env, check=True)
    graph = Graph(Settings.from_env(env))
    apply_schema(graph)
    if graph.read("MATCH (e:Enterprise) RETURN count(e) AS n")[0]["n"] < 1_000_000:
        if not (PROVINCE / "supplies.csv").exists():
            subprocess.run([sys.executable, str(ROOT / "scripts" / "synth.py"), "--scale", "province", "--seed", "11",
                            "--out", str(PROVINCE)], check=True)
        print("loading seeds and the province-scale set (once) ...", flush=True)
        for directory in (ROOT / "seeds", ROOT / "seeds" / "synthetic", PROVINCE):
            load_directory(graph, load_policies(), directory)
    return graph


def ensure_reward_case(graph: Graph) -> dict[str, str]:
    """A Beijing firm introduced into 清河羊绒 with 200 local 协作配套 partners (idempotent)."""
    firm = uscc.compose("9", "1", "110105", "B0000200")
    graph.write(
        "MERGE (e:Enterprise {uscc: $firm}) SET e.name = '北京基准测试集团有限公司', e.entity_type = 'company', "
        "e.region = '110105', e.status = 'active', e.synthetic = true, e.industry_codes = ['1721'], "
        "e.revenue_years = [2024, 2025], e.revenue_values = [90000000, 95000000] "
        "WITH e MATCH (c:Cluster {id: 'qinghe-cashmere'}) "
        "MERGE (i:Introduction {id: 'intro-bench-200'}) SET i.enterprise = $firm, i.cluster = c.id, "
        "i.origin_region = '110105', i.introduced_on = date('2023-01-01'), i.stage = 'landed' "
        "MERGE (i)-[:OF]->(e) MERGE (i)-[:INTO]->(c) "
        "WITH e MATCH (p:Enterprise {region: '130534', status: 'active'}) WITH e, p ORDER BY p.uscc LIMIT 200 "
        "MERGE (p)-[r:SUPPLIES {kind: 'supplies', since: date('2023-06-01')}]->(e)", firm=firm)
    return {"enterprise": firm, "cluster": "qinghe-cashmere", "as_of": "2026-11-27"}


def measure_post(url: str, body: dict, headers: dict[str, str], n: int) -> tuple[float, float, float]:
    session = requests.Session()
    for _ in range(10):
        session.post(url, json=body, headers=headers).raise_for_status()
    samples = []
    for _ in range(n):
        t = time.perf_counter()
        session.post(url, json=body, headers=headers).raise_for_status()
        samples.append(time.perf_counter() - t)
    return percentiles(samples)


def measure(urls: list[str], headers: dict[str, str], n: int, concurrency: int) -> tuple[float, float, float, float]:
    session = requests.Session()
    for url in urls[:20]:
        session.get(url, headers=headers).raise_for_status()
    samples = []
    for i in range(n):
        t = time.perf_counter()
        session.get(urls[i % len(urls)], headers=headers).raise_for_status()
        samples.append(time.perf_counter() - t)
    p50, p95, p99 = percentiles(samples)

    def worker(offset: int) -> None:
        s = requests.Session()
        for i in range(n // concurrency):
            s.get(urls[(i + offset) % len(urls)], headers=headers).raise_for_status()

    began = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(worker, range(concurrency)))
    rps = (n // concurrency * concurrency) / (time.perf_counter() - began)
    return p50, p95, p99, rps


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--stop", action="store_true", help="stop the province instance afterwards")
    args = parser.parse_args()

    env = dict(os.environ, CHAINMAP_NEO4J_HOME=str(ROOT / "var" / "neo4j-province"), NEO4J_BOLT_PORT="7697",
               NEO4J_HEAP=os.environ.get("NEO4J_HEAP", "4g"), NEO4J_PAGECACHE=os.environ.get("NEO4J_PAGECACHE", "4g"))
    env.pop("NEO4J_URI", None)
    graph = ensure_data(env)
    key = create_key(graph, "analyst", [], "bench_api")
    reward_case = ensure_reward_case(graph)
    began = time.perf_counter()
    refreshed = refresh_facts(graph)
    print(f"chain-node facts refreshed for {refreshed} nodes x 3 scopes in {time.perf_counter() - began:.1f} s "
          f"(what a load or the first analysis after it pays)")
    ids = [r["id"] for r in graph.read("MATCH (c:Cluster) RETURN c.id AS id ORDER BY id")]
    node_keys = [(r["c"], r["k"]) for r in graph.read(
        "MATCH (c:Cluster)-[:HAS_NODE]->(n:ChainNode) RETURN c.id AS c, n.key AS k ORDER BY c, k")]
    sizes = graph.read("MATCH (e:Enterprise) WITH count(e) AS e MATCH ()-[s:SUPPLIES]->() RETURN e, count(s) AS s")[0]
    graph.close()

    server, base = start_gunicorn(env, 2)
    headers = {"Authorization": f"Bearer {key}"}
    try:
        random.Random(1).shuffle(ids)
        targets = [
            ("GET /api/v1/ (trivial JSON, baseline)", [f"{base}/"]),
            ("GET /clusters", [f"{base}/clusters"]),
            ("GET /clusters/{id}", [f"{base}/clusters/{i}" for i in ids]),
            ("GET /clusters/{id}/chain", [f"{base}/clusters/{i}/chain" for i in ids]),
            ("GET …/nodes/{key}/enterprises province", [f"{base}/clusters/{c}/nodes/{k}/enterprises?scope=province"
                                                        for c, k in node_keys]),
        ]
        print(f"graph: {sizes['e']:,} enterprises, {sizes['s']:,} SUPPLIES; gunicorn 2 sync workers; "
              f"{args.requests} sequential requests for latency, {args.concurrency} client threads for throughput")
        baseline_rps = None
        for name, urls in targets:
            p50, p95, p99, rps = measure(urls, headers, args.requests, args.concurrency)
            baseline_rps = baseline_rps or rps
            print(f"{name:40s} p50 {p50:6.2f} ms  p95 {p95:6.2f} ms  p99 {p99:6.2f} ms  {rps:6.0f} req/s "
                  f"({rps / baseline_rps:.0%} of baseline)")
        for fmt in ("json", "xlsx"):
            times = []
            for _ in range(5):
                t = time.perf_counter()
                requests.get(f"{base}/reports/gaps", params={"format": fmt}, headers=headers).raise_for_status()
                times.append(time.perf_counter() - t)
            print(f"{'GET /reports/gaps province, ' + fmt:40s} median {statistics.median(times) * 1000:7.1f} ms  "
                  f"max {max(times) * 1000:7.1f} ms (5 runs)")
        p50, p95, p99 = measure_post(f"{base}/reward-checks", reward_case, headers, min(args.requests, 300))
        print(f"{'POST /reward-checks (200 partners)':40s} p50 {p50:6.2f} ms  p95 {p95:6.2f} ms  p99 {p99:6.2f} ms "
              f"(sequential; each check is evaluated and recorded)")
        check = requests.post(f"{base}/reward-checks", json=reward_case, headers=headers).json()["id"]
        for fmt in ("html", "xlsx"):
            url = f"{base}/reward-checks/{check}/form?format={fmt}"
            p50, p95, p99, _ = measure([url], headers, min(args.requests, 300), 1)
            print(f"{'GET /reward-checks/{id}/form, ' + fmt + ' (200)':40s} p50 {p50:6.2f} ms  p95 {p95:6.2f} ms  "
                  f"p99 {p99:6.2f} ms")
    finally:
        server.terminate()
        server.wait()
        if args.stop:
            subprocess.run([str(ROOT / "scripts" / "neo4j"), "stop"], env=env, capture_output=True)


if __name__ == "__main__":
    main()
