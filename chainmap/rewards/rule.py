"""The 三(三)6 reward rule as plain functions over plain facts: every condition explained in the officer's language.

A newly introduced out-of-county enterprise whose prior-year operating revenue is ≥ the threshold and which drives
≥ the minimum number of local market entities in 协作配套 receives a one-time award. Parameters and readings
(政策口径: how 县域外, 带动, whose revenue, the plan period and 市场主体 are applied) come from the policy file
(seeds/policy/reward-3-3-6.json, loaded by chainmap.policy) and are named in every verdict; a missing fact makes
its check `unknown` and the outcome `undetermined`. Codes stay in the JSON keys; every sentence is Chinese.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from collections.abc import Iterable
from typing import Any

from chainmap import uscc
from chainmap.policy import RewardPolicy
from chainmap.vocab import (ENTITY_TYPE_NAMES, INTRODUCTION_STAGE_NAMES, MARKET_SUPERVISION, REGISTRATION_AUTHORITIES,
                            RELATION_NAMES, UNKNOWN_TYPE_NAME)

STATUS_NAMES = {"passed": "符合", "failed": "不符合", "unknown": "无法判定"}
OUTCOME_NAMES = {"eligible": "符合奖励条件", "ineligible": "不符合奖励条件", "undetermined": "暂无法认定"}
RULE_NAMES = {"introduced": "新引进", "out_of_county": "县域外企业", "revenue": "上一年度营业收入",
              "partners": "带动本地市场主体协作配套", "not_already_granted": "一次性奖励（未曾奖励）"}


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
    authority: str | None = None    # registration authority as the data says; else the USCC's first character


@dataclass(frozen=True)
class Investor:
    """The out-of-county investor behind an introduced entity (its group parent, recorded on the introduction)."""

    uscc: str
    name: str | None
    region: str | None
    revenue: dict[int, int] = field(default_factory=dict)


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
    introductions: list[dict]          # {id, name, origin_region, introduced_on (date), stage, investor (uscc or None)}
    relationships: list[Relationship]
    grants: list[dict]                 # {id, check, granted_at} for this enterprise and policy
    investors: dict[str, Investor] = field(default_factory=dict)   # by USCC, those the introductions name
    places: dict[str, str] = field(default_factory=dict)           # adcode -> 行政区划名称, for the wording
    cluster_name: str | None = None
    registered_on: dt.date | None = None                          # the introduced firm's 成立日期, when recorded


def wan(cny: int) -> str:
    """An amount in 万元 as officers read it (exact: 49,999,999 元 is 4999.9999万元)."""
    text = f"{cny / 10_000:.4f}".rstrip("0").rstrip(".")
    return f"{text}万元"


def _place(code: str | None, places: dict[str, str]) -> str:
    if not code:
        return "未知地区"
    return f"{places[code]}（{code}）" if code in places else code


def count_partners(enterprise: str, enterprise_group: str | None, relationships: Iterable[Relationship], county: str,
                   start: dt.date, end: dt.date, policy: RewardPolicy,
                   introduced_on: dt.date | None = None, investor: str | None = None,
                   places: dict[str, str] | None = None) -> tuple[list[dict], list[dict]]:
    """Distinct local market entities in 协作配套 with the enterprise during [start, end]: (counted, excluded).

    With `introduced_on`, the 带动 reading applies: a relationship that began more than the grace period before the
    introduction existed before it and was not driven by it. Shared by the reward check and the recommendations'
    reward outlook, so both count the same way. `investor`: the out-of-county parent recorded on the introduction of
    a locally registered entity; the check already takes it for the enterprise (县域外, revenue), so it and its own
    branches and members are the enterprise's own too, not local partners it drives.
    """
    counted: dict[str, dict] = {}
    excluded: list[dict] = []
    entity_reason: dict[str, str | None] = {}
    driven_from = introduced_on - dt.timedelta(days=policy.grace_days) if introduced_on else None
    for rel in sorted(relationships, key=lambda r: (r.partner, r.since, r.relation)):
        if rel.partner not in entity_reason:
            entity_reason[rel.partner] = _entity_exclusion(enterprise, enterprise_group, rel, county, policy, investor,
                                                           places or {})
        reason = entity_reason[rel.partner] or _period_exclusion(rel, start, end, driven_from)
        if reason is None and rel.partner in counted:
            continue  # the entity is counted once; its other relationship leaves nobody out
        if reason is None:
            counted[rel.partner] = {"uscc": rel.partner, "name": rel.name, "entity_type": rel.entity_type,
                                    "entity_type_name": ENTITY_TYPE_NAMES.get(rel.entity_type or "", UNKNOWN_TYPE_NAME),
                                    "relation": rel.relation, "relation_name": RELATION_NAMES.get(rel.relation, rel.relation),
                                    "since": rel.since.isoformat()}
        else:
            excluded.append({"uscc": rel.partner, "name": rel.name,
                             "entity_type_name": ENTITY_TYPE_NAMES.get(rel.entity_type or "", UNKNOWN_TYPE_NAME),
                             "relation_name": RELATION_NAMES.get(rel.relation, rel.relation),
                             "since": rel.since.isoformat(), "reason": reason})
    # A partner excluded only for one relationship's dates but counted through another is not "excluded".
    excluded = [e for e in excluded if e["uscc"] not in counted]
    return list(counted.values()), excluded


def excluded_entities(excluded: list[dict]) -> int:
    """How many entities the excluded list names (an entity may appear once per relationship)."""
    return len({e["uscc"] for e in excluded})


def counted_partners(enterprise: str, enterprise_group: str | None, relationships: Iterable[Relationship],
                     county: str, start: dt.date, end: dt.date, policy: RewardPolicy) -> set[str]:
    """The partners count_partners counts (without `introduced_on`), by USCC and without the explanations: the
    recommendations' reward outlook asks only how many, of thousands of potential partners at province scale."""
    counted: set[str] = set()
    entity_reason: dict[str, str | None] = {}
    for rel in relationships:
        if rel.partner in counted:
            continue
        if rel.partner not in entity_reason:
            entity_reason[rel.partner] = _entity_exclusion(enterprise, enterprise_group, rel, county, policy)
        if entity_reason[rel.partner] is None and _period_exclusion(rel, start, end, None) is None:
            counted.add(rel.partner)
    return counted


