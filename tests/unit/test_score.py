"""The recommendation score: properties of the pure function (Hypothesis), and its Cypher bounds as a table that
covers every feature once."""

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chainmap import uscc
from chainmap.graph.rank_keys import STATIC_BOUNDS
from chainmap.policy import FEATURES
from chainmap.recommendations.score import Candidate, PartnerCounts, rank, score
from chainmap.recommendations.search import NODE_BOUNDS
from chainmap.rewards.rule import Relationship, counted_partners
from tests.recommendation_data import CONFIG, LOCAL, POLICY, TARGET, TODAY, candidates


@given(candidates)
@settings(max_examples=200, deadline=None)
def test_breakdown_sums_to_the_score_and_stays_in_range(c):
    result = score(c, TARGET, CONFIG, POLICY, TODAY)
    assert set(result["breakdown"]) == set(FEATURES)
    assert abs(sum(result["breakdown"].values()) - result["score"]) < 1e-6
    assert 0 <= result["score"] <= 1
    for feature, part in result["breakdown"].items():
        assert 0 <= part <= CONFIG["weights"][feature] + 1e-9


@given(candidates, st.sampled_from(["revenue", "ties", "bj_restricted", "hebei_presence", "green_factory", "products"]))
@settings(max_examples=300, deadline=None)
def test_raising_one_feature_never_lowers_the_score(c, feature):
    better = {
        "revenue": {2025: (c.revenue.get(2025) or 0) * 2 + 1},
        "ties": c.ties + 1,
        "bj_restricted": True,
        "hebei_presence": True,
        "green_factory": True,
        "products": c.products + " 纺纱 毛条",
    }[feature]
    raised = Candidate(**{**c.__dict__, feature: better})
    assert score(raised, TARGET, CONFIG, POLICY, TODAY)["score"] >= score(c, TARGET, CONFIG, POLICY, TODAY)["score"]


@given(st.lists(candidates, min_size=1, max_size=30, unique_by=lambda c: c.uscc))
@settings(max_examples=50, deadline=None)
def test_ranking_is_deterministic_and_ordered(cs):
    first = rank(cs, TARGET, CONFIG, POLICY, TODAY, limit=10)
    assert first == rank(list(reversed(cs)), TARGET, CONFIG, POLICY, TODAY, limit=10)
    keys = [(-r["score"], r["enterprise"]["uscc"]) for r in first]
    assert keys == sorted(keys)


def test_reward_outlook_counts_partners_with_the_reward_rules():
    c = Candidate(uscc=uscc.compose("9", "1", "110105", "A0000001"), name="x", region="110105", lon=116.4, lat=39.9,
                  industry_codes=["1721"], revenue={2025: 50_000_000})
    deregistered = Relationship(**{**LOCAL[0].__dict__, "partner": uscc.compose("9", "1", "130534", "D0000001"),
                                   "status": "deregistered"})
    own_branch = Relationship(**{**LOCAL[0].__dict__, "partner": uscc.compose("9", "1", "130534", "B0000001"),
                                 "group": c.uscc})
    target = replace(TARGET, partners=PartnerCounts.of(LOCAL[:4] + [deregistered, own_branch], "130534", TODAY, POLICY))
    outlook = score(c, target, CONFIG, POLICY, TODAY)["reward_outlook"]
    assert outlook == {"revenue_ok": True, "potential_local_partners": 4, "likely_eligible": False}
    target = replace(TARGET, partners=PartnerCounts.of(LOCAL[:5], "130534", TODAY, POLICY))
    assert score(c, target, CONFIG, POLICY, TODAY)["reward_outlook"]["likely_eligible"] is True


@given(candidates, st.lists(st.sampled_from(["branch", "member", "self", "stranger", "deregistered", "individual",
                                              "bad-code", "no-group", "own-group", "again"]), max_size=6))
@settings(max_examples=200, deadline=None)
def test_partner_counts_give_every_firm_what_the_reward_rules_count_for_it(c, extra):
    """PartnerCounts keeps a number and the group parents instead of every partner: for any firm it must give the
    rules' own count over all the relationships (its branches and members, itself, other groups, excluded ones)."""
    made = {
        "branch": {"entity_type": "branch", "group": c.uscc},
        "member": {"group": c.uscc},
        "self": {"partner": c.uscc, "region": "130534"},
        "stranger": {"group": uscc.compose("9", "1", "110105", "Y0000001")},
        "deregistered": {"status": "deregistered", "group": c.uscc},
        "individual": {"entity_type": "individual"},
        "bad-code": {"partner": "91130534L00000000X"},
        "no-group": {"group": ""},
        "own-group": {"group": "{self}"},
    }
    partners = list(LOCAL)
    for i, kind in enumerate(extra):
        if kind == "again":  # the last partner once more, under the candidate's group: the rules read its first row
            partners.append(replace(partners[-1], group=c.uscc))
            continue
        code = uscc.compose("9", "1", "130534", f"X{i:07d}")
        fields = {name: code if value == "{self}" else value for name, value in made[kind].items()}
        partners.append(replace(LOCAL[0], **{"partner": code, **fields}))
    counts = PartnerCounts.of(partners, "130534", TODAY, POLICY)
    for firm in (c.uscc, "", partners[0].partner):
        assert counts.for_firm(firm) == len(counted_partners(firm, None, partners, "130534", TODAY, TODAY, POLICY))


