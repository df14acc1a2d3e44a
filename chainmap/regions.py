"""Administrative regions (GB/T 2260): provinces, cities and county-level units with their centroids."""

from __future__ import annotations

from typing import LiteralString

from chainmap.graph import Graph
from chainmap.paging import Page, envelope

LIST: LiteralString = (
    "MATCH (r:Region) WHERE ($level IS NULL OR r.level = $level) AND ($parent IS NULL OR r.parent = $parent) "
    "AND ($q IS NULL OR r.name CONTAINS $q) "
    "WITH r ORDER BY r.adcode "
    "WITH collect(r {.adcode, .name, .level, .parent, .lon, .lat}) AS rows "
    "RETURN size(rows) AS total, rows[$skip..$skip + $limit] AS items"
)


def list_regions(graph: Graph, page: Page, *, level: str | None = None, parent: str | None = None,
                 q: str | None = None) -> dict:
    row = graph.read(LIST, level=level, parent=parent, q=q, skip=page.skip, limit=page.per_page)[0]
    return envelope(row["items"], row["total"], page)


NAMES: LiteralString = (
    "UNWIND $codes AS code MATCH (r:Region {adcode: code}) OPTIONAL MATCH (r)-[:PART_OF]->(p:Region) "
    "RETURN r.adcode AS adcode, coalesce(p.name, '') + r.name AS name"
)


def place_names(graph: Graph, adcodes: list[str]) -> dict[str, str]:
    """{adcode: name with its city} for these regions (北京市海淀区 reads better than 110108 in a sheet)."""
    return {r["adcode"]: r["name"] for r in graph.read(NAMES, codes=sorted(set(adcodes)))}
