"""Stored gap facts kept by delta inside the writing transaction, so no read after a write walks a node's local firms.

A write to some firms (their fields, attachments, codes, or the 协作配套 between them) changes the facts of a node only
through what those firms add to it, in chainmap.gaps.analysis.COMPUTE's terms (read it first):
- `supply`: each active Hebei firm is one unit of local supply, by (type, region), for every node it is local to;
- `member`: each active Hebei firm attached to a node is one member, by region;
- `inbound`: each SUPPLIES in force into a member counts for the member's node, by the member's region and the
  supplier's — counted from the customer when the customer is among the written firms, else from the supplier;
- the lone local firm of a scope (`single`) and the number of its local customers, looked up afresh wherever it may
  have changed.
FactsDelta reads what the written firms add before the write and after it, in the same transaction, and applies the
difference to the stored facts of the nodes it touches; a node whose stored facts are missing, of another layout or
expired is forgotten instead (the next read recomputes it, as before).

Races. The firms written and their 协作配套 partners are locked before anything is read (their contributions cannot
change under the transaction), and a node is locked before its facts are read and rewritten, so two writes apply
their deltas one after the other. A recomputation running at the same time (chainmap.gaps.analysis.refresh_facts)
stores its result only if the node's facts stamp is still the one it read first, so it never overwrites a delta.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Sequence
from typing import Any, LiteralString

from chainmap.gaps.analysis import (HEBEI_COUNTIES, OWN_CODES, in_force_today, is_current, nearest_supply,
                                    scope_prefix_of, singles_of, types_in)
from chainmap.graph.adapter import Run
from chainmap.vocab import HEBEI, HEBEI_LITERAL, LOCALITIES

IN_FORCE: LiteralString = in_force_today("$day")
# Every firm is found by its USCC with an index hint, and what is read around it leaves the far ends unlabelled: a plan
# compiled while the graph was young (the first delta runs as the seeds' firms arrive) would otherwise keep starting
# from the status or region index, or scan every industry or chain node and expand into each firm.
# Firms are locked by element id after a plain read: a statement that finds a firm by USCC and writes may take a
# lock on the USCC's index entry even where no firm has it yet, and parallel creations of one firm then deadlock.
EXISTING: LiteralString = (
    "UNWIND $usccs AS u MATCH (e:Enterprise {uscc: u}) USING INDEX e:Enterprise(uscc) RETURN elementId(e) AS id, u"
)
LOCK: LiteralString = "UNWIND $ids AS id MATCH (e) WHERE elementId(e) = id SET e.__lock = true REMOVE e.__lock"
# Read once the firms are locked: a relationship to them cannot be added or removed meanwhile.
PARTNERS: LiteralString = (
    "UNWIND $ids AS id MATCH (e) WHERE elementId(e) = id MATCH (e)-[:SUPPLIES]-(p) WHERE NOT p.uscc IN $usccs "
    "RETURN DISTINCT elementId(p) AS id, p.uscc AS u ORDER BY id"
)
ACTIVE_IN_HEBEI: LiteralString = "e.status = 'active' AND e.region STARTS WITH " + HEBEI_LITERAL
# The chains, read once per transaction: each node's key and own class codes (chainmap.gaps.analysis.OWN_CODES, those
# it is classified in), so a firm's local nodes are found in Python and never by expanding from a class to its firms.
CHAINS: LiteralString = (
    "MATCH (c:Cluster)-[:HAS_NODE]->(n:ChainNode) "
    "RETURN n.id AS id, n.key AS key, [(n)-[:CLASSIFIED_AS]->(i) WHERE i.code IN " + OWN_CODES + " | i.code] AS own"
)
# What the firms $usccs add to the stored facts (see the module's docstring): each firm as local supply and member,
# then the 协作配套 in force into members, by (node, member's region, supplier's region).
FIRMS: LiteralString = (
    "UNWIND $usccs AS u MATCH (e:Enterprise {uscc: u}) USING INDEX e:Enterprise(uscc) WHERE " + ACTIVE_IN_HEBEI + " "
    "RETURN e.entity_type AS type, e.region AS region, [(e)-[:CLASSIFIED_AS]->(i) | i.code] AS codes, "
    "  [(e)-[:OPERATES_IN]->(m) | [m.id, m.key]] AS nodes"
)
# Each part is anchored on the firm (CALL (e) with unlabelled far ends): labelled as chain nodes, the far ends would
# invite a plan that starts from every chain node's members.
INBOUND: LiteralString = (
    "UNWIND $usccs AS u MATCH (e:Enterprise {uscc: u}) USING INDEX e:Enterprise(uscc) WHERE " + ACTIVE_IN_HEBEI + " "
    "CALL (e) { MATCH (e)-[:OPERATES_IN]->(n) RETURN collect(n.id) AS nodes } "
    "WITH e, nodes WHERE size(nodes) > 0 "
    "CALL (e) { MATCH (s)-[r:SUPPLIES]->(e) WHERE " + IN_FORCE + " "
    "  RETURN s.region AS source, count(r) AS k, min(r.until) AS until } "
    "UNWIND nodes AS node "
    "RETURN node, e.region AS region, source, k, until "
    "UNION ALL "
    "UNWIND $usccs AS u MATCH (e:Enterprise {uscc: u}) USING INDEX e:Enterprise(uscc) "
    "CALL (e) { MATCH (e)-[r:SUPPLIES]->(m) WHERE " + IN_FORCE + " AND NOT m.uscc IN $usccs "
    "  AND m.status = 'active' AND m.region STARTS WITH " + HEBEI_LITERAL + " "
    "  CALL (m) { MATCH (m)-[:OPERATES_IN]->(n) RETURN n.id AS node } "
    "  RETURN node, m.region AS region, count(r) AS k, min(r.until) AS until } "
    "RETURN node, region, e.region AS source, k, until"
)
# INBOUND for the given 协作配套 rows only (RelationsDelta), their ends found by the element ids read when they were
# locked: each relationship once (a batch may repeat a key).
RELATIONS_INBOUND: LiteralString = (
    "UNWIND $rows AS row MATCH (s) WHERE elementId(s) = row.s MATCH (c) WHERE elementId(c) = row.c "
    "MATCH (s)-[r:SUPPLIES {kind: row.kind, since: row.since}]->(c) "
    "WITH DISTINCT s, r, c WHERE " + IN_FORCE + " AND c.status = 'active' AND c.region STARTS WITH " + HEBEI_LITERAL + " "
    "CALL (c) { MATCH (c)-[:OPERATES_IN]->(n) RETURN n.id AS node } "
    "RETURN node, c.region AS region, s.region AS source, count(r) AS k, min(r.until) AS until"
)
# The nodes whose lone local firm may be one of $usccs (or is not known: facts stored before n.singles was kept).
SINGLES_AMONG: LiteralString = (
    "MATCH (n:ChainNode) WHERE n.facts IS NOT NULL AND (n.singles IS NULL OR any(x IN n.singles WHERE x IN $usccs)) "
    "RETURN n.id AS id"
)
LOCK_NODES: LiteralString = (
    "UNWIND $ids AS nid MATCH (c:Cluster)-[:HAS_NODE]->(n:ChainNode {id: nid}) "
    "SET n.__lock = true REMOVE n.__lock "
    "RETURN n.id AS id, c.county AS county, n.facts AS facts, n.facts_expire AS expires, n.singles AS singles"
)
# The one active local firm of node $node in ($type, $region), when the stored supply says there is exactly one.
ONE_LOCAL: LiteralString = (
    "MATCH (c:Cluster)-[:HAS_NODE]->(n:ChainNode {id: $node}) WITH n, " + OWN_CODES + " AS own "
    "MATCH (e:Enterprise {region: $region}) USING INDEX e:Enterprise(region) "
    "WHERE e.status = 'active' AND coalesce(e.entity_type, '') = coalesce($type, '') "
    "  AND (EXISTS { (e)-[:OPERATES_IN]->(:ChainNode {key: n.key}) } "
    "    OR EXISTS { (e)-[:CLASSIFIED_AS]->(i:Industry)<-[:CLASSIFIED_AS]-(n) WHERE i.code IN own }) "
    "RETURN e.uscc AS uscc, elementId(e) AS element LIMIT 1"
)
# COMPUTE's single_customers for the firm $one, anchored on it. The firm is locked first (a write to it or to one of
# its customers locks it too: either that write sees this node's new lone firm, or this one sees its result), and its
# name is read under the lock.
CUSTOMERS: LiteralString = (
    "MATCH (x) WHERE elementId(x) = $one SET x.__lock = true REMOVE x.__lock "
    "WITH x OPTIONAL MATCH (x)-[r:SUPPLIES]->(cust) WHERE cust.status = 'active' AND cust.region STARTS WITH $prefix "
    "  AND " + IN_FORCE + " "
    "RETURN x.name AS name, count(DISTINCT cust) AS single_customers, min(r.until) AS single_expires"
)
FORGET: LiteralString = "UNWIND $ids AS nid MATCH (n:ChainNode {id: nid}) SET n.facts = null, n.facts_stamp = randomUUID()"
STORE: LiteralString = (
    "UNWIND $rows AS row MATCH (n:ChainNode {id: row.id}) "
    "SET n.facts = row.facts, n.facts_on = $day, n.facts_expire = row.expires, n.singles = row.singles, "
    "  n.facts_stamp = randomUUID()"
)
KEEP_SINGLES: LiteralString = "UNWIND $rows AS row MATCH (n:ChainNode {id: row.id}) SET n.singles = row.singles"

Key = tuple[str, str, Any, Any]


class FactsDelta:
    """Keeps the stored facts of the nodes that the firms `usccs` feed, around a write to those firms (or to the
    协作配套 between them): the adapter calls before() ahead of the write statement and after() behind it, in its
    transaction (chainmap.graph.Graph.write's `keep`)."""

    def __init__(self, usccs: list[str]) -> None:
        self.usccs = sorted(set(usccs))
        self.today = dt.date.today()
        self.partners: list[str] = []
        self.by_key: dict[str, list[str]] = {}   # chain node key -> nodes (namesakes in every chain)
        self.by_code: dict[str, list[str]] = {}  # class code -> nodes owning it in their chain
        self.old: Counter[Key] = Counter()
        self.old_untils: dict[str, dt.date] = {}

    def before(self, run: Run) -> None:
        self._lock(run)
        self.by_key, self.by_code = {}, {}
        for node in run(CHAINS):
            self.by_key.setdefault(node["key"], []).append(node["id"])
            for code in node["own"]:
                self.by_code.setdefault(code, []).append(node["id"])
        self.old, self.old_untils = self._contributions(run)

    def _lock(self, run: Run) -> None:
        """Lock the written firms and their 协作配套 partners, whose contributions may move with them."""
        firms = sorted(r["id"] for r in run(EXISTING, usccs=self.usccs))
        if firms:
            run(LOCK, ids=firms)
            partners = run(PARTNERS, ids=firms, usccs=self.usccs)
            run(LOCK, ids=[r["id"] for r in partners])
            self.partners = sorted(r["u"] for r in partners)

    def after(self, run: Run) -> None:
        new, untils = self._contributions(run)
        delta = Counter(new)
        delta.subtract(self.old)
        delta = Counter({key: k for key, k in delta.items() if k})
        touched = {key[1] for key in delta}
        # and where a counted relationship's end moved without any count moving (an end date given or changed)
        touched.update(n for n in set(untils) | set(self.old_untils) if untils.get(n) != self.old_untils.get(n))
        touched.update(r["id"] for r in run(SINGLES_AMONG, usccs=self.usccs + self.partners))
        if touched:
            self._apply(run, sorted(touched), delta, untils)

    def _contributions(self, run: Run) -> tuple[Counter[Key], dict[str, dt.date]]:
        counts: Counter[Key] = Counter()
        untils: dict[str, dt.date] = {}
        for firm in run(FIRMS, usccs=self.usccs):
            local = {n for _, key in firm["nodes"] for n in self.by_key.get(key, ())}
            local.update(n for code in firm["codes"] for n in self.by_code.get(code, ()))
            for node in local:
                counts[("supply", node, firm["type"], firm["region"])] += 1
            for node, _ in firm["nodes"]:
                counts[("member", node, firm["region"], None)] += 1
        for r in run(INBOUND, usccs=self.usccs, day=self.today):
            counts[("inbound", r["node"], r["region"], r["source"])] += r["k"]
            if r["until"] is not None:
                untils[r["node"]] = min(r["until"], untils.get(r["node"], r["until"]))
        return counts, untils

    def _apply(self, run: Run, ids: list[str], delta: Counter[Key], untils: dict[str, dt.date]) -> None:
        by_node: dict[str, list[tuple[Key, int]]] = {}
        for key, k in delta.items():
            by_node.setdefault(key[1], []).append((key, k))
        counties: dict[str, dict] | None = None
        stores, singles_only, forget = [], [], []
        for node in run(LOCK_NODES, ids=ids):
            facts, expires = node["facts"], node["expires"]
            old = json.loads(facts) if facts is not None else None  # parsed once: a batch touches most nodes
            if old is None or not is_current(old) or (expires is not None and expires < self.today):
                forget.append(node["id"])  # a new stamp: a recomputation that began before this write stores nothing
                continue
            if counties is None:
                counties = {r["adcode"]: r for r in run(HEBEI_COUNTIES)}
            new = self._changed(run, node["id"], node["county"], old, by_node.get(node["id"], []), counties)
            if new is None:  # a count would fall below zero: the stored facts were not what the graph says
                forget.append(node["id"])
                continue
            text = json.dumps(new[0], ensure_ascii=False, sort_keys=True)
            row = {"id": node["id"], "singles": singles_of(new[0])}
            expiry = min(filter(None, (expires, untils.get(node["id"]), new[1])), default=None)
            if text != facts or expiry != expires:  # a relationship given an end date changes no count, only this
                stores.append({**row, "facts": text, "expires": expiry})
            elif node["singles"] is None:
                singles_only.append(row)
        if forget:
            run(FORGET, ids=forget)
        if stores:
            run(STORE, rows=stores, day=self.today)
        if singles_only:
            run(KEEP_SINGLES, rows=singles_only)

    def _changed(self, run: Run, node: str, county: str, old: dict[str, Any], changes: list[tuple[Key, int]],
                 counties: dict[str, dict]) -> tuple[dict[str, Any], dt.date | None] | None:
        """The node's facts with `changes` applied and its lone firms looked up again, with the earliest end of a
        counted relationship of those lone firms; None when a count would fall below zero."""
        supply = {(t, r): k for t, r, k in old["supply"]}
        for (kind, _, a, b), k in changes:
            if kind == "supply":
                supply[(a, b)] = supply.get((a, b), 0) + k
        if any(k < 0 for k in supply.values()):
            return None
        rows = sorted(([t, r, k] for (t, r), k in supply.items() if k), key=lambda s: (s[1], s[0] or ""))
        # The nearest supply follows the supply alone (a 协作配套 batch moves none of it on most nodes).
        nearest = nearest_supply(county, rows, counties) if rows != old["supply"] else old["nearest"]
        new: dict[str, Any] = {**old, "supply": rows, "nearest": nearest}
        expiry: dt.date | None = None
        for scope in LOCALITIES:
            prefix = scope_prefix_of(scope, county)
            facts = dict(old[scope])
            types = types_in(rows, prefix)
            facts["types"] = dict(sorted(types.items()))
            for (kind, _, region, source), k in changes:
                if kind == "member" and region.startswith(prefix):
                    facts["members"] += k
                elif kind == "inbound" and region.startswith(prefix):
                    facts["inbound"] += k
                    if source is not None and not source.startswith(HEBEI):
                        facts["outside"] += k
                    if source is not None and source.startswith(prefix):
                        facts["in_scope"] += k
            if min(facts["members"], facts["inbound"], facts["outside"], facts["in_scope"]) < 0:
                return None
            facts["single"] = None
            if sum(types.values()) == 1:
                found = self._single(run, node, prefix, rows)
                if found is None:  # the one firm the counts say is there is not: recompute the node
                    return None
                facts["single"], until = found
                expiry = min(filter(None, (expiry, until)), default=None)
            new[scope] = facts
        return new, expiry

    def _single(self, run: Run, node: str, prefix: str, rows: list[list]) -> tuple[dict, dt.date | None] | None:
        """The lone local firm of the node in `prefix` and its distinct local customers (COMPUTE's `single`), with
        the earliest end of a relationship to them; None when it cannot be found."""
        kind, region = next((t, r) for t, r, k in rows if r.startswith(prefix))
        found = run(ONE_LOCAL, node=node, region=region, type=kind)
        if not found:
            return None
        counted = run(CUSTOMERS, one=found[0]["element"], prefix=prefix, day=self.today)[0]
        return ({"uscc": found[0]["uscc"], "name": counted["name"], "customers": counted["single_customers"]},
                counted["single_expires"])


class RelationsDelta(FactsDelta):
    """FactsDelta around a write of 协作配套 rows only (supplier, customer, kind, since): the firms themselves do not
    change, so only the `inbound` counts of the written relationships can move, and the customer counts of a lone
    local firm among their suppliers. Reading those relationships, not every 协作配套 of every firm at both ends and
    their partners, makes a loader's batch of 10,000 rows cost what the rows touch (issue 20 §3)."""

    def __init__(self, rows: Sequence[dict[str, Any]]) -> None:
        super().__init__([u for r in rows for u in (r["supplier"], r["customer"])])
        self.rows = [{k: r[k] for k in ("supplier", "customer", "kind", "since")} for r in rows]
        self.found: list[dict[str, Any]] = []

    def _lock(self, run: Run) -> None:
        # Both ends locked: no other write can add, end or re-count these relationships meanwhile (a write to a
        # customer's status or nodes locks it too). Their other partners' contributions cannot move with this write.
        found = {r["u"]: r["id"] for r in run(EXISTING, usccs=self.usccs)}
        if found:
            run(LOCK, ids=sorted(found.values()))
        # Rows whose ends do not both exist write nothing (the statement matches both firms).
        self.found = [{"s": found[r["supplier"]], "c": found[r["customer"]], "kind": r["kind"], "since": r["since"]}
                      for r in self.rows if r["supplier"] in found and r["customer"] in found]

    def _contributions(self, run: Run) -> tuple[Counter[Key], dict[str, dt.date]]:
        counts: Counter[Key] = Counter()
        untils: dict[str, dt.date] = {}
        for r in run(RELATIONS_INBOUND, rows=self.found, day=self.today):
            counts[("inbound", r["node"], r["region"], r["source"])] += r["k"]
            if r["until"] is not None:
                untils[r["node"]] = min(r["until"], untils.get(r["node"], r["until"]))
        return counts, untils


class LocksOnly:
    """Only the locks a delta takes (no facts kept): parallel writers of one load serialise on the firms they share,
    so a value computed from a firm's own (its `tie_counties`, its rank keys) is never lost to a concurrent write."""

    def __init__(self, delta: FactsDelta) -> None:
        self.delta = delta

    def before(self, run: Run) -> None:
        self.delta._lock(run)

    def after(self, run: Run) -> None:
        pass
