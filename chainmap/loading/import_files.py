"""The importer's files of a bulk first load (chainmap.loading.bulk): typed CSV tables for the small kinds, streamed
files for firms and SUPPLIES, and the derived data counted on the way (rank keys, tie sets, stored gap facts)."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from chainmap.gaps.analysis import singles_of
from chainmap.gaps.tally import FactsTally
from chainmap.graph.rank_keys import TIE_CAP
from chainmap.recommendations.rank_prior import priors, rank_key
from chainmap.vocab import HEBEI

# A character no loaded text holds (checked): the importer's array delimiter.
ARRAY_DELIMITER = "\x1f"
# Node labels, the property that is their key, and the importer's id space for each.
KEYS = {"Region": "adcode", "Industry": "code", "Cluster": "id", "ChainNode": "id", "Enterprise": "uscc",
        "Introduction": "id"}


class BulkRefused(ValueError):
    """The directories cannot be imported as one first load (the message says why and what to do)."""


@dataclass
class _Table:
    """One importer file of a small kind: rows written as they come, the header (with types) at the end."""

    path: Path
    argument: str            # --nodes=Label or --relationships=TYPE
    columns: list[str]
    fixed: dict[str, str]   # column -> header entry that needs no type (:ID, :START_ID, :END_ID)
    handle: TextIO
    writer: Any = None
    types: dict[str, str] = field(default_factory=dict)
    rows: int = 0
    multiline: bool = False

    def add(self, values: dict[str, Any]) -> None:
        if self.writer is None:
            self.writer = csv.writer(self.handle, lineterminator="\n")
        cells = [self._cell(c, values.get(c)) for c in self.columns]
        self.multiline = self.multiline or any("\n" in c or "\r" in c for c in cells)
        self.writer.writerow(cells)
        self.rows += 1

    def _cell(self, column: str, value: Any) -> str:
        if value is None or column in self.fixed:
            return "" if value is None else str(value)
        kind = _type_of(value)
        if kind is not None:
            known = self.types.get(column)
            if known is not None and known != kind:
                merged = {frozenset({"long", "double"}): "double", frozenset({"long[]", "double[]"}): "double[]"}
                kind = merged.get(frozenset({known, kind}))
                if kind is None:
                    raise BulkRefused(f"{self.path.name}：{column} 列中有两种类型的值，导入工具无法为它定一个类型")
            self.types[column] = kind
        return _text(value)

    def header(self) -> str:
        entries = [self.fixed.get(c) or f"{c}:{self.types.get(c, 'string')}" for c in self.columns]
        return ",".join(entries) + "\n"


def _type_of(value: Any) -> str | None:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "long"
    if isinstance(value, float):
        return "double"
    if isinstance(value, dt.date):
        return "date"
    if isinstance(value, list):
        inner = {_type_of(v) for v in value}
        if not inner:
            return None  # an empty list says nothing about its column's type
        if inner == {"long", "double"}:
            return "double[]"
        if len(inner) != 1:
            raise BulkRefused(f"列表中的值类型不一：{value!r}")
        return f"{inner.pop()}[]"
    return "string"


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        parts = [_text(v) for v in value]
        if any(ARRAY_DELIMITER in p for p in parts):
            raise BulkRefused("列表中的值含有导入工具的数组分隔符（U+001F）")
        return ARRAY_DELIMITER.join(parts)
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _flag(value: bool | None) -> str:
    return "" if value is None else "true" if value else "false"


# The large kinds, written row by row with headers fixed here (their types are the formats' parsers' types).
ENTERPRISE_COLUMNS = ("name", "entity_type", "region", "industry_codes", "status", "group", "registered_on",
                      "synthetic", "bj_restricted", "expansion_year", "green_factory", "products", "revenue_years",
                      "revenue_values")
ENTERPRISE_HEADER = ("uscc:ID(Enterprise),name:string,entity_type:string,region:string,industry_codes:string[],"
                     "status:string,group:string,registered_on:date,synthetic:boolean,bj_restricted:boolean,"
                     "expansion_year:long,green_factory:boolean,products:string,revenue_years:long[],"
                     "revenue_values:long[]")
OUTSIDE_HEADER = ENTERPRISE_HEADER + ",tie_counties:string[],tie_links:string[]"
STREAMED = {  # table -> (importer argument, header)
    "enterprises-hebei": ("--nodes=Enterprise", ENTERPRISE_HEADER),
    "enterprises-outside": ("--nodes=Enterprise", OUTSIDE_HEADER),
    "classified-enterprise": ("--relationships=CLASSIFIED_AS",
                              ":START_ID(Enterprise),:END_ID(Industry),rank:string"),
    "operates-in": ("--relationships=OPERATES_IN",
                    ":START_ID(Enterprise),:END_ID(ChainNode),evidence:string,confidence:double"),
    "member-of": ("--relationships=MEMBER_OF", ":START_ID(Enterprise),:END_ID(Enterprise)"),
    "supplies": ("--relationships=SUPPLIES",
                 ":START_ID(Enterprise),:END_ID(Enterprise),kind:string,since:date,until:date,evidence:string"),
}


MARK_COLUMNS = ("mark", "mark_reason", "mark_source", "mark_source_title", "mark_source_date", "mark_by")
CHAIN_NODE_COLUMNS = ("cluster", "key", "name", "stage", "industry_codes", "keywords", "basis", "template", "sources",
                      *MARK_COLUMNS)



class _Derived:
    """What the rank keys and tie sets need across every directory: the Hebei firms' counties, the firms with a
    Hebei branch (presence), the outside firms' key priors (staged with their rows until presence is known) and
    the Hebei counties of each outside firm's partners."""

    def __init__(self, key_parameters: dict[str, Any]) -> None:
        self.parameters = key_parameters
        self.county: dict[str, str] = {}          # Hebei firm -> its county
        self.present: set[str] = set()            # firms with a branch (a member) registered in Hebei
        self.ties: dict[str, Counter[str]] = {}   # outside firm -> Hebei counties of its partners, SUPPLIES with each

    def supply(self, supplier: str, customer: str) -> None:
        s_county, c_county = self.county.get(supplier), self.county.get(customer)
        if s_county is not None and c_county is None:
            self.ties.setdefault(customer, Counter())[s_county] += 1
        elif c_county is not None and s_county is None:
            self.ties.setdefault(supplier, Counter())[c_county] += 1

    def tie_cells(self, uscc: str) -> tuple[str, str]:
        """`tie_counties` and `tie_links` (chainmap.graph.rank_keys) as the importer's array cells."""
        ties = self.ties.get(uscc)
        if not ties:
            return "", ""
        counties = sorted(ties)
        links = [c for c in counties for _ in range(min(ties[c], TIE_CAP))]
        return ARRAY_DELIMITER.join(counties), ARRAY_DELIMITER.join(links)


