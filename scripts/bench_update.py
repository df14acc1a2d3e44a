#!/usr/bin/env python3
"""The online loader's rate for an update of existing firms (issue 20 §2): N rows of the province set's
enterprises.csv, each with its revenues raised and one in fifty deregistered (so the stored gap facts of the nodes
they feed change), loaded by the real CLI (`python -m chainmap load DIR`) into the province instance that
bench_bulk.py built (var/neo4j-province). Prints rows/s end to end, the time of the loader's facts step, the command's
peak RSS, and a bare `RETURN 1` round trip measured in the same run. `--offset` picks other rows, so runs one after
another each change something.

    .venv/bin/python scripts/bench_update.py [--rows 100000] [--offset 0] [--source var/province-1000000-3000000]
"""

from __future__ import annotations

import argparse
import csv
import re
import statistics
import sys
import tempfile
import time
from itertools import islice
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chainmap.graph import Graph  # noqa: E402
from chainmap.settings import Settings  # noqa: E402
from scripts._bench import bench_env, instance_report  # noqa: E402
from scripts.bench_load import timed_load  # noqa: E402


def update_rows(source: Path, target: Path, rows: int, offset: int) -> int:
    """Write `rows` rows of `source` from `offset` on, revenues raised by 1 % (+ offset + 1 so that every run differs),
    every 50th row deregistered; returns how many rows were written."""
    with open(source, encoding="utf-8", newline="") as src, open(target, "w", encoding="utf-8", newline="") as out:
        reader = csv.DictReader(src)
        writer = csv.DictWriter(out, fieldnames=reader.fieldnames or [])
        writer.writeheader()
        n = 0
        for n, row in enumerate(islice(reader, offset, offset + rows), start=1):
            pairs = [p.split("=") for p in row["revenue_cny"].split(";") if p]
            row["revenue_cny"] = ";".join(f"{y}={int(v) * 101 // 100 + offset + 1}" for y, v in pairs)
            if n % 50 == 0 and row["status"] == "active":
                row["status"] = "deregistered"
            writer.writerow(row)
    return n


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--offset", type=int, default=0)
    parser.add_argument("--source", type=Path, default=ROOT / "var" / "province-1000000-3000000")
    args = parser.parse_args()
    env = bench_env("province", 7722, "3g", "2g")
    graph = Graph(Settings.from_env(env))
    print(instance_report(graph, env), flush=True)
    trips = []
    for _ in range(300):
        began = time.perf_counter()
        graph.read("RETURN 1 AS x")
        trips.append(time.perf_counter() - began)
    with tempfile.TemporaryDirectory() as tmp:
        rows = update_rows(args.source / "enterprises.csv", Path(tmp) / "enterprises.csv", args.rows, args.offset)
        seconds, output, peak = timed_load(Path(tmp), env)
    print(output.rstrip())
    facts = re.search(r"^\(chain-node-facts\)\s+(\d+) 行.*?([\d.]+) 秒$", output, re.M)
    step = f"{float(facts.group(2)):.1f} s for {int(facts.group(1))} nodes" if facts else "none"
    print(f"UPDATE {rows:,} rows in {seconds:.1f} s end to end = {rows / seconds:,.0f} rows/s; facts step {step}; "
          f"loader peak RSS {peak} MiB; bolt RETURN 1 p50 {statistics.median(trips) * 1000:.2f} ms")
    graph.close()


if __name__ == "__main__":
    main()
