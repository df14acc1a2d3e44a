"""三(三)6 as a table of cases (tests/cases/reward_cases.json) over the pure rule, every reading included; every
sentence a user reads is Chinese."""

import dataclasses
import datetime as dt
import json
import re
from pathlib import Path

import pytest

from chainmap import uscc
from chainmap.policy import load_reward_policy
from chainmap.rewards.rule import Facts, Investor, Relationship, evaluate, wan

TABLE = json.loads((Path(__file__).parents[1] / "cases" / "reward_cases.json").read_text(encoding="utf-8"))
POLICY = load_reward_policy()


def code(org, region, authority="9"):
    return uscc.compose(authority, "1", region, org)


def policy_for(spec):
    """The policy with a case's reading overrides (`"readings.driven.grace_days": 1`)."""
    fields = {"readings.driven.grace_days": "grace_days", "readings.out_of_county.cross_check_registration":
              "cross_check_registration", "readings.revenue_of.value": "revenue_of"}
    return dataclasses.replace(POLICY, **{fields[k]: v for k, v in spec.get("policy", {}).items()})


def facts_for(case):
    spec = {**TABLE["base"], **case}
    enterprise = code(spec["enterprise_org"], spec.get("enterprise_code_region", spec["enterprise_region"]))
    group = code(spec["enterprise_group_org"], "110105") if spec.get("enterprise_group_org") else None
    investors = {}
    if spec.get("investor"):
        v = spec["investor"]
        investor = Investor(uscc=code(v["org"], v["region"]), name="投资方集团", region=v["region"],
                            revenue={int(y): n for y, n in v["revenue"].items()})
        investors[investor.uscc] = investor
    named = {"ENTERPRISE": enterprise, "GROUP": group, "INVESTOR": next(iter(investors), None)}
    rels = []
    for p in spec["partners"]:
        partner = named[p["is"]] if "is" in p else p.get("raw_uscc") or code(p["org"], p["region"], p.get("authority", "9"))
        rels.append(Relationship(
            partner=partner, name=f"伙伴{p['org']}", entity_type=p["type"], region=p["region"], status=p["status"],
            group=named.get(p.get("group"), p.get("group")),
            relation=p["relation"], since=dt.date.fromisoformat(p["since"]),
            until=dt.date.fromisoformat(p["until"]) if p.get("until") else None))
    intros = [{**i, "introduced_on": dt.date.fromisoformat(i["introduced_on"]),
               "investor": next(iter(investors), None)} for i in spec["introductions"]]
    return Facts(enterprise=enterprise, enterprise_name="测试企业", enterprise_region=spec["enterprise_region"],
                 enterprise_group=group, revenue={int(y): v for y, v in spec["revenue"].items()}, cluster="c",
                 county=spec["county"], introductions=intros, relationships=rels, grants=spec["grants"],
                 investors=investors, places={"130534": "邢台市清河县", "110105": "北京市朝阳区"},
                 registered_on=dt.date.fromisoformat(spec["registered_on"]) if spec.get("registered_on") else None), spec


def run(case):
    facts, spec = facts_for(case)
    return evaluate(facts, policy_for(spec), dt.date.fromisoformat(spec["as_of"])), spec


@pytest.mark.parametrize("case", TABLE["cases"], ids=[c["name"] for c in TABLE["cases"]])
def test_rule_table(case):
    result, _ = run(case)
    expect = case["expect"]
    assert result["outcome"] == expect["outcome"], result["checks"]
    assert result["amount_cny"] == (1_000_000 if expect["outcome"] == "eligible" else 0)
    statuses = {c["rule"]: c["status"] for c in result["checks"]}
    assert list(statuses) == ["introduced", "out_of_county", "revenue", "partners", "not_already_granted"]
    for rule, status in expect.get("checks", {}).items():
        assert statuses[rule] == status, (rule, result["checks"])
    if "counted" in expect:
        assert len(result["partners"]["counted"]) == expect["counted"]
        assert next(c for c in result["checks"] if c["rule"] == "partners")["actual"] == expect["counted"]
    reasons = [e["reason"] for e in result["partners"]["excluded"]]
    for phrase in expect.get("excluded", []):
        assert any(r.startswith(phrase) for r in reasons), reasons
    assert len(reasons) == len(expect.get("excluded", [])), reasons
    if "note" in expect:
        assert any(expect["note"] in n for n in result["notes"]), result["notes"]
    messages = {c["rule"]: c["message"] for c in result["checks"]}
    for rule, phrase in expect.get("message", {}).items():
        assert phrase in messages[rule], (rule, messages[rule])
    if "notes" in expect:
        assert len(result["notes"]) == len(expect["notes"]) and all(
            n.startswith(p) for n, p in zip(result["notes"], expect["notes"], strict=True)), result["notes"]
    if "revenue_basis" in expect:
        assert next(c for c in result["checks"] if c["rule"] == "revenue")["basis"]["of"] == expect["revenue_basis"]
    for check in result["checks"]:
        assert check["reference"] == "河北省县域特色产业提质升级工作方案（2021-2025年）三（三）6" and check["message"]


