"""Helpers shared by the benchmark scripts: instances, gunicorn on loopback, timing loops, percentiles, goals."""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    """p50, p95, p99 in milliseconds."""
    cuts = statistics.quantiles(samples, n=100)
    return cuts[49] * 1000, cuts[94] * 1000, cuts[98] * 1000


def start_gunicorn(env: dict[str, str], workers: int, port: int = 0) -> tuple[subprocess.Popen, str]:
    """gunicorn serving wsgi:app on loopback (`port`, or a free one); returns the process and the API base URL once
    healthy."""
    port = port or free_port()
    # The benchmarks time the service, not its rate limiter (scripts/bench_hardening.py times that): limits far
    # above what they send, unless the caller's environment sets its own.
    unlimited = {"CHAINMAP_RATE_KEY": "10000000/minute", "CHAINMAP_RATE_ADDRESS": "10000000/minute"}
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT,
                               env={**unlimited, **env, "CHAINMAP_PORT": str(port), "CHAINMAP_WORKERS": str(workers)},
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/api/v1"
    for _ in range(150):
        try:
            if requests.get(f"{base}/health", timeout=1).status_code == 200:
                return process, base
        except requests.RequestException:  # refused, or a worker still booting
            pass
        time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not become healthy")


# The latency goals (#20, part 4), each as a ratio to the trivial endpoint's p95 measured in the same run and
# as an absolute figure: a ratio survives a slower or busier machine, the milliseconds are what users feel.
GOALS = {
    "chain": (10.0, 25.0),             # GET /clusters/{id}/chain p95
    "reward": (12.0, 30.0),            # POST /reward-checks, 200 partners, p95
    "recommend fresh": (20.0, 50.0),   # one node after a write, p95
}


def verdict(goal: str, p95: float, baseline_p95: float) -> str:
    """`p95 = N× the trivial p95 (goal ≤ R× and ≤ M ms: met / MISSED)`."""
    ratio, ms = GOALS[goal]
    met = p95 <= ratio * baseline_p95 and p95 <= ms
    return (f"{p95 / baseline_p95:5.1f}x trivial p95 (goal <= {ratio:.0f}x and <= {ms:.0f} ms: "
            f"{'met' if met else 'MISSED'})")


def bench_env(name: str, port: int, heap: str, pagecache: str | None = None) -> dict[str, str]:
    """The environment of a benchmark instance var/neo4j-<name> (the province's: CHAINMAP_BENCH_PROVINCE_HOME if set,
    which bench_api, bench_recommend and bench_update share): its Bolt port unless CHAINMAP_BENCH_BOLT_PORT
    says otherwise (several checkouts on one machine), heap and page cache unless NEO4J_HEAP / NEO4J_PAGECACHE do.
    The settings apply when this run starts the instance; a running one keeps its own (instance_report says which)."""
    home = ROOT / "var" / f"neo4j-{name}"
    if name == "province" and os.environ.get("CHAINMAP_BENCH_PROVINCE_HOME"):  # e.g. an 8M instance beside the 1M one
        home = Path(os.environ["CHAINMAP_BENCH_PROVINCE_HOME"]).resolve()
    env = dict(os.environ, CHAINMAP_NEO4J_HOME=str(home),
               NEO4J_BOLT_PORT=os.environ.get("CHAINMAP_BENCH_BOLT_PORT", str(port)),
               NEO4J_HEAP=os.environ.get("NEO4J_HEAP", heap),
               NEO4J_PAGECACHE=os.environ.get("NEO4J_PAGECACHE", pagecache or heap))
    env.pop("NEO4J_URI", None)
    return env


def instance_report(graph, env: dict[str, str]) -> str:
    """What decides whether figures reproduce: the running server's heap and page cache (not what this run asked
    for: a server already up keeps its own), the store's size on disk, and whether the store fits the page cache
    (if not, every run pays disk reads the OS cache may or may not absorb), plus the machine's load."""
    settings = {r["name"]: r["value"] for r in graph.read(SETTINGS)}
    store = sum(f.stat().st_size for f in (Path(env["CHAINMAP_NEO4J_HOME"]) / "data" / "databases" / "neo4j").rglob("*")
                if f.is_file())
    return (f"instance: heap {settings.get('server.memory.heap.max_size')}, page cache "
            f"{settings.get('server.memory.pagecache.size')}, store {store / 2**30:.2f} GiB on disk; "
            f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")


SETTINGS = ("SHOW SETTINGS YIELD name, value WHERE name IN ['server.memory.heap.max_size', "
            "'server.memory.pagecache.size'] RETURN name, value")


def timed(send: Callable[[], Any], n: int, before: Callable[[], Any] | None = None,
          warm: int = 10) -> tuple[list[float], Any]:
    """Seconds of n calls of `send` (each after `before`, not timed), after `warm` untimed ones; and the last
    answer."""
    answer = None
    for _ in range(warm):
        if before is not None:
            before()
        send()
    samples = []
    for _ in range(n):
        if before is not None:
            before()
        t = time.perf_counter()
        answer = send()
        samples.append(time.perf_counter() - t)
    return samples, answer


def get(session: requests.Session, url: str, headers: dict[str, str]) -> Callable[[], requests.Response]:
    def send() -> requests.Response:
        response = session.get(url, headers=headers)
        response.raise_for_status()
        return response
    return send


def post(session: requests.Session, url: str, body: dict, headers: dict[str, str]) -> Callable[[], requests.Response]:
    def send() -> requests.Response:
        response = session.post(url, json=body, headers=headers)
        response.raise_for_status()
        return response
    return send


def measure(urls: list[str], headers: dict[str, str], n: int, concurrency: int = 0) -> tuple[float, float, float, float]:
    """p50, p95, p99 of n sequential GETs cycling through `urls`; and requests/s with `concurrency` client threads
    (0: not measured)."""
    session = requests.Session()
    cycle = iter(urls * (n // len(urls) + 20))
    samples, _ = timed(lambda: get(session, next(cycle), headers)(), n, warm=min(20, len(urls)))
    rps = 0.0
    if concurrency:
        def worker(offset: int) -> None:
            s = requests.Session()
            for i in range(n // concurrency):
                get(s, urls[(i + offset) % len(urls)], headers)()

        began = time.perf_counter()
        with ThreadPoolExecutor(concurrency) as pool:
            list(pool.map(worker, range(concurrency)))
        rps = (n // concurrency * concurrency) / (time.perf_counter() - began)
    return *percentiles(samples), rps


def reward_figures(base: str, case: dict, headers: dict[str, str], n: int, baseline_p95: float, partners: int) -> None:
    """Print the 三(三)6 check (POST, evaluated and recorded each time) and its form in both formats, as ratios."""
    samples, _ = timed(post(requests.Session(), f"{base}/reward-checks", case, headers), n)
    p50, p95, p99 = percentiles(samples)
    print(f"{'POST /reward-checks (' + str(partners) + ' partners)':44s} p50 {p50:6.2f} ms  p95 {p95:6.2f} ms  "
          f"p99 {p99:6.2f} ms  {verdict('reward', p95, baseline_p95)}")
    check = requests.post(f"{base}/reward-checks", json=case, headers=headers, timeout=30).json()["id"]
    for fmt in ("html", "xlsx"):
        f50, f95, f99, _ = measure([f"{base}/reward-checks/{check}/form?format={fmt}"], headers, n)
        print(f"{'GET /reward-checks/{id}/form?format=' + fmt:44s} p50 {f50:6.2f} ms  p95 {f95:6.2f} ms  "
              f"p99 {f99:6.2f} ms  ({f95 / baseline_p95:.1f}x trivial p95)")
