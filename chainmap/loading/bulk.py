"""neo4j-admin import files from validated load directories: the nodes, relationships and properties the online loader
(chainmap.loading.loader) would write, as CSV with typed headers.

The online loader's Cypher is the definition (chainmap.graph.loading); this module writes the same graph in the
importer's format: one node file per label, one relationship file per type, headers written last (a column's type is
the type of the values it held). What the importer cannot express is listed for the loader to finish in Cypher:
empty lists (an empty array field imports as no property, the online loader stores `[]`) and SUPPLIES rows repeating
an earlier row's key (the online loader's MERGE keeps one relationship with the later row's values).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from chainmap.loading import formats
from chainmap.loading.chains import expand
from chainmap.loading.loader import (
    WRITERS,
    Loader,
    _cluster_row,
    _mark_row,
    parse_row,
    read_csv,
)

# A character no loaded text holds (checked): the importer's array delimiter.
ARRAY_DELIMITER = "\x1f"
# Node labels, the property that is their key, and the importer's id space for each.
KEYS = {"Region": "adcode", "Industry": "code", "Cluster": "id", "ChainNode": "id", "Enterprise": "uscc",
        "Introduction": "id"}


class BulkRefused(ValueError):
    """The directories cannot be imported as one first load (the message says why and what to do)."""


@dataclass
class _Table:
    """One importer file: rows written as they come, the header (with types) at the end."""

    path: Path
    columns: list[str]
    fixed: dict[str, str]   # column -> header entry that needs no type (:ID, :START_ID, :END_ID)
    handle: TextIO
    writer: Any = None
    types: dict[str, str] = field(default_factory=dict)
    rows: int = 0

    def add(self, values: dict[str, Any]) -> None:
        if self.writer is None:
            self.writer = csv.writer(self.handle, lineterminator="\n")
        self.writer.writerow([self._cell(c, values.get(c)) for c in self.columns])
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


@dataclass
class ImportFiles:
    """What the importer reads and what the loader must finish afterwards."""

    arguments: list[str]
    nodes: int
    relationships: int
    empty_lists: dict[str, list[dict]]    # label -> [{key, props: {name: []}}]
    repeated_supplies: list[dict]         # later SUPPLIES rows with an earlier row's (supplier, customer, kind, since)


class _Writer:
    def __init__(self, out: Path) -> None:
        self.out = out
        self.tables: dict[str, _Table] = {}
        self.empty_lists: dict[str, list[dict]] = defaultdict(list)

    def table(self, name: str, columns: list[str], fixed: dict[str, str]) -> _Table:
        if name not in self.tables:
            path = self.out / f"{name}.csv"
            self.tables[name] = _Table(path, columns, fixed, open(path, "w", encoding="utf-8", newline=""))
        return self.tables[name]

    def node(self, label: str, key: str, props: dict[str, Any], columns: list[str]) -> None:
        prop = KEYS[label]
        table = self.table(f"nodes-{label}", [prop, *columns], {prop: f"{prop}:ID({label})"})
        values = {k: v for k, v in props.items() if v is not None}
        empties = {k: [] for k, v in values.items() if v == []}
        if empties:
            self.empty_lists[label].append({"key": key, "props": empties})
        table.add({**values, prop: key})

    def relationship(self, kind: str, start: tuple[str, str], end: tuple[str, str], props: dict[str, Any] | None = None,
                     columns: tuple[str, ...] = ()) -> None:
        name = f"rels-{kind}-{start[0]}-{end[0]}"
        table = self.table(name, [":START_ID", ":END_ID", *columns],
                           {":START_ID": f":START_ID({start[0]})", ":END_ID": f":END_ID({end[0]})"})
        table.add({":START_ID": start[1], ":END_ID": end[1], **(props or {})})

    def finish(self) -> list[str]:
        arguments = []
        for name, table in self.tables.items():
            table.handle.close()
            header = self.out / f"{name}.header.csv"
            header.write_text(table.header(), encoding="utf-8")
            if name.startswith("nodes-"):
                arguments.append(f"--nodes={name.split('-', 1)[1]}={header},{table.path}")
            else:
                arguments.append(f"--relationships={name.split('-')[1]}={header},{table.path}")
        return arguments


def write_import_files(loaders: list[Loader], out: Path) -> ImportFiles:
    """Write the importer's files for these validated loaders (one per directory, in load order) into `out`."""
    out.mkdir(parents=True, exist_ok=True)
    writer = _Writer(out)
    repeated: list[dict] = []
    supplies_seen: set[int] = set()
    for loader in loaders:
        _write_directory(loader, writer, supplies_seen, repeated)
    arguments = writer.finish()
    nodes = sum(t.rows for n, t in writer.tables.items() if n.startswith("nodes-"))
    return ImportFiles(arguments, nodes, sum(t.rows for t in writer.tables.values()) - nodes,
                       dict(writer.empty_lists), repeated)


def _rows(loader: Loader, spec: formats.CsvSpec) -> Iterator[dict]:
    shape = WRITERS[spec.file][1]
    for _, raw in read_csv(loader.dir / spec.file):
        yield shape(parse_row(spec, raw)[0], spec.file)


def _write_directory(loader: Loader, w: _Writer, supplies_seen: set[int], repeated: list[dict]) -> None:
    present = {spec.file for spec in formats.ORDER if not isinstance(spec, str) and (loader.dir / spec.file).exists()}
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
    if formats.ENTERPRISES.file in present:
        columns = list(_enterprise_columns())
        for row in _rows(loader, formats.ENTERPRISES):
            uscc = row["uscc"]
            w.node("Enterprise", uscc, row["props"], columns)
            for node in row["chain_nodes"]:
                w.relationship("OPERATES_IN", ("Enterprise", uscc), ("ChainNode", node),
                               {"evidence": row["evidence"], "confidence": 1.0}, ("evidence", "confidence"))
            for code in row["props"]["industry_codes"]:
                w.relationship("CLASSIFIED_AS", ("Enterprise", uscc), ("Industry", code))
            if row["props"]["group"]:
                w.relationship("MEMBER_OF", ("Enterprise", uscc), ("Enterprise", row["props"]["group"]))
    if formats.SUPPLIES.file in present:
        for row in _rows(loader, formats.SUPPLIES):
            key = hash((row["supplier"], row["customer"], row["kind"], row["since"]))
            if key in supplies_seen:  # the online MERGE keeps one relationship with this row's values
                repeated.append(row)
                continue
            supplies_seen.add(key)
            w.relationship("SUPPLIES", ("Enterprise", row["supplier"]), ("Enterprise", row["customer"]),
                           {k: row[k] for k in ("kind", "since", "until", "evidence")},
                           ("kind", "since", "until", "evidence"))
    if formats.INTRODUCTIONS.file in present:
        for row in _rows(loader, formats.INTRODUCTIONS):
            w.node("Introduction", row["id"], row["props"], [c for c in formats.INTRODUCTIONS.columns if c != "id"])
            w.relationship("OF", ("Introduction", row["id"]), ("Enterprise", row["props"]["enterprise"]))
            w.relationship("INTO", ("Introduction", row["id"]), ("Cluster", row["props"]["cluster"]))


def _enterprise_columns() -> tuple[str, ...]:
    return ("name", "entity_type", "region", "industry_codes", "status", "group", "registered_on", "synthetic",
            "bj_restricted", "expansion_year", "green_factory", "products", "revenue_years", "revenue_values")


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
        for node in nodes:
            node_id = node.pop("id")
            w.node("ChainNode", node_id, {**node, **marks.pop(node_id, {})}, list(CHAIN_NODE_COLUMNS))
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
