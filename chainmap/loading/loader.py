"""`python -m chainmap load DIR`: validate every row of every file, then write in idempotent batches.

Validation streams each file once and keeps only keys (for references) in memory; writing streams it
again. If any row of any file is wrong, nothing is written and every error is reported as
`file:line: field: reason`. Re-running a load leaves the graph as it was; a load killed half-way and
run again ends with the same graph as an uninterrupted one (every write is a MERGE on a constrained key).
"""

from __future__ import annotations

import csv
import json
import os
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, LiteralString

from chainmap import project_history, upkeep
from chainmap.gaps.rules import INFERRED_MARK_BY, SOURCE_MARK_BY
from chainmap.graph import Graph
from chainmap.graph import loading as q
from chainmap.loading import formats, writers
from chainmap.loading.chains import definition_errors, expand
from chainmap.loading.formats import CsvSpec
from chainmap.policy import Policies

FACTS_INPUTS = ("clusters.csv", "enterprises.csv", "supplies.csv")
# Inputs after which every node's facts are recomputed rather than kept by delta: chains (own codes, keys) and the
# counties (names and coordinates of the nearest supply).
RECOMPUTED = ("clusters.csv", "regions.csv")
PENDING_FLUSH = 50_000  # distinct unresolved references held before asking the graph
# What keeping the facts costs, in tens of microseconds (measured on this project's 2-core machine, issue 20 §3): by
# delta, per row loaded (a firm's batch reads what it adds before and after; a 协作配套 row locks, reads and applies
# its relationship); recomputed, per firm and 协作配套 row in the graph after the load (491 nodes of 1,018,230 firms
# and 3,016,716 协作配套 in 77 s).
DELTA_COST = {"enterprises.csv": 5, "supplies.csv": 10}
RECOMPUTE_COST = 2
Progress = Callable[[str, int], None]


@dataclass(frozen=True)
class RowError:
    file: str
    line: int
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.field}: {self.reason}"


@dataclass
class FileReport:
    file: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    relationships: int = 0
    seconds: float = 0.0


@dataclass
class LoadReport:
    errors: list[RowError] = field(default_factory=list)
    files: list[FileReport] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

# What a reference names, in the messages an operator reads (unknown region …).
KIND_NAMES = {"region": "行政区划", "industry": "行业代码", "cluster": "产业集群", "chain_node": "产业链环节",
              "chain_definition": "产业链模板", "enterprise": "企业", "introduction": "招商引进记录"}


class LoadFailed(Exception):
    def __init__(self, report: LoadReport) -> None:
        super().__init__(f"{len(report.errors)} 处错误，未写入任何数据")
        self.report = report


def read_csv(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, raw row) for each data row; the header is line 1."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        for row in reader:
            yield reader.line_num, row


