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
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chainmap.graph import Graph
from chainmap.loading import fields as f
from chainmap.loading import formats
from chainmap.loading.chains import expand
from chainmap.loading.formats import CsvSpec
from chainmap.loading.import_files import KEYS, BulkRefused, Writer
from chainmap.loading.loader import (
    KIND_NAMES,
    PENDING_FLUSH,
    WRITERS,
    Loader,
    _cluster_row,
    _mark_row,
    parse_row,
    read_csv,
)
from chainmap.policy import Policies

__all__ = ["BulkLoader", "BulkRefused", "ImportFiles", "write_import_files"]


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


class BulkLoader(Loader):
    """Validates a directory exactly as Loader does (same rules, same messages) against a database known to be
    empty, and writes the importer's files in the same pass. Asks the graph nothing: the server may be stopping."""

    def __init__(self, graph: Graph, policies: Policies, directory: Path, writer: Writer) -> None:
        super().__init__(graph, policies, directory)
        self.writer = writer

    def validate(self) -> Any:
        present = [spec for spec in formats.ORDER if (self.dir / self._name(spec)).exists()]
        if not present:
            names = ", ".join(self._name(s) for s in formats.ORDER)
            self._error(str(self.dir), 0, "directory", f"不含任何可加载的文件（{names}）")
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
                    self._error(spec.file, line, name, f"未知的{KIND_NAMES.get(kind, kind)} {value!r}")

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
                    self._error(spec.file, line, spec.key, f"{key!r} 在文件中出现多次")
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
    writer = Writer(out, key_parameters)
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
                                writer.facts_counted)


def _rows(loader: Loader, spec: formats.CsvSpec) -> Iterator[dict]:
    shape = WRITERS[spec.file][1]
    for _, raw in read_csv(loader.dir / spec.file):
        yield shape(parse_row(spec, raw)[0], spec.file)


def _write_small_files(loader: Loader, w: Writer, present: set[str]) -> None:
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


def _write_clusters(loader: Loader, w: Writer, present: set[str]) -> None:
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
        raise BulkRefused(f"marks.csv 标注了 {loader.dir} 以外的产业集群的环节：批量导入只做首次装载，"
                          "请在导入后用 `python -m chainmap load` 装载它")
