"""协作配套 relationships seen from one enterprise: who it supplies, who supplies it, who it subcontracts to."""

from __future__ import annotations

import datetime as dt
from typing import Any, LiteralString

from chainmap import upkeep
from chainmap.audit import Change
from chainmap.errors import Conflict, Invalid, NotFound
from chainmap.graph import Graph, footprints
from chainmap.graph.adapter import Clash
from chainmap.graph.rank_keys import NOTE_TIES
from chainmap.vocab import relation, storage

# Stored once as (supplier)-[:SUPPLIES {kind}]->(customer); chainmap.vocab.relation reads it from one side.
LIST: LiteralString = (
    "MATCH (e:Enterprise {uscc: $uscc}) WHERE e.name IS NOT NULL "
    "CALL (e) { "
    "  MATCH (e)-[r:SUPPLIES]->(p:Enterprise) RETURN r, p, true AS outgoing "
    "  UNION "
    "  MATCH (e)<-[r:SUPPLIES]-(p:Enterprise) RETURN r, p, false AS outgoing } "
    "WITH r, p, outgoing ORDER BY p.uscc, r.since "
    "RETURN p.uscc AS partner, p.name AS partner_name, p.region AS partner_region, p.status AS partner_status, "
    "  r.kind AS kind, outgoing, r.since AS since, r.until AS until, r.evidence AS evidence"
)
EXISTS: LiteralString = "MATCH (e:Enterprise {uscc: $uscc}) WHERE e.name IS NOT NULL RETURN e.region AS region"
# One relationship per (supplier, customer, kind, since), kept by the write itself: it locks both firms (a property
# written and removed takes the node's write lock until commit), then looks for the same relationship and creates it
# only when none is there; otherwise it returns the existing one as `clash` and the adapter rolls it back. Two
# identical requests at once therefore queue on the locks and the second finds the first's relationship.
CREATE: LiteralString = (
    "MATCH (s:Enterprise {uscc: $supplier}), (c:Enterprise {uscc: $customer}) "
    "SET s.__lock = true, c.__lock = true REMOVE s.__lock, c.__lock "
    "WITH s, c OPTIONAL MATCH (s)-[old:SUPPLIES {kind: $kind, since: $since}]->(c) "
    "WITH s, c, head(collect(CASE WHEN old IS NULL THEN null ELSE old {.kind, .since, .until, .evidence} END)) AS clash "
    "CALL (s, c, clash) { WITH s, c WHERE clash IS NULL "
    "  CREATE (s)-[:SUPPLIES {kind: $kind, since: $since, until: $until, evidence: $evidence}]->(c) " + NOTE_TIES + " } "
    "RETURN clash"
)


def region_of(graph: Graph, uscc: str, field: str = "uscc") -> str:
    rows = graph.read(EXISTS, uscc=uscc)
    if not rows:
        raise NotFound(f"没有统一社会信用代码为 {uscc} 的市场主体") if field == "uscc" else Invalid(
            f"{field}：{uscc} 不是已登记的市场主体", errors=[{"field": field, "reason": "未登记的市场主体"}])
    return rows[0]["region"]


def list_partners(graph: Graph, uscc: str) -> list[dict[str, Any]]:
    region_of(graph, uscc)
    return [
        {"partner": r["partner"], "partner_name": r["partner_name"], "partner_region": r["partner_region"],
         "partner_status": r["partner_status"], "relation": relation(r["kind"], r["outgoing"]), "kind": r["kind"],
         "since": r["since"], "until": r["until"], "evidence": r["evidence"]}
        for r in graph.read(LIST, uscc=uscc)
    ]


def add_partner(graph: Graph, uscc: str, data: dict[str, Any]) -> dict[str, Any]:
    partner = data["partner"]
    if partner == uscc:
        raise Invalid("市场主体不能与自身协作配套", errors=[{"field": "partner", "reason": "与 uscc 相同"}])
    since: dt.date = data["since"]
    until: dt.date | None = data.get("until")
    if until is not None and until < since:
        raise Invalid("until 早于 since", errors=[{"field": "until", "reason": "早于 since"}])
    kind, outgoing = storage(data["relation"])
    supplier, customer = (uscc, partner) if outgoing else (partner, uscc)
    relation = {"supplier": supplier, "customer": customer, "kind": kind, "since": since}
    try:
        graph.write(CREATE, touches=footprints.SUPPLY, until=until, evidence=data.get("evidence"), **relation,
                    keep=upkeep.kept_facts_of_relations([relation]),
                    change=Change("supply.create", "supply", (f"{supplier}->{customer}|{kind}|{since.isoformat()}",),
                                  before_from="none"))
    except Clash as clash:
        verb = "供货给" if kind == "supplies" else "服务于"
        raise Conflict(f"该协作配套关系已登记：{supplier} {verb} {customer}，自 {since.isoformat()} 起"
                       f"（至 {clash.existing.get('until') or '今'}）") from None
    return {"partner": partner, "relation": data["relation"], "kind": kind, "since": since, "until": until,
            "evidence": data.get("evidence")}
