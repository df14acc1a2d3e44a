"""The 三(三)6 reward rule as plain functions over plain facts: every condition explained, nothing guessed.

A newly introduced out-of-county enterprise whose prior-year operating revenue is ≥ the threshold and which drives
≥ the minimum number of local market entities in 协作配套 receives a one-time award. Parameters come from the policy
file (seeds/policy/reward-3-3-6.json); a missing fact makes its check `unknown` and the outcome `undetermined`.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chainmap import uscc

POLICY_FILE = Path(__file__).resolve().parent.parent / "seeds" / "policy" / "reward-3-3-6.json"


@dataclass(frozen=True)
class Policy:
    id: str
    version: str
    article: str
    text: str
    revenue_threshold_cny: int
    min_partners: int
    award_cny: int
    period_start: dt.date
    period_end: dt.date
    introduction_stage: str
    counted_entity_types: frozenset[str]
    max_check_age_days: int = 30  # a grant needs a check whose as_of is at most this old (chainmap.stale_checks)

    @property
    def reference(self) -> str:
        return f"{self.article} ({self.id}, version {self.version})"

    def summary(self) -> dict[str, Any]:
        return {"id": self.id, "version": self.version, "article": self.article, "text": self.text,
                "revenue_threshold_cny": self.revenue_threshold_cny, "min_partners": self.min_partners,
                "award_cny": self.award_cny,
                "introduction_period": {"start": self.period_start.isoformat(), "end": self.period_end.isoformat()}}


def load_policy(path: Path = POLICY_FILE) -> Policy:
    data = json.loads(path.read_text(encoding="utf-8"))
    if not (data["revenue_threshold_inclusive"] and data["min_partners_inclusive"]):
        raise ValueError("the rule's thresholds are inclusive (达…以上, 含5个); the policy file says otherwise")
    return Policy(
        id=data["id"], version=data["version"], article=data["article"], text=data["text"],
        revenue_threshold_cny=int(data["revenue_threshold_cny"]), min_partners=int(data["min_partners"]),
        award_cny=int(data["award_cny"]),
        period_start=dt.date.fromisoformat(data["introduction_period"]["start"]),
        period_end=dt.date.fromisoformat(data["introduction_period"]["end"]),
        introduction_stage=data["introduction_stage"],
        counted_entity_types=frozenset(data["counted_entity_types"]),
        max_check_age_days=int(data.get("max_check_age_days", 30)),
    )


@dataclass(frozen=True)
class Relationship:
    """One 协作配套 relationship of the enterprise with a partner, and the partner's registration facts."""

    partner: str
    name: str | None
    entity_type: str | None
    region: str | None
    status: str | None
    group: str | None
    relation: str
    since: dt.date
    until: dt.date | None


def count_partners(enterprise: str, enterprise_group: str | None, relationships: list[Relationship], county: str,
                   start: dt.date, end: dt.date, policy: Policy) -> tuple[list[dict], list[dict]]:
    """Distinct local market entities in 协作配套 with the enterprise during [start, end]: (counted, excluded).

    Shared by the reward check and the recommendations' reward outlook, so both count the same way.
    """
    counted: dict[str, dict] = {}
    excluded: list[dict] = []
    entity_reason: dict[str, str | None] = {}
    for rel in sorted(relationships, key=lambda r: (r.partner, r.since, r.relation)):
        if rel.partner not in entity_reason:
            entity_reason[rel.partner] = _entity_exclusion(enterprise, enterprise_group, rel, county, policy)
        reason = entity_reason[rel.partner]
        if reason is None:
            reason = _period_exclusion(rel, start, end)
        if reason is None and rel.partner in counted:
            reason = "duplicate: another relationship with the same partner is already counted"
        if reason is None:
            counted[rel.partner] = {"uscc": rel.partner, "name": rel.name, "entity_type": rel.entity_type,
                                    "relation": rel.relation, "since": rel.since.isoformat()}
        else:
            excluded.append({"uscc": rel.partner, "name": rel.name, "reason": reason})
    # A partner excluded only for one relationship's dates but counted through another is not "excluded".
    excluded = [e for e in excluded if e["uscc"] not in counted or e["reason"].startswith("duplicate")]
    return list(counted.values()), excluded


def _entity_exclusion(enterprise: str, group: str | None, rel: Relationship, county: str, policy: Policy) -> str | None:
    if rel.partner == enterprise:
        return "the enterprise itself"
    if rel.group == enterprise:
        return "a branch or member of the enterprise's own group"
    if group and (rel.partner == group or rel.group == group):
        return "an entity of the enterprise's own group"
    if not uscc.is_valid(rel.partner):
        return "no valid market-supervision registration (USCC fails GB 32100-2015)"
    if rel.region != county:
        return f"registered outside the county ({rel.region or 'unknown region'}, not {county})"
    if rel.status != "active":
        return f"not an active registration ({rel.status or 'status unknown'})"
    if rel.entity_type not in policy.counted_entity_types:
        return f"entity type {rel.entity_type or 'unknown'} is not a market entity counted by the rule"
    return None


