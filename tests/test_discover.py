"""Parsing the nine real page reconstructions, French dates and periods, crawler options."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st

from watchbot.core.models import CrawlOptions, Listing, Source
from watchbot.core.settings import HttpSettings
from watchbot.discover import STRATEGIES, DiscoverError, Job, crawl, source, spip
from watchbot.discover.dates import Period, find_date, find_period, window
from watchbot.discover.page import parse
from watchbot.fetch import Fetcher

REAL = Path(__file__).parent / "data" / "sites" / "real"
TODAY = date(2026, 8, 20)

# page file, the live URL it was captured from, and what it holds (read from the HTML by hand)
RECONSTRUCTIONS = {
    "prefecture-02/annee-2026.html": (
        "https://www.aisne.gouv.fr/Publications/Recueil-des-Actes-Administratifs/"
        "Recueil-des-Actes-Administratifs-Annee-2026",
        [],
        ["/Publications/Recueil-des-Actes-Administratifs/RAA_Janvier_02-2026-001"],
        ["/Publications/Recueil-des-Actes-Administratifs/Recueil-des-Actes-Administratifs-Annee-2026/(offset)/20"],
    ),
    "prefecture-05/detail-327.html": (
        "https://www.hautes-alpes.gouv.fr/Publications/Recueil-des-actes-administratifs/RAA-N-05-2026-327",
        [("/contenu/telechargement/15001/85001/file/RAA-N-05-2026-327-Special-Aout.pdf",
          "RAA N°05-2026-327 SPECIAL AOUT 2026", date(2026, 8, 13))],
        [], [],
    ),
    "prefecture-13/liste.html": (
        "https://www.bouches-du-rhone.gouv.fr/Publications/RAA-et-Archives/RAA-2026",
        [("/contenu/telechargement/65030/454163/file/recueil-13-2026-249-recueil-des-actes-administratifs-special-bis.pdf",
          "recueil-13-2026-249-recueil-des-actes-administratifs-special-bis du 13 août 2026", date(2026, 8, 13)),
         ("/contenu/telechargement/65020/454100/file/recueil-13-2026-246-recueil-des-actes-administratifs-special.pdf",
          "recueil-13-2026-246-recueil-des-actes-administratifs-special du 12 août 2026", date(2026, 8, 12))],
        [], [],
    ),
    "prefecture-14/annee-2026.html": (
        "https://www.calvados.gouv.fr/Publications/Recueil-des-actes-administratifs/"
        "Recueil-des-actes-administratifs-departemental/2026",
        [("/contenu/telechargement/30153/219219/file/recueil-14-2026-002-recueil-des-actes-administratifs.pdf",
          "recueil-14-2026-002-recueil-des-actes-administratifs", date(2026, 1, 6)),
         ("/contenu/telechargement/30299/219995/file/recueil-14-2026-341-recueil-des-actes-administratifs.pdf",
          "recueil-14-2026-341-recueil-des-actes-administratifs", date(2026, 8, 13)),
         ("/contenu/telechargement/30300/220000/file/recueil-14-2026-342-recueil-des-actes-administratifs.pdf",
          "recueil-14-2026-342-recueil-des-actes-administratifs", date(2026, 8, 14))],
        [], [],
    ),
    "prefecture-17/racine.html": (
        "https://www.charente-maritime.gouv.fr/Publications/RAA-Recueil-des-Actes-Administratifs",
        [],
        [f"/Publications/RAA-Recueil-des-Actes-Administratifs/Annee-{year}" for year in (2026, 2025, 2024, 2007)],
        [],
    ),
    "prefecture-19/annee-2026.html": (
        "https://www.correze.gouv.fr/Publications/Recueil-des-actes-administratifs/RAA-annee-2026",
        [("/contenu/telechargement/33493/238403/file/recueil-19-2026-001-recueil-des-actes-administratifs-special.pdf",
          "Raa spécial 19-2026-001 du 5 janvier 2026", date(2026, 1, 5)),
         ("/contenu/telechargement/33581/238993/file/recueil-19-2026-010-recueil-des-actes-administratifs.pdf",
          "Raa 19-2026-010 du 15 janvier 2026", date(2026, 1, 15)),
         ("/contenu/telechargement/35000/247109/file/recueil-19-2026-124-recueil-des-actes-administratifs-special.pdf",
          "Raa spécial 19-2026-124 du 13 août 2026", date(2026, 8, 13)),
         ("/contenu/telechargement/35004/247128/file/recueil-19-2026-125-recueil-des-actes-administratifs.pdf",
          "Raa 19-2026-125 du 14 août 2026", date(2026, 8, 14))],
        [], [],
    ),
    "prefecture-32/recueils-2026.html": (
        "https://www.gers.gouv.fr/Publications/Recueil-des-Actes-Administratifs-RAA/Recueils-2026",
        [("/contenu/telechargement/46667/340398/file/recueil-32-2026-135-recueil-des-actes-administratifs.pdf",
          "recueil-32-2026-135-recueil-des-actes-administratifs", date(2026, 7, 15)),
         ("/contenu/telechargement/46666/340393/file/recueil-32-2026-106-recueil-des-actes-administratifs.pdf",
          "recueil-32-2026-106-recueil-des-actes-administratifs", date(2026, 7, 15))],
        [], [],
    ),
    "prefecture-33/aout-2026.html": (
        "https://www.gironde.gouv.fr/Publications/Recueil-des-Actes-Administratifs/"
        "Recueil-des-Actes-Administratifs-de-l-annee-2026/Aout-2026",
        [("/contenu/telechargement/87963/661802/file/RAA%2033%20SPECIAL%20N%C2%B0%202026-243.pdf",
          "RAA 33 SPECIAL N° 2026-243", date(2026, 8, 3)),
         ("/contenu/telechargement/87951/661682/file/recueil-33-2026-242-recueil-des-actes-administratifs-special-1.pdf",
          "RAA 33 SPECIAL N°2026-242", date(2026, 8, 1))],
        [], [],
    ),
    "prefecture-67/RAA-ANNEE-2026.html": (
        "https://www.bas-rhin.gouv.fr/Publications/Publications-officielles/"
        "RAA-Recueils-des-actes-administratifs/RAA-ANNEE-2026",
        [],
        ["/Media/Files/22.-RAA/2026/Janvier/RAA-N-special-du-05-janvier-2026",
         "/Media/Files/22.-RAA/2026/Aout/RAA-N-special-du-19-aout-2026-Adoption-du-Reglement-Interieur-de-l-EPSAN",
         "/Media/Files/22.-RAA/2026/Aout/RAA-N-special-du-20-aout-2026-Hydrocarbures"],
        [],
    ),
}


@pytest.mark.parametrize("name", sorted(RECONSTRUCTIONS))
def test_each_real_reconstruction_parses_to_exactly_its_links(name):
    page_url, documents, links, pages = RECONSTRUCTIONS[name]
    origin = page_url[:page_url.index("/", 8)]
    parsed = parse((REAL / name).read_text(encoding="utf-8"), page_url)
    assert [(d.url, d.title, d.published) for d in parsed.documents] == [
        (origin + path, title, day) for path, title, day in documents]
    assert [link.url for link in parsed.links] == [origin + path for path in links]
    assert [link.url for link in parsed.pagination] == [origin + path for path in pages]


def test_the_empty_id_markup_bug_hides_the_class_but_not_the_link():
    html = (REAL / "prefecture-05/detail-327.html").read_text(encoding="utf-8")
    parsed = parse(html, "https://www.hautes-alpes.gouv.fr/x")
    assert BeautifulSoup(html, "lxml").select(".fr-link--download") == []
    assert len(parsed.documents) == 1


def test_broken_and_non_web_links_are_ignored():
    html = ('<main><a href="http://[broken/x.pdf">a</a><a href="mailto:raa@x.fr">b</a>'
            '<a href="javascript:void(0)">c</a><a href="#top">d</a><a href="ftp://x.fr/r.pdf">e</a>'
            '<a href="/ok/RAA du 3 août 2026.pdf">RAA du 3 août 2026</a></main>')
    parsed = parse(html, "https://www.var.gouv.fr/Publications/RAA")
    assert [d.url for d in parsed.documents] == ["https://www.var.gouv.fr/ok/RAA%20du%203%20ao%C3%BBt%202026.pdf"]
    assert parsed.links == ()


def test_select_options_without_a_leading_slash_are_site_relative():
    parsed = parse((REAL / "prefecture-17/racine.html").read_text(encoding="utf-8"),
                   "https://www.charente-maritime.gouv.fr/Publications/RAA-Recueil-des-Actes-Administratifs/")
    assert parsed.links[0].choice
    assert parsed.links[0].url == ("https://www.charente-maritime.gouv.fr/Publications/"
                                   "RAA-Recueil-des-Actes-Administratifs/Annee-2026")


@pytest.mark.parametrize("text, expected", [
    ("PDF - 0,81 Mb - 13/08/2026", date(2026, 8, 13)),
    ("Publié le 03/08/2026", date(2026, 8, 3)),
    ("Raa spécial 19-2026-124 du 13 août 2026", date(2026, 8, 13)),
    ("RAA N° spécial du 19 août 2026 - Hydrocarbures", date(2026, 8, 19)),
    ("RAA n° D77-13-08-2026", date(2026, 8, 13)),
    ("Arrêté du 1er avril 2026", date(2026, 4, 1)),
    ("en date du 14 avril 2026", date(2026, 4, 14)),
    ("RAA du 28, 29 et 30 octobre 2025", date(2025, 10, 30)),
    ("Recueil n°141 du 16 avril 2026.pdf", date(2026, 4, 16)),
    ("RAA-N-306-du-20-aout-2026.pdf", date(2026, 8, 20)),
    ("2026-08-20-N206.pdf", date(2026, 8, 20)),
    ("56-2026-099 - RAA Spécial du 17 août 2026.pdf", date(2026, 8, 17)),
    ("RAA n°220 du 4 décembre 2024.pdf", date(2024, 12, 4)),
    ("2024-11-18 RAA spécial SGAD du 18 novembre 2024 Vol-2.pdf", date(2024, 11, 18)),
    ("recueil-93-2024-12-03-recueil-des-actes-administratifs-Spécial PP", date(2024, 12, 3)),
    ("RAAE n° 169 du 03 décembre 2024", date(2024, 12, 3)),
    ("recueil-75-2024-746-recueil-des-actes-administratifs-special du 03.12.2024", date(2024, 12, 3)),
    ("DU 13 AOÛT 2026", date(2026, 8, 13)),
    ("recueil-62-2026-187-recueil-des-actes-administratifs-special-2.pdf", None),
    ("RAA 33 SPECIAL N° 2026-243", None),
    ("Télécharger le document", None),
    ("31/02/2026", None),
])
def test_french_publication_dates(text, expected):
    assert find_date(text) == expected


def months(year: int, first: int, last: int) -> Period:
    return Period.of_months(year, first, last)


YEAR_2026 = Period(date(2026, 1, 1), date(2026, 12, 31))


@pytest.mark.parametrize("text, context, expected", [
    ("RAA 2026 RAA-2026", None, YEAR_2026),
    ("Année 2026 Annee-2026", None, YEAR_2026),
    ("Recueils publiés en 2026 Recueils-publies-en-2026", None, YEAR_2026),
    ("Août 08-AOUT", YEAR_2026, months(2026, 8, 8)),
    ("Aout Aout", YEAR_2026, months(2026, 8, 8)),
    ("Août 2026 Aout-2026", None, months(2026, 8, 8)),
    ("AOUT-2024", None, months(2024, 8, 8)),
    ("RAA d'Août 2026 RAA-d-Aout-2026", None, months(2026, 8, 8)),
    ("mois d'août mois-d-aout", YEAR_2026, months(2026, 8, 8)),
    ("Recueils d'août Recueils-d-aout", None, months(2026, 8, 8)),
    ("Décembre", None, months(2025, 12, 12)),
    ("Aout2", YEAR_2026, months(2026, 8, 8)),
    ("9.-Aout", YEAR_2026, months(2026, 8, 8)),
    ("08.-Aout-2026", None, months(2026, 8, 8)),
    ("1er trimestre 1er-trimestre", YEAR_2026, months(2026, 1, 3)),
    ("3e trimestre 2026", None, months(2026, 7, 9)),
    ("2ème semestre 2026", None, months(2026, 7, 12)),
    ("Semestre 1", YEAR_2026, months(2026, 1, 6)),
    ("Janvier - juillet 2026 janvier-juillet-2026", None, months(2026, 1, 7)),
    ("août-décembre", YEAR_2026, months(2026, 8, 12)),
    ("RAA_Janvier_02-2026-001", None, months(2026, 1, 1)),
    ("RAA n° D77-13-08-2026", None, Period(date(2026, 8, 13), date(2026, 8, 13))),
    ("Recueils 2026 n°2 Recueils-hebdomadaires-et-speciaux-des-actes-administratifs-2026-2", None, YEAR_2026),
    ("Spéciaux Speciaux", YEAR_2026, None),
    ("Recueils des Actes Administratifs de l'Ariège à partir du 28 avril 2015 "
     "Recueils-des-Actes-Administratifs-de-l-Ariege-a-partir-du-28-avril-2015", None,
     Period(date(2015, 4, 28), date.max)),
    ("RAA publiés depuis le 1er janvier 2026", None, Period(date(2026, 1, 1), date.max)),
    ("RAA avant le 28 avril 2015 RAA-avant-le-28-avril-2015", None, Period(date.min, date(2015, 4, 28))),
    ("RAA jusqu'au 27/04/2015", None, Period(date.min, date(2015, 4, 27))),
    ("RAA n°12 du 3 mars 2026, modifié à partir du 5 mars 2026", None, Period(date(2026, 3, 3), date(2026, 3, 3))),
    ("Archives au 28 avril 2015 Archives-RAA", None, None),
    ("Recueil des actes administratifs départemental", None, None),
])
def test_navigation_periods(text, context, expected):
    assert find_period(text, context, TODAY) == expected


def test_the_window_is_the_current_month_and_the_look_back():
    assert window(TODAY, 1) == Period(date(2026, 7, 1), TODAY)
    assert window(date(2026, 1, 5), 2) == Period(date(2025, 11, 1), date(2026, 1, 5))
    assert window(TODAY, 0) == Period(date(2026, 8, 1), TODAY)


def crawl_plan(strategy: str = "dsfr", **options) -> CrawlOptions:
    return source("pref99", "Préfecture test", "https://www.test.gouv.fr/Publications/RAA", strategy=strategy,
                  options=options).crawl


def test_options_are_checked_with_a_clear_message():
    assert crawl_plan(skip="r[ée]gional").skip == "r[ée]gional"
    assert crawl_plan(areas="/RAA").areas == ("/RAA",)
    assert crawl_plan("spip", areas="/ile-de-france") == replace(spip.OPTIONS, areas=("/ile-de-france",))
    with pytest.raises(DiscoverError, match="unknown option.*skipp.*valid options: areas"):
        crawl_plan(skipp="x")
    with pytest.raises(DiscoverError, match="'exclude' is not a valid regular expression"):
        crawl_plan(exclude="(sommaire")
    with pytest.raises(DiscoverError, match="'navigation' is not a valid CSS selector"):
        crawl_plan(navigation="a[href")
    with pytest.raises(DiscoverError, match="unknown strategy 'drupal'"):
        crawl_plan("drupal")



class OneDocument:
    """A strategy listing one document, that keeps the jobs it was given."""

    def __init__(self) -> None:
        self.jobs: list[Job] = []

    def options(self, overrides) -> CrawlOptions:
        if set(overrides) - {"hosts"}:
            raise ValueError("only 'hosts'")
        return CrawlOptions(hosts=tuple(overrides.get("hosts", ())))

    def crawl(self, source: Source, fetcher: Fetcher, job: Job) -> list[Listing]:
        self.jobs.append(job)
        return [Listing(source.code, "https://docs.test.gouv.fr/raa.pdf", "RAA", job.today)]


def test_a_strategy_registered_by_name_plans_and_crawls_its_sources(monkeypatch):
    strategy = OneDocument()
    monkeypatch.setitem(STRATEGIES, "static", strategy)
    plan = source("pref99", "Préfecture test", "https://www.test.gouv.fr/RAA", strategy="static",
                  options={"hosts": ["docs.test.gouv.fr"]})
    assert (plan.strategy, plan.crawl) == ("static", CrawlOptions(hosts=("docs.test.gouv.fr",)))
    with pytest.raises(DiscoverError, match="only 'hosts'"):
        source("pref99", "Préfecture test", "https://www.test.gouv.fr/RAA", strategy="static", options={"skip": "x"})

    listings = crawl(plan, Fetcher(HttpSettings(), []), today=TODAY, since=date(2026, 1, 15))
    assert listings == [Listing("pref99", "https://docs.test.gouv.fr/raa.pdf", "RAA", TODAY)]
    [job] = strategy.jobs
    assert (job.span, job.recent, job.today) == (Period(date(2026, 1, 15), TODAY), window(TODAY, 1), TODAY)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("0123456789 /.-_eérAaoûtjnvidcmbsl°,"), max_size=60))
def test_dates_and_periods_never_fail_on_any_text(text):
    day = find_date(text)
    assert day is None or isinstance(day, date)
    period = find_period(text, None, TODAY)
    assert period is None or period.start <= period.end
