"""Per-app objects the views reach through the Flask app."""

from __future__ import annotations

from flask import current_app

from chainmap.graph import Graph

GRAPH_KEY = "chainmap.graph"


def graph() -> Graph:
    """The app's one Neo4j adapter (one driver per process)."""
    return current_app.extensions[GRAPH_KEY]
