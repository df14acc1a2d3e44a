"""CORS for browser map integrations: only origins on the configured allow-list, never `*`.

The API authenticates with bearer keys, not cookies, so credentials are never allowed. Preflights are answered here,
before authentication (browsers send them without the Authorization header).
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request

from api.problems import problem

ALLOWED_METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE"
ALLOWED_HEADERS = "Authorization, Content-Type, If-None-Match"
EXPOSED_HEADERS = "ETag, Location, Retry-After, Content-Disposition"
MAX_AGE = "600"


def _origins() -> tuple[str, ...]:
    return current_app.config["CHAINMAP_SETTINGS"].cors_origins


def _in_api() -> bool:
    return request.path.startswith("/api/")


def _preflight():
    if request.method != "OPTIONS" or "Access-Control-Request-Method" not in request.headers or not _in_api():
        return None
    origin = request.headers.get("Origin")
    if not origin:  # browsers always send it on a preflight: without it there is no origin to allow
        return problem(403, "跨域预检请求缺少 Origin 请求头，无法判断来源", slug="cors-origin",
                       field_errors=[{"field": "Origin", "in": "header", "reason": "缺少来源"}])
    if origin not in _origins():
        return problem(403, f"来源 {origin} 不在允许的跨域来源（CHAINMAP_CORS_ORIGINS）之中", slug="cors-origin",
                       field_errors=[{"field": "Origin", "in": "header", "reason": "不是允许的来源"}])
    response = Response(status=204)
    response.headers.update({"Access-Control-Allow-Methods": ALLOWED_METHODS,
                             "Access-Control-Allow-Headers": ALLOWED_HEADERS, "Access-Control-Max-Age": MAX_AGE})
    return response


def _decorate(response: Response) -> Response:
    if _in_api():
        response.vary.add("Origin")
        origin = request.headers.get("Origin")
        if origin and origin in _origins():
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    return response


def register(app: Flask) -> None:
    app.before_request(_preflight)  # registered before security's hook: preflights carry no key
    app.after_request(_decorate)