# An English word of three letters or more; codes in messages are digits, USCCs (upper case with digits) and
# record ids (rg-…, rc-…, intro-…), which are removed first.
ENGLISH = re.compile(r"(?<![A-Za-z])[A-Za-z]{3,}(?![A-Za-z])")  # not \b: a Chinese character is a word character
IDS = re.compile(r"(?<![A-Za-z0-9])[a-z]+-[a-z0-9-]+")
ALLOWED = {"GB"}  # the standard's name (GB 32100-2015)


def user_facing(result):
    """Every sentence of a verdict an officer reads: messages, expectations, names, reasons, readings, notes."""
    for c in result["checks"]:
        yield from (c["name"], c["status_name"], c["expected"], c["message"])
    yield result["outcome_name"]
    for p in result["partners"]["counted"]:
        yield from (p["entity_type_name"], p["relation_name"])
    for p in result["partners"]["excluded"]:
        yield from (p["reason"], p["entity_type_name"], p["relation_name"])
    for r in result["readings"]:
        yield from (r["name"], r["text"])
    yield from result["notes"]


@pytest.mark.parametrize("case", TABLE["cases"], ids=[c["name"] for c in TABLE["cases"]])
def test_every_message_is_chinese(case):
    result, _ = run(case)
    english = [(text, w) for text in user_facing(result) for w in ENGLISH.findall(IDS.sub("", str(text)))
               if w not in ALLOWED]
    assert english == []


def test_the_readings_are_named_in_every_verdict():
    result, _ = run(TABLE["cases"][0])
    assert [r["id"] for r in result["readings"]] == ["out_of_county", "driven", "revenue_of", "plan_period",
                                                      "market_entity"]
    assert next(r for r in result["readings"] if r["id"] == "driven")["value"] == 0


def test_counted_partners_are_named_with_type_relation_and_start():
    result, _ = run(TABLE["cases"][0])
    first = result["partners"]["counted"][0]
    assert first["name"] == "伙伴P0000001" and uscc.is_valid(first["uscc"])
    assert first["entity_type_name"] == "企业" and first["relation_name"] == "向本企业供货"
    assert first["since"] == "2023-01-01"


def test_amounts_read_in_wan_yuan():
    assert wan(50_000_000) == "5000万元" and wan(49_999_999) == "4999.9999万元" and wan(1_000_000) == "100万元"
    result, _ = run(next(c for c in TABLE["cases"] if c["name"] == "revenue 49,999,999 fails"))
    message = next(c for c in result["checks"] if c["rule"] == "revenue")["message"]
    assert "4999.9999万元" in message and "尚差0.0001万元" in message


def test_every_verdict_records_the_policy_version():
    facts, spec = facts_for(TABLE["cases"][0])
    result = evaluate(facts, POLICY, dt.date.fromisoformat(spec["as_of"]))
    assert result["policy"]["version"] == POLICY.version and result["policy"]["revenue_threshold_cny"] == 50_000_000


