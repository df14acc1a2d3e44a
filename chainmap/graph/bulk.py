"""Cypher around a bulk first load (chainmap.loading.first_load): the emptiness check and what the importer cannot
express (empty lists, repeated SUPPLIES rows), values only as parameters, labels from this allow-list."""

from __future__ import annotations

from typing import LiteralString

ANYTHING: LiteralString = "MATCH (n) RETURN count(n) AS nodes LIMIT 1"
# An empty array field imports as no property; the online loader stores `[]` (chainmap.loading.bulk).
EMPTY_LISTS: dict[str, LiteralString] = {
    "Region": "UNWIND $rows AS row MATCH (n:Region {adcode: row.key}) SET n += row.props",
    "Industry": "UNWIND $rows AS row MATCH (n:Industry {code: row.key}) SET n += row.props",
    "Cluster": "UNWIND $rows AS row MATCH (n:Cluster {id: row.key}) SET n += row.props",
    "ChainNode": "UNWIND $rows AS row MATCH (n:ChainNode {id: row.key}) SET n += row.props",
    "Enterprise": "UNWIND $rows AS row MATCH (n:Enterprise {uscc: row.key}) SET n += row.props",
    "Introduction": "UNWIND $rows AS row MATCH (n:Introduction {id: row.key}) SET n += row.props",
}
# A later SUPPLIES row with an earlier row's key: the online MERGE keeps one relationship with the later values.
# The writer tells repeats by a 64-bit hash of the key; MERGE also writes a row whose hash only collided.
REPEATED_SUPPLIES: LiteralString = (
    "UNWIND $rows AS row MATCH (s:Enterprise {uscc: row.supplier}) MATCH (c:Enterprise {uscc: row.customer}) "
    "MERGE (s)-[r:SUPPLIES {kind: row.kind, since: row.since}]->(c) "
    "SET r.until = row.until, r.evidence = row.evidence"
)
