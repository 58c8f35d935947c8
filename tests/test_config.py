"""The configuration file: defaults, validation with file/line/hint, secrets."""

from __future__ import annotations

import textwrap
from datetime import date
from pathlib import Path

import pytest

from watchbot import config as configuration
from watchbot.cli import main
from watchbot.core.settings import BUNDLED_RULES, Config, HttpSettings


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "watchbot.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_defaults_without_a_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WATCHBOT_CONFIG", raising=False)
    config = configuration.load(None)
    assert config.db_url == "sqlite:///state/watchbot.db"
    assert config.accounts == ()
    assert config.sources is None


def test_a_full_file_is_read(tmp_path):
    path = write(tmp_path, """
        state_dir: data
        not_before: 2026-08-01
        http: {delay_seconds: 2, max_retries: 1}
        sources:
          - pref83
          - code: custom
            name: Préfecture de test
            department: "99"
            index_url: https://www.example.gouv.fr/Publications/RAA
        accounts:
          surveillance:
            api_base_url: https://mastodon.example/
            access_token_env: TOKEN_SURVEILLANCE
            categories: [drones, vsa]
            content_warnings: {vsa: "VSA"}
    """)
    config = configuration.load(str(path))
    assert config.state_dir == tmp_path / "data"
    assert config.not_before == date(2026, 8, 1)
    assert config.http.delay_seconds == 2.0 and config.http.max_retries == 1
    assert [source.code for source in config.sources] == ["pref83", "custom"]
    assert config.sources[1].department == "99"
    account = config.accounts[0]
    assert (account.name, account.api_base_url, account.categories) == (
        "surveillance", "https://mastodon.example", ("drones", "vsa"))
    assert account.visibility == "unlisted" and account.content_warnings == {"vsa": "VSA"}


@pytest.mark.parametrize("text, expected", [
    ("state_dri: x\n", ["watchbot.yaml:1:1", "unknown key 'state_dri'", "did you mean 'state_dir'?"]),
    ("http:\n  delay_second: 3\n", ["watchbot.yaml:2:3", "unknown key 'delay_second'", "'delay_seconds'"]),
    ("http:\n  timeout_seconds: soon\n", ["watchbot.yaml:2", "'http.timeout_seconds' must be float"]),
    ("http:\n  max_retries: -1\n", ["must not be negative"]),
    ("sources: [pref833]\n", ["unknown source 'pref833'", "pref83"]),
    ("accounts:\n  a:\n    api_base_url: https://x\n    access_token_env: T\n    categories: []\n",
     ["watchbot.yaml:2:3: 'accounts.a' needs categories"]),
    ("accounts:\n  a:\n    api_base_url: https://x\n    categories: [drones]\n",
     ["exactly one of access_token_env and access_token_file"]),
    ("accounts:\n  a:\n    api_base_url: https://x\n    access_token_env: T\n    categories: [drones]\n"
     "    visibility: everyone\n", ["watchbot.yaml:6", "'accounts.a.visibility' must be one of public, unlisted, private"]),
    ("not_before: yesterday\n", ["'not_before' must be date"]),
    ("accounts:\n  a:\n    api_base_url: https://x\n    access_token_env: T\n    categories: drones\n",
     ["watchbot.yaml:5:5: 'accounts.a.categories' must be all or a list of texts, not 'drones'"]),
    ("extract:\n  ocr: 1\n", ["watchbot.yaml:2:3: 'extract.ocr' must be bool, not 1"]),
    ("http: [1, 2\n", ["invalid YAML"]),
])
def test_errors_exit_2_naming_file_line_and_key(tmp_path, capsys, text, expected):
    path = write(tmp_path, text)
    assert main(["run", "--config", str(path)]) == 2
    error = capsys.readouterr().err
    for part in expected:
        assert part in error
    assert "watchbot.db" not in {p.name for p in tmp_path.rglob("*")}


def test_a_null_value_keeps_the_default(tmp_path):
    config = configuration.load(str(write(tmp_path, "rules_dir: null\nhttp: {delay_seconds: null, max_retries: 2}\n")))
    assert (config.http.delay_seconds, config.http.max_retries) == (HttpSettings().delay_seconds, 2)
    assert config.rules_dir == Config().rules_dir


def test_missing_config_file_is_a_usage_error(tmp_path, capsys):
    assert main(["run", "--config", str(tmp_path / "nope.yaml")]) == 2
    assert "configuration file not found" in capsys.readouterr().err


def test_config_from_environment_variable(tmp_path, monkeypatch):
    path = write(tmp_path, "state_dir: elsewhere\n")
    monkeypatch.setenv("WATCHBOT_CONFIG", str(path))
    assert configuration.load(None).state_dir == tmp_path / "elsewhere"


