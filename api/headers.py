"""Security headers (issue 14, item 11): no MIME sniffing anywhere, and Content-Security-Policies that hold the API's
answers and the Swagger UI docs page to this origin. The console sets its own policy (api/console.py)."""

from __future__ import annotations

import base64
import hashlib
import re

from flask import Flask, Response, request

DOCS_ENDPOINT = "api-docs.openapi_swagger_ui"
# JSON and files are never documents to render: nothing may load, nothing may frame them.
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
# The vendored Swagger UI: its scripts and styles from /static, the spec fetched from this origin. Its one inline
# script (flask-smorest's template) is allowed by hash, computed from the page as served; Swagger UI sets style
# attributes at run time, hence 'unsafe-inline' for styles only.
DOCS_CSP = ("default-src 'none'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def script_hashes(html: str) -> str:
    return " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()}'"
                    for body in INLINE_SCRIPT.findall(html))


def _decorate(response: Response) -> Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if request.endpoint == DOCS_ENDPOINT and response.status_code == 200:
        response.headers["Content-Security-Policy"] = DOCS_CSP.format(
            hashes=script_hashes(response.get_data(as_text=True)))
    elif request.path.startswith("/api/") and "Content-Security-Policy" not in response.headers:
        response.headers["Content-Security-Policy"] = API_CSP
    return response


def register(app: Flask) -> None:
    app.after_request(_decorate)
