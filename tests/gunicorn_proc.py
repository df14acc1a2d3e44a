"""Start and stop a gunicorn serving wsgi:app on a free loopback port, for tests that need real HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(log_dir: Path, **env: str) -> Iterator[str]:
    """gunicorn with the given CHAINMAP_* overrides; yields the base URL once /health answers 200."""
    port = free_port()
    # Rate limits off unless a test sets them: these tests send many requests from one address and key.
    full_env = {**os.environ, "CHAINMAP_PORT": str(port), "CHAINMAP_WORKERS": "2", "CHAINMAP_RATE_ADDRESS": "",
                "CHAINMAP_RATE_KEY": "", "CHAINMAP_RATE_AUTH_FAILURES": "", **env}
    log_path = Path(log_dir) / f"gunicorn-{port}.log"
    # A file, not a pipe: an unread pipe fills up and blocks gunicorn's logging (and so every request).
    with open(log_path, "w+") as log:
        process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
                                   cwd=ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        try:
            while True:
                try:
                    if requests.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                        break
                except requests.RequestException:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    raise RuntimeError(f"gunicorn did not come up: {log.read()[-3000:]}")
                time.sleep(0.2)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
