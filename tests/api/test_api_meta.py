"""Health, index, error shape and the OpenAPI document, through the Flask test client."""

import re

from openapi_spec_validator import validate

from api import create_app
from chainmap.settings import Settings
from tests.conftest import assert_chinese_problem, free_port


def test_health_ok_with_neo4j_up(client):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "neo4j": "reachable"}


def test_health_503_problem_when_neo4j_is_down():
    settings = Settings(neo4j_uri=f"bolt://127.0.0.1:{free_port()}", neo4j_user="neo4j",
                        neo4j_password="s3cret-password-value")
    response = create_app(settings).test_client().get("/api/v1/health")
    assert response.status_code == 503
    assert response.content_type == "application/problem+json"
    assert int(response.headers["Retry-After"]) > 0
    body = response.get_json()
    assert body["status"] == 503 and body["title"] == "服务暂不可用" and body["detail"]
    text = response.get_data(as_text=True)
    assert "s3cret" not in text and "bolt://" not in text and "127.0.0.1" not in text


def test_unknown_route_is_problem_json(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.content_type == "application/problem+json"
    assert response.get_json()["instance"] == "/api/v1/no-such-thing"
    assert_chinese_problem(response.get_json())


def test_wrong_method_is_problem_json_with_allow(client):
    response = client.delete("/api/v1/health")
    assert response.status_code == 405
    assert response.content_type == "application/problem+json"
    assert "GET" in response.headers["Allow"]
    assert "DELETE" in response.get_json()["detail"]
    assert_chinese_problem(response.get_json())


def test_openapi_document_is_valid_openapi_3(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    validate(spec)  # raises on an invalid document
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/health" in spec["paths"]
    error = spec["components"]["responses"]["DEFAULT_ERROR"]["content"]
    assert list(error) == ["application/problem+json"]


def test_docs_work_offline(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert not re.search(r"(src|href)=\"(https?:)?//", html), "docs must not load from a CDN"
    assets = re.findall(r"(?:src|href)=\"(/static/[^\"]+)\"", html)
    assert len(assets) == 3
    for asset in assets:
        assert client.get(asset).status_code == 200, asset
