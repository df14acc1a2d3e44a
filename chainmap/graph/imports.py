"""Cypher for imports (chainmap.imports): the reference data an import resolves against, the records it merges with,
and the records kept apart because they carry only an old 注册号. Values only as parameters."""

from __future__ import annotations

from typing import LiteralString

from chainmap.graph.rank_keys import NOTE_TIES

REGIONS: LiteralString = "MATCH (r:Region) RETURN r.adcode AS adcode, r.name AS name, r.level AS level, r.parent AS parent"
COUNTY: LiteralString = "MATCH (r:Region {adcode: $adcode, level: 'county'}) RETURN r.name AS name"
INDUSTRIES: LiteralString = "MATCH (i:Industry) RETURN i.code AS code, i.name AS name, i.level AS level"
CHAIN_NODES: LiteralString = (
    "MATCH (c:Cluster)-[:HAS_NODE]->(n:ChainNode) RETURN c.county AS county, n.id AS id, n.industry_codes AS codes"
)
ENTERPRISES: LiteralString = (
    "UNWIND $keys AS key MATCH (e:Enterprise {uscc: key}) WHERE e.name IS NOT NULL "
    "OPTIONAL MATCH (e)-[:OPERATES_IN]->(n:ChainNode) "
    "RETURN e.uscc AS key, e {.*} AS props, collect(n.id) AS nodes"
)
LEGACY: LiteralString = (
    "UNWIND $keys AS key MATCH (e:RegisteredEntity {registration_no: key}) RETURN e.registration_no AS key, "
    "e {.*} AS props, [] AS nodes"
)
# A market entity known only by its pre-2015 注册号 (个体户 mostly): kept and flagged, outside the Enterprise label
# (every Enterprise has a USCC), classified and placed like one so an officer can find and complete it.
WRITE_LEGACY: LiteralString = (
    "UNWIND $rows AS row MERGE (e:RegisteredEntity {registration_no: row.key}) "
    "SET e += row.props, e.flag = '仅有注册号' "
    "WITH e, row CALL (e, row) { MATCH (e)-[old:CLASSIFIED_AS]->(i) WHERE NOT i.code IN row.props.industry_codes "
    "  DELETE old } "
    "FOREACH (code IN row.props.industry_codes | MERGE (i:Industry {code: code}) MERGE (e)-[:CLASSIFIED_AS]->(i))"
)
# 协作配套 from a survey sheet: MERGE on (supplier, customer, kind, since) like the loader, so a re-import changes nothing.
SUPPLIES_EXISTING: LiteralString = (
    "UNWIND $rows AS row MATCH (:Enterprise {uscc: row.supplier})-[r:SUPPLIES {kind: row.kind, since: row.since}]->"
    "(:Enterprise {uscc: row.customer}) RETURN row.line AS line, r.until AS until, r.evidence AS evidence, "
    "r.evidence_kind AS evidence_kind"
)
WRITE_SUPPLIES: LiteralString = (
    "UNWIND $rows AS row MATCH (s:Enterprise {uscc: row.supplier}) MATCH (c:Enterprise {uscc: row.customer}) "
    "MERGE (s)-[r:SUPPLIES {kind: row.kind, since: row.since}]->(c) "
    "SET r.until = coalesce(row.until, r.until), r.evidence = coalesce(row.evidence, r.evidence), "
    "r.evidence_kind = coalesce(row.evidence_kind, r.evidence_kind) " + NOTE_TIES
)
