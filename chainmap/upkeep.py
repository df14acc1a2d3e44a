"""What every write keeps in step: derived data that readers rely on, refreshed by the writers through this module.

- stored gap facts on chain nodes (chainmap.gaps.analysis): kept by delta inside an API write to enterprises or
  their relationships (chainmap.gaps.delta), forgotten or recomputed after a bulk change;
- rank keys of Beijing/Tianjin candidates (chainmap.graph.rank_keys): written in the same statement as a firm, with
  the parameters below, and rebuilt whole when the score's configuration changes.

Writers (enterprises, partners, the loader) call these with what they changed; none of them imports a read side.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from typing import Any, LiteralString

from chainmap.gaps.analysis import all_current, refresh_facts, refresh_unready
from chainmap.gaps.delta import FORGET, FactsDelta, LocksOnly, RelationsDelta
from chainmap.graph import Graph, footprints, rank_keys
from chainmap.graph.adapter import Run
from chainmap.recommendations.score import key_parameters

__all__ = ["ChainEdit", "FactsDelta", "all_current", "forget_all", "refresh_unready", "key_arguments", "keys_current", "keys_version",
           "kept_facts", "kept_facts_of_relations", "locked", "LocksOnly", "rebuild_keys", "refresh_facts"]


def kept_facts(usccs: list[str]) -> FactsDelta:
    """Pass as `keep` to a write to these firms or to the 协作配套 between them: the stored gap facts of every node
    they feed follow the write in its own transaction (chainmap.gaps.delta), so no read after it recomputes them."""
    return FactsDelta(usccs)


def kept_facts_of_relations(batch: Sequence[dict[str, Any]]) -> FactsDelta:
    """kept_facts for a write of 协作配套 rows (supplier, customer, kind, since) that changes nothing else."""
    return RelationsDelta(batch)


def locked(delta: FactsDelta) -> LocksOnly:
    """Pass as `keep` where the facts are recomputed afterwards but writers run in parallel: the delta's locks only."""
    return LocksOnly(delta)


# Stored facts of these nodes are dropped, and the next read of them recomputes them (chainmap.gaps.analysis refreshes
# a node without current facts before analysing it). Derived data: no revision token moves.
FORGET_FACTS: LiteralString = FORGET
FORGET_CLUSTER: LiteralString = (
    "MATCH (:Cluster {id: $cluster})-[:HAS_NODE]->(n:ChainNode) SET n.facts = null, n.facts_stamp = randomUUID()"
)
FORGET_ALL: LiteralString = "MATCH (n:ChainNode) SET n.facts = null, n.facts_stamp = randomUUID()"


def forget_all(graph: Graph) -> None:
    """Before a load that does not keep the facts by delta: its batches would leave them current-looking but stale
    until it recomputes them all at the end."""
    graph.write(FORGET_ALL, touches=footprints.NOTHING)


class ChainEdit:
    """Pass as `keep` to a chain edit of cluster `cluster`: the stored facts of the cluster's nodes are forgotten in the
    edit's transaction (an edit moves which codes are each node's own, chainmap.gaps.analysis.OWN_CODES) and the
    next read recomputes them; their new stamp keeps a delta or a recomputation begun before the edit from storing."""

    def __init__(self, cluster: str) -> None:
        self.cluster = cluster

    def before(self, run: Run) -> None:
        pass

    def after(self, run: Run) -> None:
        run(FORGET_CLUSTER, cluster=self.cluster)


def keys_version(config: dict[str, Any]) -> str:
    """What the rank keys must follow to be used: the configuration they bound (whatever its version string says,
    an edited weight is a new one) and the key's layout (4: a firm without a green-factory flag is bounded exactly,
    as the score reads it; 5: firms outside Hebei carry `tie_links`, chainmap.graph.rank_keys)."""
    text = json.dumps([key_parameters(config, dt.date(2000, 1, 1)), "rank-keys-5"], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def key_arguments(config: dict[str, Any]) -> dict[str, Any]:
    """The parameters a statement writing rank keys needs (chainmap.graph.loading.ENTERPRISES)."""
    return key_parameters(config, dt.date.today())


def keys_current(graph: Graph, config: dict[str, Any]) -> bool:
    return graph.read(rank_keys.MARKER)[0]["version"] == keys_version(config)


def rebuild_keys(graph: Graph, config: dict[str, Any], batch: int = 5000) -> int:
    """Rewrite the rank key of every classification of every firm outside Hebei, then record the version they
    follow (readers walk the candidates meanwhile); returns the number of firms."""
    graph.write(rank_keys.SET_MARKER, version=None)
    graph.write(rank_keys.STALE_KEYS)
    firms = [r["uscc"] for r in graph.read(rank_keys.OUTSIDE_HEBEI)]
    graph.write_batches(rank_keys.KEYS_OF, firms, size=batch, **key_arguments(config))
    graph.write(rank_keys.SET_MARKER, version=keys_version(config))
    return len(firms)
