"""Reuse of ranked lists: per-process LRUs and lists stored in the graph, keyed by the revision tokens they were
computed from (chainmap.graph.footprints), so a list is never served after its data moved on while a change elsewhere
leaves it in use; gunicorn's other workers and a restarted service reuse what one process computed.
"""

from __future__ import annotations

import atexit
import contextvars
import copy
import hashlib
import json
import logging
import os
import queue
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, LiteralString, NamedTuple, TypeVar

from chainmap.graph import Graph, footprints
from chainmap.recommendations.score import TEXTS, Target
from chainmap.recommendations.target import Request, target_context, with_changed_partners

# Per chain node of a cluster: the current tokens of the scopes its list may depend on (chainmap.graph.footprints), as
# [key, token] pairs: `local` (the whole graph and the cluster's county), `near` (the parents of the node's codes:
# their groups) and `division` (their divisions); `context`, those its target context depends on (the whole graph and
# the county's partners); the list stored under `$keys[node]` by any process, if any; and the partner log of the
# county (chainmap.graph.footprints).
NODE_LISTS: LiteralString = (
    "MATCH (c:Cluster {id: $cluster})-[:HAS_NODE]->(n:ChainNode) WHERE n.id IN $nodes "
    "WITH n, c.county AS county, coalesce(n.industry_codes, []) AS codes, "
    "  ['graph', 'county:' + c.county, 'partners:' + c.county] AS local "
    "CALL (local) { UNWIND local AS key OPTIONAL MATCH (r:Revision {id: key}) RETURN collect([key, r.token]) AS lt } "
    "CALL (codes) { UNWIND codes AS code WITH DISTINCT 'industry:' + left(code, size(code) - 1) AS key ORDER BY key "
    "  OPTIONAL MATCH (r:Revision {id: key}) RETURN collect([key, r.token]) AS nt } "
    "CALL (codes) { UNWIND codes AS code WITH DISTINCT 'industry:' + left(code, 2) AS key ORDER BY key "
    "  OPTIONAL MATCH (r:Revision {id: key}) RETURN collect([key, r.token]) AS dt } "
    "OPTIONAL MATCH (l:RankedList {key: $keys[n.id]}) "
    "OPTIONAL MATCH (p:Revision {id: 'partners:' + county}) "
    "RETURN n.id AS id, [x IN lt WHERE NOT x[0] STARTS WITH 'partners:'] AS local, nt AS near, dt AS division, "
    "  [x IN lt WHERE NOT x[0] STARTS WITH 'county:'] AS context, "
    "  l {.tokens, .division, .ranked} AS stored, coalesce(p.log, []) AS partner_log"
)
# One list per key; lists of earlier days go (a key holds its day, so they are never read again).
STORE_LIST: LiteralString = (
    "MERGE (l:RankedList {key: $key}) "
    "SET l.tokens = $tokens, l.division = $division, l.ranked = $ranked, l.day = $day, l.node = $node "
    "WITH count(*) AS stored CALL () { MATCH (old:RankedList) WHERE old.day < $day WITH old LIMIT 1000 DELETE old }"
)
FORGET_LISTS: LiteralString = "MATCH (l:RankedList) DELETE l"

class _Lru:
    """Results of this process: per request, the latest result with the revision tokens it was computed from.

    A node's ranked list depends only on the date, the configuration and parts of the graph: the whole-graph scope
    (chains, clusters, regions), its county, the groups of its codes and, when division-level matches filled it,
    their divisions (chainmap.graph.footprints); its target context on the whole graph and the county's partners.
    Each scope's token changes with every committed data change in it, so an entry is served only while its tokens
    are the current ones, while a change elsewhere (another county's firms, another industry) leaves it in use. A
    result computed from newer tokens replaces the request's entry: keyed by the tokens, every write filled the cache
    with entries that could never be served again, and Python's cyclic garbage collector walked them all on each full
    pass (60–210 ms pauses in requests, measured at province scale). Ranked lists are copied in and out (callers
    annotate them); target contexts are read-only.
    """

    def __init__(self, size: int, copies: bool) -> None:
        self.size, self.copies = size, copies
        self.entries: OrderedDict[tuple, tuple[Any, Any]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple, tokens: Any) -> Any:
        """The request's result if it was computed from these tokens, else None."""
        with self.lock:
            found = self.entries.get(key)
            if found is None or found[0] != tokens:
                return None
            self.entries.move_to_end(key)
            return copy.deepcopy(found[1]) if self.copies else found[1]

    def latest(self, key: tuple) -> tuple[Any, Any] | None:
        """The request's last tokens and result, whatever they are (read-only: not copied), else None."""
        with self.lock:
            return self.entries.get(key)

    def put(self, key: tuple, tokens: Any, value: Any) -> None:
        with self.lock:
            self.entries[key] = (tokens, copy.deepcopy(value) if self.copies else value)
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)


