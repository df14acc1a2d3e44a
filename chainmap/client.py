"""A Python client for analysts: `ChainmapClient(base_url, key)` or CHAINMAP_URL / CHAINMAP_KEY from the environment.

Retries with exponential backoff on 429 and 503 (honouring Retry-After, capped) and on connection errors; reads are
retried freely, writes only when the request never reached the server. Errors raise ChainmapAPIError carrying the
problem+json detail and field errors.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import requests

RETRY_STATUSES = {429, 503}
REPORT_FORMATS = ("json", "csv", "xlsx")


class ChainmapAPIError(Exception):
    def __init__(self, status: int, title: str, detail: str, errors: list[dict] | None = None) -> None:
        super().__init__(f"{status} {title}: {detail}")
        self.status, self.title, self.detail, self.errors = status, title, detail, errors or []


class ChainmapClient:
    def __init__(self, base_url: str | None = None, key: str | None = None, *, timeout: float = 30.0,
                 retries: int = 4, backoff: float = 0.5, max_wait: float = 10.0) -> None:
        self.base_url = (base_url or os.environ.get("CHAINMAP_URL") or "http://127.0.0.1:8000").rstrip("/")
        key = key or os.environ.get("CHAINMAP_KEY")
        self.timeout, self.retries, self.backoff, self.max_wait = timeout, retries, backoff, max_wait
        self.session = requests.Session()
        self.session.headers["Accept"] = "application/json"
        if key:
            self.session.headers["Authorization"] = f"Bearer {key}"

    # ---- transport ----------------------------------------------------------------------------
    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        url = f"{self.base_url}/api/v1{path}"
        idempotent = method in ("GET", "HEAD", "PUT", "DELETE")
        for attempt in range(self.retries + 1):
            try:
                response = self.session.request(method, url, timeout=self.timeout, **kwargs)
            except requests.ConnectionError:
                if attempt == self.retries:
                    raise
                self._sleep(attempt, None)
                continue
            if response.status_code in RETRY_STATUSES and attempt < self.retries and (idempotent or
                                                                                       response.status_code == 429):
                self._sleep(attempt, response.headers.get("Retry-After"))
                continue
            if response.status_code >= 400:
                raise self._error(response)
            return response
        raise AssertionError("unreachable")

    def _sleep(self, attempt: int, retry_after: str | None) -> None:
        wait = self.backoff * (2 ** attempt)
        if retry_after and retry_after.isdigit():
            wait = max(wait, float(retry_after))
        time.sleep(min(wait, self.max_wait))

    @staticmethod
    def _error(response: requests.Response) -> ChainmapAPIError:
        try:
            problem = response.json()
        except ValueError:
            problem = {}
        return ChainmapAPIError(response.status_code, problem.get("title", response.reason),
                                problem.get("detail", response.text[:200]), problem.get("errors"))

    def get(self, path: str, **params: Any) -> Any:
        return self.request("GET", path, params={k: v for k, v in params.items() if v is not None}).json()

    def post(self, path: str, body: dict[str, Any]) -> Any:
        return self.request("POST", path, json=body).json()

    def paginate(self, path: str, per_page: int = 200, **params: Any) -> Iterator[dict[str, Any]]:
        """Every item of a paginated list, fetching pages as needed."""
        page = 1
        while True:
            data = self.get(path, page=page, per_page=per_page, **params)
            yield from data["items"]
            if page * per_page >= data["total"] or not data["items"]:
                return
            page += 1

    # ---- resources ----------------------------------------------------------------------------
    def health(self) -> dict[str, Any]:
        return self.get("/health")

    def clusters(self, **filters: Any) -> Iterator[dict[str, Any]]:
        """Clusters filtered by city (adcode or name), county, category or q."""
        return self.paginate("/clusters", **filters)

    def cluster(self, cluster_id: str, as_of: str | None = None) -> dict[str, Any]:
        return self.get(f"/clusters/{cluster_id}", **_dated(as_of))

    def chain(self, cluster_id: str, as_of: str | None = None) -> dict[str, Any]:
        """The chain today, or as it stood on `as_of` (YYYY-MM-DD)."""
        return self.get(f"/clusters/{cluster_id}/chain", **_dated(as_of))

    def gaps(self, cluster_id: str, scope: str = "county", as_of: str | None = None) -> dict[str, Any]:
        return self.get(f"/clusters/{cluster_id}/gaps", scope=scope, **_dated(as_of))

    def enterprises(self, **filters: Any) -> Iterator[dict[str, Any]]:
        return self.paginate("/enterprises", **filters)

    def partners(self, uscc: str) -> list[dict[str, Any]]:
        """An enterprise's 协作配套 relationships, both directions."""
        return self.get(f"/enterprises/{uscc}/partners")["items"]

    def gap_report(self, fmt: str = "json", **filters: Any) -> Any:
        """The gap report: a dict for json, bytes for csv and xlsx (ready to write to a file). Filters: city and
        county (adcode or name), category, scope, status (a list)."""
        if fmt not in REPORT_FORMATS:
            raise ValueError(f"未知的报表格式 {fmt!r}，须为 {'、'.join(REPORT_FORMATS)} 之一")
        params = {k: v for k, v in filters.items() if v is not None}
        response = self.request("GET", "/reports/gaps", params={**params, "format": fmt})
        return response.json() if fmt == "json" else response.content

    def progress_report(self, period: str, fmt: str = "json", *, city: str | None = None,
                        county: str | None = None) -> Any:
        """The progress report (period 2026-11, 2026-Q3, 2026-H1 or 2026): a dict for json, bytes for xlsx."""
        params = {k: v for k, v in {"city": city, "county": county}.items() if v is not None}
        response = self.request("GET", "/reports/progress", params={**params, "period": period, "format": fmt})
        return response.json() if fmt == "json" else response.content

    def introductions(self, **filters: Any) -> Iterator[dict[str, Any]]:
        """招商项目, filtered by cluster, county, city, stage, officer, node or overdue."""
        return self.paginate("/introductions", **filters)

    def record_stage(self, intro_id: str, stage: str, on: str | None = None, reason: str | None = None) -> Any:
        body = {k: v for k, v in {"stage": stage, "on": on, "reason": reason}.items() if v is not None}
        return self.post(f"/introductions/{intro_id}/stages", body)

    def download_gap_report(self, path: str | os.PathLike[str], fmt: str | None = None, **filters: Any) -> Path:
        """Write the gap report to `path` (format from its suffix .json/.csv/.xlsx unless given); returns the path."""
        target = Path(path)
        fmt = fmt or target.suffix.lstrip(".").lower()
        body = self.gap_report(fmt, **filters)
        target.write_bytes(json.dumps(body, ensure_ascii=False, indent=1).encode() if fmt == "json" else body)
        return target

    def recommendations(self, cluster_id: str, fmt: str = "json", **params: Any) -> Any:
        """Ranked transfer targets (node=, limit=, scope=…): a dict for json, the sheet's bytes for xlsx."""
        if fmt not in ("json", "xlsx"):
            raise ValueError(f"未知的推荐名单格式 {fmt!r}，须为 json、xlsx 之一")
        params = {k: v for k, v in params.items() if v is not None}
        response = self.request("GET", f"/clusters/{cluster_id}/recommendations", params={**params, "format": fmt})
        return response.json() if fmt == "json" else response.content

    def map_layer(self, layer: str, **params: Any) -> dict[str, Any]:
        """A GeoJSON FeatureCollection: layer "clusters", "counties" or "flows" (flows needs cluster=)."""
        if layer not in ("clusters", "counties", "flows"):
            raise ValueError(f"未知的地图图层 {layer!r}，须为 clusters、counties、flows 之一")
        return self.get(f"/map/{layer}.geojson", **params)

    def reward_check(self, enterprise: str, cluster: str, as_of: str | None = None) -> dict[str, Any]:
        body = {"enterprise": enterprise, "cluster": cluster, **({"as_of": as_of} if as_of else {})}
        return self.post("/reward-checks", body)

    def reward_check_record(self, check_id: str) -> dict[str, Any]:
        return self.get(f"/reward-checks/{check_id}")


def _dated(as_of: str | None) -> dict[str, str]:
    return {"as_of": as_of} if as_of else {}
