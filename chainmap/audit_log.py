"""The audit trail (操作日志) read newest first, filtered by object, kind, actor, county and time; and the one entry
recorded for work written in many transactions (imports, directory loads)."""

from __future__ import annotations

import secrets
from typing import Any

from chainmap import places
from chainmap.audit import current_actor, diff
from chainmap.graph import Graph, footprints
from chainmap.graph.audit import COUNT, LIST, RECORD_WORK
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


def record_work(graph: Graph, operation: str, kind: str, object_id: str, county: str | None,
                after: dict[str, Any]) -> None:
    """Append one entry for work that committed in several transactions (an import's batches, a load's files):
    who did it, and `after` (flat: scalars and lists) saying what was written. A single API write records its own
    entry inside its transaction instead (chainmap.graph.audit); this one follows the work's last commit, so a crash
    between the two leaves the work without its entry, never an entry without the work."""
    actor = current_actor()
    if actor is None:
        return
    graph.write(RECORD_WORK, touches=footprints.NOTHING, actor=actor.key_id, label=actor.label, role=actor.role,
                operation=operation, kind=kind, county=county,
                entries=[{"entry": f"au-{secrets.token_hex(8)}", "id": object_id, "county": county, "before": None,
                          "after": after}])
