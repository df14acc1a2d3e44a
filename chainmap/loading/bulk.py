"""neo4j-admin import files from load directories, validated and written in one streaming pass: the nodes,
relationships and properties the online loader (chainmap.loading.loader) would write, and the derived data it would
compute in the database — rank keys on the firms' classifications and tie sets on the firms outside Hebei — as CSV
with typed headers.

The online loader's Cypher is the definition (chainmap.graph.loading, chainmap.graph.rank_keys); this module writes
the same graph in the importer's format. Validation is the online loader's (BulkLoader only reads faster: one
`csv.reader` pass, each column parsed by the format's own parser, any row that fails falling back to
`parse_row` for the very same messages). What the importer cannot express is listed for the loader to finish in
Cypher: empty lists (an empty array field imports as no property, the online loader stores `[]`) and SUPPLIES rows
repeating an earlier row's key (the online loader's MERGE keeps one relationship with the later row's values).

Tie sets are written only where they hold a county: a firm without Hebei partners has no `tie_counties`, as after
the online loader's own writes (only its full rebuild writes `[]`); readers take the two alike
(chainmap.recommendations.search reads `coalesce(e.tie_counties, [])`).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from chainmap.gaps.tally import FactsTally
from chainmap.graph import Graph
from chainmap.loading import fields as f
from chainmap.loading import formats
from chainmap.loading.chains import expand
from chainmap.loading.formats import CsvSpec
from chainmap.loading.loader import (
    PENDING_FLUSH,
    WRITERS,
    Loader,
    _cluster_row,
    _mark_row,
    parse_row,
    read_csv,
)
from chainmap.policy import Policies
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
                    raise BulkRefused(f"{self.path.name}: column {column} holds values of two types")
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
            raise BulkRefused(f"a list mixes types: {value!r}")
        return f"{inner.pop()}[]"
    return "string"


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        parts = [_text(v) for v in value]
        if any(ARRAY_DELIMITER in p for p in parts):
            raise BulkRefused("a list value holds the importer's array delimiter (U+001F)")
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
OUTSIDE_HEADER = ENTERPRISE_HEADER + ",tie_counties:string[]"
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


@dataclass
class ImportFiles:
    """What the importer reads and what the loader must finish afterwards."""

    arguments: list[str]
    nodes: int
    relationships: int
    empty_lists: dict[str, list[dict]]    # label -> [{key, props: {name: []}}]
    repeated_supplies: list[dict]         # later SUPPLIES rows with an earlier row's (supplier, customer, kind, since)
    keyed_firms: int = 0                  # firms outside Hebei whose keys and tie sets the files carry
    facts_counted: bool = False           # the chain nodes carry their stored gap facts
    refresh_after: list[str] = field(default_factory=list)  # firms whose nodes' facts Cypher recomputes afterwards


class _Derived:
    """What the rank keys and tie sets need across every directory: the Hebei firms' counties, the firms with a
    Hebei branch (presence), the outside firms' key priors (staged with their rows until presence is known) and
    the Hebei counties of each outside firm's partners."""

    def __init__(self, key_parameters: dict[str, Any]) -> None:
        self.parameters = key_parameters
        self.county: dict[str, str] = {}          # Hebei firm -> its county
        self.present: set[str] = set()            # firms with a branch (a member) registered in Hebei
        self.ties: dict[str, set[str]] = {}       # outside firm -> Hebei counties of its partners

    def supply(self, supplier: str, customer: str) -> None:
        s_county, c_county = self.county.get(supplier), self.county.get(customer)
        if s_county is not None and c_county is None:
            self.ties.setdefault(customer, set()).add(s_county)
        elif c_county is not None and s_county is None:
            self.ties.setdefault(supplier, set()).add(c_county)


