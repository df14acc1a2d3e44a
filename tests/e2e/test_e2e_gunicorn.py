"""Real HTTP through gunicorn on loopback."""

import requests


def test_health_through_gunicorn(server):
    response = requests.get(f"{server}/api/v1/health", timeout=5)
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "neo4j": "reachable"}


def test_problem_json_through_gunicorn(server):
    response = requests.post(f"{server}/api/v1/", timeout=5)
    assert response.status_code == 405
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 405


def test_openapi_through_gunicorn(server):
    response = requests.get(f"{server}/api/v1/openapi.json", timeout=5)
    assert response.status_code == 200 and response.json()["info"]["title"] == "chainmap"
