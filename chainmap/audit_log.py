"""Reading the audit trail (操作日志): newest first, filtered by object, kind, actor, county and time."""

from __future__ import annotations

import json
from typing import Any

from chainmap.graph import Graph
from chainmap.graph.audit import LIST
from chainmap.paging import Page, envelope


def list_entries(graph: Graph, page: Page, **filters: Any) -> dict:
    params = {k: filters.get(k) for k in ("object", "kind", "actor", "county", "since", "until")}
    for key in ("since", "until"):
        if params[key] is not None:
            params[key] = params[key].isoformat()
    row = graph.read(LIST, skip=page.skip, limit=page.per_page, **params)[0]
    items = [{**item, "changes": json.loads(item["changes"])} for item in row["items"]]
    return envelope(items, row["total"], page)
