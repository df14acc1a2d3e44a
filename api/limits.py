"""Rate limits (issue 14, item 8), counted with the `limits` library (the engine of Flask-Limiter).

Three limits, each a `limits` string such as "600/minute" (empty: off):
- CHAINMAP_RATE_ADDRESS: every request from one client address;
- CHAINMAP_RATE_KEY: every request carrying one API key (by its id, read from the header without a lookup, so a
  flood costs no database work);
- CHAINMAP_RATE_AUTH_FAILURES: 401 answers to one address; once spent, that address gets 429 on every request that
  needs a key until the window moves on (guessing keys is throttled far harder than using one).
Past a limit: 429 problem+json with Retry-After (seconds until the window lets the next request in).

Counters live in CHAINMAP_RATE_STORAGE (default memory://, each gunicorn worker counting on its own: see README);
redis:// or memcached:// URIs share them between workers and hosts when that client library is installed.
"""

from __future__ import annotations

import math
import time

import limits
import limits.errors
import limits.storage
import limits.strategies
from flask import Flask, request
from werkzeug.exceptions import TooManyRequests

from api.security import PUBLIC_ENDPOINTS
from chainmap import auth
from chainmap.settings import SettingsError

EXTENSION = "chainmap.limits"
SWEEP_EVERY_S = 10.0
# The library's granularities in Chinese: (one of it, several of it), as in 每分钟 / 每 15 分钟.
UNITS = {"second": ("秒", "秒"), "minute": ("分钟", "分钟"), "hour": ("小时", "小时"), "day": ("天", "天"),
         "month": ("月", "个月"), "year": ("年", "年")}


def described(limit: limits.RateLimitItem) -> str:
    """A limit as an officer reads it: 每分钟 20 次, 每 15 分钟 100 次 (str() of the item is English)."""
    one, several = UNITS[limit.GRANULARITY.name]
    per = f"每{one}" if limit.multiples == 1 else f"每 {limit.multiples} {several}"
    return f"{per} {limit.amount} 次"


class _Counters(limits.storage.MemoryStorage):
    """memory:// made cheaper per request (limits 5.8, pinned in requirements.txt; its private expiry hook is
    overridden). The library's in-process storage starts a threading.Timer every 10 ms while requests come in, and
    Thread.start() waits for the new thread to run; counters already expire when read, so stale keys of addresses
    that went quiet are swept here at most every SWEEP_EVERY_S by the request that passes. And every Storage
    subclass wraps its counter methods in an error translator once more (a memory counter raises nothing to
    translate): the plain methods are restored below, ten nested calls fewer per hit."""

    STORAGE_SCHEME = ["chainmap-memory"]  # registered under its own name, leaving memory:// the library's

    def __init__(self) -> None:
        super().__init__()
        self.timer.cancel()
        self._next_sweep = time.monotonic() + SWEEP_EVERY_S

    def _MemoryStorage__schedule_expiry(self) -> None:
        now = time.monotonic()
        if now >= self._next_sweep:
            self._next_sweep = now + SWEEP_EVERY_S
            self._MemoryStorage__expire_events()  # type: ignore[attr-defined]


for _method in ("incr", "decr", "get", "get_expiry", "check", "reset", "clear"):
    _plain = getattr(limits.storage.MemoryStorage, _method)
    setattr(_Counters, _method, getattr(_plain, "__wrapped__", _plain))


class Limits:
    def __init__(self, settings) -> None:
        try:
            self.address = limits.parse(settings.rate_address) if settings.rate_address else None
            self.key = limits.parse(settings.rate_key) if settings.rate_key else None
            self.failures = limits.parse(settings.rate_auth_failures) if settings.rate_auth_failures else None
            storage = (_Counters() if settings.rate_storage.strip() == "memory://"
                       else limits.storage.storage_from_string(settings.rate_storage))
        except (ValueError, limits.errors.ConfigurationError) as exc:
            raise SettingsError(f"限流设置（CHAINMAP_RATE_*）无法使用：{exc}") from None
        self.limiter = limits.strategies.SlidingWindowCounterRateLimiter(storage)

    def retry_after(self, limit, *ids: str) -> int:
        reset = self.limiter.get_window_stats(limit, *ids).reset_time
        return max(1, math.ceil(reset - time.time()))

    def refuse(self, limit, detail: str, *ids: str):
        error = TooManyRequests(detail, retry_after=self.retry_after(limit, *ids))
        raise error


def _key_id() -> str | None:
    try:
        return auth.parse_key(request.headers.get("Authorization"))[0]
    except Exception:  # noqa: BLE001 - no usable key: the address limits apply, authentication answers later
        return None


def register(app: Flask) -> None:
    rules = Limits(app.config["CHAINMAP_SETTINGS"])
    app.extensions[EXTENSION] = rules
    hit, test = rules.limiter.hit, rules.limiter.test  # bound once: this runs before every request

    def before_request() -> None:
        address = request.remote_addr or "unknown"
        if rules.address and not hit(rules.address, "address", address):
            rules.refuse(rules.address, f"该地址请求过于频繁（上限{described(rules.address)}），请稍后再试",
                         "address", address)
        endpoint = request.endpoint
        if endpoint is None or endpoint in PUBLIC_ENDPOINTS or request.method == "OPTIONS":
            return
        if rules.failures and not test(rules.failures, "auth-failures", address):
            rules.refuse(rules.failures, f"该地址认证失败次数过多（上限{described(rules.failures)}），请稍后再试",
                         "auth-failures", address)
        key_id = _key_id() if rules.key else None
        if rules.key and key_id and not hit(rules.key, "key", key_id):
            rules.refuse(rules.key, f"该 API 密钥请求过于频繁（上限{described(rules.key)}），请稍后再试", "key", key_id)

    if rules.address or rules.failures or rules.key:
        app.before_request(before_request)
    failures = rules.failures
    if failures:
        def after_request(response):
            if response.status_code == 401:
                hit(failures, "auth-failures", request.remote_addr or "unknown")
            return response

        app.after_request(after_request)
