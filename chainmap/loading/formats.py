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
        errors.append(("parent", "省级行政区没有上级"))
    if row["level"] != "province" and not row["parent"]:
        errors.append(("parent", f"{row['level']} 级行政区须有上级"))
    if row["parent"] and row["parent"] == row["adcode"]:
        errors.append(("parent", "行政区不能是自己的上级"))
    return errors


def _industry_check(row: dict) -> list[tuple[str, str]]:
    expected = {"division": 2, "group": 3, "class": 4}[row["level"]]
    errors = []
    if len(row["code"]) != expected:
        errors.append(("code", f"{row['level']} 级代码应为 {expected} 位"))
    if row["level"] == "division" and row["parent"]:
        errors.append(("parent", "门类下的大类没有上级"))
    elif row["level"] != "division" and row["parent"] != row["code"][:-1]:
        errors.append(("parent", f"须为 {row['code'][:-1]}（去掉末位的代码）"))
    return errors


def _cluster_check(row: dict) -> list[tuple[str, str]]:
    # A figure may lack a year (undated reports exist); a year without a figure means nothing. The year, the
    # amount and the metric are bounded as at the API (chainmap.clusters.figure_problems).
    if row["revenue_year"] is not None and row["revenue_100m_cny"] is None:
        return [("revenue_year", "填写了年份却没有 revenue_100m_cny")]
    return figure_problems(row)


def _enterprise_check(row: dict) -> list[tuple[str, str]]:
    errors = []
    if row["entity_type"] == "branch" and not row["group"]:
        errors.append(("group", "分支机构须填写所属企业"))
    if row["group"] == row["uscc"]:
        errors.append(("group", "企业不能是自己的所属企业"))
    if not row["region"].startswith(row["uscc"][2:4]):
        errors.append(("region", f"与统一社会信用代码的登记管理机关行政区划码 {row['uscc'][2:8]} 不在同一省"))
    return errors


def _supply_check(row: dict) -> list[tuple[str, str]]:
    errors = []
    if row["supplier"] == row["customer"]:
        errors.append(("customer", "企业不能为自己配套"))
    if row["until"] and row["until"] < row["since"]:
        errors.append(("until", "早于 since"))
    return errors


def _mark_check(row: dict) -> list[tuple[str, str]]:
    # What users read must be Chinese and self-contained: the source is its own field, not a file reference.
    errors = []
    if not f.HAN.search(row["reason"]):
        errors.append(("reason", "须用中文填写"))
    if f.FILE_REFERENCE.search(row["reason"]):
        errors.append(("reason", "不得引用项目文件；公开来源请填在 source/source_title"))
    return errors


def _mark_derive(row: dict) -> dict:
    row["node_id"] = f"{row['cluster']}.{row['node']}"
    return row


REGIONS = CsvSpec(
    "regions.csv",
    {
        "adcode": f.required(f.pattern(f.ADCODE, " 6 位 GB/T 2260 行政区划代码")),
        "name": f.required(f.text),
        "level": f.required(f.choice(("province", "city", "county"))),
        "parent": f.optional(f.pattern(f.ADCODE, " 6 位 GB/T 2260 行政区划代码")),
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
        "code": f.required(f.pattern(f.INDUSTRY_ANY, " 2 至 4 位 GB/T 4754 行业代码")),
        "name": f.required(f.text),
        "level": f.required(f.choice(("division", "group", "class"))),
        "parent": f.optional(f.pattern(f.INDUSTRY_ANY, " 2 至 3 位 GB/T 4754 行业代码")),
        "source": f.required(f.text),
    },
    key="code", provides="industry", refs={"parent": "industry"}, check=_industry_check,
)

CLUSTERS = CsvSpec(
    "clusters.csv",
    {
        "id": f.required(f.pattern(f.SLUG, "小写短名（a-z、0-9、-）")),
        "name": f.required(f.text),
        "county": f.required(f.pattern(f.ADCODE, " 6 位 GB/T 2260 行政区划代码")),
        "county_name": f.optional(f.text),
        "city_name": f.optional(f.text),
        "category": f.required(f.choice(v.CATEGORIES)),
        "category_is_guess": f.required(f.boolean),
        "revenue_100m_cny": f.optional(f.number(0, 100000)),
        "revenue_year": f.optional(f.integer(EARLIEST_YEAR, 2100)),
        "revenue_metric": f.optional(f.choice(REVENUE_METRICS)),
        "source": f.required(f.text),
        "chain": f.required(f.pattern(f.SLUG, " chains.json 中某个模板的键")),
        "chain_basis": f.required(f.choice(("documented", "template"))),
    },
    key="id", provides="cluster", refs={"county": "region", "chain": "chain_definition"}, check=_cluster_check,
)

MARKS = CsvSpec(
    "marks.csv",
    {
        "cluster": f.required(f.pattern(f.SLUG, "产业集群编号")),
        "node": f.required(f.pattern(f.SLUG, "产业链环节的键")),
        "mark": f.required(f.choice(v.MARKS)),
        "reason": f.required(f.text),
        "source": f.required(f.pattern(f.URL, "公开来源的链接（http:// 或 https://）")),
        "source_title": f.required(f.text),
        "source_date": f.optional(f.pattern(f.PARTIAL_DATE, " YYYY、YYYY-MM 或 YYYY-MM-DD 格式的日期")),
        # source: the source says the link is weak or missing; inference: analysts concluded it from what it says
        "basis": f.optional(f.choice(("source", "inference"))),
    },
    refs={"cluster": "cluster", "node_id": "chain_node"}, check=_mark_check,
    optional=frozenset({"basis"}),  # files written before it: every mark from its source
)

ENTERPRISES = CsvSpec(
    "enterprises.csv",
    {
        "uscc": f.required(f.uscc),
        "name": f.required(f.text),
        "entity_type": f.required(f.choice(v.ENTITY_TYPES)),
        "region": f.required(f.pattern(f.ADCODE, " 6 位 GB/T 2260 行政区划代码")),
        "industry_codes": f.listing(f.pattern(f.INDUSTRY_CLASS, " 4 位 GB/T 4754 行业小类代码")),
        "chain_nodes": f.listing(f.pattern(f.NODE_ID, "产业链环节编号（集群.环节）")),
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
        "id": f.required(f.pattern(f.SLUG, "小写短名（a-z、0-9、-）")),
        "name": f.optional(f.text),
        "enterprise": f.required(f.uscc),
        "cluster": f.required(f.pattern(f.SLUG, "产业集群编号")),
        "origin_region": f.required(f.pattern(f.ADCODE, " 6 位 GB/T 2260 行政区划代码")),
        "introduced_on": f.required(f.date),
        "stage": f.required(f.choice(v.INTRODUCTION_STAGES)),
        "investor": f.optional(f.uscc),
    },
    key="id", provides="introduction",
    refs={"enterprise": "enterprise", "cluster": "cluster", "origin_region": "region", "investor": "enterprise"},
    optional=frozenset({"investor", "name"}),  # name: 项目名称; files written before it have none
)

# Load order: a file may refer to what an earlier file (or the graph) provides, and to itself.
ORDER = [REGIONS, INDUSTRIES, "chains.json", CLUSTERS, MARKS, ENTERPRISES, SUPPLIES, INTRODUCTIONS]
DERIVE: dict[str, Callable[[dict], dict]] = {"marks.csv": _mark_derive}
