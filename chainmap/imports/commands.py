"""`python -m chainmap import registry|partners` and `python -m chainmap template partners` (messages in Chinese)."""

from __future__ import annotations

from pathlib import Path

import click

from chainmap.imports.reference import Options
from chainmap.imports.report import ImportReport

FILES = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.group("import")
def import_group() -> None:
    """导入官方数据：企业登记导出、规上企业名单、协作配套调查表。"""


def _run(kind: str, files: tuple[Path, ...], options: Options, report_path: Path | None) -> None:
    from chainmap import cli
    from chainmap.imports import partners, registry, trail

    refused = 0
    with cli._connected() as graph:
        policies = cli._policies()
        for path in files:
            data = path.read_bytes()
            if kind == "registry":
                report = registry.import_registry(graph, policies, data, path.name, options)
            else:
                report = partners.import_partners(graph, policies, data, path.name, options)
            trail.record(graph, report, data)
            _echo(report)
            if report_path:
                target = report_path if len(files) == 1 else report_path.with_name(
                    f"{report_path.stem}-{path.stem}{report_path.suffix}")
                target.write_bytes(report.to_xlsx())
                click.echo(f"  报告已写入 {target}")
            refused += not report.dry_run and not report.written
    if refused:
        raise click.ClickException(f"{refused} 个文件因有被拒绝的行或字段而未写入（见报告；可用 --partial 只导入无误部分）")


def _echo(report: ImportReport) -> None:
    click.echo(f"{report.file}：{report.outcome}")
    for label, value in report.summary()[2:]:
        if label not in ("结果",):
            click.echo(f"  {label}：{value}")
    for row in report.rejected[:20]:
        click.echo(f"  第{row['line']}行 {row['field']}：{row['reason']}（{row['outcome']}）", err=True)
    if len(report.rejected) > 20:
        click.echo(f"  ……另有 {len(report.rejected) - 20} 条，见报告“拒绝”表", err=True)


@import_group.command("registry")
@click.argument("files", nargs=-1, required=True, type=FILES)
@click.option("--profile", help="导入模板名（seeds/import-profiles/*.json 的 name）；不指定则按表头自动识别")
@click.option("--dry-run", is_flag=True, help="试运行：只生成报告，不写入")
@click.option("--partial", is_flag=True, help="只导入无误的行和字段（默认：文件有任何被拒绝的内容则整个文件不导入）")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path), help="报告XLSX的保存路径")
def import_registry(files, profile, dry_run, partial, report_path) -> None:
    """导入企业登记信息导出或规上企业名单（CSV或XLSX，可多个文件）。"""
    _run("registry", files, Options(profile, dry_run, partial), report_path)


@import_group.command("partners")
@click.argument("files", nargs=-1, required=True, type=FILES)
@click.option("--dry-run", is_flag=True, help="试运行：只生成报告，不写入")
@click.option("--partial", is_flag=True, help="只导入无误的行")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path), help="报告XLSX的保存路径")
def import_partners(files, dry_run, partial, report_path) -> None:
    """导入协作配套调查表（由 template partners 生成的表）。"""
    _run("partners", files, Options(None, dry_run, partial), report_path)


@click.group("template")
def template_group() -> None:
    """生成空白调查表。"""


@template_group.command("partners")
@click.option("--county", required=True, help="县（市、区）行政区划代码，如 130534")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def template_partners(county: str, output: Path) -> None:
    """生成协作配套调查表（含数据验证和填表说明）。"""
    from chainmap import cli
    from chainmap.imports import survey

    with cli._connected() as graph:
        output.write_bytes(survey.partners_template(graph, county))
    click.echo(f"已生成 {output}")
