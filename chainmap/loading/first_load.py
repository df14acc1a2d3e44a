"""`python -m chainmap import bulk DIR…`: a first load through neo4j-admin's importer, then the schema and every piece
of derived data, so the service is ready to serve.

The directories are validated exactly as `chainmap load` validates them (chainmap.loading.loader), in order, each
seeing what the earlier ones provide. The database must hold nothing: the importer replaces a database whole, so a
graph with data is refused (load into it with `chainmap load`, or empty it first). The project-managed server is
stopped for the import and started again (scripts/neo4j); a remote server (NEO4J_URI) cannot be bulk-loaded from here.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from chainmap import project_history, upkeep
from chainmap.graph import Graph
from chainmap.graph import bulk as q
from chainmap.graph.schema import apply_schema
from chainmap.loading import formats
from chainmap.loading.bulk import BulkRefused, write_import_files
from chainmap.loading.loader import LoadFailed, LoadReport, Loader
from chainmap.policy import Policies
from chainmap.settings import ROOT

Say = Callable[[str], None]


@dataclass
class BulkReport:
    rows: int = 0
    nodes: int = 0
    relationships: int = 0
    steps: list[tuple[str, float]] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        return sum(s for _, s in self.steps)


def validate(graph: Graph, policies: Policies, directories: list[Path]) -> list[Loader]:
    """One validated loader per directory, each knowing the keys the earlier ones provide; LoadFailed on any error.
    A key provided by two directories would be an update, which a first load through the importer cannot be."""
    loaders: list[Loader] = []
    report = LoadReport()
    for directory in directories:
        loader = Loader(graph, policies, directory)
        if loaders:
            loader.known = loaders[-1].known
            loader.definitions = dict(loaders[-1].definitions)
        before = {kind: len(keys) for kind, keys in loader.known.items()}
        report.errors += loader.validate().errors
        for spec in formats.ORDER:
            if isinstance(spec, str) or not spec.provides or spec.file not in loader.row_counts:
                continue
            overlap = before.get(spec.provides, 0) + loader.row_counts[spec.file] - len(loader.known[spec.provides])
            if overlap > 0:
                raise BulkRefused(f"{directory / spec.file} 中有 {overlap} 个键已在前面的目录中出现：批量导入只做首次装载，"
                                  "请先批量导入其余目录，再用 `python -m chainmap load` 装载这一目录（按更新处理）")
        loaders.append(loader)
    if report.errors:
        raise LoadFailed(report)
    return loaders


def bulk_load(connect: Callable[[], Graph], policies: Policies, directories: list[Path], database: str, work: Path,
              env: dict[str, str], say: Say = lambda text: None) -> BulkReport:
    """Refuse a non-empty database, validate, import, then schema and derived data; the graph is ready to serve.
    `connect` opens the graph (again after the server's restart)."""
    report = BulkReport()
    began = time.monotonic()
    graph = connect()
    if graph.read(q.ANYTHING)[0]["nodes"]:
        graph.close()
        raise BulkRefused(f"数据库 {database} 不是空的：批量导入会整体替换数据库，因此只用于首次装载。"
                          "要在现有数据上增补或更新，请用 `python -m chainmap load DIR`；要重新批量导入，"
                          "请先停止服务并删除该实例的数据目录（或换一个新实例），再运行本命令")
    try:
        loaders = validate(graph, policies, directories)
    finally:
        graph.close()
    report.rows = sum(sum(loader.row_counts.values()) for loader in loaders)
    report.steps.append(("validate", time.monotonic() - began))
    say(f"校验通过：{report.rows:,} 行，{report.steps[-1][1]:.1f} 秒")

    began = time.monotonic()
    files = write_import_files(loaders, work)
    (work / "import.args").write_text("\n".join(files.arguments) + "\n", encoding="utf-8")
    report.nodes, report.relationships = files.nodes, files.relationships
    report.steps.append(("write import files", time.monotonic() - began))
    say(f"已写出导入文件：{files.nodes:,} 个节点、{files.relationships:,} 条关系，{report.steps[-1][1]:.1f} 秒")

    began = time.monotonic()
    _neo4j(env, "stop")
    _neo4j(env, "import", database, str(work / "import.args"))
    _neo4j(env, "start")
    report.steps.append(("stop, import, start", time.monotonic() - began))
    say(f"neo4j-admin 导入（含停止和重启数据库）：{report.steps[-1][1]:.1f} 秒")

    graph = connect()
    began = time.monotonic()
    apply_schema(graph)
    report.steps.append(("schema", time.monotonic() - began))
    say(f"约束和索引已建立并上线：{report.steps[-1][1]:.1f} 秒")

    began = time.monotonic()
    for label, rows in files.empty_lists.items():
        graph.write_batches(q.EMPTY_LISTS[label], rows)
    if files.repeated_supplies:
        graph.write_batches(q.REPEATED_SUPPLIES, files.repeated_supplies)
    project_history.migrate(graph)  # loaded introductions get their first, dated stage entry, as `chainmap load` does
    firms = upkeep.rebuild_keys(graph, policies.recommendation)
    nodes = upkeep.refresh_facts(graph)
    graph.renew()
    graph.close()
    report.steps.append(("derived data", time.monotonic() - began))
    say(f"派生数据：{firms:,} 家企业的排序键和关联县集合、{nodes:,} 个产业链环节的缺口事实，{report.steps[-1][1]:.1f} 秒")
    return report


def _neo4j(env: dict[str, str], *args: str) -> None:
    run = subprocess.run([str(ROOT / "scripts" / "neo4j"), *args], env=env, capture_output=True, text=True)
    if run.returncode != 0:
        raise BulkRefused(f"scripts/neo4j {args[0]} 失败：{(run.stdout + run.stderr)[-2000:]}")
