"""Classifying real acts: every match explains itself, and the traps stay negative."""

from __future__ import annotations

import csv
import time
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from watchbot.match import rules
from watchbot.match.classify import classify, excerpt, explain
from watchbot.read.extract import read_text_file
from watchbot.core.models import Act, Page
from watchbot.match.normalize import fold

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).parent / "data" / "rules"
RULESET = rules.load(ROOT / "rules")
LABELS = {row["file"]: row for row in csv.DictReader(open(DATA / "labels" / "acts.csv", encoding="utf-8"))}


def rules_by_name() -> dict[str, rules.Rule]:
    return {rule.category.name: rule for rule in RULESET.rules}


def act_from(file: str) -> Act:
    text = (DATA / "acts" / file).read_text(encoding="utf-8")
    body = "\n".join(line for line in text.split("\n") if not line.startswith("# "))
    return Act(LABELS[file]["act_id"], LABELS[file]["title"], 1, 1, (Page(1, body),))


@pytest.mark.parametrize("file", sorted(LABELS))
def test_real_act_gets_exactly_its_labels(file):
    expected = {name for name in LABELS[file]["categories"].split(";") if name}
    assert {match.category for match in classify(act_from(file), RULESET)} == expected


def test_drone_match_explains_itself():
    act = act_from("var_drones_gendarmerie.txt")
    matches = classify(act, RULESET)
    assert matches and all(match.category == "drones" for match in matches)
    for match in matches:
        assert match.rule in [pattern.text for rule in RULESET.rules for pattern in rule.strong]
        assert match.page == 1
        assert "\n" not in match.excerpt and len(match.excerpt) < 300
        assert match.words.replace("… ", "") in match.excerpt
        assert match.words in " ".join(act.text.split())  # raw words, not the folded copy
    assert any(fold(match.words).startswith("captation") for match in matches)


def test_title_repeated_in_every_footer_counts_once():
    file = "nord_drone_captation_59-2026-04-22-00002.txt"
    act = act_from(file)
    matches = classify(act, RULESET)
    rules_seen = [match.rule for match in matches]
    assert len(rules_seen) == len(set(rules_seen))
    assert act.text.count("caméras installées sur des aéronefs") >= 5
    assert matches[0].excerpt.strip("… ") in act.title  # found in the title first


def test_match_gives_the_page_where_the_words_are():
    cover = Page(12, "Préfecture du Var\nArrêté n° 2025-BSP-OP-40\nVu le code de la sécurité intérieure ;")
    body = Page(13, "Article 1er : Le nombre maximal de caméras aéroportées\nest fixé à une.")
    act = Act("83-2025-06-06-00001", "", 12, 13, (cover, body))
    match = classify(act, RULESET)[0]
    assert (match.category, match.rule, match.page, match.zone, match.words) == (
        "drones", "caméra aéroportée", 13, "dispositif", "caméras aéroportées")
    assert match.excerpt == "Article 1er : Le nombre maximal de caméras aéroportées est fixé à une."


def test_delegation_is_never_classified_even_with_an_empty_title():
    act = act_from("var_trap_delegation_cabinet.txt")
    assert classify(act, RULESET) == []
    untitled = Act(act.ref, "", act.first_page, act.last_page, act.pages)
    assert classify(untitled, RULESET) == []


def test_delegation_of_the_signature_in_val_de_marne_wording():
    # Title and sentence from the real RAA n°08 du 17 janvier 2025 of Val-de-Marne.
    act = Act(None, "arrêté n° 2025-00096 accordant délégation de la signature préfectorale au sein de la "
              "direction de l'ordre public", 18, 20,
              (Page(19, "- les décisions d'autorisation d’installation d’un système de vidéo-protection ;"),))
    assert classify(act, RULESET) == []
    assert classify(Act(None, "", 18, 20, act.pages), RULESET) != []


def test_perimeter_with_drone_in_forbidden_objects_is_not_a_drone_act():
    matches = classify(act_from("var_silt_perimeter_mayol.txt"), RULESET)
    assert {match.category for match in matches} == {"silt_perimeter"}
    assert "drone" in fold(act_from("var_silt_perimeter_mayol.txt").text)


