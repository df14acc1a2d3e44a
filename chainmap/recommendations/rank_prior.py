"""The Python twin of the rank keys' Cypher (chainmap.graph.rank_keys.SET_KEYS), for a bulk first load that writes
the keys into the importer's files instead of computing them in the database afterwards.

Same parameters (chainmap.upkeep.key_arguments), same arithmetic in the same order, so the same digits: the prior is
`1000000 + ceil(1e6 × static)` of the scale, transfer and green bounds, each evaluated as the Cypher evaluates it
(Cypher's CASE bounds, not chainmap.recommendations.score's `min`, which round differently at the boundary).
tests/unit/test_rank_prior.py checks the two against each other through a real database.
"""

from __future__ import annotations

import math
from typing import Any

from chainmap.vocab import HEBEI


def _scale(revenue: int | None, p: dict[str, Any]) -> float:
    s = p["scale"]
    if revenue is None:
        part = 0.0
    elif revenue < s["threshold_cny"]:
        part = s["at_threshold"] * revenue / s["threshold_cny"]
    elif revenue >= s["threshold_cny"] * s["full_at_multiple"]:
        part = 1.0
    else:
        part = s["at_threshold"] + (1 - s["at_threshold"]) * math.log(float(revenue) / s["threshold_cny"]) / math.log(
            s["full_at_multiple"])
    return p["w"]["scale"] * part


def polluting(codes: list[str], p: dict[str, Any]) -> bool:
    return any(code.startswith(prefix) for code in codes for prefix in p["polluting"])


def priors(status: str | None, region: str | None, revenue_values: list[int], bj_restricted: bool | None,
           expansion_year: int | None, green_factory: bool | None, codes: list[str],
           p: dict[str, Any]) -> tuple[str, str] | None:
    """The firm's key prior without and with a Hebei branch (its presence is known only once every firm is read);
    None when the firm cannot be a candidate (inactive, or in Hebei)."""
    if status != "active" or region is None or region.startswith(HEBEI):
        return None
    scale = _scale(max(revenue_values) if revenue_values else None, p)
    signals = ((1 if bj_restricted else 0) + (1 if region in p["core"] else 0)
               + (1 if expansion_year is not None and expansion_year >= p["recent_from"] else 0))
    dirty = polluting(codes, p)
    green = p["w"]["green"] * (1.0 if green_factory and not dirty else 0.0 if dirty and not green_factory else 0.5)
    return tuple(  # type: ignore[return-value]
        str(1000000 + int(math.ceil((scale + p["w"]["transfer"] * (signals + presence) / 4.0 + green) * 1000000)))
        for presence in (0, 1))


def rank_key(code: str, prior: str, uscc: str) -> str:
    return f"{code}|{prior}|{uscc}"