def test_thresholds_are_data(tmp_path):
    data = json.loads((Path(__file__).parents[2] / "seeds" / "policy" / "reward-3-3-6.json").read_text(encoding="utf-8"))
    data.update(min_partners=4, version="test")
    (tmp_path / "p.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    facts, spec = facts_for(TABLE["cases"][5])  # exactly 4 partners
    assert evaluate(facts, load_reward_policy(tmp_path / "p.json"),
                    dt.date.fromisoformat(spec["as_of"]))["outcome"] == "eligible"


@pytest.mark.parametrize("case", TABLE["cases"], ids=[c["name"] for c in TABLE["cases"]])
def test_the_outlook_count_counts_exactly_the_partners_the_check_counts(case):
    """counted_partners (the recommendations' outlook: a count over thousands) is count_partners' counted set, on
    every case of the table (invalid codes, other registries and counties, branches, dates, repeats)."""
    from chainmap.rewards.rule import count_partners, counted_partners

    facts, spec = facts_for(case)
    end = dt.date.fromisoformat(spec["as_of"])
    for start in (end, end - dt.timedelta(days=365), dt.date(2000, 1, 1)):
        args = (facts.enterprise, facts.enterprise_group, facts.relationships, facts.county, start, end,
                policy_for(spec))
        assert counted_partners(*args) == {p["uscc"] for p in count_partners(*args)[0]}


def test_the_stage_a_check_reads_holds_the_firms_facts():
    """The reward rule reads projects at the policy's stage; from the signed agreement on, a project holds its firm's
    reward facts (chainmap.write_scope), so the stage a check reads must be one of those, and the Cypher says the same."""
    from chainmap import write_scope
    from chainmap.vocab import INTRODUCTION_STAGES
    from tests.conftest import POLICIES

    assert POLICIES.reward.introduction_stage in write_scope.HOLDING_STAGES
    assert set(write_scope.HOLDING_STAGES) <= set(INTRODUCTION_STAGES)
    listed = write_scope.HOLDS.split("[", 1)[1].rstrip("]")
    assert [s.strip(" '") for s in listed.split(",")] == list(write_scope.HOLDING_STAGES)


def test_a_project_is_named_in_the_verdict_not_numbered():
    """The officer reads the project's name (else the firm's), not its id (review: “引进项目intro-eligible-5…”)."""
    facts, spec = facts_for(TABLE["cases"][0])
    for name, shown in ((None, "引进项目“测试企业引进项目”已于"), ("羊绒精纺扩产项目", "引进项目“羊绒精纺扩产项目”已于")):
        named = dataclasses.replace(facts, introductions=[{**i, "name": name} for i in facts.introductions])
        result = evaluate(named, policy_for(spec), dt.date.fromisoformat(spec["as_of"]))
        message = next(c for c in result["checks"] if c["rule"] == "introduced")["message"]
        assert message.startswith(shown) and not IDS.search(message), message
        assert result["introduction"]["name"] == shown.split("“")[1].split("”")[0]


def test_a_project_that_does_not_count_says_why_by_name():
    """Not a generic “未落地、不在规划期内或晚于核查基准日”: each recorded project with its own reason."""
    facts, spec = facts_for(TABLE["cases"][0])
    day = facts.introductions[0]["introduced_on"]
    for stage, introduced, shown in (("negotiating", day, "引进项目“测试企业引进项目”处于“洽谈”阶段，尚未落地"),
                                     ("landed", dt.date(2019, 5, 1), "的引进日期2019-05-01不在规划期内")):
        changed = dataclasses.replace(facts, introductions=[{**facts.introductions[0], "stage": stage,
                                                              "introduced_on": introduced}])
        result = evaluate(changed, policy_for(spec), dt.date.fromisoformat(spec["as_of"]))
        check = next(c for c in result["checks"] if c["rule"] == "introduced")
        assert check["status"] == "failed" and shown in check["message"], check["message"]


def test_a_partner_registered_elsewhere_is_named_by_place():
    """Officer review: “登记地不在本县（130502，本县为130531）” gave codes only; places the facts name are named."""
    case = next(c for c in TABLE["cases"] if any(p.get("region") not in (None, TABLE["base"]["county"])
                                                 and p["region"].startswith("13") for p in c.get("partners", [])))
    result, _ = run(case)
    reasons = [p["reason"] for p in result["partners"]["excluded"] if p["reason"].startswith("登记地不在本县")]
    assert reasons and all("本县为邢台市清河县（130534）" in r for r in reasons), reasons
