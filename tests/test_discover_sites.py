"""Every site shape of SITE-STRUCTURES.md, as a fixture site served on 127.0.0.1 and crawled end to end
through the real Fetcher (pacing 0).

Each tests/data/sites/<shape>.yaml holds: `shape`, the registry `sources` it stands for, the `index`
path, `pages` (path -> HTML, or a mapping with `file` (a page under tests/data/sites/), `status`,
`location`), and `runs`, each with `today`, optional `index`, `lookback_months`, `options`, `strategy`, the
`expect`ed listings ([path, title, date]) and the paths that must stay `unread`.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest
import yaml

from httpserver import DictCache, Route, SiteServer
from watchbot.discover import registry as sources
from watchbot.settings import CrawlSettings, HttpSettings
from watchbot import discover
from watchbot.discover import DiscoverError, crawl
from watchbot.fetch import Fetcher
from watchbot.models import Source

SITES = Path(__file__).parent / "data" / "sites"
FIXTURES = sorted(SITES.glob("*.yaml"))
TODAY = date(2026, 8, 20)
SETTINGS = HttpSettings(delay_seconds=0, timeout_seconds=5, max_retries=1)


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def serve(server: SiteServer, pages: dict, etags: bool = False) -> None:
    for path, page in pages.items():
        if isinstance(page, str):
            page = {"body": page}
        body = (SITES / page["file"]).read_text(encoding="utf-8") if "file" in page else page.get("body", "")
        server.route(path, Route(body=body, status=page.get("status", 200), location=page.get("location"),
                                 etag=f'"{abs(hash(body))}"' if etags else None))


def run_crawl(server: SiteServer, spec: dict, run: dict, cache=None) -> list[tuple]:
    source = discover.source(spec.get("sources", ["test"])[0], "fixture", server.url(run.get("index", spec["index"])),
                             strategy=run.get("strategy", spec.get("strategy", "dsfr")),
                             options=run.get("options", spec.get("options", {})))
    fetcher = Fetcher(SETTINGS, [server.host], cache=cache)
    listings = crawl(source, fetcher, today=run["today"],
                     settings=CrawlSettings(lookback_months=run.get("lookback_months", 1)))
    assert len({listing.url for listing in listings}) == len(listings)
    return [(listing.url.removeprefix(server.base), listing.title, listing.published) for listing in listings]


def cases() -> list:
    return [pytest.param(path, number, id=f"{path.stem}-{number}")
            for path in FIXTURES for number, _ in enumerate(load(path)["runs"])]


@pytest.mark.parametrize("path, number", cases())
def test_fixture_site_is_crawled_end_to_end(site_server, path, number):
    spec = load(path)
    run = spec["runs"][number]
    serve(site_server, spec["pages"])
    found = run_crawl(site_server, spec, run)
    assert sorted(found, key=str) == sorted((tuple(item) for item in run["expect"]), key=str)
    requested = Counter(site_server.paths())
    assert [page for page in run.get("unread", []) if requested[page]] == []
    assert [page for page, times in requested.items() if times > 1] == []


def test_a_second_crawl_is_conditional_and_finds_the_same(site_server):
    spec = load(SITES / "year-month.yaml")
    serve(site_server, spec["pages"], etags=True)
    cache = DictCache()
    first = run_crawl(site_server, spec, spec["runs"][0], cache)
    read = len(site_server.requests)
    second = run_crawl(site_server, spec, spec["runs"][0], cache)
    assert second == first and first
    again = site_server.requests[read:]
    assert len(again) == read and all("If-None-Match" in logged.headers for logged in again)


def test_an_unreachable_index_is_a_discover_error(site_server):
    site_server.route("/Publications/RAA", Route(status=503))
    source = Source("pref99", "test", site_server.url("/Publications/RAA"))
    with pytest.raises(DiscoverError) as caught:
        crawl(source, Fetcher(SETTINGS, [site_server.host], sleep=lambda seconds: None),
              today=TODAY)
    assert caught.value.retry_later and caught.value.source == "pref99"
    assert str(caught.value).startswith(f"index page unreachable: {source.index_url}: HTTP 503")


def test_failed_subpages_with_nothing_found_are_a_discover_error(site_server):
    site_server.route("/Publications/RAA", '<main><a href="/Publications/RAA/RAA-2026">RAA 2026</a></main>')
    source = Source("pref99", "test", site_server.url("/Publications/RAA"))
    with pytest.raises(DiscoverError, match="no document found, 1 page.s. failed.*HTTP 404"):
        crawl(source, Fetcher(SETTINGS, [site_server.host]), today=TODAY)


def test_max_pages_bounds_a_crawl(site_server):
    spec = load(SITES / "root-paginated-detail.yaml")
    serve(site_server, spec["pages"])
    source = Source("pref71", "test", site_server.url(spec["index"]))
    crawl(source, Fetcher(SETTINGS, [site_server.host]), today=TODAY, settings=CrawlSettings(max_index_pages=3))
    assert len(site_server.requests) == 3


def test_fixtures_and_registry_agree():
    notes = sources.notes()
    for path in FIXTURES:
        for code in load(path).get("sources", []):
            assert path.stem in notes[code]["tested"].split(", "), f"{code} should name {path.stem} in `tested`"
    named = {name for note in notes.values() for name in note["tested"].split(", ") if name}
    existing = {path.stem for path in FIXTURES} | {f"real-{p.name[-2:]}" for p in (SITES / "real").glob("prefecture-*")}
    assert named <= existing
