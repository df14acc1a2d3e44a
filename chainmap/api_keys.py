"""API keys in the graph: stored hashed, listed without secrets, revoked by id."""

from __future__ import annotations

from typing import LiteralString

from chainmap import auth
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
    graph.write(CREATE, touches=footprints.NOTHING, id=key_id, hash=digest, role=role, counties=counties, label=label)
    return full


def authenticate(graph: Graph, header: str | None) -> auth.Principal:
    """The principal for an Authorization header; Unauthorized for a missing, unknown, wrong or revoked key."""
    key_id, full = auth.parse_key(header)
    rows = graph.read(FIND, id=key_id)
    if not rows or not auth.verify(full, rows[0]["hash"]) or rows[0]["revoked"]:
        raise Unauthorized("API 密钥无效或已停用")
    return auth.Principal(key_id=key_id, role=rows[0]["role"], counties=frozenset(rows[0]["counties"] or []),
                          label=rows[0]["label"] or "")


def list_keys(graph: Graph) -> list[dict]:
    return graph.read(LIST)


def revoke_key(graph: Graph, key_id: str) -> None:
    if not graph.write(REVOKE, touches=footprints.NOTHING, id=key_id):
        raise NotFound(f"没有编号为 {key_id} 的密钥")
