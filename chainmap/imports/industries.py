"""What a firm does: industry text or 国标行业 names resolved to GB/T 4754-2017 classes through the classification
the graph holds. A name that matches nothing is a reason with the closest candidates; a name that only reaches a
division or group (the usual 所属行业 of commercial exports) is a note, and no class is claimed."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from chainmap.imports.text import compact

# GB/T 4754-2017 门类 (sections): the graph holds divisions to classes, but 所属行业 is often only a section name.
SECTIONS = {"A": "农、林、牧、渔业", "B": "采矿业", "C": "制造业", "D": "电力、热力、燃气及水生产和供应业", "E": "建筑业",
            "F": "批发和零售业", "G": "交通运输、仓储和邮政业", "H": "住宿和餐饮业", "I": "信息传输、软件和信息技术服务业",
            "J": "金融业", "K": "房地产业", "L": "租赁和商务服务业", "M": "科学研究和技术服务业",
            "N": "水利、环境和公共设施管理业", "O": "居民服务、修理和其他服务业", "P": "教育", "Q": "卫生和社会工作",
            "R": "文化、体育和娱乐业", "S": "公共管理、社会保障和社会组织", "T": "国际组织"}
_CODE = re.compile(r"^([A-T])?(\d{2,4})")
_NAME_NOISE = re.compile(r"[\s()（）\[\]【】、，,。.·]")


@dataclass(frozen=True)
class Industry:
    code: str
    name: str
    level: str   # division, group, class


@dataclass(frozen=True)
class Match:
    """A resolution: a class code, or a coarser code it stops at, with a note or the reason it failed."""

    code: str | None = None          # four-digit class
    coarse: Industry | None = None   # a division or group, when no class is named
    reason: str | None = None        # no match at all (with candidates)
    candidates: tuple[str, ...] = field(default_factory=tuple)


def _key(name: str) -> str:
    return _NAME_NOISE.sub("", compact(name))


def closest(name: str, pool: list[str], n: int = 3) -> list[str]:
    """The names most alike (difflib's ratio; Chinese names share few characters, so the bar is low)."""
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(name)
    scored = []
    for other in pool:
        matcher.set_seq1(other)
        if matcher.real_quick_ratio() >= 0.2 and matcher.quick_ratio() >= 0.2 and (score := matcher.ratio()) >= 0.2:
            scored.append((-score, other))
    return [other for _, other in sorted(scored)[:n]]


class IndustryIndex:
    def __init__(self, industries: Iterable[Industry]) -> None:
        self.by_code = {i.code: i for i in industries}
        self.by_name: dict[str, Industry] = {}
        sections = [Industry(letter, name, "section") for letter, name in SECTIONS.items()]
        for industry in [*sorted(self.by_code.values(), key=lambda i: -len(i.code)), *sections]:  # a class wins a name
            self.by_name.setdefault(_key(industry.name), industry)
        self._names = list(self.by_name)
        self.resolve = lru_cache(maxsize=20000)(self._resolve)

    def describe(self, code: str) -> str:
        industry = self.by_code.get(code)
        return f"{code} {industry.name}" if industry else code

    def _resolve(self, text: str, within: str = "") -> Match:
        """'C1811运动机织服装制造', '1811', '运动机织服装制造' -> class 1811; within: a group or division the
        name must fall under (from the 国标行业 columns)."""
        raw = compact(text)
        if not raw:
            return Match()
        if match := _CODE.match(raw):
            found = self.by_code.get(match.group(2))
            if found:
                return self._found(found)
            raw = raw[match.end():]
        found = self.by_name.get(_key(raw))
        if found and (not within or found.code.startswith(within)):
            return self._found(found)
        pool = [n for n in self._names if self.by_name[n].code.startswith(within)] if within else self._names
        close = closest(_key(raw), pool)
        candidates = tuple(self.describe(self.by_name[n].code) for n in close)
        hint = f"，最接近的：{'；'.join(candidates)}" if candidates else ""
        return Match(reason=f"行业“{text}”在国民经济行业分类（GB/T 4754-2017）中找不到{hint}", candidates=candidates)

    def _found(self, industry: Industry) -> Match:
        if industry.level == "class":
            return Match(code=industry.code)
        return Match(coarse=industry)

    def resolve_columns(self, division: str, group: str, klass: str) -> Match:
        """国标行业大类/中类/小类 (the 门类 letter adds nothing a class code lacks): the most specific that is given."""
        outer = ""
        for text in (division, group):
            if text:
                found = self.resolve(text, outer)
                if found.reason:
                    return found
                outer = found.coarse.code if found.coarse else (found.code or outer)
        if klass:
            return self.resolve(klass, outer)
        return Match(coarse=self.by_code.get(outer)) if outer else Match()