def authority_of(rel: Relationship) -> str | None:
    """The registration authority code: as the data says, else the USCC's first character."""
    return rel.authority or (rel.partner[0] if rel.partner else None)


def _entity_exclusion(enterprise: str, group: str | None, rel: Relationship, county: str,
                      policy: RewardPolicy, investor: str | None = None,
                      places: dict[str, str] | None = None) -> str | None:
    if rel.partner == enterprise:
        return "引进企业自身"
    if rel.group and rel.group == enterprise:  # a partner without a group is nobody's branch
        return "引进企业自身的分支机构或成员企业"
    if group and (rel.partner == group or rel.group == group):
        return "与引进企业同属一个集团"
    if investor and rel.partner == investor:
        return "引进企业的投资方（已按投资方认定县域外企业和营业收入）"
    if investor and rel.group == investor:
        return "投资方的分支机构或成员企业，与引进企业同属一个集团"
    if not uscc.is_valid(rel.partner):
        return "统一社会信用代码无效（不符合GB 32100-2015校验），无法确认登记"
    authority = authority_of(rel)
    if policy.market_supervision_only and authority != MARKET_SUPERVISION:
        where = REGISTRATION_AUTHORITIES.get(authority or "", "其他部门")
        return f"未在市场监督管理部门登记（登记管理部门：{where}），不属于条款所称市场主体"
    if rel.region != county:
        return f"登记地不在本县（{_place(rel.region, places or {})}，本县为{_place(county, places or {})}）"
    if rel.status != "active":
        return {"deregistered": "已注销", "moved": "已迁出"}.get(rel.status or "", "登记状态非存续（状态不明）")
    if rel.entity_type not in policy.counted_entity_types:
        return f"主体类型“{ENTITY_TYPE_NAMES.get(rel.entity_type or '', rel.entity_type or '未知')}”不计入"
    return None