class _Writer:
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
        self.refresh_after: set[str] = set()  # firms whose stored facts Cypher recomputes after the import
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
            evidence = f"declared in {file}"
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
            self.refresh_after.update((supplier, customer))
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
                ties = derived.ties.get(uscc)
                self.stream("enterprises-outside").writerow((*cells, ARRAY_DELIMITER.join(sorted(ties)) if ties else ""))
                prior = prior1 if uscc in derived.present else prior0
                classified = self.stream("classified-enterprise")
                for code in cells[4].split(ARRAY_DELIMITER) if cells[4] else ():
                    classified.writerow((uscc, code, rank_key(code, prior, uscc) if prior else ""))
                firms += 1
        Path(handle.name).unlink()
        self.counts["outside"] = firms
        return firms

    def _finish_chain_nodes(self) -> None:
        """The chain nodes, with their stored gap facts when the tally could count them (chains came before firms)."""
        tally = self.tally
        stored: dict[str, dict[str, Any]] = {}
        if tally.usable and self.chain_nodes:
            singles = tally.singles()
            customers: dict[str, list[tuple[str, dt.date | None]]] = defaultdict(list)
            if singles and "supplies" in self.streams:
                handle = self.streams["supplies"][0]
                handle.flush()
                with open(handle.name, encoding="utf-8", newline="") as written:
                    for supplier, customer, _, _, until, _ in csv.reader(written):
                        day = dt.date.fromisoformat(until) if until else None
                        if supplier in singles and (day is None or day >= tally.today):
                            customers[supplier].append((customer, day))
            per_node, expiry = tally.facts(customers)
            stored = {node: {"facts": json.dumps(facts, ensure_ascii=False, sort_keys=True), "facts_on": tally.today,
                             "facts_expire": expiry.get(node)} for node, facts in per_node.items() if len(facts) > 1}
        self.facts_counted = bool(stored)
        for node_id, props in self.chain_nodes:
            self.node("ChainNode", node_id, {**props, **stored.get(node_id, {})},
                      [*CHAIN_NODE_COLUMNS, "facts", "facts_on", "facts_expire"])

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


class BulkLoader(Loader):
    """Validates a directory exactly as Loader does (same rules, same messages) against a database known to be
    empty, and writes the importer's files in the same pass. Asks the graph nothing: the server may be stopping."""

    def __init__(self, graph: Graph, policies: Policies, directory: Path, writer: _Writer) -> None:
        super().__init__(graph, policies, directory)
        self.writer = writer

    def validate(self) -> Any:
        present = [spec for spec in formats.ORDER if (self.dir / self._name(spec)).exists()]
        if not present:
            names = ", ".join(self._name(s) for s in formats.ORDER)
            self._error(str(self.dir), 0, "directory", f"holds none of the load files ({names})")
            return self.report
        for spec in present:
            if spec == "chains.json":
                self._validate_chains()
            elif spec is formats.ENTERPRISES:
                self._stream(spec, self._enterprise_refs, self.writer.enterprise)
            elif spec is formats.SUPPLIES:
                self._stream(spec, self._supply_refs, lambda v, file: self.writer.supply(v),
                             {"supplier": self._known_uscc, "customer": self._known_uscc})
            else:
                self._validate_csv(spec)
        if self.report.ok:
            _write_small_files(self, self.writer, {s.file for s in present if not isinstance(s, str)})
        return self.report

    def _resolve(self, spec: CsvSpec, kind: str, refs: dict[str, list[tuple[int, str]]], final: bool) -> None:
        # The database is empty (checked before): what the directories do not provide is unknown.
        for value in refs:
            if value not in self.known[kind]:
                for line, name in refs[value]:
                    self._error(spec.file, line, name, f"unknown {kind.replace('_', ' ')} {value!r}")

    def _known_uscc(self, raw: str) -> str:
        """A USCC already provided as an enterprise key was validated as one."""
        return raw if raw in self.known["enterprise"] else f.uscc(raw)

    # ---- one pass: parse, check, resolve references, write ------------------------------------
    def _stream(self, spec: CsvSpec, refs: Callable[[dict, int, set, dict], None], write: Callable[[dict, str], None],
                shortcuts: dict[str, f.Parser] | None = None) -> None:
        if not self._header_ok(spec):
            return
        seen: set[str] = set()
        pending: dict[str, dict[str, list[tuple[int, str]]]] = defaultdict(lambda: defaultdict(list))
        rows = 0
        for line, values, errors in _parsed(self.dir / spec.file, spec, shortcuts or {}):
            rows += 1
            for name, reason in errors:
                self._error(spec.file, line, name, reason)
            if errors:
                continue
            if spec.key:
                key = values[spec.key]
                if key in seen:
                    self._error(spec.file, line, spec.key, f"{key!r} appears more than once in the file")
                seen.add(key)
            refs(values, line, seen, pending)
            if pending:
                for kind in [k for k, refs_of in pending.items() if len(refs_of) >= PENDING_FLUSH
                             and k != spec.provides]:
                    self._resolve(spec, kind, pending.pop(kind), final=False)
            if self.report.ok:
                write(values, spec.file)
        self.row_counts[spec.file] = rows
        if spec.provides:
            if self.known[spec.provides]:
                self.known[spec.provides] |= seen
            else:  # keep the one set (a million keys is worth not copying)
                self.known[spec.provides] = seen
        for kind, refs_of in pending.items():
            self._resolve(spec, kind, refs_of, final=True)

    def _enterprise_refs(self, v: dict, line: int, seen: set, pending: dict) -> None:
        known = self.known
        if v["region"] not in known["region"]:
            pending["region"][v["region"]].append((line, "region"))
        for code in v["industry_codes"]:
            if code not in known["industry"]:
                pending["industry"][code].append((line, "industry_codes"))
        for node in v["chain_nodes"]:
            if node not in known["chain_node"]:
                pending["chain_node"][node].append((line, "chain_nodes"))
        group = v["group"]
        if group is not None and group not in known["enterprise"] and group not in seen:
            pending["enterprise"][group].append((line, "group"))

    def _supply_refs(self, v: dict, line: int, seen: set, pending: dict) -> None:
        known = self.known["enterprise"]
        for name in ("supplier", "customer"):
            if v[name] not in known:
                pending["enterprise"][v[name]].append((line, name))


