"""What an operator meets beyond the accounts: feed entries dated by the act, commands reading the
configuration, and the operator's guide replayed against a local Mastodon-compatible server."""

from __future__ import annotations

from datetime import date

import feedparser

from tests.support.prefecture import DRONE_RAA, Document, serve, write_config
from watchbot.cli import main

DRONE = Document(DRONE_RAA, "RAA spécial n°D77-31-01-2024", date(2024, 1, 31))


def test_a_feed_entry_is_dated_by_its_act_not_by_the_run(tmp_path, site_server):
    config = write_config(tmp_path, serve(site_server, [DRONE]), extra="feeds: {dir: public}\n")
    assert main(["run", "--config", str(config)]) == 0
    feed = feedparser.parse((tmp_path / "public" / "categories" / "drones.atom").read_bytes())
    [entry] = feed.entries
    assert entry.published.startswith("2024-01-31T00:00:00") and entry.updated.startswith("2024-01-31T00:00:00")
