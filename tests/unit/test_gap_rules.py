"""The gap / weak / bottleneck rules as a table over plain facts (no graph)."""

import pytest

from chainmap.gaps.rules import NodeFacts, analyse, node_status
from chainmap.policy import Thresholds

T = Thresholds(weak_below=3, single_supplier_customers=3, outside_share=0.5, outside_min_edges=3)
C = "company"

# (name, facts, expected status, phrase expected among the reasons)
CASES = [
    ("no entity is a gap", NodeFacts("n"), "gap", "no active local market entity"),
    ("a gap stays a gap even when marked bottleneck", NodeFacts("n", mark="bottleneck", mark_reason="x"), "gap", "no active"),
    ("one entity with few customers is weak", NodeFacts("n", [C], single_customers=2), "weak", "1 local entities"),
    ("one entity serving exactly the threshold is a bottleneck", NodeFacts("n", [C], single_customers=3),
     "bottleneck", "hangs on one entity serving 3"),
    ("two entities, just below weak_below", NodeFacts("n", [C, C]), "weak", "fewer than 3"),
    ("exactly weak_below entities is present (tie)", NodeFacts("n", [C, C, C]), "present", "3 local entities"),
    ("exactly half from outside the province is not most (tie)",
     NodeFacts("n", [C] * 4, inbound=10, inbound_outside_province=5), "present", "4 local entities"),
    ("most inbound supply from outside the province",
     NodeFacts("n", [C] * 4, inbound=10, inbound_outside_province=6), "bottleneck", "60% of inbound supply"),
    ("outside share judged only with enough relationships",
     NodeFacts("n", [C] * 4, inbound=2, inbound_outside_province=2), "present", "4 local entities"),
    ("an editor's bottleneck mark", NodeFacts("n", [C] * 5, mark="bottleneck", mark_reason="卡脖子", mark_by="k1"),
     "bottleneck", "marked bottleneck by k1: 卡脖子"),
    ("an editor's gap mark does not override coverage", NodeFacts("n", [C] * 5, mark="gap", mark_reason="x"),
     "present", "5 local entities"),
    ("individual businesses and farms count as local entities",
     NodeFacts("n", ["individual_business", "family_farm", "cooperative"]), "present", "3 local entities"),
]


@pytest.mark.parametrize("name, facts, status, phrase", CASES, ids=[c[0] for c in CASES])
def test_status_rules(name, facts, status, phrase):
    got, evidence = node_status(facts, T)
    assert got == status
    assert any(phrase in r for r in evidence["reasons"]), evidence["reasons"]
    assert evidence["local_entities"] == len(facts.local_types)


def test_evidence_carries_the_single_supplier_and_the_mark():
    _, evidence = node_status(NodeFacts("n", [C], single_name="甲", single_uscc="U", single_customers=7,
                                        mark="gap", mark_reason="r", mark_by="k"), T)
    assert evidence["single_supplier"] == {"uscc": "U", "name": "甲", "local_customers": 7}
    assert evidence["mark"] == {"value": "gap", "reason": "r", "by": "k"}
    assert evidence["by_entity_type"] == {"company": 1}


def test_thresholds_are_configuration():
    facts = NodeFacts("n", [C, C, C])
    assert node_status(facts, T)[0] == "present"
    assert node_status(facts, Thresholds(weak_below=5))[0] == "weak"


def test_an_empty_cluster():
    results, rate = analyse([], T)
    assert results == {} and rate["nodes"] == 0 and rate["node_coverage"] is None
    assert rate["supply_share_from_scope"] is None and rate["counts"] == dict.fromkeys(rate["counts"], 0)


def test_local_supply_rate():
    nodes = [NodeFacts("a"), NodeFacts("b", [C] * 3, inbound=4, inbound_in_scope=3),
             NodeFacts("c", [C], inbound=4, inbound_in_scope=1)]
    results, rate = analyse(nodes, T)
    assert {k: v[0] for k, v in results.items()} == {"a": "gap", "b": "present", "c": "weak"}
    assert rate["node_coverage"] == round(2 / 3, 4) and rate["supply_share_from_scope"] == 0.5
    assert rate["counts"] == {"gap": 1, "bottleneck": 0, "weak": 1, "present": 1}
