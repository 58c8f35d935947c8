"""Toot composition (SPEC §6): French, self-contained, within the limit, harmless document text."""

from __future__ import annotations

import csv
import json
import re
from dataclasses import replace
from datetime import date, datetime, timezone
from pathlib import Path

import grapheme
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from mastodon import Mastodon

from tests.support.corpus import corpus
from tests.support.mastodon_servers import entities, mastodon_length
from tests.support.prefecture import DRONE_RAA
from watchbot.core.models import Act, Category, Commune, Facts, Match, Source
from watchbot.core.settings import BUNDLED_RULES, ExtractSettings
from watchbot.match import rules
from watchbot.publish.factline import facts_line, hours, period, where
from watchbot.publish.outbox import render
from watchbot.publish.toot import (
    ELLIPSIS,
    Limit,
    TootError,
    TootInput,
    compose,
    content_warning,
    french_date,
    hashtag,
    hashtags,
    length,
    page_link,
    ref_date,
)
from watchbot.run.analysis import analyse_file
from watchbot.store.records import StoredAct

DATA = Path(__file__).parent / "data" / "toot"
CATEGORIES = {
    "drones": Category("drones", "Drones", "🚁", ("drones", "technopolice")),
    "silt_perimeter": Category("silt_perimeter", "Périmètre de protection", "🚧", ("SILT", "technopolice")),
    "videoprotection": Category("videoprotection", "Vidéoprotection", "📹", ("vidéosurveillance", "technopolice")),
    "vsa": Category("vsa", "VSA", "👁️‍🗨️", ("VSA",)),
}
HOSTILE = ("Contact : @someone@example.org et @someone, #tag #Toulon, voir http://evil.example/x?y=1, "
           "www.evil.example, evil.example, https://evil.example:8443/a#b, ftp://files.evil.example, "
           "xmpp:someone@evil.example, ＠someone ＃tag, courriel pref-courrier@var.gouv.fr")


def real_acts() -> list[dict]:
    return json.loads((DATA / "acts.json").read_text(encoding="utf-8"))


def item_of(real: dict, **changes) -> TootInput:
    values = dict(source_name="Préfecture du Var", department="83", document_title=real["raa_name"],
                  document_url=real["raa_url"], published=date.fromisoformat(real["raa_date"]),
                  act=Act(real["ref"], real["title"], real["first_page"], real["last_page"]),
                  matches=(Match(real["category"], "rule", real["first_page"], real["excerpt"], real["words"]),))
    values.update(changes)
    return TootInput(**values)


def assert_harmless(toot: str, item: TootInput, categories) -> None:
    """Within Mastodon's parsers, the toot's only link is the PDF page and its only hashtags are ours."""
    found = entities(toot)
    assert found["mentions"] == []
    assert [tag["name"] for tag in found["tags"]] == [t.lower() for t in hashtags(categories, item.department)]
    assert found["links"] == [page_link(item.document_url, item.act.first_page or None)]
    assert found["domains"] == []


@pytest.mark.parametrize("act", real_acts(), ids=lambda act: act["category"])
def test_real_act_reads_well(act):
    category = CATEGORIES[act["category"]]
    item = item_of(act)
    toot = compose(item, [category])
    lines = toot.split("\n")
    assert lines[0] == f"{category.emoji} {category.label} — Préfecture du Var (83)"
    assert lines[1] == " ".join(act["title"].split())
    day = ref_date(act["ref"])
    assert lines[2] == f"Acte n° {act['ref']} du {french_date(day)}"
    assert lines[3] == f"Paru dans « {act['raa_name']} », p. {act['first_page']}-{act['last_page']}"
    assert " ".join(act["words"].split()) in toot
    assert f"{act['raa_url']}#page={act['first_page']}" in lines
    assert lines[-1] == " ".join(f"#{tag}" for tag in hashtags([category], "83"))
    assert length(toot) <= 500
    assert_harmless(toot, item, [category])


