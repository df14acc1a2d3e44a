#!/usr/bin/env python3
"""Loader throughput at province scale, against a naive one-row-per-transaction loader.

Starts a throw-away Neo4j instance, loads the real seeds, then times `python -m chainmap load` on the
province-scale synthetic set (default 1,000,000 enterprises, 3,000,000 SUPPLIES, made by scripts/synth.py),
and prints rows/s per file and the loader's peak memory. On two fresh 10,000-row samples it then compares the
batched loader with a naive loader that sends one row per transaction (the ratio is the point), and prints a
bare `RETURN 1` round trip from the same run for scale.

    .venv/bin/python scripts/bench_load.py [--enterprises 1000000 --supplies 3000000] [--keep]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chainmap.graph import Graph  # noqa: E402
from chainmap.graph import loading as q  # noqa: E402
from chainmap.graph.schema import apply_schema  # noqa: E402
from chainmap.loading.formats import ENTERPRISES  # noqa: E402
from chainmap.policy import load_policies  # noqa: E402
from chainmap.upkeep import key_arguments  # noqa: E402
from chainmap.loading.loader import _enterprise_row, load_directory, parse_row, read_csv  # noqa: E402
from chainmap.settings import Settings  # noqa: E402
from scripts._bench import free_port  # noqa: E402


def synth(out: Path, seed: int, enterprises: int, supplies: int) -> None:
    if (out / "supplies.csv").exists():
        return
    subprocess.run([sys.executable, str(ROOT / "scripts" / "synth.py"), "--scale", "province", "--seed", str(seed),
                    "--enterprises", str(enterprises), "--supplies", str(supplies), "--out", str(out)], check=True)


def timed_load(directory: Path, env: dict[str, str]) -> tuple[float, str, int]:
    """Run the real CLI loader as a child; (seconds, its output, its peak RSS in MiB)."""
    began = time.monotonic()
    child = subprocess.Popen([sys.executable, "-m", "chainmap", "load", str(directory)], cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output = child.communicate()[0]
    _, status, usage = os.wait4(child.pid, 0) if child.returncode is None else (0, 0, None)
    seconds = time.monotonic() - began
    if child.returncode != 0:
        raise SystemExit(f"load failed:\n{output[-3000:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
    return seconds, output, peak


def naive_load(graph: Graph, directory: Path) -> tuple[int, float]:
    rows = [_enterprise_row(parse_row(ENTERPRISES, raw)[0], "enterprises.csv")
            for _, raw in read_csv(directory / "enterprises.csv")]
    arguments = key_arguments(load_policies().recommendation)
    began = time.monotonic()
    for row in rows:
        graph.write(q.ENTERPRISES, rows=[row], **arguments)
    return len(rows), time.monotonic() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=1_000_000)
    parser.add_argument("--supplies", type=int, default=3_000_000)
    parser.add_argument("--keep", action="store_true", help="leave the bench instance running")
    args = parser.parse_args()

    data = ROOT / "var" / f"province-{args.enterprises}-{args.supplies}"
    began = time.monotonic()
    synth(data, 11, args.enterprises, args.supplies)
    print(f"synthetic set: {data} ({time.monotonic() - began:.0f} s to generate or reuse)", flush=True)
    samples = ROOT / "var" / "bench-samples"
    synth(samples / "a", 21, 10_000, 1)
    synth(samples / "b", 22, 10_000, 1)

    home = ROOT / "var" / "neo4j-bench-load"
    shutil.rmtree(home, ignore_errors=True)
    env = dict(os.environ, CHAINMAP_NEO4J_HOME=str(home), NEO4J_BOLT_PORT=str(free_port()),
               NEO4J_HEAP=os.environ.get("NEO4J_HEAP", "4g"), NEO4J_PAGECACHE=os.environ.get("NEO4J_PAGECACHE", "4g"))
    env.pop("NEO4J_URI", None)
    subprocess.run([str(ROOT / "scripts" / "neo4j"), "start"], env=env, check=True)
    try:
        graph = Graph(Settings.from_env(env))
        apply_schema(graph)
        load_directory(graph, load_policies(), ROOT / "seeds")
        trips = []
        for _ in range(500):
            t = time.perf_counter()
            graph.read("RETURN 1 AS x")
            trips.append(time.perf_counter() - t)
        rtt = statistics.median(trips)

        seconds, output, peak = timed_load(data, env)
        files = {m.group(1): (int(m.group(2)), float(m.group(3)))
                 for m in re.finditer(r"^(\S+)\s+(\d+) 行.*?([\d.]+) 秒$", output, re.M)}
        total = sum(rows for name, (rows, _) in files.items() if name.endswith(".csv"))
        writing = sum(secs for name, (_, secs) in files.items() if name.endswith(".csv"))
        facts = files.get("(chain-node-facts)", (0, 0.0))[1]
        print(output.rstrip())
        for name, (rows, secs) in files.items():
            if name.endswith(".csv"):
                print(f"  {name}: {rows / secs:,.0f} rows/s while writing")
        print(f"province load: {total:,} rows in {seconds:.0f} s end to end = {total / seconds:,.0f} rows/s "
              f"(validation pass, writes {writing:.0f} s, chain-node facts refresh {facts:.0f} s); "
              f"loader peak RSS {peak} MiB")
        counts = graph.read("MATCH (e:Enterprise) WITH count(e) AS n MATCH ()-[r:SUPPLIES]->() RETURN n, count(r) AS r")
        print(f"graph now holds {counts[0]['n']:,} enterprises and {counts[0]['r']:,} SUPPLIES relationships")

        n, naive_s = naive_load(graph, samples / "a")
        _, sample_output, _ = timed_load(samples / "b", env)
        found = re.search(r"^enterprises\.csv\s.*?([\d.]+) 秒$", sample_output, re.M)
        assert found, sample_output[-2000:]
        batched_s = float(found.group(1))
        print(f"10,000-row sample, writes only: naive one-row-per-transaction {n / naive_s:,.0f} rows/s; batched "
              f"loader {n / batched_s:,.0f} rows/s = {naive_s / batched_s:.1f}x")
        print(f"bolt RETURN 1 p50 in this run: {rtt * 1000:.2f} ms; naive per-row cost = "
              f"{naive_s / n / rtt:.1f}x that round trip")
        graph.close()
    finally:
        if not args.keep:
            subprocess.run([str(ROOT / "scripts" / "neo4j"), "stop"], env=env, capture_output=True)
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
