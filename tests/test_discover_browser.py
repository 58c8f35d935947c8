"""Sources behind a JavaScript challenge, read in Debian's headless Chromium (option `browser: true`)."""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import replace
from datetime import date
from urllib.parse import quote

import pytest

from tests.support.httpserver import Route, SiteServer
from tests.support.prefecture import DRONE_RAA, INDEX_PATH, NEGATIVE_RAA, Document, serve, write_config
from watchbot.cli import main
from watchbot.core.models import Source
from watchbot.core.settings import HttpSettings
from watchbot.discover import DiscoverError, browser, crawl, source
from watchbot.fetch import Fetcher

SETTINGS = HttpSettings(delay_seconds=0, max_retries=0, timeout_seconds=10)
TODAY = date(2024, 2, 15)
SINCE = date(2024, 1, 1)
COOKIE = "watchbot_check=42"
# What the Préfecture de police's challenge does (tests/data/pdfs/2024_01493_05102024.pdf is a real one), with
# a cookie only a script engine computes: a page whose script sets the cookie and loads the page again.
CHALLENGE = ('<!doctype html><html lang="fr"><head><title>Un instant…</title></head><body><script>'
             'document.cookie = "watchbot_check=" + (6 * 7) + "; path=/"; window.location.reload();</script>'
             '<noscript>This website requires JS enabled and cookies</noscript></body></html>')
RAA = Document(DRONE_RAA, "RAA spécial n°D77-31-01-2024", date(2024, 1, 31))

needs_browser = pytest.mark.skipif(
    bool(browser.missing()) and not os.environ.get("CI"),
    reason=f"no headless browser here ({browser.missing()}): run scripts/setup --browser")


@pytest.fixture
def challenged():
    """A prefecture site on 127.0.0.2 whose every page and PDF answers the challenge until its cookie comes."""
    server = SiteServer("127.0.0.2").start()
    serve(server, [RAA])
    for path, answers in list(server.routes.items()):
        server.route(path, [replace(answer, cookie=COOKIE, without_cookie=CHALLENGE) for answer in answers])
    yield server
    server.stop()


def source_on(server: SiteServer, **options) -> Source:
    return source("pp", "Préfecture de police (test)", server.url(INDEX_PATH), options=options)


@needs_browser
def test_the_browser_passes_the_challenge_and_hands_its_cookie_to_the_pdf_download(challenged, site_server,
                                                                                   tmp_path):
    [page] = challenged.routes[INDEX_PATH]  # with a tracker on another host (localhost is 127.0.0.1)
    tracker = f"http://localhost:{site_server.base.rsplit(':', 1)[1]}/tracker.png"
    challenged.route(INDEX_PATH, replace(page, body=page.body.replace("</main>", f'<img src="{tracker}"></main>')))
    fetcher = Fetcher(SETTINGS, [challenged.base])
    [listing] = crawl(source_on(challenged, browser=True), fetcher, today=TODAY, since=SINCE)
    assert listing.url == challenged.url(quote(RAA.href)) and listing.published == RAA.published
    index = [logged.headers.get("Cookie", "") for logged in challenged.requests if logged.path == INDEX_PATH]
    assert COOKIE not in index[0] and COOKIE in index[-1]  # the challenge was served, then passed
    assert site_server.requests == []  # the browser reaches the configured hosts only

    download = fetcher.pdf(listing.url, tmp_path / "raa.pdf")
    assert download.sha256 == hashlib.sha256(DRONE_RAA.read_bytes()).hexdigest()
    [request] = [logged for logged in challenged.requests if logged.path == quote(RAA.href)]
    assert COOKIE in request.headers["Cookie"] and "Chrome/" in request.headers["User-Agent"]


@needs_browser
def test_a_run_reads_and_classifies_the_raa_behind_the_challenge(challenged, tmp_path, capsys):
    index_url = challenged.url(INDEX_PATH)
    config = write_config(tmp_path, index_url)
    config.write_text(config.read_text(encoding="utf-8").replace(
        f'"{index_url}"}}', f'"{index_url}", options: {{browser: true}}}}'), encoding="utf-8")
    assert main(["run", "--config", str(config)]) == 0
    assert "D77-2024-01-31-00001" in capsys.readouterr().out  # the drone act, printed without accounts
    [request] = [logged for logged in challenged.requests if logged.path == quote(RAA.href)]
    assert COOKIE in request.headers["Cookie"]


