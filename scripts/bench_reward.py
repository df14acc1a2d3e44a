#!/usr/bin/env python3
"""The 三(三)6 check with 200 partners and its 奖励核定表, against the trivial endpoint in the same run.

A check reads one enterprise, its introductions and its partners (index lookups from the firm), so its cost follows
the number of partners, not the size of the graph: this runs on the seed graph in its own instance
(var/neo4j-bench-reward, Bolt 7701), with the 200-partner case of bench_api.py, under gunicorn (2 workers).

    .venv/bin/python scripts/bench_reward.py [--requests 300] [--stop]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
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
from scripts._bench import start_gunicorn  # noqa: E402
from scripts.bench_api import ensure_reward_case, measure, measure_post  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--stop", action="store_true", help="stop the benchmark instance afterwards")
    args = parser.parse_args()
    env = dict(os.environ, CHAINMAP_NEO4J_HOME=str(ROOT / "var" / "neo4j-bench-reward"), NEO4J_BOLT_PORT="7701")
    env.pop("NEO4J_URI", None)
    subprocess.run([str(ROOT / "scripts" / "neo4j"), "start"], env=env, check=True)
    graph = Graph(Settings.from_env(env)).with_timeout(300)
    apply_schema(graph)
    if graph.read("MATCH (c:Cluster) RETURN count(c) AS n")[0]["n"] == 0:
        for directory in (ROOT / "seeds", ROOT / "seeds" / "synthetic"):
            load_directory(graph, load_policies(), directory)
    key = create_key(graph, "analyst", [], "bench_reward")
    case = ensure_reward_case(graph)
    partners = graph.read("MATCH (:Enterprise {uscc: $u})-[r:SUPPLIES]-() RETURN count(r) AS n", u=case["enterprise"])
    graph.close()
    server, base = start_gunicorn(env, 2)
    headers = {"Authorization": f"Bearer {key}"}
    n = args.requests
    try:
        b50, b95, _, _ = measure([f"{base}/"], headers, n, 1)
        print(f"{'GET /api/v1/ (trivial JSON, baseline)':44s} p50 {b50:6.2f} ms  p95 {b95:6.2f} ms")
        p50, p95, p99 = measure_post(f"{base}/reward-checks", case, headers, n)
        print(f"{'POST /reward-checks (' + str(partners[0]['n']) + ' partners)':44s} p50 {p50:6.2f} ms  p95 {p95:6.2f} ms  "
              f"p99 {p99:6.2f} ms  ({p95 / b95:.1f}x the baseline's p95)")
        check = requests.post(f"{base}/reward-checks", json=case, headers=headers, timeout=30).json()["id"]
        for fmt in ("html", "xlsx"):
            f50, f95, f99, _ = measure([f"{base}/reward-checks/{check}/form?format={fmt}"], headers, n, 1)
            print(f"{'GET /reward-checks/{id}/form?format=' + fmt:44s} p50 {f50:6.2f} ms  p95 {f95:6.2f} ms  "
                  f"p99 {f99:6.2f} ms  ({f95 / b95:.1f}x the baseline's p95)")
    finally:
        server.terminate()
        server.wait()
        if args.stop:
            subprocess.run([str(ROOT / "scripts" / "neo4j"), "stop"], env=env, capture_output=True)


if __name__ == "__main__":
    main()
