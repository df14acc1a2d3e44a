"""The load formats: one spec per file, in load order. Documented for users in seeds/README.md."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chainmap import vocab as v
from chainmap.clusters import EARLIEST_YEAR, REVENUE_METRICS, figure_problems
from chainmap.loading import fields as f

RowCheck = Callable[[dict[str, Any]], list[tuple[str, str]]]


@dataclass(frozen=True)
class CsvSpec:
    """A CSV file: its columns' parsers, the key it provides and the references it makes."""

    file: str
    columns: dict[str, f.Parser]
    key: str | None = None          # column holding this row's key
    provides: str | None = None     # reference kind the key provides ("region", "enterprise", ...)
    refs: dict[str, str] = field(default_factory=dict)  # column -> reference kind (list columns: each item)
    check: RowCheck | None = None
    optional: frozenset[str] = frozenset()  # columns a file may leave out (read as empty)


def _region_check(row: dict) -> list[tuple[str, str]]:
    errors = []
    if row["level"] == "province" and row["parent"]:
        errors.append(("parent", "a province has no parent"))
    if row["level"] != "province" and not row["parent"]:
        errors.append(("parent", f"a {row['level']} needs a parent"))
    if row["parent"] and row["parent"] == row["adcode"]:
        errors.append(("parent", "a region cannot be its own parent"))
    return errors


def _industry_check(row: dict) -> list[tuple[str, str]]:
    expected = {"division": 2, "group": 3, "class": 4}[row["level"]]
    errors = []
    if len(row["code"]) != expected:
        errors.append(("code", f"a {row['level']} code has {expected} digits"))
    if row["level"] == "division" and row["parent"]:
        errors.append(("parent", "a division has no parent"))
    elif row["level"] != "division" and row["parent"] != row["code"][:-1]:
        errors.append(("parent", f"must be {row['code'][:-1]}, the code without its last digit"))
    return errors


def _cluster_check(row: dict) -> list[tuple[str, str]]:
    # A figure may lack a year (undated reports exist); a year without a figure means nothing. The year, the
    # amount and the metric are bounded as at the API (chainmap.clusters.figure_problems).
    if row["revenue_year"] is not None and row["revenue_100m_cny"] is None:
        return [("revenue_year", "is given without revenue_100m_cny")]
    return figure_problems(row)


def _enterprise_check(row: dict) -> list[tuple[str, str]]:
    errors = []
    if row["entity_type"] == "branch" and not row["group"]:
        errors.append(("group", "a branch must name its parent enterprise"))
    if row["group"] == row["uscc"]:
        errors.append(("group", "an enterprise cannot be its own group"))
    if not row["region"].startswith(row["uscc"][2:4]):
        errors.append(("region", f"is outside the province of the USCC's registration code {row['uscc'][2:8]}"))
    return errors


def _supply_check(row: dict) -> list[tuple[str, str]]:
    errors = []
    if row["supplier"] == row["customer"]:
        errors.append(("customer", "an enterprise cannot supply itself"))
    if row["until"] and row["until"] < row["since"]:
        errors.append(("until", "is before since"))
    return errors


def _mark_check(row: dict) -> list[tuple[str, str]]:
    # What users read must be Chinese and self-contained: the source is its own field, not a file reference.
    errors = []
    if not f.HAN.search(row["reason"]):
        errors.append(("reason", "must be written in Chinese"))
    if f.FILE_REFERENCE.search(row["reason"]):
        errors.append(("reason", "must not cite project files; put the public source in source/source_title"))
    return errors


def _mark_derive(row: dict) -> dict:
    row["node_id"] = f"{row['cluster']}.{row['node']}"
    return row


REGIONS = CsvSpec(
    "regions.csv",
    {
        "adcode": f.required(f.pattern(f.ADCODE, "a six-digit GB/T 2260 code")),
        "name": f.required(f.text),
        "level": f.required(f.choice(("province", "city", "county"))),
        "parent": f.optional(f.pattern(f.ADCODE, "a six-digit GB/T 2260 code")),
        "lon": f.required(f.number(73.0, 136.0)),
        "lat": f.required(f.number(3.0, 54.0)),
        "seat_lon": f.optional(f.number(73.0, 136.0)),
        "seat_lat": f.optional(f.number(3.0, 54.0)),
        "source": f.required(f.text),
    },
    key="adcode", provides="region", refs={"parent": "region"}, check=_region_check,
)

INDUSTRIES = CsvSpec(
    "industries.csv",
    {
        "code": f.required(f.pattern(f.INDUSTRY_ANY, "a GB/T 4754 code of 2 to 4 digits")),
        "name": f.required(f.text),
        "level": f.required(f.choice(("division", "group", "class"))),
        "parent": f.optional(f.pattern(f.INDUSTRY_ANY, "a GB/T 4754 code of 2 to 3 digits")),
        "source": f.required(f.text),
    },
    key="code", provides="industry", refs={"parent": "industry"}, check=_industry_check,
)

