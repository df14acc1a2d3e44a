"""A grant re-evaluates its check on the grant day's facts for the same as_of (issue 14, item 7): a check that no
longer holds, or whose as_of is older than the policy's max_check_age_days, is a 409 "stale" naming what changed."""

from __future__ import annotations

import datetime as dt

import pytest

from chainmap.rewards import stale as stale_checks
from chainmap.errors import Conflict
from tests.conftest import POLICIES
from tests.conftest import reset_seeded

GRANTS = "MATCH (g:RewardGrant) RETURN count(g) AS n"


@pytest.fixture(scope="module", autouse=True)
def restore_seeds(graph):
    yield
    reset_seeded(graph)


def intro(graph, intro_id):
    return graph.read("MATCH (i:Introduction {id: $id}) RETURN i.enterprise AS e, i.cluster AS c", id=intro_id)[0]


def check(client, keys, i, as_of):
    body = client.post("/api/v1/reward-checks", headers=keys["analyst"],
                       json={"enterprise": i["e"], "cluster": i["c"], "as_of": as_of}).get_json()
    assert body["outcome"] == "eligible", body
    return body


def test_a_check_whose_counted_partner_deregistered_is_stale(client, graph, keys):
    i = intro(graph, "intro-eligible-5")
    recorded = check(client, keys, i, dt.date.today().isoformat())
    partner = recorded["partners"]["counted"][0]["uscc"]
    graph.write("MATCH (e:Enterprise {uscc: $u}) SET e.status = 'deregistered'", u=partner)
    before = graph.read(GRANTS)[0]["n"]
    try:
        response = client.post("/api/v1/reward-grants", headers=keys["admin"], json={"check": recorded["id"]})
    finally:
        graph.write("MATCH (e:Enterprise {uscc: $u}) SET e.status = 'active'", u=partner)
    assert response.status_code == 409, response.get_json()
    detail = response.get_json()["detail"]
    assert "已过时" in detail and "请重新核查" in detail and partner in detail and "带动本地市场主体协作配套" in detail
    assert "partners" not in detail and "None" not in detail, detail  # the rule by its Chinese name, no code
    assert graph.read(GRANTS)[0]["n"] == before


def test_a_back_dated_check_is_stale(client, graph, keys):
    i = intro(graph, "intro-eligible-5")
    old = (dt.date.today() - dt.timedelta(days=POLICIES.reward.max_check_age_days + 1)).isoformat()
    recorded = client.post("/api/v1/reward-checks", headers=keys["analyst"],
                           json={"enterprise": i["e"], "cluster": i["c"], "as_of": old}).get_json()
    if recorded["outcome"] != "eligible":
        pytest.skip(f"the seed introduction is not eligible on {old}")
    response = client.post("/api/v1/reward-grants", headers=keys["admin"], json={"check": recorded["id"]})
    assert response.status_code == 409 and "已过时" in response.get_json()["detail"]
    assert str(POLICIES.reward.max_check_age_days) in response.get_json()["detail"]


def test_a_check_that_still_holds_is_granted(client, graph, keys):
    i = intro(graph, "intro-six-partners")
    recorded = check(client, keys, i, dt.date.today().isoformat())
    assert client.post("/api/v1/reward-grants", headers=keys["admin"], json={"check": recorded["id"]}).status_code == 201


def test_the_rule_in_plain_data():
    recorded = {"id": "rc-1", "as_of": "2026-01-10", "outcome": "eligible",
                "checks": [{"rule": "partners", "status": "passed", "actual": 5},
                           {"rule": "not_already_granted", "status": "passed", "actual": None}],
                "partners": {"counted": [{"uscc": u} for u in "ABCDE"]}}
    same = {**recorded, "checks": [{"rule": "partners", "status": "passed", "actual": 5},
                                   {"rule": "not_already_granted", "status": "failed", "actual": "rg-1"}]}
    stale_checks.ensure_fresh(recorded, 30, dt.date(2026, 2, 9), lambda as_of: same)  # a grant is not staleness
    fewer = {**recorded, "checks": [{"rule": "partners", "status": "failed", "actual": 4}],
             "partners": {"counted": [{"uscc": u} for u in "ABCD"]}}
    with pytest.raises(Conflict, match="不再计入：E"):
        stale_checks.ensure_fresh(recorded, 30, dt.date(2026, 2, 9), lambda as_of: fewer)
    with pytest.raises(Conflict, match="距今 31 天"):
        stale_checks.ensure_fresh(recorded, 30, dt.date(2026, 2, 10), lambda as_of: same)
    # a check dated after the grant's day counted what had not happened yet (recorded before the API refused them)
    with pytest.raises(Conflict, match="晚于今天"):
        stale_checks.ensure_fresh(recorded, 30, dt.date(2026, 1, 9), lambda as_of: same)