@pytest.mark.parametrize("limit, url_length", [(500, 23), (300, 23), (300, None)])
def test_every_real_var_title_fits(limit, url_length):
    """None: links counted in full, as GoToSocial, Akkoma and Takahē count them."""
    path = corpus("var-2025-acts-dev.csv")
    metas = {p.stem: json.loads(p.read_text()) for p in corpus("var-2025").glob("*.json")}
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    for row in rows:
        meta = metas[row["raa_sha256"]]
        first = int(row["start_page"]) if row["start_page"] else None
        act = Act(row["act_id"], row["title"], first, first + int(row["page_count"] or 1) - 1 if first else None)
        item = TootInput("Préfecture du Var", "83", meta["name"], meta["url"], date.fromisoformat(meta["date"]), act,
                         (Match("drones", "rule", first, row["evidence"] or row["title"], ""),))
        toot = compose(item, [CATEGORIES["drones"]], limit, url_length=url_length)
        assert length(toot, url_length=url_length) <= limit, toot
        assert page_link(meta["url"], first) in toot.split("\n")
        assert_harmless(toot, item, [CATEGORIES["drones"]])
    assert len(rows) == 846


@pytest.mark.parametrize("limit, url_length", [(500, 23), (300, 23), (500, None)])
def test_every_real_paris_title_fits(limit, url_length):
    """Links counted in full (Takahē's way, 500 by default), a link of 360 characters leaves no room."""
    path = corpus("pp-paris/arretes.csv")
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    shortened = too_long_links = 0
    for row in rows:
        if url_length is None and len(page_link(row["pdf_url"], None)) > 360:
            too_long_links += 1
            continue
        day, month, year = map(int, row["date_publication"].split("/"))
        item = TootInput("Préfecture de police", "75", row["titre"], row["pdf_url"], date(year, month, day),
                         Act(row["numero_arrete"], row["titre"], None, None),
                         (Match("silt_perimeter", "rule", None, row["contenu_preview"], "périmètre"),))
        categories = [CATEGORIES["silt_perimeter"], CATEGORIES["drones"]]
        toot = compose(item, categories, limit, url_length=url_length)
        assert length(toot, url_length=url_length) <= limit, toot
        assert page_link(row["pdf_url"], None) in toot.split("\n")
        assert_harmless(toot, item, categories)
        shortened += "…" in toot.split("\n")[1]
    assert len(rows) == 3435 and too_long_links == (19 if url_length is None else 0)
    assert (shortened > 0) == (limit == 300 or url_length is None)  # at 500 (links as 23) every title is whole


def test_document_text_cannot_mention_tag_or_link():
    act = real_acts()[0]
    item = item_of(act, document_title=f"RAA #12 @raa {HOSTILE[:60]}",
                   act=Act("83-2025-02-25-00002 @x", f"Arrêté {HOSTILE}", 3, 5),
                   matches=(Match("drones", "r", 3, f"{HOSTILE} captation d'images {HOSTILE}", "captation d'images"),))
    for limit in (500, 1000, 3000):
        toot = compose(item, [CATEGORIES["drones"]], limit)
        assert_harmless(toot, item, [CATEGORIES["drones"]])
        assert length(toot) <= limit
    visible = toot.replace("\u2060", "")
    assert "@someone@example.org" in visible and "http://evil.example/x?y=1" in visible  # still readable


def test_excerpt_from_the_classifier_keeps_its_ellipses():
    act = real_acts()[0]
    excerpt = "… d'images par la direction interdépartementale de la Police Nationale du Var, est autorisée …"
    item = item_of(act, matches=(Match("drones", "r", 3, excerpt, "est autorisée"),))
    whole = compose(item, [CATEGORIES["drones"]])
    assert "\n« …d'images par la direction interdépartementale de la Police Nationale du Var, est autorisée… »\n" in whole
    cut = compose(item, [CATEGORIES["drones"]], length(whole) - 30)
    shown = next(line for line in cut.split("\n") if line.startswith("« "))
    assert shown.startswith("« …") and shown.endswith("est autorisée… »") and len(shown) < 80
    assert "… " not in shown[:-2] and "……" not in shown


