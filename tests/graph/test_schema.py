"""`schema apply` against the real Neo4j: complete and idempotent."""

from click.testing import CliRunner

from chainmap.cli import main
from chainmap.graph.schema import CONSTRAINTS, INDEXES, apply_schema, describe_schema


def test_apply_twice_leaves_the_same_schema(graph):
    apply_schema(graph)
    first = describe_schema(graph)
    apply_schema(graph)
    assert describe_schema(graph) == first


def test_every_key_is_unique_constrained(graph):
    apply_schema(graph)
    constraints = {
        (row["labelsOrTypes"][0], tuple(row["properties"]))
        for row in describe_schema(graph)["constraints"] if row["type"] == "UNIQUENESS"
    }
    for label, prop in [("Region", "adcode"), ("Cluster", "id"), ("ChainNode", "id"), ("Industry", "code"),
                        ("Enterprise", "uscc"), ("Introduction", "id"), ("RewardDecision", "id")]:
        assert (label, (prop,)) in constraints
    names = {row["name"] for row in describe_schema(graph)["constraints"] + describe_schema(graph)["indexes"]}
    assert {name for name, _ in CONSTRAINTS + INDEXES} <= names


def test_cli_schema_apply(graph):
    result = CliRunner().invoke(main, ["schema", "apply"])
    assert result.exit_code == 0, result.output
    assert f"{len(CONSTRAINTS) + len(INDEXES)} 个约束和索引" in result.output
