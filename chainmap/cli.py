"""`python -m chainmap`: operator commands."""

from __future__ import annotations

import contextlib
import getpass
import json
import os
import shutil
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import click

from chainmap import api_keys as key_store
from chainmap import cli_zh
from chainmap import audit, project_history, upkeep
from chainmap.audit_log import record_work
from chainmap.errors import ChainmapError
from chainmap.gaps import timeline
from chainmap.gaps.analysis import refresh_unready
from chainmap.graph import Graph
from chainmap.graph.loading import graph_is_empty
from chainmap.graph.schema import apply_schema
from chainmap.loading.loader import LOAD_TX_TIMEOUT_S, LoadFailed, load_directory
from chainmap.policy import Policies, load_policies
from chainmap.settings import ROOT, Settings, SettingsError

SEEDS = ROOT / "seeds"
cli_zh.install()  # click's help headings and usage errors in Chinese, before any command runs


def _graph() -> Graph:
    """The graph for an operator's command: loads, key rebuilds and refreshes are not requests, so their transactions
    may take as long as a load's (chainmap.loading.loader.LOAD_TX_TIMEOUT_S)."""
    try:
        return Graph(Settings.from_env()).with_timeout(LOAD_TX_TIMEOUT_S)
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


def _policies() -> Policies:
    """The policy files, read once for the command (chainmap.policy)."""
    try:
        return load_policies()
    except (OSError, ValueError, KeyError) as exc:
        raise click.ClickException(f"seeds/policy 中的政策参数文件无法使用：{exc}") from None


@contextmanager
def _connected() -> Iterator[Graph]:
    """The graph for one command; chainmap errors end it with their message, not a traceback."""
    graph = _graph()
    try:
        yield graph
    except ChainmapError as exc:
        raise click.ClickException(exc.detail) from None
    finally:
        graph.close()