def test_rave_ban_with_ocr_split_word_is_not_a_demonstration_ban():
    act = act_from("var_rave_ban.txt")
    assert "mu sical" in act.text
    assert {match.category for match in classify(act, RULESET)} == {"rave_ban"}


def test_title_only_act():
    act = Act(None, "Arrêté n° 2025-00246 portant interdiction partielle d'une manifestation déclarée à Paris",
              None, None)
    [match] = classify(act, RULESET)
    assert match.category == "demonstration_ban" and match.page is None


def test_excerpt_is_short_single_line_and_cut_at_spaces():
    raw = "mot " * 100 + "captation\nd'images" + " suite" * 100
    start = raw.index("captation")
    text = excerpt(raw, start, start + len("captation\nd'images"))
    assert text.startswith("… mot") and text.endswith("suite …")
    assert "captation d'images" in text and "\n" not in text and len(text) < 220
    long_words = "captation" + " mot" * 200
    assert len(excerpt(raw + long_words, len(raw), len(raw) + len(long_words))) <= 250


@settings(max_examples=150, deadline=3000)
@given(st.text(max_size=300), st.lists(st.text(max_size=2000), max_size=3))
def test_any_text_never_crashes(title, pages):
    act = Act(None, title, 1, len(pages), tuple(Page(number, text) for number, text in enumerate(pages, 1)))
    for match in classify(act, RULESET):
        assert match.category in RULESET.categories and "\n" not in match.excerpt


def _classify_seconds(text: str) -> float:
    act = Act(None, text[:300], 1, 1, (Page(1, text),))
    start = time.perf_counter()
    classify(act, RULESET)
    return time.perf_counter() - start


def test_hostile_text_takes_linear_time():
    # Glued words defeat word boundaries and make regular expressions backtrack.
    literals = {part.literal for rule in RULESET.rules for pattern in rule.strong + rule.support + rule.exclude
                for part in pattern.parts}
    chunk = "".join(literals) + " " + " ".join(literals) + " - \n\u00a0\u00ad l. 226-"
    small = _classify_seconds(chunk * 20)
    large = _classify_seconds(chunk * 80)
    assert large < 8 * max(small, 0.01)  # four times the text: linear is about 4, quadratic 16
    starred = [pattern.text for rule in RULESET.rules for pattern in rule.strong + rule.support + rule.exclude
               if "*" in pattern.text]
    for text in starred:  # « rassemblement* festif* » against « rassemblementrassemblement… festif »
        stem, rest = text.split("*", 1)
        assert _classify_seconds(stem.split()[-1] * 20_000 + rest) < 3, text


def test_powers_listed_in_a_delegation_page_are_not_a_rave_ban():
    # Page 8 of a real Hauts-de-Seine delegation: « …interdiction pour celles de nature à troubler
    # l'ordre public… ; la réception des déclarations des rassemblements festifs à caractère musical ».
    path = (ROOT.parent / "shared" / "corpus" / "idf" / "derived" / "raa_db_pages"
            / "id4_pref92_RAA_sp_cial_SGAD_du_18_novembre_2024_Vol-2.txt")
    if not path.exists():
        pytest.skip(f"real corpus not present: {path}")
    page = path.read_text(encoding="utf-8").split("===== page 8 =====")[1].split("===== page 9 =====")[0]
    assert "rassemblements festifs" in page
    categories = {match.category for match in classify(Act(None, "", 8, 8, (Page(8, page),)), RULESET)}
    assert "rave_ban" not in categories and "videoprotection" not in categories


def test_matches_are_in_the_acts_own_words_and_explain_shows_the_citations():
    # a real drone authorisation read by OCR: its « Vu » cites the ministerial order on drone cameras
    pages = read_text_file(DATA / "acts" / "d77_drones_ocr_D77-2025-10-29-00002.txt").pages
    act = Act("D77-2025-10-29-00002", "AP 2025 CAB BSIR 1730 du 29 10 2025", 1, 4, pages)
    matches = classify(act, RULESET)
    assert matches[0].zone == "title" and "caméras installées sur un aéronef" in matches[0].excerpt
    assert {match.zone for match in matches} == {"title", "dispositif"}
    found = explain(act, rules_by_name()["drones"])
    assert {match.zone for kind, match in found if kind == "strong"} == {"title", "dispositif", "considerants",
                                                                         "visas"}


