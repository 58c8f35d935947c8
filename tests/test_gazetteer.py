"""The gazetteer of French communes, on the shipped file: names as acts write them give the right INSEE codes."""

from __future__ import annotations

import struct

import pytest

from watchbot.core.models import Commune
from watchbot.facts.build_communes import point
from watchbot.facts.gazetteer import gazetteer, normalise


def codes(name: str, department: str | None = None) -> list[str]:
    return [commune.insee for commune in gazetteer().find(name, department)]


@pytest.mark.parametrize("name, code", [
    ("Toulon", "83137"),
    ("La Seyne-sur-Mer", "83126"),
    ("La Seyne sur Mer", "83126"),
    ("Seyne-sur-Mer (La)", "83126"),
    ("LA SEYNE S/ MER", "83126"),
    ("La Seyne s/Mer", "83126"),
    ("St-Tropez", "83119"),
    ("Ste Maxime", "83115"),
    ("Le Havre", "76351"),
    ("Havre (Le)", "76351"),
    ("L’Haÿ-les-Roses", "94038"),
    ("L'HAY LES ROSES", "94038"),
    ("Paris 16e", "75116"),
    ("Paris 16ème arrondissement", "75116"),
    ("Paris (16e)", "75116"),
    ("Marseille 8e", "13208"),
    ("Lyon 1er arrondissement", "69381"),
    ("Paris", "75056"),
])
def test_a_written_name_gives_its_commune(name, code):
    assert codes(name) == [code]


def test_a_current_commune_has_its_place_and_departement():
    toulon = gazetteer().by_insee("83137")
    assert toulon == Commune("83137", "Toulon", "83", toulon.latitude, toulon.longitude, None, "commune")
    assert 43.0 < toulon.latitude < 43.2 and 5.8 < toulon.longitude < 6.1
    assert gazetteer().by_insee("75116").kind == "arrondissement"


def test_a_shared_name_gives_every_commune_and_a_departement_picks_one():
    assert {"11339", "30247", "93066", "97411"} <= set(codes("Saint-Denis"))
    assert codes("Saint-Denis", "974") == ["97411"]
    reunion = gazetteer().by_insee("97411")
    assert reunion.department == "974" and -21.5 < reunion.latitude < -20.5
    # Saint-Denis (93) merged with Pierrefitte-sur-Seine in 2025 and kept its code: the current commune first.
    assert [(commune.insee, commune.current_insee) for commune in gazetteer().find("saint denis", "93")] == [
        ("93066", None), ("93066", "93066")]


def test_a_former_commune_gives_itself_with_its_current_commune():
    [former] = gazetteer().find("Équeurdreville-Hainneville")
    assert (former.insee, former.department, former.current_insee, former.kind) == ("50173", "50", "50129", "deleguee")
    assert gazetteer().by_insee("50173") == former
    assert gazetteer().by_insee(former.current_insee).name == "Cherbourg-en-Cotentin"
    [associated] = gazetteer().find("Huppain", "14")
    assert (associated.current_insee, associated.kind) == ("14515", "associee")
    assert gazetteer().by_insee("14515").name == "Port-en-Bessin-Huppain"


def test_a_departement_is_written_as_the_file_writes_it():
    assert codes("Ajaccio", "2a") == ["2A004"]
    assert codes("Bourg-en-Bresse", "1") == ["01053"]
    assert codes("Toulon", "06") == []
    assert gazetteer().by_insee("99999") is None


def test_the_names_of_a_departement_serve_a_scanner():
    names = gazetteer().names_in_department("83")
    words = normalise("Arrêté portant interdiction à La Seyne-sur-Mer et à St Tropez").split()
    found = {commune.insee for size in range(1, gazetteer().max_words + 1) for start in range(len(words))
             for commune in names.get(" ".join(words[start:start + size]), [])}
    assert {"83126", "83119"} <= found
    assert all(commune.department == "83" for communes in names.values() for commune in communes)


def test_the_file_counts():
    kinds: dict[str, int] = {}
    for commune in gazetteer().communes:
        kinds[commune.kind] = kinds.get(commune.kind, 0) + 1
    assert kinds["arrondissement"] == 45 and kinds["commune"] > 34_000 and kinds["deleguee"] + kinds["associee"] > 2_000
    assert sum(commune.latitude is not None for commune in gazetteer().communes) / len(gazetteer().communes) > 0.99


def test_a_point_is_a_town_hall_or_the_centre_of_the_largest_part():
    town_hall = struct.pack("<BI2d", 1, 1, 5.93, 43.12).hex()
    assert point(town_hall) == (43.12, 5.93)
    square = [(0.0, 0.0), (2.0, 0.0), (2.0, 2.0), (0.0, 2.0), (0.0, 0.0)]
    islet = [(10.0, 10.0), (10.1, 10.0), (10.1, 10.1), (10.0, 10.0)]
    polygons = b"".join(struct.pack("<BII", 1, 3, 1) + struct.pack(f"<I{2 * len(ring)}d", len(ring), *sum(ring, ()))
                        for ring in (islet, square))
    assert point((struct.pack("<BII", 1, 6, 2) + polygons).hex()) == pytest.approx((1.0, 1.0))
    assert point("\\N") is None


def test_no_name_is_longer_than_the_scanners_window():
    assert max(len(key.split()) for key in gazetteer().names) == gazetteer().max_words
