"""Place names in requests (city=, county=): a Hebei city or county-level unit by adcode, full name, name without
its 市/县/区 suffix, or (cities) its pinyin. Unknown or ambiguous places are refused naming the field, never
answered with an empty result."""

from __future__ import annotations

from dataclasses import dataclass
from typing import LiteralString

from chainmap.errors import Invalid
from chainmap.graph import Graph
from chainmap.imports.places import stem
from chainmap.vocab import HEBEI_LITERAL

REGIONS: LiteralString = (
    "MATCH (r:Region) WHERE r.adcode STARTS WITH " + HEBEI_LITERAL + " AND r.level IN ['city', 'county'] "
    "RETURN r.adcode AS adcode, r.name AS name, r.level AS level, r.parent AS parent ORDER BY r.adcode"
)
# The eleven prefecture-level cities in Hanyu Pinyin, as written on road signs (GB/T 16159), for callers who type
# latin letters (city=xingtai). County names are not romanised here: they are asked for in Chinese or as adcodes.
CITY_PINYIN = {
    "shijiazhuang": "130100", "tangshan": "130200", "qinhuangdao": "130300", "handan": "130400", "xingtai": "130500",
    "baoding": "130600", "zhangjiakou": "130700", "chengde": "130800", "cangzhou": "130900", "langfang": "131000",
    "hengshui": "131100",
}
LEVEL_NAMES = {"city": "设区市", "county": "县级行政区"}


@dataclass(frozen=True)
class Region:
    adcode: str
    name: str
    level: str
    parent: str | None


def hebei_regions(graph: Graph) -> list[Region]:
    return [Region(**r) for r in graph.read(REGIONS)]


def resolve(regions: list[Region], text: str, level: str, field: str, *, within: str | None = None) -> str:
    """The adcode `text` names at this level (city or county), inside city `within` when given; Invalid naming
    `field` when it names none or several."""
    text = text.strip()
    candidates = [r for r in regions if r.level == level and (within is None or r.parent == within)]
    if text.isdigit():
        found = [r for r in candidates if r.adcode == text]
    elif level == "city" and text.lower() in CITY_PINYIN:
        found = [r for r in candidates if r.adcode == CITY_PINYIN[text.lower()]]
    else:
        found = [r for r in candidates if r.name == text] or [r for r in candidates if stem(r.name) == text]
    if len(found) == 1:
        return found[0].adcode
    names = {r.adcode: r.name for r in regions}
    if found:
        listed = "、".join(f"{names.get(r.parent or '', '')}{r.name}（{r.adcode}）" for r in found)
        reason = f"“{text}”有{len(found)}个同名{LEVEL_NAMES[level]}：{listed}，请用行政区划代码"
    elif text.isascii() and not text.isdigit() and level == "city":
        reason = f"“{text}”不是河北省设区市的拼音；请用中文名称（可省略“市”）、拼音（如 xingtai）或六位行政区划代码"
    elif text.isascii() and not text.isdigit():
        reason = f"“{text}”不是河北省的{LEVEL_NAMES[level]}；请用中文名称（可省略县、区、市）或六位行政区划代码"
    else:
        where = f"{names.get(within, within)}的" if within else "河北省的"
        reason = f"“{text}”不是{where}{LEVEL_NAMES[level]}名称或行政区划代码"
    raise Invalid(f"{field}：{reason}", errors=[{"field": field, "in": "query", "reason": reason}])


def resolve_filters(graph: Graph, city: str | None = None, county: str | None = None) -> dict[str, str | None]:
    """{city, county} adcodes for a request's place filters (None stays None); one read of the regions."""
    if city is None and county is None:
        return {"city": None, "county": None}
    regions = hebei_regions(graph)
    city_code = resolve(regions, city, "city", "city") if city else None
    county_code = resolve(regions, county, "county", "county", within=city_code) if county else None
    return {"city": city_code, "county": county_code}