def operator() -> audit.Actor:
    """Who acts at the command line: the operating-system account on this host. Writes made here are audited under
    it (an operator holds the database password, so it acts as an admin)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.getuid())
    return audit.Actor(key_id=f"cli:{user}", label=f"命令行（{user}@{socket.gethostname()}）", role="admin")


@click.group()
@click.pass_context
def main(ctx: click.Context) -> None:
    """chainmap：河北省县域特色产业集群产业链招商图谱（运维命令）。"""
    token = audit.start(operator())
    ctx.call_on_close(lambda: audit.stop(token))  # the command's writes only (tests invoke several in one process)


@main.group()
def schema() -> None:
    """约束和索引。"""


@schema.command("apply")
def schema_apply() -> None:
    """创建缺少的约束和索引，并迁移旧记录（可重复执行）。"""
    with _connected() as graph:
        names = apply_schema(graph)
        migrated = project_history.migrate(graph)
    click.echo(f"已应用数据库结构：{len(names)} 个约束和索引；{migrated} 个引进项目补记了阶段历史")


def _load(directory: Path) -> None:
    bar = None

    def progress(file: str, rows: int) -> None:
        nonlocal bar
        if not sys.stdout.isatty():
            return
        if bar is None or bar.label != file:
            if bar is not None:
                bar.render_finish()
            bar = click.progressbar(length=None, label=file, show_pos=True)
        bar.update(rows)

    with contextlib.closing(_graph()) as graph:
        try:
            report = load_directory(graph, _policies(), directory, progress)
        except LoadFailed as exc:
            for error in exc.report.errors:
                click.echo(str(error), err=True)
            raise click.ClickException(f"{directory} 中共 {len(exc.report.errors)} 处错误，未写入任何数据") from None
        except ChainmapError as exc:
            raise click.ClickException(exc.detail) from None
        finally:
            if bar is not None:
                bar.render_finish()
        files = report.files
        record_work(graph, "load.directory", "load", str(directory.resolve()), None, {
            "directory": str(directory.resolve()), "files": [f.file for f in files], "rows": sum(f.rows for f in files),
            "created": sum(f.created for f in files), "updated": sum(f.updated for f in files),
            "relationships": sum(f.relationships for f in files)})
    for file in files:
        click.echo(f"{file.file:20s} {file.rows:>9} 行  新建 {file.created:>9}  更新 {file.updated:>7}  "
                   f"新建关系 {file.relationships:>9}  {file.seconds:8.1f} 秒")


@main.group()
def cache() -> None:
    """请求之间复用的结果（推荐排序列表）及其所依据的排序键。"""


@cache.command("renew")
def cache_renew() -> None:
    """重建推荐排序键并标记整个图已变更，各进程丢弃已复用的结果（在绕过 chainmap 修改数据之后使用）。"""
    with _connected() as graph:
        firms = upkeep.rebuild_keys(graph, _policies().recommendation)
        graph.renew()
    click.echo(f"缓存已更新：已重建 {firms} 家企业的排序键；复用的结果将在下次使用时重新计算")


@cache.command("keys")
def cache_keys() -> None:
    """仅当推荐排序键依据的是另一套参数（或尚无排序键：由较早版本装载的图）时重建；scripts/run 每次启动时调用。"""
    with _connected() as graph:
        config = _policies().recommendation
        if upkeep.keys_current(graph, config):
            click.echo("排序键为最新，无需重建")
            return
        firms = upkeep.rebuild_keys(graph, config)
    click.echo(f"已重建 {firms} 家企业的排序键")


@cache.command("facts")
def cache_facts() -> None:
    """重新计算尚未计算、格式已过时或已过期的环节缺口事实（升级后首次启动时由 scripts/run 调用，避免在请求中计算）。"""
    with _connected() as graph:
        refreshed = refresh_unready(graph)
    click.echo(f"已重新计算 {refreshed} 个产业链环节的缺口事实" if refreshed else "缺口事实均为最新")


@cache.command("timelines")
def cache_timelines() -> None:
    """预先计算各产业链环节近年的日期事实（时间线），使按历史日期（as_of）查询时无需在请求中计算；批量装载后或大量写入后使用。"""
    with _connected() as graph:
        computed = timeline.refresh(graph)
    click.echo(f"已计算 {computed} 个产业链环节的时间线" if computed else "时间线均为最新")


@main.command("load")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
def load(directory: Path) -> None:
    """校验并装载 DIRECTORY 中的 CSV/JSON 文件（格式见 seeds/README.md）。"""
    _load(directory)


@main.group()
def seed() -> None:
    """seeds/ 中的种子数据。"""


@seed.command("load")
@click.option("--if-empty", is_flag=True, help="仅当图中还没有任何产业集群时装载")
def seed_load(if_empty: bool) -> None:
    """装载 seeds/（真实的行政区划、行业分类、产业集群和产业链）和 seeds/synthetic/（标注为合成的企业数据）。"""
    if if_empty:
        with _connected() as graph:
            empty = graph_is_empty(graph)
        if not empty:
            click.echo("图中已有产业集群，未装载种子数据")
            return
    _load(SEEDS)
    if (SEEDS / "synthetic").is_dir():
        _load(SEEDS / "synthetic")


@main.group()
def keys() -> None:
    """API 密钥：创建、列出、停用。"""


@keys.command("create")
@click.option("--role", type=click.Choice(["map", "viewer", "analyst", "editor", "admin"]), required=True,
              help="map：只读地图图层（可放在网页中的密钥）；viewer 及以上：可读其角色允许的全部内容")
@click.option("--county", "counties", multiple=True, help="编辑密钥可修改的河北省县级行政区划代码（可重复）")
@click.option("--label", default="", help="密钥的使用者或用途")
def keys_create(role: str, counties: tuple[str, ...], label: str) -> None:
    """创建密钥并输出（唯一一行输出；之后无法再次显示）。"""
    with _connected() as graph:
        click.echo(key_store.create_key(graph, role, list(counties), label))


@keys.command("list")
def keys_list() -> None:
    """列出密钥（编号、角色、县；从不显示密钥本身）。"""
    with _connected() as graph:
        for k in key_store.list_keys(graph):
            state = f"已停用 {k['revoked_at']}" if k["revoked_at"] else "有效"
            click.echo(f"{k['id']}  {k['role']:8s} {','.join(k['counties'] or []) or '-':20s} {state:30s} "
                       f"{k['label'] or ''}")


@keys.command("revoke")
@click.argument("key_id")
def keys_revoke(key_id: str) -> None:
    """按编号停用密钥（cmk_ 之后的 12 个字符）。"""
    with _connected() as graph:
        key_store.revoke_key(graph, key_id)
    click.echo(f"已停用 {key_id}")


def _client(url: str | None, key: str | None):
    from chainmap.client import ChainmapClient

    if key is None and not os.environ.get("CHAINMAP_KEY"):
        local = ROOT / "var" / "admin.key"
        key = local.read_text().strip() if local.exists() else None
    return ChainmapClient(url, key)


@main.group()
def report() -> None:
    """从运行中的 chainmap 服务（CHAINMAP_URL、CHAINMAP_KEY）获取报表。"""


@report.command("gaps")
@click.option("--city", help="设区市代码或名称，如 邢台市")
@click.option("--county", help="县级行政区划代码或名称")
@click.option("--category", help="六大类之一，如 时尚消费")
@click.option("--status", "statuses", multiple=True, type=click.Choice(["gap", "weak", "bottleneck"]))
@click.option("--scope", type=click.Choice(["county", "city", "province"]), default="county")
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "xlsx"]), default="csv")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="输出文件（默认标准输出）")
@click.option("--url", help="服务地址（默认 CHAINMAP_URL 或 http://127.0.0.1:8000）")
@click.option("--key", help="API 密钥（默认 CHAINMAP_KEY 或 var/admin.key）")
def report_gaps(city, county, category, statuses, scope, fmt, output, url, key) -> None:
    """缺链、薄弱、瓶颈环节及其依据，输出 JSON、CSV（可直接用 Excel 打开）或 XLSX。"""
    from chainmap.client import ChainmapAPIError

    try:
        data = _client(url, key).gap_report(fmt, city=city, county=county, category=category,
                                            status=list(statuses) or None, scope=scope)
    except ChainmapAPIError as exc:
        raise click.ClickException(str(exc)) from None
    body = json.dumps(data, ensure_ascii=False, indent=1).encode() if fmt == "json" else data
    if output:
        output.write_bytes(body)
        rows = data["total"] if fmt == "json" else "?"
        click.echo(f"已写入 {output}（{len(body)} 字节{'' if rows == '?' else f'，{rows} 行'}）", err=True)
    else:
        sys.stdout.buffer.write(body)


@report.command("progress")
@click.argument("period")
@click.option("--city", help="设区市代码或名称，如 130500")
@click.option("--county", help="县级行政区划代码或名称")
@click.option("--format", "fmt", type=click.Choice(["json", "xlsx"]), default="xlsx")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="输出文件（默认标准输出）")
@click.option("--url", help="服务地址（默认 CHAINMAP_URL 或 http://127.0.0.1:8000）")
@click.option("--key", help="API 密钥（默认 CHAINMAP_KEY 或 var/admin.key）")
def report_progress(period, city, county, fmt, output, url, key) -> None:
    """PERIOD 的月调度/季通报/半年总结/年终考核（2026-11、2026-Q3、2026-H1 或 2026），输出 XLSX 或 JSON。"""
    from chainmap.client import ChainmapAPIError

    try:
        data = _client(url, key).progress_report(period, fmt, city=city, county=county)
    except ChainmapAPIError as exc:
        raise click.ClickException(str(exc)) from None
    body = json.dumps(data, ensure_ascii=False, indent=1).encode() if fmt == "json" else data
    if output:
        output.write_bytes(body)
        click.echo(f"已写入 {output}（{len(body)} 字节）", err=True)
    else:
        sys.stdout.buffer.write(body)


@main.command("recommend")
@click.argument("cluster")
@click.option("--node", help="一个产业链环节的 key（默认：全部缺链、薄弱和瓶颈环节）")
@click.option("--origin", "origins", multiple=True, help="来源地行政区划代码前缀（默认 11 和 12，即北京、天津）")
@click.option("--limit", type=int, default=5, show_default=True, help="每个环节的推荐数")
@click.option("--url", help="服务地址（默认 CHAINMAP_URL 或 http://127.0.0.1:8000）")
@click.option("--key", help="API 密钥（默认 CHAINMAP_KEY 或 var/admin.key）")
def recommend(cluster, node, origins, limit, url, key) -> None:
    """以表格输出 CLUSTER 各缺口环节的京津转移目标企业排序及推荐理由。"""
    from chainmap.client import ChainmapAPIError

    try:
        data = _client(url, key).recommendations(cluster, node=node, origin=list(origins) or None, limit=limit)
    except ChainmapAPIError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{'得分':>6}  {'环节':14s} {'企业':28s} {'地区':6s} 奖励前景")
    for item in data["items"]:
        outlook = item["reward_outlook"]
        hint = "可能符合" if outlook["likely_eligible"] else f"本地配套{outlook['potential_local_partners']}家"
        click.echo(f"{item['score']:6.3f}  {item['node']['name'][:14]:14s} {item['enterprise']['name'][:28]:28s} "
                   f"{item['enterprise']['region']:6s} {hint}")
        # Every reason and caution: the list is what an officer takes to the firm, a cut would drop facts unseen.
        if item["reasons"]:
            click.echo(f"        推荐理由：{'；'.join(item['reasons'])}")
        if item["cautions"]:
            click.echo(f"        注意：{'；'.join(item['cautions'])}")
    names = {item["node"]["id"]: item["node"]["name"] for item in data["items"]}
    for node_id, shared in data.get("common_reasons", {}).items():
        if shared and node_id in names:  # lifted out of the items by the service: shown once per link
            click.echo(f"{names[node_id]} 各推荐企业共同的理由：{'；'.join(shared)}")


@click.command("bulk")
@click.argument("directories", nargs=-1, required=True,
                type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--database", help="目标数据库（默认 NEO4J_DATABASE，即 neo4j；社区版只有这一个用户数据库）")
def import_bulk(directories: tuple[Path, ...], database: str | None) -> None:
    """首次批量装载：按 `chainmap load` 的规则依次校验各目录，用 neo4j-admin 导入空数据库，再建约束索引和全部派生数据。"""
    from chainmap.loading.bulk import BulkRefused
    from chainmap.loading.first_load import bulk_load

    if os.environ.get("NEO4J_URI"):
        raise click.ClickException("批量导入需要直接写本机实例的存储：只能用于 scripts/neo4j 管理的实例（不设 NEO4J_URI）。"
                                   "远程服务器或集群请用 neo4j-admin 在服务器上导入，或用 `python -m chainmap load`")
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None
    name = database or settings.neo4j_database
    work = Path(os.environ.get("CHAINMAP_NEO4J_HOME", ROOT / "var" / "neo4j")).resolve() / "import" / "bulk"

    def connect() -> Graph:
        return Graph(replace(settings, neo4j_database=name)).with_timeout(LOAD_TX_TIMEOUT_S)

    try:
        report = bulk_load(connect, _policies(), list(directories), name, work, dict(os.environ), click.echo)
        with contextlib.closing(connect()) as graph:
            record_work(graph, "load.bulk", "load", ";".join(str(d.resolve()) for d in directories), None, {
                "directories": [str(d.resolve()) for d in directories], "database": name, "rows": report.rows,
                "nodes": report.nodes, "relationships": report.relationships})
    except LoadFailed as exc:
        for error in exc.report.errors:
            click.echo(str(error), err=True)
        raise click.ClickException(f"共 {len(exc.report.errors)} 处错误，未写入任何数据") from None
    except (BulkRefused, ChainmapError) as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for step, seconds in report.steps:
        click.echo(f"  {step}：{seconds:.1f} 秒（按装载行数计 {report.rows / max(seconds, 0.001):,.0f} 行/秒）")
    click.echo(f"完成：{report.rows:,} 行 → {report.nodes:,} 个节点、{report.relationships:,} 条关系，"
               f"共 {report.seconds:.1f} 秒（{report.rows / report.seconds:,.0f} 行/秒），可以提供服务")


def _register_imports() -> None:
    from chainmap.imports.commands import import_group, template_group

    main.add_command(import_group)
    import_group.add_command(import_bulk)
    main.add_command(template_group)


_register_imports()
