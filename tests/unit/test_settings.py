import re

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


_BAD = [
    ("CHAINMAP_TX_TIMEOUT", {"CHAINMAP_TX_TIMEOUT": "40"}),
    ("CHAINMAP_DB_WAIT_S", {"CHAINMAP_DB_WAIT_S": "0"}),
    ("CHAINMAP_KEY_CACHE_S", {"CHAINMAP_KEY_CACHE_S": "61"}),
    ("CHAINMAP_WORKERS", {"CHAINMAP_WORKERS": "0"}),
    ("CHAINMAP_THREADS", {"CHAINMAP_THREADS": "300"}),
    ("CHAINMAP_OUTSIDE_SHARE", {"CHAINMAP_OUTSIDE_SHARE": "1"}),
    ("CHAINMAP_WEAK_BELOW", {"CHAINMAP_WEAK_BELOW": "0"}),
    ("CHAINMAP_CORS_ORIGINS", {"CHAINMAP_CORS_ORIGINS": "https://map.example.cn/path"}),
    ("CHAINMAP_PORT", {"CHAINMAP_PORT": "70000"}),
    ("CHAINMAP_HTTP_TIMEOUT", {"CHAINMAP_HTTP_TIMEOUT": "soon"}),
]


@pytest.mark.parametrize(("name", "env"), _BAD, ids=[n for n, _ in _BAD])
def test_every_settings_error_names_the_variable_in_chinese(name, env):
    """An operator starting the service or a command reads these: each names its variable and says what is wrong in
    Chinese; what stays Latin is the variable names, values, commands and the example origin."""
    with pytest.raises(SettingsError) as caught:
        Settings.from_env({"NEO4J_URI": "bolt://x", **env})
    message = str(caught.value)
    assert name in message and re.search(r"[\u4e00-\u9fff]", message), message
    rest = re.sub(r"[A-Z][A-Z0-9_]{2,}|'[^']*'|https://\S+?(?=[（ ]|$)|\bTCP\b", "", message)
    assert not re.search(r"[A-Za-z]{2,}", rest), message


def test_the_missing_password_and_a_wrong_scheme_are_said_in_chinese(tmp_path):
    for env in ({"CHAINMAP_NEO4J_HOME": str(tmp_path)}, {"CHAINMAP_NEO4J_HOME": str(tmp_path), "NEO4J_SCHEME": "http"}):
        (tmp_path / "password").unlink(missing_ok=True)
        if "NEO4J_SCHEME" in env:
            (tmp_path / "password").write_text("x\n")
        with pytest.raises(SettingsError) as caught:
            Settings.from_env(env)
        rest = re.sub(r"[A-Z][A-Z0-9_]{2,}|'[^']*'|`[^`]*`|" + re.escape(str(tmp_path)) + r"\S*|neo4j|bolt", "",
                      str(caught.value))
        assert re.search(r"[\u4e00-\u9fff]", rest) and not re.search(r"[A-Za-z]{2,}", rest), str(caught.value)
