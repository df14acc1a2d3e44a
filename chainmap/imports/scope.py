"""Which rows of an editor's import would change a firm another county answers for (issue 14's rule, as for PATCH):
a firm registered elsewhere in Hebei (the row would move it), or one whose changed reward facts decide the check of a
project another county introduced it into (as the introduced entity or the investor). Such rows are refused with the
reason before anything is written; the writes check it again under the firms' locks (chainmap.write_scope.GUARD)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from chainmap.imports.records import Record
from chainmap.vocab import HEBEI

FACT_FIELDS = ("region", "status", "entity_type", "group")  # and the revenues: write_scope.REWARD_FACTS


def decides(before: dict[str, Any], record: Record) -> bool:
    """Whether the row changes a fact a reward check reads."""
    held = dict(zip(before.get("revenue_years") or [], before.get("revenue_values") or [], strict=False))
    return (any(f in record.values and record.values[f] != before.get(f) for f in FACT_FIELDS)
            or any(held.get(year) != amount for year, amount in record.revenue.items()))


def refused(held: dict[str, dict[str, Any]], reach: dict[str, list[str]], records: list[Record],
            counties: frozenset[str], label: Callable[[str], str]) -> Iterator[tuple[Record, str]]:
    """(row, reason) for each row the caller may not import: `held`, the stored firms by USCC; `reach`, the counties
    whose introductions take them (write_scope.introduction_counties)."""
    for record in records:
        before = held.get(record.key)
        if before is None:
            continue
        home = before.get("region") or ""
        outside = sorted(set(reach.get(record.key, [])) - counties)
        if home.startswith(HEBEI) and home not in counties:
            yield record, f"该企业登记在{label(home)}，本账号不能修改（迁移须两县均有权限，请联系管理员）"
        elif outside and decides(before, record):
            where = "、".join(label(c) for c in outside)
            yield record, (f"该企业是{where}招商引进项目的落地主体或投资方，其营业收入、登记状态、类型、所属集团和所在地"
                           f"决定该县的奖励核查，须由{where}的账号修改")