def test_invisible_and_control_characters_from_documents_are_dropped():
    act = real_acts()[0]
    title = "Arrêté\u202e inversé\u200b\u0007 sur\tdes\n\naéronefs\u2060@bob"
    toot = compose(item_of(act, act=Act(act["ref"], title, 3, 5)), [CATEGORIES["drones"]])
    assert toot.split("\n")[1] == "Arrêté inversé sur des aéronefs@\u2060bob"


def test_long_url_counts_as_23():
    act = real_acts()[0]
    url = "https://www.var.gouv.fr/contenu/telechargement/" + "d" * 400 + ".pdf"
    item = item_of(act, document_url=url)
    toot = compose(item, [CATEGORIES["drones"]], 500)
    assert f"{url}#page=3" in toot.split("\n")
    assert len(toot) > 500 >= length(toot) == mastodon_length(toot)
    assert " ".join(act["title"].split()) in toot  # the long URL took nothing from the text


def test_excerpt_is_shortened_before_the_title():
    act = real_acts()[0]
    long_excerpt = "Considérant " * 40 + "la captation d'images au moyen de caméras" + " installées" * 40
    item = item_of(act, matches=(Match("drones", "r", 3, long_excerpt, "captation d'images"),))
    toot = compose(item, [CATEGORIES["drones"]], 500)
    excerpt = next(line for line in toot.split("\n") if line.startswith("« "))
    assert excerpt.startswith("« …") and excerpt.endswith("… »") and "captation d'images" in excerpt
    assert toot.split("\n")[1] == " ".join(act["title"].split())
    without_excerpt = length(compose(item_of(act, matches=()), [CATEGORIES["drones"]]))
    tight = compose(item, [CATEGORIES["drones"]], without_excerpt - 20)
    assert not any(line.startswith("« ") for line in tight.split("\n"))
    assert tight.split("\n")[1].endswith("…")
    assert without_excerpt - 40 < length(tight) <= without_excerpt - 20  # a word lost at most


def test_long_title_is_cut_at_a_word_with_an_ellipsis():
    act = real_acts()[1]
    title = "Arrêté préfectoral instaurant un périmètre de protection " + "aux abords du stade Mayol " * 60
    toot = compose(item_of(act, act=Act(act["ref"], title, 35, 41)), [CATEGORIES["silt_perimeter"]], 500)
    shown = toot.split("\n")[1]
    assert shown.endswith("…") and title.startswith(shown[:-1]) and title[len(shown) - 1] == " "
    assert length(toot) <= 500


def test_emoji_are_counted_as_graphemes_and_never_split():
    family = "👨‍👩‍👧‍👦"
    act = real_acts()[0]
    title = f"Arrêté {family}{family} " + f"{family}é́ " * 200
    item = item_of(act, act=Act(act["ref"], title, 3, 5))
    categories = [CATEGORIES["vsa"], CATEGORIES["drones"]]
    for limit in range(240, 520, 7):
        toot = compose(item, categories, limit)
        assert length(toot) <= limit
        allowed = set(grapheme.graphemes(title + compose(item, categories, 10_000))) | {"…", "\u2060"}
        assert set(grapheme.graphemes(toot)) <= allowed


def test_several_categories_make_one_toot():
    act = real_acts()[0]
    categories = [CATEGORIES["drones"], CATEGORIES["videoprotection"]]
    toot = compose(item_of(act), categories)
    assert toot.startswith("🚁 Drones · 📹 Vidéoprotection — Préfecture du Var (83)\n")
    assert toot.endswith("\n#drones #technopolice #vidéosurveillance #Var")


def test_content_warning_counts_towards_the_limit():
    act = real_acts()[0]
    warning = content_warning([CATEGORIES["drones"], CATEGORIES["vsa"]],
                              {"drones": "Surveillance policière", "vsa": "Surveillance policière", "lra": "x"})
    assert warning == "Surveillance policière"
    assert content_warning([CATEGORIES["vsa"]], {"drones": "x"}) is None
    toot = compose(item_of(act), [CATEGORIES["drones"]], 300, spoiler_text=warning)
    assert length(toot, warning) <= 300 < length(compose(item_of(act), [CATEGORIES["drones"]], 300), warning)


