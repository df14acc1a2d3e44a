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
class RewardPolicy:
    """The 三(三)6 rule's parameters (seeds/policy/reward-3-3-6.json)."""

    id: str
    version: str
    article: str
    document: str
    text: str
    revenue_threshold_cny: int
    min_partners: int
    award_cny: int
    period_start: dt.date
    period_end: dt.date
    introduction_stage: str
    counted_entity_types: frozenset[str]

    @property
    def reference(self) -> str:
        return f"{self.article} ({self.id}, version {self.version})"

    def summary(self) -> dict[str, Any]:
        return {"id": self.id, "version": self.version, "article": self.article, "text": self.text,
                "revenue_threshold_cny": self.revenue_threshold_cny, "min_partners": self.min_partners,
                "award_cny": self.award_cny,
                "introduction_period": {"start": self.period_start.isoformat(), "end": self.period_end.isoformat()}}


def load_reward_policy(path: Path = REWARD_FILE) -> RewardPolicy:
    data = json.loads(path.read_text(encoding="utf-8"))
    if not (data["revenue_threshold_inclusive"] and data["min_partners_inclusive"]):
        raise ValueError("the rule's thresholds are inclusive (达…以上, 含5个); the policy file says otherwise")
    return RewardPolicy(
        id=data["id"], version=data["version"], article=data["article"], document=data["document"], text=data["text"],
        revenue_threshold_cny=int(data["revenue_threshold_cny"]), min_partners=int(data["min_partners"]),
        award_cny=int(data["award_cny"]),
        period_start=dt.date.fromisoformat(data["introduction_period"]["start"]),
        period_end=dt.date.fromisoformat(data["introduction_period"]["end"]),
        introduction_stage=data["introduction_stage"],
        counted_entity_types=frozenset(data["counted_entity_types"]),
    )


def load_recommendation_config(reward: RewardPolicy, path: Path = RECOMMENDATION_FILE) -> dict[str, Any]:
    """The score's weights and parameters; the scale feature's threshold is the reward's revenue threshold."""
    config = json.loads(path.read_text(encoding="utf-8"))
    weights = config["weights"]
    if set(weights) != set(FEATURES) or abs(sum(weights.values()) - 1) > 1e-9:
        raise ValueError(f"recommendation weights must cover {FEATURES} and sum to 1")
    if "threshold_cny" in config["scale"]:
        raise ValueError("the scale threshold is the reward policy's revenue_threshold_cny; remove it from "
                         f"{path.name}")
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
