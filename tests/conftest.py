"""Fixtures: a real Neo4j (started by scripts/test), the Flask app, and gunicorn on loopback."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
import requests

from api import create_app
from chainmap.graph import Graph
from chainmap.graph.schema import apply_schema
from chainmap.loading.loader import load_directory
from chainmap.policy import load_policies
from chainmap.recommendations import reuse
from chainmap.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


HAN = re.compile(r"[\u4e00-\u9fff]")
ENGLISH_PHRASE = re.compile(r"[A-Za-z]{2,}(?: [A-Za-z]{2,}){2,}")  # three English words in a row


def assert_chinese(text: str, context: object = None) -> str:
    """A sentence a user reads is Chinese (codes, field names and values inside it may stay as they are)."""
    assert HAN.search(text) and not ENGLISH_PHRASE.search(text), (text, context)
    return text


def assert_chinese_problem(problem: dict) -> None:
    """What a user reads in a problem body is Chinese: the title, the detail and every field reason."""
    texts = [problem["title"], problem.get("detail", "")] + [e["reason"] for e in problem.get("errors", [])]
    for text in filter(None, texts):
        assert_chinese(text, problem)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def settings() -> Settings:
    # The suite sends thousands of requests from one address and key: rate limits are tested on their own
    # (tests/test_rate_limits.py) and off elsewhere.
    return replace(Settings.from_env(), rate_address="", rate_key="", rate_auth_failures="")


SEEDS = ROOT / "seeds"
# The policy files, read once for the whole run (as create_app() and the CLI do).
POLICIES = load_policies()


def pytest_configure(config):
    # The suite wipes and reloads the database: never against a server it did not start, unless told so.
    if os.environ.get("NEO4J_URI") and os.environ.get("CHAINMAP_TESTS_MAY_WIPE") != "1":
        pytest.exit("NEO4J_URI is set: the tests wipe that database; set CHAINMAP_TESTS_MAY_WIPE=1 if that is intended",
                    returncode=2)


def wipe(graph: Graph, keep_keys: bool = True) -> None:
    """Delete every node and relationship (batched, in auto-commit transactions); API keys stay unless told."""
    reuse.STORES.flush()  # a ranked list stored behind an earlier answer must not land in the next test's graph
    with graph.driver.session(database=graph.database) as session:
        session.run("MATCH (n) WHERE NOT ($keep AND n:ApiKey) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS",
                    keep=keep_keys).consume()


def reset_seeded(graph: Graph) -> None:
    """The state most tests start from: schema, seeds/ and seeds/synthetic/ loaded into an empty graph."""
    wipe(graph)
    apply_schema(graph)
    load_directory(graph, POLICIES, SEEDS)
    load_directory(graph, POLICIES, SEEDS / "synthetic")


@pytest.fixture(scope="session")
def graph(settings):
    graph = Graph(settings)
    graph.ping()  # fail fast and clearly when the test Neo4j is not up
    wipe(graph, keep_keys=False)
    reset_seeded(graph)
    yield graph
    graph.close()


@pytest.fixture(scope="session")
def app(settings, graph):
    return create_app(settings)


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def server(graph, tmp_path_factory):
    """gunicorn serving wsgi:app on a free loopback port; yields the base URL."""
    port = free_port()
    env = dict(os.environ, CHAINMAP_PORT=str(port), CHAINMAP_WORKERS="2", CHAINMAP_RATE_ADDRESS="", CHAINMAP_RATE_KEY="",
               CHAINMAP_RATE_AUTH_FAILURES="")
    # A file, not a pipe: an unread pipe fills up and blocks gunicorn's logging (and so every request).
    log = open(tmp_path_factory.mktemp("gunicorn") / "gunicorn.log", "w+")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            if requests.get(f"{base}/api/v1/health", timeout=5).status_code == 200:
                break
        except requests.RequestException:  # refused while it binds, or slow to answer on a busy machine
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            log.seek(0)
            pytest.fail(f"gunicorn did not come up: {log.read()[-2000:]}")
        time.sleep(0.2)
    yield base
    process.terminate()
    process.wait(timeout=60)
    log.close()


def counts(graph: Graph) -> tuple[int, int]:
    """(nodes, relationships) in the whole graph: the 'nothing moved' check."""
    reuse.STORES.flush()  # ranked lists are stored behind answers: a late one is not the change looked for
    row = graph.read("MATCH (n) WITH count(n) AS nodes OPTIONAL MATCH ()-[r]->() RETURN nodes, count(r) AS rels")[0]
    return row["nodes"], row["rels"]


@pytest.fixture(scope="session")
def keys(graph):
    """Bearer headers for each kind of caller. 清河县 130534 is 'this county', 安平县 131125 'another county'."""
    from chainmap.api_keys import create_key

    made = {
        "viewer": create_key(graph, "viewer", []),
        "analyst": create_key(graph, "analyst", []),
        "editor": create_key(graph, "editor", ["130534"]),
        "other_editor": create_key(graph, "editor", ["131125"]),
        "admin": create_key(graph, "admin", []),
        "map": create_key(graph, "map", []),
    }
    return {role: {"Authorization": f"Bearer {key}"} for role, key in made.items()} | {"none": {}}
