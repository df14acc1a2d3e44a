"""The stored gap facts of every chain node, counted while a bulk first load streams its rows (chainmap.loading.bulk),
so they arrive in the importer's files instead of a Cypher walk per node after the import.

The Python twin of chainmap.gaps.analysis.COMPUTE (the definition; read it first): it yields that query's rows, and
assemble_facts turns them into the stored layout as it does for the query. Per node and scope: local supply (active
firms registered in the scope, attached to a node of the same key or classified in one of the node's own codes),
counted by entity type and region; members (active firms attached to the node itself); SUPPLIES in force into them
(`until` empty or not before today); and, where local supply is one firm, its distinct active customers in the scope.
tests/graph/test_bulk_load.py compares the facts with the online loader's, byte for byte.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from chainmap.gaps.analysis import assemble_facts, scope_prefix_of
from chainmap.vocab import HEBEI, LOCALITIES


class FactsTally:
    def __init__(self, today: dt.date) -> None:
        self.today = today
        self.usable = True                               # False once a chain arrives after firms were counted
        self.firms_seen = False
        self.county_of: dict[str, str] = {}              # node -> its cluster's county
        self.prefixes: dict[str, list[tuple[str, str]]] = {}  # node -> (scope, adcode prefix) of each scope
        self.key_of: dict[str, str] = {}                 # node -> its key
        self.by_key: dict[str, list[str]] = defaultdict(list)      # key -> nodes of that key (namesakes)
        self.by_own_code: dict[str, list[str]] = defaultdict(list)  # code -> nodes owning it in their chain
        self.supply: dict[str, dict[tuple[str, str], list]] = defaultdict(dict)  # node -> (type, region) -> [k, one]
        self.members: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))  # node -> region -> firms
        self.member_nodes: dict[str, tuple[str, list[str]]] = {}    # active Hebei firm -> (region, attached nodes)
        self.active_hebei: dict[str, str] = {}           # active Hebei firm -> region (a single's customers)
        self.inbound: dict[tuple[str, str], list] = {}   # (node, scope) -> [count, outside, in_scope, min until]
        self.regions: dict[str, dict[str, Any]] = {}

    def region(self, adcode: str, props: dict[str, Any]) -> None:
        self.regions[adcode] = props

    def cluster(self, county: str, nodes: list[tuple[str, str, list[str]]]) -> None:
        """A cluster's chain: (node id, key, codes) of each node."""
        if self.firms_seen:
            self.usable = False
        for node_id, key, codes in nodes:
            self.county_of[node_id] = county
            self.prefixes[node_id] = [(scope, scope_prefix_of(scope, county)) for scope in LOCALITIES]
            self.key_of[node_id] = key
            self.by_key[key].append(node_id)
            shared = {c for other, _, other_codes in nodes if other != node_id for c in other_codes}
            for code in codes:
                if code not in shared:
                    self.by_own_code[code].append(node_id)

    def firm(self, uscc: str, name: str, entity_type: str, region: str, status: str, codes: list[str],
             chain_nodes: list[str]) -> None:
        self.firms_seen = True
        if status != "active" or not region.startswith(HEBEI):
            return
        self.active_hebei[uscc] = region
        local: set[str] = set()
        for node in chain_nodes:
            local.update(self.by_key[self.key_of[node]])
        for code in codes:
            local.update(self.by_own_code.get(code, ()))
        group = (entity_type, region)
        for node in local:
            entry = self.supply[node].get(group)
            if entry is None:
                self.supply[node][group] = [1, {"uscc": uscc, "name": name}]
            else:
                entry[0] += 1
        if chain_nodes:
            self.member_nodes[uscc] = (region, chain_nodes)
            for node in chain_nodes:
                self.members[node][region] += 1

    def supplies(self, supplier_region: str | None, customer: str, until: dt.date | None,
                 only: set[str] | None = None) -> None:
        """A SUPPLIES relationship (its supplier's Hebei county, None outside Hebei) into `customer`; counted into
        the nodes in `only` when given (a recount, chainmap.gaps.tally.FactsTally.forget_inbound)."""
        member = self.member_nodes.get(customer)
        if member is None or (until is not None and until < self.today):
            return
        region, nodes = member
        for node in nodes:
            if only is not None and node not in only:
                continue
            for scope, prefix in self.prefixes[node]:
                if not region.startswith(prefix):
                    continue
                counts = self.inbound.get((node, scope))
                if counts is None:
                    counts = self.inbound[(node, scope)] = [0, 0, 0, None]
                counts[0] += 1
                if supplier_region is None:
                    counts[1] += 1
                elif supplier_region.startswith(prefix):
                    counts[2] += 1
                if until is not None and (counts[3] is None or until < counts[3]):
                    counts[3] = until

    def forget_inbound(self, customers: set[str]) -> tuple[set[str], set[str]]:
        """Drop the SUPPLIES counts of every node one of `customers` is attached to, for a recount: (the firms whose
        inbound SUPPLIES must be counted again, those nodes). A count can be undone; the earliest `until` cannot,
        so a node's counts are redone whole, from the relationships into all its members."""
        nodes = {node for c in customers if (member := self.member_nodes.get(c)) for node in member[1]}
        if not nodes:
            return set(), nodes
        for key in [key for key in self.inbound if key[0] in nodes]:
            del self.inbound[key]
        return {firm for firm, (_, attached) in self.member_nodes.items() if not nodes.isdisjoint(attached)}, nodes

    def _scoped(self) -> Iterator[tuple[str, str, str, list[list], int, dict | None]]:
        """(node, scope, prefix, supply rows in scope, total, the one firm when total is 1)."""
        for node, county in self.county_of.items():
            groups = self.supply.get(node, {})
            for scope in LOCALITIES:
                prefix = scope_prefix_of(scope, county)
                rows = [[t, r, entry[0]] for (t, r), entry in groups.items() if r.startswith(prefix)]
                total = sum(row[2] for row in rows)
                one = next(entry[1] for (_, r), entry in groups.items() if r.startswith(prefix)) if total == 1 else None
                yield node, scope, prefix, rows, total, one

    def singles(self) -> set[str]:
        """The firms that are a node's only local supply in some scope: their customers are counted next."""
        return {one["uscc"] for *_, one in self._scoped() if one is not None}

    def facts(self, customers: dict[str, list[tuple[str, dt.date | None]]]) -> tuple[dict[str, dict], dict[str, dt.date]]:
        """chainmap.gaps.analysis.compute_facts for every node; `customers`: the singles' SUPPLIES in force
        (customer, until)."""
        counties = {a: {"adcode": a, "name": self.regions[r["parent"]]["name"] + r["name"], "lon": r["lon"],
                        "lat": r["lat"]}
                    for a, r in self.regions.items()
                    if r.get("level") == "county" and a.startswith(HEBEI) and r.get("parent") in self.regions}
        return assemble_facts(self._rows(customers), list(self.county_of), counties)

    def _rows(self, customers: dict[str, list[tuple[str, dt.date | None]]]) -> Iterator[dict[str, Any]]:
        for node, scope, prefix, rows, total, one in self._scoped():
            inbound, outside, in_scope, expires = self.inbound.get((node, scope), (0, 0, 0, None))
            single_customers, single_expires = 0, None
            if one is not None:
                found = set()
                for customer, until in customers.get(one["uscc"], ()):
                    if self.active_hebei.get(customer, "").startswith(prefix):  # prefixes are Hebei's
                        found.add(customer)
                        if until is not None and (single_expires is None or until < single_expires):
                            single_expires = until
                single_customers = len(found)
            yield {"id": node, "scope": scope, "county": self.county_of[node],
                   "members": sum(k for r, k in self.members.get(node, {}).items() if r.startswith(prefix)),
                   "supply": rows, "total": total, "single": one, "inbound": inbound, "outside": outside,
                   "in_scope": in_scope, "single_customers": single_customers,
                   "expires": expires if single_expires is None or (expires is not None and expires < single_expires)
                   else single_expires}
