"""A recorded reward check is granted only while it still holds (issue 14, item 7).

At grant time the check's rule is evaluated again on today's facts for the same `as_of`: if the outcome differs
(a counted partner deregistered, a revenue figure corrected, an introduction moved back), the check is stale and the
grant is refused, naming what changed. A check whose `as_of` lies further back than the policy's
`max_check_age_days` is refused as well (a back-dated check). Pure functions over the recorded and the fresh result.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from chainmap.errors import Conflict
from chainmap.rewards.rule import OUTCOME_NAMES

# Already granted is not staleness: the grant's own uniqueness answers that, naming the first grant.
IGNORED_RULES = {"not_already_granted"}


def what_changed(recorded: dict[str, Any], fresh: dict[str, Any]) -> list[str]:
    """Each rule whose status or value moved, and partners no longer (or newly) counted."""
    changes = []
    old = {c["rule"]: c for c in recorded["checks"] if c["rule"] not in IGNORED_RULES}
    new = {c["rule"]: c for c in fresh["checks"] if c["rule"] not in IGNORED_RULES}
    for rule in old.keys() | new.keys():
        a, b = old.get(rule, {}), new.get(rule, {})
        if (a.get("status"), a.get("actual")) != (b.get("status"), b.get("actual")):
            label = b.get("name") or a.get("name") or rule
            changes.append(f"{label}：{_status(a)}（{_value(a)}）→ {_status(b)}（{_value(b)}）")
    counted_before = {p["uscc"] for p in recorded["partners"]["counted"]}
    counted_now = {p["uscc"] for p in fresh["partners"]["counted"]}
    if counted_before - counted_now:
        changes.append(f"不再计入：{'、'.join(sorted(counted_before - counted_now))}")
    if counted_now - counted_before:
        changes.append(f"新计入：{'、'.join(sorted(counted_now - counted_before))}")
    return sorted(changes)


def _value(check: dict[str, Any]) -> str:
    actual = check.get("actual")
    return "无" if actual is None or actual == "" else str(actual)


def _status(check: dict[str, Any]) -> str:
    return check.get("status_name") or check.get("status") or "无"


def outcome_without_grants(result: dict[str, Any]) -> str:
    statuses = {c["status"] for c in result["checks"] if c["rule"] not in IGNORED_RULES}
    return "ineligible" if "failed" in statuses else "undetermined" if "unknown" in statuses else "eligible"


def ensure_fresh(recorded: dict[str, Any], max_age_days: int, today: dt.date,
                 reevaluate: Callable[[dt.date], dict[str, Any]]) -> None:
    """Raise Conflict when the recorded check is too old or no longer gives the same outcome."""
    as_of = dt.date.fromisoformat(recorded["as_of"])
    if as_of > today:  # counted what had not happened yet (the API refuses such checks; older records may hold one)
        raise Conflict(f"核查 {recorded['id']} 的核查基准日 {as_of} 晚于今天，不能据此兑现奖励，请按今天重新核查")
    age = (today - as_of).days
    if age > max_age_days:
        raise Conflict(f"核查 {recorded['id']} 已过时，请重新核查：核查基准日 {as_of} 距今 {age} 天，"
                       f"政策只依据 {max_age_days} 天内的核查兑现奖励")
    fresh = reevaluate(as_of)
    if outcome_without_grants(fresh) != outcome_without_grants(recorded):
        raise Conflict(f"核查 {recorded['id']} 已过时，请重新核查：按今天的数据结论为"
                       f"{OUTCOME_NAMES[outcome_without_grants(fresh)]}，而非{OUTCOME_NAMES[recorded['outcome']]}（"
                       + "；".join(what_changed(recorded, fresh)) + "）")
