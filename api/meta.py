"""Service metadata: the API index and health."""

from __future__ import annotations

import marshmallow as ma

from api.params import Blueprint
from api.context import graph
from api.problems import PROBLEM_JSON
from api.schemas import ProblemSchema
from chainmap import __version__

blp = Blueprint("meta", __name__, description="Service index and health")


class IndexSchema(ma.Schema):
    name = ma.fields.String(required=True)
    version = ma.fields.String(required=True)
    links = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String(), required=True)


class HealthSchema(ma.Schema):
    status = ma.fields.String(required=True, metadata={"description": "ok"})
    neo4j = ma.fields.String(required=True, metadata={"description": "reachable"})


@blp.route("", strict_slashes=False)  # /api/v1 and /api/v1/ (the document names the first)
@blp.doc(security=[])
@blp.response(200, IndexSchema)
def index():
    """Entry point: where the documentation and main resources are."""
    return {
        "name": "chainmap",
        "version": __version__,
        "links": {"openapi": "/api/v1/openapi.json", "docs": "/api/v1/docs", "health": "/api/v1/health"},
    }


@blp.route("/health")
@blp.doc(security=[])
@blp.response(200, HealthSchema)
@blp.alt_response(
    503,
    schema=ProblemSchema,
    content_type=PROBLEM_JSON,
    description="Neo4j is not reachable; retry after the Retry-After seconds",
    headers={"Retry-After": {"description": "Seconds to wait before retrying", "schema": {"type": "integer"}}},
)
def health():
    """Liveness and Neo4j reachability. 503 with Retry-After when the graph database does not answer."""
    graph().ping()  # raises Unavailable -> 503 problem+json
    return {"status": "ok", "neo4j": "reachable"}