# Columns whose few distinct values repeat over millions of rows: each distinct text is parsed once (the parsers are
# pure; a text that fails is never cached, so its row is parsed again by parse_row for the message).
REPEATING = frozenset({"entity_type", "region", "industry_codes", "chain_nodes", "status", "registered_on", "synthetic",
                       "bj_restricted", "expansion_year", "green_factory", "kind", "since", "until", "evidence"})
_MISSING = object()


def _parsed(path: Path, spec: CsvSpec, shortcuts: dict[str, f.Parser]) -> Iterator[tuple[int, dict, list]]:
    """(line, values, errors) for each data row, exactly as read_csv + parse_row give them, faster: a row is parsed
    column by column with the format's parsers (or a shortcut that accepts exactly what its parser accepts), and
    only a row that fails is parsed again by parse_row, for its messages."""
    names = list(spec.columns)
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.reader(handle)
        header = next(reader, [])
        width = len(header)
        where = {name: i for i, name in enumerate(header)}  # a repeated column: csv.DictReader keeps the last
        columns = [(name, where.get(name), shortcuts.get(name, spec.columns[name]),
                    {} if name in REPEATING else None) for name in names]
        check, derive = spec.check, formats.DERIVE.get(spec.file)
        for row in reader:
            if not row:  # csv.DictReader skips blank lines
                continue
            line = reader.line_num
            if len(row) == width:
                try:
                    values = {}
                    for name, i, parse, cache in columns:
                        raw = "" if i is None else row[i].strip()
                        if cache is None:
                            values[name] = parse(raw)
                        elif (value := cache.get(raw, _MISSING)) is not _MISSING:
                            values[name] = value
                        else:
                            values[name] = cache[raw] = parse(raw)
                except ValueError:
                    pass
                else:
                    if check is None or not check(values):
                        yield line, derive(values) if derive else values, []
                        continue
            values, errors = parse_row(spec, dict(zip(header, row, strict=False)))  # as csv.DictReader
            yield line, values, errors


def write_import_files(graph: Graph, policies: Policies, directories: list[Path], out: Path,
                       key_parameters: dict[str, Any]) -> tuple[list[Loader], ImportFiles]:
    """Validate the directories (in load order, each seeing what the earlier ones provide) and write the importer's
    files for them into `out`, in one pass. The caller raises LoadFailed when a loader's report has errors."""
    out.mkdir(parents=True, exist_ok=True)
    writer = _Writer(out, key_parameters)
    loaders: list[Loader] = []
    for directory in directories:
        loader = BulkLoader(graph, policies, directory, writer)
        if loaders:
            loader.known = loaders[-1].known
            loader.definitions = dict(loaders[-1].definitions)
        before = {kind: len(keys) for kind, keys in loader.known.items()}
        loader.validate()
        for spec in formats.ORDER:
            if isinstance(spec, str) or not spec.provides or spec.file not in loader.row_counts:
                continue
            overlap = before.get(spec.provides, 0) + loader.row_counts[spec.file] - len(loader.known[spec.provides])
            if overlap > 0:
                raise BulkRefused(f"{directory / spec.file} 中有 {overlap} 个键已在前面的目录中出现：批量导入只做首次装载，"
                                  "请先批量导入其余目录，再用 `python -m chainmap load` 装载这一目录（按更新处理）")
        loaders.append(loader)
    arguments, nodes, relationships, firms = writer.finish()
    return loaders, ImportFiles(arguments, nodes, relationships, dict(writer.empty_lists), writer.repeated, firms,
                                writer.facts_counted, sorted(writer.refresh_after))


