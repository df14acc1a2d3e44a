"""Fixtures: a real Neo4j (started by scripts/test), the Flask app, and gunicorn on loopback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from api import create_app
from chainmap.graph import Graph
from chainmap.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings.from_env()


@pytest.fixture(scope="session")
def graph(settings):
    graph = Graph(settings)
    graph.ping()  # fail fast and clearly when the test Neo4j is not up
    yield graph
    graph.close()


@pytest.fixture(scope="session")
def app(settings, graph):
    return create_app(settings)


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def server(graph):
    """gunicorn serving wsgi:app on a free loopback port; yields the base URL."""
    port = free_port()
    env = dict(os.environ, CHAINMAP_PORT=str(port), CHAINMAP_WORKERS="2")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if requests.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                break
        except requests.ConnectionError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"gunicorn did not come up: {process.stderr.read().decode()[-2000:]}")
        time.sleep(0.2)
    yield base
    process.terminate()
    process.wait(timeout=30)