class _Stores:
    """Ranked lists waiting to be stored, written by one thread of this process behind the answers.

    Storing is a write transaction (BEGIN, RUN, COMMIT and a flush of Neo4j's log): about a fifth of a fresh
    one-node answer at province scale, paid by the caller for the benefit of other processes only. So the answer goes
    out first. A list stored late, or over a newer one, is harmless: a reader uses a stored list only while its
    tokens are the current ones. A store that fails (the database away) or finds the queue full is dropped: the next
    process to need the list ranks it afresh. Started in the process that first stores (after gunicorn's fork).
    """

    def __init__(self, size: int = 256) -> None:
        self.queue: queue.Queue[tuple[Graph, dict[str, Any]]] = queue.Queue(size)
        self.started_in: int | None = None
        self.lock = threading.Lock()

    def put(self, graph: Graph, params: dict[str, Any]) -> None:
        with self.lock:
            if self.started_in != os.getpid():
                self.queue = queue.Queue(self.queue.maxsize)
                threading.Thread(target=self._work, args=(self.queue,), name="chainmap-store-lists", daemon=True).start()
                self.started_in = os.getpid()
        try:
            self.queue.put_nowait((graph, params))
        except queue.Full:
            LOG.warning("推荐名单存储队列已满，本次名单未存入图库（其他进程将重新计算）")

    def flush(self, timeout_s: float = 30.0) -> None:
        """Wait until every list queued so far is stored (tests; the process's exit, for at most `timeout_s`)."""
        q = self.queue
        with q.all_tasks_done:
            q.all_tasks_done.wait_for(lambda: q.unfinished_tasks == 0, timeout=timeout_s)

    @staticmethod
    def _work(q: queue.Queue[tuple[Graph, dict[str, Any]]]) -> None:
        while True:
            graph, params = q.get()
            try:
                graph.write(STORE_LIST, touches=footprints.NOTHING, **params)
            except Exception:  # noqa: BLE001 - a lost store costs one ranking elsewhere; the thread must go on
                LOG.warning("推荐名单未能存入图库（其他进程将重新计算）", exc_info=True)
            finally:
                q.task_done()


LOG = logging.getLogger(__name__)
STORES = _Stores()
atexit.register(STORES.flush, 5.0)
RANKED = _Lru(512, copies=True)
TARGETS = _Lru(256, copies=False)


class Tokens(NamedTuple):
    """A node's scope tokens: whole graph and county, its codes' groups, their divisions (chainmap.graph.footprints),
    those of its target context (whole graph and the county's partners); with the list any process stored for the
    same request, if there is one."""

    local: tuple
    near: tuple
    division: tuple
    context: tuple
    stored: dict | None = None
    partner_log: tuple[str, ...] = ()


def list_key(req: Request) -> str:
    """The stored list's key: the request, the day and the versions of the score's configuration, policy and texts."""
    text = json.dumps([req.cluster_id, req.node_id, list(req.origins), req.limit, req.min_revenue,
                       req.today.isoformat(), req.config["version"], req.policies.reward.version, TEXTS])
    return hashlib.sha256(text.encode()).hexdigest()


def revisions(graph: Graph, requests: list[Request]) -> dict[str, Tokens]:
    """Per node of one cluster, the current tokens of the scopes its ranked list may depend on, and the stored list
    (one read)."""
    if not requests:
        return {}
    keys = {r.node_id: list_key(r) for r in requests}
    def pairs(rows: list) -> tuple:
        return tuple(map(tuple, rows))

    return {r["id"]: Tokens(pairs(r["local"]), pairs(r["near"]), pairs(r["division"]), pairs(r["context"]),
                          r["stored"], tuple(r["partner_log"]))
            for r in graph.read(NODE_LISTS, cluster=requests[0].cluster_id, nodes=list(keys), keys=keys)}


