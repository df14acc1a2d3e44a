"""Constraints and indexes of the chainmap graph, applied idempotently."""

from __future__ import annotations

from typing import LiteralString

from chainmap.graph.adapter import Graph

# (name, statement). Names are fixed so that `SHOW CONSTRAINTS` reads the same after every apply.
CONSTRAINTS: list[tuple[str, LiteralString]] = [
    ("region_adcode", "CREATE CONSTRAINT region_adcode IF NOT EXISTS FOR (n:Region) REQUIRE n.adcode IS UNIQUE"),
    ("industry_code", "CREATE CONSTRAINT industry_code IF NOT EXISTS FOR (n:Industry) REQUIRE n.code IS UNIQUE"),
    ("cluster_id", "CREATE CONSTRAINT cluster_id IF NOT EXISTS FOR (n:Cluster) REQUIRE n.id IS UNIQUE"),
    ("chain_node_id", "CREATE CONSTRAINT chain_node_id IF NOT EXISTS FOR (n:ChainNode) REQUIRE n.id IS UNIQUE"),
    ("enterprise_uscc", "CREATE CONSTRAINT enterprise_uscc IF NOT EXISTS FOR (n:Enterprise) REQUIRE n.uscc IS UNIQUE"),
    ("introduction_id", "CREATE CONSTRAINT introduction_id IF NOT EXISTS FOR (n:Introduction) REQUIRE n.id IS UNIQUE"),
    ("reward_decision_id",
     "CREATE CONSTRAINT reward_decision_id IF NOT EXISTS FOR (n:RewardDecision) REQUIRE n.id IS UNIQUE"),
    ("reward_grant_key", "CREATE CONSTRAINT reward_grant_key IF NOT EXISTS FOR (n:RewardGrant) REQUIRE n.key IS UNIQUE"),
    ("revision_id", "CREATE CONSTRAINT revision_id IF NOT EXISTS FOR (n:Revision) REQUIRE n.id IS UNIQUE"),
    ("ranked_list_key", "CREATE CONSTRAINT ranked_list_key IF NOT EXISTS FOR (n:RankedList) REQUIRE n.key IS UNIQUE"),
    ("registered_entity_no",
     "CREATE CONSTRAINT registered_entity_no IF NOT EXISTS FOR (n:RegisteredEntity) REQUIRE n.registration_no IS UNIQUE"),
    ("api_key_id", "CREATE CONSTRAINT api_key_id IF NOT EXISTS FOR (n:ApiKey) REQUIRE n.id IS UNIQUE"),
    ("audit_entry_id", "CREATE CONSTRAINT audit_entry_id IF NOT EXISTS FOR (n:AuditEntry) REQUIRE n.id IS UNIQUE"),
]

INDEXES: list[tuple[str, LiteralString]] = [
    ("region_level", "CREATE INDEX region_level IF NOT EXISTS FOR (n:Region) ON (n.level)"),
    ("cluster_county", "CREATE INDEX cluster_county IF NOT EXISTS FOR (n:Cluster) ON (n.county)"),
    ("cluster_category", "CREATE INDEX cluster_category IF NOT EXISTS FOR (n:Cluster) ON (n.category)"),
    ("chain_node_cluster", "CREATE INDEX chain_node_cluster IF NOT EXISTS FOR (n:ChainNode) ON (n.cluster)"),
    # a link's namesakes in other clusters' chains (local supply counts firms attached to any of them)
    ("chain_node_key", "CREATE INDEX chain_node_key IF NOT EXISTS FOR (n:ChainNode) ON (n.key)"),
    ("enterprise_region", "CREATE INDEX enterprise_region IF NOT EXISTS FOR (n:Enterprise) ON (n.region)"),
    ("enterprise_status", "CREATE INDEX enterprise_status IF NOT EXISTS FOR (n:Enterprise) ON (n.status)"),
    # the dated facts after a day, which correct today's stored facts to that day (chainmap.gaps.as_of)
    ("enterprise_registered_on",
     "CREATE INDEX enterprise_registered_on IF NOT EXISTS FOR (n:Enterprise) ON (n.registered_on)"),
    ("enterprise_recorded_on", "CREATE INDEX enterprise_recorded_on IF NOT EXISTS FOR (n:Enterprise) ON (n.recorded_on)"),
    ("enterprise_synthetic", "CREATE INDEX enterprise_synthetic IF NOT EXISTS FOR (n:Enterprise) ON (n.synthetic)"),
    ("enterprise_status_on", "CREATE INDEX enterprise_status_on IF NOT EXISTS FOR (n:Enterprise) ON (n.status_on)"),
    ("supplies_since", "CREATE INDEX supplies_since IF NOT EXISTS FOR ()-[r:SUPPLIES]-() ON (r.since)"),
    ("supplies_until", "CREATE INDEX supplies_until IF NOT EXISTS FOR ()-[r:SUPPLIES]-() ON (r.until)"),
    ("enterprise_name", "CREATE TEXT INDEX enterprise_name IF NOT EXISTS FOR (n:Enterprise) ON (n.name)"),
    ("classified_rank", "CREATE INDEX classified_rank IF NOT EXISTS FOR ()-[r:CLASSIFIED_AS]-() ON (r.rank)"),
    ("ranked_list_day", "CREATE INDEX ranked_list_day IF NOT EXISTS FOR (n:RankedList) ON (n.day)"),
    ("introduction_enterprise",
     "CREATE INDEX introduction_enterprise IF NOT EXISTS FOR (n:Introduction) ON (n.enterprise)"),
    ("introduction_investor", "CREATE INDEX introduction_investor IF NOT EXISTS FOR (n:Introduction) ON (n.investor)"),
    ("audit_object", "CREATE INDEX audit_object IF NOT EXISTS FOR (n:AuditEntry) ON (n.object_id)"),
    ("audit_at", "CREATE INDEX audit_at IF NOT EXISTS FOR (n:AuditEntry) ON (n.at)"),
]

SHOW_CONSTRAINTS: LiteralString = (
    "SHOW CONSTRAINTS YIELD name, type, labelsOrTypes, properties RETURN name, type, labelsOrTypes, properties "
    "ORDER BY name"
)
SHOW_INDEXES: LiteralString = (
    "SHOW INDEXES YIELD name, type, labelsOrTypes, properties, owningConstraint "
    "WHERE owningConstraint IS NULL AND labelsOrTypes IS NOT NULL "
    "RETURN name, type, labelsOrTypes, properties ORDER BY name"
)


def apply_schema(graph: Graph) -> list[str]:
    """Create every constraint and index that is missing; return the names defined by the schema."""
    for _, statement in CONSTRAINTS + INDEXES:
        graph.write(statement)
    graph.write("CALL db.awaitIndexes(300)")
    return [name for name, _ in CONSTRAINTS + INDEXES]


def describe_schema(graph: Graph) -> dict[str, list[dict]]:
    """What the database reports: constraints and (non-constraint, non-lookup) indexes."""
    return {"constraints": graph.read(SHOW_CONSTRAINTS), "indexes": graph.read(SHOW_INDEXES)}
