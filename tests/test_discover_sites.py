"""Every site shape of SITE-STRUCTURES.md, as a fixture site served on 127.0.0.1 and crawled end to end
through the real Fetcher (pacing 0).

Each tests/data/sites/<shape>.yaml holds: `shape`, the registry `sources` it stands for, the `index`
path, `pages` (path -> HTML, or a mapping with `file` (a page under tests/data/sites/), `status`,
`location`, `headers`, `cookie` and `without_cookie`, see tests/support/httpserver.py), and `runs`, each with
`today`, optional `since` (not_before), `index`, `lookback_months`, `options`, `strategy`, the
`expect`ed listings ([path, title, date]) and the paths that must stay `unread`.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timezone

import pytest

from tests.support.httpserver import DictCache, Route, SiteServer
from tests.support.sites import FIXTURES, SITES, load_site, serve_site
from watchbot import discover
from watchbot.core.clock import Clock
from watchbot.core.models import Source
from watchbot.core.settings import CrawlSettings, HttpSettings
from watchbot.discover import DiscoverError, Progress, crawl
from watchbot.discover import registry as sources
from watchbot.fetch import Fetcher

TODAY = date(2026, 8, 20)
SETTINGS = HttpSettings(delay_seconds=0, timeout_seconds=5, max_retries=1)


def run_crawl(server: SiteServer, spec: dict, run: dict, cache=None, progress=None, max_pages=200) -> list[tuple]:
    source = discover.source(spec.get("sources", ["test"])[0], "fixture", server.url(run.get("index", spec["index"])),
                             strategy=run.get("strategy", spec.get("strategy", "dsfr")),
                             options=run.get("options", spec.get("options", {})))
    fetcher = Fetcher(SETTINGS, [server.base], cache=cache)
    listings = crawl(source, fetcher, today=run["today"], since=run.get("since"), progress=progress,
                     settings=CrawlSettings(lookback_months=run.get("lookback_months", 1),
                                            max_index_pages=max_pages))
    assert len({listing.url for listing in listings}) == len(listings)
    return [(listing.url.removeprefix(server.base), listing.title, listing.published) for listing in listings]


def cases() -> list:
    return [pytest.param(path, number, id=f"{path.stem}-{number}")
            for path in FIXTURES for number, _ in enumerate(load_site(path)["runs"])]


@pytest.mark.parametrize("path, number", cases())
def test_fixture_site_is_crawled_end_to_end(site_server, path, number):
    spec = load_site(path)
    run = spec["runs"][number]
    serve_site(site_server, spec["pages"])
    found = run_crawl(site_server, spec, run)
    assert sorted(found, key=str) == sorted((tuple(item) for item in run["expect"]), key=str)
    requested = Counter(site_server.paths())
    assert [page for page in run.get("unread", []) if requested[page]] == []
    assert [page for page, times in requested.items() if times > 1] == []


def test_a_second_crawl_is_conditional_and_finds_the_same(site_server):
    spec = load_site(SITES / "year-month.yaml")
    serve_site(site_server, spec["pages"], etags=True)
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
        crawl(source, Fetcher(SETTINGS, [site_server.base], sleep=lambda seconds: None),
              today=TODAY)
    assert caught.value.passing and caught.value.source == "pref99"
    assert str(caught.value).startswith(f"index page unreachable: {source.index_url}: HTTP 503")


def test_failed_subpages_with_nothing_found_are_a_discover_error(site_server):
    site_server.route("/Publications/RAA", '<main><a href="/Publications/RAA/RAA-2026">RAA 2026</a></main>')
    source = Source("pref99", "test", site_server.url("/Publications/RAA"))
    with pytest.raises(DiscoverError, match="no document found, 1 page.s. failed.*HTTP 404"):
        crawl(source, Fetcher(SETTINGS, [site_server.base]), today=TODAY)


def test_an_index_without_raa_nor_links_is_an_error_naming_it(site_server):
    site_server.route("/Publications/RAA", '<main><h1>Recueil des actes administratifs</h1><p>En travaux</p></main>')
    source = Source("pref99", "test", site_server.url("/Publications/RAA"))
    with pytest.raises(DiscoverError) as caught:
        crawl(source, Fetcher(SETTINGS, [site_server.base]), today=TODAY)
    assert str(caught.value) == f"no RAA found at {source.index_url}: the site may have changed"
    assert not caught.value.passing and caught.value.source == "pref99"


def test_links_that_lead_to_no_raa_are_an_error(site_server):
    site_server.route("/Publications/RAA", '<main><a href="/Publications/RAA/RAA-2026">RAA 2026</a></main>')
    site_server.route("/Publications/RAA/RAA-2026", '<main><h1>RAA 2026</h1></main>')
    source = Source("pref99", "test", site_server.url("/Publications/RAA"))
    with pytest.raises(DiscoverError, match=r"no RAA found at .* nor on the 1 page\(s\) it leads to: the site may"):
        crawl(source, Fetcher(SETTINGS, [site_server.base]), today=TODAY)


@pytest.mark.parametrize("where", ["/Publications/RAA", "/Publications/RAA/RAA-2026"])
def test_a_challenge_is_reported_as_such(site_server, where):
    site_server.route("/Publications/RAA", '<main><a href="/Publications/RAA/RAA-2026">RAA 2026</a></main>')
    site_server.route(where, Route(body=(SITES.parent / "pdfs" / "2024_01493_05102024.pdf").read_bytes(),
                                   status=403))
    source = Source("pp", "test", site_server.url("/Publications/RAA"))
    with pytest.raises(DiscoverError) as caught:
        crawl(source, Fetcher(SETTINGS, [site_server.base]), today=TODAY)
    assert caught.value.challenge and caught.value.source == "pp"
    assert "HTTP 403 with a JavaScript challenge (the Préfecture de police's) instead of the page" in str(caught.value)
    assert str(caught.value).endswith("read in a headless browser (option browser: true, after scripts/setup "
                                      "--browser) or through the Attrap API (strategy attrap, see docs/SOURCES.md)")


def test_the_moselle_list_needs_the_cookie_of_its_entry_page(site_server):
    spec = load_site(SITES / "dims-session.yaml")
    serve_site(site_server, spec["pages"])
    without = discover.source("pref57", "test", site_server.url(spec["index"]), strategy="dims")
    with pytest.raises(DiscoverError, match="no RAA found at .*: the site may have changed"):
        crawl(without, Fetcher(SETTINGS, [site_server.base]), today=TODAY)
    assert "Cookie" not in site_server.requests[0].headers
    found = run_crawl(site_server, spec, spec["runs"][0])
    assert len(found) == 4
    assert site_server.requests[1].path == "/raa.html"
    assert all("DIMSPHPSESSID=jmcfjg2uscuqas3lookvd1cp7p" in logged.headers["Cookie"]
               for logged in site_server.requests[2:])


def test_max_pages_bounds_a_crawl(site_server):
    spec = load_site(SITES / "root-paginated-detail.yaml")
    serve_site(site_server, spec["pages"])
    source = Source("pref71", "test", site_server.url(spec["index"]))
    crawl(source, Fetcher(SETTINGS, [site_server.base]), today=TODAY, settings=CrawlSettings(max_index_pages=3))
    assert len(site_server.requests) == 3


BACKFILL = "/Publications/Recueil-des-actes-administratifs"
EVERY_RUN = [BACKFILL, f"{BACKFILL}/RAA-2026", f"{BACKFILL}/RAA-2026/12-Decembre", f"{BACKFILL}/RAA-2026/11-Novembre"]


def test_a_backfill_spread_over_runs_picks_up_where_the_last_stopped(site_server):
    spec = load_site(SITES / "backfill.yaml")
    serve_site(site_server, spec["pages"])
    progress, found, reads = Progress(), set(), []
    for _ in range(5):
        before = len(site_server.requests)
        found |= set(run_crawl(site_server, spec, {"today": date(2026, 12, 1), "since": date(2026, 1, 1)},
                               progress=progress, max_pages=6))
        reads.append(site_server.paths()[before:])
    assert [len(paths) for paths in reads] == [6, 6, 6, 6, 6] and progress.pending == []
    assert all(paths[:4] == EVERY_RUN for paths in reads)
    older = [path.rsplit("/", 1)[1] for paths in reads for path in paths[4:]]
    assert older == ["10-Octobre", "09-Septembre", "08-Aout", "07-Juillet", "06-Juin", "05-Mai", "04-Avril",
                     "03-Mars", "02-Fevrier", "01-Janvier"]
    assert sorted(day.month for _, _, day in found) == list(range(1, 13))


def test_pages_of_closed_periods_are_read_once_until_not_before_moves_back(site_server):
    spec = load_site(SITES / "backfill.yaml")
    serve_site(site_server, spec["pages"])
    progress = Progress()
    for since in (date(2026, 10, 1), date(2026, 10, 1), date(2026, 8, 1)):
        before = len(site_server.requests)
        found = run_crawl(site_server, spec, {"today": date(2026, 12, 1), "since": since}, progress=progress)
        assert site_server.paths()[before:before + 4] == EVERY_RUN
    assert Counter(site_server.paths())[f"{BACKFILL}/RAA-2026/10-Octobre"] == 2
    assert [path.rsplit("/", 1)[1] for path in site_server.paths()[-3:]] == ["10-Octobre", "09-Septembre", "08-Aout"]
    assert sorted(day.month for _, _, day in found) == [8, 9, 10, 11, 12]
    assert Progress.from_json(progress.to_json()) == progress
    assert sorted(url.rsplit("/", 1)[1] for url in progress.read) == ["08-Aout", "09-Septembre", "10-Octobre"]
    run_crawl(site_server, spec, {"today": date(2026, 12, 1), "since": date(2026, 11, 1)}, progress=progress)
    assert progress.read == {}  # out of the window, forgotten


def test_fixtures_and_registry_agree():
    notes = sources.notes()
    for path in FIXTURES:
        for code in load_site(path).get("sources", []):
            assert path.stem in notes[code]["tested"].split(", "), f"{code} should name {path.stem} in `tested`"
    named = {name for note in notes.values() for name in note["tested"].split(", ") if name}
    existing = {path.stem for path in FIXTURES} | {f"real-{p.name[-2:]}" for p in (SITES / "real").glob("prefecture-*")}
    assert named <= existing


@pytest.mark.parametrize("instant, zone, day", [
    (datetime(2025, 10, 24, 2, 13, 22, tzinfo=timezone.utc), "America/Cayenne", date(2025, 10, 23)),
    (datetime(2025, 10, 24, 2, 13, 22, tzinfo=timezone.utc), "Europe/Paris", date(2025, 10, 24)),
    (datetime(2026, 9, 1, 1, 30, tzinfo=timezone.utc), "America/Guadeloupe", date(2026, 8, 31)),
    (datetime(2026, 9, 1, 1, 30, tzinfo=timezone.utc), "America/Martinique", date(2026, 8, 31)),
    (datetime(2026, 8, 13, 21, 30, tzinfo=timezone.utc), "Indian/Reunion", date(2026, 8, 14)),
    (datetime(2026, 8, 13, 21, 30, tzinfo=timezone.utc), "Europe/Paris", date(2026, 8, 13)),
])
def test_a_day_is_read_in_the_zone_of_its_prefecture(instant, zone, day):
    assert Clock(instant).today_in(zone) == day


def test_an_raa_published_on_the_evening_of_day_d_in_cayenne_is_dated_d(site_server):
    """recueil-r03-2025-311 was published on 23 October in Cayenne, its PDF made at 23:13 local time (02:13 UTC
    on the 24th). A run at 02:30 UTC on the 24th asks for the RAA up to the 23rd, Guyane's today, and lists it
    dated the 23rd; the Paris day (the 24th) would ask for a window the API was never asked here (HTTP 404)."""
    spec = load_site(SITES / "attrap-guyane.yaml")
    serve_site(site_server, spec["pages"])
    guyane = next(source for source in sources.bundled() if source.code == "pref973")
    local = discover.source(guyane.code, guyane.name, site_server.url(spec["index"]), strategy=guyane.strategy,
                            options=spec["options"], timezone=guyane.timezone)
    today = Clock(datetime(2025, 10, 24, 2, 30, tzinfo=timezone.utc)).today_in(local.timezone)
    listings = crawl(local, Fetcher(SETTINGS, [site_server.base]), today=today)
    assert (listings[0].title, listings[0].published) == ("recueil-r03-2025-311-recueil-des-actes-administratifs-1",
                                                          date(2025, 10, 23))
    assert all("end_date=2025-10-23" in path for path in site_server.paths())
