"""The audit trail (操作日志): who changed what, when, with each changed field before and after.

An entry is written by the adapter in the same transaction as the write it describes (chainmap.graph.audit), so a
change and its entry commit or roll back together. Entries are append-only: nothing in chainmap updates or deletes
an AuditEntry (Neo4j Community has no per-label privileges to forbid it to other clients; keep chainmap's
database user for chainmap). Who is acting is set once per request by the API (`acting`) and once per command by the
CLI (the operator); writes made without an actor (tests calling the domain directly) are not audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Actor:
    key_id: str
    label: str = ""
    role: str = ""


@dataclass(frozen=True)
class Change:
    """What one write changes, named by the domain: an operation on objects of one kind.

    `ids` are the objects' ids; the adapter reads each before and after the write (for kinds it can read: cluster,
    chain_node, enterprise, introduction). For relationships and records it cannot read back by id, the caller gives
    `before`/`after` and the `county` itself. `before_from` saves the read before the write, a round trip in every
    audited write: "none" for a create (nothing was there: a create that finds its object fails whole), "write" when
    the write statement returns the old state itself in an `audit_before` column (a list of {id, county, p}).
    """

    operation: str
    kind: str
    ids: tuple[str, ...]
    county: str | None = None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    before_from: str = "read"


_ACTOR: ContextVar[Actor | None] = ContextVar("chainmap_actor", default=None)
IGNORED = frozenset({"__lock", "__new"})


def start(actor: Actor | None):
    return _ACTOR.set(actor)


def stop(token) -> None:
    _ACTOR.reset(token)


@contextmanager
def acting(actor: Actor | None) -> Iterator[None]:
    token = _ACTOR.set(actor)
    try:
        yield
    finally:
        _ACTOR.reset(token)


def current_actor() -> Actor | None:
    return _ACTOR.get()


def plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (dt.date, dt.datetime, dt.time)):
        return value.isoformat()
    return value


def diff(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """{field: {"before": old, "after": new}} for every field that differs (a created object: all its fields)."""
    old, new = plain(before or {}), plain(after or {})
    return {k: {"before": old.get(k), "after": new.get(k)} for k in sorted(set(old) | set(new))
            if k not in IGNORED and old.get(k) != new.get(k)}
