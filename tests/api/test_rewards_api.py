"""三(三)6 end to end over the API, on the seeded reward cases: checks recorded, grants once."""

import pytest

from chainmap import uscc
from tests.conftest import reset_seeded


# ---- end to end over the API, on the seeded reward cases -------------------------------------------------------
@pytest.fixture(scope="module", autouse=True)
def restore_seeds(graph):
    yield
    reset_seeded(graph)


def intro(graph, intro_id):
    return graph.read("MATCH (i:Introduction {id: $id}) RETURN i.enterprise AS e, i.cluster AS c", id=intro_id)[0]


@pytest.mark.parametrize("intro_id, outcome", [
    ("intro-eligible-5", "eligible"), ("intro-exact-threshold", "eligible"), ("intro-below-threshold", "ineligible"),
    ("intro-four-partners", "ineligible"), ("intro-neighbour-partner", "ineligible"),
    ("intro-deregistered-partner", "ineligible"), ("intro-own-branch-partner", "ineligible"),
    ("intro-no-prior-revenue", "undetermined"), ("intro-ended-relationship", "ineligible"),
    ("intro-duplicate-partner", "eligible"), ("intro-not-landed", "ineligible"), ("intro-six-partners", "eligible"),
])
def test_seeded_cases_through_the_api(client, graph, keys, intro_id, outcome):
    i = intro(graph, intro_id)
    response = client.post("/api/v1/reward-checks", headers=keys["analyst"],
                           json={"enterprise": i["e"], "cluster": i["c"], "as_of": "2026-11-27"})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["outcome"] == outcome


def test_recorded_check_is_returned_unchanged_after_the_data_moves_on(client, graph, keys):
    i = intro(graph, "intro-eligible-5")
    body = {"enterprise": i["e"], "cluster": i["c"], "as_of": "2026-11-27"}
    first = client.post("/api/v1/reward-checks", headers=keys["analyst"], json=body).get_json()
    partner = first["partners"]["counted"][0]["uscc"]
    graph.write("MATCH (e:Enterprise {uscc: $u}) SET e.status = 'deregistered'", u=partner)
    again = client.post("/api/v1/reward-checks", headers=keys["analyst"], json=body).get_json()
    assert again["outcome"] == "ineligible" and again["id"] != first["id"]
    recorded = client.get(f"/api/v1/reward-checks/{first['id']}", headers=keys["analyst"])
    assert recorded.status_code == 200 and recorded.get_json() == first
    # partners by name and the checking key: analysts and above, as the list (attacker review: a viewer read it)
    assert client.get(f"/api/v1/reward-checks/{first['id']}", headers=keys["viewer"]).status_code == 403
    graph.write("MATCH (e:Enterprise {uscc: $u}) SET e.status = 'active'", u=partner)


def test_grant_once_admins_only(client, graph, keys):
    i = intro(graph, "intro-six-partners")
    check = client.post("/api/v1/reward-checks", headers=keys["analyst"],
                        json={"enterprise": i["e"], "cluster": i["c"], "as_of": "2026-11-27"}).get_json()
    assert check["outcome"] == "eligible"
    for role, status in (("viewer", 403), ("editor", 403), ("analyst", 403), ("none", 401)):
        assert client.post("/api/v1/reward-grants", headers=keys[role], json={"check": check["id"]}).status_code == status
    granted = client.post("/api/v1/reward-grants", headers=keys["admin"], json={"check": check["id"]})
    assert granted.status_code == 201
    grant = granted.get_json()
    assert grant["amount_cny"] == 1_000_000 and grant["enterprise"] == i["e"] and grant["granted_by"]
    second = client.post("/api/v1/reward-grants", headers=keys["admin"], json={"check": check["id"]})
    assert second.status_code == 409 and grant["id"] in second.get_json()["detail"]
    later = client.post("/api/v1/reward-checks", headers=keys["analyst"],
                        json={"enterprise": i["e"], "cluster": i["c"], "as_of": "2026-11-27"}).get_json()
    assert later["outcome"] == "ineligible"
    assert next(c for c in later["checks"] if c["rule"] == "not_already_granted")["actual"] == grant["id"]
    assert client.get(f"/api/v1/reward-grants/{grant['id']}", headers=keys["analyst"]).get_json() == grant
    assert client.get(f"/api/v1/reward-grants/{grant['id']}", headers=keys["viewer"]).status_code == 403
    assert client.delete(f"/api/v1/reward-grants/{grant['id']}", headers=keys["admin"]).status_code == 405
    assert client.patch(f"/api/v1/reward-checks/{check['id']}", headers=keys["admin"], json={}).status_code == 405


def test_only_eligible_checks_can_be_granted(client, graph, keys):
    i = intro(graph, "intro-four-partners")
    check = client.post("/api/v1/reward-checks", headers=keys["analyst"],
                        json={"enterprise": i["e"], "cluster": i["c"], "as_of": "2026-11-27"}).get_json()
    response = client.post("/api/v1/reward-grants", headers=keys["admin"], json={"check": check["id"]})
    assert response.status_code == 422 and response.get_json()["errors"][0]["field"] == "check"


def test_bad_check_requests(client, keys):
    assert client.post("/api/v1/reward-checks", headers=keys["analyst"],
                       json={"enterprise": uscc.compose("9", "1", "110105", "Q0000001"), "cluster": "qinghe-cashmere"}
                       ).status_code == 422
    assert client.post("/api/v1/reward-checks", headers=keys["viewer"],
                       json={"enterprise": "91350100M000100Y43", "cluster": "qinghe-cashmere"}).status_code == 403
    assert client.get("/api/v1/reward-checks/rc-nope", headers=keys["analyst"]).status_code == 404