def _period_exclusion(rel: Relationship, start: dt.date, end: dt.date, driven_from: dt.date | None) -> str | None:
    if rel.since > end:
        return f"关系始于{rel.since.isoformat()}，晚于核查基准日{end.isoformat()}"
    if rel.until is not None and rel.until < start:
        return f"关系已于{rel.until.isoformat()}终止，早于核查期间起点{start.isoformat()}"
    if driven_from is not None and rel.since < driven_from:
        return f"引进前已存在（关系始于{rel.since.isoformat()}，非引进带动）"
    return None


def _check(rule: str, status: str, actual: Any, expected: str, policy: RewardPolicy, message: str,
           **extra: Any) -> dict:
    return {"rule": rule, "name": RULE_NAMES[rule], "status": status, "status_name": STATUS_NAMES[status],
            "actual": actual, "expected": expected, "reference": policy.reference, "message": message, **extra}


def _introduced(facts: Facts, policy: RewardPolicy, as_of: dt.date) -> tuple[dict | None, dict]:
    period = f"{policy.period_start.isoformat()}至{policy.period_end.isoformat()}"
    expected = f"已落地的引进项目，引进日期在规划期（{period}）内且不晚于核查基准日"
    eligible = [i for i in facts.introductions
                if i["stage"] == policy.introduction_stage and policy.period_start <= i["introduced_on"] <= policy.period_end
                and i["introduced_on"] <= as_of]
    intro = max(eligible, key=lambda i: (i["introduced_on"], i["id"])) if eligible else None
    if intro and facts.registered_on and facts.registered_on > as_of:
        # A firm founded after the day asked about did not exist on it, whatever the project record says.
        return None, _check("introduced", "failed", {"introduction": intro["id"],
                                                     "registered_on": facts.registered_on.isoformat()},
                            expected, policy, f"引进主体成立于{facts.registered_on.isoformat()}，晚于核查基准日"
                                              f"{as_of.isoformat()}，基准日时尚未成立")
    if intro:
        return intro, _check("introduced", "passed", {"introduction": intro["id"], "stage": intro["stage"],
                                                      "introduced_on": intro["introduced_on"].isoformat()},
                             expected, policy, f"引进项目“{project_name(facts, intro)}”已于"
                                               f"{intro['introduced_on'].isoformat()}落地，在规划期内")
    projects = sorted(facts.introductions, key=lambda i: i["id"])
    seen = [{"introduction": i["id"], "stage": i["stage"], "introduced_on": i["introduced_on"].isoformat()}
            for i in projects]
    why = ("未记录该企业引进本集群的项目" if not seen else
           "；".join(_not_introduced(facts, i, policy, as_of) for i in projects))
    return None, _check("introduced", "failed", seen, expected, policy, why)


def _not_introduced(facts: Facts, intro: dict, policy: RewardPolicy, as_of: dt.date) -> str:
    """Why one recorded project does not count as 新引进, in the officer's words."""
    name, day = project_name(facts, intro), intro["introduced_on"].isoformat()
    if intro["stage"] != policy.introduction_stage:
        stage = INTRODUCTION_STAGE_NAMES.get(intro["stage"], intro["stage"])
        return f"引进项目“{name}”处于“{stage}”阶段，尚未落地"
    if not policy.period_start <= intro["introduced_on"] <= policy.period_end:
        return f"引进项目“{name}”的引进日期{day}不在规划期内"
    return f"引进项目“{name}”的引进日期{day}晚于核查基准日{as_of.isoformat()}"


def project_name(facts: Facts, intro: dict) -> str:
    """A project as officers call it: its name, else the introduced firm's (the id stays in the JSON)."""
    return intro.get("name") or f"{facts.enterprise_name or facts.enterprise}引进项目"


def _registered_in_county(facts: Facts) -> bool:
    """The introduced entity is registered in the cluster's county: by its region or its USCC's characters 3–8."""
    code_region = facts.enterprise[2:8] if uscc.is_valid(facts.enterprise) else None
    return facts.county in (facts.enterprise_region, code_region)


def _investor(facts: Facts, intro: dict | None) -> Investor | None:
    return facts.investors.get(intro.get("investor") or "") if intro else None