def test_token_from_env_or_file_and_never_in_errors(tmp_path, monkeypatch):
    token_file = tmp_path / "token"
    token_file.write_text("s3cr3t-from-file\n")
    path = write(tmp_path, f"""
        accounts:
          env:
            api_base_url: https://x
            access_token_env: WATCHBOT_TEST_TOKEN
            categories: [drones]
          file:
            api_base_url: https://x
            access_token_file: {token_file.name}
            categories: [drones]
    """)
    env_account, file_account = configuration.load(str(path)).accounts
    monkeypatch.setenv("WATCHBOT_TEST_TOKEN", "s3cr3t-from-env")
    assert env_account.token() == "s3cr3t-from-env"
    assert file_account.token() == "s3cr3t-from-file"
    monkeypatch.setenv("WATCHBOT_TEST_TOKEN", "")
    with pytest.raises(configuration.ConfigError) as error:
        env_account.token()
    assert "WATCHBOT_TEST_TOKEN" in str(error.value) and "s3cr3t" not in str(error.value)


def test_bad_source_options_are_a_config_error(tmp_path, capsys):
    path = write(tmp_path, """
        sources:
          - code: custom
            name: Préfecture de test
            index_url: https://www.example.gouv.fr/RAA
            strategy: teleport
    """)
    assert main(["run", "--config", str(path)]) == 2
    error = capsys.readouterr().err
    assert "watchbot.yaml:3" in error and "unknown strategy 'teleport'" in error


@pytest.mark.parametrize("account, expected", [
    ("    access_token_env: T\n    categories: [drones, drnoes]\n",
     ["watchbot.yaml:5:26: no rule file defines the category 'drnoes' (did you mean 'drones'?)"]),
    ("    access_token_env: T\n    categories: [drones]\n    content_warnings: {rave: Rave}\n",
     ["watchbot.yaml:6:24: no rule file defines the category 'rave' (did you mean 'rave_ban'?)"]),
    ("    categories: [drones]\n    access_token_file: missing.token\n",
     ["watchbot.yaml:5:5: cannot read token file", "missing.token: No such file or directory"]),
    ("    access_token_env: T\n    categories: all\n    departments: [83, 99, 2C]\n",
     ["watchbot.yaml:6:23: unknown département '99'", "watchbot.yaml:6:27: unknown département '2C' (a code such as 83, 2A or 971)"]),
    ("    access_token_env: T\n    categories: all\n    departments: 83\n",
     ["watchbot.yaml:6:5: 'accounts.a.departments' must be a list of département codes, not 83"]),
    ("    access_token_env: T\n    categories: all\n    skip_kinds: [repeal, repeals]\n",
     ["watchbot.yaml:6:26: unknown kind 'repeals' (kinds: initial, renewal, modification, extension, repeal)"]),
    ("    access_token_env: T\n    categories: all\n    sources: [pref83, pref833]\n",
     ["watchbot.yaml:6:23: the source 'pref833' is not read (did you mean 'pref83'?)"]),
    ("    access_token_env: T\n    categories: every\n",
     ["watchbot.yaml:5:5: 'accounts.a.categories' must be all or a list of texts, not 'every'"]),
])
def test_accounts_are_checked_against_the_rules_and_the_disk(tmp_path, capsys, account, expected):
    path = write(tmp_path, "accounts:\n  a:\n    api_base_url: https://mastodon.example\n" + account)
    assert main(["run", "--config", str(path)]) == 2
    error = capsys.readouterr().err
    for part in expected:
        assert part in error


def test_an_account_for_an_area(tmp_path):
    path = write(tmp_path, """
        sources: [pref83, pref06]
        accounts:
          var:
            api_base_url: https://mastodon.example
            access_token_env: T
            categories: all
            departments: [83, "6", 2a, 971]
            sources: [pref83]
            skip_kinds: [repeal]
    """)
    account = configuration.load(str(path)).accounts[0]
    assert account.categories == tuple(sorted(file.stem for file in BUNDLED_RULES.glob("*.yaml")))
    assert account.departments == ("83", "06", "2A", "971")
    assert account.sources == ("pref83",) and account.skip_kinds == ("repeal",)


def test_an_account_names_only_the_sources_read(tmp_path, capsys):
    path = write(tmp_path, "sources: [pref83]\naccounts:\n  a:\n    api_base_url: https://mastodon.example\n"
                           "    access_token_env: T\n    categories: [drones]\n    sources: [pref06]\n")
    assert main(["run", "--config", str(path)]) == 2
    assert "watchbot.yaml:7:15: the source 'pref06' is not read" in capsys.readouterr().err


@pytest.mark.parametrize("url", ["mastodon.example", "ftp://mastodon.example", "https://"])
def test_an_account_needs_an_http_url(tmp_path, capsys, url):
    path = write(tmp_path, f"accounts:\n  a:\n    api_base_url: '{url}'\n    access_token_env: T\n"
                           "    categories: [drones]\n")
    assert main(["run", "--config", str(path)]) == 2
    assert f"watchbot.yaml:3:5: 'accounts.a': '{url}' is not an http(s) URL with a host" in capsys.readouterr().err
