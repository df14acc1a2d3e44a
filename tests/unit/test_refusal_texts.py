"""Refusals a user reads outside the API — the CLI's bulk import, the policy files an operator edits, the analysts'
Python client — say in Chinese what is wrong, naming the file, column or value."""

import json

import pytest

from chainmap.client import ChainmapClient
from chainmap.loading.import_files import BulkRefused, _Table, _text, _type_of
from chainmap.policy import RECOMMENDATION_FILE, REWARD_FILE, load_recommendation_config, load_reward_policy
from tests.conftest import assert_chinese as chinese


def test_the_clients_refusals_name_the_value_and_the_choices():
    client = ChainmapClient("http://127.0.0.1:9")  # never reached: the arguments are refused first
    with pytest.raises(ValueError) as report:
        client.gap_report("pdf")
    assert "'pdf'" in chinese(str(report.value)) and "xlsx" in str(report.value)
    with pytest.raises(ValueError) as recommendations:
        client.recommendations("anping-wire-mesh", fmt="csv")
    assert "'csv'" in chinese(str(recommendations.value))
    with pytest.raises(ValueError) as layer:
        client.map_layer("roads")
    assert "'roads'" in chinese(str(layer.value)) and "flows" in str(layer.value)


def test_a_policy_file_that_contradicts_the_rule_is_refused_in_chinese(tmp_path):
    reward = json.loads(REWARD_FILE.read_text(encoding="utf-8"))
    changed = tmp_path / "reward.json"
    changed.write_text(json.dumps({**reward, "min_partners_inclusive": False}, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ValueError) as inclusive:
        load_reward_policy(changed)
    chinese(str(inclusive.value))

    policy = load_reward_policy()
    config = json.loads(RECOMMENDATION_FILE.read_text(encoding="utf-8"))
    weights = tmp_path / "weights.json"
    weights.write_text(json.dumps({**config, "weights": {**config["weights"], "green": 0.5}}), encoding="utf-8")
    with pytest.raises(ValueError) as summed:
        load_recommendation_config(policy, weights)
    assert "green" in chinese(str(summed.value))
    threshold = tmp_path / "threshold.json"
    threshold.write_text(json.dumps({**config, "scale": {**config["scale"], "threshold_cny": 1}}), encoding="utf-8")
    with pytest.raises(ValueError) as doubled:
        load_recommendation_config(policy, threshold)
    assert "threshold.json" in chinese(str(doubled.value))


def test_values_the_importer_cannot_take_are_refused_in_chinese(tmp_path):
    path = tmp_path / "nodes-Cluster.csv"
    with open(path, "w", encoding="utf-8") as handle:
        table = _Table(path, "--nodes=Cluster", ["id", "revenue"], {"id": "id:ID(Cluster)"}, handle)
        table.add({"id": "a", "revenue": 1})
        with pytest.raises(BulkRefused) as two_types:
            table.add({"id": "b", "revenue": "十亿"})
    assert "nodes-Cluster.csv" in chinese(str(two_types.value)) and "revenue" in str(two_types.value)
    with pytest.raises(BulkRefused) as mixed:
        _type_of(["a", 1])
    chinese(str(mixed.value))
    with pytest.raises(BulkRefused) as delimiter:
        _text(["a\x1fb"])
    assert "U+001F" in chinese(str(delimiter.value))
