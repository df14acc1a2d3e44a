"""The OpenAPI document as front ends use it: Redocly CLI's recommended rules pass (redocly.yaml), and a TypeScript
client generated from it (openapi-typescript + openapi-fetch, pinned in tools/openapi) type-checks, refuses a call
the API does not offer, and reads through gunicorn.

The Node tools are installed by .ci/run (npm ci in tools/openapi); here they are installed when missing. The tests
skip only when npm cannot install them (no npm, no registry), and say so."""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid

import pytest
import requests

from tests.conftest import ROOT

TOOLS = ROOT / "tools" / "openapi"
BIN = TOOLS / "node_modules" / ".bin"
ALLOWED_WARNINGS = {"info-license"}  # each explained in redocly.yaml


@pytest.fixture(scope="module")
def node_tools():
    if not (BIN / "redocly").exists() or not (BIN / "tsc").exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("SKIPPED LOUDLY: npm is not installed, so the OpenAPI lint and the generated TypeScript "
                        "client were NOT checked (.ci/run installs npm)")
        done = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=TOOLS, capture_output=True, text=True,
                              timeout=600)
        if done.returncode != 0:
            pytest.skip(f"SKIPPED LOUDLY: npm ci in tools/openapi failed, so the OpenAPI lint and the generated "
                        f"TypeScript client were NOT checked: {done.stderr[-500:]}")
    return BIN


@pytest.fixture(scope="module")
def workdir(server):
    """A scratch directory inside tools/openapi (so node_modules resolves) with the served document."""
    path = TOOLS / "build" / uuid.uuid4().hex[:8]
    path.mkdir(parents=True)
    (path / "openapi.json").write_text(requests.get(f"{server}/api/v1/openapi.json", timeout=30).text)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def run(args: list, cwd, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=timeout)


def test_redocly_recommended_rules_pass(node_tools, workdir):
    done = run([node_tools / "redocly", "lint", workdir / "openapi.json", "--config", ROOT / "redocly.yaml",
                "--format", "json"], cwd=ROOT)
    report = json.loads(done.stdout[done.stdout.index("{"):])
    problems = [(p["ruleId"], p["severity"], p["message"]) for p in report["problems"]]
    assert not [p for p in problems if p[1] == "error"], problems
    assert {p[0] for p in problems} <= ALLOWED_WARNINGS, problems


def test_every_operation_has_a_stable_id_and_creates_link_to_reads(workdir):
    doc = json.loads((workdir / "openapi.json").read_text())
    operations = {(path, method): op for path, ops in doc["paths"].items() for method, op in ops.items()
                  if method in ("get", "post", "put", "patch", "delete")}
    ids = [op["operationId"] for op in operations.values()]
    assert len(ids) == len(set(ids)) == len(operations)
    assert operations[("/api/v1/clusters", "get")]["operationId"] == "listClusters"
    by_id = {op["operationId"]: (path, op) for (path, _), op in operations.items()}
    for (_, method), op in operations.items():
        if method == "post" and op["operationId"].startswith(("create", "add")):
            created = next(v for k, v in op["responses"].items() if k.startswith("2"))
            assert created.get("links"), op["operationId"]
            for link in created["links"].values():
                target_path, _ = by_id[link["operationId"]]
                assert {f"{{{p}}}" for p in link["parameters"]} == {
                    part for part in target_path.split("/") if part.startswith("{")}


CLIENT = """
import createClient from "openapi-fetch";
import type { paths } from "./schema.js";

declare const process: { argv: string[] };  // Node's, without pulling in @types/node
const client = createClient<paths>({ baseUrl: process.argv[2] });
const headers = { Authorization: `Bearer ${process.argv[3]}` };

async function main(): Promise<void> {
  const { data, error } = await client.GET("/api/v1/clusters", { params: { query: { city: "邢台", per_page: 5 } }, headers });
  if (error || !data) throw new Error(JSON.stringify(error));
  const first = data.items[0];
  const gaps: number = first.node_counts["gap"] ?? 0;
  console.log(JSON.stringify({ total: data.total, ids: data.items.map((c) => c.id), gaps, city: first.city.name }));
}
main();
"""
WRONG = """
import createClient from "openapi-fetch";
import type { paths } from "./schema.js";

const client = createClient<paths>({ baseUrl: "http://x" });
client.GET("/api/v1/clusters", { params: { query: { colour: "red" } } });
"""
TSCONFIG = {"compilerOptions": {"strict": True, "target": "ES2022", "module": "NodeNext",
                                "moduleResolution": "NodeNext", "skipLibCheck": True, "outDir": "out"},
            "files": ["main.ts"]}


def test_a_generated_typescript_client_type_checks_and_reads_through_gunicorn(node_tools, workdir, server, keys):
    generated = run([node_tools / "openapi-typescript", "openapi.json", "-o", "schema.d.ts"], cwd=workdir)
    assert generated.returncode == 0, generated.stderr
    (workdir / "package.json").write_text('{"type": "module"}')
    (workdir / "tsconfig.json").write_text(json.dumps(TSCONFIG))
    (workdir / "main.ts").write_text(WRONG)
    refused = run([node_tools / "tsc", "-p", "."], cwd=workdir)
    assert refused.returncode != 0 and "colour" in refused.stdout, refused.stdout  # the types are real
    (workdir / "main.ts").write_text(CLIENT)
    compiled = run([node_tools / "tsc", "-p", "."], cwd=workdir)
    assert compiled.returncode == 0, compiled.stdout
    key = keys["viewer"]["Authorization"].split()[1]
    result = run(["node", "out/main.js", server, key], cwd=workdir)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    expected = requests.get(f"{server}/api/v1/clusters", params={"city": "邢台市", "per_page": 5},
                            headers=keys["viewer"], timeout=30).json()
    assert answer == {"total": expected["total"], "ids": [c["id"] for c in expected["items"]],
                      "gaps": expected["items"][0]["node_counts"]["gap"], "city": "邢台市"}
