"""招商项目 stage rules: pure functions over plain data (which moves are allowed, the stage on a day, 超期).

A project moves forward through 线索 → 接洽 → 洽谈 → 签约 → 注册 → 在建 → 投产/落地 and may skip stages (a lead signed at
the first meeting); it may be ended (终止, with a reason) from any open stage. 投产/落地 and 终止 close it: a closed
project is never reopened (a new approach is a new project), so its history reads as what happened. Changes are
dated, never later than today and never before the previous change, so the history is in date order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from chainmap.vocab import INTRODUCTION_STAGE_NAMES, INTRODUCTION_STAGES

TERMINATED = "terminated"
LANDED = "landed"
CLOSED = (LANDED, TERMINATED)
# The forward order; 终止 is outside it.
PROGRESSION = tuple(s for s in INTRODUCTION_STAGES if s != TERMINATED)
OPEN_STAGES = tuple(s for s in INTRODUCTION_STAGES if s not in CLOSED)
SIGNED = "signed"


def rank(stage: str) -> int:
    """Position in the forward order (终止 has none: -1)."""
    return PROGRESSION.index(stage) if stage in PROGRESSION else -1


def move_problem(current: str | None, last_on: dt.date | None, new: str, on: dt.date, reason: str | None,
                 today: dt.date) -> tuple[str, str] | None:
    """(field, Chinese reason) why a stage change may not be recorded, or None when it may."""
    if on > today:
        return "on", f"日期不能晚于今天（{today.isoformat()}）"
    if new == TERMINATED and not reason:
        return "reason", "终止项目须填写原因"
    if current is None:
        return None
    if last_on is not None and on < last_on:
        return "on", f"日期早于上一次阶段变更（{last_on.isoformat()}）"
    if current in CLOSED:
        return "stage", f"项目已{INTRODUCTION_STAGE_NAMES[current]}，不能再变更阶段（重新接洽请新建项目）"
    if new == current:
        return "stage", f"项目已处于{INTRODUCTION_STAGE_NAMES[current]}阶段"
    if new != TERMINATED and rank(new) < rank(current):
        return "stage", (f"阶段只能前进：当前为{INTRODUCTION_STAGE_NAMES[current]}，"
                         f"不能退回{INTRODUCTION_STAGE_NAMES[new]}")
    return None


def stage_on(history: Sequence[dict[str, Any]], day: dt.date) -> str | None:
    """The stage a project was at on `day`: the last change dated up to that day (None before its first)."""
    current = None
    for change in sorted(history, key=lambda c: (c["on"], c["seq"])):
        if change["on"] > day:
            break
        current = change["stage"]
    return current


def is_overdue(stage: str | None, next_due: dt.date | None, today: dt.date) -> bool:
    """超期: an open project whose next step was due before today."""
    return stage is not None and stage not in CLOSED and next_due is not None and next_due < today


def changes_between(history: Sequence[dict[str, Any]], start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """The stage changes dated within [start, end], in order."""
    return sorted((c for c in history if start <= c["on"] <= end), key=lambda c: (c["on"], c["seq"]))


def stage_name(stage: str | None) -> str:
    return INTRODUCTION_STAGE_NAMES.get(stage or "", "—")
