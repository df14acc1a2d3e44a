"""Beijing/Tianjin transfer targets for a cluster's gaps: a pure, explained score over plain candidate facts.

Each feature is 0–1, weighted by seeds/policy/recommendation.json; the breakdown (weight × feature) sums to the
score. Ranked by score, ties broken by USCC, so identical data gives identical lists.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from chainmap.geo import haversine_km, whole_km
from chainmap.policy import FEATURES, RewardPolicy
from chainmap.rewards.rule import Relationship, counted_partners, wan

def key_parameters(config: dict[str, Any], today: dt.date) -> dict[str, Any]:
    """The configuration of the scale, transfer and green parts as Cypher parameters (chainmap.graph.rank_keys)."""
    return {"w": config["weights"], "scale": config["scale"], "core": config["core_districts"],
            "recent_from": today.year - config["transfer"]["recent_expansion_years"],
            "polluting": config["heavily_polluting_prefixes"]}


# The wording of reasons and cautions: a stored ranked list is reused only under the same texts (bump on a change).
TEXTS = "2026-12-03"


@dataclass(frozen=True)
class Candidate:
    uscc: str
    name: str
    region: str
    lon: float
    lat: float
    industry_codes: list[str]
    products: str = ""
    revenue: dict[int, int] = field(default_factory=dict)
    bj_restricted: bool | None = None
    expansion_year: int | None = None
    green_factory: bool | None = None
    hebei_presence: bool = False
    ties: int = 0


@dataclass(frozen=True)
class PartnerCounts:
    """A node's potential 协作配套 partners (local entities in the neighbouring nodes) as the reward outlook needs them:
    how many the reward check's rules count for a firm tied to none of them (`shared`), and, per group parent, how
    many of those are its own branches or members, which the rules do not count for it (`by_group`). `counted` holds
    the counted partners' own codes when they are known (a firm is not its own partner); the graph leaves them out,
    because a candidate is never registered in the target's county (chainmap.recommendations.search)."""

    shared: int
    by_group: Mapping[str, int]
    counted: frozenset[str] = frozenset()

    @classmethod
    def of(cls, relationships: Iterable[Relationship], county: str, today: dt.date,
           policy: RewardPolicy) -> PartnerCounts:
        """Counted with the reward check's own rules (chainmap.rewards.rule.counted_partners)."""
        rels = list(relationships)
        counted = counted_partners("", None, rels, county, today, today, policy)
        groups: dict[str, str | None] = {}
        for r in rels:  # the rules judge a partner by its first relationship
            if r.partner in counted:
                groups.setdefault(r.partner, r.group)
        by_group = Counter(g for partner, g in groups.items() if g and g != partner)
        return cls(len(counted), dict(by_group), frozenset(counted))

    def for_firm(self, uscc: str) -> int:
        """What the rules count for the firm `uscc`: the shared count less its own branches and members (and
        itself)."""
        return self.shared - self.by_group.get(uscc, 0) - (uscc in self.counted)


@dataclass(frozen=True)
class Target:
    """The gap node being filled and the county around it."""

    node_id: str
    node_name: str
    codes: list[str]
    keywords: list[str]
    county: str
    county_name: str
    lon: float
    lat: float
    partners: PartnerCounts   # local entities in the neighbouring nodes (FEEDS, SUPPORTS)


def industry_fit(codes: list[str], target: Target, products: str, config: dict) -> tuple[float, str]:
    levels = config["industry_fit"]
    best, why = 0.0, "行业不相关"
    for code in codes:
        for node_code in target.codes:
            if code == node_code and levels["class"] > best:
                best, why = levels["class"], f"行业小类{code}与环节完全一致"
            elif code[:3] == node_code[:3] and levels["group"] > best:
                best, why = levels["group"], f"行业{code}与环节{node_code}同属中类{code[:3]}"
            elif code[:2] == node_code[:2] and levels["division"] > best:
                best, why = levels["division"], f"行业{code}与环节{node_code}同属大类{code[:2]}"
    hits = [k for k in target.keywords if k and k in products]
    if hits and best > 0:
        best = min(1.0, best + levels["keyword_bonus"])
        why += f"，产品含关键词“{'、'.join(hits[:3])}”"
    return best, why


def scale(revenue: int | None, year: int, config: dict) -> tuple[float, str, bool]:
    """(feature, text, whether the text is a reason rather than a caution)."""
    s = config["scale"]
    threshold = s["threshold_cny"]
    if revenue is None:
        return 0.0, f"缺少{year}年营业收入数据，奖励门槛无法判断", False
    if revenue >= threshold:
        extra = min(1.0, math.log(revenue / threshold) / math.log(s["full_at_multiple"]))
        value = s["at_threshold"] + (1 - s["at_threshold"]) * extra
        return value, f"{year}年营业收入{wan(revenue)}，达到{wan(threshold)}奖励门槛", True
    return (s["at_threshold"] * revenue / threshold,
            f"{year}年营业收入{wan(revenue)}，未达{wan(threshold)}奖励门槛", False)


# The core districts' names (GB/T 2260), so a reason says which one the firm is in.
CORE_DISTRICT_NAMES = {"110101": "东城区", "110102": "西城区", "110105": "朝阳区", "110106": "丰台区", "110107": "石景山区",
                       "110108": "海淀区", "120101": "和平区", "120102": "河东区", "120103": "河西区", "120104": "南开区",
                       "120105": "河北区", "120106": "红桥区"}


