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
        """Which column holds each field (the first matching header wins)."""
        wanted = {compact(alias): name for name, aliases in self.fields.items() for alias in aliases}
        found: dict[str, Column] = {}
        for index, header in enumerate(headers):
            key, unit, year = header_key(header)
            name = wanted.get(key)
            if name and name not in found:
                found[name] = Column(index, header, unit, year)
        return found

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
    others = "；".join(f"“{f[2].title}”匹配{f[0]}列" for f in fits[1:])
    return Choice(profile, columns, f"按表头自动识别为“{profile.title}”（匹配{count}列{'；其他：' + others if others else ''}）")
