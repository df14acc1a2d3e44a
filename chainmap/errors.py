"""Domain errors. The API maps each class to one HTTP status in one place (api/problems.py)."""

from __future__ import annotations


class ChainmapError(Exception):
    """Base class: `detail` is safe to show to a caller."""

    def __init__(self, detail: str, *, errors: list[dict] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []


class NotFound(ChainmapError):
    """The named thing does not exist."""


class Conflict(ChainmapError):
    """The request clashes with what the graph holds (duplicate, second grant, ...)."""


class Invalid(ChainmapError):
    """The input is well-formed but wrong: `errors` lists {field, reason} pairs."""


class Unauthorized(ChainmapError):
    """No credential, or one that is not recognised."""


class Forbidden(ChainmapError):
    """A recognised credential that may not do this."""


class Unavailable(ChainmapError):
    """A dependency (the graph database) cannot be reached right now."""
