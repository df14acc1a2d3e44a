"""Rendered responses kept per process by the data revision they were computed from (chainmap.graph.adapter.DATA).

A chain diagram reads stored facts computed from firms across the province; rendering it (the gap analysis, the
schema dump, the ETag hash) cost more than the query. A request first reads the data revision (one cheap round trip):
while no write has changed data since, every worker serves the bytes it rendered before. The revision is read before
rendering, so a result computed during a write is kept under the older token and never served after it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

from flask import Response, current_app

from api.context import graph

SIZE = 256  # chains (a province has 59 clusters) times the few thresholds and days a process sees


class Rendered:
    """A bounded LRU of (body, etag) by (what was asked, data revision, day)."""

    def __init__(self, size: int = SIZE) -> None:
        self.size = size
        self.entries: OrderedDict[Hashable, tuple[bytes, str]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: Hashable) -> tuple[bytes, str] | None:
        with self.lock:
            hit = self.entries.get(key)
            if hit is not None:
                self.entries.move_to_end(key)
            return hit

    def put(self, key: Hashable, value: tuple[bytes, str]) -> None:
        with self.lock:
            self.entries[key] = value
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)


CHAINS = Rendered()
CLUSTERS = Rendered()  # the cluster list's pages and each cluster's counts (analysing every node of a page each time)


def render(cache: Rendered, asked: Hashable, compute: Callable[[], Any], dump: Callable[[Any], Any],
           set_etag: Callable[[str], None]) -> Response:
    """The JSON response for `asked` at the current data revision: from `cache`, else computed, dumped and kept."""
    key = (asked, graph().data_revision(), dt.date.today())
    hit = cache.get(key)
    if hit is None:
        body = current_app.json.dumps(dump(compute())).encode()
        hit = (body, hashlib.sha256(body).hexdigest()[:32])
        if key[1] is not None:  # a graph no write has touched yet has no revision to key on
            cache.put(key, hit)
    set_etag(hit[1])  # 304 when the client has it
    return Response(hit[0], mimetype="application/json")