def _out_of_county(facts: Facts, policy: RewardPolicy, intro: dict | None) -> dict:
    county, places = facts.county, facts.places
    expected = f"引进主体（或其投资方）登记于{_place(county, places)}以外"
    if intro is None:
        # Without a qualifying introduction there is no reported origin (nor investor) to judge; 新引进 already fails
        # the verdict. The registration still says where the firm is, and the officer reads it (大兴's firm is 县域外).
        if not _registered_in_county(facts):
            reported = sorted({i["origin_region"] for i in facts.introductions})
            said = (f"，与项目填报的来源地{'、'.join(_place(o, places) for o in reported)}未作核对" if reported
                    else "")
            return _check("out_of_county", "passed", facts.enterprise_region, expected, policy,
                          f"引进主体登记于{_place(facts.enterprise_region, places)}，在县域外（按登记地认定：无符合条件"
                          f"的引进项目{said}）")
        return _check("out_of_county", "unknown", None, expected, policy,
                      "引进主体登记于本县，且无符合条件的引进项目，无法认定县域外来源或投资方")
    origin = intro["origin_region"]
    if origin == county:
        return _check("out_of_county", "failed", origin, expected, policy, "填报的来源地即本县，不属于县域外企业")
    if not policy.cross_check_registration:
        return _check("out_of_county", "passed", origin, expected, policy,
                      f"填报的来源地为{_place(origin, places)}（未交叉核验登记地）")
    if not _registered_in_county(facts):
        return _check("out_of_county", "passed", origin, expected, policy,
                      f"引进主体登记于{_place(facts.enterprise_region, places)}，来源地{_place(origin, places)}，"
                      f"均在县域外")
    investor = _investor(facts, intro)
    if investor is not None and investor.region and investor.region != county:
        return _check("out_of_county", "passed", {"origin": origin, "investor": investor.uscc}, expected, policy,
                      f"引进主体为本县新设企业，其投资方{investor.name or investor.uscc}（{investor.uscc}）登记于"
                      f"{_place(investor.region, places)}，按投资方认定为县域外企业")
    if investor is not None:
        return _check("out_of_county", "failed", {"origin": origin, "investor": investor.uscc}, expected, policy,
                      f"引进主体与其投资方{investor.name or investor.uscc}均登记于本县，与填报来源地"
                      f"{_place(origin, places)}矛盾")
    return _check("out_of_county", "failed", origin, expected, policy,
                  f"引进主体统一社会信用代码（第3—8位{facts.enterprise[2:8]}）或登记地显示登记于本县，且未记录县域外"
                  f"投资方，与填报来源地{_place(origin, places)}矛盾")


def _revenue(facts: Facts, policy: RewardPolicy, intro: dict | None, as_of: dt.date) -> dict:
    year, threshold = as_of.year - 1, policy.revenue_threshold_cny
    investor = _investor(facts, intro)
    use_investor = (policy.revenue_of == "investor_for_local_company" and investor is not None
                    and _registered_in_county(facts))
    if use_investor and investor is not None:
        figure, whose = investor.revenue.get(year), f"投资方{investor.name or investor.uscc}（{investor.uscc}）"
        basis = {"of": "investor", "uscc": investor.uscc, "name": investor.name}
    else:
        figure, whose = facts.revenue.get(year), "引进企业"
        basis = {"of": "enterprise", "uscc": facts.enterprise, "name": facts.enterprise_name}
    expected = f"{year}年营业收入不低于{wan(threshold)}"
    if figure is None:
        return _check("revenue", "unknown", None, expected, policy,
                      f"未记录{whose}{year}年营业收入，无法判定", basis=basis, year=year)
    if figure >= threshold:
        return _check("revenue", "passed", figure, expected, policy,
                      f"采用{whose}{year}年营业收入{wan(figure)}，达到{wan(threshold)}门槛", basis=basis, year=year)
    return _check("revenue", "failed", figure, expected, policy,
                  f"采用{whose}{year}年营业收入{wan(figure)}，低于{wan(threshold)}门槛，尚差{wan(threshold - figure)}",
                  basis=basis, year=year)


