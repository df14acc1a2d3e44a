"""Chain definitions (seeds/chains.json): validation, and expansion into one chain per cluster."""

from __future__ import annotations

from typing import Any

from chainmap import vocab as v
from chainmap.loading import fields as f


def definition_errors(definitions: Any, known_industries: set[str]) -> list[tuple[str, str]]:
    """(path, reason) for everything wrong in the `definitions` mapping of chains.json."""
    if not isinstance(definitions, dict) or not definitions:
        return [("definitions", "须为以模板键为键的非空对象")]
    errors: list[tuple[str, str]] = []
    for key, chain in definitions.items():
        where = f"definitions.{key}"
        if not f.SLUG.match(key):
            errors.append((where, "键须为小写短名（a-z、0-9、-）"))
        if not isinstance(chain, dict) or not isinstance(chain.get("nodes"), list) or not chain["nodes"]:
            errors.append((where, "须有非空的 nodes 列表"))
            continue
        if not isinstance(chain.get("name"), str) or not chain["name"]:
            errors.append((f"{where}.name", "必填"))
        keys = set()
        for i, node in enumerate(chain["nodes"]):
            at = f"{where}.nodes.{i}"
            if not isinstance(node, dict):
                errors.append((at, "须为对象"))
                continue
            if not f.SLUG.match(str(node.get("key", ""))):
                errors.append((f"{at}.key", "须为小写短名（a-z、0-9、-）"))
            elif node["key"] in keys:
                errors.append((f"{at}.key", f"{node['key']!r} 出现两次"))
            keys.add(node.get("key"))
            if not isinstance(node.get("name"), str) or not node["name"]:
                errors.append((f"{at}.name", "必填"))
            if node.get("stage") not in v.CHAIN_STAGES:
                errors.append((f"{at}.stage", f"须为 {'、'.join(v.CHAIN_STAGES)} 之一"))
            codes = node.get("industry_codes")
            if not isinstance(codes, list) or not codes:
                errors.append((f"{at}.industry_codes", "须为非空列表"))
            else:
                for code in codes:
                    if not (isinstance(code, str) and f.INDUSTRY_CLASS.match(code)):
                        errors.append((f"{at}.industry_codes", f"{code!r} 不是四位行业小类代码"))
                    elif code not in known_industries:
                        errors.append((f"{at}.industry_codes", f"{code} 不是已知的行业小类"))
            if not isinstance(node.get("keywords", []), list):
                errors.append((f"{at}.keywords", "须为列表"))
        for i, edge in enumerate(chain.get("edges", [])):
            at = f"{where}.edges.{i}"
            if not isinstance(edge, dict):
                errors.append((at, "须为对象"))
                continue
            for end in ("source", "target"):
                if edge.get(end) not in keys:
                    errors.append((f"{at}.{end}", f"{edge.get(end)!r} 不是本产业链的环节"))
            if edge.get("kind") not in v.EDGE_KINDS:
                errors.append((f"{at}.kind", f"须为 {'、'.join(v.EDGE_KINDS)} 之一"))
            if edge.get("source") == edge.get("target"):
                errors.append((at, "连线不能连接环节自身"))
    return errors


def expand(cluster: dict[str, Any], chain: dict[str, Any]) -> tuple[list[dict], list[dict]]:
    """The cluster's chain nodes and edges. Node ids are `<cluster id>.<node key>`: stable across loads."""
    basis = cluster["chain_basis"]
    nodes = [
        {
            "id": f"{cluster['id']}.{node['key']}",
            "cluster": cluster["id"],
            "key": node["key"],
            "name": node["name"],
            "stage": node["stage"],
            "industry_codes": list(node["industry_codes"]),
            "keywords": list(node.get("keywords", [])),
            "basis": basis,
            "template": cluster["chain"],
            "sources": list(chain.get("sources", [])) if basis == "documented" else [],
        }
        for node in chain["nodes"]
    ]
    edges = [
        {"source": f"{cluster['id']}.{e['source']}", "target": f"{cluster['id']}.{e['target']}", "kind": e["kind"]}
        for e in chain.get("edges", [])
    ]
    return nodes, edges