class Writer:
    def __init__(self, out: Path, key_parameters: dict[str, Any]) -> None:
        self.out = out
        self.tables: dict[str, _Table] = {}
        self.streams: dict[str, tuple[TextIO, Any]] = {}
        self.counts: dict[str, int] = defaultdict(int)
        self.empty_lists: dict[str, list[dict]] = defaultdict(list)
        self.repeated: list[dict] = []
        self.supplies_seen: set[int] = set()
        self.derived = _Derived(key_parameters)
        self.tally = FactsTally(dt.date.today())
        self.chain_nodes: list[tuple[str, dict[str, Any]]] = []  # written with their facts, once those are counted
        # key -> the last row repeating it: the relationship the online MERGE keeps has its values (facts count them)
        self.last_of_repeated: dict[str, dict] = {}
        self.facts_counted = False
        self.supplies_out = _Counted(self.stream("supplies"))
        staging = open(out / "enterprises-outside.staged.csv", "w", encoding="utf-8", newline="")
        self.staged = (staging, csv.writer(staging, lineterminator="\n"))

    def table(self, name: str, argument: str, columns: list[str], fixed: dict[str, str]) -> _Table:
        if name not in self.tables:
            path = self.out / f"{name}.csv"
            self.tables[name] = _Table(path, argument, columns, fixed, open(path, "w", encoding="utf-8", newline=""))
        return self.tables[name]

    def stream(self, name: str) -> Any:
        """The csv writer of a large kind's file."""
        if name not in self.streams:
            handle = open(self.out / f"{name}.csv", "w", encoding="utf-8", newline="")
            self.streams[name] = (handle, csv.writer(handle, lineterminator="\n"))
        return self.streams[name][1]

    def node(self, label: str, key: str, props: dict[str, Any], columns: list[str]) -> None:
        if label == "Region":
            self.tally.region(key, props)
        prop = KEYS[label]
        table = self.table(f"nodes-{label}", f"--nodes={label}", [prop, *columns], {prop: f"{prop}:ID({label})"})
        values = {k: v for k, v in props.items() if v is not None}
        empties = {k: [] for k, v in values.items() if v == []}
        if empties:
            self.empty_lists[label].append({"key": key, "props": empties})
        table.add({**values, prop: key})

    def relationship(self, kind: str, start: tuple[str, str], end: tuple[str, str], props: dict[str, Any] | None = None,
                     columns: tuple[str, ...] = ()) -> None:
        table = self.table(f"rels-{kind}-{start[0]}-{end[0]}", f"--relationships={kind}", [":START_ID", ":END_ID", *columns],
                           {":START_ID": f":START_ID({start[0]})", ":END_ID": f":END_ID({end[0]})"})
        table.add({":START_ID": start[1], ":END_ID": end[1], **(props or {})})

    # ---- the large kinds ----------------------------------------------------------------------
    def enterprise(self, v: dict[str, Any], file: str) -> None:
        uscc, region, codes, revenue = v["uscc"], v["region"], v["industry_codes"], v["revenue_cny"]
        group = v["group"]
        registered = v["registered_on"]
        expansion = v["expansion_year"]
        cells = [uscc, v["name"], v["entity_type"], region, _joined(codes), v["status"], group or "",
                 registered.isoformat() if registered else "", _flag(v["synthetic"]), _flag(v["bj_restricted"]),
                 "" if expansion is None else str(expansion), _flag(v["green_factory"]), v["products"] or "",
                 ARRAY_DELIMITER.join(map(str, revenue)), ARRAY_DELIMITER.join(map(str, revenue.values()))]
        empties: dict[str, list] = {}
        if not codes:
            empties["industry_codes"] = []
        if not revenue:
            empties["revenue_years"] = empties["revenue_values"] = []
        if empties:
            self.empty_lists["Enterprise"].append({"key": uscc, "props": empties})
        self.tally.firm(uscc, v["name"], v["entity_type"], region, v["status"], codes, v["chain_nodes"])
        derived = self.derived
        if region.startswith(HEBEI):
            derived.county[uscc] = region
            if group:
                derived.present.add(group)
            self.stream("enterprises-hebei").writerow(cells)
            classified = self.stream("classified-enterprise")
            for code in codes:
                classified.writerow((uscc, code, ""))
            self.counts["hebei"] += 1
        else:
            prior = priors(v["status"], region, list(revenue.values()), v["bj_restricted"], expansion,
                           v["green_factory"], codes, derived.parameters)
            self.staged[1].writerow((*(prior or ("", "")), *cells))
        if v["chain_nodes"]:
            operates = self.stream("operates-in")
            evidence = f"见 {file}"
            for node in v["chain_nodes"]:
                operates.writerow((uscc, node, evidence, "1.0"))
            self.counts["operates-in"] += len(v["chain_nodes"])
        if group:
            self.stream("member-of").writerow((uscc, group))
            self.counts["member-of"] += 1
        self.counts["classified-enterprise"] += len(codes)

    def supply(self, v: dict[str, Any]) -> None:
        supplier, customer, kind, since = v["supplier"], v["customer"], v["kind"], v["since"].isoformat()
        key = hash(supplier + customer + kind + since)
        self.derived.supply(supplier, customer)
        if key in self.supplies_seen:  # the online MERGE keeps one relationship with this row's values
            self.repeated.append(v)
            self.last_of_repeated[supplier + customer + kind + since] = v
            return
        self.supplies_seen.add(key)
        until = v["until"]
        self.tally.supplies(self.derived.county.get(supplier), customer, until)
        self.supplies_out.writerow((supplier, customer, kind, since, until.isoformat() if until else "",
                                    v["evidence"] or ""))

    def _finish_outside(self) -> int:
        """The firms outside Hebei, now that presence and ties are known: their rows with their tie sets, and
        their classifications with rank keys."""
        handle, _ = self.staged
        handle.close()
        derived = self.derived
        firms = 0
        with open(handle.name, encoding="utf-8", newline="") as staged:
            for prior0, prior1, *cells in csv.reader(staged):
                uscc = cells[0]
                self.stream("enterprises-outside").writerow((*cells, *derived.tie_cells(uscc)))
                prior = prior1 if uscc in derived.present else prior0
                classified = self.stream("classified-enterprise")
                for code in cells[4].split(ARRAY_DELIMITER) if cells[4] else ():
                    classified.writerow((uscc, code, rank_key(code, prior, uscc) if prior else ""))
                firms += 1
        Path(handle.name).unlink()
        self.counts["outside"] = firms
        return firms

    def _singles_customers(self, singles: set[str]) -> dict[str, list[tuple[str, dt.date | None]]]:
        """The SUPPLIES in force of the firms that are a node's only local supply, read back from the written file.
        Where rows repeated a key, the inbound counts of the nodes their customers are attached to are redone in
        the same read with the values the relationship keeps (the last row's), counting once a row whose key only
        collided in the writer's hash. Only those nodes: at 1M / 3M six repeated rows recounted all 3M relationships
        (8-9 s of a 62-78 s file pass)."""
        tally, repeated = self.tally, dict(self.last_of_repeated)
        customers: dict[str, list[tuple[str, dt.date | None]]] = defaultdict(list)
        if not (singles or repeated):
            return customers
        recount, nodes = tally.forget_inbound({row["customer"] for row in repeated.values()})
        county = self.derived.county
        handle = self.streams["supplies"][0]
        handle.flush()

        def count(supplier: str, customer: str, until: dt.date | None) -> None:
            if customer in recount:
                tally.supplies(county.get(supplier), customer, until, only=nodes)
            if supplier in singles and (until is None or until >= tally.today):
                customers[supplier].append((customer, until))

        with open(handle.name, encoding="utf-8", newline="") as written:
            for supplier, customer, kind, since, until, _ in csv.reader(written):
                if customer not in recount and supplier not in singles:
                    continue  # nothing to count (a repeated row skipped here would count nothing either)
                last = repeated.pop(supplier + customer + kind + since, None) if repeated else None
                count(supplier, customer, last["until"] if last else dt.date.fromisoformat(until) if until else None)
        for last in repeated.values():  # collided, not repeated: a relationship of its own
            count(last["supplier"], last["customer"], last["until"])
        return customers

    def _finish_chain_nodes(self) -> None:
        """The chain nodes, with their stored gap facts when the tally could count them (chains came before firms)."""
        tally = self.tally
        stored: dict[str, dict[str, Any]] = {}
        if tally.usable and self.chain_nodes:
            per_node, expiry = tally.facts(self._singles_customers(tally.singles()))
            stored = {node: {"facts": json.dumps(facts, ensure_ascii=False, sort_keys=True), "facts_on": tally.today,
                             "facts_expire": expiry.get(node), "singles": singles_of(facts)}
                      for node, facts in per_node.items() if len(facts) > 1}
        self.facts_counted = bool(stored)
        for node_id, props in self.chain_nodes:
            self.node("ChainNode", node_id, {**props, **stored.get(node_id, {})},
                      [*CHAIN_NODE_COLUMNS, "facts", "facts_on", "facts_expire", "singles"])

    def finish(self) -> tuple[list[str], int, int, int]:
        """(importer arguments, nodes, relationships, firms with keys)."""
        firms = self._finish_outside()
        self._finish_chain_nodes()
        multiline = False
        arguments = []
        nodes = relationships = 0
        for name, table in self.tables.items():
            table.handle.close()
            header = self.out / f"{name}.header.csv"
            header.write_text(table.header(), encoding="utf-8")
            arguments.append(f"{table.argument}={header},{table.path}")
            multiline = multiline or table.multiline
            if name.startswith("nodes-"):
                nodes += table.rows
            else:
                relationships += table.rows
        for name, (handle, _) in self.streams.items():
            handle.close()
            argument, header_line = STREAMED[name]
            header = self.out / f"{name}.header.csv"
            header.write_text(header_line + "\n", encoding="utf-8")
            arguments.append(f"{argument}={header},{handle.name}")
        nodes += self.counts["hebei"] + self.counts["outside"]
        relationships += sum(self.counts[k] for k in ("classified-enterprise", "operates-in", "member-of"))
        relationships += self.supplies_out.rows
        # Fields spanning lines make the importer read single-threaded: asked for only when a file has one.
        arguments.append(f"--multiline-fields={'true' if multiline else 'false'}")
        return arguments, nodes, relationships, firms


class _Counted:
    """A csv writer that counts its rows."""

    def __init__(self, writer: Any) -> None:
        self.writer = writer
        self.rows = 0

    def writerow(self, row: tuple) -> None:
        self.writer.writerow(row)
        self.rows += 1


def _joined(codes: list[str]) -> str:
    return ARRAY_DELIMITER.join(codes)
