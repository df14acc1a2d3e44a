"""A time budget for everything one request asks of Neo4j (CHAINMAP_DB_WAIT_S).

The driver bounds connecting, but not a read from a server that stopped answering (a SIGSTOPped or overloaded JVM, a
half-open connection): such a read blocks until the operating system gives up, long after gunicorn killed the
worker. Inside `budget(seconds)` every socket operation of the driver, in this thread or greenlet only, gets a
deadline no later than the budget's end: past it the driver sees a socket timeout, drops the connection (the server
rolls back whatever transaction it carried) and the adapter answers Unavailable (503 with Retry-After).

The hook wraps the driver's one place where a Bolt socket waits for I/O (`BoltSocketBase._wait_for_io`, which
already takes a deadline for connection set-up), the one place a request waits for a pooled connection
(`BoltPool._acquire`, bounded otherwise by the driver's own acquisition timeout from the moment it starts waiting: a
request that had already spent its budget could wait that long again, twice the budget in all), and the routing
pool's table lock (`RoutedBoltPool.refresh_lock`, for neo4j:// URIs): a request whose read failed takes that lock to drop
the dead server from the table, while another request holds it through a routing fetch from the same dead server for
up to its own budget; traced under SIGSTOP, that wait made a 3 s budget a 5.8 s answer. neo4j is pinned in
requirements.txt, and the SIGSTOP test in tests/e2e/test_db_waits.py fails if a driver upgrade moves any of them.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from time import monotonic

from neo4j._async_compat.network import _bolt_socket
from neo4j._deadline import Deadline
from neo4j._sync.io import _pool
from neo4j._exceptions import SocketDeadlineExceededError

# What the driver raises, unwrapped, when a deadline passes while it opens a connection.
Exceeded = SocketDeadlineExceededError

_UNTIL: ContextVar[float | None] = ContextVar("chainmap_db_deadline", default=None)
_ORIGINAL = _bolt_socket.BoltSocketBase._wait_for_io
_ORIGINAL_ACQUIRE = _pool.BoltPool._acquire
_ORIGINAL_ROUTING_INIT = _pool.RoutedBoltPool.__init__


def _bounded(deadline: Deadline | None) -> Deadline | None:
    """The earlier of the driver's deadline and the end of this request's budget."""
    until = _UNTIL.get()
    if until is not None:
        ours = Deadline(max(until - monotonic(), 0.0))
        if deadline is None or ours < deadline:
            return ours
    return deadline


def _bounded_wait_for_io(self, name, timeout, deadline, conversion, func, *args, **kwargs):
    return _ORIGINAL(self, name, timeout, _bounded(deadline), conversion, func, *args, **kwargs)


def _bounded_acquire(self, address, auth, deadline, *args, **kwargs):
    return _ORIGINAL_ACQUIRE(self, address, auth, _bounded(deadline), *args, **kwargs)


class _BudgetedLock:
    """A reentrant lock whose waits end with the current request's budget (Exceeded past it); unbounded outside one."""

    def __init__(self) -> None:
        self._lock = threading.RLock()

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        left = remaining()
        if blocking and left is not None:
            left = max(left, 0.0)
            timeout = left if timeout < 0 else min(timeout, left)
        return self._lock.acquire(blocking, timeout)

    def release(self) -> None:
        self._lock.release()

    def __enter__(self) -> _BudgetedLock:
        if not self.acquire():
            raise Exceeded("routing table lock: the request's database budget is spent")
        return self

    def __exit__(self, *exc: object) -> None:
        self._lock.release()


def _routing_pool_init(self, *args, **kwargs):
    _ORIGINAL_ROUTING_INIT(self, *args, **kwargs)
    self.refresh_lock = _BudgetedLock()


def install() -> None:
    """Put the hook in place (idempotent; done when the adapter is imported)."""
    _bolt_socket.BoltSocketBase._wait_for_io = _bounded_wait_for_io  # pyright: ignore[reportAttributeAccessIssue]
    _pool.BoltPool._acquire = _bounded_acquire  # pyright: ignore[reportAttributeAccessIssue]
    _pool.RoutedBoltPool.__init__ = _routing_pool_init  # pyright: ignore[reportAttributeAccessIssue]


@contextmanager
def budget(seconds: float | None) -> Iterator[None]:
    """Every graph operation inside the block ends within `seconds` from now (None: no budget)."""
    token = _UNTIL.set(None if seconds is None else monotonic() + seconds)
    try:
        yield
    finally:
        _UNTIL.reset(token)


def start(seconds: float | None):
    """Open a budget that `stop(token)` closes (for frameworks whose hooks cannot wrap a block)."""
    return _UNTIL.set(None if seconds is None else monotonic() + seconds)


def stop(token) -> None:
    _UNTIL.reset(token)


def remaining() -> float | None:
    """Seconds left in the current budget, None when there is none."""
    until = _UNTIL.get()
    return None if until is None else until - monotonic()


install()
