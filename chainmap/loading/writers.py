"""A load's batches, sent to Neo4j by writer threads while the loader parses the next rows.

Firms and 协作配套 go to `count()` threads (issue 20 §3: the server works on one batch while this process computes
the facts' delta of another, where the cores allow), each taking the rows whose key hashes to it: a key repeated in
a file stays in file order, so the later row wins as with one writer. Each transaction first locks the firms it
writes (chainmap.gaps.delta), also where the stored facts are recomputed after the load: a value computed from a
firm's own (its `tie_counties`, its rank keys) is then never lost to a concurrent batch.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any, LiteralString

from chainmap import upkeep
from chainmap.graph import Graph
from chainmap.graph import loading as q
from chainmap.graph.adapter import Keep

BATCH = 10000
Done = Callable[[list[dict], dict[str, int], int], None]

# How each statement's batch keeps the stored facts in an update (chainmap.loading.loader.Loader.kept).
KEEPS: dict[str, Callable[[Sequence[dict]], upkeep.FactsDelta]] = {
    q.ENTERPRISES: lambda batch: upkeep.kept_facts([r["uscc"] for r in batch]),
    q.SUPPLIES: upkeep.kept_facts_of_relations,
}
# The locks alone, where the facts are recomputed after the load but batches are written in parallel.
LOCKS: dict[str, Callable[[Sequence[dict]], Keep]] = {
    q.ENTERPRISES: lambda batch: upkeep.locked(KEEPS[q.ENTERPRISES](batch)),
    q.SUPPLIES: lambda batch: upkeep.locked(KEEPS[q.SUPPLIES](batch)),
}
# The statements written by parallel writers, and the key that sends a row to its writer.
PARTITIONS: dict[str, Callable[[dict], Any]] = {
    q.ENTERPRISES: lambda row: row["uscc"],
    q.SUPPLIES: lambda row: (row["supplier"], row["customer"], row["kind"], row["since"]),
}


def count() -> int:
    """Writer threads per statement: CHAINMAP_LOAD_WRITERS, else one per two cores up to four. On this project's
    two-core machine two writers loaded 1M firms / 3M 协作配套 in 838 s against one writer's 1,048 s, but at 542 MiB
    (before the reference keys were released) against 322 MiB: one is the default there, two a choice."""
    return max(1, int(os.environ.get("CHAINMAP_LOAD_WRITERS") or min(4, (os.cpu_count() or 2) // 2)))


def send(graph: Graph, statement: LiteralString, rows: Iterator[dict], done: Done, *, writers: int, kept: bool,
         arguments: dict[str, Any]) -> None:
    """Write `rows` by `statement` in batches of BATCH; `done(result, counters, rows)` is called once per committed
    batch, one call at a time. The first failure stops the sending and is raised here."""
    partition = PARTITIONS.get(statement) if writers > 1 else None
    threads_n = writers if partition else 1
    keep = (KEEPS if kept else LOCKS if threads_n > 1 else {}).get(statement) or (lambda batch: None)
    # Batches held at once: per writer one being written, `depth` waiting and one being filled (a batch of 10,000
    # firms is about 15 MiB in this process; issue 20 §3 asks for a loader under 500 MiB at 1M firms).
    depth = 2 if threads_n == 1 else 1
    queues: list[queue.Queue] = [queue.Queue(maxsize=depth) for _ in range(threads_n)]
    failure: list[BaseException] = []
    counting = threading.Lock()

    def writer(batches: queue.Queue) -> None:
        while (item := batches.get()) is not None:
            if failure:
                continue
            batch, kept_by = item
            try:
                result, counters = graph.write_counted(statement, rows=batch, keep=kept_by, **arguments)
            except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
                failure.append(exc)
                continue
            with counting:
                done(result, counters, len(batch))
            # The driver's result and summary of this write hold its parameters in a reference cycle, freed only
            # by a full garbage collection, which a process holding a million reference keys seldom runs: emptied
            # here, the rows go at once (a 1M/3M load grew by ~2 MiB a batch to 887 MiB before).
            batch.clear()

    threads = [threading.Thread(target=writer, args=(batches,), daemon=True) for batches in queues]
    for thread in threads:
        thread.start()
    pending: list[list[dict]] = [[] for _ in range(threads_n)]
    try:
        for row in rows:
            i = hash(partition(row)) % threads_n if partition else 0
            pending[i].append(row)
            if len(pending[i]) >= BATCH:
                # The batch's keep is built here, while the writers wait on the server.
                queues[i].put((pending[i], keep(pending[i])))
                pending[i] = []
                if failure:
                    break
        for i, batch in enumerate(pending):
            if batch and not failure:
                queues[i].put((batch, keep(batch)))
    finally:
        for batches in queues:
            batches.put(None)
        for thread in threads:
            thread.join()
    if failure:
        raise failure[0]