def test_without_pages_ref_or_date():
    act = real_acts()[0]
    item = item_of(act, act=Act(None, act["title"], None, None), published=None,
                   matches=(Match("drones", "r", None, "", ""),))
    toot = compose(item, [CATEGORIES["drones"]])
    assert toot.split("\n")[2] == f"Paru dans « {act['raa_name']} »"
    assert toot.split("\n\n")[1] == act["raa_url"] and "Acte" not in toot


def test_a_limit_too_small_for_link_and_hashtags_is_an_error():
    with pytest.raises(TootError, match="cannot fit 60 characters"):
        compose(item_of(real_acts()[0]), [CATEGORIES["drones"]], 60)


def test_french_dates_and_refs():
    assert french_date(date(2025, 6, 1)) == "1er juin 2025"
    assert french_date(date(2025, 8, 16)) == "16 août 2025"
    assert ref_date("83-2025-06-06-00001") == date(2025, 6, 6)
    assert ref_date("2A-2024-12-31-00012") == date(2024, 12, 31)
    assert ref_date("D77-2024-01-31-00001") == date(2024, 1, 31)
    assert ref_date("BFC-2022-07-04-00011") == date(2022, 7, 4)
    assert ref_date("2026-07-10-00019") == date(2026, 7, 10)  # Nord prints no prefix
    assert ref_date("83-2025-13-45-00001") is None and ref_date("2024-00289") is None


def test_published_date_is_given_when_the_name_lacks_it():
    act = real_acts()[0]
    toot = compose(item_of(act, document_title="Recueil spécial n°12"), [CATEGORIES["drones"]])
    assert toot.split("\n")[3] == "Paru le 26 février 2025 dans « Recueil spécial n°12 », p. 3-5"


def test_hashtags_are_words_mastodon_takes():
    assert hashtag("Bouches-du-Rhône") == "BouchesDuRhône"
    assert hashtag("Côte-d'Or") == "CôteDOr"
    assert hashtag("#silt_perimeter") == "siltPerimeter"
    assert hashtag("83") == "" and hashtag("--") == ""
    assert hashtags([CATEGORIES["drones"]], "2a") == ["drones", "technopolice", "CorseDuSud"]
    assert hashtags([Category("rave_ban", "Rave", "🔊")], "999") == ["raveBan"]
    assert hashtags([Category("a", "A", hashtags=("Technopolice", "var")), CATEGORIES["drones"]], "83") == [
        "Technopolice", "var", "drones"]


def test_page_link():
    assert page_link("https://x.fr/a b.pdf#old", 4) == "https://x.fr/a%20b.pdf#page=4"
    assert page_link("https://x.fr/a%20b.pdf", None) == "https://x.fr/a%20b.pdf"


@settings(max_examples=150, deadline=None)
@given(title=st.text(min_size=0, max_size=600), excerpt=st.text(max_size=600), ref=st.text(max_size=40),
       limit=st.integers(min_value=260, max_value=700))
def test_any_document_text_fits_and_stays_harmless(title, excerpt, ref, limit):
    act = real_acts()[2]
    item = item_of(act, act=Act(ref or None, title, 3, 494), document_title=title[:80],
                   matches=(Match("videoprotection", "r", 3, excerpt, excerpt[10:30]),))
    categories = [CATEGORIES["videoprotection"]]
    toot = compose(item, categories, limit)
    assert length(toot) <= limit
    assert_harmless(toot, item, categories)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["https://www.var.gouv.fr/a%20b.pdf#page=3", "@someone@example.org", "@bob", "\n",
                                 "\r\n", "\r", " ", "é", "e\u0301", "🚁", "👁️‍🗨️", "🇫🇷", "\u2060", "\u00ad", "한",
                                 "#tag", "…", "«", "x"]) | st.text(max_size=5), max_size=60).map("".join),
       st.text(max_size=20))
def test_length_is_mastodons_count(text, spoiler):
    # graphemeu, which Mastodon.py uses, splits a flag that follows a line break ("\n🇫🇷" counts 3);
    # Mastodon counts 2, as `length` does (see test_flag_after_line_break)
    assume(not re.search("[\n\r][\U0001F1E6-\U0001F1FF]", text))
    assert length(text, spoiler) == Mastodon.get_status_length(text, spoiler) == mastodon_length(text, spoiler)


