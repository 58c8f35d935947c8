"""What an operator meets beyond the accounts: feed entries dated by the act, commands reading the
configuration, and the operator's guide replayed against a local Mastodon-compatible server."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import feedparser

from tests.support.prefecture import DRONE_RAA, Document, serve, write_config
from watchbot.cli import main
from watchbot.core.settings import BUNDLED_RULES

ROOT = Path(__file__).resolve().parents[1]
DRONE = Document(DRONE_RAA, "RAA spécial n°D77-31-01-2024", date(2024, 1, 31))


def test_a_feed_entry_is_dated_by_its_act_not_by_the_run(tmp_path, site_server):
    config = write_config(tmp_path, serve(site_server, [DRONE]), extra="feeds: {dir: public}\n")
    assert main(["run", "--config", str(config)]) == 0
    feed = feedparser.parse((tmp_path / "public" / "categories" / "drones.atom").read_bytes())
    [entry] = feed.entries
    assert entry.published.startswith("2024-01-31T00:00:00") and entry.updated.startswith("2024-01-31T00:00:00")


def test_the_guide_replayed_gets_a_toot_posted(tmp_path, site_server, strict_mastodon, capsys):
    """docs/GUIDE.en.md's steps for a new user: its configuration, with this test's server and source in
    place of mamot.fr and the bundled ones; the token file; `accounts check`; a dry run; a run."""
    guide = (ROOT / "docs" / "GUIDE.en.md").read_text(encoding="utf-8")
    [example] = re.findall(r"^```yaml\n(.*?)^```$", guide, re.M | re.S)
    today = Document(DRONE_RAA, "RAA spécial n°D77-31-01-2024", date.today())  # newer than not_before
    index = serve(site_server, [today])
    written = (example.replace("/var/lib/watchbot", str(tmp_path / "state"))
               .replace("https://mamot.fr", strict_mastodon.base_url)
               .replace("sources: [pref13, pref69, pref75, ppparis]",
                        f'sources: [{{code: pref77, name: Préfecture de Seine-et-Marne, department: "77", '
                        f'index_url: "{index}"}}]'))
    assert written.count(str(tmp_path)) == 1 and strict_mastodon.base_url in written and index in written
    (tmp_path / "watchbot.yaml").write_text(written + "extract: {ocr: false}\n", encoding="utf-8")
    (tmp_path / "surveillance.token").write_text(strict_mastodon.token() + "\n", encoding="utf-8")
    config = str(tmp_path / "watchbot.yaml")

    assert main(["accounts", "check", "--config", config]) == 0
    assert "token: valid, account @surveillance" in capsys.readouterr().out
    assert main(["run", "--config", config, "--dry-run"]) == 0
    assert "D77-2024-01-31-00001" in capsys.readouterr().out and strict_mastodon.statuses == []
    assert main(["run", "--quiet", "--config", config]) == 0
    [toot] = strict_mastodon.posts("surveillance")
    assert "Drones" in toot["text"] and "D77-2024-01-31-00001" in toot["text"]
    assert toot["visibility"] == "unlisted"


def test_rules_check_and_classify_use_the_rules_of_the_configuration(tmp_path, capsys):
    rules_dir = tmp_path / "rules"
    rules_dir.mkdir()
    shutil.copy(BUNDLED_RULES / "drones.yaml", rules_dir)
    (tmp_path / "watchbot.yaml").write_text("rules_dir: rules\n", encoding="utf-8")
    config = str(tmp_path / "watchbot.yaml")
    assert main(["rules", "check", "--config", config]) == 0
    assert capsys.readouterr().out.startswith(f"{rules_dir}: 1 categories OK (drones)")
    text = tmp_path / "act.txt"
    text.write_text("ARRÊTÉ n°2025-01 portant autorisation de captation d'images au moyen de caméras installées "
                    "sur des aéronefs\nLe préfet autorise les drones.\n", encoding="utf-8")
    assert main(["classify", "--config", config, str(text)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{text}: 1 acts,") and "  [drones] - p. 1: ARRÊTÉ" in out
    assert "None" not in out and "» p. 1, title" in out


def test_classify_says_urls_are_not_supported(capsys):
    assert main(["classify", "https://example.org/raa.pdf"]) == 2
    assert "URLs are not supported (https://example.org/raa.pdf)" in capsys.readouterr().err
