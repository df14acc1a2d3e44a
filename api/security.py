"""Who is calling: every /api/v1 request except the public ones carries a key (or is an allowed anonymous read)."""

from __future__ import annotations

from flask import Flask, current_app, g, request

from api.context import graph
from api.problems import problem
from chainmap import api_keys, audit, auth
from chainmap.errors import Forbidden

PUBLIC_ENDPOINTS = {"meta.index", "meta.health", "api-docs.openapi_json", "api-docs.openapi_swagger_ui", "static",
                    "console.index", "console.asset"}
# What a `map` key (a key a browser may hold) can read: the layers, nothing else (README "Map layers").
MAP_ENDPOINTS = {"maps.clusters_layer", "maps.counties_layer", "maps.flows_layer"}
BODY_METHODS = {"POST", "PUT", "PATCH"}
UPLOAD_ENDPOINTS = {"imports.post_import"}  # files come as multipart/form-data, everything else as JSON
ANONYMOUS_READER = auth.Principal(key_id="anonymous", role="viewer")


def principal() -> auth.Principal:
    return g.principal


def _before_request():
    if request.endpoint is None or request.endpoint in PUBLIC_ENDPOINTS:
        return _body_type()  # unknown routes and wrong methods fall through to their 404/405 problems
    header = request.headers.get("Authorization")
    settings = current_app.config["CHAINMAP_SETTINGS"]
    if header is None and request.method in ("GET", "HEAD") and settings.anonymous_reads:
        g.principal = ANONYMOUS_READER
        return None
    # Who is asking comes first: an unknown caller gets its 401 (and counts towards the failed-key limit) whatever
    # body it sent.
    g.principal = api_keys.authenticate(graph(), header, settings.key_cache_s)  # Unauthorized -> 401 problem
    if g.principal.role == auth.MAP_ROLE and request.endpoint not in MAP_ENDPOINTS:
        raise Forbidden("地图图层密钥只能读取地图图层（/api/v1/map/…）")
    # Who the audit trail names for this request's writes (chainmap.audit).
    g.actor = audit.start(audit.Actor(g.principal.key_id, g.principal.label, g.principal.role))
    return _body_type()


def _body_type():
    """415 for a body the endpoint cannot read: uploads are multipart; everything else is read only as JSON, a typed
    body or one sent in chunks (no Content-Length) included (werkzeug would refuse those later in English, or the
    endpoint read them as no body at all)."""
    if request.method not in BODY_METHODS or request.endpoint in (None, "static"):
        return None
    if request.endpoint in UPLOAD_ENDPOINTS:
        if request.mimetype != "multipart/form-data":
            return problem(415, f"请以 multipart/form-data 上传文件，而不是 {request.mimetype or '无内容类型'}")
    elif (request.content_length or request.mimetype or _chunked()) and not request.is_json:
        return problem(415, f"请求体须为 application/json，而不是 {request.mimetype or '无内容类型'}")
    return None


def _chunked() -> bool:
    return "chunked" in request.headers.get("Transfer-Encoding", "").lower()


def _teardown(_error: BaseException | None) -> None:
    token = g.pop("actor", None)
    if token is not None:
        audit.stop(token)


def register(app: Flask) -> None:
    app.before_request(_before_request)
    app.teardown_request(_teardown)
