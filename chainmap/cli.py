"""`python -m chainmap`: operator commands."""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import click

from chainmap import api_keys as key_store
from chainmap import project_history, upkeep
from chainmap.errors import ChainmapError
from chainmap.graph import Graph
from chainmap.graph.loading import graph_is_empty
from chainmap.graph.schema import apply_schema
from chainmap.loading.loader import LOAD_TX_TIMEOUT_S, LoadFailed, load_directory
from chainmap.policy import Policies, load_policies
from chainmap.settings import ROOT, Settings, SettingsError

SEEDS = ROOT / "seeds"


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
        raise click.ClickException(f"policy files in seeds/policy are not usable: {exc}") from None


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


@click.group()
def main() -> None:
    """chainmap: industrial-chain mapping for Hebei's county featured-industry clusters."""


@main.group()
def schema() -> None:
    """Constraints and indexes."""


@schema.command("apply")
def schema_apply() -> None:
    """Create the constraints and indexes that are missing, and migrate older records (safe to repeat)."""
    with _connected() as graph:
        names = apply_schema(graph)
        migrated = project_history.migrate(graph)
    click.echo(f"schema applied: {len(names)} constraints and indexes; {migrated} introductions given a stage history")


def _load(directory: Path) -> None:
    graph = _graph()
    bar = None
    try:
        def progress(file: str, rows: int) -> None:
            nonlocal bar
            if not sys.stdout.isatty():
                return
            if bar is None or bar.label != file:
                if bar is not None:
                    bar.render_finish()
                bar = click.progressbar(length=None, label=file, show_pos=True)
            bar.update(rows)

        report = load_directory(graph, _policies(), directory, progress)
    except LoadFailed as exc:
        for error in exc.report.errors:
            click.echo(str(error), err=True)
        raise click.ClickException(f"{len(exc.report.errors)} errors in {directory}; nothing was written") from None
    except ChainmapError as exc:
        raise click.ClickException(exc.detail) from None
    finally:
        if bar is not None:
            bar.render_finish()
        graph.close()
    for file in report.files:
        click.echo(f"{file.file:20s} {file.rows:>9} rows  {file.created:>9} created  {file.updated:>7} updated  "
                   f"{file.relationships:>9} relationships created  {file.seconds:8.1f} s")


@main.group()
def cache() -> None:
    """Results reused between requests (ranked recommendation lists) and the rank keys they are computed from."""


@cache.command("renew")
def cache_renew() -> None:
    """Rebuild the recommendations' rank keys and mark the whole graph changed, so every process drops what it
    reused (after edits made around chainmap)."""
    with _connected() as graph:
        firms = upkeep.rebuild_keys(graph, _policies().recommendation)
        graph.renew()
    click.echo(f"cache renewed: rank keys of {firms} firms rebuilt; every reused result is recomputed at its next use")


@cache.command("keys")
def cache_keys() -> None:
    """Rebuild the recommendations' rank keys only if they follow another configuration (or none yet: a graph
    loaded by an earlier chainmap); scripts/run calls it at every start."""
    with _connected() as graph:
        config = _policies().recommendation
        if upkeep.keys_current(graph, config):
            click.echo("rank keys are current")
            return
        firms = upkeep.rebuild_keys(graph, config)
    click.echo(f"rank keys rebuilt for {firms} firms")


@main.command("load")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
def load(directory: Path) -> None:
    """Validate and load the CSV/JSON files in DIRECTORY (see seeds/README.md for the formats)."""
    _load(directory)


@main.group()
def seed() -> None:
    """The seed data in seeds/."""


@seed.command("load")
@click.option("--if-empty", is_flag=True, help="Only when the graph has no clusters yet.")
def seed_load(if_empty: bool) -> None:
    """Load seeds/ (real regions, industries, clusters and chains) and seeds/synthetic/ (labelled synthetic)."""
    if if_empty:
        with _connected() as graph:
            empty = graph_is_empty(graph)
        if not empty:
            click.echo("graph already holds clusters; seeds not loaded")
            return
    _load(SEEDS)
    if (SEEDS / "synthetic").is_dir():
        _load(SEEDS / "synthetic")


@main.group()
def keys() -> None:
    """API keys: create, list, revoke."""


@keys.command("create")
@click.option("--role", type=click.Choice(["map", "viewer", "analyst", "editor", "admin"]), required=True,
              help="map: the map layers only (a key a web page may hold); viewer and up: everything they may read")
@click.option("--county", "counties", multiple=True, help="Hebei county adcode an editor may change (repeatable).")
@click.option("--label", default="", help="Who or what the key is for.")
def keys_create(role: str, counties: tuple[str, ...], label: str) -> None:
    """Create a key and print it (its only output line; it cannot be shown again)."""
    with _connected() as graph:
        click.echo(key_store.create_key(graph, role, list(counties), label))


@keys.command("list")
def keys_list() -> None:
    """List keys (ids, roles, counties; never the secrets)."""
    with _connected() as graph:
        for k in key_store.list_keys(graph):
            state = f"revoked {k['revoked_at']}" if k["revoked_at"] else "active"
            click.echo(f"{k['id']}  {k['role']:8s} {','.join(k['counties'] or []) or '-':20s} {state:30s} "
                       f"{k['label'] or ''}")


@keys.command("revoke")
@click.argument("key_id")
def keys_revoke(key_id: str) -> None:
    """Revoke a key by its id (the 12 characters after cmk_)."""
    with _connected() as graph:
        key_store.revoke_key(graph, key_id)
    click.echo(f"revoked {key_id}")


