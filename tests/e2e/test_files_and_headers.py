"""Files, sockets, headers and slow clients (issue 14, items 9 and 11)."""

from __future__ import annotations

import json
import os
import re
import socket
import stat
import subprocess
import threading
import time
from pathlib import Path

import pytest
import requests

from api.headers import script_hashes
from tests.conftest import ROOT
from tests.gunicorn_proc import gunicorn

HOME = Path(os.environ.get("CHAINMAP_NEO4J_HOME", ROOT / "var" / "neo4j")).resolve()


@pytest.mark.skipif(bool(os.environ.get("NEO4J_URI")), reason="checks the project-managed Neo4j's folder")
def test_the_neo4j_instance_folder_is_owner_only(graph):
    run = subprocess.run([str(ROOT / "scripts" / "neo4j"), "start"], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout + run.stderr
    assert stat.S_IMODE(HOME.stat().st_mode) == 0o700
    readable = [str(p) for p in HOME.rglob("*") if not p.is_symlink() and p.stat().st_mode & 0o077]
    assert readable == []
    assert (HOME / "data" / "dbms" / "auth.ini").exists()


def control_socket(log: Path) -> str:
    found = re.search(r"Control socket listening at (\S+)", log.read_text())
    return found.group(1) if found else ""


def test_each_gunicorn_has_its_own_owner_only_control_socket(graph, tmp_path):
    with gunicorn(tmp_path) as first, gunicorn(tmp_path) as second:
        logs = sorted(tmp_path.glob("gunicorn-*.log"))
        paths = [control_socket(log) for log in logs]
        ports = sorted(url.rsplit(":", 1)[1] for url in (first, second))
        assert sorted(paths) == sorted(str(ROOT / "var" / "run" / f"gunicorn-127.0.0.1-{p}.ctl") for p in ports)
        for path in paths:
            assert stat.S_ISSOCK(os.stat(path).st_mode) and stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert stat.S_IMODE((ROOT / "var" / "run").stat().st_mode) == 0o700


def test_api_answers_carry_nosniff_and_a_csp(client, keys):
    for response in (client.get("/api/v1/regions", headers=keys["viewer"]), client.get("/api/v1/regions"),
                     client.get("/api/v1/openapi.json"), client.get("/api/v1/nowhere")):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]


def test_the_docs_page_has_a_csp_that_allows_only_its_own_script(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    script_src = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    hashes = script_hashes(response.get_data(as_text=True))
    assert hashes and hashes in script_src
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp


def test_twenty_slow_header_clients_do_not_stall_health(graph, tmp_path):
    """Slowloris: 20 connections that send their headers a line at a time and never finish. /health still answers
    within a second."""
    with gunicorn(tmp_path) as base:
        port = int(base.rsplit(":", 1)[1])
        for _ in range(10):  # both workers' drivers connected first: the figure is about slow clients, not a cold pool
            requests.get(f"{base}/api/v1/health", timeout=30)
        stop = threading.Event()
        slow = []
        for _ in range(20):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            slow.append(sock)

        def trickle():
            while not stop.wait(0.5):
                for sock in slow:
                    try:
                        sock.sendall(b"X-Slow: 1\r\n")
                    except OSError:
                        pass

        thread = threading.Thread(target=trickle, daemon=True)
        thread.start()
        try:
            time.sleep(2)
            timings = []
            for _ in range(5):
                began = time.monotonic()
                response = requests.get(f"{base}/api/v1/health", timeout=10)
                timings.append(time.monotonic() - began)
                assert response.status_code == 200
            print(f"\n/health with 20 slow-header clients open: slowest {max(timings):.3f} s")
            assert max(timings) < 1.0, timings
        finally:
            stop.set()
            thread.join()
            for sock in slow:
                sock.close()


@pytest.mark.parametrize("case", ["long request line", "too many headers", "huge header", "not http"])
def test_what_gunicorn_refuses_by_itself_is_a_chinese_problem(server, case):
    """Requests gunicorn refuses before the app runs (its limits and its parser) get problem+json in Chinese too,
    without the request echoed back (gunicorn's own answer is English HTML quoting the offending line)."""
    host, port = server.removeprefix("http://").split(":")
    marker = "ECHO" + "x" * 20
    request = {
        "long request line": f"GET /api/v1/clusters?q={marker}{'y' * 5000} HTTP/1.1\r\nHost: a\r\n\r\n",
        "too many headers": "GET /api/v1/ HTTP/1.1\r\nHost: a\r\n" + "".join(f"X-{i}: {marker}\r\n" for i in range(120))
                            + "\r\n",
        "huge header": f"GET /api/v1/ HTTP/1.1\r\nHost: a\r\nX-Big: {marker}{'z' * 9000}\r\n\r\n",
        "not http": f"{marker} / NOT-HTTP\r\n\r\n",
    }[case]
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(request.encode("ascii"))
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, content = answer.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    assert status == {"long request line": 414, "too many headers": 431, "huge header": 431, "not http": 400}[case]
    assert b"Content-Type: application/problem+json" in head and b"nosniff" in head
    problem = json.loads(content.decode("utf-8"))
    assert problem["status"] == status and re.search(r"[\u4e00-\u9fff]", problem["title"] + problem["detail"])
    assert not re.search(r"\b[a-z]{4,}\b", problem["detail"]), problem  # no English words
    assert marker.encode() not in answer


def _raw(server: str, request: bytes) -> tuple[int, bytes, bytes]:
    host, port = server.removeprefix("http://").split(":")
    answer = b""
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        try:
            sock.sendall(request)
        except (BrokenPipeError, ConnectionResetError):
            pass  # a server may answer and close before a large body is all sent
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except ConnectionResetError:
            pass
    head, _, content = answer.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), head, content


