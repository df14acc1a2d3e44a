"""Settings, read once from the environment and validated at start-up."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from chainmap.policy import Thresholds

ROOT = Path(__file__).resolve().parent.parent
ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?$")


class SettingsError(ValueError):
    """The environment does not describe a usable configuration."""


@dataclass(frozen=True)
class Settings:
    neo4j_uri: str
    neo4j_user: str
    neo4j_password: str = field(repr=False)
    neo4j_database: str = "neo4j"
    # Per-transaction timeout sent to Neo4j; must stay below the HTTP worker timeout so a slow
    # query is cancelled by the database before gunicorn kills the worker mid-response.
    tx_timeout_s: float = 20.0
    http_timeout_s: float = 30.0
    connect_timeout_s: float = 5.0
    # How long the driver keeps retrying a transaction on transient failures before giving up (503).
    retry_time_s: float = 3.0
    # The most one API request may wait on Neo4j, all its queries and retries together; past it, 503 + Retry-After.
    # Well under the worker timeout, so a hung database costs a request a 503, never a killed worker.
    db_wait_s: float = 10.0
    workers: int = 3
    # Request threads per gunicorn worker (gthread): slow clients and slow queries each hold one, not a worker.
    threads: int = 32
    host: str = "127.0.0.1"
    port: int = 8000
    retry_after_s: int = 5
    # How long a process reuses an API key's record (0: read it on every request). A revocation takes effect in every
    # process within this time (in the revoking process at once).
    key_cache_s: float = 5.0
    # Reads without a key (GET only); writes always need one.
    anonymous_reads: bool = False
    # Gap analysis thresholds (chainmap.gaps.rules, chainmap.policy.Thresholds): fewer local entities than
    # weak_below is "weak" (薄弱); a lone local entity serving at least bottleneck_customers local customers, or
    # more than outside_share of inbound supply from outside the province, is a "bottleneck" (瓶颈).
    weak_below: int = 3
    bottleneck_customers: int = 3
    outside_share: float = 0.5
    # Rate limits ("N/second|minute|hour|day", empty: off) per client address, per API key and for failed
    # authentications per address; counters in rate_storage (api/limits.py, README "Rate limits").
    rate_address: str = "1200/minute"
    rate_key: str = "600/minute"
    rate_auth_failures: str = "20/minute"
    rate_storage: str = "memory://"
    # Reverse proxies in front of gunicorn whose X-Forwarded-For gives the client address (0: none, trust no header).
    proxy_hops: int = 0
    # Browser origins allowed to call the API cross-origin (CORS); empty: none. Never a wildcard.
    cors_origins: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not 0 < self.tx_timeout_s < self.http_timeout_s:
            raise SettingsError(
                f"CHAINMAP_TX_TIMEOUT（{self.tx_timeout_s} 秒）须大于 0 且小于 "
                f"CHAINMAP_HTTP_TIMEOUT（{self.http_timeout_s} 秒）"
            )
        if not 0 < self.db_wait_s < self.http_timeout_s:
            raise SettingsError(f"CHAINMAP_DB_WAIT_S（{self.db_wait_s} 秒）须大于 0 且小于 "
                                f"CHAINMAP_HTTP_TIMEOUT（{self.http_timeout_s} 秒）")
        if not 0 <= self.key_cache_s <= 60:
            raise SettingsError("CHAINMAP_KEY_CACHE_S 须在 0 到 60 秒之间")
        if self.workers < 1:
            raise SettingsError("CHAINMAP_WORKERS 至少为 1")
        if not 1 <= self.threads <= 256:
            raise SettingsError("CHAINMAP_THREADS 须在 1 到 256 之间")
        if not 0 <= self.outside_share < 1:
            raise SettingsError("CHAINMAP_OUTSIDE_SHARE 须不小于 0 且小于 1")
        if self.weak_below < 1:
            raise SettingsError("CHAINMAP_WEAK_BELOW 至少为 1")
        for origin in self.cors_origins:
            if not ORIGIN.match(origin):
                raise SettingsError(f"CHAINMAP_CORS_ORIGINS：{origin!r} 不是形如 https://map.example.cn 的来源"
                                    "（协议、主机和可选端口；不带路径，不用通配符）")
        if not 0 < self.port < 65536:
            raise SettingsError("CHAINMAP_PORT 须为 TCP 端口号（1–65535）")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Build settings from environment variables (os.environ by default)."""
        env = os.environ if env is None else env
        if env.get("NEO4J_URI"):
            uri = env["NEO4J_URI"]
            password = env.get("NEO4J_PASSWORD", "")
        else:  # the project-managed local server started by scripts/neo4j
            # The routing scheme by default, even against the standalone server: the driver then routes every
            # transaction by its access mode exactly as it would in a cluster or on Aura, so a write issued in a
            # read transaction fails here, in development and in CI, not first in production (docs/SCALE.md).
            scheme = env.get("NEO4J_SCHEME", "neo4j")
            if scheme not in ("neo4j", "bolt"):
                raise SettingsError(f"NEO4J_SCHEME 须为 neo4j（路由）或 bolt（直连），实为 {scheme!r}")
            uri = f"{scheme}://127.0.0.1:{env.get('NEO4J_BOLT_PORT', '7687')}"
            password = _local_password(Path(env.get("CHAINMAP_NEO4J_HOME", ROOT / "var" / "neo4j")))
        return cls(
            neo4j_uri=uri,
            neo4j_user=env.get("NEO4J_USER", "neo4j"),
            neo4j_password=password,
            neo4j_database=env.get("NEO4J_DATABASE", "neo4j"),
            tx_timeout_s=_number(env, "CHAINMAP_TX_TIMEOUT", 20.0),
            http_timeout_s=_number(env, "CHAINMAP_HTTP_TIMEOUT", 30.0),
            connect_timeout_s=_number(env, "CHAINMAP_CONNECT_TIMEOUT", 5.0),
            retry_time_s=_number(env, "CHAINMAP_RETRY_TIME", 3.0),
            db_wait_s=_number(env, "CHAINMAP_DB_WAIT_S", 10.0),
            workers=int(_number(env, "CHAINMAP_WORKERS", 2 * (os.cpu_count() or 1) + 1)),
            threads=int(_number(env, "CHAINMAP_THREADS", 32)),
            host=env.get("CHAINMAP_HOST", "127.0.0.1"),
            port=int(_number(env, "CHAINMAP_PORT", 8000)),
            key_cache_s=_number(env, "CHAINMAP_KEY_CACHE_S", 5.0),
            anonymous_reads=env.get("CHAINMAP_ANONYMOUS_READS", "false").lower() in ("1", "true", "yes"),
            weak_below=int(_number(env, "CHAINMAP_WEAK_BELOW", 3)),
            bottleneck_customers=int(_number(env, "CHAINMAP_BOTTLENECK_CUSTOMERS", 3)),
            outside_share=_number(env, "CHAINMAP_OUTSIDE_SHARE", 0.5),
            rate_address=env.get("CHAINMAP_RATE_ADDRESS", "1200/minute"),
            rate_key=env.get("CHAINMAP_RATE_KEY", "600/minute"),
            rate_auth_failures=env.get("CHAINMAP_RATE_AUTH_FAILURES", "20/minute"),
            rate_storage=env.get("CHAINMAP_RATE_STORAGE", "memory://"),
            proxy_hops=int(_number(env, "CHAINMAP_PROXY_HOPS", 0)),
            cors_origins=tuple(o.strip().rstrip("/") for o in env.get("CHAINMAP_CORS_ORIGINS", "").split(",")
                               if o.strip()),
        )

    @property
    def gap_thresholds(self) -> Thresholds:
        return Thresholds(weak_below=self.weak_below, single_supplier_customers=self.bottleneck_customers,
                          outside_share=self.outside_share)


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError:
        raise SettingsError(f"{name} 须为数字，实为 {raw!r}") from None


def _local_password(home: Path) -> str:
    path = home / "password"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        raise SettingsError(
            f"未设置 NEO4J_URI，且 {path} 不存在：请先运行 `scripts/neo4j start`，"
            "或用 NEO4J_URI/NEO4J_USER/NEO4J_PASSWORD 指向一台服务器"
        ) from None
