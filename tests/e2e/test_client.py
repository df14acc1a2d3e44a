"""The analyst client against the app under gunicorn on loopback, including a real 503 and its retry."""

import json
import socket
import subprocess
import sys
import threading
import time
from urllib.parse import urlparse

import pytest
from click.testing import CliRunner

from chainmap.cli import main
from chainmap.client import ChainmapAPIError, ChainmapClient
from tests.conftest import ROOT, free_port


def test_client_reads_and_paginates(server, keys):
    client = ChainmapClient(server, keys["viewer"]["Authorization"].split()[1])
    assert client.health() == {"status": "ok", "neo4j": "reachable"}
    clusters = list(client.paginate("/clusters", per_page=7))
    assert len(clusters) == 59 and len({c["id"] for c in clusters}) == 59
    xingtai = list(client.clusters(city="邢台市"))
    assert xingtai and all(c["city"]["name"] == "邢台市" for c in xingtai)
    chain = client.chain("qinghe-cashmere")
    assert chain["cluster"]["name"] == "清河羊绒" and chain["edges"]
    gaps = client.gaps("qinghe-cashmere", scope="city")
    assert gaps["scope"] == "city"
    csv_bytes = client.gap_report("csv", city="邢台市")
    assert csv_bytes.startswith(b"\xef\xbb\xbf")
    layer = client.map_layer("clusters", city="邢台市")
    assert sorted(f["id"] for f in layer["features"]) == sorted(c["id"] for c in xingtai)
    flows = client.map_layer("flows", cluster="qinghe-cashmere", limit=3)
    assert flows["features"] and all(f["geometry"]["type"] == "LineString" for f in flows["features"])
    ranked = client.recommendations("anping-wire-mesh", node="membrane", limit=3)
    assert ranked["items"] and len(ranked["items"]) <= 3
    sheet = client.recommendations("anping-wire-mesh", fmt="xlsx", node="membrane", limit=3)
    assert sheet[:2] == b"PK"  # an XLSX workbook (a zip), not JSON


def test_client_helpers_for_introductions_partners_and_report_files(server, keys, graph, tmp_path):
    client = ChainmapClient(server, keys["analyst"]["Authorization"].split()[1])
    intros = list(client.introductions(per_page=5))
    assert len(intros) == graph.read("MATCH (i:Introduction) RETURN count(i) AS n")[0]["n"] > 5
    firm = graph.read("MATCH (e:Enterprise)-[:SUPPLIES]->() RETURN e.uscc AS u ORDER BY u LIMIT 1")[0]["u"]
    partners = client.partners(firm)
    assert partners and all(p["partner"] for p in partners)
    report = client.gap_report(city="邢台")
    for suffix in ("json", "csv", "xlsx"):
        path = client.download_gap_report(tmp_path / f"缺链.{suffix}", city="xingtai")
        assert path.stat().st_size > 0
    assert json.loads((tmp_path / "缺链.json").read_text())["items"] == report["items"]
    assert (tmp_path / "缺链.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert (tmp_path / "缺链.xlsx").read_bytes()[:2] == b"PK"
    with pytest.raises(ChainmapAPIError) as info:
        client.gap_report(city="邢台县")
    assert info.value.status == 422 and info.value.errors[0]["field"] == "city"


def test_client_raises_the_problem_detail(server, keys):
    client = ChainmapClient(server, keys["viewer"]["Authorization"].split()[1])
    with pytest.raises(ChainmapAPIError) as info:
        client.cluster("no-such-cluster")
    assert info.value.status == 404 and "no-such-cluster" in info.value.detail
    with pytest.raises(ChainmapAPIError) as info:
        ChainmapClient(server, "cmk_000000000000_" + "x" * 43).cluster("qinghe-cashmere")
    assert info.value.status == 401


def test_cli_report_gaps_writes_an_xlsx(server, keys, tmp_path):
    out = tmp_path / "邢台-缺链.xlsx"
    result = CliRunner().invoke(main, ["report", "gaps", "--city", "邢台市", "--format", "xlsx", "-o", str(out),
                                       "--url", server, "--key", keys["analyst"]["Authorization"].split()[1]])
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:2] == b"PK"


def test_client_and_cli_give_the_progress_report(server, keys, tmp_path):
    key = keys["analyst"]["Authorization"].split()[1]
    report = ChainmapClient(server, key).progress_report("2026-Q3", county="130534")
    assert report["title"] == "邢台市清河县县域特色产业集群产业链招商季度通报（2026年第三季度）"
    assert report["summary"][0]["item"] == "新增项目（线索）"
    out = tmp_path / "清河-季度通报.xlsx"
    result = CliRunner().invoke(main, ["report", "progress", "2026-Q3", "--county", "130534", "-o", str(out),
                                       "--url", server, "--key", key])
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:2] == b"PK"
    with pytest.raises(ChainmapAPIError) as refused:
        ChainmapClient(server, key).progress_report("2026-Q9")
    assert refused.value.status == 422


class DelayedProxy:
    """A TCP forwarder to Neo4j that refuses connections until opened: the app sees Neo4j down, then up."""

    def __init__(self, target_port: int) -> None:
        self.port, self.target = free_port(), target_port

    def open(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", self.port))
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                downstream, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target))
            for a, b in ((downstream, upstream), (upstream, downstream)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a: socket.socket, b: socket.socket) -> None:
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            a.close()
            b.close()

    def close(self) -> None:
        self.listener.close()


def test_client_retries_a_503_until_neo4j_answers(settings, keys):
    proxy = DelayedProxy(urlparse(settings.neo4j_uri).port)
    port = free_port()
    env = {**__import__("os").environ, "NEO4J_URI": f"bolt://127.0.0.1:{proxy.port}", "NEO4J_USER": settings.neo4j_user,
           "NEO4J_PASSWORD": settings.neo4j_password, "CHAINMAP_PORT": str(port), "CHAINMAP_WORKERS": "1",
           "CHAINMAP_RETRY_TIME": "0.2"}
    app = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT, env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        client = ChainmapClient(f"http://127.0.0.1:{port}", keys["viewer"]["Authorization"].split()[1],
                                retries=8, backoff=0.3, max_wait=1.0)
        for _ in range(100):  # wait for gunicorn itself
            try:
                client.session.get(f"http://127.0.0.1:{port}/api/v1/", timeout=1)
                break
            except Exception:
                time.sleep(0.1)
        first = client.session.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=5)
        assert first.status_code == 503 and first.headers["Retry-After"]
        with pytest.raises(ChainmapAPIError) as info:  # without retries the 503 surfaces as an error
            ChainmapClient(f"http://127.0.0.1:{port}", retries=0).health()
        assert info.value.status == 503
        threading.Timer(1.5, proxy.open).start()
        began = time.monotonic()
        assert client.health() == {"status": "ok", "neo4j": "reachable"}
        assert time.monotonic() - began >= 1.0  # it waited and retried rather than failing
    finally:
        proxy.close() if hasattr(proxy, "listener") else None
        app.terminate()
        app.wait()
