"""The whole pipeline, end to end: a prefecture site on 127.0.0.1 serving real RAA, a real
Mastodon-compatible server, SQLite and PostgreSQL, two runs of `watchbot run`."""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import select

from httpserver import Route
from watchbot.cli import main
from watchbot.store import open_database
from watchbot.store.models import DocumentRow, PostRow

DEMO_FILES = Path(__file__).resolve().parents[1] / "watchbot" / "demo_data" / "site" / "contenu" / "telechargement"
DRONE_RAA = DEMO_FILES / "1001" / "2001" / "file" / "RAA n°D77-31-01-2024-special.pdf"
NEGATIVE_RAA = DEMO_FILES / "1003" / "2003" / "file" / "RAA n°09 du 20 janvier 2025.pdf"
CHALLENGE_PAGE = Path(__file__).resolve().parent / "data" / "fetch" / "2024_01493_05102024.pdf"

INDEX = """<!doctype html><html lang="fr"><head><meta charset="utf-8">
<title>RAA 2024 - Recueils des actes administratifs - Les services de l'État en Seine-et-Marne</title></head>
<body><main><h1>RAA</h1><div class="fr-downloads-group"><ul>
<li><a id= class="fr-link fr-link--download" href="/contenu/telechargement/1/1/file/RAA n°D77-31-01-2024-special.pdf">
  Télécharger RAA spécial n°D77-31-01-2024 <span class="fr-link__detail">PDF - 0,21 Mb - 31/01/2024</span></a></li>
<li><a class="fr-link fr-link--download" href="/contenu/telechargement/3/3/file/RAA n°09 du 20 janvier 2025.pdf">
  Télécharger RAA n°09 du 20 janvier 2025 <span class="fr-link__detail">PDF - 3,44 Mb - 20/01/2025</span></a></li>
<li><a class="fr-link fr-link--download" href="/contenu/telechargement/4/4/file/2024_01493_05102024.pdf">
  Télécharger arrêté 2024-01493 <span class="fr-link__detail">PDF - 0,01 Mb - 05/10/2024</span></a></li>
</ul></div></main></body></html>"""

PDF_PATHS = {
    "/contenu/telechargement/1/1/file/RAA n°D77-31-01-2024-special.pdf": DRONE_RAA,
    "/contenu/telechargement/3/3/file/RAA n°09 du 20 janvier 2025.pdf": NEGATIVE_RAA,
    "/contenu/telechargement/4/4/file/2024_01493_05102024.pdf": CHALLENGE_PAGE,
}


def serve_prefecture(site_server) -> str:
    site_server.route("/Publications/RAA", INDEX)
    for path, file in PDF_PATHS.items():
        kind = "text/html" if file == CHALLENGE_PAGE else "application/pdf"
        site_server.route(path, Route(body=file.read_bytes(), content_type=kind))
    return site_server.url("/Publications/RAA")


def write_config(tmp_path: Path, index_url: str, database_url: str, mastodon) -> Path:
    path = tmp_path / "watchbot.yaml"
    path.write_text(f"""
state_dir: {tmp_path / 'state'}
database_url: {database_url}
not_before: 2000-01-01
http: {{delay_seconds: 0, max_retries: 1, timeout_seconds: 20}}
extract: {{ocr: false}}
sources:
  - code: pref77
    name: Préfecture de Seine-et-Marne
    department: "77"
    index_url: {index_url}
accounts:
  surveillance:
    api_base_url: {mastodon.base_url}
    access_token_env: WATCHBOT_TEST_TOKEN
    categories: [drones, vsa, videoprotection]
  silt:
    api_base_url: {mastodon.base_url}
    access_token_env: WATCHBOT_TEST_TOKEN_SILT
    categories: [silt_perimeter, demonstration_ban, rave_ban]
""", encoding="utf-8")
    return path


def pdf_downloads(site_server) -> int:
    return sum(site_server.count(quote(path)) for path in PDF_PATHS if PDF_PATHS[path] != CHALLENGE_PAGE)


def test_two_runs_post_each_toot_once(tmp_path, site_server, mastodon_mock_server, database_url, monkeypatch,
                                      caplog):
    caplog.set_level(logging.INFO, logger="watchbot")
    monkeypatch.setenv("WATCHBOT_TEST_TOKEN", mastodon_mock_server.token("surveillance"))
    monkeypatch.setenv("WATCHBOT_TEST_TOKEN_SILT", mastodon_mock_server.token("silt"))
    config = write_config(tmp_path, serve_prefecture(site_server), database_url, mastodon_mock_server)

    assert main(["run", "--config", str(config)]) == 1  # the challenge page is a failed document
    posts = mastodon_mock_server.posts("surveillance")
    assert len(posts) == 1
    toot = posts[0]["text"]
    assert "Drones" in toot and "D77-2024-01-31" in toot
    assert "#page=" in toot and "RAA" in toot
    assert mastodon_mock_server.posts("silt") == []
    assert pdf_downloads(site_server) == 2

    sessions = open_database(database_url)
    with sessions() as session:
        failed = session.scalars(select(DocumentRow).where(DocumentRow.status == "failed")).all()
        assert [document.url.rsplit("/", 1)[-1] for document in failed] == ["2024_01493_05102024.pdf"]
        assert "not a PDF" in failed[0].last_error
        post = session.scalars(select(PostRow)).one()
        assert (post.status, post.account) == ("posted", "surveillance")
    assert "run finished: sources 1 ok, 0 failed; documents 3 new, 2 processed, 1 failed" in caplog.text
    assert "toots 1 posted, 0 pending, 0 failed" in caplog.text

    assert main(["run", "--config", str(config)]) == 1  # the challenge page is retried, fails again
    assert len(mastodon_mock_server.posts("surveillance")) == 1
    assert pdf_downloads(site_server) == 2
    with sessions() as session:
        failed = session.scalars(select(DocumentRow).where(DocumentRow.status == "failed")).one()
        assert failed.attempts == 2


def test_dry_run_prints_toots_and_posts_nothing(tmp_path, site_server, mastodon_mock_server, monkeypatch, capsys):
    monkeypatch.setenv("WATCHBOT_TEST_TOKEN", mastodon_mock_server.token("surveillance"))
    monkeypatch.setenv("WATCHBOT_TEST_TOKEN_SILT", mastodon_mock_server.token("silt"))
    database_url = f"sqlite:///{tmp_path / 'state' / 'watchbot.db'}"
    config = write_config(tmp_path, serve_prefecture(site_server), database_url, mastodon_mock_server)

    assert main(["run", "--dry-run", "--config", str(config)]) == 1
    printed = capsys.readouterr().out
    assert printed.count("\n---\n") == 1 and "D77-2024-01-31" in printed
    assert mastodon_mock_server.posts("surveillance") == []

    assert main(["run", "--config", str(config)]) == 1  # the queued toot is posted by the next real run
    assert len(mastodon_mock_server.posts("surveillance")) == 1
