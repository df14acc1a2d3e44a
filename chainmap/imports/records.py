"""A registry row -> a record of graph fields, with the reasons a row or a field cannot go in; and the merge rule
(the newer record wins field by field, only where it has a value). Pure: the indexes are passed in."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from chainmap import hidden
from chainmap.imports import values as parse
from chainmap.imports.industries import IndustryIndex
from chainmap.imports.places import PlaceIndex
from chainmap.imports.profiles import Column
from chainmap.imports.sources import Formula
from chainmap.imports.text import cell_text, compact

LEVEL_NAMES = {"section": "门类", "division": "大类", "group": "中类", "class": "小类"}
FIELD_NAMES = {"uscc": "统一社会信用代码", "reg_no": "注册号", "name": "企业名称", "entity_type": "企业类型",
               "status": "登记状态", "status_on": "状态日期", "registered_on": "成立日期", "capital": "注册资本",
               "region": "所在区县", "industry": "所属行业", "industry_codes": "行业代码", "revenue": "营业收入",
               "address": "注册地址", "business_scope": "经营范围", "registered_capital": "注册资本",
               "capital_currency": "注册资本币种", "registry_status": "登记状态原文", "revenue_cny": "营业收入",
               "registration_no": "注册号", "updated_on": "核准日期", "county": "所属区县", "city": "所属城市",
               "province": "所属省份", "revenue_year": "年度", "industry_section": "国标行业门类",
               "industry_division": "国标行业大类", "industry_group": "国标行业中类", "industry_class": "国标行业小类"}
MAX_SCOPE = 2000


@dataclass(frozen=True)
class Problem:
    line: int
    field: str
    reason: str
    fatal: bool          # the row cannot go in at all (else only this field is left out)


@dataclass
class Record:
    line: int
    key: str                         # the USCC, or the old 注册号 of a record that has no USCC
    legacy: bool                     # only a 注册号: kept apart and flagged
    values: dict[str, Any]           # graph fields with a value in the source
    revenue: dict[int, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    updated_on: dt.date | None = None
    lines: list[int] = field(default_factory=list)


class Memo:
    """A pure reading (its value, or the ValueError it raised) by its arguments: officers' files repeat the same
    county, state, type, capital and industry texts on thousands of rows. At most `limit` entries, so a column of
    distinct values (addresses) costs a bounded dictionary, not memory per row."""

    def __init__(self, read: Callable[..., Any], limit: int = 20000) -> None:
        self.read, self.limit, self.known = read, limit, {}

    def __call__(self, *args: Any) -> Any:
        try:
            value, reason = self.known[args]
        except KeyError:
            try:
                value, reason = self.read(*args), None
            except ValueError as exc:
                value, reason = None, str(exc)
            if len(self.known) < self.limit:
                self.known[args] = value, reason
        if reason is not None:
            raise ValueError(reason)
        return value


class RowReader:
    """Reads registry rows with one profile's columns and the graph's places and industries."""

    def __init__(self, columns: dict[str, Column], places: PlaceIndex, industries: IndustryIndex) -> None:
        self.columns, self.places, self.industries = columns, places, industries
        self._indexes = [(name, column.index) for name, column in columns.items()]
        self.revenue_fields = [n for n in columns if n == "revenue" or n.startswith("revenue@")]
        self._place, self._status, self._date = Memo(places.resolve), Memo(parse.status), Memo(parse.past_date)
        self._type, self._capital = Memo(parse.entity_type), Memo(parse.capital)
        self._industry_of, self._industry_columns_of = Memo(industries.resolve), Memo(industries.resolve_columns)

    def raw(self, cells: list[Any], name: str) -> Any:
        column = self.columns.get(name)
        if column is None or column.index >= len(cells):
            return None
        return cells[column.index]

    def text(self, cells: list[Any], name: str, problems: list[Problem], line: int) -> str:
        value = self.raw(cells, name)
        if isinstance(value, Formula):
            problems.append(Problem(line, self.header(name), f"公式单元格没有计算结果（{value.text}）：请在Excel中打开、"
                                    "保存后再导入，或改为数值", name in ("uscc", "name")))
            return ""
        return cell_text(value)

    def header(self, name: str) -> str:
        column = self.columns.get(name)
        return column.header.strip() if column else FIELD_NAMES.get(name, name)

    def texts(self, line: int, cells: list[Any], problems: list[Problem]) -> dict[str, str]:
        """Each field's cell as trimmed text (the per-row hot path: plain strings go straight through)."""
        out: dict[str, str] = {}
        width = len(cells)
        for name, index in self._indexes:
            value = cells[index] if index < width else None
            if type(value) is str:
                out[name] = value.strip()
                if reason := hidden.problem(value):  # refused as the API refuses it: stored, it broke later reports
                    problems.append(Problem(line, self.header(name), reason, name in ("uscc", "name")))
                    out[name] = ""
            elif value is None:
                out[name] = ""
            else:
                out[name] = self.text(cells, name, problems, line)
        return out

    def read(self, line: int, cells: list[Any]) -> tuple[Record | None, list[Problem]]:
        problems: list[Problem] = []
        t = self.texts(line, cells, problems)
        key, legacy, code_region = self._identity(line, t, problems)
        name = compact(t.get("name", ""))
        if not name and not any(p.field == self.header("name") for p in problems):
            problems.append(Problem(line, self.header("name"), "企业名称为空", True))
        if any(p.fatal for p in problems) or key is None:
            return None, problems
        record = Record(line, key, legacy, {"name": name}, lines=[line])
        if legacy:
            record.notes.append("仅有注册号，无统一社会信用代码：作为已登记主体保留并标注")
        try:
            place = self._place(t.get("county", ""), t.get("address", ""), t.get("city", ""), code_region)
            record.values["region"] = place.adcode
            if place.how == "信用代码":
                record.notes.append("表中无区县或地址，按统一社会信用代码的登记地区确定区县")
        except ValueError as exc:
            problems.append(Problem(line, self.header("county" if t.get("county") else "address"), str(exc), True))
            return None, problems
        self._fields(record, t, cells, problems)
        return record, problems

    def _identity(self, line: int, t: dict[str, str], problems: list[Problem]) -> tuple[str | None, bool, str | None]:
        raw_code, raw_no = t.get("uscc", ""), t.get("reg_no", "")
        try:
            if raw_code and not parse.is_empty(raw_code):
                code = parse.credit_code(raw_code)
                return code, False, code[2:8]
            if raw_no and not parse.is_empty(raw_no):
                number = parse.registration_number(raw_no)
                return number, True, number[:6]
        except ValueError as exc:
            problems.append(Problem(line, self.header("uscc" if raw_code else "reg_no"), str(exc), True))
            return None, False, None
        if not any(p.field in (self.header("uscc"), self.header("reg_no")) for p in problems):
            problems.append(Problem(line, self.header("uscc"), "缺少统一社会信用代码（也没有注册号）", True))
        return None, False, None

    def _fields(self, record: Record, t: dict[str, str], cells: list[Any], problems: list[Problem]) -> None:
        line, v = record.line, record.values

        def attempt(name: str, action) -> None:
            try:
                action()
            except ValueError as exc:
                problems.append(Problem(line, self.header(name), str(exc), False))

        if t.get("status"):
            def read_status() -> None:
                v["status"], when = self._status(t["status"])
                v["registry_status"] = compact(t["status"])
                if when:  # a slip in its date refuses the date, never the 注销 itself
                    v["status_on"] = parse.checked_day(when, t["status"], happened=True)
            attempt("status", read_status)
        for name, target in (("status_on", "status_on"), ("registered_on", "registered_on"),
                             ("updated_on", "updated_on")):
            raw = self.raw(cells, name)
            if raw is not None and not isinstance(raw, Formula) and cell_text(raw) and not parse.is_empty(cell_text(raw)):
                def read_date(raw: Any = raw, target: str = target) -> None:
                    v[target] = self._date(raw)
                attempt(name, read_date)
        record.updated_on = v.pop("updated_on", None)

        def read_type() -> None:
            try:  # the 企业类型 text alone, as on most rows
                v["entity_type"] = self._type(t.get("entity_type", ""))
            except ValueError:  # else the name, else the credit code
                v["entity_type"] = parse.entity_type(t.get("entity_type", ""), v["name"],
                                                     None if record.legacy else record.key)
        attempt("entity_type", read_type)
        if "entity_type" not in v and record.legacy:
            v["entity_type"] = "individual_business"  # pre-2015 numbers without a type are almost all 个体户
            record.notes.append("企业类型不明，按个体工商户记录")
        if v.get("entity_type") == "branch":
            record.notes.append("分支机构：表中未注明隶属企业")
        if t.get("capital"):
            def read_capital() -> None:
                found = self._capital(t["capital"], self.columns["capital"].unit)
                if found:
                    v["registered_capital"], v["capital_currency"] = found
            attempt("capital", read_capital)
        if t.get("address"):
            v["address"] = compact(t["address"])[:300]
        if t.get("business_scope"):
            v["business_scope"] = t["business_scope"].strip()[:MAX_SCOPE]
        self._industry(record, t, problems)
        for name in self.revenue_fields:
            if t.get(name):
                self._revenue(record, name, t, problems)
        if record.legacy:
            v["registration_no"] = record.key

    def _industry(self, record: Record, t: dict[str, str], problems: list[Problem]) -> None:
        if "industry" in t:
            found, name = self._industry_of(t["industry"]), "industry"
        else:
            found = self._industry_columns_of(t.get("industry_division", ""), t.get("industry_group", ""),
                                                    t.get("industry_class", ""))
            name = "industry_class" if t.get("industry_class") else "industry_group"
        if found.reason:
            problems.append(Problem(record.line, self.header(name), found.reason, False))
        elif found.code:
            record.values["industry_codes"] = [found.code]
        elif found.coarse:
            record.notes.append(f"行业仅对应到{LEVEL_NAMES[found.coarse.level]} {found.coarse.code} "
                                f"{found.coarse.name}，未归入小类")

    def _revenue(self, record: Record, name: str, t: dict[str, str], problems: list[Problem]) -> None:
        """One revenue column's cell: its year from the 年度 column, else the header (profiles.Profile.columns)."""
        column = self.columns[name]
        try:
            amount = parse.money(t[name], column.unit)
            year_text = compact(t.get("revenue_year", ""))[:4]
            year = int(year_text) if year_text.isdigit() else column.year
            if column.year is not None and year != column.year:  # which one is meant is not ours to guess
                raise ValueError(f"年度列为{year}年，与表头“{column.header.strip()}”的年份{column.year}年不一致")
            if amount is None:
                return
            if year is None:
                raise ValueError("营业收入缺少年度（请加“年度”列，或在表头写明如“2024年营业收入（万元）”）")
            if not 1990 <= year <= dt.date.today().year:
                raise ValueError(f"营业收入年度{year}超出范围（1990年至{dt.date.today().year}年）")
            record.revenue[year] = amount
        except ValueError as exc:
            problems.append(Problem(record.line, self.header(name), str(exc), False))


