"""The one adapter between chainmap and Neo4j.

Everything past this module sees plain Python values: dicts, lists, str, int, float, bool,
datetime.date/datetime. Driver failures become chainmap.errors exceptions here.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, LiteralString, Protocol

import neo4j
from neo4j import GraphDatabase, RoutingControl
from neo4j.exceptions import (
    AuthError,
    ConstraintError,
    DriverError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
)

from chainmap.audit import Change
from chainmap.errors import Conflict, Unavailable
from chainmap.graph import audit, deadline
from chainmap.graph.footprints import NOTHING, PARTNER_LOG
from chainmap.settings import Settings

Row = dict[str, Any]
# A statement run inside the current write transaction, returning plain rows (what a `keep` is given).
Run = Callable[..., list[Row]]


class Keep(Protocol):
    """Derived data kept inside a write's own transaction (chainmap.gaps.delta): before() runs ahead of the write
    statement, after() behind it; both may run again when the transaction is retried."""

    def before(self, run: Run) -> None: ...

    def after(self, run: Run) -> None: ...
COUNTERS = ("nodes_created", "nodes_deleted", "relationships_created", "relationships_deleted", "properties_set")
DATA_CHANGES = (*COUNTERS, "labels_added", "labels_removed")
# Every write transaction that changes data also gives the Revision nodes of the keys its footprint names a fresh random
# token, in the same transaction, so a reader can tell with one cheap read whether anything it cached a result from
# changed. A random token rather than a counter: a wiped and reloaded graph must never reuse an old value. The
# key is the whole graph ('graph') unless the write names its footprint (chainmap.graph.footprints).
BUMP: LiteralString = "UNWIND $keys AS key MERGE (r:Revision {id: key}) SET r.token = randomUUID() " + PARTNER_LOG
REVISIONS: LiteralString = "UNWIND $keys AS key OPTIONAL MATCH (r:Revision {id: key}) RETURN key, r.token AS token"
WHOLE_GRAPH = "graph"
# Renewed by every write that changes data, whatever its footprint: the revision of "anything a reader may show",
# for results that depend on much of the graph at once (a rendered chain diagram reads facts computed from firms across
# the province). Scoped readers (ranked lists) read their own keys and are not disturbed by it.
DATA = "data"
UNREACHABLE = "图数据库暂时无法连接，请稍后再试"
TOO_SLOW = "图数据库未能及时响应，请稍后再试"
BUSY = "图数据库此刻繁忙（同时进行的查询用尽了可用内存），请稍后再试"
# A write query that finds, under its locks, that what it would create is already there returns that object in a
# column named `clash`; the transaction is then rolled back (nothing it did stays, no token is renewed) and the
# caller gets a Clash naming it. This is how uniqueness that no constraint can express is kept inside the write.
CLASH = "clash"


# Graph.write's `guard`: one query or several, each run first in the write transaction (see write()).
Guard = LiteralString | tuple[LiteralString, ...] | None


class Clash(Conflict):
    """The write found an existing object in its place (returned by the query as `clash`) and was rolled back."""

    def __init__(self, existing: Any) -> None:
        super().__init__("该修改与已有记录冲突")
        self.existing = existing


class Graph:
    """A Neo4j driver for one process, with read/write helpers that return plain rows."""

    def __init__(self, settings: Settings) -> None:
        self.database = settings.neo4j_database
        self.tx_timeout_s = settings.tx_timeout_s
        self.retry_time_s = settings.retry_time_s
        auth = (settings.neo4j_user, settings.neo4j_password) if settings.neo4j_password else None
        # Creating a driver does not connect; the first query does.
        self.driver = GraphDatabase.driver(
            settings.neo4j_uri,
            auth=auth,
            connection_timeout=min(settings.connect_timeout_s, settings.db_wait_s),
            connection_acquisition_timeout=min(settings.connect_timeout_s * 2, settings.db_wait_s),
            # Transient failures are retried here (_retrying), within the request's budget, not by the driver.
            max_transaction_retry_time=0,
            user_agent="chainmap",
            # "property/label does not exist" is normal while a graph is young (no node has a field yet); the
            # driver would log it on every such query.
            notifications_disabled_classifications=["UNRECOGNIZED"],
        )

    def close(self) -> None:
        self.driver.close()

    def with_timeout(self, seconds: float) -> Graph:
        """The same driver with another per-transaction timeout: a bulk load or a full refresh (CLI, start-up,
        tests) may run far longer than a request may wait, and is not bound by the HTTP worker's timeout."""
        other = copy.copy(self)
        other.tx_timeout_s = seconds
        return other

    def read(self, query: LiteralString, **params: Any) -> list[Row]:
        """Run a read query (routable to followers) and return its rows."""
        return self._run(query, params, RoutingControl.READ)

    def write(self, query: LiteralString, *, touches: LiteralString | None = None, change: Change | None = None,
              keep: Keep | None = None, guard: Guard = None, **params: Any) -> list[Row]:
        """Run a write query in one managed transaction and return its rows.

        `touches` is a footprint query over the same parameters returning one row with `keys`, the parts of the
        graph the write can change; it runs before and after the write, in its transaction. Without it a change
        renews 'graph'. `change` names what the write does for the audit trail: its entry is written in the same
        transaction. `keep` keeps derived data in step in the same transaction (Keep). `guard` (one query or several)
        runs first, over the same parameters: a row whose `clash` is not null refuses the write (Clash, nothing
        written), so a condition it checks under the locks it takes cannot change before the write.
        """
        return self._run(query, params, RoutingControl.WRITE, touches=touches, change=change, keep=keep, guard=guard)

    def write_batches(self, query: LiteralString, rows: Iterable[Row], size: int = 5000, *,
                      touches: LiteralString | None = None, keep: Callable[[Sequence[Row]], Keep] | None = None,
                      guard: Guard = None, **params: Any) -> int:
        """Run `query` once per batch with the batch as `$rows`; each batch is its own transaction (with `keep` of
        the batch and the `guard`, see write())."""
        count = 0
        for batch in _chunks(rows, size):
            self._run(query, {**params, "rows": batch}, RoutingControl.WRITE, touches=touches,
                      keep=keep(batch) if keep else None, guard=guard)
            count += len(batch)
        return count

    def write_counted(self, query: LiteralString, *, touches: LiteralString | None = None, keep: Keep | None = None,
                      **params: Any) -> tuple[list[Row], dict[str, int]]:
        """Like write(), plus the server's update counters (nodes_created, relationships_created, ...)."""
        counters: dict[str, int] = {}
        rows = self._run(query, params, RoutingControl.WRITE, counters, touches, keep=keep)
        return rows, counters

    @contextmanager
    def stream(self, query: LiteralString, fetch_size: int = 100, **params: Any) -> Iterator[Iterator[Row]]:
        """Run a read query and yield its rows lazily, `fetch_size` at a time; leaving the block early discards the
        rest on the server. For ordered searches that usually stop long before the last row. It shares the
        driver's bookmarks with read() and write(): on a cluster a secondary serves it only once it has caught up
        with this process's last write."""
        with _translated():
            with self.driver.session(database=self.database, default_access_mode=neo4j.READ_ACCESS,
                                     fetch_size=fetch_size,
                                     bookmark_manager=self.driver.execute_query_bookmark_manager) as session:
                result = session.run(neo4j.Query(query, timeout=self._timeout()), params)
                yield ({key: _plain(value) for key, value in record.items()} for record in result)

    def revisions(self, keys: list[str]) -> dict[str, str | None]:
        """The token of each footprint key's last committed data change (None before the first)."""
        return {r["key"]: r["token"] for r in self._run(REVISIONS, {"keys": keys}, RoutingControl.READ)}

    def renew(self) -> None:
        """Renew the whole-graph token, which every cached result depends on: after data was changed around this
        adapter (cypher-shell, a restore), every process drops what it reused at its next read."""
        self._run(BUMP, {"keys": [WHOLE_GRAPH, DATA], "firms": None}, RoutingControl.WRITE)

    def data_revision(self) -> str | None:
        """The token of the last committed data change of any kind (one cheap read)."""
        return self.revisions([DATA])[DATA]

    def ping(self) -> None:
        """Raise Unavailable unless the database answers a trivial query (one try, no retries)."""
        try:
            with self.driver.session(database=self.database, default_access_mode=neo4j.READ_ACCESS) as session:
                session.run(neo4j.Query("RETURN 1 AS ok", timeout=self._timeout())).consume()
        except (DriverError, Neo4jError, deadline.Exceeded) as exc:
            raise Unavailable(UNREACHABLE) from exc

    def _timeout(self) -> float:
        """The transaction timeout sent to the server: the configured one, or what is left of the request's budget."""
        left = deadline.remaining()
        if left is not None and left < 0.05:
            raise Unavailable(TOO_SLOW)
        return self.tx_timeout_s if left is None else min(self.tx_timeout_s, left)

    def _run(self, query: LiteralString, params: dict[str, Any], routing: RoutingControl,
             counters: dict[str, int] | None = None, touches: LiteralString | None = None,
             change: Change | None = None, keep: Keep | None = None,
             guard: Guard = None) -> list[Row]:
        write = routing == RoutingControl.WRITE

        def attempt() -> tuple[list[neo4j.Record], neo4j.ResultSummary]:
            mode = neo4j.WRITE_ACCESS if write else neo4j.READ_ACCESS
            with self.driver.session(database=self.database, default_access_mode=mode,
                                     bookmark_manager=self.driver.execute_query_bookmark_manager) as session:
                if not write:
                    # An auto-commit transaction: RUN and PULL in one round trip, where an explicit one waits for
                    # BEGIN and COMMIT too (three). Retried by _retrying like the explicit ones; a read has nothing
                    # to roll back.
                    result = session.run(neo4j.Query(query, timeout=self._timeout()), params)
                    return list(result), result.consume()
                with session.begin_transaction(timeout=self._timeout()) as tx:
                    records, summary = _write_work(tx, query, params, touches, change, keep, guard)
                    tx.commit()
            return records, summary

        with _translated():
            records, summary = self._retrying(attempt)
        if counters is not None:
            for name in COUNTERS:
                counters[name] = counters.get(name, 0) + getattr(summary.counters, name)
        return [{key: _plain(value) for key, value in record.items()} for record in records]

    def _retrying(self, attempt: Callable[[], Any]) -> Any:
        """Run `attempt`, retrying transient failures (a leader change, a deadlock, a dropped connection) for up to
        CHAINMAP_RETRY_TIME, and never past the request's budget (chainmap.graph.deadline)."""
        first_failure: float | None = None
        pause = 0.2
        while True:
            try:
                return attempt()
            except (DriverError, Neo4jError) as exc:
                if not exc.is_retryable():
                    raise
                now = time.monotonic()
                first_failure = first_failure or now
                left = deadline.remaining()
                if left is not None and left <= pause:
                    raise Unavailable(TOO_SLOW) from exc
                if now - first_failure + pause > self.retry_time_s:
                    raise
                time.sleep(pause)
                pause = min(pause * 2, 1.0)