def test_links_counted_in_full_count_every_code_point():
    text = "🇫🇷 https://www.var.gouv.fr/a%20b.pdf#page=3"
    assert length(text, "CW", url_length=None) == len(text) + 2 > length(text, "CW")
    assert length(text, url_length=25) == length(text) + 2


def test_flag_after_line_break():
    assert length("\n🇫🇷") == 2 and length("Var\n🇫🇷🇫🇷") == 6


def test_an_excerpt_from_a_page_read_poorly_is_short_and_said_uncertain():
    real = real_acts()[0]
    long = " ".join([real["excerpt"]] * 3)
    scanned = item_of(real, matches=(Match(real["category"], "rule", 4, long, real["words"]),),
                      poor_pages=frozenset({4}))
    [quote] = [line for line in compose(scanned, [CATEGORIES[real["category"]]]).split("\n") if line.startswith("«")]
    assert quote.endswith("» (page scannée, lecture incertaine)")
    assert 40 <= len(quote.split(" »")[0]) - 2 <= 100 and " ".join(real["words"].split()) in quote


def test_a_match_on_a_well_read_page_is_quoted_before_one_on_a_page_read_poorly():
    real = real_acts()[0]
    noise = Match(real["category"], "rule", 4, "… du 2 =)/D//O25 autorisant la captation d'images …", "captation")
    clear = Match(real["category"], "rule", 3, real["excerpt"], real["words"])
    toot = compose(item_of(real, matches=(noise, clear), poor_pages=frozenset({4})), [CATEGORIES[real["category"]]])
    assert "O25" not in toot and "lecture incertaine" not in toot
    assert " ".join(real["words"].split()) in toot


# --- the facts ---------------------------------------------------------------------------------------

LABELS = rules.load(BUNDLED_RULES).vocabulary.labels()
NIORT = Commune("79191", "Niort", "79", 46.32, -0.46, None, "commune")
CHAURAY = Commune("79081", "Chauray", "79", 46.36, -0.38, None, "commune")
POITIERS = Commune("86194", "Poitiers", "86", 46.58, 0.34, None, "commune")
MANIFESTATION = Facts(start=date(2026, 6, 12), end=date(2026, 6, 14), times=("15:00-22:00",), communes=(NIORT,),
                      scope="commune", purposes=("manifestation",), operators=("police_nationale",), cameras=2)


def with_facts(facts: Facts, **changes) -> TootInput:
    return item_of(real_acts()[0], facts=facts, labels=LABELS, **changes)


def test_the_facts_lead_after_the_header_and_replace_the_excerpt():
    act = real_acts()[0]
    lines = compose(with_facts(MANIFESTATION), [CATEGORIES["drones"]]).split("\n")
    assert lines[0] == "🚁 Drones — Préfecture du Var (83)"
    assert lines[1] == "📍 Niort (79) · 🗓 12–14 juin 2026, 15h–22h · 🎯 manifestation · 👮 police nationale · 2 caméras"
    assert lines[2] == " ".join(act["title"].split())
    assert not any(line.startswith("«") for line in lines)


def test_the_excerpt_is_quoted_only_where_no_fact_was_read():
    act = real_acts()[0]
    lines = compose(with_facts(Facts()), [CATEGORIES["drones"]]).split("\n")
    assert lines[1] == " ".join(act["title"].split())
    assert any(line.startswith("«") and " ".join(act["words"].split()) in line for line in lines)


def test_places_communes_and_the_whole_department():
    many = tuple(Commune(f"79{number:03d}", f"Commune {number}", "79", None, None, None, "commune")
                 for number in range(10))
    assert where(Facts(communes=(NIORT, CHAURAY, POITIERS))) == "Niort, Chauray (79), Poitiers (86)"
    assert where(Facts(communes=many)) == "Commune 0, Commune 1, Commune 2, Commune 3 (79) et 6 autres communes"
    assert where(Facts(places=("Stade Bonal",), communes=(NIORT,), scope="site")) == "Stade Bonal, Niort (79)"
    assert where(Facts(scope="department"), "83") == "tout le département (83)"
    assert where(Facts()) == ""
    assert facts_line(Facts(purposes=("rodeo", "new_purpose"), cameras=1), LABELS) == (
        "🎯 rodéos urbains, new_purpose · 1 caméra")


