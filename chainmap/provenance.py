"""Whether an answer rests on synthetic firms (seeds/synthetic/, labelled `synthetic` on each Enterprise): every file
an officer may forward or print says so where it does, in the file itself, not only in the console's footer."""

from __future__ import annotations

from collections.abc import Iterable
from typing import LiteralString

from chainmap.graph import Graph

# Both read the enterprise_synthetic index: one entry answers ANY, and a graph of real firms has none to scan.
ANY: LiteralString = "MATCH (e:Enterprise) WHERE e.synthetic = true RETURN e.uscc AS uscc LIMIT 1"
AMONG: LiteralString = (
    "UNWIND $codes AS code MATCH (e:Enterprise {uscc: code}) WHERE e.synthetic = true RETURN count(e) AS n"
)

TABLE_NOTE = ("本表的企业数据含合成样例数据（非真实企业，由公开的集群、产业链和行政区划资料生成），据此得出的市场主体数、"
              "缺链判定和供给占比仅供演示，不能作为招商或奖励依据。")
FORM_LABEL = "合成样例数据（非真实企业），本表仅供演示，不能作为奖励核定或发放依据"


def any_synthetic(graph: Graph) -> bool:
    return bool(graph.read(ANY))


def synthetic_among(graph: Graph, codes: Iterable[str]) -> int:
    """How many of these firms are synthetic."""
    return graph.read(AMONG, codes=sorted(set(codes)))[0]["n"]


def table_note(graph: Graph) -> str | None:
    """The 注 a gap or target table carries while the graph holds synthetic firms."""
    return TABLE_NOTE if any_synthetic(graph) else None
