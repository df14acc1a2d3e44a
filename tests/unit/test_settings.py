import pytest

from chainmap.settings import Settings, SettingsError


def test_transaction_timeout_must_be_below_http_timeout():
    with pytest.raises(SettingsError, match="CHAINMAP_TX_TIMEOUT"):
        Settings.from_env({"NEO4J_URI": "bolt://x", "CHAINMAP_TX_TIMEOUT": "30", "CHAINMAP_HTTP_TIMEOUT": "30"})
    ok = Settings.from_env({"NEO4J_URI": "bolt://x", "CHAINMAP_TX_TIMEOUT": "10", "CHAINMAP_HTTP_TIMEOUT": "30"})
    assert ok.tx_timeout_s < ok.http_timeout_s


def test_local_server_password_comes_from_the_instance_file(tmp_path):
    (tmp_path / "password").write_text("generated-secret\n")
    settings = Settings.from_env({"CHAINMAP_NEO4J_HOME": str(tmp_path), "NEO4J_BOLT_PORT": "7699"})
    assert settings.neo4j_uri == "neo4j://127.0.0.1:7699"  # the routing driver, as against a cluster
    assert settings.neo4j_password == "generated-secret"
    assert "generated-secret" not in repr(settings)


def test_local_server_scheme_is_routing_unless_told(tmp_path):
    (tmp_path / "password").write_text("x\n")
    home = {"CHAINMAP_NEO4J_HOME": str(tmp_path), "NEO4J_BOLT_PORT": "7699"}
    assert Settings.from_env({**home, "NEO4J_SCHEME": "bolt"}).neo4j_uri == "bolt://127.0.0.1:7699"
    with pytest.raises(SettingsError, match="NEO4J_SCHEME"):
        Settings.from_env({**home, "NEO4J_SCHEME": "http"})


def test_missing_local_password_says_what_to_do(tmp_path):
    with pytest.raises(SettingsError, match="scripts/neo4j start"):
        Settings.from_env({"CHAINMAP_NEO4J_HOME": str(tmp_path)})


def test_bad_number_names_the_variable():
    with pytest.raises(SettingsError, match="CHAINMAP_WORKERS"):
        Settings.from_env({"NEO4J_URI": "bolt://x", "CHAINMAP_WORKERS": "many"})
