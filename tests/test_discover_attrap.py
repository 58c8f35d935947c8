"""The `attrap` strategy against a local server answering as the Attrap search API (a real answer page)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from tests.support.corpus import corpus
from watchbot import discover
from watchbot.core.models import Source
from watchbot.core.settings import CrawlSettings, HttpSettings
from watchbot.discover import DiscoverError, attrap, crawl
from watchbot.fetch import Fetcher

SETTINGS = HttpSettings(delay_seconds=0, timeout_seconds=5, max_retries=1)
TODAY = date(2025, 10, 31)
QUERY = "/api/v1/search?administration=pref92&start_date=2025-10-01&end_date=2025-10-31&sort=desc&page="


def source(server, **options) -> Source:
    return discover.source("pref92-attrap", "Hauts-de-Seine par Attrap", server.url("/api/v1/search"),
                           strategy="attrap",
                           options={"administration": "pref92", "hosts": ["www.hauts-de-seine.gouv.fr"], **options})


def run(server, **options):
    return crawl(source(server, **options), Fetcher(SETTINGS, [server.base]), today=TODAY,
                 since=date(2025, 10, 1), settings=CrawlSettings(lookback_months=0))


def test_the_raa_of_one_administration_are_listed_until_older_ones_come(site_server):
    answer = json.loads(corpus("idf/search.json").read_text(encoding="utf-8"))
    older = {**answer["elements"][3], "date": "2025-09-30", "url": "https://www.hauts-de-seine.gouv.fr/old.pdf"}
    site_server.route(QUERY + "1", json.dumps(answer))
    site_server.route(QUERY + "2", json.dumps({"elements": [older], "total": answer["total"]}))
    found = run(site_server)
    assert [(listing.title, listing.published) for listing in found] == [
        ("2025-10-29 RAA spécial Préfecture de Police du 29 octobre 2025", date(2025, 10, 30)),
        ("2025-10-29 RAA spécial CABINET du 29 octobre 2025", date(2025, 10, 30))]
    assert all(listing.url.startswith("https://www.hauts-de-seine.gouv.fr/contenu/telechargement/")
               for listing in found)
    assert site_server.paths() == [QUERY + "1", QUERY + "2"]
    assert source(site_server).crawl.hosts == ("www.hauts-de-seine.gouv.fr",)


def test_an_answer_that_is_not_the_api_is_an_error(site_server):
    site_server.route(QUERY + "1", "<html><body>Maintenance</body></html>")
    with pytest.raises(DiscoverError, match="not an answer of the Attrap API"):
        run(site_server)


def test_no_raa_is_an_error(site_server):
    site_server.route(QUERY + "1", json.dumps({"elements": [], "total": 0}))
    with pytest.raises(DiscoverError, match=r"no RAA found at .* for pref92 since 2025-10-01"):
        run(site_server)


def test_the_administration_is_required(site_server):
    with pytest.raises(DiscoverError, match="needs the option 'administration'"):
        source(site_server, administration="")


def test_an_element_without_a_date_is_left_out_with_a_warning(site_server, caplog):
    answer = json.loads(corpus("idf/search.json").read_text(encoding="utf-8"))
    undated = {**answer["elements"][0], "administration": "pref92", "date": None}
    site_server.route(QUERY + "1", json.dumps({**answer, "elements": [undated, *answer["elements"]]}))
    site_server.route(QUERY + "2", json.dumps({"elements": [], "total": answer["total"]}))
    found = run(site_server)
    assert len(found) == 2
    assert "pref92-attrap: 1 element(s) of the Attrap API left out, without a url, a name or an ISO date" \
        in caplog.text


def test_a_page_of_too_many_elements_fails_the_source(site_server):
    answer = json.loads(corpus("idf/search.json").read_text(encoding="utf-8"))
    element = answer["elements"][0]
    site_server.route(QUERY + "1", json.dumps({"elements": [element] * (attrap.MAX_PAGE_ELEMENTS + 1)}))
    with pytest.raises(DiscoverError, match=r"answered 1001 elements on one page, more than 1000: refused") as caught:
        run(site_server)
    assert caught.value.passing


def test_pages_of_elements_are_bounded_in_all(site_server):
    answer = json.loads(corpus("idf/search.json").read_text(encoding="utf-8"))
    for number in range(1, 8):  # each page new, none older: the crawl would go on
        page = [{**answer["elements"][0], "administration": "pref92", "date": "2025-10-15",
                 "url": f"https://www.hauts-de-seine.gouv.fr/{number}-{index}.pdf"}
                for index in range(attrap.MAX_PAGE_ELEMENTS)]
        site_server.route(QUERY + str(number), json.dumps({"elements": page}))
    with pytest.raises(DiscoverError, match="more than 5000 elements in all"):
        run(site_server)
    assert len(site_server.paths()) == 6


def test_an_answer_nested_too_deep_is_refused(site_server):
    site_server.route(QUERY + "1", "[" * 100_000 + "]" * 100_000)
    with pytest.raises(DiscoverError, match="nested too deep"):
        run(site_server)
