"""Import profiles (导入模板): data files in seeds/import-profiles/ that map a source's Chinese headers to fields.
Headers match after trimming and full-width/half-width normalisation; a unit in brackets (营业收入（万元）) and a
year in front (2024年营业收入) are read off the header. Without --profile the best-fitting profile is chosen."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from chainmap.imports.text import compact, header_key


@dataclass(frozen=True)
class Column:
    index: int
    header: str
    unit: str | None = None
    year: int | None = None


@dataclass(frozen=True)
class Profile:
    name: str
    title: str
    kind: str                                   # registry, partners
    fields: dict[str, tuple[str, ...]]          # field -> accepted headers
    required: tuple[tuple[str, ...], ...]       # each: one of these fields must be present

    def columns(self, headers: list[str]) -> dict[str, Column]:
        """Which column holds each field: the first matching header, and each further revenue column of another year
        as `revenue@<year>` (a statistics list often has 2023年营业收入 and 2024年营业收入 side by side)."""
        return self._match(headers)[0]

    def clashes(self, headers: list[str]) -> list[str]:
        """Why the headers cannot be read with this profile: two columns for one field (which one is meant is not
        ours to guess: they may differ row by row), or revenue years in both a 年度 column and the headers."""
        found, repeated = self._match(headers)
        reasons = [f"表头第{a.index + 1}列“{a.header.strip()}”和第{b.index + 1}列“{b.header.strip()}”表示同一项内容，"
                   "无法确定按哪一列读取：请删除或改名其中一列" for _, a, b in repeated]
        years = [c for n, c in found.items() if n.startswith("revenue@")]
        if years and "revenue_year" in found:
            reasons.append(f"表中既有“{found['revenue_year'].header.strip()}”列，又有多个写明年份的营业收入列，"
                           "无法确定营业收入的年度：请只保留一种写法")
        return reasons

    def _match(self, headers: list[str]) -> tuple[dict[str, Column], list[tuple[str, Column, Column]]]:
        wanted = {compact(alias): name for name, aliases in self.fields.items() for alias in aliases}
        found: dict[str, Column] = {}
        repeated: list[tuple[str, Column, Column]] = []
        for index, header in enumerate(headers):
            key, unit, year = header_key(header)
            name = wanted.get(key)
            if not name:
                continue
            column = Column(index, header, unit, year)
            if name not in found:
                found[name] = column
            elif name == "revenue" and year is not None and found[name].year is not None \
                    and year != found[name].year and f"revenue@{year}" not in found:
                found[f"revenue@{year}"] = column
            else:
                repeated.append((name, found.get(f"{name}@{year}", found[name]), column))
        return found, repeated

    def missing(self, columns: dict[str, Column]) -> list[str]:
        """The required fields (as header names) the columns lack."""
        return ["或".join(self.fields[f][0] for f in group) for group in self.required
                if not any(f in columns for f in group)]


@dataclass(frozen=True)
class Choice:
    profile: Profile
    columns: dict[str, Column]
    how: str           # 指定 or 自动识别, with the reason, for the report


def load_profiles(directory: Path) -> dict[str, Profile]:
    profiles = {}
    for path in sorted(directory.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        required = tuple(tuple(r) if isinstance(r, list) else (r,) for r in data["required"])
        profiles[data["name"]] = Profile(data["name"], data["title"], data["kind"],
                                         {k: tuple(v) for k, v in data["fields"].items()}, required)
    return profiles


def choose(profiles: dict[str, Profile], headers: list[str], name: str | None = None, kind: str | None = None) -> Choice:
    """The named profile, or the one whose required headers are all present and that matches most columns;
    ValueError (in Chinese) when none fits."""
    if name:
        if name not in profiles:
            raise ValueError(f"没有名为 {name} 的导入模板；可用：{'、'.join(sorted(profiles))}")
        profile = profiles[name]
        columns = profile.columns(headers)
        if missing := profile.missing(columns):
            raise ValueError(f"表头缺少模板“{profile.title}”要求的列：{'、'.join(missing)}")
        if clashes := profile.clashes(headers):
            raise ValueError("；".join(clashes))
        return Choice(profile, columns, f"指定模板“{profile.title}”")
    fits = []
    for profile in profiles.values():
        if kind and profile.kind != kind:
            continue
        columns = profile.columns(headers)
        if not profile.missing(columns):
            fits.append((len(columns), profile.name, profile, columns))
    if not fits:
        titles = "、".join(f"“{p.title}”" for _, p in sorted(profiles.items()) if not kind or p.kind == kind)
        raise ValueError(f"表头与任何导入模板（{titles}）都不相符：请检查表头是否与模板一致，或指定导入模板")
    fits.sort(key=lambda f: (-f[0], f[1]))
    count, _, profile, columns = fits[0]
    if clashes := profile.clashes(headers):
        raise ValueError(f"按表头识别为“{profile.title}”，但" + "；".join(clashes))
    others = "；".join(f"“{f[2].title}”匹配{f[0]}列" for f in fits[1:])
    return Choice(profile, columns, f"按表头自动识别为“{profile.title}”（匹配{count}列{'；其他：' + others if others else ''}）")
