"""The gap / weak / bottleneck rules as a table over plain facts (no graph)."""

import pytest

from chainmap.gaps.rules import NodeFacts, analyse, node_status
from chainmap.policy import Thresholds

T = Thresholds(weak_below=3, single_supplier_customers=3, outside_share=0.5, outside_min_edges=3)
C = "company"

# (name, facts, expected status, phrase expected among the reasons)
CASES = [
    ("no entity is a gap", NodeFacts("n"), "gap", "本县没有在业市场主体从事该环节"),
    ("a gap names the nearest supply",
     NodeFacts("n", nearest=[{"adcode": "130581", "name": "邢台市南宫市", "count": 12, "km": 38.4}]), "gap",
     "最近的供给在邢台市南宫市（12家，约38公里）"),
    ("a gap stays a gap even when marked bottleneck", NodeFacts("n", mark="bottleneck", mark_reason="x"), "gap", "没有"),
    ("one entity with few customers is weak", NodeFacts("n", {C: 1}, single_customers=2), "weak", "仅1家"),
    ("one entity serving exactly the threshold is a bottleneck",
     NodeFacts("n", {C: 1}, single_name="甲", single_customers=3), "bottleneck", "仅依赖1家主体（甲），其服务本县客户3家"),
    ("two entities, just below weak_below", NodeFacts("n", {C: 2}), "weak", "少于3家"),
    ("exactly weak_below entities is present (tie)", NodeFacts("n", {C: 3}), "present", "本县3家在业市场主体（企业3家）"),
    ("exactly half from outside the province is not most (tie)",
     NodeFacts("n", {C: 4}, inbound=10, inbound_outside_province=5), "present", "本县4家"),
    # inbound is every supply into the link's firms, local ones too: the reason says so, not 外来供货.
    ("most inbound supply from outside the province",
     NodeFacts("n", {C: 4}, inbound=10, inbound_outside_province=6), "bottleneck",
     "本县该环节所属企业接受的供货中60%来自省外（6/10条供货关系）"),
    ("outside share judged only with enough relationships",
     NodeFacts("n", {C: 4}, inbound=2, inbound_outside_province=2), "present", "本县4家"),
    ("an editor's bottleneck mark", NodeFacts("n", {C: 5}, mark="bottleneck", mark_reason="卡脖子", mark_by="k1"),
     "bottleneck", "人工标注为瓶颈（卡脖子）：卡脖子"),
    # A seeded mark was recorded from a public source that shows the link weak: no person, no 卡脖子.
    ("a bottleneck mark from a public source", NodeFacts("n", {C: 5}, mark="bottleneck", mark_reason="“占比较小”",
                                                          mark_by="公开来源"),
     "bottleneck", "据公开来源标注为瓶颈：“占比较小”"),
    # A weak mark (a source that calls the link weak: 占比较小, 人才稀缺) makes a covered link weak, and says so.
    ("a weak mark from a public source", NodeFacts("n", {C: 5}, mark="weak", mark_reason="“占比较小”",
                                                    mark_by="公开来源"), "weak", "据公开来源标注为薄弱：“占比较小”"),
    ("an editor's weak mark", NodeFacts("n", {C: 5}, mark="weak", mark_reason="设计人才少", mark_by="k1"), "weak",
     "人工标注为薄弱：设计人才少"),
    ("a weak mark keeps the count beside it", NodeFacts("n", {C: 5}, mark="weak", mark_reason="x", mark_by="k1"),
     "weak", "本县5家在业市场主体（企业5家）"),
    ("a weak mark does not lower a bottleneck",
     NodeFacts("n", {C: 4}, inbound=10, inbound_outside_province=6, mark="weak", mark_reason="x", mark_by="公开来源"),
     "bottleneck", "据公开来源标注为薄弱：x"),
    ("a gap stays a gap when marked weak", NodeFacts("n", mark="weak", mark_reason="x"), "gap", "没有"),
    ("a gap mark on a covered link says both", NodeFacts("n", {C: 5}, mark="gap", mark_reason="无高端产能", mark_by="k1"),
     "present", "人工标注为缺链：无高端产能（本县仍有5家在业市场主体，状态按计数判定）"),
    ("a sourced gap mark on a gap is cited", NodeFacts("n", mark="gap", mark_reason="配套项目在建", mark_by="公开来源"),
     "gap", "据公开来源标注为缺链：配套项目在建"),
    ("a bottleneck mark keeps the small count beside it",
     NodeFacts("n", {C: 2}, mark="bottleneck", mark_reason="x", mark_by="公开来源"), "bottleneck", "本县仅2家在业市场主体"),
    ("an editor's gap mark does not override coverage", NodeFacts("n", {C: 5}, mark="gap", mark_reason="x"),
     "present", "本县5家"),
    ("individual businesses and farms count as local entities",
     NodeFacts("n", {"individual_business": 1, "family_farm": 1, "cooperative": 1}), "present",
     "个体工商户1家、家庭农场1家、农民专业合作社1家"),
    ("the city scope says so", NodeFacts("n", {C: 1}, scope="city"), "weak", "本市仅1家"),
    # A gap says how it was counted: by the link and its own codes; a code another link shares is not counted.
    ("a gap counted by its own code", NodeFacts("n", codes=["1321"], own_codes=["1321"]), "gap",
     "（按所属环节和行业代码1321统计）"),
    ("a gap whose only code is shared counts attached firms only", NodeFacts("n", codes=["3761"], own_codes=[]), "gap",
     "（仅按所属环节统计：行业代码3761与本链其他环节共用，不按代码计入）"),
    ("a gap with one shared code of two", NodeFacts("n", codes=["8222", "1321"], own_codes=["8222"]), "gap",
     "（按所属环节和行业代码8222统计；1321与本链其他环节共用，不按代码计入）"),
    ("a gap of a link without codes", NodeFacts("n"), "gap", "（仅按所属环节统计）"),
]


