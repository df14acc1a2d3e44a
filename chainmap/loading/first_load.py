"""`python -m chainmap import bulk DIR…`: a first load through neo4j-admin's importer, then the schema and every piece
of derived data, so the service is ready to serve.

The directories are validated exactly as `chainmap load` validates them (chainmap.loading.loader), in order, each
seeing what the earlier ones provide. The database must hold nothing: the importer replaces a database whole, so a
graph with data is refused (load into it with `chainmap load`, or empty it first). The project-managed server is
stopped for the import and started again (scripts/neo4j); a remote server (NEO4J_URI) cannot be bulk-loaded from here.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from chainmap import project_history, upkeep
from chainmap.graph import Graph
from chainmap.graph import bulk as q
from chainmap.graph import rank_keys
from chainmap.graph.schema import apply_schema
from chainmap.loading.bulk import BulkRefused, write_import_files
from chainmap.loading.loader import LoadFailed, LoadReport
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


def bulk_load(connect: Callable[[], Graph], policies: Policies, directories: list[Path], database: str, work: Path,
              env: dict[str, str], say: Say = lambda text: None) -> BulkReport:
    """Refuse a non-empty database, validate and write the importer's files (with the rank keys and tie sets),
    import, then schema and the rest of the derived data; the graph is ready to serve. `connect` opens the graph
    (again after the server's restart).

    The server is stopped as soon as the database is known to be empty, while the files are written (its shutdown
    then costs no wall time); if the directories do not validate, it is started again and nothing has changed."""
    report = BulkReport()
    began = time.monotonic()
    graph = connect()
    try:
        if graph.read(q.ANYTHING)[0]["nodes"]:
            raise BulkRefused(f"数据库 {database} 不是空的：批量导入会整体替换数据库，因此只用于首次装载。"
                              "要在现有数据上增补或更新，请用 `python -m chainmap load DIR`；要重新批量导入，"
                              "请先停止服务并删除该实例的数据目录（或换一个新实例），再运行本命令")
    finally:
        graph.close()
    stopping = _Background(lambda: _neo4j(env, "stop"))
    parameters = upkeep.key_arguments(policies.recommendation)
    try:
        loaders, files = write_import_files(graph, policies, directories, work, parameters)
        failed = LoadReport(errors=[e for loader in loaders for e in loader.report.errors])
        if failed.errors:
            raise LoadFailed(failed)
    except BaseException:
        stopping.join()
        _neo4j(env, "start")
        raise
    (work / "import.args").write_text("\n".join(files.arguments) + "\n", encoding="utf-8")
    report.rows = sum(sum(loader.row_counts.values()) for loader in loaders)
    report.nodes, report.relationships = files.nodes, files.relationships
    report.steps.append(("校验并写出导入文件", time.monotonic() - began))
    say(f"校验通过并写出导入文件：{report.rows:,} 行 → {files.nodes:,} 个节点、{files.relationships:,} 条关系"
        f"（含 {files.keyed_firms:,} 家京津企业的排序键和关联县集合"
        f"{'、全部产业链环节的缺口事实' if files.facts_counted else ''}），{report.steps[-1][1]:.1f} 秒")

    began = time.monotonic()
    stopping.join()
    _neo4j(env, "import", database, str(work / "import.args"))
    report.steps.append(("neo4j-admin 导入", time.monotonic() - began))
    say(f"neo4j-admin 导入：{report.steps[-1][1]:.1f} 秒")
    began = time.monotonic()
    _neo4j(env, "start")
    report.steps.append(("重新启动数据库", time.monotonic() - began))
    say(f"数据库已重新启动：{report.steps[-1][1]:.1f} 秒")

    graph = connect()
    began = time.monotonic()
    apply_schema(graph)
    report.steps.append(("建立约束和索引", time.monotonic() - began))
    say(f"约束和索引已建立并上线：{report.steps[-1][1]:.1f} 秒")

    began = time.monotonic()
    for label, rows in files.empty_lists.items():
        graph.write_batches(q.EMPTY_LISTS[label], rows)
    if files.repeated_supplies:
        graph.write_batches(q.REPEATED_SUPPLIES, files.repeated_supplies)
        # The files counted a repeated row's SUPPLIES twice in its outside end's tie links: made exact here.
        ends = {r[end] for r in files.repeated_supplies for end in ("supplier", "customer")}
        graph.write_batches(rank_keys.TIES_OF, sorted(ends))
    project_history.migrate(graph)  # loaded introductions get their first, dated stage entry, as `chainmap load` does
    graph.write(rank_keys.SET_MARKER, version=upkeep.keys_version(policies.recommendation))
    # Chains loaded after firms (an unusual directory order): every node's facts are computed in the database.
    nodes = 0 if files.facts_counted else upkeep.refresh_facts(graph)
    graph.renew()
    graph.close()
    report.steps.append(("派生数据的补充", time.monotonic() - began))
    say(f"派生数据的补充（空列表、重复的协作配套行、引进项目的阶段记录、{nodes:,} 个产业链环节的缺口事实）："
        f"{report.steps[-1][1]:.1f} 秒")
    return report


class _Background:
    """A call run in a thread; join() re-raises what it raised."""

    def __init__(self, call: Callable[[], None]) -> None:
        self.failure: list[BaseException] = []
        self.thread = threading.Thread(target=self._run, args=(call,), daemon=True)
        self.thread.start()

    def _run(self, call: Callable[[], None]) -> None:
        try:
            call()
        except BaseException as exc:  # noqa: BLE001 - re-raised by join()
            self.failure.append(exc)

    def join(self) -> None:
        self.thread.join()
        if self.failure:
            raise self.failure[0]


def _neo4j(env: dict[str, str], *args: str) -> None:
    run = subprocess.run([str(ROOT / "scripts" / "neo4j"), *args], env=env, capture_output=True, text=True)
    if run.returncode != 0:
        raise BulkRefused(f"scripts/neo4j {args[0]} 失败：{(run.stdout + run.stderr)[-2000:]}")