def test_without_the_browser_the_challenge_is_reported_with_the_way_through(challenged):
    with pytest.raises(DiscoverError) as caught:
        crawl(source_on(challenged), Fetcher(SETTINGS, [challenged.base]), today=TODAY, since=SINCE)
    assert caught.value.challenge and caught.value.source == "pp"
    assert "a JavaScript or CAPTCHA challenge" in caught.value.reason
    assert "headless browser (option browser: true, after scripts/setup --browser)" in caught.value.reason


def test_a_missing_browser_fails_the_source_saying_how_to_install_it(challenged, monkeypatch, tmp_path):
    monkeypatch.setattr(browser, "CHROMIUM", tmp_path / "chromium")
    source = source_on(challenged, browser=True)
    with pytest.raises(DiscoverError) as caught:
        crawl(source, Fetcher(SETTINGS, [challenged.base]), today=TODAY, since=SINCE)
    assert caught.value.reason == (
        f"index page unreachable: {source.index_url}: this source is read in a headless browser (option "
        f"browser: true), but {tmp_path / 'chromium'} not found: run scripts/setup --browser (it installs "
        "Debian's chromium and chromium-driver, and Selenium)")
    assert challenged.requests == []


def test_a_run_skips_a_source_whose_browser_is_missing(challenged, site_server, monkeypatch, tmp_path,
                                                               caplog, capsys):
    monkeypatch.setattr(browser, "CHROMIUM", tmp_path / "chromium")
    config = write_config(tmp_path, serve(site_server, [Document(NEGATIVE_RAA, "RAA n°09 du 20 janvier 2025",
                                                                 date(2025, 1, 20))]))
    config.write_text(config.read_text(encoding="utf-8").replace("sources:\n", f"""sources:
  - {{code: pp, name: Préfecture de police, index_url: "{challenged.url(INDEX_PATH)}", options: {{browser: true}}}}
"""), encoding="utf-8")
    with caplog.at_level(logging.INFO):
        assert main(["run", "--config", str(config)]) == 0  # an optional browser not installed: skipped
    assert "source pp skipped: this source is read in a headless browser" in caplog.text
    assert "run scripts/setup --browser" in caplog.text and "sources 1 ok, 0 failed, 1 skipped" in caplog.text
    assert "Traceback" not in caplog.text + capsys.readouterr().err
    assert site_server.count(quote(Document(NEGATIVE_RAA, "", date(2025, 1, 20)).href)) == 1  # pref77 was read


@needs_browser
def test_a_challenge_the_browser_cannot_pass_fails_within_the_page_deadline(challenged, monkeypatch):
    monkeypatch.setattr(browser, "PAGE_DEADLINE_SECONDS", 2.0)
    challenged.route(INDEX_PATH, Route(body=CHALLENGE.replace("window.location.reload();", "")))
    with pytest.raises(DiscoverError) as caught:
        crawl(source_on(challenged, browser=True), Fetcher(SETTINGS, [challenged.base]), today=TODAY, since=SINCE)
    assert caught.value.challenge and caught.value.passing
    assert (f"index page unreachable: {challenged.url(INDEX_PATH)}: a JavaScript or CAPTCHA challenge not passed "
            "within 2 s in the headless browser") in caught.value.reason


@needs_browser
def test_a_page_script_cannot_reach_another_port_of_the_configured_host(challenged):
    """Issue 21: host-resolver rules cannot tell ports apart, and leave addresses alone; a script of the page
    fetched from another port of the source's host. Only the configured origins bypass a closed proxy."""
    other = SiteServer("127.0.0.2").start()  # the same host, another port
    try:
        other.route("/secret", "<p>secret</p>")
        [page] = challenged.routes[INDEX_PATH]
        probe = (f'<img src="{other.url("/image.png")}"><script>var request = new XMLHttpRequest(); '
                 f'request.open("GET", "{other.url("/secret")}", false); try {{ request.send(); }} catch (e) {{}}'
                 '</script>')
        challenged.route(INDEX_PATH, replace(page, body=page.body.replace("</main>", f"{probe}</main>")))
        [listing] = crawl(source_on(challenged, browser=True), Fetcher(SETTINGS, [challenged.base]), today=TODAY,
                          since=SINCE)
        assert listing.published == RAA.published  # the configured port is reached
        assert other.requests == []
    finally:
        other.stop()
