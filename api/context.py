"""Per-app objects the views reach through the Flask app: the graph, the policies, the gap thresholds."""

from __future__ import annotations

from flask import current_app

from chainmap.graph import Graph
from chainmap.policy import Policies, Thresholds

GRAPH_KEY = "chainmap.graph"
POLICIES_KEY = "chainmap.policies"


def graph() -> Graph:
    """The app's one Neo4j adapter (one driver per process)."""
    return current_app.extensions[GRAPH_KEY]


def policies() -> Policies:
    """The policy files, loaded once by create_app() (or handed to it by a test)."""
    return current_app.extensions[POLICIES_KEY]


def thresholds() -> Thresholds:
    """The gap analysis thresholds from the settings."""
    return current_app.config["CHAINMAP_SETTINGS"].gap_thresholds