def cached_context(graph: Graph, req: Request, scope: tuple | None,
                   partner_log: tuple[str, ...] = ()) -> tuple[Target, dict[str, Any]]:
    """The node's target context, reused while the whole-graph and county-partner tokens (`scope`) stay the same,
    whatever happens to the candidates' industries or to what else the county's firms record (revenues, ties).
    When only the partner token moved and the county's `partner_log` names every firm changed since, the last
    context is brought up to date by reading those firms alone. (On a cluster, that read must see at least the state
    NODE_LISTS saw: it does, because every read shares the driver's bookmarks, chainmap.graph.adapter.)"""
    return _context(graph, req, scope, partner_log)[0]


Context = tuple[Target, dict[str, Any]]
R = TypeVar("R")


def _context_key(req: Request) -> tuple:
    return req.cluster_id, req.node_id, req.origins, req.today, req.policies.reward.version


def ranked_with_context(graph: Graph, req: Request, scope: tuple, partner_log: tuple[str, ...],
                        rank: Callable[[Context], R]) -> R:
    """`rank` of the node's target context as cached_context gives it. When that means reading the context whole
    (after a write outside every scope: a chain edit, a load or import batch; or a partner write the log cannot
    name) while this process holds an older one, the ranking starts from the older context as the read runs on
    another connection, and stands if the context read equals the older one in everything a ranking reads; else
    it ranks again. Most such writes leave a node's context as it was, so its two reads (at 8M, 10–12 ms each: the
    county's thousands of potential partners; the rank-key round) overlap instead of adding up."""
    found, early = _context(graph, req, scope, partner_log, rank)
    return early if early is not None else rank(found)


def _context(graph: Graph, req: Request, scope: tuple | None, partner_log: tuple[str, ...],
             rank: Callable[[Context], R] | None = None) -> tuple[Context, R | None]:
    """The context (cached_context), and `rank` of the one held before when it was ranked beside a whole read and
    still holds (ranked_with_context)."""
    key = _context_key(req)
    if scope is None:
        return target_context(graph, req), None
    if (hit := TARGETS.get(key, scope)) is not None:
        return hit, None
    last = TARGETS.latest(key)
    firms = changed_since(last[0], scope, partner_log) if last else None
    early = None
    if last is not None and firms is not None:
        found = with_changed_partners(graph, req, last[1], firms)
    elif last is None or rank is None:
        found = target_context(graph, req)
    else:
        reading = _in_thread(target_context, graph, req)
        early = rank(last[1])
        found = reading.result()
        if _ranked_from(last[1]) != _ranked_from(found):
            early = None
    TARGETS.put(key, scope, found)
    return found, early


def _ranked_from(context: Context) -> tuple:
    """What a ranking reads of a context (all but the partners' codes, which only patching needs), in an order
    that does not depend on how the graph collected it."""
    found = context[1]
    return (context[0], found["keys"], sorted(found["lanes"]), sorted(found["introduced"]),
            sorted(map(tuple, found["origin_points"])))


def _in_thread(work: Callable[..., R], *args: Any) -> Future[R]:
    """`work(*args)` on a thread of its own, in this request's context (its database time budget included)."""
    future: Future[R] = Future()
    context = contextvars.copy_context()

    def run() -> None:
        try:
            future.set_result(context.run(work, *args))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller, which waits for the result
            future.set_exception(exc)

    threading.Thread(target=run, name="chainmap-target-context", daemon=True).start()
    return future


def changed_since(old: tuple, new: tuple, partner_log: tuple[str, ...]) -> set[str] | None:
    """The firms whose partner facts changed between two context scopes ([key, token] pairs), when the log names
    them all: only the 'partners:' token moved, the log holds the old token and ends with the new one, and no entry
    since says '*'. Else None (read the context again)."""
    was, now = dict(old), dict(new)
    moved = [key for key in now if was.get(key) != now[key]]
    if was.keys() != now.keys() or len(moved) != 1 or not moved[0].startswith("partners:"):
        return None
    entries = [entry.split("|", 1) for entry in partner_log]
    tokens = [token for token, _ in entries]
    if was[moved[0]] not in tokens or tokens[-1] != now[moved[0]]:
        return None
    since = [firms for _, firms in entries[tokens.index(was[moved[0]]) + 1:]]
    return None if "*" in since else {uscc for firms in since for uscc in firms.split(",")}


def text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def forget(graph: Graph) -> None:
    """Drop every reusable result, of this process and stored (tests; an operator after editing the graph around
    chainmap)."""
    STORES.flush()
    RANKED.entries.clear()
    TARGETS.entries.clear()
    graph.write(FORGET_LISTS, touches=footprints.NOTHING)


