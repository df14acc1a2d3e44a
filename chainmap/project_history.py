"""Append-only history of a 招商项目: stage changes and follow-up notes (跟进记录), and the migration that gives
introductions recorded before the history existed their first entry.

A stage change is checked by chainmap.project_rules against the project as read, then appended by a write that
locks the project and appends only if no other change was appended since that read (the sequence number it
expected); otherwise it is rolled back and the caller is told to read again. So two editors moving the same project
at once never both succeed on a stale view, and the current stage is always the last entry of the history.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, LiteralString

from chainmap import project_rules
from chainmap.audit import Change
from chainmap.errors import Conflict, Invalid
from chainmap.graph import Graph, footprints
from chainmap.graph.adapter import Clash

APPEND_STAGE: LiteralString = (
    "MATCH (i:Introduction {id: $id}) SET i.__lock = true REMOVE i.__lock "
    "WITH i, CASE WHEN coalesce(i.stage_seq, 0) <> $seq THEN {stage: i.stage, seq: i.stage_seq} END AS clash "
    "CALL (i, clash) { WITH i WHERE clash IS NULL "
    "  CREATE (i)-[:STAGE_CHANGE]->(:StageChange {seq: $seq + 1, stage: $stage, on: $on, reason: $reason, "
    "    by: $by.id, by_label: $by.label, recorded_at: datetime(), migrated: false}) "
    "  SET i.stage = $stage, i.stage_on = $on, i.stage_seq = $seq + 1 } "
    "RETURN clash"
)
# Notes need no precondition: the sequence number is taken under the project's lock.
APPEND_NOTE: LiteralString = (
    "MATCH (i:Introduction {id: $id}) SET i.note_seq = coalesce(i.note_seq, 0) + 1 "
    "CREATE (i)-[:FOLLOW_UP]->(:FollowUp {seq: i.note_seq, on: $on, text: $text, by: $by.id, by_label: $by.label, "
    "  recorded_at: datetime()}) "
    "RETURN i.note_seq AS seq"
)
# Introductions recorded before stage histories (and those a CSV load writes): their current stage becomes the first
# entry, dated by the introduction date and marked as migrated, so a report never mistakes it for an observed move.
# No recording time: the entry follows from the data alone, so loading the same files twice gives the same graph.
MIGRATE: LiteralString = (
    "MATCH (i:Introduction) WHERE NOT EXISTS { (i)-[:STAGE_CHANGE]->() } "
    "CREATE (i)-[:STAGE_CHANGE]->(:StageChange {seq: 1, stage: i.stage, on: i.introduced_on, by: 'migration', "
    "  by_label: '数据迁移', migrated: true, source: '迁移前已登记的引进项目：当前阶段按引进日期记载，此前各阶段日期不详'}) "
    "SET i.stage_on = i.introduced_on, i.stage_seq = 1, i.note_seq = coalesce(i.note_seq, 0) "
    "RETURN count(i) AS migrated"
)
# Every project's history in an area, for reports and as-of answers (plain rows; the rules read them).
HISTORIES: LiteralString = (
    "MATCH (i:Introduction)-[:INTO]->(c:Cluster) "
    "WHERE ($county IS NULL OR c.county = $county) AND ($city IS NULL OR c.county STARTS WITH left($city, 4)) "
    "  AND ($cluster IS NULL OR c.id = $cluster) "
    "MATCH (i)-[:OF]->(e:Enterprise) "
    "CALL (i) { MATCH (i)-[:STAGE_CHANGE]->(s:StageChange) WITH s ORDER BY s.seq "
    "  RETURN collect(s {.seq, .stage, .on, .reason, .migrated}) AS stages } "
    "RETURN i.id AS id, i.name AS name, e.uscc AS enterprise, e.name AS enterprise_name, c.id AS cluster, "
    "  c.name AS cluster_name, c.county AS county, i.amount_10k_cny AS amount_10k_cny, i.next_due AS next_due, "
    "  i.officer_name AS officer_name, i.officer_unit AS officer_unit, i.introduced_on AS introduced_on, "
    "  [(i)-[:FILLS]->(n:ChainNode) | n.id] AS nodes, stages ORDER BY i.id"
)


def check_move(intro: dict[str, Any], move: dict[str, Any]) -> None:
    """Invalid, naming the field, unless chainmap.project_rules allows the move for the project as read."""
    stages = intro.get("stages") or []
    problem = project_rules.move_problem(intro["stage"], stages[-1]["on"] if stages else None, move["stage"],
                                         move["on"], move.get("reason"), dt.date.today())
    if problem:
        raise Invalid(f"{problem[0]}: {problem[1]}", errors=[{"field": problem[0], "reason": problem[1]}])


def record_stage(graph: Graph, intro: dict[str, Any], move: dict[str, Any], by: dict[str, str],
                 action: str = "introduction.stage") -> None:
    """Append a stage change to the project as read (`intro`, from chainmap.introductions.get_introduction)."""
    check_move(intro, move)
    stages = intro.get("stages") or []
    last = stages[-1] if stages else None
    try:
        graph.write(APPEND_STAGE, id=intro["id"], seq=last["seq"] if last else 0, stage=move["stage"], on=move["on"],
                    reason=move.get("reason"), by=by, props={}, touches=footprints.INTRODUCTION,
                    change=Change(action, "introduction", (intro["id"],)))
    except Clash:
        raise Conflict("该项目的阶段刚被他人更新，请刷新后重试") from None


def add_note(graph: Graph, intro_id: str, note: dict[str, Any], by: dict[str, str]) -> None:
    if note["on"] > dt.date.today():
        raise Invalid("on: 日期不能晚于今天", errors=[{"field": "on", "reason": "日期不能晚于今天"}])
    graph.write(APPEND_NOTE, id=intro_id, on=note["on"], text=note["text"], by=by, props={},
                touches=footprints.NOTHING, change=Change("introduction.note", "introduction", (intro_id,)))


def migrate(graph: Graph) -> int:
    """Give every introduction without a history its first, migrated entry; returns how many."""
    return graph.write(MIGRATE)[0]["migrated"]


def histories(graph: Graph, *, city: str | None = None, county: str | None = None,
              cluster: str | None = None) -> list[dict[str, Any]]:
    return graph.read(HISTORIES, city=city, county=county, cluster=cluster)