@pytest.mark.parametrize("name, facts, status, phrase", CASES, ids=[c[0] for c in CASES])
def test_status_rules(name, facts, status, phrase):
    got, evidence = node_status(facts, T)
    assert got == status
    assert any(phrase in r for r in evidence["reasons"]), evidence["reasons"]
    assert evidence["local_entities"] == sum(facts.by_type.values())


def test_evidence_carries_the_single_supplier_and_the_mark():
    _, evidence = node_status(NodeFacts("n", {C: 1}, single_name="甲", single_uscc="U", single_customers=7,
                                        mark="gap", mark_reason="r", mark_by="k"), T)
    assert evidence["single_supplier"] == {"uscc": "U", "name": "甲", "local_customers": 7}
    assert evidence["mark"] == {"value": "gap", "reason": "r", "by": "k"}
    assert evidence["by_entity_type"] == {"company": 1}


def test_thresholds_are_configuration():
    facts = NodeFacts("n", {C: 3})
    assert node_status(facts, T)[0] == "present"
    assert node_status(facts, Thresholds(weak_below=5))[0] == "weak"


def test_an_empty_cluster():
    results, rate = analyse([], T)
    assert results == {} and rate["nodes"] == 0 and rate["node_coverage"] is None
    assert rate["supply_share_from_scope"] is None and rate["counts"] == dict.fromkeys(rate["counts"], 0)


def test_local_supply_rate():
    nodes = [NodeFacts("a"), NodeFacts("b", {C: 3}, inbound=4, inbound_in_scope=3),
             NodeFacts("c", {C: 1}, inbound=4, inbound_in_scope=1)]
    results, rate = analyse(nodes, T)
    assert {k: v[0] for k, v in results.items()} == {"a": "gap", "b": "present", "c": "weak"}
    assert rate["node_coverage"] == round(2 / 3, 4) and rate["supply_share_from_scope"] == 0.5
    assert rate["counts"] == {"gap": 1, "bottleneck": 0, "weak": 1, "present": 1}


