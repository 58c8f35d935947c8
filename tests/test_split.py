"""Splitting real RAA into acts: DemaRAA Sommaires, a Sommaire table, headings, nothing at all."""

from __future__ import annotations

import csv
import re
import time
from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.corpus import corpus
from tests.support.prefecture import DRONE_RAA
from watchbot.core.models import Page
from watchbot.core.settings import ExtractSettings
from watchbot.read.extract import extract_pdf, read_text_file
from watchbot.read.split import ACT_ID, split

SPECIAL = DRONE_RAA  # the demo's copy: Seine-et-Marne special RAA, 6 pages, drone act


def var_labels() -> dict[str, list[dict]]:
    labels = defaultdict(list)
    with corpus("var-2025-acts-dev.csv").open(encoding="utf-8") as stream:
        for row in csv.DictReader(stream):
            labels[row["raa_sha256"]].append(row)
    return labels


def test_every_labelled_var_act_is_found_with_its_id_title_and_start_page():
    labels = var_labels()
    wrong = []
    for sha, rows in labels.items():
        acts = split(read_text_file(corpus(f"var-2025/{sha}.txt")).pages)
        found = [(act.ref, act.title, act.first_page) for act in acts]
        expected = [(row["act_id"], " ".join(row["title"].split()), int(row["start_page"])) for row in rows]
        if len(rows) == 1 and found and found[0][0] is None:  # no Sommaire: the label's id is made up
            found = [(rows[0]["act_id"], *found[0][1:])]
        if sorted(found, key=str) != sorted(expected, key=str):
            wrong.append(rows[0]["raa_name"])
    assert len(labels) == 140
    assert wrong == []


@pytest.mark.parametrize("ref", ["83-2025-06-06-00001", "D77-2024-01-31-00001", "2B-2026-08-12-00001",
                                 "BFC-2022-07-04-00011", "2026-07-10-00019", "75-2024-02-03-00001"])
def test_act_identifiers_of_every_demaraa_prefecture(ref):
    # the formats seen on the prefectures' recueils, in a Sommaire entry
    text = f"Sommaire\nPréfecture / Cabinet\n{ref} - Arrêté portant interdiction (2 pages) Page 3\n"
    [act] = split([Page(1, "RECUEIL"), Page(2, text), Page(3, ref), Page(4, f"Cabinet - {ref} - Arrêté 4"),
                   Page(5, f"Cabinet - {ref} - Arrêté 5")])
    assert (act.ref, act.title, act.first_page, act.last_page) == (ref, "Arrêté portant interdiction", 3, 5)


@pytest.mark.parametrize("text", ["N°83-2025-158 - Recueil (2 pages) Page 3",
                                  "2024/00131 - Arrêté (2 pages) Page 3"])
def test_other_numbers_are_not_act_identifiers(text):
    [act] = split([Page(1, text), Page(2, "suite")])
    assert act.ref is None


def test_var_act_text_runs_from_its_cover_to_the_next_act():
    acts = split(read_text_file(corpus("var-2025/06c148ec3cf7f62bb29a458d3d6594e1ad9d4ea84aee161fd43adbed6c8a3fda.txt"))
                 .pages)
    assert [(act.ref, act.first_page, act.last_page) for act in acts] == [
        ("83-2025-01-17-00002", 3, 5), ("83-2025-01-17-00003", 6, 9), ("83-2025-01-17-00004", 10, 12),
        ("83-2025-01-17-00005", 13, 16), ("83-2025-01-16-00002", 17, 23)]
    first, second = acts[0].text, acts[1].text
    assert first.startswith("83-2025-01-17-00002\nArrêté désignation OS CSA")
    assert "Jean -Pierre CHARPENTIER" in first and "PORTAL-BIELEC" not in first
    assert second.startswith("83-2025-01-17-00003") and "PORTAL-BIELEC" in second


def test_sommaire_page_glued_to_an_entry_page_number():
    # "(8 pages) Page 53" followed by the Sommaire's own page number "2" reads "Page 532"
    acts = split(read_text_file(corpus("var-2025/c5532978e8ad8d6d81887f294109dd9199b5a7d7e95a046dcaddbfa82deed4c2.txt"))
                 .pages)
    assert {act.ref: act.first_page for act in acts}["83-2025-01-30-00002"] == 53