@contextmanager
def _translated() -> Iterator[None]:
    """Driver failures as chainmap.errors exceptions."""
    try:
        yield
    except ConstraintError as exc:
        raise Conflict("该修改与已有记录冲突") from exc
    except deadline.Exceeded as exc:
        raise Unavailable(TOO_SLOW) from exc
    except (ServiceUnavailable, SessionExpired, AuthError) as exc:
        # AuthError included: a wrong server password is an operator problem, not the caller's.
        raise Unavailable(UNREACHABLE) from exc
    except (DriverError, Neo4jError) as exc:
        if isinstance(exc, Neo4jError) and exc.code and "TransactionTimedOut" in exc.code:
            raise Unavailable(TOO_SLOW) from exc
        if isinstance(exc, Neo4jError) and exc.code and exc.code.startswith("Neo.TransientError."):
            # still failing after the retries: the server's memory for transactions taken by concurrent queries
            # (MemoryPoolOutOfMemoryError), a lock it could not get … — the caller can try again; not a 500
            raise Unavailable(BUSY) from exc
        if isinstance(exc, DriverError) and not isinstance(exc, Neo4jError):
            raise Unavailable(UNREACHABLE) from exc
        raise


def _write_work(tx: neo4j.Transaction, query: LiteralString, params: dict[str, Any],
                touches: LiteralString | None, change: Change | None = None, keep: Keep | None = None,
                guard: Guard = None) -> tuple[list[neo4j.Record], neo4j.ResultSummary]:
    for check in (guard,) if isinstance(guard, str) else guard or ():
        _refuse_clash(list(tx.run(check, params)))
    audited = audit.audited(change)
    if keep is not None:
        keep.before(_runner(tx))
    old = audit.snapshot(tx, change, _plain) if audited and change is not None else {}
    before, firms = _footprint(tx, touches, params)
    result = tx.run(query, params)
    records = list(result)
    _refuse_clash(records)
    summary = result.consume()
    if keep is not None:
        keep.after(_runner(tx))
    if any(getattr(summary.counters, name) for name in DATA_CHANGES):
        after, changed = _footprint(tx, touches, params)
        keys = sorted(before | after)
        firms = None if firms is None or changed is None else sorted(firms | changed)
        if touches != NOTHING:  # every data change but the derived and bookkeeping ones
            keys.append(DATA)
        if audited and change is not None:
            if change.before_from == "write":
                old = audit.returned(records, _plain)
            audit.record(tx, change, old, keys, firms)  # renews the tokens too, in the same statement
        elif keys:
            tx.run(BUMP, keys=keys, firms=firms).consume()
    return records, summary


