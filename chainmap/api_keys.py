"""API keys in the graph: stored hashed, listed without secrets, revoked by id."""

from __future__ import annotations

import threading
import time
from typing import LiteralString

from chainmap import auth
from chainmap.audit import Change
from chainmap.errors import Invalid, NotFound, Unauthorized
from chainmap.graph import Graph, footprints
from chainmap.references import known_hebei_counties

CREATE: LiteralString = (
    "CREATE (k:ApiKey {id: $id, hash: $hash, role: $role, counties: $counties, label: $label, "
    "created_at: datetime()}) RETURN k.id AS id"
)
FIND: LiteralString = (
    "MATCH (k:ApiKey {id: $id}) RETURN k.hash AS hash, k.role AS role, k.counties AS counties, k.label AS label, "
    "k.revoked_at IS NOT NULL AS revoked"
)
LIST: LiteralString = (
    "MATCH (k:ApiKey) RETURN k.id AS id, k.role AS role, k.counties AS counties, k.label AS label, "
    "toString(k.created_at) AS created_at, toString(k.revoked_at) AS revoked_at ORDER BY k.created_at, k.id"
)
REVOKE: LiteralString = (
    "MATCH (k:ApiKey {id: $id}) SET k.revoked_at = coalesce(k.revoked_at, datetime()) RETURN k.id AS id"
)


def create_key(graph: Graph, role: str, counties: list[str], label: str = "") -> str:
    """Store a new key and return it (the only time the full key exists outside the caller)."""
    if role not in auth.KEY_ROLES:
        raise Invalid(f"role 须为 {'、'.join(auth.KEY_ROLES)} 之一", errors=[{"field": "role", "reason": "未知角色"}])
    counties = sorted(set(counties))
    if counties and role != "editor":
        raise Invalid("只有编辑密钥可以限定县级范围", errors=[{"field": "county", "reason": "仅编辑密钥可用"}])
    if role == "editor" and not counties:
        raise Invalid("编辑密钥至少要指定一个县级行政区", errors=[{"field": "county", "reason": "必填"}])
    known = known_hebei_counties(graph, counties)
    unknown = [c for c in counties if c not in known]
    if unknown:
        raise Invalid(f"不是河北省县级行政区划代码：{'、'.join(unknown)}",
                      errors=[{"field": "county", "reason": f"未知的县级行政区划代码 {c}"} for c in unknown])
    key_id, full, digest = auth.new_key()
    graph.write(CREATE, touches=footprints.NOTHING, id=key_id, hash=digest, role=role, counties=counties, label=label,
                change=Change("api_key.create", "api_key", (key_id,),
                              after={"role": role, "counties": counties, "label": label}))  # never the hash
    return full


class _Lookups:
    """Key records read in the last `max_age` seconds, per process: every request authenticates, and the lookup was
    a Bolt round trip of its own. Only found keys are kept (a key created a moment ago works at once); the presented
    key is still verified against the stored hash on every request."""

    def __init__(self, size: int = 4096) -> None:
        self.size = size
        self.entries: dict[str, tuple[float, dict]] = {}
        self.lock = threading.Lock()

    def get(self, key_id: str, max_age: float) -> dict | None:
        with self.lock:
            hit = self.entries.get(key_id)
        return hit[1] if hit is not None and time.monotonic() - hit[0] < max_age else None

    def put(self, key_id: str, row: dict) -> None:
        with self.lock:
            if len(self.entries) >= self.size:
                self.entries.clear()  # rare: more distinct keys in a few seconds than a deployment has
            self.entries[key_id] = (time.monotonic(), row)

    def forget(self, key_id: str) -> None:
        with self.lock:
            self.entries.pop(key_id, None)


LOOKUPS = _Lookups()


def authenticate(graph: Graph, header: str | None, max_age: float = 0.0) -> auth.Principal:
    """The principal for an Authorization header; Unauthorized for a missing, unknown, wrong or revoked key.

    With `max_age` > 0 a key's record read less than that many seconds ago is reused: a revocation made in another
    process takes effect here within `max_age` seconds (in this process at once), as documented in the README."""
    key_id, full = auth.parse_key(header)
    row = LOOKUPS.get(key_id, max_age) if max_age > 0 else None
    if row is None:
        rows = graph.read(FIND, id=key_id)
        row = rows[0] if rows else None
        if row is not None and max_age > 0:
            LOOKUPS.put(key_id, row)
    if row is None or not auth.verify(full, row["hash"]) or row["revoked"]:
        raise Unauthorized("API 密钥无效或已停用")
    return auth.Principal(key_id=key_id, role=row["role"], counties=frozenset(row["counties"] or []),
                          label=row["label"] or "")


def list_keys(graph: Graph) -> list[dict]:
    return graph.read(LIST)


def revoke_key(graph: Graph, key_id: str) -> None:
    LOOKUPS.forget(key_id)
    if not graph.write(REVOKE, touches=footprints.NOTHING, id=key_id,
                       change=Change("api_key.revoke", "api_key", (key_id,), after={"revoked": True})):
        raise NotFound(f"没有编号为 {key_id} 的密钥")