def test_d77_special_raa_drone_act_with_its_pages(tmp_path):
    pages = extract_pdf(SPECIAL, ExtractSettings(ocr=False), tmp_path).pages
    [act] = split(pages)
    assert act.ref == "D77-2024-01-31-00001"
    assert act.title.startswith("Arrêté n°2024/CAB/BSIR/141 du 31/01/2024 autorisant la captation")
    assert act.title.endswith("Brie-Comte-Robert entre les PR 17 et 19")
    assert "au moyen de caméras installées sur des aéronefs" in act.title
    assert (act.first_page, act.last_page) == (3, 6)
    assert [page.number for page in act.pages] == [3, 4, 5, 6]


def test_d77_sommaire_mapped_to_pdf_pages(tmp_path):
    pages = extract_pdf(corpus("idf/pdfs/RAA%20n%C2%B0D77-29-07-2024.pdf"), ExtractSettings(ocr=False), tmp_path).pages
    acts = split(pages)
    assert [(act.ref, act.first_page, act.last_page) for act in acts] == [
        ("D77-2024-07-26-00001", 3, 6), ("D77-2024-07-29-00001", 7, 12), ("D77-2024-07-29-00002", 13, 17),
        ("D77-2024-07-25-00003", 18, 22), ("D77-2024-07-26-00004", 23, 25)]
    assert "hélicoptères" in acts[3].title


def test_page_offset_comes_from_the_footers():
    # the same RAA behind two extra pages: the footers repeating the act id move every act by 2
    pages = read_text_file(corpus("idf/derived/pdftotext/RAA%20n%C2%B0D77-30-10-2025.txt")).pages
    shifted = [Page(1, "Couverture"), Page(2, "")] + [Page(page.number + 2, page.text) for page in pages]
    before = [(act.ref, act.first_page, act.last_page) for act in split(pages)]
    after = [(act.ref, act.first_page, act.last_page) for act in split(shifted)]
    assert before[0] == ("D77-2025-10-29-00004", 3, 5)
    assert after == [(ref, first + 2, last + 2) for ref, first, last in before]


def test_val_de_marne_sommaire_table(tmp_path):
    pdf = corpus("idf/pdfs/RAA%20n%C2%B015%20du%2029%20janvier%202024.pdf")
    acts = split(extract_pdf(pdf, ExtractSettings(ocr=False), tmp_path).pages)
    assert [(act.ref, act.first_page, act.last_page) for act in acts] == [
        ("2023/04677", 5, 13), ("2024/0131", 14, 15), ("2024 / 00156", 16, 21), ("2024 / 00273", 22, 23),
        ("2024 / 00274", 24, 25), ("2024 / sans numéro", 26, 30), ("2024 / 00109", 31, 35), ("2024 / 00111", 36, 43)]
    helicopter = acts[6]
    assert helicopter.title == ("autorisant le vol d’un hélicoptère de la gendarmerie nationale en Ile-de-France "
                                "du samedi 27 janvier 2024 à 15h au lundi 29 janvier 23h59")
    assert "aéronefs" in helicopter.text


def test_val_de_marne_sommaire_table_row_on_one_line(tmp_path):
    # the last row of n°09 fits on one line, its page number ending it: "… + Annexe 205"
    pdf = corpus("idf/pdfs/RAA%20n%C2%B009%20du%2020%20janvier%202025.pdf")
    acts = split(extract_pdf(pdf, ExtractSettings(ocr=False), tmp_path).pages)
    assert [act.first_page for act in acts] == [6, 8, 13, 157, 187, 190, 193, 196, 201, 205]
    assert (acts[-1].ref, acts[-1].title, acts[-1].last_page) == (
        "2025/01", "portant délégation de signature + Annexe", 218)
    assert acts[3].ref == "2025/ DD94/01"


def test_headings_split_a_recueil_without_sommaire():
    # Val-de-Marne n°15 without its cover and Sommaire table (pages 1-4): act starts are 5, 14, 16, 22, 24,
    # 26, 31, 36 by the Sommaire; the headings and closings find all but 26 (its heading is a commission
    # name) and cut two annexes (27, 34) that open with a heading.
    pages = read_text_file(corpus("idf/derived/pdftotext/RAA%20n%C2%B015%20du%2029%20janvier%202024.txt")).pages
    acts = split([page for page in pages if page.number >= 5])
    starts = [act.first_page for act in acts]
    assert {5, 14, 16, 22, 24, 31, 36} <= set(starts)
    assert len(starts) <= 9
    assert acts[0].ref is None
    assert acts[1].title.startswith("ARRÊTÉ PRÉFECTORAL n°2024/00131 du 16 janvier 2024 portant modification")


