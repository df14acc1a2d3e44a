"""Gap and bottleneck analysis (缺链、薄弱、瓶颈): pure rules over the facts the graph returns, thresholds in settings.

For each chain node, from its local supply — the active market entities registered in the scope and attached to
the link (in any cluster's chain) or classified in the node's own GB/T 4754 codes, whichever cluster (if any) they
belong to (就近就地配套; chainmap.gaps.analysis) — and the SUPPLIES relationships into the cluster's own entities of
the node:
- gap: no local supply;
- bottleneck: local supply hangs on one entity that serves many local customers, or most of the node's inbound
  supply comes from outside the province, or it is marked bottleneck (by an editor: 卡脖子; from a public source:
  a link the source shows dependent, 依赖进口);
- weak: fewer local entities than the threshold, or marked weak (a link a public source, or an editor, calls weak:
  占比较小, 人才稀缺, 依赖代工);
- present otherwise.
"Local" is the cluster's county; scope "city" or "province" widens it. Every reason is Chinese.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from chainmap.geo import whole_km
from chainmap.policy import Thresholds
from chainmap.vocab import ENTITY_TYPE_NAMES, ENTITY_TYPES, GAP_STATUS_NAMES, GAP_STATUSES, UNKNOWN_TYPE_NAME

WHERE = {"county": "本县", "city": "本市", "province": "全省"}
# Who made a mark loaded from seeds (chainmap.loading.loader.LOADED_MARK_BY): a public source, not a person.
# The supply nearby a reason names: at least this many firms, within these distances (km).
SIZEABLE, HARDLY_FARTHER_KM, NEIGHBOUR_KM = 5, 30, 50
SOURCE_MARK_BY = "公开来源"
INFERRED_MARK_BY = "据公开来源推断"   # a loaded mark the analysts inferred from what the source says


@dataclass(frozen=True)
class NodeFacts:
    id: str
    by_type: dict[str, int] = field(default_factory=dict)  # local supply: active entities by entity_type
    members: int = 0                                       # ... of which attached to this cluster's node
    single_name: str | None = None                         # the lone local entity, when there is exactly one
    single_uscc: str | None = None
    single_customers: int = 0                              # its distinct active local customers
    inbound: int = 0                                       # SUPPLIES in force into the node's own entities
    inbound_outside_province: int = 0
    inbound_in_scope: int = 0
    nearest: list[dict] = field(default_factory=list)      # nearest other Hebei counties with supply: adcode, name,
    #                                                        count, km (nearest first)
    scope: str = "county"
    mark: str | None = None
    mark_reason: str | None = None
    mark_by: str | None = None
    codes: list[str] = field(default_factory=list)         # the node's industry codes
    own_codes: list[str] | None = None                     # those local supply is counted by (OWN_CODES); None: all


def counted_by(codes: list[str], own: list[str] | None) -> str:
    """How a node's local supply was counted, as its reason says: a code another link of the chain shares is not
    counted (the firm could be either link's), so such a node counts only the firms attached to it."""
    own = codes if own is None else [c for c in codes if c in own]
    shared = [c for c in codes if c not in own]
    if not own:
        why = f"：行业代码{'、'.join(shared)}与本链其他环节共用，不按代码计入" if shared else ""
        return f"仅按所属环节统计{why}"
    tail = f"；{'、'.join(shared)}与本链其他环节共用，不按代码计入" if shared else ""
    return f"按所属环节和行业代码{'、'.join(own)}统计{tail}"


def node_status(facts: NodeFacts, t: Thresholds) -> tuple[str, dict[str, Any]]:
    """(status, evidence) for one node; evidence says which rule decided and with what numbers, in Chinese."""
    local = sum(facts.by_type.values())
    where = WHERE.get(facts.scope, "本地")
    outside_share = facts.inbound_outside_province / facts.inbound if facts.inbound else None
    evidence: dict[str, Any] = {
        "local_entities": local,
        "by_entity_type": dict(sorted(facts.by_type.items())),
        "cluster_members": facts.members,
        "inbound_supplies": facts.inbound,
        "inbound_from_outside_province": facts.inbound_outside_province,
        "outside_province_share": round(outside_share, 4) if outside_share is not None else None,
        "nearest_supply": facts.nearest[:3],
        "mark": {"value": facts.mark, "reason": facts.mark_reason, "by": facts.mark_by} if facts.mark else None,
        "reasons": [],
    }
    reasons = evidence["reasons"]
    if local == 0:
        reasons.append(f"{where}没有在业市场主体从事该环节（{counted_by(facts.codes, facts.own_codes)}）")
        if facts.nearest:
            reasons.append(nearest_reason(facts.nearest))
        if facts.mark:
            reasons.append(mark_reason(facts))
        return "gap", evidence
    if local == 1 and facts.single_customers >= t.single_supplier_customers:
        evidence["single_supplier"] = {"uscc": facts.single_uscc, "name": facts.single_name,
                                       "local_customers": facts.single_customers}
        reasons.append(f"{where}供给仅依赖1家主体（{facts.single_name}），其服务{where}客户{facts.single_customers}家"
                       + neighbour_clause(facts.nearest))
    if outside_share is not None and facts.inbound >= t.outside_min_edges and outside_share > t.outside_share:
        # inbound counts every supply into the link's firms, from within the county too: not only 外来供货.
        reasons.append(f"{where}该环节所属企业接受的供货中{outside_share:.0%}来自省外"
                       f"（{facts.inbound_outside_province}/{facts.inbound}条供货关系）")
    marked = [mark_reason(facts)] if facts.mark else []
    order = {t: i for i, t in enumerate(ENTITY_TYPES)}
    mix = "、".join(f"{ENTITY_TYPE_NAMES.get(k, UNKNOWN_TYPE_NAME)}{v}家"
                   for k, v in sorted(facts.by_type.items(), key=lambda kv: (order.get(kv[0], 99), kv[0])))
    few = [f"{where}仅{local}家在业市场主体（{mix}），少于{t.weak_below}家"] if local < t.weak_below else []
    if facts.mark == "bottleneck" or reasons:
        reasons += (few if facts.mark == "bottleneck" and not reasons else []) + marked
        return "bottleneck", evidence
    if few:
        reasons += few + marked
        return "weak", evidence
    reasons += [f"{where}{local}家在业市场主体（{mix}）", *marked]
    return ("weak" if facts.mark == "weak" else "present"), evidence


def _place(n: dict) -> str:
    return f"{n['name']}（{n['count']}家，约{whole_km(n['km'])}公里）"


def nearest_reason(nearest: list[dict]) -> str:
    """The nearest supply, and a much larger one hardly farther (南宫's raw cashmere: 2 dealers in 枣强 at 32 km, and
    清河, China's largest raw-cashmere market, at 33 km): the nearest alone pointed officers at token suppliers."""
    first = nearest[0]
    larger = max((n for n in nearest[1:] if n["count"] >= max(SIZEABLE, 5 * first["count"])
                  and n["km"] <= first["km"] + HARDLY_FARTHER_KM), key=lambda n: n["count"], default=None)
    return f"最近的供给在{_place(first)}" + (f"，较集中的供给在{_place(larger)}" if larger else "")


def neighbour_clause(nearest: list[dict]) -> str:
    """A lone local supplier next to a county full of them is a county-level dependence, not a missing supply: the
    reason says so (广宗's frames next to 平乡's parts makers, 17 km away)."""
    near = max((n for n in nearest if n["count"] >= SIZEABLE and n["km"] <= NEIGHBOUR_KM), key=lambda n: n["count"],
               default=None)
    return f"；邻近的{_place(near)}可供" if near else ""


def local_entities(facts: NodeFacts) -> int:
    return sum(facts.by_type.values())


def mark_reason(facts: NodeFacts) -> str:
    """A mark as its reason reads: a seeded mark was recorded from a public source, shown as the status it names (缺链,
    瓶颈 or 薄弱, as the legend and the report's 标注 column say) without 卡脖子, which no source and no person said;
    an editor's bottleneck mark is their 卡脖子. A gap mark on a link the counts cover says so beside it."""
    why = facts.mark_reason or "未填写理由"
    if facts.mark == "gap" and local_entities(facts):
        # A gap mark does not override the counts (DESIGN: both are kept and may disagree): the reason says both.
        why += f"（{WHERE.get(facts.scope, '本地')}仍有{local_entities(facts)}家在业市场主体，状态按计数判定）"
    status = GAP_STATUS_NAMES[facts.mark or "bottleneck"]
    if facts.mark_by == SOURCE_MARK_BY:
        return f"据公开来源标注为{status}：{why}"
    if facts.mark_by == INFERRED_MARK_BY:
        return f"据公开来源推断为{status}：{why}"
    return f"人工标注为瓶颈（卡脖子）：{why}" if facts.mark == "bottleneck" else f"人工标注为{status}：{why}"


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