# A VSA authorisation worded as the Préfecture de police words them (VOCABULARY.md); its « Vu » cites
# the VSA decree, whose title names « caméras installées sur des aéronefs ».
VSA_TITLE = ("Arrêté n° 2025-00180 portant autorisation de l'emploi d'un traitement algorithmique sur des images "
             "issues d'un système de vidéoprotection à l'occasion du concert du 14 juin 2025")
VSA_BODY = (
    "LE PRÉFET DE POLICE,\n"
    "Vu le code de la sécurité intérieure ;\n"
    "Vu la loi n° 2023-380 du 19 mai 2023 relative aux jeux Olympiques et Paralympiques de 2024, notamment son "
    "article 10 ;\n"
    "VU le décret n° 2023-828 du 28 août 2023 relatif aux modalités de mise en œuvre des traitements algorithmiques "
    "sur les images collectées au moyen de systèmes de vidéoprotection et de caméras installées sur des aéronefsle "
    "présent arrêté ;\n"
    "Considérant que le concert réunira 40 000 personnes ;\n"
    "Arrête :\n"
    "Article 1er : L'emploi d'un traitement algorithmique sur les images collectées au moyen du système de "
    "vidéoprotection du stade est autorisé du 14 au 15 juin 2025.\n")


@pytest.mark.parametrize("title", [VSA_TITLE, ""])
def test_vsa_authorisation_citing_the_vsa_decree_is_not_a_drone_act(title):
    act = Act("2025-00180", title, 1, 1, (Page(1, (VSA_TITLE + "\n" if not title else "") + VSA_BODY),))
    matches = classify(act, RULESET)
    assert {match.category for match in matches} == {"vsa"}
    assert matches[0].zone == "title"
    cited = [match for kind, match in explain(act, rules_by_name()["drones"]) if kind == "strong"]
    assert [match.zone for match in cited] == ["visas"] and "aéronefsle" in cited[0].excerpt


def test_a_ban_cited_in_a_visa_does_not_make_a_ban():
    act = Act(None, "Arrêté portant réglementation temporaire de la circulation rue de Rivoli", 1, 1, (Page(1, (
        "Vu l'arrêté n° 2025-00246 portant interdiction d'une manifestation déclarée le 1er mai ;\n"
        "Considérant qu'il convient d'assurer l'interdiction de la manifestation ;\n"
        "Arrête :\nArticle 1er : La circulation est interdite rue de Rivoli le 1er mai.\n")),))
    assert classify(act, RULESET) == []
    assert classify(Act(None, act.title, 1, 1, (Page(1, "Article 1er : interdiction de la manifestation."),)),
                    RULESET)[0].zone == "dispositif"


def test_the_excerpt_of_an_ocr_page_stops_at_ocr_noise():
    # the real OCR of a stamped date reads « du 2 =)/D//O25 », just before the matched words
    pages = read_text_file(DATA / "acts" / "d77_drones_ocr_D77-2025-10-29-00002.txt").pages
    matches = classify(Act("D77-2025-10-29-00002", "AP 2025 CAB BSIR 1730 du 29 10 2025", 1, 4, pages), RULESET)
    [authorising] = [match for match in matches if match.words.startswith("autorisant la captation")]
    assert "du 2 =)/D//O25\n\nautorisant la captation" in pages[authorising.page - 1].text
    assert authorising.excerpt.startswith("… autorisant la captation, l'enregistrement et la transmission d'images")
    assert not any("O25" in match.excerpt for match in matches)
    raw = "voir https://www.legifrance.gouv.fr/jorf : captation d'images | ~ 2@ suite"
    start = raw.index("captation")
    assert excerpt(raw, start, start + len("captation")) == "voir https://www.legifrance.gouv.fr/jorf : captation d'images …"
