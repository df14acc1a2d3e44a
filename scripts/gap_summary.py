#!/usr/bin/env python3
"""Province-wide gap summary from the API, for the monthly 调度 / quarterly 通报: gaps by city and by category.

    CHAINMAP_URL=http://127.0.0.1:8000 CHAINMAP_KEY=cmk_… .venv/bin/python scripts/gap_summary.py [--scope city] [-o summary.csv]
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from chainmap.client import ChainmapClient  # noqa: E402

STATUSES = ("gap", "bottleneck", "weak")


def summarise(rows: list[dict]) -> tuple[dict, dict]:
    by_city: dict[str, Counter] = defaultdict(Counter)
    by_category: dict[str, Counter] = defaultdict(Counter)
    for row in rows:
        by_city[row["city"]][row["status"]] += 1
        by_category[row["category"]][row["status"]] += 1
    return by_city, by_category


def table(title: str, groups: dict[str, Counter]) -> list[list]:
    lines: list[list] = [[title, "缺失 gap", "瓶颈 bottleneck", "薄弱 weak", "合计 total"]]
    for name in sorted(groups, key=lambda g: (-sum(groups[g].values()), g)):
        counts = groups[name]
        lines.append([name, *(counts.get(s, 0) for s in STATUSES), sum(counts.values())])
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--scope", choices=("county", "city", "province"), default="county")
    parser.add_argument("-o", "--output", type=Path, help="also write both tables to this CSV (UTF-8 with BOM)")
    args = parser.parse_args()

    report = ChainmapClient().gap_report("json", scope=args.scope)
    by_city, by_category = summarise(report["items"])
    tables = [table("地市 city", by_city), table("类别 category", by_category)]
    for lines in tables:
        widths = [max(len(str(line[i])) for line in lines) + 2 for i in range(len(lines[0]))]
        for line in lines:
            print("".join(str(cell).ljust(width) for cell, width in zip(line, widths, strict=True)))
        print()
    print(f"{report['total']} gap / weak / bottleneck nodes, scope {args.scope}, generated {report['generated_on']}")
    if args.output:
        with open(args.output, "w", newline="", encoding="utf-8-sig") as handle:
            writer = csv.writer(handle)
            for lines in tables:
                writer.writerows(lines)
                writer.writerow([])


if __name__ == "__main__":
    main()
