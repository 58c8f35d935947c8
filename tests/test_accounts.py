"""`watchbot accounts check`, the accounts checked before a run's crawl, and the quiet cron run."""

from __future__ import annotations

import logging
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from tests.support.mastodon_servers import closed_port_url
from tests.support.prefecture import DRONE_RAA, Document, serve, tokens, write_config
from watchbot import config as configuration
from watchbot.cli import main
from watchbot.core.settings import ConfigError

ROOT = Path(__file__).resolve().parents[1]
DRONE = Document(DRONE_RAA, "RAA spécial n°D77-31-01-2024", date(2024, 1, 31))


def account_config(tmp_path, base_url: str, token: str, name: str = "surveillance"):
    (tmp_path / "bot.token").write_text(token + "\n", encoding="utf-8")
    path = tmp_path / "watchbot.yaml"
    path.write_text(f"""state_dir: {tmp_path / 'state'}
accounts:
  {name}:
    api_base_url: {base_url}
    access_token_file: bot.token
    categories: all
""", encoding="utf-8")
    return path


def test_accounts_check_says_what_the_account_can_do(strict_mastodon, tmp_path, capsys):
    config = account_config(tmp_path, strict_mastodon.base_url, strict_mastodon.token())
    assert main(["accounts", "check", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert f"server {strict_mastodon.base_url}: reachable" in out and "token: valid, account @surveillance" in out
    assert "checked with an empty status" in out and "bot flag: set" in out
    assert "length limit: 500 characters, links count 23" in out and "PROBLEM" not in out
    assert strict_mastodon.statuses == []  # nothing posted by the check


def test_accounts_check_names_a_bad_token_and_an_unreachable_server(strict_mastodon, tmp_path, capsys):
    config = account_config(tmp_path, strict_mastodon.base_url, "wrong-token")
    assert main(["accounts", "check", "--config", str(config)]) == 1
    out = capsys.readouterr().out
    assert "PROBLEM: token refused: 401" in out and "wrong-token" not in out
    config = account_config(tmp_path, closed_port_url(), "any")
    assert main(["accounts", "check", "--config", str(config)]) == 1
    assert "not reachable or failing: network error" in capsys.readouterr().out


def test_accounts_check_sets_the_bot_flag_on_request(mastodon_mock_server, tmp_path, capsys):
    config = account_config(tmp_path, mastodon_mock_server.base_url, "someone-token")  # not a bot
    assert main(["accounts", "check", "--config", str(config)]) == 1
    assert "PROBLEM: bot flag: not set (run `watchbot accounts check --set-bot`" in capsys.readouterr().out
    assert main(["accounts", "check", "--set-bot", "--config", str(config)]) == 0
    assert "bot flag: set now" in capsys.readouterr().out
    assert main(["accounts", "check", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "bot flag: set\n" in out and "length limit: 500 characters" in out


def test_a_profile_url_as_api_base_url_gets_a_hint(tmp_path):
    config = account_config(tmp_path, "https://mamot.fr/@bot", "a-token")
    with pytest.raises(ConfigError) as caught:
        configuration.load(str(config))
    assert "is a profile's address, not the server's (api_base_url: https://mamot.fr)" in str(caught.value)


def test_a_dry_run_needs_no_token_file(tmp_path, site_server, capsys):
    config = write_config(tmp_path, serve(site_server, [DRONE]), extra=f"""accounts:
  surveillance:
    api_base_url: https://mamot.fr
    access_token_file: {tmp_path / 'missing.token'}
    categories: [drones]
""")
    assert main(["run", "--dry-run", "--config", str(config)]) == 0
    assert "D77-2024-01-31-00001" in capsys.readouterr().out
    assert main(["run", "--config", str(config)]) == 2  # a real run does need it
    assert "cannot read token file" in capsys.readouterr().err


def test_a_bad_token_is_said_before_the_crawl(tmp_path, site_server, strict_mastodon, monkeypatch, caplog):
    caplog.set_level(logging.INFO, logger="watchbot")
    config = write_config(tmp_path, serve(site_server, [DRONE]), strict_mastodon)
    tokens(monkeypatch, strict_mastodon)
    monkeypatch.setenv("TOKEN_SILT", "wrong-token")
    assert main(["run", "--config", str(config)]) == 1
    messages = [record.getMessage() for record in caplog.records]
    stopped = next(index for index, text in enumerate(messages) if text.startswith("account silt: the server "
                                                                                      "refused the account"))
    crawled = next(index for index, text in enumerate(messages) if text.startswith("source pref77:"))
    assert stopped < crawled and "it is stopped, nothing will be posted to it in this run" in messages[stopped]
    assert len(strict_mastodon.posts("surveillance")) == 1 and strict_mastodon.posts("silt") == []


def watchbot(*arguments: str) -> subprocess.CompletedProcess:
    """The command in its own process, where its logging is set up as in cron."""
    return subprocess.run([sys.executable, "-m", "watchbot", *arguments], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)


def test_quiet_prints_only_problems(tmp_path, site_server):
    config = str(write_config(tmp_path, serve(site_server, [DRONE])))
    assert "run finished" in watchbot("run", "--config", config).stderr  # not quiet: the summary line
    for quiet in (["--quiet", "run"], ["run", "--quiet"]):  # nothing new, nothing wrong: nothing said
        done = watchbot(*quiet, "--config", config)
        assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    site_server.routes.clear()
    done = watchbot("run", "-q", "--config", config)
    assert done.returncode == 1 and "source pref77 failed" in done.stderr
    assert "run finished: sources 0 ok, 1 failed" in done.stderr


def test_run_without_a_configuration_file_does_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WATCHBOT_CONFIG", raising=False)
    assert main(["run", "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert f"no configuration file found (no --config, $WATCHBOT_CONFIG unset, no {tmp_path / 'watchbot.yaml'})" \
        in err
    assert list(tmp_path.iterdir()) == []  # no ./state: nothing crawled
    assert main(["rules", "check"]) == 0
