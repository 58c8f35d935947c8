"""The whole pipeline, end to end: a prefecture site on 127.0.0.1 serving real RAA, a real
Mastodon-compatible server (mastodon-mock), SQLite and PostgreSQL, two runs of `watchbot run`."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from datetime import date

from sqlalchemy import select

from tests.support.prefecture import (
    CHALLENGE_PAGE,
    DRONE_RAA,
    NEGATIVE_RAA,
    Document,
    downloads,
    serve,
    tokens,
    write_config,
)
from watchbot.cli import main
from watchbot.store import open_database
from watchbot.store.models import DocumentRow, PostRow

DRONE = Document(DRONE_RAA, "RAA spécial n°D77-31-01-2024", date(2024, 1, 31))
NEGATIVE = Document(NEGATIVE_RAA, "RAA n°09 du 20 janvier 2025", date(2025, 1, 20))
CHALLENGE = Document(CHALLENGE_PAGE, "arrêté 2024-01493", date(2024, 10, 5))


def test_two_runs_post_each_toot_once(tmp_path, site_server, mastodon_mock_server, database_url, monkeypatch,
                                      caplog):
    caplog.set_level(logging.INFO, logger="watchbot")
    tokens(monkeypatch, mastodon_mock_server)
    index = serve(site_server, [DRONE, NEGATIVE, CHALLENGE])
    config = write_config(tmp_path, index, mastodon_mock_server, database_url=database_url)

    assert main(["run", "--config", str(config)]) == 1  # the challenge page: the document waits
    for account in ("surveillance", "silt"):  # both follow drones
        posts = mastodon_mock_server.posts(account)
        assert len(posts) == 1
        toot = posts[0]["text"]
        assert "Drones" in toot and "D77-2024-01-31-00001" in toot and "Préfecture de Seine-et-Marne" in toot
        assert "#page=3" in toot and "RAA spécial n°D77-31-01-2024" in toot
    assert downloads(site_server, DRONE) == downloads(site_server, NEGATIVE) == 1

    sessions = open_database(database_url)
    with sessions() as session:
        waiting = session.scalars(select(DocumentRow).where(DocumentRow.status == "waiting")).all()
        assert [document.title for document in waiting] == [CHALLENGE.title]
        assert "not a PDF" in waiting[0].last_error and waiting[0].attempts == 0  # the site's fault
        posts = session.scalars(select(PostRow).order_by(PostRow.account)).all()
        assert [(post.account, post.status) for post in posts] == [("silt", "posted"), ("surveillance", "posted")]
    assert "run finished: sources 1 ok, 0 failed; documents 3 new, 2 processed, 0 failed, 1 waiting" in caplog.text
    assert "toots 2 sent, 0 found already posted, 0 pending, 0 failed" in caplog.text

    assert main(["run", "--config", str(config)]) == 0  # the challenge page waits: not asked again yet
    assert [len(mastodon_mock_server.posts(account)) for account in ("surveillance", "silt")] == [1, 1]
    assert downloads(site_server, DRONE) == downloads(site_server, NEGATIVE) == downloads(site_server, CHALLENGE) == 1
    with sessions() as session:
        assert session.scalars(select(DocumentRow).where(DocumentRow.status == "waiting")).one().attempts == 0


def test_dry_run_prints_toots_and_posts_nothing(tmp_path, site_server, mastodon_mock_server, monkeypatch, capsys):
    tokens(monkeypatch, mastodon_mock_server)
    config = write_config(tmp_path, serve(site_server, [DRONE, NEGATIVE]), mastodon_mock_server)

    assert main(["run", "--dry-run", "--config", str(config)]) == 0
    printed = capsys.readouterr().out
    assert printed.count("\n---\n") == 2 and printed.count("D77-2024-01-31-00001") == 2
    assert mastodon_mock_server.posts("surveillance") == []

    assert main(["run", "--config", str(config)]) == 0  # the queued toots are posted by the next real run
    assert len(mastodon_mock_server.posts("surveillance")) == len(mastodon_mock_server.posts("silt")) == 1


def test_without_accounts_the_toots_are_printed(tmp_path, site_server, capsys):
    config = write_config(tmp_path, serve(site_server, [DRONE]))
    assert main(["run", "--config", str(config)]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("🚁 Drones — Préfecture de Seine-et-Marne (77)\n")
    assert printed.endswith("\n---\n") and printed.count("\n---\n") == 1
    # the facts lead: the place and the period read in the real act, before its title (issue 22)
    facts = printed.splitlines()[1]
    assert "Brie-Comte-Robert (77)" in facts and "du 31 janvier au 3 février 2024" in facts


def test_a_wrong_token_stops_the_run_then_the_right_one_posts_each_toot_once(tmp_path, site_server, any_server,
                                                                            monkeypatch, caplog, capsys):
    caplog.set_level(logging.INFO, logger="watchbot")
    config = write_config(tmp_path, serve(site_server, [DRONE]), any_server)
    monkeypatch.setenv("TOKEN_SURVEILLANCE", "wrong-token-1")
    monkeypatch.setenv("TOKEN_SILT", "wrong-token-2")
    assert main(["run", "--config", str(config)]) == 1
    assert any_server.statuses == []
    assert "toots 0 sent, 0 found already posted, 2 pending, 0 failed; accounts stopped: surveillance, silt" \
        in caplog.text
    assert main(["status", "--config", str(config)]) == 0
    status = capsys.readouterr().out
    assert status.count("account stopped: the server refused the account") == 2 and "Failed toots (0)" in status
    assert "wrong-token" not in caplog.text + status
    assert main(["retry", "--config", str(config)]) == 0  # nothing failed: nothing to queue again
    assert capsys.readouterr().out == "no failed toot to queue again\n"
    assert main(["retry", "--account", "nobody", "--config", str(config)]) == 2

    tokens(monkeypatch, any_server)
    assert main(["run", "--config", str(config)]) == 0
    assert main(["run", "--config", str(config)]) == 0
    assert [len(any_server.posts(account)) for account in ("surveillance", "silt")] == [1, 1]
    assert "toots 2 sent, 0 found already posted, 0 pending, 0 failed" in caplog.text


def test_verbose_shows_watchbot_details_and_libraries_only_with_vv(tmp_path, site_server, strict_mastodon):
    environment = dict(os.environ, TOKEN_SURVEILLANCE=strict_mastodon.token(), TOKEN_SILT=strict_mastodon.token("silt"))
    config = write_config(tmp_path, serve(site_server, [DRONE]), strict_mastodon)
    logs = {}
    for flag in ("-v", "-vv"):
        strict_mastodon.expire_idempotency_keys()
        done = subprocess.run([sys.executable, "-m", "watchbot", flag, "run", "--config", str(config)],
                              env=environment, capture_output=True, text=True, timeout=300, check=False)
        logs[flag] = done.stderr
    assert "toot 1 for surveillance: sending" in logs["-v"]
    assert "Starting new HTTP connection" not in logs["-v"]  # urllib3's debug line
    assert "Starting new HTTP connection" in logs["-vv"]