def test_every_feature_has_exactly_one_cypher_bound():
    """The score is defined in Python; the searches bound it in Cypher, one term per feature. A feature added to
    the score (and to chainmap.policy.FEATURES) without a bound, or a bound left for a removed one, fails here."""
    assert set(STATIC_BOUNDS).isdisjoint(NODE_BOUNDS)
    assert set(STATIC_BOUNDS) | set(NODE_BOUNDS) == set(FEATURES) == set(CONFIG["weights"])
    for feature, term in {**STATIC_BOUNDS, **NODE_BOUNDS}.items():
        assert term.startswith(f"$w.{feature} *") or f"THEN $w.{feature} " in term, (feature, term)


def test_negatives_are_cautions_not_reasons():
    c = Candidate(uscc=uscc.compose("9", "1", "110115", "A0000002"), name="x", region="110115", lon=116.3, lat=39.7,
                  industry_codes=["3130"], revenue={2025: 30_000_000}, green_factory=False, bj_restricted=True)
    result = score(c, TARGET, CONFIG, POLICY, TODAY)
    assert any("未达5000万元奖励门槛" in x for x in result["cautions"])
    assert any("重污染" in x for x in result["cautions"])
    assert not any("未达" in x or "重污染" in x for x in result["reasons"])
    restricted = [r for r in result["reasons"] if "禁限目录" in r]
    assert restricted and all(r.startswith("样例数据") for r in restricted)  # a synthetic flag says so
    unknown = score(replace(c, revenue={}), TARGET, CONFIG, POLICY, TODAY)
    assert any("缺少2025年营业收入数据" in x for x in unknown["cautions"])


def test_reasons_every_target_shares_are_said_once_for_the_node():
    from chainmap.recommendations.service import shared_reasons

    cs = [Candidate(uscc=uscc.compose("9", "1", "110115", f"A000001{i}"), name="x", region="110115", lon=116.3,
                    lat=39.7, industry_codes=["1721" if i else "1722"], revenue={2025: (i + 1) * 60_000_000})
          for i in range(3)]
    ranked = rank(cs, TARGET, CONFIG, POLICY, TODAY, limit=3)
    common = shared_reasons(ranked)
    assert "清河县本地上下游可协作配套市场主体7家" in common and "距清河县约" in " ".join(common)
    assert not any("营业收入" in r for r in common)  # differs per target, so it stays with each
    assert shared_reasons(ranked[:1]) == []




def test_the_neutral_green_half_is_explained():
    # Neither a green factory nor in a heavily polluting class: the green part adds half its weight, and says why.
    c = Candidate(uscc=uscc.compose("9", "1", "110115", "A0000003"), name="x", region="110115", lon=116.3, lat=39.7,
                  industry_codes=["1721"], revenue={2025: 60_000_000}, green_factory=False)
    result = score(c, TARGET, CONFIG, POLICY, TODAY)
    assert result["breakdown"]["green"] > 0
    assert any("未认定为绿色工厂，也不属重污染行业" in r for r in result["reasons"]), result["reasons"]


@pytest.mark.parametrize("km, whole", [(266.7, 267), (266.54, 267), (12.5, 13), (12.44, 12), (0.4, 0)])
def test_a_distance_reads_the_same_everywhere(km, whole):
    """The reason (约267公里), the console (Math.round of the JSON's one-decimal figure) and the sheet show one number
    (review: the column said 266.7 beside 约267)."""
    from chainmap.geo import whole_km

    assert whole_km(km) == whole == int(round(km, 1) + 0.5)


def test_a_green_factory_in_a_polluting_class_is_cautioned_and_a_core_district_is_named():
    """Review: 绿色工厂，但属重污染行业 stood among the reasons, and 位于北京城六区或天津市内六区 did not say which."""
    c = Candidate(uscc=uscc.compose("9", "1", "110108", "A0000004"), name="x", region="110108", lon=116.3, lat=39.96,
                  industry_codes=["3130"], revenue={2025: 60_000_000}, green_factory=True)
    result = score(c, TARGET, CONFIG, POLICY, TODAY)
    assert "属重污染行业，需与碳达峰、碳中和要求相衔接" in result["cautions"]
    assert not any(r.startswith("属重污染") for r in result["reasons"])
    assert result["breakdown"]["green"] == pytest.approx(CONFIG["weights"]["green"] * 0.5)
    assert "位于北京市海淀区（北京城六区之一）" in result["reasons"]
    tianjin = score(replace(c, uscc=uscc.compose("9", "1", "120104", "A0000005"), region="120104"), TARGET, CONFIG,
                    POLICY, TODAY)
    assert "位于天津市南开区（天津市内六区之一）" in tianjin["reasons"]
    outer = score(replace(c, region="110115"), TARGET, CONFIG, POLICY, TODAY)
    assert not any("六区" in r for r in outer["reasons"])
