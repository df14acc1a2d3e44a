"""Pagination: one shape for every list."""

from __future__ import annotations

from dataclasses import dataclass

MAX_PER_PAGE = 200


@dataclass(frozen=True)
class Page:
    page: int = 1
    per_page: int = 50

    @property
    def skip(self) -> int:
        return (self.page - 1) * self.per_page


def envelope(items: list, total: int, page: Page) -> dict:
    return {"items": items, "total": total, "page": page.page, "per_page": page.per_page}
