"""`python -m chainmap`: operator commands."""

from __future__ import annotations

import click

from chainmap.errors import ChainmapError
from chainmap.graph import Graph
from chainmap.graph.schema import apply_schema
from chainmap.settings import Settings, SettingsError


def _graph() -> Graph:
    try:
        return Graph(Settings.from_env())
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from None


@click.group()
def main() -> None:
    """chainmap: industrial-chain mapping for Hebei's county featured-industry clusters."""


@main.group()
def schema() -> None:
    """Constraints and indexes."""


@schema.command("apply")
def schema_apply() -> None:
    """Create the constraints and indexes that are missing (safe to repeat)."""
    graph = _graph()
    try:
        names = apply_schema(graph)
    except ChainmapError as exc:
        raise click.ClickException(exc.detail) from None
    finally:
        graph.close()
    click.echo(f"schema applied: {len(names)} constraints and indexes")
