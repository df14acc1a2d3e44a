#!/usr/bin/env python3
"""First load of a province, side by side in one run: the online loader (`chainmap load`) against the bulk import
(`chainmap import bulk`), each into its own fresh instance, from the same directories (seeds, the committed synthetic
set, a scripts/synth.py province set), timed to "ready to serve" (schema, rank keys, tie sets, stored gap facts).

The bulk side goes into the province instance var/neo4j-province that bench_api.py and bench_recommend.py use
(replaced when --replace is given or it is empty), so they can run on it afterwards. Prints rows/s, wall time, peak
RSS of each command and of each Neo4j server, the store size, and the load average next to every figure.

    .venv/bin/python scripts/bench_bulk.py [--enterprises 1000000 --supplies 3000000] [--skip-online] [--replace]
        [--bulk-home var/neo4j-bulk]   (ports: CHAINMAP_BENCH_BOLT_PORT, CHAINMAP_BENCH_ONLINE_PORT)
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chainmap.graph import Graph  # noqa: E402
from chainmap.graph.schema import apply_schema  # noqa: E402
from chainmap.settings import Settings  # noqa: E402
from scripts._bench import bench_env  # noqa: E402
from scripts.bench_load import synth  # noqa: E402


def neo4j(env: dict[str, str], *args: str) -> None:
    subprocess.run([str(ROOT / "scripts" / "neo4j"), *args], env=env, check=True)


def rss_mib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) // 1024
    except OSError:
        pass
    return 0


class Peaks:
    """Peak RSS of the server of an instance (followed across restarts) while a command runs, and the machine's
    1-minute load average over the same time (mean and maximum)."""

    def __init__(self, home: Path) -> None:
        self.pid_file = home / "run" / "neo4j.pid"
        self.server = 0
        self.loads: list[float] = []
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self.done.wait(0.5):
            self.loads.append(os.getloadavg()[0])
            try:
                self.server = max(self.server, rss_mib(int(self.pid_file.read_text().strip())))
            except (OSError, ValueError):
                pass

    def load(self) -> str:
        if not self.loads:
            return "load average n/a"
        return f"load average mean {sum(self.loads) / len(self.loads):.1f}, max {max(self.loads):.1f}"

    def __enter__(self) -> Peaks:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        self.thread.join()


def run_timed(command: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """Seconds, peak RSS (MiB) of the command's process, and its output."""
    began = time.monotonic()
    child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    peak = [0]
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.5):
            peak[0] = max(peak[0], rss_mib(child.pid))

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    output = child.communicate()[0]
    done.set()
    watcher.join()
    seconds = time.monotonic() - began
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(command[2:5])} failed:\n{output[-3000:]}")
    return seconds, peak[0], output


def store_gib(home: Path) -> float:
    return sum(f.stat().st_size for f in (home / "data").rglob("*") if f.is_file()) / 2**30


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=1_000_000)
    parser.add_argument("--supplies", type=int, default=3_000_000)
    parser.add_argument("--skip-online", action="store_true", help="bulk side only")
    parser.add_argument("--replace", action="store_true", help="replace the province instance's data")
    parser.add_argument("--bulk-home", type=Path, help="the bulk side's instance (default var/neo4j-province)")
    args = parser.parse_args()
    data = ROOT / "var" / f"province-{args.enterprises}-{args.supplies}"
    synth(data, 11, args.enterprises, args.supplies)
    directories = [str(ROOT / "seeds"), str(ROOT / "seeds" / "synthetic"), str(data)]
    heap = "4g" if args.enterprises <= 1_000_000 else "8g"

    bulk_env = bench_env("province", 7697, heap)
    if args.bulk_home:
        bulk_env["CHAINMAP_NEO4J_HOME"] = str(args.bulk_home.resolve())
    bulk_home = Path(bulk_env["CHAINMAP_NEO4J_HOME"])
    if args.replace:
        neo4j(bulk_env, "stop")
        shutil.rmtree(bulk_home, ignore_errors=True)
    neo4j(bulk_env, "start")
    print(f"bulk instance: heap {bulk_env['NEO4J_HEAP']}, page cache {bulk_env['NEO4J_PAGECACHE']}, importer "
          f"off-heap {os.environ.get('NEO4J_IMPORT_MEMORY', '2g')}", flush=True)
    load = os.getloadavg()[0]
    with Peaks(bulk_home) as peaks:
        seconds, command_peak, output = run_timed([sys.executable, "-m", "chainmap", "import", "bulk", *directories],
                                                  bulk_env)
    rows = int(output.split("完成：")[1].split(" 行")[0].replace(",", ""))
    print(output.rstrip())
    print(f"BULK   {rows:,} rows ready to serve in {seconds:.0f} s = {rows / seconds:,.0f} rows/s; command peak RSS "
          f"{command_peak} MiB (the importer's JVM is its child: see its own log), server peak RSS {peaks.server} MiB; "
          f"store {store_gib(bulk_home):.2f} GiB (load average {load:.1f} at start -> "
          f"{os.getloadavg()[0]:.1f} at end; {peaks.load()} on {os.cpu_count()} cores)", flush=True)
    if args.skip_online:
        return
    neo4j(bulk_env, "stop")  # one server at a time: the machine's memory is shared

    online_env = bench_env("online-load", 7698, heap)
    online_env["NEO4J_BOLT_PORT"] = os.environ.get("CHAINMAP_BENCH_ONLINE_PORT", online_env["NEO4J_BOLT_PORT"])
    online_home = Path(online_env["CHAINMAP_NEO4J_HOME"])
    shutil.rmtree(online_home, ignore_errors=True)
    neo4j(online_env, "start")
    try:
        load = os.getloadavg()[0]
        began = time.monotonic()
        loader_peak = 0
        with Peaks(online_home) as peaks:
            graph = Graph(Settings.from_env(online_env))
            apply_schema(graph)
            graph.close()
            for directory in directories:
                _, command_peak, output = run_timed([sys.executable, "-m", "chainmap", "load", directory], online_env)
                loader_peak = max(loader_peak, command_peak)
                print(output.rstrip(), flush=True)
        online = time.monotonic() - began
        print(f"ONLINE {rows:,} rows ready to serve in {online:.0f} s = {rows / online:,.0f} rows/s; loader peak RSS "
              f"{loader_peak} MiB, server peak RSS {peaks.server} MiB; store {store_gib(online_home):.2f} GiB "
              f"(load average {load:.1f} at start -> {os.getloadavg()[0]:.1f} at end; {peaks.load()})")
        print(f"bulk / online: {online / seconds:.1f}x the rows/s (goal >= 10x); bulk ready in {seconds / 60:.1f} min "
              f"(goal <= 3 min)")
    finally:
        neo4j(online_env, "stop")
        shutil.rmtree(online_home, ignore_errors=True)


if __name__ == "__main__":
    main()
