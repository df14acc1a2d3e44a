#!/usr/bin/env python3
"""The 三(三)6 check with 200 partners and its 奖励核定表, against the trivial endpoint in the same run.

A check reads one enterprise, its introductions and its partners (index lookups from the firm), so its cost follows
the number of partners, not the size of the graph: this runs on the seed graph in its own instance
(var/neo4j-bench-reward, Bolt 7701), with the 200-partner case of bench_api.py, under gunicorn (2 workers).

    .venv/bin/python scripts/bench_reward.py [--requests 300] [--stop]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chainmap.api_keys import create_key  # noqa: E402
from chainmap.graph import Graph  # noqa: E402
from chainmap.graph.schema import apply_schema  # noqa: E402
from chainmap.loading.loader import load_directory  # noqa: E402
from chainmap.policy import load_policies  # noqa: E402
from chainmap.settings import Settings  # noqa: E402
from scripts._bench import bench_env, instance_report, measure, reward_figures, start_gunicorn  # noqa: E402
from scripts.bench_api import ensure_reward_case  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--stop", action="store_true", help="stop the benchmark instance afterwards")
    args = parser.parse_args()
    env = bench_env("bench-reward", 7701, "1g")
    subprocess.run([str(ROOT / "scripts" / "neo4j"), "start"], env=env, check=True)
    graph = Graph(Settings.from_env(env)).with_timeout(300)
    apply_schema(graph)
    if graph.read("MATCH (c:Cluster) RETURN count(c) AS n")[0]["n"] == 0:
        for directory in (ROOT / "seeds", ROOT / "seeds" / "synthetic"):
            load_directory(graph, load_policies(), directory)
    key = create_key(graph, "analyst", [], "bench_reward")
    case = ensure_reward_case(graph)
    partners = graph.read("MATCH (:Enterprise {uscc: $u})-[r:SUPPLIES]-() RETURN count(r) AS n", u=case["enterprise"])
    print(instance_report(graph, env))
    graph.close()
    server, base = start_gunicorn(env, 2)
    headers = {"Authorization": f"Bearer {key}"}
    try:
        b50, b95, _, _ = measure([f"{base}/"], headers, args.requests)
        print(f"{'GET /api/v1/ (trivial JSON, baseline)':44s} p50 {b50:6.2f} ms  p95 {b95:6.2f} ms")
        reward_figures(base, case, headers, args.requests, b95, partners[0]["n"])
    finally:
        server.terminate()
        server.wait()
        if args.stop:
            subprocess.run([str(ROOT / "scripts" / "neo4j"), "stop"], env=env, capture_output=True)


if __name__ == "__main__":
    main()