def _period_exclusion(rel: Relationship, start: dt.date, end: dt.date) -> str | None:
    if rel.since > end:
        return f"relationship began {rel.since.isoformat()}, after the assessed period ending {end.isoformat()}"
    if rel.until is not None and rel.until < start:
        return f"relationship ended {rel.until.isoformat()}, before the assessed period starting {start.isoformat()}"
    return None


@dataclass(frozen=True)
class Facts:
    """What the graph says about one enterprise and one cluster, as plain data."""

    enterprise: str
    enterprise_name: str
    enterprise_region: str
    enterprise_group: str | None
    revenue: dict[int, int]
    cluster: str
    county: str
    introductions: list[dict]          # {id, origin_region, introduced_on (date), stage}
    relationships: list[Relationship]
    grants: list[dict]                 # {id, check, granted_at} for this enterprise and policy


def _check(rule: str, status: str, actual: Any, expected: Any, reference: str, message: str) -> dict:
    return {"rule": rule, "status": status, "actual": actual, "expected": expected, "reference": reference,
            "message": message}


def evaluate(facts: Facts, policy: Policy, as_of: dt.date) -> dict[str, Any]:
    """The verdict with each condition's status, actual and expected values, and the partner lists."""
    ref = policy.reference
    checks = []

    eligible_intros = [
        i for i in facts.introductions
        if i["stage"] == policy.introduction_stage and policy.period_start <= i["introduced_on"] <= policy.period_end
        and i["introduced_on"] <= as_of
    ]
    intro = max(eligible_intros, key=lambda i: (i["introduced_on"], i["id"])) if eligible_intros else None
    if intro:
        checks.append(_check("introduced", "passed", {"introduction": intro["id"], "stage": intro["stage"],
                                                      "introduced_on": intro["introduced_on"].isoformat()},
                             f"{policy.introduction_stage}, introduced {policy.period_start}–{policy.period_end}, "
                             f"not after {as_of}", ref, "新引进: a landed introduction within the plan period"))
    else:
        seen = [{"introduction": i["id"], "stage": i["stage"], "introduced_on": i["introduced_on"].isoformat()}
                for i in sorted(facts.introductions, key=lambda i: i["id"])]
        why = ("no introduction of this enterprise into this cluster is recorded" if not seen else
               "no recorded introduction is landed, within the plan period and on or before as_of")
        checks.append(_check("introduced", "failed", seen,
                             f"{policy.introduction_stage}, introduced {policy.period_start}–{policy.period_end}, "
                             f"not after {as_of}", ref, why))

    if intro is None:
        checks.append(_check("out_of_county", "failed", None, f"origin outside {facts.county}", ref,
                             "no qualifying introduction, so no origin to assess"))
    elif intro["origin_region"] != facts.county:
        checks.append(_check("out_of_county", "passed", intro["origin_region"], f"not {facts.county}", ref,
                             "县域外企业: introduced from outside the cluster's county"))
    else:
        checks.append(_check("out_of_county", "failed", intro["origin_region"], f"not {facts.county}", ref,
                             "the introduction's origin is the cluster's own county"))

    year = as_of.year - 1
    figure = facts.revenue.get(year)
    threshold = policy.revenue_threshold_cny
    if figure is None:
        checks.append(_check("revenue", "unknown", None, f">= {threshold} CNY in {year}", ref,
                             f"no operating revenue figure for {year} is recorded; the outcome cannot be decided"))
    else:
        status = "passed" if figure >= threshold else "failed"
        checks.append(_check("revenue", status, figure, f">= {threshold} CNY in {year}", ref,
                             f"上一年度营业收入 {figure} CNY ({year}) {'meets' if status == 'passed' else 'is below'} "
                             f"the threshold"))

    start = intro["introduced_on"] if intro else policy.period_start
    counted, excluded = count_partners(facts.enterprise, facts.enterprise_group, facts.relationships, facts.county,
                                       start, as_of, policy)
    status = "passed" if len(counted) >= policy.min_partners else "failed"
    checks.append(_check("partners", status, len(counted), f">= {policy.min_partners} local market entities", ref,
                         f"{len(counted)} distinct active local market entities in 协作配套 between {start} and "
                         f"{as_of}; {len(excluded)} excluded"))

    if facts.grants:
        first = min(facts.grants, key=lambda g: g["granted_at"])
        checks.append(_check("not_already_granted", "failed", first["id"], "no earlier grant", ref,
                             f"already granted once (grant {first['id']}); the award is one-time"))
    else:
        checks.append(_check("not_already_granted", "passed", None, "no earlier grant", ref,
                             "no grant recorded for this enterprise under this policy"))

    statuses = {c["status"] for c in checks}
    outcome = "ineligible" if "failed" in statuses else "undetermined" if "unknown" in statuses else "eligible"
    return {
        "enterprise": {"uscc": facts.enterprise, "name": facts.enterprise_name, "region": facts.enterprise_region},
        "cluster": {"id": facts.cluster, "county": facts.county},
        "outcome": outcome,
        "amount_cny": policy.award_cny if outcome == "eligible" else 0,
        "policy": policy.summary(),
        "as_of": as_of.isoformat(),
        "checks": checks,
        "partners": {"counted": counted, "excluded": excluded},
    }
