"""The chainmap REST API (Flask + flask-smorest). `create_app()` builds one app with one Neo4j driver."""

from __future__ import annotations

from http import HTTPStatus

import flask_smorest
from flask import Flask
from flask_smorest.utils import prepare_response
from werkzeug.middleware.proxy_fix import ProxyFix

from api import bodies, budget, compression, converters, cors, headers, limits, openapi, problems, security
from api.context import GRAPH_KEY, POLICIES_KEY
from api.schemas import ProblemSchema
from chainmap import __version__
from chainmap.graph import Graph
from chainmap.policy import Policies, load_policies
from chainmap.settings import Settings

API_PREFIX = "/api/v1"

class Api(flask_smorest.Api):
    """flask-smorest Api whose errors (and their documentation) are problem+json."""

    ERROR_SCHEMA = ProblemSchema

    def handle_http_exception(self, error):  # pyright: ignore[reportIncompatibleMethodOverride] - a Response is fine
        return problems.http_problem(error)

    def _register_responses(self):
        # Same as flask-smorest's, but documents error bodies under application/problem+json.
        spec = self.spec
        assert spec is not None  # set by Api(app)
        for status in HTTPStatus:
            response: dict = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, spec, problems.PROBLEM_JSON)
            spec.components.response(status.name, response, lazy=True)
        response = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(response, spec, problems.PROBLEM_JSON)
        spec.components.response("DEFAULT_ERROR", response, lazy=True)


def create_app(settings: Settings | None = None, policies: Policies | None = None) -> Flask:
    """Build the app. Nothing connects here: the driver connects on first use. The policy files are read once, here
    (a test may hand in its own)."""
    settings = settings or Settings.from_env()
    policies = policies or load_policies()
    app = Flask(__name__, static_folder="static", static_url_path="/static")
    # A doubled slash is a 404 problem, not werkzeug's 308 to the merged path: its redirect page is English HTML and
    # Flask hands routing redirects past every error handler.
    app.url_map.merge_slashes = False
    app.config.update(
        API_TITLE="chainmap",
        API_VERSION=__version__,
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX=API_PREFIX,
        OPENAPI_JSON_PATH="openapi.json",
        OPENAPI_SWAGGER_UI_PATH="docs",
        OPENAPI_SWAGGER_UI_URL="/static/swagger-ui/",  # vendored: the docs work offline
        API_SPEC_OPTIONS={
            "security": [{"bearerAuth": []}],
            "servers": [{"url": "/", "description": "本服务（路径含 /api/v1；客户端可换成部署地址）"}],
            "info": {"description": "Industrial-chain mapping for Hebei's county featured-industry clusters "
                                    "(河北省县域特色产业集群产业链招商图谱)."},
        },
        MAX_CONTENT_LENGTH=4 * 1024 * 1024,
        JSON_SORT_KEYS=False,
        CHAINMAP_SETTINGS=settings,
        CHAINMAP_RETRY_AFTER=settings.retry_after_s,
    )
    app.json.ensure_ascii = False  # pyright: ignore[reportAttributeAccessIssue] - DefaultJSONProvider has it
    app.json.sort_keys = False  # pyright: ignore[reportAttributeAccessIssue]
    app.extensions[GRAPH_KEY] = Graph(settings)
    app.extensions[POLICIES_KEY] = policies
    if settings.proxy_hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.proxy_hops)

    api = Api(app, spec_kwargs={"extra_plugins": [openapi.ContractPlugin(security.PUBLIC_ENDPOINTS)]})
    spec = api.spec
    assert spec is not None  # Api(app) made it
    api.ma_plugin.converter.add_attribute_function(openapi.any_value_without_nullable)  # pyright: ignore
    spec.components.schemas.pop("PaginationMetadata", None)  # flask-smorest's; our pages carry their own envelope
    converters.register(app, api)
    spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer",
                                                       "description": "chainmap API key (cmk_…)"})
    problems.register(app)
    budget.register(app)
    cors.register(app)
    limits.register(app)  # before authentication: a flood costs no key lookups
    security.register(app)
    bodies.register(app)
    headers.register(app)  # after authentication: bodies of unknown callers are not parsed
    compression.register(app)

    from api import (audit, clusters, console, enterprises, imports, introductions, maps, meta, recommendations,
                     reports, rewards)

    api.register_blueprint(meta.blp, url_prefix=API_PREFIX)
    for module in (clusters, enterprises, introductions, recommendations, reports, rewards, maps, audit, imports):
        api.register_blueprint(module.blp, url_prefix=API_PREFIX)
    app.register_blueprint(console.bp)
    spec.components.schema("EnterpriseIn", schema=enterprises.EnterpriseInSchema)
    spec.components.schema("EnterpriseBatch", schema=enterprises.EnterpriseBatchSchema)
    return app
