#!/usr/bin/env python3
"""As-of chains and progress reports, as ratios against the trivial endpoint and today's chain in the same run.

Uses a persistent Neo4j instance in var/neo4j-progress (Bolt 7722); the first run loads the seeds and a synthetic
set of --enterprises firms (scripts/synth.py, province layout at a smaller size) into it, plus a dated project
history and dated changes in 2026 (CHANGES), and later runs reuse it. Serves the app under gunicorn (2 workers) on
loopback port 8121 and measures GET /api/v1/ (baseline), /clusters/{id}/chain (the stored fast path),
/clusters/{id}/chain?as_of= (kept: the same address again, served from the rendered answers; each a day / each
cluster: a new address every request, so computed), and the province's and a city's quarterly progress report as
JSON and XLSX.

    .venv/bin/python scripts/bench_progress.py [--enterprises 100000] [--requests 100] [--only as_of] [--stop]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import LiteralString

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chainmap.api_keys import create_key  # noqa: E402
from chainmap.gaps import timeline  # noqa: E402
from chainmap.gaps.analysis import refresh_facts  # noqa: E402
from chainmap.graph import Graph  # noqa: E402
from chainmap.graph.schema import apply_schema  # noqa: E402
from chainmap.loading.loader import load_directory  # noqa: E402
from chainmap.policy import load_policies  # noqa: E402
from chainmap.settings import Settings  # noqa: E402
from scripts._bench import bench_env, percentiles, start_gunicorn  # noqa: E402

PORT = 8121
# A dated history on the loaded introductions: every tenth one moved through stages in 2026 (written once).
HISTORY = (
    "MATCH (i:Introduction) WHERE NOT EXISTS { (i)-[:STAGE_CHANGE]->(:StageChange {seq: 2}) } "
    "WITH i ORDER BY i.id WITH collect(i) AS found UNWIND range(0, size(found) - 1, 10) AS k WITH found[k] AS i, k "
    "SET i.stage_seq = 3, i.stage = 'landed', i.stage_on = date('2026-08-01'), i.amount_10k_cny = 1000.0 + k "
    "CREATE (i)-[:STAGE_CHANGE]->(:StageChange {seq: 2, stage: 'signed', on: date('2026-04-15'), by: 'bench', "
    "  migrated: false}) "
    "CREATE (i)-[:STAGE_CHANGE]->(:StageChange {seq: 3, stage: 'landed', on: date('2026-08-01'), by: 'bench', "
    "  migrated: false})"
)

# Dated changes in 2026 (idempotent), so an as-of day has facts dated after it to correct: of the synthetic firms
# every 50th registered in 2026 and every 97th deregistered in 2026, of the SUPPLIES every 40th begun and every 60th
# ended in 2026 (about 2,300 + 1,200 firms and 7,900 + 5,300 relationships at 100,000 firms).
CHANGES: list[LiteralString] = [
    "MATCH (e:Enterprise {synthetic: true}) WHERE e.region STARTS WITH '13' WITH e ORDER BY e.uscc "
    "WITH collect(e) AS found UNWIND range(0, size(found) - 1, 50) AS k WITH found[k] AS e, k "
    "SET e.registered_on = date('2026-01-01') + duration({days: k % 330})",
    "MATCH (e:Enterprise {synthetic: true, status: 'active'}) WHERE e.region STARTS WITH '13' "
    "AND e.status_on IS NULL WITH e ORDER BY e.uscc WITH collect(e) AS found "
    "UNWIND range(7, size(found) - 1, 97) AS k WITH found[k] AS e, k "
    "SET e.status = 'deregistered', e.status_on = date('2026-02-01') + duration({days: k % 300})",
    # (by the relationship's store number, not a collected list: 3,000,000 relationships overrun a transaction's
    # memory limit)
    "MATCH ()-[r:SUPPLIES]->() WITH r, toInteger(split(elementId(r), ':')[-1]) AS k WHERE k % 40 = 0 "
    "SET r.since = date('2026-01-01') + duration({days: (k / 40) % 330}), r.until = null",
    "MATCH ()-[r:SUPPLIES]->() WITH r, toInteger(split(elementId(r), ':')[-1]) AS k WHERE k % 60 = 13 "
    "SET r.until = date('2026-03-01') + duration({days: (k / 60) % 270})",
]


def ensure_data(env: dict[str, str], enterprises: int) -> Graph:
    subprocess.run([str(ROOT / "scripts" / "neo4j"), "start"], env=env, check=True)
    graph = Graph(Settings.from_env(env)).with_timeout(3600)
    apply_schema(graph)
    if graph.read("MATCH (e:Enterprise) RETURN count(e) AS n")[0]["n"] < enterprises:
        out = ROOT / "var" / f"progress-{enterprises}"
        if not (out / "supplies.csv").exists():
            subprocess.run([sys.executable, str(ROOT / "scripts" / "synth.py"), "--scale", "province", "--seed", "11",
                            "--enterprises", str(enterprises), "--supplies", str(enterprises * 3), "--out", str(out)],
                           check=True)
        print(f"loading seeds and {enterprises:,} synthetic firms (once) ...", flush=True)
        for directory in (ROOT / "seeds", ROOT / "seeds" / "synthetic", out):
            load_directory(graph, load_policies(), directory)
    # once (a marker says so): every run would give another tenth of the projects a history
    if not graph.read("MATCH (m:BenchHistory) RETURN count(m) AS n")[0]["n"]:
        graph.write(HISTORY)
        graph.write("CREATE (:BenchHistory)")
    if not graph.read("MATCH (m:BenchChanges) RETURN count(m) AS n")[0]["n"]:
        for query in CHANGES:
            graph.write(query)
        graph.write("CREATE (:BenchChanges)")
    return graph


def timed(url: str | Callable[[int], str], headers: dict[str, str], n: int) -> tuple[list[float], list[int]]:
    """Seconds of each answered request, and the statuses of refused ones (a 503 is the database budget spent).
    `url` may name a different address per request (i): rendered answers are kept per address (api/rendered.py),
    so only distinct addresses measure the computation."""
    at = url if callable(url) else (lambda _: url)
    session = requests.Session()
    session.get(at(n), headers=headers)
    samples, refused = [], []
    for i in range(n):
        t = time.perf_counter()
        response = session.get(at(i), headers=headers)
        if response.ok:
            samples.append(time.perf_counter() - t)
        else:
            refused.append(response.status_code)
    return samples, refused


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--stop", action="store_true", help="stop the instance afterwards")
    parser.add_argument("--only", help="measure only the rows whose name contains this")
    args = parser.parse_args()
    env = bench_env("progress", 7722, "1g")
    graph = ensure_data(env, args.enterprises)
    key = create_key(graph, "analyst", [], "bench_progress")
    refresh_facts(graph)
    began = time.perf_counter()
    computed = timeline.refresh(graph)  # what `chainmap cache timelines` does; otherwise the first as-of reads do it
    print(f"timelines computed for {computed} nodes in {time.perf_counter() - began:.1f} s")
    ids = [r["id"] for r in graph.read("MATCH (c:Cluster) RETURN c.id AS id ORDER BY id")]
    sizes = graph.read("MATCH (e:Enterprise) WITH count(e) AS e MATCH ()-[s:SUPPLIES]->() RETURN e, count(s) AS s")[0]
    graph.close()

    server, base = start_gunicorn(env, 2, PORT)
    headers = {"Authorization": f"Bearer {key}"}
    try:
        cluster = random.Random(1).choice(ids)
        print(f"graph: {sizes['e']:,} enterprises, {sizes['s']:,} SUPPLIES, {len(ids)} clusters; gunicorn 2 workers; "
              f"cluster {cluster}; {args.requests} sequential requests each")
        rows = [("GET /api/v1/ (trivial, baseline)", f"{base}/", args.requests),
                ("GET /clusters/{id}/chain (today)", f"{base}/clusters/{cluster}/chain", args.requests),
                ("GET /clusters/{id}/chain?as_of=2026-06-30 (kept)",
                 f"{base}/clusters/{cluster}/chain?as_of=2026-06-30", args.requests),
                ("GET /clusters/{id}/chain?as_of=(each a day)",
                 lambda i: f"{base}/clusters/{cluster}/chain?as_of={dt.date(2026, 6, 30) - dt.timedelta(days=i)}",
                 args.requests),
                ("GET /clusters/{each}/chain?as_of=2026-06-29",
                 lambda i: f"{base}/clusters/{ids[i % len(ids)]}/chain?as_of=2026-06-29", min(args.requests, len(ids) - 1)),
                ("GET /reports/progress city Q3 json", f"{base}/reports/progress?period=2026-Q3&city=130500", 5),
                ("GET /reports/progress city Q3 xlsx",
                 f"{base}/reports/progress?period=2026-Q3&city=130500&format=xlsx", 5),
                ("GET /reports/progress province Q3 json", f"{base}/reports/progress?period=2026-Q3", 3),
                ("GET /reports/progress province Q3 xlsx", f"{base}/reports/progress?period=2026-Q3&format=xlsx", 3)]
        baseline = None
        for name, url, n in rows:
            if args.only and args.only not in name and url != f"{base}/":  # the baseline always
                continue
            samples, refused = timed(url, headers, n)
            if not samples:
                print(f"{name:44s} refused every time: {sorted(set(refused))} (503: over CHAINMAP_DB_WAIT_S)")
                continue
            median = statistics.median(samples) * 1000
            baseline = baseline or median
            spread = (f"p95 {percentiles(samples)[1]:8.1f} ms" if n >= 20 else f"max {max(samples) * 1000:8.1f} ms")
            print(f"{name:44s} median {median:8.1f} ms  {spread}  ({median / baseline:,.0f}x baseline)"
                  + (f"  refused {len(refused)}/{n}: {sorted(set(refused))}" if refused else ""))
    finally:
        server.terminate()
        server.wait()
        if args.stop:
            subprocess.run([str(ROOT / "scripts" / "neo4j"), "stop"], env=env, capture_output=True)


if __name__ == "__main__":
    main()
