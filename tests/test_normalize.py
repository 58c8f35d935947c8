"""Normalisation for matching: what real RAA text looks like, and the map back to it."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from watchbot.match.normalize import fold, normalize

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


@pytest.mark.parametrize("raw, folded", [
    ("ARRÊTÉ PRÉFECTORAL", "arrete prefectoral"),
    ("ARRêté PRéFECTORAL", "arrete prefectoral"),
    ("Article 1ᵉʳ", "article 1er"),
    ("la ﬁn de l’œuvre", "la fin de l'oeuvre"),
    ("Nævus", "naevus"),
    ("CONSIDÉRANT  que  le 23 février", "considerant que le 23 fevrier"),
    ("le\u00a09\u202fjuin\u2009« drone »", 'le 9 juin " drone "'),
    ("L\u2019enregistrement, d\u02bcimages", "l'enregistrement, d'images"),
    ("L. 242\u20115", "l. 242-5"),
    ("Article 3 \u2013 le préfet", "article 3 - le prefet"),
    ("vidéo\u00adprotection", "videoprotection"),
    ("système de vidéo-\nprotection", "systeme de videoprotection"),
    ("vidéo-protection", "video-protection"),
    ("Saint-\nTropez", "saint- tropez"),
    ("sØcuritØ intØrieure ; particuliŁres", "securite interieure ; particulieres"),
    ("mise en ceuvre de l'anêté", "mise en oeuvre de l'arrete"),
    ("Article 1* :", "article 1er :"),
    ("n° 2023-380", "no 2023-380"),
    ("\n\n  ligne\t\tsuivante \r\n", "ligne suivante"),
    ("ZERO\u200bWIDTH", "zerowidth"),
])
def test_folds_real_text_variants(raw, folded):
    assert fold(raw) == folded


def test_offsets_lead_back_to_the_raw_words():
    raw = "Vu le code de la sØcuritØ intØrieure ;\nla vidéo-\nprotection de l’Œuvre  n°\u00a012"
    normalized = normalize(raw)
    for words, expected in [("securite interieure", "sØcuritØ intØrieure"), ("videoprotection", "vidéo-\nprotection"),
                            ("l'oeuvre", "l’Œuvre"), ("no 12", "n°\u00a012")]:
        start = normalized.text.index(words)
        raw_start, raw_end = normalized.raw_span(start, start + len(words))
        assert raw[raw_start:raw_end] == expected


def test_real_encoding_glitch_page():
    path = CORPUS / "idf" / "derived" / "raa_db_pages" / "id4_pref92_RAA_sp_cial_SGAD_du_18_novembre_2024_Vol-2.txt"
    if not path.exists():
        pytest.skip(f"real corpus not present: {path}")
    raw = path.read_text(encoding="utf-8")
    normalized = normalize(raw)
    start = normalized.text.index("code de la securite interieure")
    raw_start, raw_end = normalized.raw_span(start, start + len("code de la securite interieure"))
    assert raw[raw_start:raw_end] == "code de la sØcuritØ intØrieure"


def _normalize_and_map_the_end(text: str) -> float:
    start = time.perf_counter()
    normalized = normalize(text)
    normalized.raw_span(len(normalized.text) - 5, len(normalized.text))
    return time.perf_counter() - start


def test_linear_time_on_hostile_text():
    hostile = "-\n" + "é\u00ad " + "anete 1* ceuvre " + "\u00a0\u00a0" + "vidéo-\nprotection "
    small = _normalize_and_map_the_end(hostile * 5_000)
    large = _normalize_and_map_the_end(hostile * 20_000)
    assert large < 8 * max(small, 0.01)  # four times the text: linear is about 4, quadratic 16


@settings(max_examples=300, deadline=1000)
@given(st.text())
def test_any_text_folds_to_ascii_and_maps_inside_the_raw_text(raw):
    normalized = normalize(raw)
    assert normalized.text.isascii()
    assert fold(normalized.text) == normalized.text
    for start in range(0, len(normalized.text) + 1, 3):
        for end in (start, min(start + 4, len(normalized.text))):
            raw_start, raw_end = normalized.raw_span(start, end)
            assert 0 <= raw_start <= raw_end <= len(raw)


@settings(max_examples=300, deadline=1000)
@given(st.text(alphabet="abcdeéèêàçôîÉÈÀÇ AZ\u00a0\n-'’", max_size=80))
def test_each_folded_letter_comes_from_its_raw_letter(raw):
    normalized = normalize(raw)
    for index, char in enumerate(normalized.text):
        if char.isalnum():
            raw_start, raw_end = normalized.raw_span(index, index + 1)
            assert fold(raw[raw_start:raw_end]) == char
