#!/usr/bin/env python3
"""Import throughput (issue 17): 100,000 registry rows as an officer's export, end to end through the CLI.

Generates a registry export in the 所属行业 layout (UTF-8 with BOM; mixed date and money forms, county names or
addresses only, some 注销 and 迁出 firms; every firm a new USCC in a Hebei county of the seeds), then times
`python -m chainmap import registry FILE --dry-run --report OUT.xlsx` and the real import as child processes, and prints
rows/s end to end and each child's peak RSS (goal: ≥ 5,000 rows/s, < 500 MB). A second real run shows the re-run
(every row 未变). By default a throw-away Neo4j instance is started (scripts/neo4j) and removed; with --use-env the
instance the environment names is used (its seeds are (re)loaded, the generated firms are left in it).

    .venv/bin/python scripts/bench_import.py [--rows 100000] [--use-env] [--keep]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import LiteralString

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chainmap import uscc  # noqa: E402
from chainmap.graph import Graph  # noqa: E402
from chainmap.graph.schema import apply_schema  # noqa: E402
from chainmap.loading.loader import load_directory  # noqa: E402
from chainmap.policy import load_policies  # noqa: E402
from chainmap.settings import Settings  # noqa: E402
from chainmap.vocab import HEBEI  # noqa: E402
from scripts._bench import free_port  # noqa: E402

HEADER = ["统一社会信用代码", "企业名称", "企业类型", "登记状态", "成立日期", "注册资本", "所属区县", "注册地址", "所属行业",
          "经营范围"]
TYPES = ["有限责任公司（自然人投资或控股）", "有限责任公司", "股份有限公司", "个体工商户", "农民专业合作社", "个人独资企业"]
STATES = ["存续（在营、开业、在册）"] * 8 + ["在业", "注销", "迁出"]
ORG = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def generate(path: Path, rows: int, seed: int, graph: Graph) -> None:
    """A registry export with `rows` distinct new firms in Hebei counties, industries by their class names."""
    rng = random.Random(seed)
    counties = graph.read("MATCH (c:Region {level: 'county'})-[:PART_OF]->(p:Region) WHERE c.adcode STARTS WITH $hebei "
                          "RETURN c.adcode AS code, c.name AS name, p.name AS city ORDER BY code", hebei=HEBEI)
    classes = [r["name"] for r in graph.read("MATCH (i:Industry {level: 'class'}) RETURN i.name AS name ORDER BY i.code")]
    with open(path, "w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for i in range(rows):
            county = counties[rng.randrange(len(counties))]
            body = "B" + "".join(ORG[(i // 31 ** k) % 31] for k in range(7))
            kind = rng.choice(TYPES)
            code = uscc.compose("9", "2" if kind == "个体工商户" else "3" if "合作社" in kind else "1", county["code"], body)
            year, month, day = rng.randint(1995, 2024), rng.randint(1, 12), rng.randint(1, 28)
            date = rng.choice([f"{year}-{month:02d}-{day:02d}", f"{year}/{month}/{day}", f"{year}年{month}月{day}日"])
            capital = rng.choice([f"{rng.randint(1, 5000)}万人民币", f"{rng.randint(1, 500)}万元", "-",
                                  f"{rng.randint(1, 300)}万美元"])
            by_name = rng.random() < 0.5
            address = f"河北省{county['city']}{county['name']}测试路{rng.randint(1, 999)}号"
            writer.writerow([code, f"{county['name']}测试{i}号企业", kind, rng.choice(STATES), date, capital,
                             county["name"] if by_name else "", "" if by_name else address, rng.choice(classes),
                             "生产、销售：测试产品"])


def timed(args: list[str], env: dict[str, str]) -> tuple[float, str, int]:
    """(seconds, output, peak RSS in MB) of `python -m chainmap …` as a child."""
    began = time.monotonic()
    child = subprocess.Popen([sys.executable, "-m", "chainmap", *args], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)
    assert child.stdout is not None
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.monotonic() - began
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"import failed:\n{output[-3000:]}")
    return seconds, output, usage.ru_maxrss // 1024


def probe() -> float:
    """Seconds of a fixed piece of pure Python work, timed just before a run: the machine is shared, so each figure
    is also given as a multiple of this (comparable across runs at different loads)."""
    samples = []
    for _ in range(5):  # the median of five: one sample swings with the other tenants' bursts
        began = time.perf_counter()
        sum(i * i for i in range(1_000_000))
        samples.append(time.perf_counter() - began)
    return sorted(samples)[2]


# The baseline for the real runs, timed in the same run on the same server: a plain CREATE of nodes with the same
# number of properties (no label the schema indexes), what the database does per row at least. Written and removed.
RAW_CREATE: LiteralString = "UNWIND $rows AS row CREATE (n:BenchProbe) SET n = row"
RAW_REMOVE: LiteralString = "MATCH (n:BenchProbe) WITH n LIMIT 10000 DETACH DELETE n RETURN count(*) AS n"


def raw_create_rate(graph: Graph, rows: int = 20_000) -> float:
    """Rows per second of a bare CREATE with 15 properties, in batches of 5,000 (the import's batch size)."""
    row = {f"p{i}": f"河北测试值{i}" for i in range(12)} | {"n": 1, "d": dt.date(2020, 1, 1), "l": ["1234"]}
    batch = [row | {"n": i} for i in range(5000)]
    began = time.monotonic()
    for _ in range(rows // len(batch)):
        graph.write(RAW_CREATE, rows=batch)
    rate = rows / (time.monotonic() - began)
    while graph.write(RAW_REMOVE)[0]["n"]:
        pass
    return rate


def server_cpu(home: Path) -> float | None:
    """CPU seconds the Neo4j server has used so far (load-independent: what the import costs the database), when
    this run started it."""
    try:
        pid = int((home / "run" / "neo4j.pid").read_text().strip())
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--use-env", action="store_true", help="use the Neo4j the environment names")
    parser.add_argument("--keep", action="store_true", help="leave the throw-away instance running")
    args = parser.parse_args()
    home = Path(os.environ.get("CHAINMAP_BENCH_NEO4J_HOME") or ROOT / "var" / "neo4j-bench-import")
    env = dict(os.environ)
    if not args.use_env:
        shutil.rmtree(home, ignore_errors=True)
        # CHAINMAP_BENCH_BOLT_PORT: a port of this checkout's own (several checkouts share the machine).
        port = os.environ.get("CHAINMAP_BENCH_BOLT_PORT") or str(free_port())
        env |= {"CHAINMAP_NEO4J_HOME": str(home), "NEO4J_BOLT_PORT": port,
                "NEO4J_HEAP": os.environ.get("NEO4J_HEAP", "1g"), "NEO4J_PAGECACHE": os.environ.get("NEO4J_PAGECACHE", "1g")}
        env.pop("NEO4J_URI", None)
        subprocess.run([str(ROOT / "scripts" / "neo4j"), "start"], env=env, check=True)
    try:
        graph = Graph(Settings.from_env(env))
        apply_schema(graph)
        load_directory(graph, load_policies(), ROOT / "seeds")
        export = ROOT / "var" / f"bench-import-{args.rows}.csv"
        began = time.monotonic()
        generate(export, args.rows, 17, graph)
        print(f"generated {export} ({args.rows:,} rows, {export.stat().st_size / 1e6:.1f} MB) in "
              f"{time.monotonic() - began:.0f} s", flush=True)
        runs = [("dry run", ["--dry-run"]),
                ("dry run + XLSX report", ["--dry-run", "--report", str(export.with_suffix(".report.xlsx"))]),
                ("real import", []), ("re-run (idempotent)", [])]
        first = 0.0
        for label, extra in runs:
            unit = probe()
            raw = raw_create_rate(graph) if label == "real import" else None
            cpu_before = server_cpu(Path(env.get("CHAINMAP_NEO4J_HOME") or home))
            seconds, output, peak = timed(["import", "registry", str(export), *extra], env)
            cpu_after = server_cpu(Path(env.get("CHAINMAP_NEO4J_HOME") or home))
            if raw:
                print(f"baseline, just before the real import: a bare CREATE of 15 properties on the same server, "
                      f"{raw:,.0f} rows/s (load {os.getloadavg()[0]:.1f})", flush=True)
            lines = [line.strip() for line in output.splitlines() if "：" in line and not line.startswith("  第")]
            counts = "; ".join(line for line in lines if line.split("：")[0] in ("新增", "更新", "未变", "整行拒绝",
                                                                                   "拒绝的字段"))
            first = first or seconds
            print(f"{label}: {args.rows:,} rows in {seconds:.1f} s end to end = {args.rows / seconds:,.0f} rows/s "
                  f"(= {seconds / first:.1f}x the dry run, {seconds / unit:.0f}x a fixed Python work of {unit:.2f} s "
                  f"timed before it; load {os.getloadavg()[0]:.1f}); peak RSS {peak} MB ({counts})", flush=True)
            if cpu_before is not None and cpu_after is not None:
                ratio = f", = {args.rows / seconds / raw:.2f}x the bare CREATE rate" if raw else ""
                print(f"  the database's CPU: {cpu_after - cpu_before:.1f} s{ratio}", flush=True)
        print(f"machine load average (1, 5, 15 min) after the runs: {os.getloadavg()}, {os.cpu_count()} cores")
        graph.close()
    finally:
        if not args.use_env and not args.keep:
            subprocess.run([str(ROOT / "scripts" / "neo4j"), "stop"], env=env, capture_output=True)
            shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