def _rows(loader: Loader, spec: formats.CsvSpec) -> Iterator[dict]:
    shape = WRITERS[spec.file][1]
    for _, raw in read_csv(loader.dir / spec.file):
        yield shape(parse_row(spec, raw)[0], spec.file)


def _write_small_files(loader: Loader, w: _Writer, present: set[str]) -> None:
    """Regions, industries, clusters with their chains and marks, introductions: small, written from a second read."""
    for spec, label in ((formats.REGIONS, "Region"), (formats.INDUSTRIES, "Industry")):
        if spec.file in present:
            parent_type = "PART_OF" if label == "Region" else "IN"
            for row in _rows(loader, spec):
                key = row[KEYS[label]]
                w.node(label, key, row["props"], list(spec.columns)[1:])
                if row["props"].get("parent"):
                    w.relationship(parent_type, (label, key), (label, row["props"]["parent"]))
    if formats.CLUSTERS.file in present:
        _write_clusters(loader, w, present)
    if formats.INTRODUCTIONS.file in present:
        for row in _rows(loader, formats.INTRODUCTIONS):
            w.node("Introduction", row["id"], row["props"], [c for c in formats.INTRODUCTIONS.columns if c != "id"])
            w.relationship("OF", ("Introduction", row["id"]), ("Enterprise", row["props"]["enterprise"]))
            w.relationship("INTO", ("Introduction", row["id"]), ("Cluster", row["props"]["cluster"]))


MARK_COLUMNS = ("mark", "mark_reason", "mark_source", "mark_source_title", "mark_source_date", "mark_by")
CHAIN_NODE_COLUMNS = ("cluster", "key", "name", "stage", "industry_codes", "keywords", "basis", "template", "sources",
                      *MARK_COLUMNS)


def _write_clusters(loader: Loader, w: _Writer, present: set[str]) -> None:
    """Clusters with their chains (small: held in memory), marks set on their nodes as the online loader does."""
    spec = formats.CLUSTERS
    clusters = [parse_row(spec, raw)[0] for _, raw in read_csv(loader.dir / spec.file)]
    marks: dict[str, dict] = {}
    if formats.MARKS.file in present:
        for _, raw in read_csv(loader.dir / formats.MARKS.file):
            row = _mark_row(parse_row(formats.MARKS, raw)[0], formats.MARKS.file)
            marks[row["node_id"]] = {"mark": row["mark"], "mark_reason": row["reason"], "mark_source": row["source"],
                                     "mark_source_title": row["source_title"],
                                     "mark_source_date": row["source_date"], "mark_by": row["by"]}
    for cluster in clusters:
        row = _cluster_row(cluster)
        w.node("Cluster", row["id"], row["props"], list(row["props"]))
        w.relationship("LOCATED_IN", ("Cluster", row["id"]), ("Region", cluster["county"]))
        nodes, edges = expand(cluster, loader.definitions[cluster["chain"]])
        w.tally.cluster(cluster["county"], [(n["id"], n["key"], n["industry_codes"]) for n in nodes])
        for node in nodes:
            node_id = node.pop("id")
            w.chain_nodes.append((node_id, {**node, **marks.pop(node_id, {})}))
            w.relationship("HAS_NODE", ("Cluster", row["id"]), ("ChainNode", node_id))
            for code in node["industry_codes"]:
                w.relationship("CLASSIFIED_AS", ("ChainNode", node_id), ("Industry", code))
        for edge in edges:
            if edge["kind"] == "service":
                w.relationship("SUPPORTS", ("ChainNode", edge["source"]), ("ChainNode", edge["target"]))
            else:
                w.relationship("FEEDS", ("ChainNode", edge["source"]), ("ChainNode", edge["target"]),
                               {"kind": edge["kind"]}, ("kind",))
    if marks:  # marks of nodes loaded earlier (another directory): not a first load's case
        raise BulkRefused(f"marks.csv marks nodes of clusters outside {loader.dir}: load it with `chainmap load`")