def _partners(facts: Facts, policy: RewardPolicy, intro: dict | None,
              as_of: dt.date) -> tuple[dict, list[dict], list[dict]]:
    start = intro["introduced_on"] if intro else policy.period_start
    counted, excluded = count_partners(facts.enterprise, facts.enterprise_group, facts.relationships, facts.county,
                                       start, as_of, policy, intro["introduced_on"] if intro else None,
                                       intro.get("investor") if intro else None, facts.places)
    n, need = len(counted), policy.min_partners
    expected = f"带动本县{need}家以上（含{need}家）市场主体协作配套"
    # 家 are entities: one left out through two relationships is one 家.
    if intro is None:
        # 带动 counts from the day the project landed: without one there is no such day, so no verdict, only what
        # the relationships since the plan's start would give.
        message = (f"无符合条件的引进项目，无法确定带动起算日；自规划期起始日{start.isoformat()}至{as_of.isoformat()}"
                   f"有{n}家本县市场主体协作配套，仅供参考（未计入{excluded_entities(excluded)}家）")
        return _check("partners", "unknown", n, expected, policy, message), counted, excluded
    tail = f"（核查期间{start.isoformat()}至{as_of.isoformat()}，未计入{excluded_entities(excluded)}家）"
    if n >= need:
        message = f"计入{n}家本县市场主体，达到{need}家{tail}"
    else:
        message = f"计入{n}家，尚差{need - n}家{tail}"
    return _check("partners", "passed" if n >= need else "failed", n, expected, policy, message), counted, excluded


def _not_granted(facts: Facts, policy: RewardPolicy) -> dict:
    expected = "此前未就本条款获得奖励"
    if facts.grants:
        first = min(facts.grants, key=lambda g: g["granted_at"])
        return _check("not_already_granted", "failed", first["id"], expected, policy,
                      f"已于{str(first['granted_at'])[:10]}获得奖励（奖励记录{first['id']}），本奖励为一次性")
    return _check("not_already_granted", "passed", None, expected, policy, "未记录该企业依本条款获得的奖励")


def evaluate(facts: Facts, policy: RewardPolicy, as_of: dt.date) -> dict[str, Any]:
    """The verdict with each condition's status, actual and expected values, the partner lists and the readings."""
    intro, introduced = _introduced(facts, policy, as_of)
    partners, counted, excluded = _partners(facts, policy, intro, as_of)
    checks = [introduced, _out_of_county(facts, policy, intro), _revenue(facts, policy, intro, as_of), partners,
              _not_granted(facts, policy)]
    statuses = {c["status"] for c in checks}
    outcome = "ineligible" if "failed" in statuses else "undetermined" if "unknown" in statuses else "eligible"
    notes = []
    if intro and facts.registered_on and facts.registered_on > intro["introduced_on"]:
        notes.append(f"引进主体成立日期{facts.registered_on.isoformat()}晚于引进项目落地日期"
                     f"{intro['introduced_on'].isoformat()}，请核对登记信息或项目记录")
    if as_of > policy.period_end:
        follow = (f"，适用后续政策：{policy.follow_on_policy}" if policy.follow_on_policy
                  else "；未配置后续政策，本结论仅按原规划期条款核查")
        notes.append(f"规划期已于{policy.period_end.isoformat()}结束{follow}")
    return {
        "enterprise": {"uscc": facts.enterprise, "name": facts.enterprise_name, "region": facts.enterprise_region,
                       "region_name": facts.places.get(facts.enterprise_region)},
        "cluster": {"id": facts.cluster, "name": facts.cluster_name, "county": facts.county,
                    "county_name": facts.places.get(facts.county)},
        "introduction": {"id": intro["id"], "name": project_name(facts, intro),
                         "introduced_on": intro["introduced_on"].isoformat(),
                         "origin_region": intro["origin_region"], "origin_name": facts.places.get(intro["origin_region"]),
                         "investor": intro.get("investor")} if intro else None,
        "outcome": outcome,
        "outcome_name": OUTCOME_NAMES[outcome],
        "amount_cny": policy.award_cny if outcome == "eligible" else 0,
        "policy": policy.summary(),
        "readings": [{"id": r.id, "name": r.name, "value": r.value, "text": r.text} for r in policy.readings],
        "notes": notes,
        "as_of": as_of.isoformat(),
        "checks": checks,
        "partners": {"counted": counted, "excluded": excluded},
    }