@pytest.mark.parametrize("start, end, expected", [
    (date(2026, 6, 12), date(2026, 6, 14), "12–14 juin 2026"),
    (date(2024, 1, 31), date(2024, 1, 31), "31 janvier 2024"),
    (date(2024, 1, 31), None, "à partir du 31 janvier 2024"),
    (None, date(2026, 12, 31), "jusqu'au 31 décembre 2026"),
    (date(2024, 1, 31), date(2024, 2, 3), "du 31 janvier au 3 février 2024"),
    (date(2025, 12, 30), date(2026, 1, 2), "du 30 décembre 2025 au 2 janvier 2026"),
    (date(2026, 5, 1), date(2026, 5, 3), "1er–3 mai 2026"),
    (None, None, ""),
])
def test_periods_in_french(start, end, expected):
    assert period(start, end) == expected


def test_hours_in_french():
    assert hours(("15:00-22:00",)) == "15h–22h"
    assert hours(("08:00-12:30", "14:00-23:59")) == "8h–12h30, 14h–23h59"
    assert hours(("14:00-",)) == "à partir de 14h"
    assert facts_line(Facts(start=date(2026, 5, 1), end=date(2026, 5, 1), times=("08:00-20:00",)), {}) == (
        "🗓 1er mai 2026, 8h–20h")


@pytest.mark.parametrize("kind, first", [("repeal", "Abrogation — "), ("modification", "Modification — "),
                                         ("renewal", "Renouvellement — "), ("extension", "Prorogation — "),
                                         ("initial", "")])
def test_every_kind_but_a_first_act_says_so_in_the_first_words(kind, first):
    act = real_acts()[0]
    title = "Arrêté portant abrogation de l'arrêté n° 2025-00490 autorisant la captation d'images"
    for facts in (Facts(kind=kind), replace(MANIFESTATION, kind=kind, start=None, end=None)):
        toot = compose(with_facts(facts, act=Act(act["ref"], title, 3, 5)), [CATEGORIES["drones"]])
        assert toot.startswith(f"{first}🚁 Drones — Préfecture du Var (83)\n")


@pytest.mark.parametrize("title, first", [
    ("Arrêté n°20250344 VS 75 abrogeant l’arrêté n°20242908 VS 75 du 18 décembre 2024 et portant autorisation "
     "d’installer un dispositif de vidéoprotection", "Abrogation et remplacement — "),
    ("Arrêté abrogeant et remplaçant l'arrêté du 3 mars 2025 autorisant la captation d'images",
     "Abrogation et remplacement — "),
    ("Arrêté portant autorisation d'un système de vidéoprotection (its articles repeal the act before it)",
     "Abrogation et remplacement — "),
    ("Arrêté n°2025-00393 portant retrait de l'arrêté n°2025-00392 portant interdiction d'une manifestation",
     "Abrogation — "),
    ("Arrêté n°2024-01152 portant abrogation de l'arrêté 2024-01147 instituant un périmètre de protection et "
     "différentes mesures de police", "Abrogation — "),
    ("Arrêté portant abrogation et refus d'autorisation d'installation d'un système de vidéoprotection",
     "Abrogation — "),
])
def test_a_repeal_whose_title_names_what_it_authorises_says_it_replaces(title, first):
    act = real_acts()[0]
    item = item_of(act, act=Act(act["ref"], title, 3, 5), facts=Facts(kind="repeal"), labels=LABELS)
    assert compose(item, [CATEGORIES["drones"]]).startswith(f"{first}🚁 Drones — ")


def test_a_repeal_with_a_period_of_its_own_says_it_replaces():
    """« Le présent arrêté abroge l'arrêté n° 005 ; il est instauré un périmètre … le 12 juin »: a measure in
    force, which the toot does not present as a mere repeal."""
    toot = compose(with_facts(replace(MANIFESTATION, kind="repeal")), [CATEGORIES["drones"]])
    assert toot.startswith("Abrogation et remplacement — 🚁 Drones — Préfecture du Var (83)\n📍 Niort (79) · "
                           "🗓 12–14 juin 2026, 15h–22h")


