"""The OpenAPI document as client generators need it (linted by Redocly CLI's recommended rules, redocly.yaml).

An apispec plugin completes each operation as flask-smorest registers it: a stable `operationId` (the view
function's name in camelCase: renaming a view is an API change), the 4xx answers every operation can give (429 from
the rate limits everywhere; 401 and 403 where a key is needed; 404 where the path names an object), and OpenAPI
`links` from each create to the read of what it made, so stateful tools can chain them.
"""

from __future__ import annotations

from typing import Any

from apispec import BasePlugin

# create operationId -> (read operationId, its parameters from the create's request or response)
LINKS: dict[str, tuple[str, dict[str, str]]] = {
    "createCluster": ("getCluster", {"cluster_id": "$response.body#/id"}),
    "createNode": ("getChain", {"cluster_id": "$request.path.cluster_id"}),
    "createEdge": ("getChain", {"cluster_id": "$request.path.cluster_id"}),
    "createEnterprises": ("getEnterprise", {"uscc": "$response.body#/created/0"}),
    "addPartner": ("listPartners", {"uscc": "$request.path.uscc"}),
    "createIntroduction": ("getIntroduction", {"intro_id": "$response.body#/id"}),
    "addNote": ("getIntroduction", {"intro_id": "$request.path.intro_id"}),
    "recordStage": ("getIntroduction", {"intro_id": "$request.path.intro_id"}),
    "createCheck": ("getCheck", {"check_id": "$response.body#/id"}),
    "createGrant": ("getGrant", {"grant_id": "$response.body#/id"}),
}
LINK_NAMES = {"getCluster": "读取集群", "getChain": "读取产业链", "getEnterprise": "读取市场主体",
              "listPartners": "读取协作配套关系", "getIntroduction": "读取招商引进项目", "getCheck": "读取奖励核查",
              "getGrant": "读取奖励兑现记录"}


def camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part.title() for part in rest)


class ContractPlugin(BasePlugin):
    """Completes operations for client generators (see the module docstring)."""

    def __init__(self, public_endpoints: set[str]) -> None:
        self.public = public_endpoints

    def operation_helper(self, path: str | None = None, operations: dict | None = None, **kwargs: Any) -> None:
        rule = kwargs.get("rule")
        if rule is None or not operations:
            return
        name = rule.endpoint.rsplit(".", 1)[-1]
        for method, operation in operations.items():
            operation.setdefault("operationId", camel(name if len(operations) == 1 else f"{method}_{name}"))
            responses = operation.setdefault("responses", {})
            responses.setdefault("429", "TOO_MANY_REQUESTS")
            if rule.endpoint not in self.public:
                responses.setdefault("401", "UNAUTHORIZED")
                responses.setdefault("403", "FORBIDDEN")
            if "{" in (path or ""):
                responses.setdefault("404", "NOT_FOUND")
            link = LINKS.get(operation["operationId"])
            if link:
                target, parameters = link
                created = next((v for k, v in responses.items() if str(k).startswith("2")), None)
                if isinstance(created, dict):
                    created.setdefault("links", {})[target] = {
                        "operationId": target, "parameters": parameters, "description": LINK_NAMES[target]}


def any_value_without_nullable(self, field: Any, ret: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """A field of any type (marshmallow Raw) has no `type`; OpenAPI 3.0 allows `nullable` only beside one. An
    untyped schema admits null already, so the flag is dropped (Redocly's nullable-type-sibling)."""
    if ret.get("nullable") and "type" not in ret and "$ref" not in ret and "allOf" not in ret:
        del ret["nullable"]
    return {}
