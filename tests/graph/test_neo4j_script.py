"""scripts/neo4j lifecycle on a throw-away instance: start, no-op restart, status, stop with no process left."""

import os
import subprocess
from pathlib import Path

from tests.conftest import ROOT, free_port


def run(*args, env):
    return subprocess.run([str(ROOT / "scripts" / "neo4j"), *args], env=env, capture_output=True, text=True, timeout=180)


def test_start_status_stop(tmp_path):
    port = free_port()
    env = dict(os.environ, CHAINMAP_NEO4J_HOME=str(tmp_path / "n4j"), NEO4J_BOLT_PORT=str(port),
               NEO4J_HEAP="256m", NEO4J_PAGECACHE="64m")
    try:
        first = run("start", env=env)
        assert first.returncode == 0, first.stderr
        assert f"bolt://127.0.0.1:{port}" in first.stdout and "已启动" in first.stdout
        password = tmp_path / "n4j" / "password"
        assert oct(password.stat().st_mode & 0o777) == "0o600"
        pid = (tmp_path / "n4j" / "run" / "neo4j.pid").read_text().strip()

        second = run("start", env=env)
        assert second.returncode == 0 and "已在运行" in second.stdout
        assert (tmp_path / "n4j" / "run" / "neo4j.pid").read_text().strip() == pid

        status = run("status", env=env)
        assert status.returncode == 0 and status.stdout.strip() == f"bolt://127.0.0.1:{port}"
        conf = (tmp_path / "n4j" / "conf" / "neo4j.conf").read_text()
        assert "server.http.enabled=false" in conf and "dbms.security.auth_enabled=true" in conf
    finally:
        stopped = run("stop", env=env)
    assert stopped.returncode == 0
    assert not Path(f"/proc/{pid}").exists()
    down = run("status", env=env)
    assert down.returncode == 3 and down.stdout.strip() == "未运行"


def test_generated_passwords_never_look_like_an_option():
    """neo4j-admin reads an argument starting with '-' as an option; token_urlsafe gave one in 64 first starts."""
    import importlib.machinery
    import importlib.util

    loader = importlib.machinery.SourceFileLoader("neo4j_script", str(ROOT / "scripts" / "neo4j"))
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader("neo4j_script", loader))
    loader.exec_module(module)
    passwords = {module.new_password() for _ in range(2000)}
    assert len(passwords) == 2000
    assert all(len(p) == 32 and p.isalnum() and p.isascii() for p in passwords)
