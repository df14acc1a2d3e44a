"""What an import resolves against, read once per import: the graph's regions (with seeds/region-aliases.csv),
its GB/T 4754 classification, the chain nodes of each county, and the import profiles (seeds/import-profiles/)."""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from chainmap.graph import Graph
from chainmap.graph import imports as q
from chainmap.imports.industries import Industry, IndustryIndex
from chainmap.imports.places import Alias, PlaceIndex, Region
from chainmap.imports.profiles import Profile, load_profiles
from chainmap.settings import ROOT

PROFILES_DIR = ROOT / "seeds" / "import-profiles"
ALIASES_FILE = ROOT / "seeds" / "region-aliases.csv"


@dataclass(frozen=True)
class Options:
    """How to import: a named profile (else detected), dry run (the default everywhere), partial, and the counties
    the caller may write (None: any; an editor's key: its counties, plus firms outside Hebei)."""

    profile: str | None = None
    dry_run: bool = True
    partial: bool = False
    counties: frozenset[str] | None = None


def profiles() -> dict[str, Profile]:
    return load_profiles(PROFILES_DIR)


def aliases(path: Path = ALIASES_FILE) -> list[Alias]:
    with open(path, newline="", encoding="utf-8") as handle:
        return [Alias(r["alias"], r["adcode"], r["city"] or None, r["old_code"] or None) for r in csv.DictReader(handle)]


def places(graph: Graph) -> PlaceIndex:
    regions = [Region(r["adcode"], r["name"], r["level"], r["parent"]) for r in graph.read(q.REGIONS)]
    return PlaceIndex(regions, aliases())


def industries(graph: Graph) -> IndustryIndex:
    return IndustryIndex(Industry(r["code"], r["name"], r["level"]) for r in graph.read(q.INDUSTRIES))


def county_nodes(graph: Graph) -> dict[str, dict[str, set[str]]]:
    """county adcode -> GB/T 4754 class -> the chain nodes of the clusters located there that list the class (looked
    up per firm: an import asks it 100,000 times)."""
    out: dict[str, dict[str, set[str]]] = defaultdict(dict)
    for row in graph.read(q.CHAIN_NODES):
        for code in row["codes"] or []:
            out[row["county"]].setdefault(code, set()).add(row["id"])
    return out
