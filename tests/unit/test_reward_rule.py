"""三(三)6 as a table of cases (tests/cases/reward_cases.json) over the pure rule."""

import datetime as dt
import json
from pathlib import Path

import pytest

from chainmap import uscc
from chainmap.policy import load_reward_policy
from chainmap.rewards.rule import Facts, Relationship, evaluate

TABLE = json.loads((Path(__file__).parents[1] / "cases" / "reward_cases.json").read_text(encoding="utf-8"))
POLICY = load_reward_policy()


def code(org, region):
    return uscc.compose("9", "1", region, org)


def facts_for(case):
    spec = {**TABLE["base"], **case}
    enterprise = code(spec["enterprise_org"], spec["enterprise_region"])
    group = code(spec["enterprise_group_org"], "110105") if spec.get("enterprise_group_org") else None
    rels = []
    for p in spec["partners"]:
        partner = p.get("raw_uscc") or code(p["org"], p["region"])
        rels.append(Relationship(
            partner=partner, name=f"伙伴{p['org']}", entity_type=p["type"], region=p["region"], status=p["status"],
            group={"ENTERPRISE": enterprise, "GROUP": group}.get(p.get("group"), p.get("group")),
            relation=p["relation"], since=dt.date.fromisoformat(p["since"]),
            until=dt.date.fromisoformat(p["until"]) if p.get("until") else None))
    intros = [{**i, "introduced_on": dt.date.fromisoformat(i["introduced_on"])} for i in spec["introductions"]]
    return Facts(enterprise=enterprise, enterprise_name="测试企业", enterprise_region=spec["enterprise_region"],
                 enterprise_group=group, revenue={int(y): v for y, v in spec["revenue"].items()}, cluster="c",
                 county=spec["county"], introductions=intros, relationships=rels, grants=spec["grants"]), spec


@pytest.mark.parametrize("case", TABLE["cases"], ids=[c["name"] for c in TABLE["cases"]])
def test_rule_table(case):
    facts, spec = facts_for(case)
    result = evaluate(facts, POLICY, dt.date.fromisoformat(spec["as_of"]))
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
    for check in result["checks"]:
        assert check["reference"].startswith("三(三)6") and check["message"]


def test_every_verdict_records_the_policy_version():
    facts, spec = facts_for(TABLE["cases"][0])
    result = evaluate(facts, POLICY, dt.date.fromisoformat(spec["as_of"]))
    assert result["policy"]["version"] == POLICY.version and result["policy"]["revenue_threshold_cny"] == 50_000_000


def test_thresholds_are_data(tmp_path):
    data = json.loads((Path(__file__).parents[2] / "seeds" / "policy" / "reward-3-3-6.json").read_text(encoding="utf-8"))
    data.update(min_partners=4, version="test")
    (tmp_path / "p.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    facts, spec = facts_for(TABLE["cases"][5])  # exactly 4 partners
    assert evaluate(facts, load_reward_policy(tmp_path / "p.json"), dt.date.fromisoformat(spec["as_of"]))["outcome"] == "eligible"
