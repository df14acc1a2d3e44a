"""Which of the given reference codes the graph knows: one lookup each, shared by every write path."""

from __future__ import annotations

from typing import LiteralString

from chainmap.graph import Graph
from chainmap.vocab import HEBEI_LITERAL

CLASSES: LiteralString = "UNWIND $codes AS code MATCH (i:Industry {code: code, level: 'class'}) RETURN i.code AS code"
HEBEI_COUNTIES: LiteralString = (
    "UNWIND $codes AS code MATCH (r:Region {adcode: code, level: 'county'}) WHERE code STARTS WITH " + HEBEI_LITERAL + " "
    "RETURN r.adcode AS code"
)


def known_classes(graph: Graph, codes: list[str]) -> set[str]:
    """The four-digit GB/T 4754 classes among `codes` that exist."""
    return {r["code"] for r in graph.read(CLASSES, codes=sorted(set(codes)))}


def known_hebei_counties(graph: Graph, codes: list[str]) -> set[str]:
    """The Hebei county-level adcodes among `codes` that exist."""
    return {r["code"] for r in graph.read(HEBEI_COUNTIES, codes=sorted(set(codes)))}
