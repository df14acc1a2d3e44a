"""Gap and bottleneck analysis (缺链、薄弱、瓶颈): pure rules over the facts the graph returns, thresholds in settings.

For each chain node, from the active local entities operating in it and the SUPPLIES relationships into them:
- gap: no active local entity;
- bottleneck: local supply hangs on one entity that serves many local customers, or most of the node's inbound
  supply comes from outside the province, or an editor marked it bottleneck (卡脖子);
- weak: fewer local entities than the threshold;
- present otherwise.
"Local" is the cluster's county; scope "city" or "province" widens it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from chainmap.policy import Thresholds
from chainmap.vocab import GAP_STATUSES


@dataclass(frozen=True)
class NodeFacts:
    id: str
    local_types: list[str] = field(default_factory=list)   # entity_type of each active local entity
    single_name: str | None = None                         # the lone local entity, when there is exactly one
    single_uscc: str | None = None
    single_customers: int = 0                              # its distinct active local customers
    inbound: int = 0                                       # SUPPLIES in force into the node's local entities
    inbound_outside_province: int = 0
    inbound_in_scope: int = 0
    mark: str | None = None
    mark_reason: str | None = None
    mark_by: str | None = None


def node_status(facts: NodeFacts, t: Thresholds) -> tuple[str, dict[str, Any]]:
    """(status, evidence) for one node; evidence says which rule decided and with what numbers."""
    local = len(facts.local_types)
    outside_share = facts.inbound_outside_province / facts.inbound if facts.inbound else None
    evidence: dict[str, Any] = {
        "local_entities": local,
        "by_entity_type": dict(sorted(Counter(facts.local_types).items())),
        "inbound_supplies": facts.inbound,
        "inbound_from_outside_province": facts.inbound_outside_province,
        "outside_province_share": round(outside_share, 4) if outside_share is not None else None,
        "mark": {"value": facts.mark, "reason": facts.mark_reason, "by": facts.mark_by} if facts.mark else None,
        "reasons": [],
    }
    reasons = evidence["reasons"]
    if local == 0:
        reasons.append("no active local market entity operates in this node")
        return "gap", evidence
    if local == 1 and facts.single_customers >= t.single_supplier_customers:
        evidence["single_supplier"] = {"uscc": facts.single_uscc, "name": facts.single_name,
                                       "local_customers": facts.single_customers}
        reasons.append(f"local supply hangs on one entity serving {facts.single_customers} local customers")
    if outside_share is not None and facts.inbound >= t.outside_min_edges and outside_share > t.outside_share:
        reasons.append(f"{outside_share:.0%} of inbound supply comes from outside the province")
    if facts.mark == "bottleneck":
        reasons.append(f"marked bottleneck by {facts.mark_by}: {facts.mark_reason}")
    if reasons:
        return "bottleneck", evidence
    if local < t.weak_below:
        reasons.append(f"{local} local entities, fewer than {t.weak_below}")
        return "weak", evidence
    reasons.append(f"{local} local entities")
    return "present", evidence


def local_supply_rate(statuses: dict[str, str], inbound: int, inbound_in_scope: int) -> dict[str, Any]:
    """就近就地配套率: the share of nodes with local coverage and of inbound SUPPLIES that come from within the scope."""
    nodes = len(statuses)
    covered = sum(1 for s in statuses.values() if s != "gap")
    counts = Counter(statuses.values())
    return {
        "nodes": nodes,
        "covered_nodes": covered,
        "node_coverage": round(covered / nodes, 4) if nodes else None,
        "supplies": inbound,
        "supplies_from_scope": inbound_in_scope,
        "supply_share_from_scope": round(inbound_in_scope / inbound, 4) if inbound else None,
        "counts": {s: counts.get(s, 0) for s in GAP_STATUSES},
    }


def analyse(nodes: list[NodeFacts], t: Thresholds) -> tuple[dict[str, tuple[str, dict]], dict[str, Any]]:
    """Status and evidence per node id, and the cluster's local supply rate."""
    results = {n.id: node_status(n, t) for n in nodes}
    rate = local_supply_rate({k: v[0] for k, v in results.items()}, sum(n.inbound for n in nodes),
                             sum(n.inbound_in_scope for n in nodes))
    return results, rate
