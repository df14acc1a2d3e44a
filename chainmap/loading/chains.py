"""Chain definitions (seeds/chains.json): validation, and expansion into one chain per cluster."""

from __future__ import annotations

from typing import Any

from chainmap import vocab as v
from chainmap.loading import fields as f


def definition_errors(definitions: Any, known_industries: set[str]) -> list[tuple[str, str]]:
    """(path, reason) for everything wrong in the `definitions` mapping of chains.json."""
    if not isinstance(definitions, dict) or not definitions:
        return [("definitions", "must be a non-empty object keyed by definition key")]
    errors: list[tuple[str, str]] = []
    for key, chain in definitions.items():
        where = f"definitions.{key}"
        if not f.SLUG.match(key):
            errors.append((where, "key must be a lowercase slug"))
        if not isinstance(chain, dict) or not isinstance(chain.get("nodes"), list) or not chain["nodes"]:
            errors.append((where, "must have a non-empty nodes list"))
            continue
        if not isinstance(chain.get("name"), str) or not chain["name"]:
            errors.append((f"{where}.name", "is required"))
        keys = set()
        for i, node in enumerate(chain["nodes"]):
            at = f"{where}.nodes.{i}"
            if not isinstance(node, dict):
                errors.append((at, "must be an object"))
                continue
            if not f.SLUG.match(str(node.get("key", ""))):
                errors.append((f"{at}.key", "must be a lowercase slug"))
            elif node["key"] in keys:
                errors.append((f"{at}.key", f"{node['key']!r} appears twice"))
            keys.add(node.get("key"))
            if not isinstance(node.get("name"), str) or not node["name"]:
                errors.append((f"{at}.name", "is required"))
            if node.get("stage") not in v.CHAIN_STAGES:
                errors.append((f"{at}.stage", f"must be one of {', '.join(v.CHAIN_STAGES)}"))
            codes = node.get("industry_codes")
            if not isinstance(codes, list) or not codes:
                errors.append((f"{at}.industry_codes", "must be a non-empty list"))
            else:
                for code in codes:
                    if not (isinstance(code, str) and f.INDUSTRY_CLASS.match(code)):
                        errors.append((f"{at}.industry_codes", f"{code!r} is not a four-digit class"))
                    elif code not in known_industries:
                        errors.append((f"{at}.industry_codes", f"{code} is not a known industry class"))
            if not isinstance(node.get("keywords", []), list):
                errors.append((f"{at}.keywords", "must be a list"))
        for i, edge in enumerate(chain.get("edges", [])):
            at = f"{where}.edges.{i}"
            if not isinstance(edge, dict):
                errors.append((at, "must be an object"))
                continue
            for end in ("source", "target"):
                if edge.get(end) not in keys:
                    errors.append((f"{at}.{end}", f"{edge.get(end)!r} is not a node of this chain"))
            if edge.get("kind") not in v.EDGE_KINDS:
                errors.append((f"{at}.kind", f"must be one of {', '.join(v.EDGE_KINDS)}"))
            if edge.get("source") == edge.get("target"):
                errors.append((at, "an edge cannot join a node to itself"))
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
