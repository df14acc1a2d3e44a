"""Reading the audit trail (操作日志): newest first, filtered by object, kind, actor, county and time."""

from __future__ import annotations

from typing import Any

from chainmap import places
from chainmap.audit import diff
from chainmap.graph import Graph
from chainmap.graph.audit import COUNT, LIST
from chainmap.paging import Page, envelope


def list_entries(graph: Graph, page: Page, **filters: Any) -> dict:
    params = {k: filters.get(k) for k in ("object", "kind", "actor", "since", "until")}
    params["county"] = places.resolve_filters(graph, county=filters.get("county"))["county"]  # 422 when unknown
    for key in ("since", "until"):
        value = params[key]
        if value is not None:
            params[key] = value.isoformat()
    rows = graph.read(LIST, skip=page.skip, limit=page.per_page, **params)
    total = rows[0]["total"] if rows else graph.read(COUNT, **params)[0]["total"]
    items = [{**r["entry"], "changes": {"fields": diff(r["before"] or None, r["after"] or None)}} for r in rows]
    return envelope(items, total, page)
