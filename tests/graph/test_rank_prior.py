"""The bulk import's rank-key priors (chainmap.recommendations.rank_prior) equal the Cypher's digit for digit: the
rank keys' own expressions (chainmap.graph.rank_keys) evaluated by the real database over the same firms, at every
boundary of the scale bound and over many revenues."""

import random
from typing import LiteralString

from chainmap import upkeep
from chainmap.graph.rank_keys import POLLUTING, STATIC_PART
from chainmap.recommendations.rank_prior import priors
from chainmap.vocab import HEBEI_LITERAL
from tests.conftest import POLICIES

# The prior of SET_KEYS over firms given as maps (presence given, not walked): a read, nothing written.
PRIORS: LiteralString = (
    "UNWIND $firms AS e WITH e, reduce(m = null, v IN coalesce(e.revenue_values, []) | "
    "  CASE WHEN m IS NULL OR v > m THEN v ELSE m END) AS revenue, " + POLLUTING + " AS polluting, "
    "  e.presence AS presence "
    "RETURN e.id AS id, CASE WHEN e.status = 'active' AND NOT e.region STARTS WITH " + HEBEI_LITERAL + " "
    "  THEN toString(1000000 + toInteger(ceil((" + STATIC_PART + ") * 1000000))) END AS prior"
)


def firms(parameters):
    threshold = parameters["scale"]["threshold_cny"]
    full = threshold * parameters["scale"]["full_at_multiple"]
    revenues = [[], [0], [1], [threshold - 1], [threshold], [threshold + 1], [full - 1], [full], [full + 1],
                [10**13], [5, threshold * 3]]
    rng = random.Random(20)
    revenues += [[rng.randint(0, full * 2)] for _ in range(1500)]
    out = []
    for i, revenue in enumerate(revenues):
        out.append({
            "id": i, "status": "active" if i % 17 else "deregistered",
            "region": ("110101", "110108", "120104", "120116", "130534")[i % 5] if i % 23 else "130534",
            "revenue_values": revenue, "bj_restricted": (None, True, False)[i % 3],
            "expansion_year": (None, parameters["recent_from"], parameters["recent_from"] - 1, 2030)[i % 4],
            "green_factory": (None, True, False)[(i // 3) % 3],
            "industry_codes": (["3670"], ["2614", "3670"], [], ["3360"])[i % 4], "presence": bool(i % 2)})
    return out


def test_python_priors_equal_the_cyphers(graph):
    parameters = upkeep.key_arguments(POLICIES.recommendation)
    given = firms(parameters)
    cypher = {r["id"]: r["prior"] for r in graph.read(PRIORS, firms=given, **parameters)}
    python = {}
    for f in given:
        both = priors(f["status"], f["region"], f["revenue_values"], f["bj_restricted"], f["expansion_year"],
                      f["green_factory"], f["industry_codes"], parameters)
        python[f["id"]] = both[int(f["presence"])] if both else None
    assert python == cypher
    assert sum(p is not None for p in python.values()) > 1000  # most firms are candidates: the digits are compared