def combine(first: Record, second: Record) -> tuple[Record, list[tuple[str, Any, Any]]]:
    """Two rows of one firm in a file: the newer (later 核准日期, else the later row) wins field by field where it has
    a value; returns the combined record and the conflicts (field, kept, dropped)."""
    older, newer = sorted((first, second), key=lambda r: (r.updated_on or dt.date.min, r.line))
    conflicts = [(name, value, older.values[name]) for name, value in newer.values.items()
                 if name in older.values and older.values[name] != value]
    conflicts += [(f"营业收入{year}", amount, older.revenue[year]) for year, amount in newer.revenue.items()
                  if year in older.revenue and older.revenue[year] != amount]
    merged = Record(newer.line, newer.key, newer.legacy, {**older.values, **newer.values},
                    {**older.revenue, **newer.revenue}, list(dict.fromkeys(older.notes + newer.notes)),
                    newer.updated_on or older.updated_on, sorted(older.lines + newer.lines))
    return merged, conflicts


def changes(existing: dict[str, Any], record: Record) -> list[tuple[str, Any, Any]]:
    """(field, graph value, file value) for every field the file sets to something else."""
    out = [(name, existing.get(name), value) for name, value in record.values.items() if existing.get(name) != value]
    held = dict(zip(existing.get("revenue_years") or [], existing.get("revenue_values") or [], strict=False))
    out += [(f"营业收入{year}", held.get(year), amount) for year, amount in sorted(record.revenue.items())
            if held.get(year) != amount]
    return out