def _client(url: str | None, key: str | None):
    from chainmap.client import ChainmapClient

    if key is None and not os.environ.get("CHAINMAP_KEY"):
        local = ROOT / "var" / "admin.key"
        key = local.read_text().strip() if local.exists() else None
    return ChainmapClient(url, key)


@main.group()
def report() -> None:
    """Reports fetched from a running chainmap API (CHAINMAP_URL, CHAINMAP_KEY)."""


@report.command("gaps")
@click.option("--city", help="city adcode or name, e.g. 邢台市")
@click.option("--county", help="county adcode")
@click.option("--category", help="one of the six categories, e.g. 时尚消费")
@click.option("--status", "statuses", multiple=True, type=click.Choice(["gap", "weak", "bottleneck"]))
@click.option("--scope", type=click.Choice(["county", "city", "province"]), default="county")
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "xlsx"]), default="csv")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="file to write (default stdout)")
@click.option("--url", help="API base URL (default CHAINMAP_URL or http://127.0.0.1:8000)")
@click.option("--key", help="API key (default CHAINMAP_KEY or var/admin.key)")
def report_gaps(city, county, category, statuses, scope, fmt, output, url, key) -> None:
    """Gap / weak / bottleneck nodes with their evidence, as JSON, CSV (Excel-ready) or XLSX."""
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
        click.echo(f"wrote {output} ({len(body)} bytes{'' if rows == '?' else f', {rows} rows'})", err=True)
    else:
        sys.stdout.buffer.write(body)


@report.command("progress")
@click.argument("period")
@click.option("--city", help="city adcode, e.g. 130500")
@click.option("--county", help="county adcode")
@click.option("--format", "fmt", type=click.Choice(["json", "xlsx"]), default="xlsx")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="file to write (default stdout)")
@click.option("--url", help="API base URL (default CHAINMAP_URL or http://127.0.0.1:8000)")
@click.option("--key", help="API key (default CHAINMAP_KEY or var/admin.key)")
def report_progress(period, city, county, fmt, output, url, key) -> None:
    """月调度/季通报/半年总结/年终考核 for PERIOD (2026-11, 2026-Q3, 2026-H1 or 2026), as XLSX or JSON."""
    from chainmap.client import ChainmapAPIError

    try:
        data = _client(url, key).progress_report(period, fmt, city=city, county=county)
    except ChainmapAPIError as exc:
        raise click.ClickException(str(exc)) from None
    body = json.dumps(data, ensure_ascii=False, indent=1).encode() if fmt == "json" else data
    if output:
        output.write_bytes(body)
        click.echo(f"wrote {output} ({len(body)} bytes)", err=True)
    else:
        sys.stdout.buffer.write(body)


@main.command("recommend")
@click.argument("cluster")
@click.option("--node", help="one chain-node key (default: every gap, weak and bottleneck node)")
@click.option("--origin", "origins", multiple=True, help="adcode prefix of origins (default 11 and 12)")
@click.option("--limit", type=int, default=5, show_default=True, help="targets per node")
@click.option("--url", help="API base URL (default CHAINMAP_URL or http://127.0.0.1:8000)")
@click.option("--key", help="API key (default CHAINMAP_KEY or var/admin.key)")
def recommend(cluster, node, origins, limit, url, key) -> None:
    """Print ranked Beijing/Tianjin transfer targets for CLUSTER's gaps as a table, with reasons."""
    from chainmap.client import ChainmapAPIError

    try:
        data = _client(url, key).recommendations(cluster, node=node, origin=list(origins) or None, limit=limit)
    except ChainmapAPIError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{'score':>6}  {'环节':14s} {'企业':28s} {'地区':6s} 奖励前景")
    for item in data["items"]:
        outlook = item["reward_outlook"]
        hint = "可能符合" if outlook["likely_eligible"] else f"本地配套{outlook['potential_local_partners']}家"
        click.echo(f"{item['score']:6.3f}  {item['node']['name'][:14]:14s} {item['enterprise']['name'][:28]:28s} "
                   f"{item['enterprise']['region']:6s} {hint}")
        click.echo(f"        推荐理由: {'；'.join(item['reasons'][:4])}")


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
    settings = Settings.from_env()
    name = database or settings.neo4j_database
    work = Path(os.environ.get("CHAINMAP_NEO4J_HOME", ROOT / "var" / "neo4j")).resolve() / "import" / "bulk"

    def connect() -> Graph:
        return Graph(replace(settings, neo4j_database=name)).with_timeout(LOAD_TX_TIMEOUT_S)

    try:
        report = bulk_load(connect, _policies(), list(directories), name, work, dict(os.environ), click.echo)
    except LoadFailed as exc:
        for error in exc.report.errors:
            click.echo(str(error), err=True)
        raise click.ClickException(f"共 {len(exc.report.errors)} 处错误，未写入任何数据") from None
    except (BulkRefused, ChainmapError) as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        shutil.rmtree(work, ignore_errors=True)
    click.echo(f"完成：{report.rows:,} 行 → {report.nodes:,} 个节点、{report.relationships:,} 条关系，"
               f"共 {report.seconds:.1f} 秒（{report.rows / report.seconds:,.0f} 行/秒），可以提供服务")


def _register_imports() -> None:
    from chainmap.imports.commands import import_group, template_group

    main.add_command(import_group)
    import_group.add_command(import_bulk)
    main.add_command(template_group)


_register_imports()
