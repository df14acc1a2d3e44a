#!/usr/bin/env python3
"""Province-wide gap summary from the API, for the monthly 调度 / quarterly 通报: gaps by city and by category.

    CHAINMAP_URL=http://127.0.0.1:8000 CHAINMAP_KEY=cmk_… .venv/bin/python scripts/gap_summary.py [--scope city] [-o summary.csv]
"""

from __future__ import annotations

import argparse
import csv
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from chainmap.client import ChainmapClient  # noqa: E402

STATUSES = ("gap", "bottleneck", "weak")
# The status names of the progress report (chainmap.progress), in the order of STATUSES.
STATUS_NAMES = ("缺链", "瓶颈", "薄弱")
SCOPE_NAMES = {"county": "本县", "city": "本市", "province": "全省"}  # as the gap report names the scope


def summarise(rows: list[dict]) -> tuple[dict, dict]:
    by_city: dict[str, Counter] = defaultdict(Counter)
    by_category: dict[str, Counter] = defaultdict(Counter)
    for row in rows:
        by_city[row["city"]][row["status"]] += 1
        by_category[row["category"]][row["status"]] += 1
    return by_city, by_category


def table(title: str, groups: dict[str, Counter]) -> list[list]:
    lines: list[list] = [[title, *STATUS_NAMES, "合计"]]
    for name in sorted(groups, key=lambda g: (-sum(groups[g].values()), g)):
        counts = groups[name]
        lines.append([name, *(counts.get(s, 0) for s in STATUSES), sum(counts.values())])
    return lines


def shown_width(cell) -> int:
    """Columns a cell takes in a terminal: a Chinese character takes two (str.ljust counts it as one)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in str(cell))


def footer(report: dict, scope: str) -> str:
    return (f"共 {report['total']} 个缺链、瓶颈或薄弱环节；配套范围：{SCOPE_NAMES.get(scope, scope)}；"
            f"生成日期：{report['generated_on']}")


def main() -> None:
    parser = argparse.ArgumentParser(description="全省缺链汇总：按城市、按类别统计缺链、瓶颈和薄弱环节")
    parser.add_argument("--scope", choices=("county", "city", "province"), default="county",
                        help="配套范围：county 本县（默认）、city 本市、province 全省")
    parser.add_argument("-o", "--output", type=Path, help="同时把两张表写入此 CSV 文件（UTF-8，带 BOM）")
    args = parser.parse_args()

    report = ChainmapClient().gap_report("json", scope=args.scope)
    by_city, by_category = summarise(report["items"])
    tables = [table("城市", by_city), table("类别", by_category)]
    for lines in tables:
        widths = [max(shown_width(line[i]) for line in lines) + 2 for i in range(len(lines[0]))]
        for line in lines:
            print("".join(f"{cell}{' ' * (width - shown_width(cell))}" for cell, width in zip(line, widths, strict=True)))
        print()
    print(footer(report, args.scope))
    if args.output:
        with open(args.output, "w", newline="", encoding="utf-8-sig") as handle:
            writer = csv.writer(handle)
            for lines in tables:
                writer.writerows(lines)
                writer.writerow([])


if __name__ == "__main__":
    main()