@pytest.mark.parametrize("case", ["chunked text", "chunked untyped", "typed without length"])
def test_a_body_that_is_not_json_is_a_chinese_415_however_it_is_sent(server, graph, keys, case):
    """A body sent in chunks has no Content-Length: it was read as no body at all (a PATCH answered 200 with nothing
    changed); a typed body without a length met werkzeug's English refusal. Both are the app's 415 now."""
    uscc = graph.read("MATCH (e:Enterprise {region: '130534', status: 'active'}) RETURN e.uscc AS u "
                      "ORDER BY e.uscc LIMIT 1")[0]["u"]
    before = graph.read("MATCH (e:Enterprise {uscc: $u}) RETURN properties(e) AS p", u=uscc)[0]["p"]
    body = b'{"name": "\xe6\x94\xb9\xe5\x90\x8d"}'
    head = (f"PATCH /api/v1/enterprises/{uscc} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n"
            f"Authorization: {keys['admin']['Authorization']}\r\n")
    request = {
        "chunked text": head + "Content-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n",
        "chunked untyped": head + "Transfer-Encoding: chunked\r\n\r\n",
        "typed without length": head + "Content-Type: text/plain\r\n\r\n",
    }[case].encode("ascii")
    if case.startswith("chunked"):
        request += f"{len(body):x}\r\n".encode() + body + b"\r\n0\r\n\r\n"
    status, response_head, content = _raw(server, request)
    assert status == 415 and b"application/problem+json" in response_head, content
    problem = json.loads(content.decode("utf-8"))
    assert problem["detail"].startswith("请求体须为 application/json，而不是 "), problem  # no werkzeug English
    assert graph.read("MATCH (e:Enterprise {uscc: $u}) RETURN properties(e) AS p", u=uscc)[0]["p"] == before


def test_a_doubled_slash_is_a_chinese_404_not_an_english_redirect(server):
    status, head, content = _raw(server, b"GET /api/v1//clusters HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    assert status == 404 and b"application/problem+json" in head, content
    problem = json.loads(content.decode("utf-8"))
    assert re.search(r"[\u4e00-\u9fff]", problem["title"] + problem["detail"])


@pytest.mark.parametrize("case", ["too large", "repeated key"])
def test_a_chunked_json_body_meets_the_same_guards(server, graph, keys, case):
    """A JSON body sent in chunks has no Content-Length: it skipped the hostile-body guard (a repeated key was taken
    as its last value) and one past 4 MiB came back as malformed JSON (400), cut where werkzeug stopped reading."""
    body = {"too large": b'{"mark": "weak", "reason": "' + b"x" * (5 * 1024 * 1024) + b'"}',
            "repeated key": '{"mark": "weak", "reason": "甲", "reason": "乙"}'.encode()}[case]
    before = graph.read("MATCH (m:MarkChange) RETURN count(m) AS n")[0]["n"]
    chunks = b"".join(f"{len(body[i:i + 65536]):x}\r\n".encode() + body[i:i + 65536] + b"\r\n"
                      for i in range(0, len(body), 65536)) + b"0\r\n\r\n"
    request = (f"PUT /api/v1/clusters/qinghe-cashmere/nodes/design/mark HTTP/1.1\r\nHost: a\r\nConnection: close\r\n"
               f"Authorization: {keys['admin']['Authorization']}\r\nContent-Type: application/json\r\n"
               f"Transfer-Encoding: chunked\r\n\r\n").encode() + chunks
    status, head, content = _raw(server, request)
    assert status == {"too large": 413, "repeated key": 422}[case] and b"application/problem+json" in head, content
    problem = json.loads(content.decode("utf-8"))
    assert re.search(r"[\u4e00-\u9fff]", problem["title"])
    if case == "repeated key":
        assert problem["errors"][0]["field"] == "reason", problem
    assert graph.read("MATCH (m:MarkChange) RETURN count(m) AS n")[0]["n"] == before
