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
from flask import Flask, current_app, request
from werkzeug.exceptions import TooManyRequests

from api.security import PUBLIC_ENDPOINTS
from chainmap import auth
from chainmap.settings import SettingsError

EXTENSION = "chainmap.limits"


class Limits:
    def __init__(self, settings) -> None:
        try:
            self.address = limits.parse(settings.rate_address) if settings.rate_address else None
            self.key = limits.parse(settings.rate_key) if settings.rate_key else None
            self.failures = limits.parse(settings.rate_auth_failures) if settings.rate_auth_failures else None
            storage = limits.storage.storage_from_string(settings.rate_storage)
        except (ValueError, limits.errors.ConfigurationError) as exc:
            raise SettingsError(f"rate limits: {exc}") from None
        self.limiter = limits.strategies.SlidingWindowCounterRateLimiter(storage)

    def retry_after(self, limit, *ids: str) -> int:
        reset = self.limiter.get_window_stats(limit, *ids).reset_time
        return max(1, math.ceil(reset - time.time()))

    def refuse(self, limit, detail: str, *ids: str):
        error = TooManyRequests(detail, retry_after=self.retry_after(limit, *ids))
        raise error


def _limits() -> Limits:
    return current_app.extensions[EXTENSION]


def _key_id() -> str | None:
    try:
        return auth.parse_key(request.headers.get("Authorization"))[0]
    except Exception:  # noqa: BLE001 - no usable key: the address limits apply, authentication answers later
        return None


def _before_request() -> None:
    rules = _limits()
    address = request.remote_addr or "unknown"
    if rules.address and not rules.limiter.hit(rules.address, "address", address):
        rules.refuse(rules.address, f"该地址请求过于频繁（上限 {rules.address}），请稍后再试",
                     "address", address)
    if request.endpoint is None or request.endpoint in PUBLIC_ENDPOINTS or request.method == "OPTIONS":
        return
    if rules.failures and not rules.limiter.test(rules.failures, "auth-failures", address):
        rules.refuse(rules.failures, f"该地址认证失败次数过多（上限 {rules.failures}），请稍后再试",
                     "auth-failures", address)
    key_id = _key_id()
    if rules.key and key_id and not rules.limiter.hit(rules.key, "key", key_id):
        rules.refuse(rules.key, f"该 API 密钥请求过于频繁（上限 {rules.key}），请稍后再试", "key", key_id)


def _after_request(response):
    rules = _limits()
    if response.status_code == 401 and rules.failures:
        rules.limiter.hit(rules.failures, "auth-failures", request.remote_addr or "unknown")
    return response


def register(app: Flask) -> None:
    app.extensions[EXTENSION] = Limits(app.config["CHAINMAP_SETTINGS"])
    app.before_request(_before_request)
    app.after_request(_after_request)