def test_a_firm_without_a_type_counts_and_is_named_in_chinese():
    """A firm the data gives no type (written around chainmap) still counts as local supply; facts assembled from the
    facts query's rows with it beside typed firms sort, and the reason names it 未知类型, never as a raw key."""
    from chainmap.gaps.analysis import assemble_facts, types_in

    supply = [[None, "130534", 1], [C, "130534", 2], [None, "130581", 4]]
    row = {"id": "n", "scope": "county", "expires": None, "supply": supply, "members": 0, "inbound": 0, "outside": 0,
           "in_scope": 0, "single": None, "single_customers": 0, "county": "130534"}
    facts, _ = assemble_facts([row], ["n"], {})
    assert facts["n"]["county"]["types"] == {C: 2, "unknown": 5}
    assert types_in(supply, "130534") == {C: 2, "unknown": 1}
    status, evidence = node_status(NodeFacts("n", dict(types_in(supply, "130534"))), T)
    assert status == "present" and "企业2家、未知类型1家" in " ".join(evidence["reasons"])


def test_reasons_claim_only_what_was_counted():
    """Neither the outside share (all supply into the link's firms) nor a public source's mark says more than it is."""
    _, evidence = node_status(NodeFacts("n", {C: 4}, inbound=10, inbound_outside_province=6, mark="bottleneck",
                                        mark_reason="r", mark_by="公开来源"), T)
    text = "".join(evidence["reasons"])
    assert "外来供货" not in text and "人工标注" not in text and "卡脖子" not in text, evidence["reasons"]


def test_the_loader_records_marks_as_the_rule_reads_them():
    from chainmap.gaps.rules import INFERRED_MARK_BY, SOURCE_MARK_BY
    from chainmap.loading.loader import LOADED_MARK_BY

    assert LOADED_MARK_BY == {"source": SOURCE_MARK_BY, "inference": INFERRED_MARK_BY}
    inferred = NodeFacts("n", {C: 5}, mark="bottleneck", mark_reason="据此推断", mark_by=INFERRED_MARK_BY)
    assert node_status(inferred, T)[1]["reasons"] == ["据公开来源推断为瓶颈：据此推断"]
    weak = NodeFacts("n", {C: 1}, mark="weak", mark_reason="据此推断", mark_by=INFERRED_MARK_BY)
    assert node_status(weak, T) == ("weak", node_status(weak, T)[1])
    assert node_status(weak, T)[1]["reasons"][-1] == "据公开来源推断为薄弱：据此推断"


NANGONG = [{"adcode": "131121", "name": "衡水市枣强县", "count": 2, "km": 32.0},
           {"adcode": "130534", "name": "邢台市清河县", "count": 196, "km": 33.1},
           {"adcode": "130581", "name": "邢台市南宫市", "count": 40, "km": 70.0}]


def test_a_gap_names_a_much_larger_supply_hardly_farther_than_the_nearest():
    """Officer review: 南宫's raw cashmere pointed at 2 dealers in 枣强 while 清河 (196) lay 1 km farther."""
    _, evidence = node_status(NodeFacts("n", nearest=NANGONG), T)
    assert evidence["reasons"][1] == "最近的供给在衡水市枣强县（2家，约32公里），较集中的供给在邢台市清河县（196家，约33公里）"
    few = [NANGONG[0], {**NANGONG[1], "count": 9}]       # not five times the nearest's: the nearest alone
    assert node_status(NodeFacts("n", nearest=few), T)[1]["reasons"][1] == "最近的供给在衡水市枣强县（2家，约32公里）"
    far = [NANGONG[0], {**NANGONG[1], "km": 62.1}]       # much farther: the nearest alone
    assert "较集中" not in node_status(NodeFacts("n", nearest=far), T)[1]["reasons"][1]


def test_a_lone_supplier_next_to_a_county_full_of_them_says_so():
    """Officer review: 广宗's frames hang on one local firm, with 平乡's 197 parts makers 17 km away."""
    pingxiang = [{"adcode": "130532", "name": "邢台市平乡县", "count": 197, "km": 17.3}]
    facts = NodeFacts("n", {C: 1}, single_name="甲", single_customers=101, nearest=pingxiang)
    status, evidence = node_status(facts, T)
    assert status == "bottleneck"
    assert evidence["reasons"][0] == "本县供给仅依赖1家主体（甲），其服务本县客户101家；邻近的邢台市平乡县（197家，约17公里）可供"
    lone = NodeFacts("n", {C: 1}, single_name="甲", single_customers=101, nearest=[{**pingxiang[0], "km": 80.0}])
    assert node_status(lone, T)[1]["reasons"][0] == "本县供给仅依赖1家主体（甲），其服务本县客户101家"
