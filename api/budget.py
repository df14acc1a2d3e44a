"""Each request may wait on Neo4j for at most CHAINMAP_DB_WAIT_S, all its queries together (chainmap.graph.deadline).

Past the budget the adapter raises Unavailable, which api/problems.py answers with 503 problem+json and Retry-After.
"""

from __future__ import annotations

from flask import Flask, current_app, g

from chainmap.graph import deadline


def _open() -> None:
    g.db_budget = deadline.start(current_app.config["CHAINMAP_SETTINGS"].db_wait_s)


def _close(_error: BaseException | None) -> None:
    token = g.pop("db_budget", None)
    if token is not None:
        deadline.stop(token)


def register(app: Flask) -> None:
    # First of the before_request hooks (authentication reads the graph too); closed when the request is torn down.
    app.before_request_funcs.setdefault(None, []).insert(0, _open)
    app.teardown_request(_close)