def _refuse_clash(records: list[neo4j.Record]) -> None:
    if records and CLASH in records[0].keys():
        clash = next((r[CLASH] for r in records if r[CLASH] is not None), None)
        if clash is not None:
            raise Clash(_plain(clash))  # raised inside the transaction: rolled back


def _runner(tx: neo4j.Transaction) -> Run:
    def run(query: LiteralString, **params: Any) -> list[Row]:
        return [{key: _plain(value) for key, value in record.items()} for record in tx.run(query, params)]
    return run


def _footprint(tx: neo4j.Transaction, touches: LiteralString | None,
               params: dict[str, Any]) -> tuple[set[str], set[str] | None]:
    """The keys a write touches, and the firms whose partner facts it changes (None: not said)."""
    if touches is None:
        return {WHOLE_GRAPH}, None
    if touches == NOTHING:  # records nothing cached depends on: no round trip
        return set(), None
    row = tx.run(touches, params).single(strict=True)
    return set(row["keys"]), set(row["firms"]) if "firms" in row.keys() else None


_SCALARS = (str, int, float, bool, type(None))


def _plain(value: Any) -> Any:
    """Turn driver values (temporal types, nodes, nested lists/maps) into plain Python."""
    if type(value) in _SCALARS:  # most values: a check with 200 partners converts thousands of them
        return value
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, neo4j.graph.Entity):
        return {k: _plain(v) for k, v in value.items()}
    if hasattr(value, "to_native"):
        return value.to_native()
    return value


def _chunks(rows: Iterable[Row], size: int) -> Iterator[Sequence[Row]]:
    batch: list[Row] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
