"""Policy data, loaded once and passed in: the 三(三)6 reward rule's parameters, the recommendation score's weights,
and the gap thresholds.

Nothing here is a module global: the app factory and the CLI call `load_policies()` once and hand the result to
what needs it, so a test can inject another policy. The reward threshold (上一年度营业收入 ≥ 5000万元) has one
source, the reward policy file; the recommendation score's scale feature reads it from there.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

POLICY_DIR = Path(__file__).resolve().parent.parent / "seeds" / "policy"
REWARD_FILE = POLICY_DIR / "reward-3-3-6.json"
RECOMMENDATION_FILE = POLICY_DIR / "recommendation.json"
# The recommendation score's features, in the order of its breakdown (chainmap.recommendations.score).
FEATURES = ("industry_fit", "scale", "transfer", "partners", "distance", "ties", "green")


@dataclass(frozen=True)
class Thresholds:
    """Gap analysis thresholds (settings: CHAINMAP_WEAK_BELOW, _BOTTLENECK_CUSTOMERS, _OUTSIDE_SHARE)."""

    weak_below: int = 3                      # fewer local entities than this is weak
    single_supplier_customers: int = 3       # a lone local entity serving at least this many local customers
    outside_share: float = 0.5               # more than this share of inbound supply from outside the province
    outside_min_edges: int = 3               # ... judged only with at least this many inbound relationships


@dataclass(frozen=True)
class Reading:
    """One 政策口径: how the article's words are applied, named in every verdict."""

    id: str
    name: str
    value: Any
    text: str


REVENUE_OF = ("investor_for_local_company", "entity")


@dataclass(frozen=True)
class RewardPolicy:
    """The 三(三)6 rule's parameters and readings (seeds/policy/reward-3-3-6.json)."""

    id: str
    version: str
    article: str
    article_cn: str
    document: str
    text: str
    revenue_threshold_cny: int
    min_partners: int
    award_cny: int
    period_start: dt.date
    period_end: dt.date
    introduction_stage: str
    counted_entity_types: frozenset[str]
    # Readings (政策口径), each a parameter of how a word of the article is applied:
    cross_check_registration: bool = True    # 县域外: cross-check the origin with the USCC's and the entity's region
    grace_days: int = 0                      # 带动: relationships from this many days before the introduction count
    revenue_of: str = "investor_for_local_company"   # 上一年度营业收入: whose figure
    follow_on_policy: str | None = None      # 规划期: what applies after the period (None: none configured)
    market_supervision_only: bool = True     # 市场主体: only entities registered with market supervision count
    readings: tuple[Reading, ...] = ()
    max_check_age_days: int = 30   # a grant needs a check whose as_of is at most this old (chainmap.rewards.stale)

    @property
    def reference(self) -> str:
        """依据: the document, the article and its words' source."""
        return f"{self.document}{self.article_cn}"

    def summary(self) -> dict[str, Any]:
        return {"id": self.id, "version": self.version, "article": self.article, "document": self.document,
                "reference": self.reference, "text": self.text,
                "revenue_threshold_cny": self.revenue_threshold_cny, "min_partners": self.min_partners,
                "award_cny": self.award_cny,
                "introduction_period": {"start": self.period_start.isoformat(), "end": self.period_end.isoformat()}}


def reading_text(reading: str, text: str, value: Any) -> str:
    """A reading's text with its value said in words where the text leaves a place for it ({grace}): 可提前宽限期天数
    read as if relationships before the introduction counted while the value was 0."""
    if reading == "driven":
        grace = "不设宽限期" if value == 0 else f"宽限期{value}天，含引进之日前{value}天内开始的关系"
        return text.replace("{grace}", grace)
    return text


def load_reward_policy(path: Path = REWARD_FILE) -> RewardPolicy:
    data = json.loads(path.read_text(encoding="utf-8"))
    if not (data["revenue_threshold_inclusive"] and data["min_partners_inclusive"]):
        raise ValueError("政策原文的门槛含本数（“达…以上”“含5个”），政策参数文件却写成不含：请改回 true")
    r = data["readings"]
    values = {
        "out_of_county": bool(r["out_of_county"]["cross_check_registration"]),
        "driven": int(r["driven"]["grace_days"]),
        "revenue_of": r["revenue_of"]["value"],
        "plan_period": r["plan_period"]["follow_on_policy"],
        "market_entity": bool(r["market_entity"]["market_supervision_only"]),
    }
    if values["revenue_of"] not in REVENUE_OF or values["driven"] < 0:
        raise ValueError(f"readings.revenue_of 须为 {'、'.join(REVENUE_OF)} 之一，readings.driven.grace_days 须不小于 0")
    return RewardPolicy(
        id=data["id"], version=data["version"], article=data["article"], article_cn=data["article_cn"],
        document=data["document"], text=data["text"],
        revenue_threshold_cny=int(data["revenue_threshold_cny"]), min_partners=int(data["min_partners"]),
        award_cny=int(data["award_cny"]),
        period_start=dt.date.fromisoformat(data["introduction_period"]["start"]),
        period_end=dt.date.fromisoformat(data["introduction_period"]["end"]),
        introduction_stage=data["introduction_stage"],
        counted_entity_types=frozenset(data["counted_entity_types"]),
        cross_check_registration=values["out_of_county"], grace_days=values["driven"],
        revenue_of=values["revenue_of"], follow_on_policy=values["plan_period"],
        market_supervision_only=values["market_entity"],
        readings=tuple(Reading(id=k, name=r[k]["name"], value=values[k], text=reading_text(k, r[k]["text"], values[k]))
                       for k in values),
        max_check_age_days=int(data.get("max_check_age_days", 30)),
    )


def load_recommendation_config(reward: RewardPolicy, path: Path = RECOMMENDATION_FILE) -> dict[str, Any]:
    """The score's weights and parameters; the scale feature's threshold is the reward's revenue threshold."""
    config = json.loads(path.read_text(encoding="utf-8"))
    weights = config["weights"]
    if set(weights) != set(FEATURES) or abs(sum(weights.values()) - 1) > 1e-9:
        raise ValueError(f"推荐评分的权重须恰好覆盖 {'、'.join(FEATURES)}，且合计为 1")
    if "threshold_cny" in config["scale"]:
        raise ValueError(f"规模门槛取奖励政策的 revenue_threshold_cny，不在 {path.name} 中单独设定：请删去 scale.threshold_cny")
    config["scale"] = {**config["scale"], "threshold_cny": reward.revenue_threshold_cny}
    return config


@dataclass(frozen=True)
class Policies:
    """Everything policy-shaped a request may need, loaded once per process."""

    reward: RewardPolicy
    recommendation: dict[str, Any] = field(hash=False)


def load_policies(directory: Path = POLICY_DIR) -> Policies:
    reward = load_reward_policy(directory / REWARD_FILE.name)
    config = load_recommendation_config(reward, directory / RECOMMENDATION_FILE.name)
    return Policies(reward=reward, recommendation=config)
