"""The OpenAPI document is true: schemathesis over every operation, against gunicorn on loopback.

Checks: no server errors, responses conform to their documented schema, status codes and content types are
documented, and schema-violating requests are rejected. Not checked: that every schema-valid request is accepted
(references to unknown counties, classes or enterprises fit the schema and are rightly refused with 422), and the
stateful create-then-use links.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import reset_seeded

CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,"
          "response_schema_conformance,negative_data_rejection")


def test_schemathesis_finds_no_server_error_and_no_schema_violation(server, keys, graph):
    binary = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    try:
        run = subprocess.run(
            [binary, "run", f"{server}/api/v1/openapi.json", "--url", server,
             "-H", keys["admin"]["Authorization"].join(["Authorization: ", ""]),
             "--checks", CHECKS, "--max-examples", "12", "--seed", "20261127", "--phases", "examples,coverage,fuzzing",
             "--no-color"],
            capture_output=True, text=True, timeout=900, env=dict(os.environ, SCHEMATHESIS_HOOKS=""),
        )
    finally:
        reset_seeded(graph)  # the run creates clusters, nodes and enterprises
    tail = run.stdout[-4000:]
    assert run.returncode == 0, tail
    assert " passed" in tail and "failure" not in tail.split("Test cases:")[-1], tail