CLUSTERS = CsvSpec(
    "clusters.csv",
    {
        "id": f.required(f.pattern(f.SLUG, "a lowercase slug (a-z, 0-9, -)")),
        "name": f.required(f.text),
        "county": f.required(f.pattern(f.ADCODE, "a six-digit GB/T 2260 code")),
        "county_name": f.optional(f.text),
        "city_name": f.optional(f.text),
        "category": f.required(f.choice(v.CATEGORIES)),
        "category_is_guess": f.required(f.boolean),
        "revenue_100m_cny": f.optional(f.number(0, 100000)),
        "revenue_year": f.optional(f.integer(EARLIEST_YEAR, 2100)),
        "revenue_metric": f.optional(f.choice(REVENUE_METRICS)),
        "source": f.required(f.text),
        "chain": f.required(f.pattern(f.SLUG, "the key of a definition in chains.json")),
        "chain_basis": f.required(f.choice(("documented", "template"))),
    },
    key="id", provides="cluster", refs={"county": "region", "chain": "chain_definition"}, check=_cluster_check,
)

MARKS = CsvSpec(
    "marks.csv",
    {
        "cluster": f.required(f.pattern(f.SLUG, "a cluster id")),
        "node": f.required(f.pattern(f.SLUG, "a chain-node key")),
        "mark": f.required(f.choice(v.MARKS)),
        "reason": f.required(f.text),
        "source": f.required(f.pattern(f.URL, "a link (http:// or https://) to the public source")),
        "source_title": f.required(f.text),
        "source_date": f.optional(f.pattern(f.PARTIAL_DATE, "a date YYYY, YYYY-MM or YYYY-MM-DD")),
    },
    refs={"cluster": "cluster", "node_id": "chain_node"}, check=_mark_check,
)

ENTERPRISES = CsvSpec(
    "enterprises.csv",
    {
        "uscc": f.required(f.uscc),
        "name": f.required(f.text),
        "entity_type": f.required(f.choice(v.ENTITY_TYPES)),
        "region": f.required(f.pattern(f.ADCODE, "a six-digit GB/T 2260 code")),
        "industry_codes": f.listing(f.pattern(f.INDUSTRY_CLASS, "a four-digit GB/T 4754 class")),
        "chain_nodes": f.listing(f.pattern(f.NODE_ID, "a chain-node id cluster.node")),
        "revenue_cny": f.revenues,
        "status": f.required(f.choice(v.ENTERPRISE_STATUSES)),
        "group": f.optional(f.uscc),
        "registered_on": f.optional(f.date),
        "synthetic": f.required(f.boolean),
        "bj_restricted": f.optional(f.boolean),
        "expansion_year": f.optional(f.integer(1990, 2100)),
        "green_factory": f.optional(f.boolean),
        "products": f.optional(f.text),
    },
    key="uscc", provides="enterprise",
    refs={"region": "region", "industry_codes": "industry", "chain_nodes": "chain_node", "group": "enterprise"},
    check=_enterprise_check,
)

SUPPLIES = CsvSpec(
    "supplies.csv",
    {
        "supplier": f.required(f.uscc),
        "customer": f.required(f.uscc),
        "kind": f.required(f.choice(v.SUPPLY_KINDS)),
        "since": f.required(f.date),
        "until": f.optional(f.date),
        "evidence": f.optional(f.text),
    },
    refs={"supplier": "enterprise", "customer": "enterprise"}, check=_supply_check,
)

INTRODUCTIONS = CsvSpec(
    "introductions.csv",
    {
        "id": f.required(f.pattern(f.SLUG, "a lowercase slug (a-z, 0-9, -)")),
        "enterprise": f.required(f.uscc),
        "cluster": f.required(f.pattern(f.SLUG, "a cluster id")),
        "origin_region": f.required(f.pattern(f.ADCODE, "a six-digit GB/T 2260 code")),
        "introduced_on": f.required(f.date),
        "stage": f.required(f.choice(v.INTRODUCTION_STAGES)),
        "investor": f.optional(f.uscc),
    },
    key="id", provides="introduction",
    refs={"enterprise": "enterprise", "cluster": "cluster", "origin_region": "region", "investor": "enterprise"},
    optional=frozenset({"investor"}),
)

# Load order: a file may refer to what an earlier file (or the graph) provides, and to itself.
ORDER = [REGIONS, INDUSTRIES, "chains.json", CLUSTERS, MARKS, ENTERPRISES, SUPPLIES, INTRODUCTIONS]
DERIVE: dict[str, Callable[[dict], dict]] = {"marks.csv": _mark_derive}
