"""Field parsers for the load formats: each returns a plain value or raises ValueError with a reason."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from chainmap import uscc as uscc_rules
from chainmap import vocab as v

Parser = Callable[[str], Any]

ADCODE = re.compile(v.ADCODE_PATTERN)
INDUSTRY_CLASS = re.compile(v.INDUSTRY_CLASS_PATTERN)
INDUSTRY_ANY = re.compile(r"^\d{2,4}$")
SLUG = re.compile(v.SLUG_PATTERN)
NODE_ID = re.compile(v.NODE_ID_PATTERN)
URL = re.compile(r"^https?://\S+$")
PARTIAL_DATE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")
HAN = re.compile(r"[\u4e00-\u9fff]")
FILE_REFERENCE = re.compile(r"(?i)\b[\w-]+\.(md|csv|json|py|txt)\b|§")
MAX_TEXT = 500
CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f]")  # control characters but the tab
# China's largest enterprises report about 3万亿 yuan a year; above 10万亿 (10^13 yuan, the API's bound too) is an error.
MAX_ENTERPRISE_REVENUE_CNY = 10**13


def required(parser: Parser) -> Parser:
    def parse(raw: str) -> Any:
        if raw == "":
            raise ValueError("必填")
        return parser(raw)
    return parse


def optional(parser: Parser) -> Parser:
    def parse(raw: str) -> Any:
        return None if raw == "" else parser(raw)
    return parse


def text(raw: str) -> str:
    if len(raw) > MAX_TEXT:
        raise ValueError(f"超过 {MAX_TEXT} 个字符")
    if CONTROL.search(raw):
        raise ValueError("含有控制字符")
    return raw.strip()


def pattern(regex: re.Pattern[str], what: str) -> Parser:
    def parse(raw: str) -> str:
        if not regex.match(raw):
            raise ValueError(f"须为{what}，实为 {raw!r}")
        return raw
    return parse


def choice(options: tuple[str, ...]) -> Parser:
    def parse(raw: str) -> str:
        if raw not in options:
            raise ValueError(f"须为 {'、'.join(options)} 之一，实为 {raw!r}")
        return raw
    return parse


def boolean(raw: str) -> bool:
    if raw not in ("true", "false"):
        raise ValueError(f"须为 true 或 false，实为 {raw!r}")
    return raw == "true"


def _ranged(convert: Callable[[str], Any], kind: str, low: float, high: float) -> Parser:
    def parse(raw: str) -> Any:
        try:
            value = convert(raw)
        except ValueError:
            raise ValueError(f"须为{kind}，实为 {raw!r}") from None
        if not low <= value <= high:
            raise ValueError(f"须在 {low} 至 {high} 之间，实为 {value}")
        return value
    return parse


def integer(low: int, high: int) -> Parser:
    return _ranged(int, "整数", low, high)


def number(low: float, high: float) -> Parser:
    return _ranged(float, "数字", low, high)


def date(raw: str) -> dt.date:
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"须为 YYYY-MM-DD 格式的日期，实为 {raw!r}") from None


def uscc(raw: str) -> str:
    reasons = uscc_rules.problems(raw)
    if reasons:
        raise ValueError(f"不是有效的统一社会信用代码：{reasons[0]}")
    return raw


def listing(item: Parser, *, max_items: int = 20) -> Parser:
    """';'-separated values, each parsed by `item`; duplicates refused."""
    def parse(raw: str) -> list:
        if raw == "":
            return []
        parts = raw.split(";")
        if len(parts) > max_items:
            raise ValueError(f"超过 {max_items} 项")
        values = [item(p.strip()) for p in parts]
        if len(set(values)) != len(values):
            raise ValueError("有重复项")
        return values
    return parse


def revenues(raw: str) -> dict[int, int]:
    """'2023=61000000;2024=65000000' -> {2023: 61000000, 2024: 65000000} (CNY, whole yuan)."""
    out: dict[int, int] = {}
    if raw == "":
        return out
    year_of = integer(1990, dt.date.today().year)   # a reported revenue is never of a future year
    for part in raw.split(";"):
        year, sep, amount = part.partition("=")
        if not sep:
            raise ValueError(f"须形如 2024=65000000;2023=61000000，实为 {part!r}")
        y = year_of(year.strip())
        if y in out:
            raise ValueError(f"年份 {y} 出现两次")
        out[y] = _amount(amount.strip())
    return dict(sorted(out.items()))


_amount = integer(0, MAX_ENTERPRISE_REVENUE_CNY)


def format_revenues(values: dict[int, int]) -> str:
    return ";".join(f"{year}={amount}" for year, amount in sorted(values.items()))
