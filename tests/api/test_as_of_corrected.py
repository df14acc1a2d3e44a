"""The chain as of a day by correcting today's stored facts (chainmap.gaps.as_of.corrected) equals walking the
graph afresh (as_of.walked) on every day of a dated history, in every scope, before and after later-dated writes.

The history: tests/api/history_data.py (a firm registering and deregistering, a relationship starting and ending, a
mark set and cleared, a project through its stages) plus, here, a firm that moves away, firms of another county of
the city and of another city attached to the link (city and province scope, nearest supply), a local relationship
that begins, and the seeded synthetic clusters, whose firms registered and relationships began and ended over the
years before."""

from __future__ import annotations

import datetime as dt

import pytest

from chainmap.gaps import as_of, timeline
from chainmap.gaps.analysis import HEBEI_COUNTIES, NODES
from chainmap.vocab import LOCALITIES
from tests.api import history_data as h
from tests.conftest import reset_seeded

M, N, X, Z = h.firm(11, "130534"), h.firm(12, "130582"), h.firm(13, "130534"), h.firm(15, "130102")
DAYS = ("2019-06-30", "2022-12-31", "2024-03-31", "2025-06-30", "2026-01-15", "2026-02-20", "2026-03-15",
        "2026-04-30", "2026-05-31", "2026-06-15", "2026-07-25", "2026-09-15")
# the seeded clusters with the most firms and relationships registered or begun over the days above
BUSIEST: str = (
    "MATCH (c:Cluster)-[:HAS_NODE]->(:ChainNode)<-[:OPERATES_IN]-(e:Enterprise) WHERE e.registered_on IS NOT NULL "
    "RETURN c.id AS id, count(e) AS k ORDER BY k DESC, id LIMIT 3"
)


@pytest.fixture(scope="module", autouse=True)
def history(client, graph, keys):
    h.build(client, keys)
    admin = keys["admin"]
    for code, name, region, registered in ((M, "清河县庚纺织加工部", "130534", "2025-11-01"),
                                           (N, "沙河辛纺织有限公司", "130582", "2024-05-01"),
                                           (X, "清河壬纺织有限公司", "130534", "2024-01-01"),
                                           (Z, "石家庄子纺织有限公司", "130102", "2020-01-01")):
        h.ok(client.post("/api/v1/enterprises", headers=admin, json={
            "uscc": code, "name": name, "entity_type": "individual_business" if code == M else "company",
            "region": region, "registered_on": registered, "chain_nodes": [h.ALPHA]}))
    h.ok(client.patch(f"/api/v1/enterprises/{M}", headers=admin, json={"status": "moved", "status_on": "2026-05-01"}),
         200)
    h.ok(client.post(f"/api/v1/enterprises/{h.B}/partners", headers=admin, json={
        "partner": X, "relation": "supplied_by", "since": "2026-03-01", "evidence": "本地采购合同"}))
    yield
    reset_seeded(graph)


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


def clusters(graph) -> list[str]:
    return [h.CLUSTER] + [r["id"] for r in graph.read(BUSIEST)]


def compare(graph, day: dt.date) -> dict[str, dict]:
    """Corrected facts on `day`, after asserting they equal the walk for every node they cover."""
    ids = clusters(graph)
    nodes = [n["id"] for n in graph.read(NODES, ids=ids)]
    counties = {r["adcode"]: r for r in graph.read(HEBEI_COUNTIES)}
    fixed = as_of.corrected(graph, ids, day, LOCALITIES, counties)
    walked = as_of.walked(graph, nodes, day, LOCALITIES, counties)
    for nid, facts in fixed.items():
        assert facts == walked[nid], (day, nid)
    # a few clusters find their members' relationships by a lookup (as_of.FEW_CLUSTERS): the same facts
    assert len(ids) > as_of.FEW_CLUSTERS
    alone = as_of.corrected(graph, [h.CLUSTER], day, LOCALITIES, counties)
    assert alone == {nid: f for nid, f in fixed.items() if nid.startswith(f"{h.CLUSTER}.")}, day
    # the corrections answer nearly every node: only one whose lone firm on the day is one of several today (in
    # some scope) is walked instead
    assert len(fixed) >= 0.9 * len(nodes), (day, len(fixed), len(nodes))
    # a recent day is answered from the nodes' timelines: every node, equal to the walk
    timed = as_of.with_customers(graph, timeline.facts_on(graph, ids, day, LOCALITIES, counties), LOCALITIES, day)
    if day >= timeline.horizon(dt.date.today()):
        assert sorted(timed) == sorted(nodes), day
        for nid, facts in timed.items():
            assert facts == walked[nid], (day, nid)
    else:
        assert timed == {}, day
    return fixed


