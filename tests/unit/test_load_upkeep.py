"""How a load keeps the stored gap facts: by delta batch by batch, or recomputed once after it (issue 20 §3)."""

from chainmap.loading.loader import DELTA_COST, RECOMPUTE_COST, keeps_by_delta


def test_an_update_small_against_the_graph_is_kept_by_delta():
    # 100,000 revenues changed in an 8M-entity province: the delta reads what 100,000 firms add, a recomputation
    # would walk 32 million firms and 协作配套.
    assert keeps_by_delta({"enterprises.csv": 100_000}, 32_000_000)
    assert keeps_by_delta({"supplies.csv": 4_400, "enterprises.csv": 2_000}, 38_000)  # tests/graph/test_loader.py


def test_a_first_load_as_large_as_the_graph_is_recomputed_once():
    # A province (1M firms, 3M 协作配套) after the seeds' 20,000 firms.
    assert not keeps_by_delta({"enterprises.csv": 1_000_000, "supplies.csv": 3_000_000}, 40_000)
    assert not keeps_by_delta({"supplies.csv": 3_000_000}, 1_020_000)


def test_the_choice_turns_where_the_two_costs_meet():
    graph = 1_000_000
    # delta 10 × s against recompute 2 × (graph + s): equal at s = graph / 4
    meet = RECOMPUTE_COST * graph // (DELTA_COST["supplies.csv"] - RECOMPUTE_COST)
    assert keeps_by_delta({"supplies.csv": meet}, graph)
    assert not keeps_by_delta({"supplies.csv": meet + 1}, graph)


def test_files_without_facts_do_not_count():
    assert keeps_by_delta({"introductions.csv": 10_000_000, "marks.csv": 500}, 0)
