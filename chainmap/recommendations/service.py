"""Recommendations as the API asks for them: a cluster's gap / weak / bottleneck nodes (or one node), each node's
ranked list reused when its data has not moved on (chainmap.recommendations.reuse), else searched afresh
(chainmap.recommendations.search).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, LiteralString

from chainmap import upkeep
from chainmap.errors import Invalid, NotFound
from chainmap.gaps.analysis import analyse_clusters
from chainmap.graph import Graph
from chainmap.policy import Policies, Thresholds
from chainmap.recommendations import reuse
from chainmap.recommendations.search import ranked_list
from chainmap.recommendations.target import Request
from chainmap.vocab import HEBEI, TRANSFER_ORIGINS

def for_node(graph: Graph, req: Request, page: int | None = None,
             revision: reuse.Tokens | None = None) -> list[dict[str, Any]]:
    """The top `req.limit` targets for one node; `page` is the first chunk scored (tests pass a huge one to score all).

    With the node's `revision` tokens, an answer computed from the same tokens the same day is reused, from this
    process or from the graph, where every process stores what it computes behind its answer (reuse.STORES) for
    gunicorn's other workers and a restart: its
    local and near tokens must match, and its division tokens too when division-level matches filled it."""
    keys = upkeep.keys_version(req.config)
    if revision is None:
        return ranked_list(graph, req, reuse.cached_context(graph, req, None), keys, page)[0]
    key, scopes = (req, page), (revision.local, revision.near)
    hit = reuse.RANKED.get(key, scopes)
    if hit is not None and hit[0] in (None, revision.division):
        return hit[1]
    stored, tokens = revision.stored, reuse.text([*revision.local, *revision.near])
    if (page is None and stored and stored["tokens"] == tokens
            and stored["division"] in (None, reuse.text(revision.division))):
        ranked, division = json.loads(stored["ranked"]), revision.division if stored["division"] else None
    else:
        last = reuse.RANKED.latest(key)  # this process's last list for the request, else the stored one
        guess = kth_guess(req, last[1][1] if last else json.loads(stored["ranked"]) if stored else [])
        ranked, divisions = reuse.ranked_with_context(graph, req, revision.context, revision.partner_log,
                                                      lambda context: ranked_list(graph, req, context, keys, page, guess))
        division = revision.division if divisions else None
        if page is None:
            reuse.STORES.put(graph, {"key": reuse.list_key(req), "tokens": tokens, "day": req.today,
                                     "division": reuse.text(division) if division else None,
                                     "ranked": reuse.text(ranked), "node": req.node_id})
    reuse.RANKED.put(key, scopes, (division, ranked))
    return ranked



# How far below the same request's last k-th score a fresh search starts (chainmap.recommendations.search,
# _lane_search): most writes move a list's k-th score by less; one that lowers it further costs a second search.
GUESS_MARGIN = 0.002


def kth_guess(req: Request, ranked: list[dict[str, Any]]) -> float | None:
    """A guess of the k-th score from the same request's last list, if it was full."""
    return ranked[req.limit - 1]["score"] - GUESS_MARGIN if len(ranked) >= req.limit else None


UNKNOWN_ORIGINS: LiteralString = ("UNWIND $origins AS o OPTIONAL MATCH (r:Region) WHERE r.adcode STARTS WITH o "
                                   "WITH o, count(r) AS n WHERE n = 0 RETURN o")


def recommend(graph: Graph, policies: Policies, cluster_id: str, thresholds: Thresholds, *,
              node_key: str | None = None, origins: tuple[str, ...] = TRANSFER_ORIGINS, limit: int = 10,
              min_revenue: int | None = None) -> dict:
    """Ranked targets for one node, or for every gap / weak / bottleneck node of the cluster."""
    if any(o.startswith(HEBEI) for o in origins):
        raise Invalid("转移来源须在河北省外（默认北京 11、天津 12）",
                      errors=[{"field": "origin", "reason": "河北省的代码不能作为转移来源"}])
    # the default origins (Beijing, Tianjin) are known: only codes a caller gave cost the read
    unknown = [] if origins == TRANSFER_ORIGINS else [
        r["o"] for r in graph.read(UNKNOWN_ORIGINS, origins=list(origins))]
    if unknown:  # an empty list for a code no region has would read as "no targets there"
        raise Invalid(f"未知的来源地代码：{'、'.join(unknown)}",
                      errors=[{"field": "origin", "reason": f"没有以 {o} 开头的行政区划代码"} for o in unknown])
    statuses, _ = analyse_clusters(graph, [cluster_id], "county", thresholds).get(cluster_id, ({}, {}))
    if not statuses:
        raise NotFound(f"没有编号为 {cluster_id} 的产业集群（或该集群尚无产业链）")
    if node_key:
        node_id = f"{cluster_id}.{node_key}"
        if node_id not in statuses:
            raise NotFound(f"产业集群 {cluster_id} 没有环节 {node_key}")
        nodes = [node_id]
    else:
        nodes = sorted(n for n, (status, _) in statuses.items() if status != "present")
    today = dt.date.today()
    requests = [Request(cluster_id, node_id, tuple(origins), limit, min_revenue, today, policies) for node_id in nodes]
    tokens = reuse.revisions(graph, requests)
    items, common = [], {}
    for req in requests:
        node_id = req.node_id
        ranked = for_node(graph, req, revision=tokens.get(node_id))
        common[node_id] = shared_reasons(ranked)
        for item in ranked:
            item["reasons"] = [r for r in item["reasons"] if r not in common[node_id]]
            item["node"]["status"] = statuses[node_id][0]
            items.append(item)
    items.sort(key=lambda r: (-r["score"], r["enterprise"]["uscc"], r["node"]["id"]))
    return {"cluster": cluster_id, "nodes": nodes, "origins": list(origins), "common_reasons": common,
            "config_version": policies.recommendation["version"],
            "items": items}


def shared_reasons(ranked: list[dict[str, Any]]) -> list[str]:
    """Reasons every target of a node's list shares (the same partner count, the same distance): they explain no
    ranking, so they are said once for the node rather than repeated on each target."""
    if len(ranked) < 2:
        return []
    first = ranked[0]["reasons"]
    return [r for r in first if all(r in item["reasons"] for item in ranked[1:])]
