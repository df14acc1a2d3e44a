"""Cypher for imports (chainmap.imports): the reference data an import resolves against, the records it merges with,
and the records kept apart because they carry only an old 注册号. Values only as parameters."""

from __future__ import annotations

from typing import LiteralString

from chainmap.graph.rank_keys import NOTE_NEW_TIES

REGIONS: LiteralString = "MATCH (r:Region) RETURN r.adcode AS adcode, r.name AS name, r.level AS level, r.parent AS parent"
COUNTY: LiteralString = "MATCH (r:Region {adcode: $adcode, level: 'county'}) RETURN r.name AS name"
INDUSTRIES: LiteralString = "MATCH (i:Industry) RETURN i.code AS code, i.name AS name, i.level AS level"
CHAIN_NODES: LiteralString = (
    "MATCH (c:Cluster)-[:HAS_NODE]->(n:ChainNode) RETURN c.county AS county, n.id AS id, n.industry_codes AS codes"
)
# Which keys exist (an index lookup each, the keys only: most rows of a first import are new).
PRESENT: LiteralString = (
    "UNWIND $keys AS key MATCH (e:Enterprise {uscc: key}) WHERE e.name IS NOT NULL RETURN collect(key) AS keys"
)
# Whether each of those holds the row's values (every field the row has a value for, and its revenues)
# as they are: compared in the database, so a re-run of an unchanged file reads back flags, not every stored field.
COMPARE: LiteralString = (
    "UNWIND $rows AS row MATCH (e:Enterprise {uscc: row.key}) WHERE e.name IS NOT NULL "
    "WITH e, row, coalesce(e.revenue_years, []) AS years "
    "RETURN collect({key: row.key, industry_codes: e.industry_codes, "
    "  nodes: [(e)-[:OPERATES_IN]->(n:ChainNode) | n.id], "
    "  same: all(k IN keys(row.values) WHERE e[k] IS NOT NULL AND e[k] = row.values[k]) "
    "    AND all(j IN range(0, size(row.years) - 1) WHERE any(i IN range(0, size(years) - 1) "
    "      WHERE years[i] = row.years[j] AND e.revenue_values[i] = row.amounts[j]))}) AS items"
)
# One record per batch (a list of maps): per-record overhead, not the lookups, dominated a 100,000-row re-import.
ENTERPRISES: LiteralString = (
    "UNWIND $keys AS key MATCH (e:Enterprise {uscc: key}) WHERE e.name IS NOT NULL "
    "RETURN collect(e {.*, key: e.uscc, nodes: [(e)-[:OPERATES_IN]->(n:ChainNode) | n.id]}) AS items"
)
LEGACY: LiteralString = (
    "UNWIND $keys AS key MATCH (e:RegisteredEntity {registration_no: key}) "
    "RETURN collect(e {.*, key: e.registration_no, nodes: []}) AS items"
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
# A firm new to the graph, registered in Hebei and without a group: it has no SUPPLIES, no members and no rank keys
# (only firms outside Hebei carry them), so the loader's statement (chainmap.graph.loading.ENTERPRISES) would find
# nothing to keep in step; this one writes the same node and relationships without those subqueries.
NEW_LOCAL_FIRMS: LiteralString = (
    "UNWIND $rows AS row MERGE (n:Enterprise {uscc: row.uscc}) SET n += row.props "
    "WITH n, row "
    "CALL (n, row) { UNWIND row.chain_nodes AS id MATCH (c:ChainNode {id: id}) "
    "  MERGE (n)-[o:OPERATES_IN]->(c) ON CREATE SET o.evidence = row.evidence, o.confidence = 1.0 } "
    "CALL (n, row) { UNWIND row.props.industry_codes AS code MATCH (i:Industry {code: code}) "
    "  MERGE (n)-[:CLASSIFIED_AS]->(i) }"
)
# 协作配套 from a survey sheet: MERGE on (supplier, customer, kind, since) like the loader, so a re-import changes nothing.
SUPPLIES_EXISTING: LiteralString = (
    "UNWIND $rows AS row MATCH (:Enterprise {uscc: row.supplier})-[r:SUPPLIES {kind: row.kind, since: row.since}]->"
    "(:Enterprise {uscc: row.customer}) RETURN row.line AS line, r.until AS until, r.evidence AS evidence, "
    "r.evidence_kind AS evidence_kind"
)
WRITE_SUPPLIES: LiteralString = (
    "UNWIND $rows AS row MATCH (s:Enterprise {uscc: row.supplier}) MATCH (c:Enterprise {uscc: row.customer}) "
    "MERGE (s)-[r:SUPPLIES {kind: row.kind, since: row.since}]->(c) ON CREATE SET r.__new = true "
    "SET r.until = coalesce(row.until, r.until), r.evidence = coalesce(row.evidence, r.evidence), "
    "r.evidence_kind = coalesce(row.evidence_kind, r.evidence_kind) " + NOTE_NEW_TIES
)