@pytest.mark.parametrize("limit", [500, 400, 300])
@pytest.mark.parametrize("url_length", [23, None])
def test_a_long_facts_line_fits_the_limit_and_the_kind_is_never_cut(limit, url_length):
    places = ("Stade Vélodrome et ses abords immédiats, boulevard Michelet, rond-point du Prado et allées",
              "Parc des expositions de la ville et parkings attenants jusqu'au rond-point de la Pomme")
    communes = tuple(Commune(f"13{number:03d}", f"Saint-Martin-de-la-Commune-{number}", "13", None, None, None,
                             "commune") for number in range(30))
    facts = Facts(kind="repeal", start=date(2025, 12, 30), end=date(2026, 1, 2), times=("08:00-12:30", "14:00-23:59"),
                  communes=communes, scope="site", places=places, purposes=("manifestation", "sport", "rave"),
                  operators=("police_nationale", "gendarmerie", "police_municipale"), cameras=12)
    item = with_facts(facts)
    toot = compose(item, [CATEGORIES["drones"]], limit, url_length=url_length)
    assert length(toot, url_length=url_length) <= limit
    head = "Abrogation et remplacement — 🚁 Drones — Préfecture du Var (83)\n📍 Stade"  # a repeal with its own period
    assert toot.startswith(head + (" Vélodrome" if limit >= 400 else ""))
    assert_harmless(toot, item, [CATEGORIES["drones"]])
    lines = toot.split("\n")
    assert ELLIPSIS * 2 not in toot
    if url_length == 23 and limit >= 400:  # the places cut short, so that the period follows them
        assert "… · 🗓 du 30 décembre 2025 au 2 janvier 2026, 8h–12h30, 14h–23h59 · 🎯 manifestation" in lines[1]
    if url_length == 23 and limit == 500:  # the facts line whole, the title cut first
        assert lines[1].endswith(" · 👮 police nationale, gendarmerie, police municipale · 12 caméras")
        assert lines[2].endswith(ELLIPSIS) and len(lines[2]) < 40


def test_a_place_name_from_a_document_cannot_mention_tag_or_link():
    facts = Facts(places=("Stade @admin@mastodon.social #Toulon evil.example",), scope="site")
    item = with_facts(facts)
    toot = compose(item, [CATEGORIES["drones"]])
    assert_harmless(toot, item, [CATEGORIES["drones"]])
    assert "📍 Stade @admin@mastodon.social #Toulon evil.example" in toot.replace("\u2060", "")


def test_the_demos_drone_toot_shows_its_place_and_period(tmp_path):
    ruleset = rules.load(BUNDLED_RULES)
    analysis = analyse_file(DRONE_RAA, ruleset, ExtractSettings(ocr=False), tmp_path, "77", date(2024, 1, 31))
    drone = next(item for item in analysis.acts if item.categories == ["drones"])
    stored = StoredAct(1, "key", drone.act, drone.matches, "pref77", "RAA spécial n°D77-31-01-2024",
                       "https://www.seine-et-marne.gouv.fr/raa.pdf", date(2024, 1, 31),
                       datetime(2024, 1, 31, tzinfo=timezone.utc), facts=drone.facts)
    source = Source("pref77", "Préfecture de Seine-et-Marne", "https://www.seine-et-marne.gouv.fr/", "77")
    lines = render(stored, [ruleset.categories["drones"]], {"pref77": source}, ruleset.vocabulary.labels(),
                   Limit(500)).split("\n")
    assert lines[0] == "🚁 Drones — Préfecture de Seine-et-Marne (77)"
    assert lines[1].startswith("📍 ") and "Brie-Comte-Robert (77)" in lines[1]
    assert "🗓 du 31 janvier au 3 février 2024, 10h–23h59" in lines[1]
    assert lines[2].startswith("Arrêté n°2024/CAB/BSIR/141 du 31/01/2024 autorisant la captation")
