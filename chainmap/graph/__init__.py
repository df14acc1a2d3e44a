"""Graph access: the only package that imports the neo4j driver."""

from chainmap.graph.adapter import Graph

__all__ = ["Graph"]
