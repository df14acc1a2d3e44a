"""Every error leaves the API as one RFC 9457 application/problem+json body, built here and only here."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from flask import Flask, Response, current_app, json, request
from werkzeug.exceptions import HTTPException

from api import wording
from chainmap import errors

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger(__name__)

# Domain error -> (HTTP status, problem type slug). The only mapping from domain to HTTP.
DOMAIN_STATUS: dict[type[errors.ChainmapError], tuple[int, str]] = {
    errors.Invalid: (422, "invalid-input"),
    errors.NotFound: (404, "not-found"),
    errors.Conflict: (409, "conflict"),
    errors.Unauthorized: (401, "unauthorized"),
    errors.Forbidden: (403, "forbidden"),
    errors.Unavailable: (503, "unavailable"),
}


def problem(status: int, detail: str | None = None, *, slug: str | None = None,
            field_errors: list[dict] | None = None, headers: dict[str, str] | None = None) -> Response:
    """Build a problem+json response."""
    body: dict[str, Any] = {
        "type": f"urn:chainmap:problem:{slug}" if slug else "about:blank",
        "title": wording.title(status),
        "status": status,
        "instance": quote(request.path, safe="/"),  # a URI reference: percent-encoded
    }
    if detail:
        body["detail"] = detail
    if field_errors:
        body["errors"] = field_errors
    response = Response(json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_JSON)
    response.headers.update(headers or {})
    return response


def flatten_messages(messages: Any, path: str = "") -> list[dict]:
    """webargs/marshmallow messages {'json': {'name': ['...']}} -> [{'field': 'name', 'in': 'json', 'reason': '...'}]."""
    out: list[dict] = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            out += flatten_messages(value, f"{path}.{key}" if path else str(key))
    elif isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        location, _, field = path.partition(".")
        out += [{"field": field or location, "in": location, "reason": wording.reason(m)} for m in messages]
    elif isinstance(messages, list):
        for i, value in enumerate(messages):
            out += flatten_messages(value, f"{path}.{i}")
    else:
        location, _, field = path.partition(".")
        out.append({"field": field or location, "in": location, "reason": wording.reason(str(messages))})
    return out


def http_problem(error: HTTPException) -> Response:
    """Werkzeug/webargs HTTP errors (404 route, 405 method, 413 size, 422 validation, ...)."""
    data = getattr(error, "data", None) or {}
    status = error.code or 500
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    headers.update(data.get("headers") or {})
    field_errors = flatten_messages(data["messages"]) if "messages" in data else data.get("errors")
    if field_errors:
        detail = "; ".join(f"{e['field']}: {e['reason']}" for e in field_errors[:5])
    elif status == 405:
        detail = f"{request.path} 不支持 {request.method} 请求；可用：{headers.get('Allow', '无')}"
    elif status == 404 and not data:
        detail = f"{request.path} 处没有资源"
    else:
        ours = error.description if error.description != type(error).description else None  # werkzeug's is English
        detail = data.get("message") or ours or wording.DETAILS.get(status) or wording.title(status)
    slug = "invalid-input" if field_errors else None
    return problem(status, detail, slug=slug, field_errors=field_errors, headers=headers)


def domain_problem(error: errors.ChainmapError) -> Response:
    status, slug = next(v for k, v in DOMAIN_STATUS.items() if isinstance(error, k))
    headers = {}
    if status == 503:
        headers["Retry-After"] = str(current_app.config["CHAINMAP_RETRY_AFTER"])
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="chainmap"'
    return problem(status, error.detail, slug=slug, field_errors=error.errors or None, headers=headers)


def unexpected_problem(error: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.path)
    return problem(500, "服务器发生意外错误，已记录日志")


def register(app: Flask) -> None:
    app.register_error_handler(errors.ChainmapError, domain_problem)
    app.register_error_handler(Exception, unexpected_problem)
