"""Where a firm is: 所属区县 text, or else the registered address, resolved to a county adcode with the project's
regions and their historical names and aliases (seeds/region-aliases.csv), cross-checked with the credit code's
registration region (characters 3-8). Ambiguous, unknown or contradictory places are reasons, never guesses."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from chainmap.imports.text import compact

SUFFIXES = ("自治县", "新区", "县", "区", "市")


@dataclass(frozen=True)
class Region:
    adcode: str
    name: str
    level: str          # province, city, county
    parent: str | None


@dataclass(frozen=True)
class Alias:
    name: str           # 藁城市, 白沟新城, 桥东区
    adcode: str         # the county it means today
    city: str | None    # the city it is read under, when the name alone is ambiguous (桥东区 in 邢台市)
    old_code: str | None  # the code it carried, which old credit codes still show (130182)


@dataclass(frozen=True)
class Place:
    adcode: str
    how: str            # 所属区县, 注册地址, 信用代码 — which column decided it


def stem(name: str) -> str:
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return name


class PlaceIndex:
    """County names, aliases and old codes of the graph's regions, for reading names out of free text."""

    def __init__(self, regions: Iterable[Region], aliases: Iterable[Alias] = ()) -> None:
        self.regions = {r.adcode: r for r in regions}
        self.names: dict[str, set[tuple[str, str | None]]] = defaultdict(set)  # name -> {(adcode, city it needs)}
        self.stems: dict[str, set[str]] = defaultdict(set)
        self.cities: dict[str, str] = {}
        self.old_codes: dict[str, str] = {}
        for r in self.regions.values():
            if r.level == "county":
                self.names[r.name].add((r.adcode, None))
                self.stems[stem(r.name)].add(r.adcode)
            elif r.level == "city":
                self.cities[r.name] = r.adcode
        for a in aliases:
            if a.adcode in self.regions:
                self.names[a.name].add((a.adcode, a.city))
                if a.old_code:
                    self.old_codes[a.old_code] = a.adcode
        self._by_first: dict[str, list[str]] = defaultdict(list)
        for name in sorted([*self.names, *self.cities], key=len, reverse=True):
            self._by_first[name[0]].append(name)

    def name(self, adcode: str) -> str:
        region = self.regions.get(adcode)
        return region.name if region else adcode

    def label(self, adcode: str) -> str:
        region = self.regions.get(adcode)
        if region is None:
            return adcode
        parent = self.regions.get(region.parent or "")
        return f"{parent.name if parent and parent.level == 'city' else ''}{region.name}（{adcode}）"

    def scan(self, text: str) -> tuple[set[tuple[str, str | None]], set[str]]:
        """County candidates and city codes named in `text`, longest name first at each position."""
        counties: set[tuple[str, str | None]] = set()
        cities: set[str] = set()
        i = 0
        while i < len(text):
            for name in self._by_first.get(text[i], ()):
                if text.startswith(name, i):
                    if name in self.cities:
                        cities.add(self.cities[name])
                    counties |= self.names.get(name, set())
                    i += len(name) - 1
                    break
            i += 1
        return counties, cities

    def resolve(self, county: str, address: str, city: str = "", code_region: str | None = None) -> Place:
        """The county adcode, or ValueError naming why not (unknown, ambiguous, contradicting the credit code)."""
        county, address, city = compact(county), compact(address), compact(city)
        hint_cities = self.scan(city)[1] if city else set()
        from_code = self.old_codes.get(code_region or "", code_region)
        place = None
        for text, how in ((county, "所属区县"), (address, "注册地址")):
            if not text:
                continue
            found, cities = self.scan(text)
            if not found and how == "所属区县":
                found = self._stem_candidates(text)
            chosen = self._choose(found, hint_cities | cities, from_code)
            if len(chosen) > 1:
                names = "、".join(self.label(c) for c in sorted(chosen))
                raise ValueError(f"{how}“{text}”可能是{names}，无法确定")
            if chosen:
                place = Place(chosen.pop(), how)
                break
        if place is None:
            if from_code in self.regions and self.regions[from_code].level == "county":
                place = Place(from_code, "信用代码")
            else:
                given = "、".join(t for t in (county, address) if t) or "（空）"
                raise ValueError(f"无法确定所在区县：{given}")
        self.cross_check(place, from_code)
        return place

    def _stem_candidates(self, text: str) -> set[tuple[str, str | None]]:
        """A 所属区县 written without its suffix (清河 for 清河县)."""
        return {(code, None) for code in self.stems.get(stem(text), set())}

    def _choose(self, found: set[tuple[str, str | None]], cities: set[str], from_code: str | None) -> set[str]:
        usable = {code for code, needs in found if needs is None or needs in cities
                  or (from_code is not None and from_code[:4] == (needs or "")[:4])}
        if len(usable) > 1 and cities:
            usable = {c for c in usable if self.regions[c].parent in cities} or usable
        if len(usable) > 1 and from_code:
            usable = {c for c in usable if c[:4] == from_code[:4]} or usable
        return usable

    def cross_check(self, place: Place, from_code: str | None) -> None:
        """The credit code's registration region must contain the place: the county itself, its city or province."""
        if not from_code or place.how == "信用代码":
            return
        region = self.regions.get(from_code)
        if region is None:
            if from_code[:2] != place.adcode[:2]:
                raise ValueError(f"{place.how}为{self.label(place.adcode)}，与统一社会信用代码登记地区{from_code}不一致")
            return
        inside = (from_code == place.adcode if region.level == "county"
                  else self.regions[place.adcode].parent == from_code if region.level == "city"
                  else place.adcode[:2] == from_code[:2])
        if not inside:
            raise ValueError(f"{place.how}为{self.label(place.adcode)}，与统一社会信用代码登记地区"
                             f"{self.label(from_code)}不一致")
