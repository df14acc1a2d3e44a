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
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chainmap import uscc  # noqa: E402
from chainmap.graph import Graph  # noqa: E402
from chainmap.gaps.analysis import refresh_unready  # noqa: E402
from chainmap.graph.schema import apply_schema  # noqa: E402
from chainmap.api_keys import create_key  # noqa: E402
from chainmap.loading.loader import load_directory  # noqa: E402
from chainmap.policy import load_policies  # noqa: E402
from chainmap.settings import Settings  # noqa: E402
from scripts._bench import bench_env, instance_report, measure, reward_figures, start_gunicorn, verdict  # noqa: E402

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


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--stop", action="store_true", help="stop the province instance afterwards")
    args = parser.parse_args()

    env = province_env()
    graph = ensure_data(env)
    key = create_key(graph, "analyst", [], "bench_api")
    reward_case = ensure_reward_case(graph)
    began = time.perf_counter()
    refreshed = refresh_unready(graph)  # a load (online or bulk) leaves them current; an upgrade or a change may not
    print(f"chain-node facts refreshed for {refreshed} nodes x 3 scopes in {time.perf_counter() - began:.1f} s "
          f"(those not current: what the first analysis after a change would pay)")
    ids = [r["id"] for r in graph.read("MATCH (c:Cluster) RETURN c.id AS id ORDER BY id")]
    node_keys = [(r["c"], r["k"]) for r in graph.read(
        "MATCH (c:Cluster)-[:HAS_NODE]->(n:ChainNode) RETURN c.id AS c, n.key AS k ORDER BY c, k")]
    sizes = graph.read("MATCH (e:Enterprise) WITH count(e) AS e MATCH ()-[s:SUPPLIES]->() RETURN e, count(s) AS s")[0]
    print(instance_report(graph, env))
    graph.close()

    server, base = start_gunicorn(env, 2)
    headers = {"Authorization": f"Bearer {key}"}
    try:
        random.Random(1).shuffle(ids)
        targets = [
            ("GET /clusters", [f"{base}/clusters"], None),
            ("GET /clusters/{id}", [f"{base}/clusters/{i}" for i in ids], None),
            ("GET /clusters/{id}/chain", [f"{base}/clusters/{i}/chain" for i in ids], "chain"),
            ("GET …/nodes/{key}/enterprises province", [f"{base}/clusters/{c}/nodes/{k}/enterprises?scope=province"
                                                        for c, k in node_keys], None),
        ]
        print(f"graph: {sizes['e']:,} enterprises, {sizes['s']:,} SUPPLIES; gunicorn 2 workers; "
              f"{args.requests} sequential requests for latency, {args.concurrency} client threads for throughput")
        b50, b95, b99, baseline_rps = measure([f"{base}/"], headers, args.requests, args.concurrency)
        print(f"{'GET /api/v1/ (trivial JSON, baseline)':40s} p50 {b50:6.2f} ms  p95 {b95:6.2f} ms  p99 {b99:6.2f} ms  "
              f"{baseline_rps:6.0f} req/s")
        for name, urls, goal in targets:
            p50, p95, p99, rps = measure(urls, headers, args.requests, args.concurrency)
            print(f"{name:40s} p50 {p50:6.2f} ms  p95 {p95:6.2f} ms  p99 {p99:6.2f} ms  {rps:6.0f} req/s "
                  f"({rps / baseline_rps:.0%} of trivial)" + (f"  {verdict(goal, p95, b95)}" if goal else ""))
        for fmt in ("json", "xlsx"):
            times = []
            for _ in range(5):
                t = time.perf_counter()
                requests.get(f"{base}/reports/gaps", params={"format": fmt}, headers=headers).raise_for_status()
                times.append(time.perf_counter() - t)
            print(f"{'GET /reports/gaps province, ' + fmt:40s} median {statistics.median(times) * 1000:7.1f} ms  "
                  f"max {max(times) * 1000:7.1f} ms (5 runs; goal <= 2 s)")
        reward_figures(base, reward_case, headers, min(args.requests, 300), b95, 200)
    finally:
        server.terminate()
        server.wait()
        if args.stop:
            subprocess.run([str(ROOT / "scripts" / "neo4j"), "stop"], env=env, capture_output=True)


def province_env() -> dict[str, str]:
    """The province instance (var/neo4j-province), shared with bench_recommend.py's 1,000,000 scale."""
    return bench_env("province", 7697, "4g")


if __name__ == "__main__":
    main()
