"""API keys, roles and the counties an editor may change: pure rules. Storage is in chainmap/api_keys.py."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from chainmap.errors import Forbidden, Unauthorized
from chainmap.vocab import HEBEI

ROLES = ("viewer", "analyst", "editor", "admin")  # each may do what the ones before it may
MAP_ROLE = "map"  # outside the ladder: reads the map layers only (api/security.py), for keys held by browsers
KEY_ROLES = (MAP_ROLE, *ROLES)
ROLE_NAMES = {"map": "地图图层", "viewer": "查看", "analyst": "分析", "editor": "编辑", "admin": "管理员"}
KEY_FORMAT = re.compile(r"^cmk_([a-z0-9]{12})_([A-Za-z0-9_-]{32,64})$")


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's id, role and the counties an editor may change (empty for other roles)."""

    key_id: str
    role: str
    counties: frozenset[str] = frozenset()
    label: str = ""          # who holds the key, e.g. 清河县招商局 (制表单位 on a 奖励核定表)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


def new_key() -> tuple[str, str, str]:
    """(key id, full key to hand out once, hash to store). Keys are 256-bit random: a plain SHA-256 suffices."""
    key_id = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    full = f"cmk_{key_id}_{secret}"
    return key_id, full, hash_key(full)


def hash_key(full: str) -> str:
    return hashlib.sha256(full.encode()).hexdigest()


def parse_key(header: str | None) -> tuple[str, str]:
    """(key id, full key) from an `Authorization: Bearer …` header; Unauthorized when absent or malformed."""
    if not header:
        raise Unauthorized("需要 API 密钥：请在请求头 Authorization 中填写“Bearer 密钥”")
    scheme, _, token = header.partition(" ")
    match = KEY_FORMAT.match(token.strip()) if scheme.lower() == "bearer" else None
    if not match:
        raise Unauthorized("Authorization 请求头格式不对：应为“Bearer 密钥”，密钥以 cmk_ 开头")
    return match.group(1), token.strip()


def verify(full: str, stored_hash: str | None) -> bool:
    """Constant-time comparison of a presented key with the stored hash."""
    return stored_hash is not None and hmac.compare_digest(hash_key(full), stored_hash)


def _scope(principal: Principal) -> str:
    """The counties an editor key may change, for a refusal a user reads."""
    return f"只能编辑县级行政区 {'、'.join(sorted(principal.counties))}" if principal.counties else "不能编辑任何县级行政区"


def require_role(principal: Principal, role: str) -> None:
    if principal.role not in ROLES:
        raise Unauthorized("需要 API 密钥")
    if ROLES.index(principal.role) < ROLES.index(role):
        raise Forbidden(f"此操作需要{ROLE_NAMES.get(role, role)}权限，当前密钥为{ROLE_NAMES.get(principal.role, principal.role)}")


def require_write(principal: Principal, county: str | None) -> None:
    """Writes: an admin anywhere; an editor only for objects in their counties."""
    require_role(principal, "editor")
    if principal.is_admin:
        return
    if county is None or county not in principal.counties:
        where = f"县级行政区 {county}" if county else "该对象"
        raise Forbidden(f"当前密钥{_scope(principal)}，不能编辑{where}")


def require_counties(principal: Principal, counties: list[str], why: str) -> None:
    """An object the request refers to (in its body, directly or through a list) belongs to these counties: the
    change reaches each of them, so the key must be allowed to write every one."""
    require_role(principal, "editor")
    if principal.is_admin:
        return
    outside = sorted(set(counties) - principal.counties)
    if outside:
        raise Forbidden(f"{why}：当前密钥{_scope(principal)}，不能编辑县级行政区 {'、'.join(outside)}")


def require_enterprise_write(principal: Principal, region: str) -> None:
    """Hebei entities: their county's editors. Entities outside Hebei (the Beijing/Tianjin firms that teams pursue)
    are shared reference data any editor may record."""
    if not region.startswith(HEBEI):
        require_role(principal, "editor")
        return
    require_write(principal, region)


def require_any_enterprise_write(principal: Principal, regions: list[str]) -> None:
    """A relationship between two entities: the right to write either Hebei side (or, when neither side is in
    Hebei, any editor)."""
    hebei = [r for r in regions if r.startswith(HEBEI)]
    if not hebei or principal.is_admin:
        require_role(principal, "editor")
        return
    require_role(principal, "editor")
    if not any(r in principal.counties for r in hebei):
        raise Forbidden(f"当前密钥{_scope(principal)}，不能编辑县级行政区 {'或'.join(sorted(set(hebei)))}")