def core_district(region: str) -> str:
    ring = "北京城六区" if region.startswith("11") else "天津市内六区"
    name = CORE_DISTRICT_NAMES.get(region)
    if name is None:
        return f"位于{ring}"
    return f"位于{'北京市' if region.startswith('11') else '天津市'}{name}（{ring}之一）"


def transfer(c: Candidate, today: dt.date, config: dict) -> tuple[float, list[str]]:
    signals = {
        # A synthetic flag, not the official 2022 catalogue (not loaded): labelled as sample data wherever shown.
        "样例数据：标注为北京新增产业禁限目录行业，有外迁动因": bool(c.bj_restricted),
        core_district(c.region): c.region in config["core_districts"],
        "已在河北设有分支机构": c.hebei_presence,
        f"近年有扩产动向（{c.expansion_year}年）": bool(c.expansion_year and c.expansion_year >= today.year
                                                - config["transfer"]["recent_expansion_years"]),
    }
    return sum(signals.values()) / len(signals), [text for text, on in signals.items() if on]


def green(c: Candidate, config: dict) -> tuple[float, str | None, str | None]:
    """(feature, reason, caution): what adds to the score is a reason, what speaks against the firm a caution."""
    polluting = any(code.startswith(p) for code in c.industry_codes for p in config["heavily_polluting_prefixes"])
    carbon = "属重污染行业，需与碳达峰、碳中和要求相衔接"
    if c.green_factory and not polluting:
        return 1.0, "绿色工厂", None
    if polluting and not c.green_factory:
        return 0.0, None, carbon
    # Neither: half the weight, and said so (every part of the breakdown that adds to the score is explained).
    if polluting:
        return 0.5, "绿色工厂（属重污染行业，绿色发展计一半）", carbon
    return 0.5, "未认定为绿色工厂，也不属重污染行业（绿色发展计一半）", None


def partner_outlook(c: Candidate, target: Target) -> int:
    """How many local entities could become 协作配套 partners, counted with the reward check's own rules."""
    return target.partners.for_firm(c.uscc)


def score(c: Candidate, target: Target, config: dict, policy: RewardPolicy, today: dt.date) -> dict[str, Any]:
    """The scored recommendation: score, breakdown (sums to the score), Chinese reasons, reward outlook."""
    weights = config["weights"]
    year = today.year - 1
    revenue = c.revenue.get(year)
    fit, fit_why = industry_fit(c.industry_codes, target, c.products, config)
    size, size_why, size_good = scale(revenue, year, config)
    move, move_why = transfer(c, today, config)
    partners = partner_outlook(c, target)
    near = haversine_km(c.lon, c.lat, target.lon, target.lat)
    values = {
        "industry_fit": fit,
        "scale": size,
        "transfer": move,
        "partners": min(1.0, partners / config["partners"]["full_at"]),
        "distance": max(0.0, 1 - near / config["distance"]["zero_at_km"]),
        "ties": min(1.0, c.ties / config["ties"]["full_at"]),
        "green": green(c, config)[0],
    }
    breakdown = {f: round(weights[f] * values[f], 6) for f in FEATURES}
    # Reasons explain the ranking, cautions what speaks against it; reasons every candidate of a list shares (the
    # same partner count, the same distance) are lifted out of the items by the service (common_reasons).
    reasons = [fit_why, *move_why, f"{target.county_name}本地上下游可协作配套市场主体{partners}家",
               f"距{target.county_name}约{whole_km(near)}公里"]
    cautions = []
    (reasons if size_good else cautions).append(size_why)
    if c.ties:
        # 以商招商: the firm already trades with the county's cluster firms, who can make the introduction.
        reasons.append(f"已与{target.county_name}集群企业有{c.ties}项协作配套往来，可请其牵线对接（以商招商）")
    _, green_why, green_caution = green(c, config)
    reasons += [green_why] if green_why else []
    cautions += [green_caution] if green_caution else []
    if fit == 0:
        cautions.append(fit_why)
        reasons.remove(fit_why)
    revenue_ok = None if revenue is None else revenue >= policy.revenue_threshold_cny
    return {
        "enterprise": {"uscc": c.uscc, "name": c.name, "region": c.region, "industry_codes": c.industry_codes},
        "node": {"id": target.node_id, "name": target.node_name},
        "score": round(sum(breakdown.values()), 6),
        "breakdown": breakdown,
        "reasons": reasons,
        "cautions": cautions,
        "reward_outlook": {"revenue_ok": revenue_ok, "potential_local_partners": partners,
                           "likely_eligible": bool(revenue_ok) and partners >= policy.min_partners},
        "distance_km": round(near, 1),
    }


def rank(candidates: list[Candidate], target: Target, config: dict, policy: RewardPolicy, today: dt.date,
         limit: int, best: list[dict[str, Any]] | tuple = ()) -> list[dict[str, Any]]:
    """The best `limit` of the candidates, with `best` (already scored, e.g. an earlier chunk's) among them.
    Candidates are already filtered (a minimum revenue, for one, is applied where they are read)."""
    scored = [*best, *(score(c, target, config, policy, today) for c in candidates)]
    scored.sort(key=lambda r: (-r["score"], r["enterprise"]["uscc"]))
    return scored[:limit]