def parse_row(spec: CsvSpec, raw: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """Parse one raw row: (values, [(field, reason)])."""
    values: dict[str, Any] = {}
    errors: list[tuple[str, str]] = []
    for name, parser in spec.columns.items():
        try:
            values[name] = parser((raw.get(name) or "").strip())
        except ValueError as exc:
            errors.append((name, str(exc)))
    if not errors and spec.check:
        errors += spec.check(values)
    derive = formats.DERIVE.get(spec.file)
    if not errors and derive:
        values = derive(values)
    return values, errors


# A load batch (5,000 rows) takes about a second on an idle machine; on a busy one it may take tens of seconds, and
# a load is not a request that a user waits for: its transactions get a generous timeout of their own.
LOAD_TX_TIMEOUT_S = 300.0


class Loader:
    def __init__(self, graph: Graph, policies: Policies, directory: Path, progress: Progress | None = None) -> None:
        self.graph = graph.with_timeout(LOAD_TX_TIMEOUT_S)
        self.config = policies.recommendation
        self.dir = directory
        self.progress = progress or (lambda file, n: None)
        self.key_arguments = upkeep.key_arguments(self.config)
        self.kept = False  # set by write(): an update keeps the stored facts by delta
        self.writers = writers.count()
        self.report = LoadReport()
        self.known: dict[str, set[str]] = defaultdict(set)
        self.definitions: dict[str, Any] = {}
        self.row_counts: dict[str, int] = {}

    # ---- validation -------------------------------------------------------------------------
    def validate(self) -> LoadReport:
        present = [spec for spec in formats.ORDER if (self.dir / self._name(spec)).exists()]
        if not present:
            names = ", ".join(self._name(s) for s in formats.ORDER)
            self._error(str(self.dir), 0, "directory", f"不含任何可加载的文件（{names}）")
            return self.report
        for kind in q.KNOWN_KEYS:
            self.known[kind] |= q.known_keys(self.graph, kind)
        for spec in present:
            if spec == "chains.json":
                self._validate_chains()
            else:
                self._validate_csv(spec)
        return self.report

    def _validate_chains(self) -> None:
        path = self.dir / "chains.json"
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            self._error("chains.json", 1, "document", f"不是有效的 JSON：{exc}")
            return
        definitions = document.get("definitions") if isinstance(document, dict) else None
        for where, reason in definition_errors(definitions, self.known["industry"]):
            self._error("chains.json", 1, where, reason)
        if isinstance(definitions, dict):
            self.definitions = definitions
            self.known["chain_definition"] |= set(definitions)

    def _header_ok(self, spec: CsvSpec) -> bool:
        """Whether the file's header names exactly the format's columns (each miss is reported)."""
        with open(self.dir / spec.file, newline="", encoding="utf-8-sig") as handle:
            header = next(csv.reader(handle), [])
        missing = [c for c in spec.columns if c not in header and c not in spec.optional]
        unknown = [c for c in header if c not in spec.columns]
        for column in missing:
            self._error(spec.file, 1, column, "表头缺少此列")
        for column in unknown:
            self._error(spec.file, 1, column, "不是此格式的列")
        return not (missing or unknown)

    def _validate_csv(self, spec: CsvSpec) -> None:
        path = self.dir / spec.file
        if not self._header_ok(spec):
            return
        seen: set[str] = set()
        pending: dict[str, dict[str, list[tuple[int, str]]]] = defaultdict(lambda: defaultdict(list))
        rows = 0
        for line, raw in read_csv(path):
            rows += 1
            values, errors = parse_row(spec, raw)
            for name, reason in errors:
                self._error(spec.file, line, name, reason)
            if errors:
                continue
            if spec.key:
                key = values[spec.key]
                if key in seen:
                    self._error(spec.file, line, spec.key, f"{key!r} 在文件中出现多次")
                seen.add(key)
            if spec.file == "clusters.csv":
                self._provide_chain_nodes(values)
            for name, kind in spec.refs.items():
                value = values.get(name)
                for item in value if isinstance(value, list) else [value]:
                    if item is not None and item not in self.known[kind] and item not in seen_for(kind, spec, seen):
                        pending[kind][item].append((line, name))
                        if len(pending[kind]) >= PENDING_FLUSH and kind != spec.provides:
                            self._resolve(spec, kind, pending.pop(kind), final=False)
        self.row_counts[spec.file] = rows
        if spec.provides:
            if self.known[spec.provides]:
                self.known[spec.provides] |= seen
            else:  # keep the one set (a million keys is worth not copying)
                self.known[spec.provides] = seen
        for kind, refs in pending.items():
            self._resolve(spec, kind, refs, final=True)

    def _resolve(self, spec: CsvSpec, kind: str, refs: dict[str, list[tuple[int, str]]], final: bool) -> None:
        """Look pending references up in the graph (large kinds only); report what stays unknown."""
        unresolved = [v for v in refs if v not in self.known[kind]]
        if unresolved and kind in ("enterprise", "introduction"):
            found = q.existing(self.graph, kind, unresolved)
            self.known[kind] |= found
            unresolved = [v for v in unresolved if v not in found]
        for value in unresolved:
            for line, name in refs[value]:
                self._error(spec.file, line, name, f"未知的{KIND_NAMES.get(kind, kind)} {value!r}")

    def _provide_chain_nodes(self, cluster: dict[str, Any]) -> None:
        chain = self.definitions.get(cluster["chain"])
        if isinstance(chain, dict):
            for node in chain.get("nodes", []):
                if isinstance(node, dict):
                    self.known["chain_node"].add(f"{cluster['id']}.{node.get('key')}")

    # ---- writing ----------------------------------------------------------------------------
    def write(self) -> LoadReport:
        if not self.report.ok:
            raise LoadFailed(self.report)
        # The reference keys served validation only: at a million firms they are ~100 MiB the writing does not need.
        self.known.clear()
        # An update of firms and 协作配套 into a graph whose chains stay and whose facts are current keeps the
        # facts by delta in each batch's transaction (chainmap.gaps.delta): a full recomputation walks every
        # node's local firms, which at millions of entities takes longer than the update itself.
        # A load as large as the graph (a province's first load after the seeds) is cheaper recomputed once at the
        # end than kept batch by batch (keeps_by_delta).
        self.kept = (not any((self.dir / f).exists() for f in RECOMPUTED) and upkeep.all_current(self.graph)
                     and keeps_by_delta(self.row_counts, q.graph_size(self.graph)))
        if not self.kept and any((self.dir / f).exists() for f in FACTS_INPUTS):
            upkeep.forget_all(self.graph)  # recomputed at the end; meanwhile a read recomputes what it needs
        for spec in formats.ORDER:
            if spec == "chains.json" or not (self.dir / spec.file).exists():
                continue
            if spec.file == "clusters.csv":
                self._write_clusters(spec)
            else:
                self._write_csv(spec, *WRITERS[spec.file])
        if (self.dir / formats.INTRODUCTIONS.file).exists():
            # Loaded introductions carry a stage but no history: their stage is recorded as of their date.
            project_history.migrate(self.graph)
        if (self.dir / formats.ENTERPRISES.file).exists() and not upkeep.keys_current(self.graph, self.config):
            # Rows write their own rank keys; a graph whose keys follow another configuration gets them all anew.
            began = time.monotonic()
            rebuilt = upkeep.rebuild_keys(self.graph, self.config)
            self.report.files.append(FileReport("(rank-keys)", rows=rebuilt, seconds=time.monotonic() - began))
        if any((self.dir / f).exists() for f in FACTS_INPUTS):
            # The gap analysis reads facts stored on chain nodes; everything loaded here may have moved them. An
            # update kept them by delta, batch by batch; only nodes without current facts are computed.
            began = time.monotonic()
            refreshed = (upkeep.refresh_unready(self.graph) if self.kept
                         else upkeep.refresh_facts(self.graph, workers=min(4, os.cpu_count() or 1)))
            self.report.files.append(FileReport("(chain-node-facts)", rows=refreshed,
                                                seconds=time.monotonic() - began))
        return self.report

    def _write_csv(self, spec: CsvSpec, statement: LiteralString, shape: Callable[[dict, str], dict],
                   follow_up: LiteralString | None = None) -> None:
        report = FileReport(spec.file, rows=self.row_counts.get(spec.file, 0))
        began = time.monotonic()
        rows = (shape(parse_row(spec, raw)[0], spec.file) for _, raw in read_csv(self.dir / spec.file))
        self._pipeline(statement, rows, report)
        if follow_up:  # relationships to rows of the same file (parents), once all rows exist
            rows = (shape(parse_row(spec, raw)[0], spec.file) for _, raw in read_csv(self.dir / spec.file))
            self._pipeline(follow_up, rows, report, count_nodes=False)
        report.seconds = time.monotonic() - began
        self.report.files.append(report)

    def _write_clusters(self, spec: CsvSpec) -> None:
        began = time.monotonic()
        clusters = [parse_row(spec, raw)[0] for _, raw in read_csv(self.dir / spec.file)]
        report = FileReport(spec.file, rows=len(clusters))
        self._pipeline(q.CLUSTERS, (_cluster_row(c) for c in clusters), report)
        nodes, feeds, supports = [], [], []
        for cluster in clusters:
            chain_nodes, edges = expand(cluster, self.definitions[cluster["chain"]])
            nodes += [{"id": n.pop("id"), "props": n} for n in chain_nodes]
            for edge in edges:
                (supports if edge["kind"] == "service" else feeds).append(edge)
        chain_report = FileReport("chains.json", rows=len(nodes))
        self._pipeline(q.CHAIN_NODES, iter(nodes), chain_report)
        self._pipeline(q.FEEDS, iter(feeds), chain_report, count_nodes=False)
        self._pipeline(q.SUPPORTS, iter(supports), chain_report, count_nodes=False)
        report.seconds = chain_report.seconds = time.monotonic() - began  # one step: clusters with their chains
        self.report.files += [report, chain_report]

    def _pipeline(self, statement: LiteralString, rows: Iterator[dict], report: FileReport,
                  count_nodes: bool = True) -> None:
        """Write `rows` by `statement` in batches (chainmap.loading.writers), counting into `report`."""
        def done(result: list[dict], counters: dict[str, int], rows: int) -> None:
            if count_nodes and result:
                report.created += result[0]["created"]
                report.updated += result[0]["updated"]
            report.relationships += counters.get("relationships_created", 0)
            self.progress(report.file, rows)

        writers.send(self.graph, statement, rows, done, writers=self.writers, kept=self.kept,
                     arguments=self.key_arguments)

    # ---- helpers ----------------------------------------------------------------------------
    @staticmethod
    def _name(spec: CsvSpec | str) -> str:
        return spec if isinstance(spec, str) else spec.file

    def _error(self, file: str, line: int, name: str, reason: str) -> None:
        self.report.errors.append(RowError(file, line, name, reason))


def keeps_by_delta(rows: dict[str, int], graph_size: int) -> bool:
    """Whether keeping the stored facts by delta in every batch costs less than recomputing every node's facts once
    after the load: the delta grows with the rows loaded, the recomputation with the firms and 协作配套 in the graph
    (`graph_size` before the load, plus the rows; an updated row counted twice only favours the delta)."""
    delta = sum(DELTA_COST.get(file, 0) * n for file, n in rows.items())
    loaded = sum(n for file, n in rows.items() if file in DELTA_COST)
    return delta <= RECOMPUTE_COST * (graph_size + loaded)


def seen_for(kind: str, spec: CsvSpec, seen: set[str]) -> set[str]:
    """A file may refer to its own keys (a region's parent, an enterprise's group)."""
    return seen if spec.provides == kind else _EMPTY


_EMPTY: set[str] = set()


def _cluster_row(c: dict) -> dict:
    props = {k: c[k] for k in ("name", "county", "county_name", "city_name", "category", "category_is_guess",
                               "revenue_100m_cny", "revenue_year", "revenue_metric", "source", "chain_basis")}
    props["chain_template"] = c["chain"]
    return {"id": c["id"], "props": props}


def _keyed(key: str) -> Callable[[dict, str], dict]:
    def shape(values: dict, file: str) -> dict:
        return {key: values[key], "props": {k: v for k, v in values.items() if k != key}}
    return shape


def _enterprise_row(v: dict, file: str) -> dict:
    props = {k: v[k] for k in ("name", "entity_type", "region", "industry_codes", "status", "group", "registered_on",
                               "synthetic", "bj_restricted", "expansion_year", "green_factory", "products")}
    props["revenue_years"] = list(v["revenue_cny"])
    props["revenue_values"] = list(v["revenue_cny"].values())
    return {"uscc": v["uscc"], "chain_nodes": v["chain_nodes"], "evidence": f"见 {file}", "props": props}


# Who made a loaded mark, as users read it: a public source (named in the mark's source fields), or the analysts who
# inferred it from that source; never a file name.
LOADED_MARK_BY = {"source": SOURCE_MARK_BY, "inference": INFERRED_MARK_BY}


def _mark_row(v: dict, file: str) -> dict:
    return {"node_id": v["node_id"], "mark": v["mark"], "reason": v["reason"], "source": v["source"],
            "source_title": v["source_title"], "source_date": v["source_date"],
            "by": LOADED_MARK_BY[v.get("basis") or "source"]}


WRITERS: dict[str, tuple] = {
    "regions.csv": (q.REGIONS, _keyed("adcode"), q.REGION_PARENTS),
    "industries.csv": (q.INDUSTRIES, _keyed("code"), q.INDUSTRY_PARENTS),
    "marks.csv": (q.MARKS, _mark_row),
    "enterprises.csv": (q.ENTERPRISES, _enterprise_row),
    "supplies.csv": (q.SUPPLIES, lambda v, file: v),
    "introductions.csv": (q.INTRODUCTIONS, _keyed("id")),
}


def load_directory(graph: Graph, policies: Policies, directory: Path, progress: Progress | None = None) -> LoadReport:
    """Validate then write everything in `directory`; raises LoadFailed (nothing written) on any row error."""
    loader = Loader(graph, policies, directory, progress)
    loader.validate()
    return loader.write()
