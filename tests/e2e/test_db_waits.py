"""No request waits on Neo4j longer than CHAINMAP_DB_WAIT_S (issue 14, item 4): the test instance is frozen
(SIGSTOP) and then killed (kill -9) and restarted under load through gunicorn. Both leave it running and healthy.

Figures are printed (run with -s to see them); the assertions are the issue's bounds.
"""

from __future__ import annotations

import itertools
import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import ROOT, reset_seeded
from tests.gunicorn_proc import gunicorn

BUDGET = 3.0        # short, so the frozen database meets it many times in 15 s
# The bound; a machine busier than CI may widen it (CHAINMAP_TEST_RECOVERY_S) — the printed figure is the
# measurement either way.
RECOVERY_BOUND_S = float(os.environ.get("CHAINMAP_TEST_RECOVERY_S", "10"))
RESTART_BUDGET = 10.0  # the default: a freshly restarted server plans its first queries slowly on a busy machine,
                       # and a budget shorter than that cancels every first attempt
pytestmark = pytest.mark.skipif(bool(os.environ.get("NEO4J_URI")),
                                reason="needs the project-managed test Neo4j (it is stopped and killed)")
HOME = Path(os.environ.get("CHAINMAP_NEO4J_HOME", ROOT / "var" / "neo4j")).resolve()
BOLT_PORT = int(os.environ.get("NEO4J_BOLT_PORT", "7687"))
_serial = itertools.count(1)


def neo4j_pid() -> int:
    return int((HOME / "run" / "neo4j.pid").read_text().strip())


def bolt_answers() -> bool:
    """The same handshake check as scripts/neo4j: a Bolt version comes back."""
    try:
        with socket.create_connection(("127.0.0.1", BOLT_PORT), timeout=0.5) as sock:
            sock.settimeout(0.5)
            sock.sendall(b"\x60\x60\xb0\x17" + bytes.fromhex("00000405000000050000040400000000"))
            reply = sock.recv(4)
    except OSError:
        return False
    return len(reply) == 4 and reply != b"\x00\x00\x00\x00"


@pytest.fixture(scope="module", autouse=True)
def restore_seeds(graph):
    yield
    reset_seeded(graph)


@pytest.fixture()
def waiting_server(tmp_path_factory):
    with gunicorn(tmp_path_factory.mktemp("waits"), CHAINMAP_DB_WAIT_S=str(BUDGET)) as base:
        yield base


@pytest.fixture()
def restart_server(tmp_path_factory):
    with gunicorn(tmp_path_factory.mktemp("waits"), CHAINMAP_DB_WAIT_S=str(RESTART_BUDGET)) as base:
        yield base


class Load:
    """Client threads sending requests in a loop, each answer recorded as (start, end, status, response)."""

    def __init__(self, threads: int, make_request) -> None:
        self.results: list[tuple[float, float, object, requests.Response | None]] = []
        self.stop = threading.Event()
        self.make_request = make_request
        self.threads = [threading.Thread(target=self._loop, args=(i,), daemon=True) for i in range(threads)]

    def _loop(self, i: int) -> None:
        while not self.stop.is_set():
            began = time.monotonic()
            try:
                response = self.make_request(i)
                status: object = response.status_code
            except requests.RequestException as exc:
                response, status = None, type(exc).__name__
            self.results.append((began, time.monotonic(), status, response))
            time.sleep(0.1)

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=60)


def assert_2xx_or_503(results) -> None:
    for _began, _ended, status, response in results:
        assert status in (200, 201, 204, 503), (status, response.text[:300] if response is not None else None)
        if status == 503:
            assert response.headers["Content-Type"] == "application/problem+json"
            assert int(response.headers["Retry-After"]) > 0