def test_the_history_is_what_the_corrections_must_undo(graph):
    changed = graph.read(as_of.CHANGED_COUNT, day=dt.date(2022, 12, 31), low=dt.date(2022, 12, 31),
                         high=dt.date.today())[0]["changed"]
    assert changed > 100  # seeded firms registered and relationships begun or ended since


@pytest.mark.parametrize("day", DAYS)
def test_corrected_equals_the_walk(graph, day):
    fixed = compare(graph, dt.date.fromisoformat(day))
    alpha = fixed.get(h.ALPHA)
    if day == "2024-03-31":  # X alone in the city then, N too today: the lone firm is found among the city's (LONE)
        assert alpha is not None and alpha["city"]["single"]["uscc"] == X
    if day == "2026-04-30":  # A, M and X in the county, N in the city too: the corrections moved each scope apart
        assert alpha is not None
        assert (sum(alpha["county"]["types"].values()), sum(alpha["city"]["types"].values())) == (3, 4)
        assert alpha["nearest"][0]["adcode"] == "130582"


def test_today_corrected_equals_the_walk_and_the_stored_facts(graph):
    compare(graph, dt.date.today())


def test_past_days_stay_the_same_after_later_writes(client, graph, keys):
    days = [dt.date.fromisoformat(d) for d in ("2025-06-30", "2026-04-30", "2026-09-15")]
    before = {day: compare(graph, day) for day in days}
    admin, editor = keys["admin"], keys["editor"]
    late = h.firm(14, "130534")
    h.ok(client.post("/api/v1/enterprises", headers=admin, json={   # recorded today, no registration date
        "uscc": late, "name": "清河癸纺织有限公司", "entity_type": "company", "region": "130534",
        "chain_nodes": [h.BETA]}))
    h.ok(client.post(f"/api/v1/enterprises/{h.L}/partners", headers=admin, json={
        "partner": h.S, "relation": "supplied_by", "since": dt.date.today().isoformat(), "evidence": "新采购合同"}))
    h.ok(client.put(f"/api/v1/clusters/{h.CLUSTER}/nodes/asof-beta/mark", headers=editor, json={
        "mark": "bottleneck", "reason": "后续标注"}), 204)
    h.ok(client.patch(f"/api/v1/enterprises/{X}", headers=admin, json={"status": "deregistered"}), 200)
    # the writes made the timelines of the nodes they touch stale (their facts were forgotten): recomputed on reading
    stored = graph.read(timeline.STORED, ids=clusters(graph), layout=timeline.LAYOUT)
    stale = {r["id"] for r in stored if r["timeline"] is None}
    assert {h.ALPHA, h.BETA} <= stale
    for day in days:
        assert compare(graph, day) == before[day], day
    compare(graph, dt.date.today())
    assert all(r["timeline"] for r in graph.read(timeline.STORED, ids=clusters(graph), layout=timeline.LAYOUT))


def test_a_day_with_too_many_later_facts_is_walked(graph, monkeypatch):
    day = dt.date(2026, 4, 30)
    ids = clusters(graph)
    counties = {r["adcode"]: r for r in graph.read(HEBEI_COUNTIES)}
    fixed = as_of.facts_on(graph, ids, "county", day)
    monkeypatch.setattr(as_of, "CORRECTION_LIMIT", 0)
    assert as_of.corrected(graph, ids, day, LOCALITIES, counties) == {}
    assert as_of.facts_on(graph, ids, "county", day) == fixed
