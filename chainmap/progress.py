"""月调度 / 季通报 / 半年总结 / 年终考核: report periods and the pure counting rules of the progress report.

A period is a month (2026-11), a quarter (2026-Q3), a half year (2026-H1) or a year (2026). The report compares the
state at the period's end with the state at its start (the end of the day before it begins); a period still
running ends today. Comparisons: 环比 with the period before (not for years), 同比 with the same period a year
earlier.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from chainmap import project_rules as rules
from chainmap.vocab import GAP_STATUS_NAMES

# Projects and chains are recorded from the 2020s; a period before 2000 is a typo (and its 同比 would leave the calendar).
EARLIEST_PERIOD_YEAR = 2000
PERIOD_PATTERN = r"^(\d{4})(?:-(0[1-9]|1[0-2])|-Q([1-4])|-H([12]))?$"
_PERIOD = re.compile(PERIOD_PATTERN)
QUARTERS = "一二三四"
KINDS = {"month": "月度", "quarter": "季度", "half": "半年", "year": "年度"}
# How a node's status ranks for 补链成效: leaving a gap, relieving a bottleneck, filling out a weak link improve it.
STATUS_RANK = {"gap": 0, "bottleneck": 1, "weak": 2, "present": 3}
STATUS_NAMES = GAP_STATUS_NAMES


@dataclass(frozen=True)
class Period:
    code: str
    kind: str          # month, quarter, half, year
    start: dt.date
    end: dt.date       # the last day of the period

    @property
    def label(self) -> str:
        y = self.start.year
        return {"month": f"{y}年{self.start.month}月", "quarter": f"{y}年第{QUARTERS[(self.start.month - 1) // 3]}季度",
                "half": f"{y}年{'上' if self.start.month == 1 else '下'}半年", "year": f"{y}年"}[self.kind]

    def shifted(self, months: int) -> Period:
        """The period of the same kind `months` earlier (12: 同比)."""
        month = self.start.month - 1 - months
        year = self.start.year + month // 12
        month = month % 12 + 1
        code = {"month": f"{year}-{month:02d}", "quarter": f"{year}-Q{(month - 1) // 3 + 1}",
                "half": f"{year}-H{1 if month <= 6 else 2}", "year": f"{year}"}[self.kind]
        return parse_period(code)

    def previous(self) -> Period | None:
        """环比: the period just before (None for a year, where it is the 同比)."""
        return None if self.kind == "year" else self.shifted({"month": 1, "quarter": 3, "half": 6}[self.kind])


def parse_period(code: str) -> Period:
    """'2026-11', '2026-Q3', '2026-H1' or '2026'; ValueError (Chinese) otherwise."""
    m = _PERIOD.match(code)
    if not m:
        raise ValueError("报告期应为 2026-11、2026-Q3、2026-H1 或 2026 的形式")
    year = int(m.group(1))
    if m.group(2):
        kind, first, months = "month", int(m.group(2)), 1
    elif m.group(3):
        kind, first, months = "quarter", 3 * int(m.group(3)) - 2, 3
    elif m.group(4):
        kind, first, months = "half", 6 * int(m.group(4)) - 5, 6
    else:
        kind, first, months = "year", 1, 12
    last = first + months - 1
    return Period(code, kind, dt.date(year, first, 1), dt.date(year, last, calendar.monthrange(year, last)[1]))


def project_counts(histories: Sequence[dict[str, Any]], start: dt.date, end: dt.date) -> dict[str, Any]:
    """What the projects did within [start, end]: every count with the projects it counts (ids), so each number can
    be traced. A change counts by the day it is dated; migrated entries (dated by the introduction, not observed
    as a move) count as new projects only."""
    counted: dict[str, list[str]] = {k: [] for k in ("new", "advanced", "signed", "landed", "terminated")}
    for p in histories:
        stages = sorted(p["stages"], key=lambda c: (c["on"], c["seq"]))
        if stages and start <= stages[0]["on"] <= end:
            counted["new"].append(p["id"])
        before = None
        for change in stages:
            if start <= change["on"] <= end and before is not None and not change.get("migrated"):
                if change["stage"] == rules.TERMINATED:
                    counted["terminated"].append(p["id"])
                elif rules.rank(change["stage"]) > rules.rank(before):
                    counted["advanced"].append(p["id"])
                    if rules.rank(before) < rules.rank(rules.SIGNED) <= rules.rank(change["stage"]):
                        counted["signed"].append(p["id"])
                    if change["stage"] == rules.LANDED:
                        counted["landed"].append(p["id"])
            elif start <= change["on"] <= end and before is None and not change.get("migrated"):
                # a project recorded at 签约 or later on its first day counts as signed/landed that day
                if rules.rank(change["stage"]) >= rules.rank(rules.SIGNED):
                    counted["signed"].append(p["id"])
                if change["stage"] == rules.LANDED:
                    counted["landed"].append(p["id"])
            before = change["stage"]
    # a project may advance twice in a period: `count` counts changes, `projects` names each project once
    return {k: {"count": len(v), "projects": sorted(set(v))} for k, v in counted.items()}


def amounts_by_stage(histories: Sequence[dict[str, Any]], day: dt.date) -> dict[str, dict[str, Any]]:
    """{stage: {projects, amount_10k_cny}} of the projects at each stage on `day` (amount unknown counts 0)."""
    out: dict[str, dict[str, Any]] = {}
    for p in histories:
        stage = rules.stage_on(p["stages"], day)
        if stage is None:
            continue
        slot = out.setdefault(stage, {"projects": 0, "amount_10k_cny": 0.0})
        slot["projects"] += 1
        slot["amount_10k_cny"] += p.get("amount_10k_cny") or 0.0
    return {s: out[s] for s in rules.PROGRESSION + (rules.TERMINATED,) if s in out}


def change(now: float | int | None, then: float | int | None) -> dict[str, Any]:
    """{value, base, delta, rate}: rate is the relative change (None when the base is 0 or unknown)."""
    if now is None or then is None:
        return {"value": now, "base": then, "delta": None, "rate": None}
    return {"value": now, "base": then, "delta": round(now - then, 4),
            "rate": round((now - then) / then, 4) if then else None}


def direction(before: str, after: str) -> str:
    """improved, worse or same: how a node's status moved (STATUS_RANK)."""
    a, b = STATUS_RANK[before], STATUS_RANK[after]
    return "improved" if b > a else "worse" if b < a else "same"
