"""Atom feeds: written from a real run, read back by a real feed parser (feedparser)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import feedparser
import pytest

from tests.support.prefecture import DRONE_RAA, Document, serve, tokens, write_config
from watchbot import config as configuration
from watchbot.cli import main
from watchbot.core.models import Act, Commune, Facts, Match, Source
from watchbot.core.settings import BUNDLED_RULES, Config, ConfigError
from watchbot.match import rules
from watchbot.publish import feeds
from watchbot.store import open_database
from watchbot.store.models import ActRow, DocumentRow, MatchRow, PageRow, SourceRow
from watchbot.store.records import StoredAct

DRONE = Document(DRONE_RAA, "RAA spécial n°D77-31-01-2024", date(2024, 1, 31))
AGAIN = Document(DRONE_RAA, "RAA spécial n°D77-31-01-2024 (rectificatif)", date(2024, 2, 1),
                 name="RAA n°D77-31-01-2024-special-bis.pdf")
BASE_URL = "https://veille.example.org/flux/"


def parsed(path):
    feed = feedparser.parse(path.read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


def test_a_run_then_feed_writes_one_entry_per_act_with_its_toot_link_and_stable_id(
        tmp_path, database_url, site_server, strict_mastodon, monkeypatch, capsys):
    tokens(monkeypatch, strict_mastodon)
    config = write_config(tmp_path, serve(site_server, [DRONE]), strict_mastodon, database_url=database_url,
                          extra=f"feeds: {{dir: public, base_url: '{BASE_URL}', max_entries: 10}}\n")
    assert main(["run", "--config", str(config)]) == 0
    serve(site_server, [DRONE, AGAIN])  # the same act republished in another RAA
    assert main(["run", "--config", str(config)]) == 0
    after_run = (tmp_path / "public" / "categories" / "drones.atom").read_bytes()
    assert len(parsed(tmp_path / "public" / "categories" / "drones.atom").entries) == 1
    capsys.readouterr()
    assert main(["feed", "--config", str(config)]) == 0
    written = capsys.readouterr().out.split()
    public = tmp_path / "public"
    assert {str(public / name) for name in ("accounts/surveillance.atom", "accounts/silt.atom",
                                            "categories/drones.atom", "categories/vsa.atom",
                                            "sources/pref77.atom")} <= set(written)
    assert not [path for path in public.rglob(".*")], "no temporary file is left behind"

    surveillance = parsed(public / "accounts" / "surveillance.atom")
    [entry] = surveillance.entries
    [toot] = strict_mastodon.posts("surveillance")
    assert entry.content[0].value == toot["text"]
    assert entry.link.endswith("RAA%20n%C2%B0D77-31-01-2024-special.pdf#page=3")
    assert entry.id.startswith("tag:veille.example.org,2026:act:")
    assert surveillance.feed.links[0].href == BASE_URL + "accounts/surveillance.atom"
    assert surveillance.feed.title == "watchbot — compte surveillance"

    drones = parsed(public / "categories" / "drones.atom")
    assert [item.id for item in drones.entries] == [entry.id]
    assert drones.feed.title == "watchbot — 🚁 Drones"
    assert drones.feed.subtitle == rules.load(BUNDLED_RULES).categories["drones"].description
    assert drones.feed.subtitle.startswith("Autorisation préfectorale de captation d'images")
    assert parsed(public / "categories" / "vsa.atom").entries == []
    assert [item.id for item in parsed(public / "sources" / "pref77.atom").entries] == [entry.id]

    assert (public / "categories" / "drones.atom").read_bytes() == after_run
    other = tmp_path / "elsewhere"
    assert main(["feed", "--config", str(config), "--out", str(other)]) == 0
    assert (other / "categories" / "drones.atom").read_bytes() == (public / "categories" / "drones.atom").read_bytes()


def test_a_feed_keeps_the_newest_acts_up_to_max_entries(tmp_path, database_url):
    sessions = open_database(database_url)
    found = datetime(2025, 3, 1, 8, tzinfo=timezone.utc)
    with sessions() as session:
        session.add(SourceRow(code="pref83", name="Préfecture du Var"))
        session.flush()
        for day in range(3):
            document = DocumentRow(source_code="pref83", url=f"https://www.var.gouv.fr/raa{day}.pdf",
                                   title=f"RAA n°{day}", published=date(2025, 3, 1 + day),
                                   processed_at=found + timedelta(days=day))
            document.pages = [PageRow(number=1, text="Arrêté portant interdiction de rassemblement festif")]
            document.acts = [ActRow(ref=f"83-2025-03-0{day + 1}-00001", title=f"Interdiction n°{day}", first_page=1,
                                    last_page=1, key=f"key{day}", fingerprint=f"f{day}",
                                    matches=[MatchRow(category="rave_ban", rule="r", page=1,
                                                      excerpt="interdiction de rassemblement festif",
                                                      words="rassemblement festif")])]
            session.add(document)
        session.commit()
        path = tmp_path / "config.yaml"
        path.write_text(f"database_url: {database_url}\nfeeds: {{max_entries: 2}}\n", encoding="utf-8")
        config = configuration.load(str(path))
        feeds.write_all(sessions, config, rules.load(BUNDLED_RULES), tmp_path / "out")
    feed = parsed(tmp_path / "out" / "categories" / "rave_ban.atom")
    assert [entry.title for entry in feed.entries] == ["Interdiction n°2", "Interdiction n°1"]
    assert feed.entries[0].id == "tag:watchbot.invalid,2026:act:key2"
    assert "Préfecture du Var (83)" in feed.entries[0].content[0].value


def test_the_feeds_settings_are_checked_and_their_dir_is_relative_to_the_configuration(tmp_path):
    path = tmp_path / "watchbot.yaml"
    path.write_text("feeds: {dir: www/flux, base_url: 'https://x.org/', max_entries: 5}\n", encoding="utf-8")
    config = configuration.load(str(path))
    assert (config.feeds_dir, config.feeds.max_entries) == (tmp_path / "www" / "flux", 5)
    assert configuration.load(None).feeds_dir == configuration.load(None).state_dir / "feeds"
    path.write_text("feeds: {max_entry: 5}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="max_entry"):
        configuration.load(str(path))


def test_feeds_that_cannot_be_written_are_logged_and_the_run_goes_on(tmp_path, site_server, caplog, capsys):
    (tmp_path / "taken").write_text("a file where the feeds directory should be", encoding="utf-8")
    config = write_config(tmp_path, serve(site_server, [DRONE]), extra="feeds: {dir: taken}\n")
    assert main(["run", "--config", str(config)]) == 1  # issue 21: a failure, said and counted
    assert f"the feeds could not be written in {tmp_path / 'taken'}" in caplog.text
    assert "Acte n° D77-2024-01-31-00001" in capsys.readouterr().out  # the run went on: the toot printed


def test_an_entry_leads_with_the_facts_as_the_toot_does(tmp_path):
    ruleset = rules.load(BUNDLED_RULES)
    brie = Commune("77053", "Brie-Comte-Robert", "77", 48.69, 2.61, None, "commune")
    facts = Facts(kind="repeal", start=date(2024, 1, 31), end=date(2024, 2, 3), communes=(brie,), scope="commune",
                  purposes=("manifestation",), operators=("police_nationale",))
    stored = StoredAct(1, "key", Act("D77-2024-02-05-00001", "Arrêté abrogeant et remplaçant l'arrêté autorisant la "
                                     "captation d'images au moyen de caméras installées sur des aéronefs", 3, 4),
                       (Match("drones", "r", 3, "captation d'images au moyen de caméras", "caméras"),), "pref77",
                       "RAA n°D77-05-02-2024", "https://www.seine-et-marne.gouv.fr/raa.pdf", date(2024, 2, 5),
                       datetime(2024, 2, 5, tzinfo=timezone.utc), facts=facts)
    source = Source("pref77", "Préfecture de Seine-et-Marne", "https://www.seine-et-marne.gouv.fr/", "77")
    atom = feeds._atom(feeds.Feed("categories/drones.atom", "drones", [(stored, ["drones"])]),
                       Config(state_dir=tmp_path), ruleset, {"pref77": source})
    [entry] = feedparser.parse(atom).entries
    lines = entry.content[0].value.split("\n")
    assert lines[0] == "Abrogation et remplacement — 🚁 Drones — Préfecture de Seine-et-Marne (77)"
    assert lines[1] == ("📍 Brie-Comte-Robert (77) · 🗓 du 31 janvier au 3 février 2024 · 🎯 manifestation · "
                        "👮 police nationale")
    assert lines[2].startswith("Arrêté abrogeant et remplaçant")
