"""Helpers shared by the benchmark scripts: free ports, gunicorn on loopback, percentiles."""

from __future__ import annotations

import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

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
