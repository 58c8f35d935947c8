"""An act cut into zones: title, visas, considérants, dispositif, signature, annexes, on real acts."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from watchbot.evaluate.measure import read_text
from watchbot.match.zones import zones

DATA = Path(__file__).parent / "data" / "rules"
REAL_ACTS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "real-acts" / "acts"


def cut(text: str) -> dict[str, str]:
    """Each zone's text, joined when a zone comes back."""
    parts: dict[str, str] = {}
    for zone, start, end in zones(text):
        parts[zone] = parts.get(zone, "") + text[start:end]
    return parts


def order(text: str) -> list[str]:
    return [zone for zone, _, _ in zones(text)]


@pytest.mark.parametrize("file", ["var_drones_gendarmerie.txt", "d77_drones_ocr_D77-2025-10-29-00002.txt"])
def test_real_drone_acts_text_layer_and_ocr(file):
    text = read_text(DATA / "acts" / file)
    parts = cut(text)
    assert order(text)[:4] == ["title", "visas", "considerants", "dispositif"]
    assert "aéronef" in parts["title"] and "\nVu" not in parts["title"]
    assert parts["visas"].startswith("Vu le code de la sécurité intérieure")
    assert parts["considerants"].startswith("Considérant que")
    assert parts["dispositif"].startswith("Arrête\nArticle 1")
    assert "La présente autorisation est" in parts["dispositif"]


def test_real_ocr_act_with_spaced_title_and_glued_words():
    path = REAL_ACTS / "057_50_drone-modification-liic-cherbourg-50-2025-05-16-00001.txt"
    if not path.exists():
        pytest.skip(f"real corpus not present: {path}")
    parts = cut(read_text(path))
    # « A R R Ê T É » heads the title: it is no « ARRÊTE : » of a dispositif
    assert "A R R Ê T É\nmodifiant l'arrêté du 2 avril 2025 autorisant la captation" in parts["title"]
    assert parts["visas"].startswith("Vu le code de la sécurité intérieure") and "dispositif" not in parts


def test_sommaire_entry_is_all_title():
    entry = ("Préfecture de la Somme - Cabinet /\n80-2025-10-02-00003 - Arrêté 25-663 survol drone police "
             "02 10 2025 (3\npages) Page 19\n")
    assert list(zones(entry)) == [("title", 0, len(entry))]


def test_markers_in_upper_case_glued_or_after_a_clause():
    text = ("ARRETE\nportant interdiction\nVUle code ; VU la loi ;CONSIDÉRANTque la menace ;\n"
            "Sur proposition du directeur ;\nA R R E T E :\nARTICLE 1er : est interdite.\nFait à Metz, le 2 mai\n"
            "ANNEXE 1 : plan\nVu pour être annexé")
    parts = cut(text)
    assert order(text) == ["title", "visas", "considerants", "dispositif", "signature", "annexes"]
    assert parts["title"] == "ARRETE\nportant interdiction\n"  # « ARRETE » before the visas heads the title
    assert parts["visas"] == "VUle code ; VU la loi ;"
    assert parts["considerants"] == "CONSIDÉRANTque la menace ;\nSur proposition du directeur ;\n"
    assert parts["dispositif"].startswith("A R R E T E :\nARTICLE 1er")
    assert parts["annexes"].endswith("Vu pour être annexé")  # an annex that cites a text stays an annex


def test_words_that_only_start_like_markers():
    text = ("Arrêté relatif à la vulnérabilité\nVue du site, Articles 3 et 4, au vu des éléments, notamment son\n"
            "article 1er,\nVulcain")
    assert order(text) == ["title"]


def test_a_text_without_markers_is_no_title_after_its_first_clause():
    # a middle page of a real signature delegation (Hauts-de-Seine), alone: its list of powers is no title
    page = ("- Les mesures prises en matière de sécurité des manifestations sportives ;\n"
            "- Les décisions en matière d'installation d'un système de vidéoprotection ;\n")
    assert order(page) == ["title", "dispositif"]
    assert cut(page)["title"].rstrip() == "- Les mesures prises en matière de sécurité des manifestations sportives"


def test_a_page_starts_in_the_zone_where_the_previous_one_ended():
    assert list(zones("de la commune ;\nArticle 2 : …", "visas")) == [("visas", 0, 16), ("dispositif", 16, 29)]


@settings(max_examples=200, deadline=2000)
@given(st.text(alphabet=st.sampled_from(list("Vu Considérant ARRÊTE Article 1er Fait à Annexe ;:.\nxé")), max_size=200))
def test_zones_cover_the_text_in_order(text):
    spans = list(zones(text))
    assert spans[0][1] == 0 and spans[-1][2] == len(text)
    assert all(left[2] == right[1] and left[0] != right[0] for left, right in itertools.pairwise(spans))