def test_sigstop_answers_within_the_budget(waiting_server, keys):
    urls = [f"{waiting_server}/api/v1/health", f"{waiting_server}/api/v1/clusters/qinghe-cashmere/chain",
            f"{waiting_server}/api/v1/regions?level=county", f"{waiting_server}/api/v1/clusters?per_page=20"]

    def one(i: int) -> requests.Response:
        if i == 4:
            return requests.put(f"{waiting_server}/api/v1/clusters/qinghe-cashmere/nodes/dyeing/mark",
                                json={"mark": "bottleneck", "reason": f"冻结测试 {next(_serial)}"},
                                headers=keys["admin"], timeout=60)
        return requests.get(urls[i], headers=keys["viewer"], timeout=60)

    pid = neo4j_pid()
    with Load(5, one) as load:
        time.sleep(2)
        stopped = time.monotonic()
        os.kill(pid, signal.SIGSTOP)
        try:
            time.sleep(15)
        finally:
            os.kill(pid, signal.SIGCONT)
        resumed = time.monotonic()
        time.sleep(6)
    results = sorted(load.results, key=lambda r: r[0])
    assert_2xx_or_503(results)
    during = [r for r in results if stopped <= r[0] < resumed]
    slowest = max(ended - began for began, ended, _, _ in results)
    first_ok = min(r[1] for r in results if r[0] >= resumed and r[2] != 503)
    late = [r for r in results if r[0] >= resumed + 2]
    print(f"\nSIGSTOP 15 s, budget {BUDGET} s: {len(results)} answers, {len(during)} sent while stopped "
          f"({sum(r[2] == 503 for r in results)} x 503), slowest {slowest:.2f} s, "
          f"first normal answer {first_ok - resumed:.2f} s after SIGCONT")
    assert sum(r[2] == 503 for r in during) >= 5, "the database was frozen: some requests must have met the budget"
    slow = [(round(b - stopped, 2), round(e - b, 2), s, r.url if r is not None else None)
            for b, e, s, r in results if e - b > BUDGET + 1]
    assert not slow, slow  # (sent at, took, status, address) of each answer over the bound
    assert late and all(r[2] != 503 for r in late), [r[2] for r in late]


def test_kill_and_restart_under_a_writer_loop(restart_server, graph, keys):
    waiting_server = restart_server
    acknowledged: list[str] = []

    def one(i: int) -> requests.Response:
        key = f"kill-{i}-{next(_serial)}"
        response = requests.post(f"{waiting_server}/api/v1/clusters/qinghe-cashmere/nodes", headers=keys["admin"],
                                 json={"key": key, "name": "断电测试环节", "stage": "midstream",
                                       "industry_codes": ["1721"]}, timeout=60)
        if response.status_code == 201:
            acknowledged.append(key)
        return response

    # Recovery after the kill replays the transaction log since the last checkpoint (scripts/test sets a 30 s
    # interval); the restart may take long on a busy machine, so its start timeout is generous.
    pid = neo4j_pid()
    with Load(4, one) as load:
        time.sleep(2)
        killed = time.monotonic()
        os.kill(pid, signal.SIGKILL)
        while Path(f"/proc/{pid}").exists():
            time.sleep(0.05)
        start = subprocess.Popen([str(ROOT / "scripts" / "neo4j"), "start"], cwd=ROOT, stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, text=True,
                                 env={**os.environ, "NEO4J_START_TIMEOUT": "600"})
        while not bolt_answers():
            assert start.poll() is None, start.stdout.read()
            assert time.monotonic() - killed < 300, "Neo4j did not come back"
            time.sleep(0.1)
        answering = time.monotonic()
        output, _ = start.communicate(timeout=300)
        assert start.returncode == 0, output
        while time.monotonic() - answering < 30 and not any(r[0] > answering and r[2] == 201 for r in load.results):
            time.sleep(0.2)
        time.sleep(2)
    results = sorted(load.results, key=lambda r: r[0])
    assert_2xx_or_503(results)
    first_ok = min(r[1] for r in results if r[0] > killed and r[2] == 201)
    first_fresh = min(r[1] for r in results if r[0] >= answering and r[2] == 201)
    timeline = [(round(r[0] - answering, 1), round(r[1] - answering, 1), r[2]) for r in results
                if r[1] >= answering - 1 and r[0] <= first_ok]
    stored = {r["key"] for r in graph.read("MATCH (n:ChainNode {cluster: 'qinghe-cashmere'}) WHERE n.key STARTS WITH "
                                           "'kill-' RETURN n.key AS key")}
    lost = sorted(set(acknowledged) - stored)
    print(f"\nkill -9: Bolt answered {answering - killed:.1f} s after the kill; first 201 {first_ok - answering:.2f} s "
          f"after Bolt answered ({first_fresh - answering:.2f} s for a request sent after it); "
          f"{len(acknowledged)} writes acknowledged, {len(lost)} lost; "
          f"{sum(r[2] == 503 for r in results)} x 503, slowest answer {max(r[1] - r[0] for r in results):.2f} s")
    assert not lost
    assert max(r[1] - r[0] for r in results) <= RESTART_BUDGET + 1
    # The issue asks for the first 2xx within 10 s of Bolt answering. A restarted server spends most of that loading
    # and compiling the classes of its first queries: scripts/neo4j maps them from a class-data-sharing archive
    # (scripts/test has it recorded on a checkout's first run). Measured on the two-core machine: 9.0 s without the
    # archive (load 0.5), 6.4 s with it (load 6).
    assert first_ok - answering <= RECOVERY_BOUND_S, timeline