def test_sommaire_table_laid_out_by_pdftotext_falls_back_to_headings():
    # with -layout the page number ends a row's first line and the title goes on below: not read as a table
    pages = read_text_file(corpus("idf/derived/pdftotext/RAA%20n%C2%B015%20du%2029%20janvier%202024.txt")).pages
    acts = split(pages)
    assert all(act.ref is None for act in acts)
    assert {14, 16, 22, 24, 31, 36} <= {act.first_page for act in acts}
    assert all(act.last_page <= 43 for act in acts)


def test_no_sommaire_is_one_act():
    text = corpus("var-2025/71345a6781a224424819beaa767481bb36a7278565c9d7669a3ab547376cb7de.txt")
    pages = read_text_file(text).pages
    [act] = split(pages)
    assert act.ref is None
    assert act.title == ("Arrêté préfectoral n° 2025_01_DS_SIDPC-01 portant approbation des dispositions "
                         "spécifiques ORSEC du plan particulier d'intervention « Port militaire de TOULON »")
    assert act.text == pages[0].text


def test_single_acts_take_ref_and_title_from_their_cover():
    # 16 real Nord/Pas-de-Calais acts; each file's header gives the recueil's "<service> <id> - <title>"
    folder = corpus("nord-pdc/acts")
    covered = 0
    for path in sorted(folder.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        listed = re.search(r"^# titre_complet: (.*)$", text, re.MULTILINE).group(1)
        ref = re.search(ACT_ID, listed).group(0)
        [act] = split(read_text_file(path).pages)
        if f"\n{ref}\n" in text:  # the act's DemaRAA cover page is in the text
            covered += 1
            assert act.ref == ref
            assert act.title == " ".join(listed.split(f"{ref} - ", 1)[1].split())
        else:
            assert act.ref is None and act.title.startswith("Arrêté préfectoral portant autorisation des travaux")
    assert covered == 15


def test_nothing_recognisable():
    assert split([]) == []
    [act] = split([Page(1, ""), Page(2, "   ")])
    assert (act.ref, act.title, act.first_page, act.last_page, len(act.pages)) == (None, "", 1, 2, 2)


@pytest.mark.parametrize("text", [
    "83-2025-01-17-00002 - " * 20000,
    "(3 pages) Page 4 " * 20000,
    "83-2025-01-17-00002 - Arrêté (" + "1 " * 50000,
    "Arrêté Date INTITULÉ Page\n" + "2024 / 00156 18/01/2024 x\n" * 5000 + "12\n" * 5000,
    "Fait à Melun, le" + " a" * 50000,
    "ARRÊTÉ\n" * 30000,
])
def test_pathological_texts_are_split_quickly(text):
    started = time.perf_counter()
    for pages in ([Page(None, text)], [Page(1, text), Page(2, text)]):
        acts = split(pages)
        assert acts and all(isinstance(act.title, str) for act in acts)
        assert all(act.first_page <= act.last_page for act in acts if None not in (act.first_page, act.last_page))
    assert time.perf_counter() - started < 5


PIECES = ["Sommaire", "SOMMAIRE", "83-2025-06-06-00001", "D77-2024-01-31-00001", "2026-07-10-00019", " - ",
          "Arrêté préfectoral portant ", "(3 pages)", "Page 3", "Page ", "\n", "\f", "ARRÊTÉ", "PRÉFET DU VAR",
          "Fait à Toulon, le 3 juin 2025", "Arrêté | Date | INTITULÉ | Page", "   ", "é", "-", "0"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=30)), max_size=200))
def test_split_never_fails_on_any_text(pieces):
    text = "".join(pieces)
    pages = [Page(number, chunk) for number, chunk in enumerate(text.split("\f"), start=1)]
    started = time.perf_counter()
    acts = split(pages)
    assert time.perf_counter() - started < 2
    numbers = {page.number for page in pages}
    for act in acts:
        assert all(page.number in numbers for page in act.pages)
        if act.first_page is not None and act.last_page is not None:
            assert act.first_page <= act.last_page


def test_a_sommaire_whose_acts_overlap_beyond_reason_is_not_trusted(caplog):
    # 10,000 entries whose pages jump between 2 and 240: trusted, they would put 1.2 million pages in acts
    entries = "\n".join(f"83-2025-01-01-{i:05d} - Arrêté n° {i} (1 pages) Page {2 if i % 2 else 240}"
                        for i in range(10_000))
    pages = [Page(1, "SOMMAIRE\n" + entries)] + [Page(n, f"Arrêté relatif à la page {n}\n" + "texte " * 500)
                                                 for n in range(2, 241)]
    acts = split(pages)
    assert sum(len(act.pages) for act in acts) <= 2 * len(pages)
    assert "acts found by their headings instead" in caplog.text
